"""Typed records that carry configuration and state into the numba kernels.

numba passes a ``NamedTuple`` of scalars and arrays by value with typed, named fields, so a
kernel reads ``cfg.train.lr`` instead of a position in a float vector, and a renamed field is
an ``AttributeError`` when a record is built, not a silent zero. :func:`record` fills a record
from a params object by field name and casts every value to the field's annotated type (so the
same config always compiles to the same signature).

Configuration records: :class:`IOConfig` (analog MVM), :class:`UpdateConfig` (pulsed update),
:class:`TrainConfig` (training loop), :class:`TransferConfig`, :class:`MixedPrecisionConfig`
and :class:`DecompositionConfig` (the algorithm families) and :class:`Config`, all of them.
Array records: :class:`Layout` (the flat arena of a network's layers), :class:`DeviceView` and
:class:`Lanes` (one device array and its LFSRs), :class:`DeviceArena` (one device array of
every layer, flat), :class:`DigitalState` (buffers, choppers, accumulators),
:class:`NetState` (everything a training run changes), :class:`Work` and :class:`Scratch`
(work arrays).
"""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple, get_type_hints

import numpy as np

__all__ = [
    "Config",
    "DecompositionConfig",
    "DeviceArena",
    "DeviceView",
    "DigitalState",
    "IOConfig",
    "Lanes",
    "Layout",
    "MixedPrecisionConfig",
    "NetState",
    "Scratch",
    "TrainConfig",
    "TransferConfig",
    "UpdateConfig",
    "Work",
    "family_record",
    "record",
]


class IOConfig(NamedTuple):
    """The analog MVM (:class:`~golden.params.IOParams`; steps are its derived properties)."""

    is_perfect: bool
    inp_step: float
    inp_bound: float
    inp_noise: float
    out_step: float
    out_bound: float
    out_noise: float
    out_scale: float
    noise_management: int
    nm_thres: float
    bound_management: int
    max_bm_factor: int
    max_bm_res: float
    bm_test_negative_bound: bool


class UpdateConfig(NamedTuple):
    """The pulsed update (:class:`~golden.params.UpdateParams`)."""

    desired_bl: int
    fixed_bl: bool
    update_management: bool
    update_bl_management: bool
    um_grad_scale: float
    pulse_type: int
    x_res_implicit: float
    d_res_implicit: float
    rng_mode: int
    prob_bits: int
    x_bits: int
    d_bits: int
    gain_bits: int
    gain_frac: int


class TrainConfig(NamedTuple):
    """The training loop: algorithm and activation codes, SGD lr, batch, averaging period and
    the granularities of A and C."""

    algo: int
    activation: int
    lr: float
    batch_size: int
    average_every: int
    gran_a: float
    gran_c: float


class TransferConfig(NamedTuple):
    """The transfer family (TTv1, TTv2, c-TTv2, AGAD): the fields of their params classes."""

    gamma: float
    transfer_every: float
    units_in_mbatch: bool
    n_reads_per_transfer: int
    fast_lr: float
    scale_fast_lr: bool
    transfer_lr: float
    scale_transfer_lr: bool
    thres_scale: float
    step: float
    momentum: float
    forget_buffer: bool
    in_chop_prob: float
    in_chop_random: bool
    out_chop_prob: float
    buffer_granularity: float
    auto_granularity: float
    no_buffer: bool
    auto_scale: bool
    auto_momentum: float
    tail_weightening: float
    buffer_cap: float


class MixedPrecisionConfig(NamedTuple):
    """Mixed precision (:class:`~golden.params.MixedPrecisionParams`)."""

    transfer_every: int
    n_rows_per_transfer: int
    granularity: float
    transfer_lr: float
    n_x_bins: int
    n_d_bins: int
    stoc_round_x: bool
    stoc_round_d: bool


class DecompositionConfig(NamedTuple):
    """Gradient decomposition (PCA, NMF)."""

    rank: int
    rank_sum: bool
    stoc_round: bool
    iterations: int


#: what an algorithm outside a family takes for that family: everything switched off
TRANSFER_OFF = TransferConfig(
    0.0,
    0.0,
    False,
    1,
    0.0,
    False,
    0.0,
    False,
    0.0,
    0.0,
    0.0,
    False,
    0.0,
    False,
    0.0,
    0.0,
    0.0,
    False,
    False,
    0.0,
    0.0,
    0.0,
)
MIXED_PRECISION_OFF = MixedPrecisionConfig(0, 0, 0.0, 0.0, 0, 0, False, False)
DECOMPOSITION_OFF = DecompositionConfig(0, False, False, 0)


class Config(NamedTuple):
    """Every configuration record of a training run."""

    train: TrainConfig
    transfer: TransferConfig
    mp: MixedPrecisionConfig
    dec: DecompositionConfig
    io_f: IOConfig  # forward
    io_b: IOConfig  # backward
    io_t: IOConfig  # transfer reads of A
    u_a: UpdateConfig  # updates of A (or of the single array)
    u_t: UpdateConfig  # transfer writes into C


class Layout(NamedTuple):
    """The flat arena of a network's arrays (int64 arrays). Array t is ``shapes[t] = (rows,
    cols)`` at ``off[t]``, its per-row and per-column vectors at ``roff[t]``, ``coff[t]``; it
    computes rows ``tpos[t, 0]`` on and columns ``tpos[t, 1]`` on of layer ``tlayer[t]``. Layer
    l is ``lshape[l]``, made of arrays ``ltile[l] .. ltile[l + 1] - 1`` (one unless the mapping
    splits it, :meth:`golden.params.NetworkParams.array_split`; in aihwkit's order: input block
    by input block, output blocks within), its activations at ``aoff[l]``, deltas and digital
    bias at ``doff[l]``."""

    shapes: np.ndarray
    off: np.ndarray
    roff: np.ndarray
    coff: np.ndarray
    aoff: np.ndarray
    doff: np.ndarray
    tlayer: np.ndarray
    tpos: np.ndarray
    ltile: np.ndarray
    lshape: np.ndarray


class DeviceView(NamedTuple):
    """One ``rows x cols`` device array as the device kernels take it: the model code,
    per-device values ``P`` (6, rows, cols), model scalars ``G``, the hidden state, the
    visible weights (the same array unless Lut levels or write noise differ) and each row's
    device-noise LFSR (LUT_EXACT only)."""

    model: int
    P: np.ndarray
    G: np.ndarray
    hidden: np.ndarray
    visible: np.ndarray
    row_lfsr: np.ndarray  #: LUT_EXACT: each row's device-noise LFSR (uint64; else empty)


class Lanes(NamedTuple):
    """The per-lane LFSR states of the hw-exact pulse trains (columns, rows) and the mask of
    the LFSR width."""

    lfsr_x: np.ndarray
    lfsr_d: np.ndarray
    lfsr_mask: np.uint64


class DeviceArena(NamedTuple):
    """One device array of every layer (see :mod:`golden.kernels.device`): the model code,
    per-device values ``P`` (6 per device), model scalars ``G``, hidden state, visible
    weights, the per-lane LFSR states of the hw-exact pulse trains and (LUT_EXACT) each row's
    device-noise LFSR."""

    model: int
    P: np.ndarray
    G: np.ndarray
    hidden: np.ndarray
    visible: np.ndarray
    lfsr_x: np.ndarray
    lfsr_d: np.ndarray
    lfsr_mask: np.uint64
    row_lfsr: np.ndarray


class DigitalState(NamedTuple):
    """The digital state of the algorithms: TTv2's buffer H, AGAD's running mean M and
    reference R, the accumulator CHI (mixed precision, decomposition), the gradient factors
    DEC, the choppers and AGAD's flip flags (empty where an algorithm has none)."""

    H: np.ndarray
    M: np.ndarray
    R: np.ndarray
    CHI: np.ndarray
    DEC: np.ndarray
    chop_in: np.ndarray
    chop_out: np.ndarray
    flipped: np.ndarray


class NetState(NamedTuple):
    """Everything a training run changes (and a checkpoint holds): arrays A and C (the same
    arena for single-array algorithms), float weights, visible-weight buffer, digital bias,
    digital state, model average, per-layer seeds, integer and float counters, statistics.
    ``Wt`` (not in checkpoints: derived) is the forward weights stored column-major per layer
    where they change a column or a dense update at a time (float, the transfer family's C;
    :func:`golden.kernels.loop.mirror_weights`)."""

    arr_a: DeviceArena
    arr_c: DeviceArena
    W_float: np.ndarray
    weff: np.ndarray
    Wt: np.ndarray
    bias: np.ndarray
    digital: DigitalState
    W_avg: np.ndarray
    seeds: np.ndarray
    S: np.ndarray
    F: np.ndarray
    stats: np.ndarray


class Work(NamedTuple):
    """Work arrays of one pulsed update (:func:`golden.kernels.pulses.pulsed_update`)."""

    bits: np.ndarray
    neg: np.ndarray
    codes: np.ndarray
    slot_idx: np.ndarray
    slot_cnt: np.ndarray


class Scratch(NamedTuple):
    """Work arrays of the training loop: activations (with the output-bound mask's flags:
    :func:`golden.kernels.passes.mask_flags`) and deltas of a mini-batch, vectors."""

    acts: np.ndarray
    deltas: np.ndarray
    buf: np.ndarray
    work: Work


def _cast(kind: Any, value: Any) -> Any:
    if kind is bool:
        return bool(value)
    if kind is int:
        return int(value)
    if kind is float:
        return float(value)
    raise TypeError(f"no scalar cast for {kind!r}")


def record(cls: type, source: Any = None, **values: Any) -> Any:
    """A ``cls`` record: each field from ``values`` or else the attribute of that name of
    ``source``, cast to the field's annotated type (enums become their codes)."""
    hints = get_type_hints(cls)
    out = {}
    for name in cls._fields:
        value = values[name] if name in values else getattr(source, name)
        out[name] = _cast(hints[name], value)
    return cls(**out)


def family_record(off: Any, params: Any, host_side: tuple[str, ...] = (), **values: Any) -> Any:
    """An algorithm family's record: ``off`` with every field that ``params`` (a params
    dataclass) declares; each field of ``params`` must be a field of the record or named in
    ``host_side`` (used outside the kernels), so a renamed field fails here."""
    cls = type(off)
    fields = dict(off._asdict())
    for f in dataclasses.fields(params):
        if f.name in host_side:
            continue
        if f.name not in fields:
            raise AttributeError(
                f"{type(params).__name__}.{f.name} has no field in {cls.__name__} "
                f"(fields: {', '.join(cls._fields)})"
            )
        fields[f.name] = getattr(params, f.name)
    fields.update(values)
    return record(cls, **fields)
