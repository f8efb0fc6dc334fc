"""The ``--out`` directory of every ``xbar`` command: checked before any work, created, and
locked for the run, so two runs never write into one directory at once."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from golden.errors import ConfigError

__all__ = ["LOCK_NAME", "claim_out"]

#: the lock file a running command holds in its output directory
LOCK_NAME = ".xbar.lock"


def _create(out: Path) -> list[Path]:
    """Create ``out`` and its missing parents; returns the directories created."""
    if out.exists() and not out.is_dir():
        raise ConfigError("--out", str(out), "is a file, not a directory: choose another path")
    made = []
    for parent in reversed([out, *out.parents]):
        if parent.exists() and not parent.is_dir():
            raise ConfigError("--out", str(out), f"{parent} is a file, not a directory")
        if not parent.exists():
            made.append(parent)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ConfigError("--out", str(out), f"cannot be created ({err.strerror})") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise ConfigError("--out", str(out), "is not writable")
    return made


@contextlib.contextmanager
def claim_out(out: Path) -> Iterator[Path]:
    """Check and create ``out``, and hold its lock while the command runs. A second run into
    the same directory is refused; when the command fails before writing anything, the
    directories this made are removed again."""
    out = Path(out)
    made = _create(out)
    lock_path = out / LOCK_NAME
    try:
        fh = open(lock_path, "a+")  # noqa: SIM115 (held for the whole run)
    except OSError as err:
        raise ConfigError("--out", str(out), f"is not writable ({err.strerror})") from None
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        raise ConfigError(
            "--out", str(out), "is in use by another xbar run: wait for it or choose another"
        ) from None
    try:
        yield out
    finally:
        # the lock file stays (unlinking it would let a waiting opener and a new one both
        # lock), unless the run left nothing else in a directory it created
        if made and [p.name for p in out.iterdir()] == [LOCK_NAME]:
            lock_path.unlink()
        fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()
        for path in reversed(made):  # innermost first; only while they are empty
            with contextlib.suppress(OSError):
                path.rmdir()
