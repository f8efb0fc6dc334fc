"""numba's on-disk cache, keyed by the kernels' source.

numba's own cache checks only the source file of the function it loads, so a change in a
callee in another file leaves a stale compiled kernel in place. Here the cache lives in a
directory named after a digest of every golden module that defines numba kernels: any change
to any of them gives a fresh directory, and everything is compiled once more.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["kernel_cache_dir", "kernel_cache_lock", "kernel_digest", "use_kernel_cache"]

GOLDEN = Path(__file__).resolve().parent


def kernel_digest() -> str:
    """sha256 (16 hex digits) over the path and source of every golden module using numba."""
    h = hashlib.sha256()
    for path in sorted(GOLDEN.rglob("*.py")):
        text = path.read_bytes()
        if b"numba" in text:
            h.update(path.relative_to(GOLDEN).as_posix().encode() + b"\0" + text + b"\0")
    return h.hexdigest()[:16]


def kernel_cache_dir() -> Path:
    """``$XBARKIT_CACHE`` (default ``~/.cache/xbarkit``) ``/numba/<digest>``."""
    root = os.environ.get("XBARKIT_CACHE") or Path.home() / ".cache" / "xbarkit"
    return Path(root) / "numba" / kernel_digest()


def use_kernel_cache() -> None:
    """Point numba's cache at :func:`kernel_cache_dir` (before any kernel is decorated)."""
    from numba.core import config

    path = kernel_cache_dir()
    config.CACHE_DIR = str(path)
    os.environ["NUMBA_CACHE_DIR"] = str(path)  # subprocesses (cocotb, Dask workers) agree


@contextmanager
def kernel_cache_lock() -> Iterator[None]:
    """Hold the cache directory's file lock: processes that compile kernels together (test
    workers, sweep workers) compile once, the others wait and then load."""
    cache = kernel_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / "compile.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
