"""An MLP of analog tiles as flat arrays for the training kernels, with its full state.

:class:`Network` allocates every array the kernels of :mod:`golden.kernels.loop` take (as the
records of :mod:`golden.kernels.records`), initialises the weights (torch ``Linear``'s
U(-1/sqrt(in), 1/sqrt(in)), programmed into the weight-holding array C), and saves/loads all
of it for bit-identical resume.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from golden.checkpoint import write_checkpoint
from golden.devices import DeviceArray
from golden.encoding import NoiseManagement, RngMode
from golden.hamiltonian import set_reference
from golden.kernels.arena import N_F, N_S, column_major
from golden.kernels.decomposition import dec_views
from golden.kernels.loop import train_batches
from golden.kernels.passes import STREAM_EVAL_BASE, evaluate
from golden.kernels.records import (
    DECOMPOSITION_OFF,
    MIXED_PRECISION_OFF,
    TRANSFER_OFF,
    Config,
    DeviceArena,
    DigitalState,
    Layout,
    NetState,
    Scratch,
    TrainConfig,
    family_record,
    record,
)
from golden.lfsr import col_lane, lane_seed, lfsr_mask, row_lane
from golden.mapping import join_layer, network_layout, split_layer
from golden.params import (
    ACTIVATIONS,
    ALGORITHMS,
    TWO_ARRAY_ALGORITHMS,
    ChoppedTransferParams,
    DecompositionParams,
    HamiltonianParams,
    IOParams,
    LutParams,
    MixedPrecisionParams,
    TrainParams,
    TransferParams,
)
from golden.pulses import update_record, work_arrays
from golden.rng import mix64_py
from golden.threads import one_thread
from golden.tile import io_record

__all__ = ["Network", "estimate_bytes", "kernel_config", "masks_output_bound"]

_PERFECT = IOParams(is_perfect=True, noise_management=NoiseManagement.NONE)


def masks_output_bound(p: TrainParams) -> bool:
    """Whether the run applies aihwkit's output-bound mask (``handle_output_bound``). Float
    never does: aihwkit's ``FloatingPointRPUConfig`` has no forward IO to take a bound from."""
    return p.network.handle_output_bound and p.training.algorithm != "float"


def kernel_config(p: TrainParams, gran_a: float, gran_c: float) -> Config:
    """Every configuration record the training kernels take, from the run's params and the
    granularities of arrays A and C."""
    algo = p.algorithm
    train = record(
        TrainConfig,
        p.training,
        algo=ALGORITHMS.index(p.training.algorithm),
        activation=ACTIVATIONS.index(p.network.activation),
        gran_a=gran_a,
        gran_c=gran_c,
    )
    transfer, mp, dec = TRANSFER_OFF, MIXED_PRECISION_OFF, DECOMPOSITION_OFF
    io_t, u_t = p.io, p.update  # the transfer family's reads and writes
    if isinstance(algo, TransferParams | ChoppedTransferParams | HamiltonianParams):
        io_t, u_t = algo.transfer_forward, algo.transfer_update
        host_side = ("transfer_forward", "transfer_update", "zero_shift", "zs_pulses", "zs_reads")
        transfer = family_record(TRANSFER_OFF, algo, host_side=host_side)
    elif isinstance(algo, MixedPrecisionParams):
        mp = family_record(MIXED_PRECISION_OFF, algo)
    elif isinstance(algo, DecompositionParams):
        dec = family_record(
            DECOMPOSITION_OFF, algo, host_side=("transfer",), rank_sum=algo.rank_sum
        )
    io = io_record(_PERFECT if p.training.algorithm == "float" else p.io)
    u_a = update_record(p.update)
    if p.training.algorithm == "mp":  # aihwkit forces update and BL management on for the rows
        u_a = u_a._replace(update_management=True, update_bl_management=True)
    return Config(
        train=train,
        transfer=transfer,
        mp=mp,
        dec=dec,
        io_f=io,
        io_b=io,
        io_t=io_record(io_t),
        u_a=u_a,
        u_t=update_record(u_t),
    )


class Network:
    """Every array of a training run; ``state_arrays()`` is exactly what a checkpoint holds.

    ``lay`` (:class:`~golden.kernels.records.Layout`), ``cfg``
    (:class:`~golden.kernels.records.Config`), ``state``
    (:class:`~golden.kernels.records.NetState`) and ``scratch`` are what the kernels take."""

    def __init__(self, params: TrainParams, n_features: int, n_classes: int):
        self.params = params
        sizes = params.network.sizes
        if n_features != sizes[0] or n_classes != sizes[-1]:
            raise ValueError("network sizes must match the data (checked by the caller)")
        algo = params.training.algorithm
        self.algorithm = algo
        seed = params.training.seed
        self.lay = lay = network_layout(params.network)
        shapes = lay.shapes
        n_arrays = len(shapes)
        n_layers = len(sizes) - 1
        n_total = int(lay.off[-1])
        seeds = np.array([_array_seeds(seed, lay, t) for t in range(n_arrays)], dtype=np.int64)

        two = algo in TWO_ARRAY_ALGORITHMS
        self.device_c = params.device_c if two else params.device
        self.device_a = params.device_a if two else params.device
        arr_c, self.dev_c = self._device_arena(self.device_c, seed * 2 + 1)
        arr_a, self.dev_a = (
            self._device_arena(self.device_a, seed * 2) if two else (arr_c, self.dev_c)
        )
        rng = np.random.default_rng([seed, 0xC0FFEE])
        inits = [
            rng.uniform(-1, 1, (sizes[k + 1], sizes[k] + 1)) / math.sqrt(sizes[k])
            for k in range(n_layers)
        ]  # torch Linear: weights and bias U(+-1/sqrt(in))
        blocks = [
            b for k, w in enumerate(inits) for b in split_layer(lay, k, w[:, : lay.lshape[k, 1]])
        ]
        w0 = np.concatenate([b.ravel() for b in blocks])
        bias = (
            np.concatenate([w[:, -1] for w in inits])
            if params.network.digital_bias
            else np.zeros(0)
        )
        if algo != "float":
            for dev, b in zip(self.dev_c, blocks, strict=True):
                dev.set_weights(b)
            for t, dev in enumerate(self.dev_a if two else []):
                dev.set_weights(np.zeros(shapes[t]))
        k = getattr(params.algorithm, "rank", 0) if algo in ("pca", "nmf") else 0
        buffered = algo in ("ttv2", "cttv2", "agad")
        digital = DigitalState(
            H=np.zeros(n_total if buffered else 0),
            M=np.zeros(n_total if algo == "agad" else 0),
            R=np.zeros(n_total if algo in ("agad", "hd") else 0),
            CHI=np.zeros(n_total if algo in ("mp", "pca", "nmf") else 0),
            DEC=np.zeros(k * 2 * int(lay.roff[-1] + lay.coff[-1])),
            chop_in=np.ones(int(lay.coff[-1])),
            chop_out=np.ones(int(lay.roff[-1])),
            flipped=np.zeros(int(lay.coff[-1])),
        )
        init = np.random.default_rng([seed, 0xDEC])
        for l, (r, c) in enumerate(shapes if k else []):
            views = dec_views(digital.DEC, l, k, lay)
            if algo == "pca":  # random orthonormal starting bases U (rows x k), Q (cols x k)
                views[1][:] = np.linalg.qr(init.standard_normal((r, k)))[0]
                views[2][:] = np.linalg.qr(init.standard_normal((c, k)))[0]
            else:  # NMF: positive random W+, W-, H+, H-
                for v in views:
                    v[:] = init.uniform(0.1, 1.0, v.shape)
        gamma = getattr(params.algorithm, "gamma", 0.0)
        self.state = NetState(
            arr_a=arr_a,
            arr_c=arr_c,
            W_float=w0.copy() if algo == "float" else np.zeros(0),
            weff=np.zeros(n_total if gamma > 0 else 0),
            # the forward weights column-major (kernels.loop.mirror_weights): float's, and C
            # where only transfers change it and it is the forward weights (gamma = 0)
            Wt=np.zeros(n_total if algo == "float" or (two and gamma == 0) else 0),
            bias=bias,
            digital=digital,
            W_avg=np.zeros(n_total if params.training.average_last > 0 else 0),
            seeds=seeds,
            S=np.zeros((n_arrays, N_S), dtype=np.int64),
            F=np.zeros((n_arrays, N_F)),
            stats=np.zeros(3),  # loss sum, correct, averaged iterates
        )
        self.cfg = kernel_config(params, self.device_a.granularity, self.device_c.granularity)
        nmax = int(lay.lshape.max())  # layers are at least as large as their arrays
        batch = params.training.batch_size
        self.scratch = Scratch(
            # activations, then the output-bound mask's flags (kernels.passes.mask_flags)
            acts=np.zeros((batch, int(lay.aoff[-1] + lay.roff[-1] * masks_output_bound(params)))),
            deltas=np.zeros((batch, int(lay.doff[-1]))),
            buf=np.zeros((7, nmax)),
            work=work_arrays(nmax),
        )
        if algo == "hd":  # A zero-shifted, its reference R read (SHD)
            set_reference(self)

    def _device_arena(self, device, seed) -> tuple[DeviceArena, list[DeviceArray]]:
        """Per-layer DeviceArrays whose arrays are views into one flat arena."""
        lay = self.lay
        n_total = int(lay.off[-1])
        k = 2 if device.pair else 1  # devices per weight
        P = np.zeros(6 * k * n_total)
        hidden = np.zeros(k * n_total)
        separate = isinstance(device, LutParams) or device.write_noise_std > 0 or device.pair
        visible = np.zeros(n_total) if separate else hidden
        width = self.params.update.lfsr_width
        lfsr_x = np.zeros(int(lay.coff[-1]), dtype=np.uint64)
        lfsr_d = np.zeros(int(lay.roff[-1]), dtype=np.uint64)
        exact = None  # hw_exact mode on Lut devices: the array emulator's integers
        if isinstance(device, LutParams) and self.params.update.rng_mode == RngMode.HW_EXACT:
            exact = self.params.emulator
        row_lfsr = np.zeros(int(lay.roff[-1]) if exact else 0, dtype=np.uint64)
        devs = []
        for l, (r, c) in enumerate(lay.shapes):  # l: the array (a layer's, or one of them)
            layer_index, q = _array_place(lay, l)
            own = q << 20  # a split layer's other arrays: d2d draws and lanes of their own
            dev_seed = seed * 1000 + layer_index + own * 1000
            dev = DeviceArray(device, (int(r), int(c)), seed=dev_seed, exact=exact)
            if exact:
                row_lfsr[lay.roff[l] : lay.roff[l + 1]] = dev.row_lfsr
                dev.row_lfsr = row_lfsr[lay.roff[l] : lay.roff[l + 1]]
            a, b = lay.off[l], lay.off[l + 1]
            P[6 * k * a : 6 * k * b] = dev.P.transpose(1, 2, 0).ravel()  # device by device
            dev.P = P[6 * k * a : 6 * k * b].reshape(r, k * c, 6).transpose(2, 0, 1)
            hidden[k * a : k * b] = dev.hidden.ravel()
            dev.hidden = hidden[k * a : k * b].reshape(r, k * c)
            if separate:
                visible[a:b] = dev.visible.ravel()
            dev.visible = visible[a:b].reshape(r, c) if separate else dev.hidden
            lfsr_x[lay.coff[l] : lay.coff[l + 1]] = [
                lane_seed(seed + layer_index + own, col_lane(j), width) for j in range(c)
            ]
            lfsr_d[lay.roff[l] : lay.roff[l + 1]] = [
                lane_seed(seed + layer_index + own, row_lane(i), width) for i in range(r)
            ]
            devs.append(dev)
        mask = np.uint64(lfsr_mask(width))
        G = devs[0].G
        arena = DeviceArena(devs[0].model, P, G, hidden, visible, lfsr_x, lfsr_d, mask, row_lfsr)
        return arena, devs

    # ---- running --------------------------------------------------------------------------
    def train(self, X, Y, order, start: int, stop: int, step0: int, avg_start: int) -> None:
        """Train on ``order[start:stop]`` inside the kernels (whole mini-batches); ``step0``
        is the global mini-batch index of ``start``, ``avg_start`` where averaging begins.
        One numba thread: the loop's parallel regions are too small to pay
        (:mod:`golden.threads`)."""
        with one_thread():
            train_batches(
                X,
                Y,
                order,
                start,
                stop,
                step0,
                avg_start,
                self.lay,
                self.cfg,
                self.state,
                self.scratch,
            )

    @property
    def stats(self) -> np.ndarray:
        """Loss sum, number correct and averaged iterates (accumulated by the kernels)."""
        return self.state.stats

    def weights(self) -> np.ndarray:
        """The flat visible weights the network computes with."""
        st = self.state
        if self.algorithm == "float":
            return st.W_float
        if st.weff.size:
            gamma = self.params.algorithm.gamma
            return gamma * st.arr_a.visible + st.arr_c.visible
        return st.arr_c.visible

    def layer_weights(self, flat: np.ndarray | None = None) -> list[np.ndarray]:
        """Each layer's weight matrix (views of the arena where a layer is one array, else
        assembled from its arrays: :func:`golden.mapping.join_layer`)."""
        flat = self.weights() if flat is None else flat
        lay = self.lay
        out = []
        for k in range(len(lay.lshape)):
            t = lay.ltile[k]
            if lay.ltile[k + 1] == t + 1:
                out.append(flat[lay.off[t] : lay.off[t + 1]].reshape(lay.shapes[t]))
            else:
                out.append(join_layer(lay, k, flat))
        return out

    def averaged_weights(self) -> np.ndarray | None:
        """Model average (Gokmen 2021): the mean of the weights over the averaging window."""
        if self.state.W_avg.size == 0 or self.stats[2] == 0:
            return None
        return self.state.W_avg / self.stats[2]

    def accuracy(self, X, Y, weights: np.ndarray, eval_index: int) -> float:
        """Test accuracy through the analog forward pass (noise keyed by ``eval_index``)."""
        preds = np.zeros(len(X), dtype=np.int64)
        weights = np.ascontiguousarray(weights)
        columns = np.empty_like(weights)
        column_major(self.lay, weights, columns)
        correct = evaluate(
            X,
            Y,
            weights,
            columns,
            self.state.bias,
            self.lay,
            self.cfg.train.activation,
            self.cfg.io_f,
            self.state.seeds,
            STREAM_EVAL_BASE * (eval_index + 1),
            preds,
        )
        return correct / len(X)

    # ---- checkpoints ----------------------------------------------------------------------
    def state_arrays(self) -> dict[str, np.ndarray]:
        """Every array that changes during training (for checkpoints)."""
        st = self.state
        out = {
            "W_float": st.W_float,
            "bias": st.bias,
            **st.digital._asdict(),
            "W_avg": st.W_avg,
            "S": st.S,
            "F": st.F,
            "stats": st.stats,
        }
        for name, arr in (("a", st.arr_a), ("c", st.arr_c)):
            out[f"{name}_hidden"], out[f"{name}_visible"] = arr.hidden, arr.visible
            out[f"{name}_lfsr_x"], out[f"{name}_lfsr_d"] = arr.lfsr_x, arr.lfsr_d
            if arr.row_lfsr.size:  # LUT_EXACT's device-noise LFSRs
                out[f"{name}_row_lfsr"] = arr.row_lfsr
        return out

    def save(self, path: Path, extra: dict[str, np.ndarray]) -> None:
        """Write a checkpoint (:func:`golden.checkpoint.write_checkpoint`: atomic, with a
        checksum) of the state and ``extra``."""
        write_checkpoint(path, {**self.state_arrays(), **extra})

    def restore(self, stored: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Restore the state from a checkpoint's arrays in place (after the caller checked
        that it belongs to this config); returns the remaining entries."""
        stored = dict(stored)
        for name, arr in self.state_arrays().items():
            arr[...] = stored.pop(name)
        return stored


def _array_place(lay: Layout, t: int) -> tuple[int, int]:
    """``(layer, index within the layer)`` of array t."""
    l = int(lay.tlayer[t])
    return l, int(t - lay.ltile[l])


def _array_seeds(seed: int, lay: Layout, t: int) -> list[int]:
    """Array t's noise seeds (IO, A's and C's pulses): its layer's for the layer's first
    array, their own for the others of a split layer."""
    l, q = _array_place(lay, t)
    return [mix64_py(seed * 0x1000193 + 97 * l + k + (q << 40)) >> 2 for k in range(3)]


def _nbytes(obj, seen: set[int]) -> int:
    """Bytes of every distinct numpy array inside ``obj`` (named tuples, nested)."""
    if isinstance(obj, np.ndarray):
        if id(obj) in seen:
            return 0
        seen.add(id(obj))
        return obj.nbytes
    if isinstance(obj, tuple):
        return sum(_nbytes(v, seen) for v in obj)
    return 0


def estimate_bytes(params: TrainParams) -> int:
    """Memory a network of ``params`` takes, from a probe network of the same algorithm,
    devices and depth with 16 units per layer, scaled by the number of weights."""
    sizes = params.network.sizes
    probe = params.replace(network=params.network.replace(sizes=[16] * len(sizes)))
    net = Network(probe, 16, 16)
    seen: set[int] = set()
    total = sum(_nbytes(part, seen) for part in (net.state, net.scratch, net.lay))
    weights = sum((sizes[k] + 1) * sizes[k + 1] for k in range(len(sizes) - 1))
    return int(total / (17 * 16 * (len(sizes) - 1)) * weights)
