"""Data sets for training runs: sklearn's digits, Fashion-MNIST, and any IDX files (MNIST).

Nothing is downloaded at run time. Images are flattened and scaled to [0, 1]; labels are int64.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from golden.errors import ConfigError

__all__ = ["FASHION_MNIST_DIR", "DataSet", "load_dataset", "read_idx"]

#: where Debian's ``dataset-fashion-mnist`` package puts the IDX files
FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")
IDX_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


@dataclass
class DataSet:
    """Train and test arrays: ``x`` (n, features) float64 in [0, 1], ``y`` (n,) int64."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    @property
    def n_features(self) -> int:
        return self.x_train.shape[1]

    @property
    def n_classes(self) -> int:
        return int(max(self.y_train.max(), self.y_test.max())) + 1


def read_idx(path: Path) -> np.ndarray:
    """An IDX file (optionally gzipped) as a numpy array."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise ConfigError("data", str(path), "not an IDX file (bad magic number)")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * k : 8 + 4 * k], "big") for k in range(ndim)]
    data = np.frombuffer(raw, dtype=_IDX_TYPES[raw[2]], offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise ConfigError("data", str(path), f"IDX header says {dims}, file has {data.size}")
    return data.reshape(dims)


def _find_idx(directory: Path, stem: str, how_to_get: str) -> Path:
    for name in (stem, stem + ".gz"):
        if (directory / name).is_file():
            return directory / name
    raise ConfigError("data.path", str(directory), f"{stem}[.gz] not found there; {how_to_get}")


def _load_idx_dir(directory: Path, how_to_get: str):
    arrays = {k: read_idx(_find_idx(directory, stem, how_to_get)) for k, stem in IDX_FILES.items()}
    for split in ("train", "test"):
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        if images.shape[0] != labels.shape[0]:
            raise ConfigError(
                "data.path",
                str(directory),
                f"{split} images ({images.shape[0]}) and labels "
                f"({labels.shape[0]}) differ in number",
            )
    scale = 255.0 if arrays["train_images"].dtype == np.uint8 else 1.0

    def flat(a):  # divided in place: a temporary of the whole set costs 6x the time
        x = a.reshape(a.shape[0], -1).astype(np.float64)
        x /= scale
        return x

    return (
        flat(arrays["train_images"]),
        arrays["train_labels"].astype(np.int64),
        flat(arrays["test_images"]),
        arrays["test_labels"].astype(np.int64),
    )


def load_dataset(name: str, n_train: int = 0, n_test: int = 0, path: str = "") -> DataSet:
    """Load a data set; ``n_train``/``n_test`` > 0 keep the first n samples of each split.

    ``name``: ``"digits"`` (sklearn, 1,797 8x8 images; the last 25 % are the test split),
    ``"fashion-mnist"`` (Debian package ``dataset-fashion-mnist``; ``path`` overrides the
    directory) or ``"idx"`` (the four standard IDX file names in directory ``path``).
    """
    if name == "digits":
        from sklearn.datasets import load_digits

        digits = load_digits()
        x, y = digits.data / 16.0, digits.target.astype(np.int64)
        split = int(round(0.75 * len(x)))
        parts = (x[:split], y[:split], x[split:], y[split:])
    elif name == "fashion-mnist":
        directory = Path(path) if path else FASHION_MNIST_DIR
        parts = _load_idx_dir(
            directory,
            "install it with `apt-get install dataset-fashion-mnist`"
            " (make demo / make test do this)",
        )
    elif name == "idx":
        if not path:
            raise ConfigError("data.path", path, "name the directory holding the IDX files")
        parts = _load_idx_dir(Path(path), "put the four IDX files (e.g. MNIST's) there")
    else:
        raise ConfigError("data.name", name, "one of fashion-mnist, digits, idx")
    x_train, y_train, x_test, y_test = parts
    for field, n, total in (
        ("data.n_train", n_train, len(x_train)),
        ("data.n_test", n_test, len(x_test)),
    ):
        if n > total:
            raise ConfigError(field, n, f"at most {total} for {name}")
    if n_train:
        x_train, y_train = x_train[:n_train], y_train[:n_train]
    if n_test:
        x_test, y_test = x_test[:n_test], y_test[:n_test]
    return DataSet(
        name, np.ascontiguousarray(x_train), y_train, np.ascontiguousarray(x_test), y_test
    )
