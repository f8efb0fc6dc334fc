"""An MLP of analog tiles as flat arrays for the training kernels, with its full state.

:class:`Network` allocates every array the kernels of :mod:`golden.kernels_train` take,
initialises the weights (torch ``Linear``'s U(-1/sqrt(in), 1/sqrt(in)), programmed into the
weight-holding array C), and saves/loads all of it for bit-identical resume.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from golden.devices import DeviceArray
from golden.encoding import NoiseManagement
from golden.kernels_pulses import MAX_BL, U_UBLM, U_UM
from golden.kernels_train import (
    N_F,
    N_S,
    STREAM_EVAL_BASE,
    T_FIELDS,
    dec_views,
    evaluate,
    train_batches,
)
from golden.lfsr import col_lane, lane_seed, lfsr_mask, row_lane
from golden.params import (
    ACTIVATIONS,
    ALGORITHMS,
    TWO_ARRAY_ALGORITHMS,
    IOParams,
    LutParams,
    TrainParams,
)
from golden.pulses import update_vector
from golden.rng import mix64_py
from golden.tile import io_vector

__all__ = ["Network"]

_PERFECT = IOParams(is_perfect=True, noise_management=NoiseManagement.NONE)


def train_vector(p: TrainParams, gran_a: float, gran_c: float) -> np.ndarray:
    """The algorithm/training parameters as the kernels' vector ``T``."""
    algo = p.algorithm
    values = {
        "algo": ALGORITHMS.index(p.training.algorithm),
        "lr": p.training.lr,
        "batch_size": p.training.batch_size,
        "activation": ACTIVATIONS.index(p.network.activation),
        "gran_a": gran_a,
        "gran_c": gran_c,
        "average_every": p.training.average_every,
    }
    for name in T_FIELDS:
        if name in values:
            continue
        if name.startswith("mp_"):  # mixed precision's fields of the same name
            values[name] = getattr(algo, name[3:], 0.0) if p.training.algorithm == "mp" else 0
        else:  # fields an algorithm lacks take the value that switches them off
            values[name] = getattr(algo, name, 1.0 if name == "n_reads_per_transfer" else 0.0)
    return np.array([float(values[name]) for name in T_FIELDS])


class Network:
    """Every array of a training run; ``state_arrays()`` is exactly what a checkpoint holds."""

    def __init__(self, params: TrainParams, n_features: int, n_classes: int):
        self.params = params
        sizes = params.network.sizes
        if n_features != sizes[0] or n_classes != sizes[-1]:
            raise ValueError("network sizes must match the data (checked by the caller)")
        algo = params.training.algorithm
        self.algorithm = algo
        seed = params.training.seed
        extra = 0 if params.network.digital_bias else 1  # analog bias: one more column
        self.shapes = np.array(
            [(sizes[k + 1], sizes[k] + extra) for k in range(len(sizes) - 1)], dtype=np.int64
        )
        rows, cols = self.shapes[:, 0], self.shapes[:, 1]
        n_layers = len(self.shapes)
        self.off = np.concatenate([[0], np.cumsum(rows * cols)]).astype(np.int64)
        self.roff = np.concatenate([[0], np.cumsum(rows)]).astype(np.int64)
        self.coff = np.concatenate([[0], np.cumsum(cols)]).astype(np.int64)
        widths = np.array(sizes[:-1]) + 1  # each layer's input plus its bias input
        self.aoff = np.concatenate([[0], np.cumsum(widths), [widths.sum() + rows[-1]]]).astype(
            np.int64
        )
        self.doff = self.roff.copy()
        n_total = int(self.off[-1])
        self.seeds = np.array(
            [
                [mix64_py(seed * 0x1000193 + 97 * l + k) >> 2 for k in range(3)]
                for l in range(n_layers)
            ],
            dtype=np.int64,
        )

        two = algo in TWO_ARRAY_ALGORITHMS
        self.device_c = params.device_c if two else params.device
        self.device_a = params.device_a if two else params.device
        self.arr_c, self.dev_c = self._device_arena(self.device_c, seed * 2 + 1)
        self.arr_a, self.dev_a = (
            self._device_arena(self.device_a, seed * 2) if two else (self.arr_c, self.dev_c)
        )
        rng = np.random.default_rng([seed, 0xC0FFEE])
        inits = [
            rng.uniform(-1, 1, (sizes[k + 1], sizes[k] + 1)) / math.sqrt(sizes[k])
            for k in range(n_layers)
        ]  # torch Linear: weights and bias U(+-1/sqrt(in))
        w0 = np.concatenate([w[:, :c].ravel() for w, c in zip(inits, cols, strict=True)])
        self.bias = (
            np.concatenate([w[:, -1] for w in inits])
            if params.network.digital_bias
            else np.zeros(0)
        )
        self.W_float = w0.copy() if algo == "float" else np.zeros(0)
        if algo != "float":
            for l, dev in enumerate(self.dev_c):
                dev.set_weights(w0[self.off[l] : self.off[l + 1]].reshape(self.shapes[l]))
            for l, dev in enumerate(self.dev_a if two else []):
                dev.set_weights(np.zeros(self.shapes[l]))
        need = algo in ("ttv2", "cttv2", "agad")
        self.H = np.zeros(n_total if need else 0)
        self.M = np.zeros(n_total if algo == "agad" else 0)
        self.R = np.zeros(n_total if algo == "agad" else 0)
        self.CHI = np.zeros(n_total if algo in ("mp", "pca", "nmf") else 0)
        k = getattr(params.algorithm, "rank", 0) if algo in ("pca", "nmf") else 0
        self.DEC = np.zeros(k * 2 * int(self.roff[-1] + self.coff[-1]))
        init = np.random.default_rng([seed, 0xDEC])
        for l, (r, c) in enumerate(self.shapes if k else []):
            views = dec_views(self.DEC, l, k, self.shapes, self.roff, self.coff)
            if algo == "pca":  # random orthonormal starting bases U (rows x k), Q (cols x k)
                views[1][:] = np.linalg.qr(init.standard_normal((r, k)))[0]
                views[2][:] = np.linalg.qr(init.standard_normal((c, k)))[0]
            else:  # NMF: positive random W+, W-, H+, H-
                for v in views:
                    v[:] = init.uniform(0.1, 1.0, v.shape)
        gamma = getattr(params.algorithm, "gamma", 0.0)
        self.weff = np.zeros(n_total if gamma > 0 else 0)
        self.chop_in = np.ones(int(self.coff[-1]))
        self.chop_out = np.ones(int(self.roff[-1]))
        self.flipped = np.zeros(int(self.coff[-1]))
        self.W_avg = np.zeros(n_total if params.training.average_last > 0 else 0)
        #: the digital state the kernels take as one tuple
        self.digital = (self.H, self.M, self.R, self.CHI, self.DEC, self.chop_in, self.chop_out,
                        self.flipped)  # fmt: skip
        self.S = np.zeros((n_layers, N_S), dtype=np.int64)
        self.F = np.zeros((n_layers, N_F))
        self.stats = np.zeros(3)  # loss sum, correct, averaged iterates

        gran_a = self.device_a.granularity
        gran_c = self.device_c.granularity
        self.T = train_vector(params, gran_a, gran_c)
        io = _PERFECT if algo == "float" else params.io
        self.IO_F = io_vector(io)
        self.IO_B = io_vector(io)
        transfer_io = getattr(params.algorithm, "transfer_forward", params.io)
        self.IO_T = io_vector(transfer_io)
        self.U_A = update_vector(params.update)
        if algo == "mp":  # aihwkit forces update and BL management on for the row writes
            self.U_A[U_UM] = self.U_A[U_UBLM] = 1.0
        transfer_update = getattr(params.algorithm, "transfer_update", params.update)
        self.U_T = update_vector(transfer_update)

        width = int(self.aoff[-1])
        nmax = int(max(rows.max(), cols.max()))
        batch = params.training.batch_size
        self.acts = np.zeros((batch, width))
        self.deltas = np.zeros((batch, int(self.roff[-1])))
        self.buf = np.zeros((7, nmax))
        self.work = (
            np.zeros((2, nmax), dtype=np.uint64),
            np.zeros((2, nmax), dtype=np.uint8),
            np.zeros((2, nmax), dtype=np.int64),
            np.zeros((MAX_BL, nmax), dtype=np.int64),
            np.zeros(MAX_BL, dtype=np.int64),
        )

    def _device_arena(self, device, seed):
        """Per-layer DeviceArrays whose arrays are views into flat arena arrays."""
        n_total = int(self.off[-1])
        P = np.zeros(6 * n_total)
        hidden = np.zeros(n_total)
        separate = isinstance(device, LutParams) or device.write_noise_std > 0
        visible = np.zeros(n_total) if separate else hidden
        width = self.params.update.lfsr_width
        lfsr_x = np.zeros(int(self.coff[-1]), dtype=np.uint64)
        lfsr_d = np.zeros(int(self.roff[-1]), dtype=np.uint64)
        devs = []
        for l, (r, c) in enumerate(self.shapes):
            dev = DeviceArray(device, (int(r), int(c)), seed=seed * 1000 + l)
            a, b = self.off[l], self.off[l + 1]
            P[6 * a : 6 * b] = dev.P.ravel()
            dev.P = P[6 * a : 6 * b].reshape(dev.P.shape)
            dev.hidden = hidden[a:b].reshape(r, c)
            dev.visible = visible[a:b].reshape(r, c) if separate else dev.hidden
            lfsr_x[self.coff[l] : self.coff[l + 1]] = [
                lane_seed(seed + l, col_lane(j), width) for j in range(c)
            ]
            lfsr_d[self.roff[l] : self.roff[l + 1]] = [
                lane_seed(seed + l, row_lane(i), width) for i in range(r)
            ]
            devs.append(dev)
        arr = (
            devs[0].model,
            P,
            devs[0].G,
            hidden,
            visible,
            lfsr_x,
            lfsr_d,
            np.uint64(lfsr_mask(width)),
        )
        return arr, devs

    # ---- running --------------------------------------------------------------------------
    def train(self, X, Y, order, start: int, stop: int, step0: int, avg_start: int) -> None:
        """Train on ``order[start:stop]`` inside the kernels (whole mini-batches); ``step0``
        is the global mini-batch index of ``start``, ``avg_start`` where averaging begins."""
        train_batches(
            X,
            Y,
            order,
            start,
            stop,
            self.shapes,
            self.off,
            self.roff,
            self.coff,
            self.aoff,
            self.doff,
            self.T,
            self.IO_F,
            self.IO_B,
            self.IO_T,
            self.U_A,
            self.U_T,
            self.arr_a,
            self.arr_c,
            self.W_float,
            self.weff,
            self.bias,
            self.digital,
            self.W_avg,
            self.seeds,
            self.S,
            self.F,
            self.acts,
            self.deltas,
            self.buf,
            self.work,
            self.stats,
            step0,
            avg_start,
        )

    def weights(self) -> np.ndarray:
        """The flat visible weights the network computes with."""
        if self.algorithm == "float":
            return self.W_float
        if self.weff.size:
            gamma = self.params.algorithm.gamma
            return gamma * self.arr_a[4] + self.arr_c[4]
        return self.arr_c[4]

    def layer_weights(self, flat: np.ndarray | None = None) -> list[np.ndarray]:
        flat = self.weights() if flat is None else flat
        return [
            flat[self.off[l] : self.off[l + 1]].reshape(self.shapes[l])
            for l in range(len(self.shapes))
        ]

    def averaged_weights(self) -> np.ndarray | None:
        """Model average (Gokmen 2021): the mean of the weights over the averaging window."""
        if self.W_avg.size == 0 or self.stats[2] == 0:
            return None
        return self.W_avg / self.stats[2]

    def accuracy(self, X, Y, weights: np.ndarray, eval_index: int) -> float:
        """Test accuracy through the analog forward pass (noise keyed by ``eval_index``)."""
        preds = np.zeros(len(X), dtype=np.int64)
        correct = evaluate(
            X,
            Y,
            np.ascontiguousarray(weights),
            self.bias,
            self.shapes,
            self.off,
            self.roff,
            self.aoff,
            self.T,
            self.IO_F,
            self.seeds,
            STREAM_EVAL_BASE * (eval_index + 1),
            preds,
        )
        return correct / len(X)

    # ---- checkpoints ----------------------------------------------------------------------
    def state_arrays(self) -> dict[str, np.ndarray]:
        """Every array that changes during training (for checkpoints)."""
        out = {
            "W_float": self.W_float,
            "bias": self.bias,
            "H": self.H,
            "M": self.M,
            "R": self.R,
            "CHI": self.CHI,
            "DEC": self.DEC,
            "chop_in": self.chop_in,
            "chop_out": self.chop_out,
            "flipped": self.flipped,
            "W_avg": self.W_avg,
            "S": self.S,
            "F": self.F,
            "stats": self.stats,
        }
        for name, arr in (("a", self.arr_a), ("c", self.arr_c)):
            out[f"{name}_hidden"], out[f"{name}_visible"] = arr[3], arr[4]
            out[f"{name}_lfsr_x"], out[f"{name}_lfsr_d"] = arr[5], arr[6]
        return out

    def save(self, path: Path, extra: dict[str, np.ndarray]) -> None:
        """Write a checkpoint atomically (temporary file, then rename)."""
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(tmp, **self.state_arrays(), **extra)
        tmp.replace(path)

    def load(self, path: Path) -> dict[str, np.ndarray]:
        """Restore a checkpoint in place; returns its remaining entries."""
        with np.load(path) as data:
            stored = {k: data[k] for k in data.files}
        for name, arr in self.state_arrays().items():
            arr[...] = stored.pop(name)
        return stored
