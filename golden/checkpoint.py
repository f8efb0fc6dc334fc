"""Checkpoint files: written atomically with a checksum, read back with one clear error when
damaged.

A checkpoint is an ``.npz`` of named arrays plus ``checksum``, the SHA-256 of every other
entry (name, dtype, shape and bytes, names in sorted order). It is written to a temporary file
in the same directory, flushed to disk and renamed over the old one, which is kept as
``<name>.prev.npz``: a kill at any moment leaves a complete checkpoint behind.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

import numpy as np

from golden.errors import ConfigError

__all__ = ["previous_path", "read_checkpoint", "write_checkpoint"]


def previous_path(path: Path) -> Path:
    """Where the checkpoint before ``path`` is kept."""
    return path.with_name(path.name.removesuffix(".npz") + ".prev.npz")


def _checksum(arrays: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def write_checkpoint(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` to ``path`` atomically (the previous file becomes
    :func:`previous_path`)."""
    path = Path(path)
    arrays = {k: np.asarray(v) for k, v in arrays.items()}
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        np.savez(fh, **arrays, checksum=np.array(_checksum(arrays)))
        fh.flush()
        os.fsync(fh.fileno())
    if path.exists():
        path.replace(previous_path(path))
    tmp.replace(path)


def read_checkpoint(path: Path, field: str = "--resume") -> dict[str, np.ndarray]:
    """Every array of the checkpoint at ``path``, after its checksum was verified; a damaged
    file is a :class:`ConfigError` that says what to do."""
    path = Path(path)
    prev = previous_path(path)
    advice = "start again without --resume"
    if prev.exists():
        advice += f", or resume from the one before: move {prev.name} to {path.name}"
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as err:
        raise ConfigError(
            field, str(path), f"the checkpoint is damaged ({err}): {advice}"
        ) from None
    stored = arrays.pop("checksum", None)
    if stored is None or str(stored) != _checksum(arrays):
        raise ConfigError(
            field, str(path), f"the checkpoint is damaged (checksum differs): {advice}"
        )
    return arrays
