"""The per-algorithm parameters (the ``[algorithm]`` table), by aihwkit name."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from golden.encoding import BoundManagement, NoiseManagement
from golden.errors import ConfigError
from golden.params.base import Params, spec
from golden.params.io_update import IOParams, UpdateParams

__all__ = [
    "ALGORITHMS",
    "ALGORITHM_PARAMS",
    "TWO_ARRAY_ALGORITHMS",
    "AlgorithmParams",
    "BufferedTransferParams",
    "ChoppedTransferParams",
    "DecompositionParams",
    "DynamicTransferParams",
    "HamiltonianParams",
    "MixedPrecisionParams",
    "NmfParams",
    "NoParams",
    "TransferParams",
]


ALGORITHMS = ("float", "sgd", "ttv1", "ttv2", "cttv2", "agad", "mp", "pca", "nmf", "hd")


@dataclass(frozen=True)
class AlgorithmParams(Params):
    """Base of the per-algorithm parameters (the ``[algorithm]`` table)."""

    section: ClassVar[str] = "algorithm"


@dataclass(frozen=True)
class NoParams(AlgorithmParams):
    """``float`` and ``sgd`` have no parameters of their own."""


def _transfer_read() -> IOParams:
    # aihwkit forces noise and bound management off for transfer reads
    return IOParams(noise_management=NoiseManagement.NONE, bound_management=BoundManagement.NONE)


def _one_pulse_update() -> UpdateParams:
    return UpdateParams(desired_bl=1, update_bl_management=False, update_management=False)


@dataclass(frozen=True)
class TransferParams(AlgorithmParams):
    """Tiki-Taka v1 (aihwkit ``TransferCompound``): A gets ``lr_A = fast_lr * lr`` pulsed
    updates; every ``transfer_every`` updates ``n_reads_per_transfer`` columns j of A are read
    (``v = A e_j`` through ``transfer_forward``) and written into C by a pulsed update
    ``C[:, j] += transfer_lr * lr * v``. Visible weight ``W = gamma A + C``."""

    gamma: float = spec(0.0, "weight of A in the visible weight", ge=0)
    transfer_every: float = spec(1.0, "updates between transfers (0 = never)", ge=0)
    units_in_mbatch: bool = spec(True, "transfer_every counts mini-batches, not samples")
    n_reads_per_transfer: int = spec(1, "columns read per transfer", ge=1)
    fast_lr: float = spec(1.0, "learning rate of A (times lr if scale_fast_lr)", gt=0, le=1000)
    scale_fast_lr: bool = spec(True, "multiply fast_lr by the SGD lr")
    transfer_lr: float = spec(1.0, "learning rate of the transfer into C", ge=0, le=1000)
    scale_transfer_lr: bool = spec(True, "multiply transfer_lr by the SGD lr")
    transfer_forward: IOParams = field(
        default_factory=_transfer_read, metadata={"doc": "IO of the column reads of A"}
    )
    transfer_update: UpdateParams = field(
        default_factory=UpdateParams, metadata={"doc": "pulsed update that writes C"}
    )


@dataclass(frozen=True)
class BufferedTransferParams(TransferParams):
    """TTv2 (aihwkit ``BufferedTransferCompound``): a digital buffer H between A and C.

    Per read of column j: ``h = H_ij + eta v_i`` with ``eta = transfer_lr lr``;
    ``n = clamp(trunc(h / theta), +-transfer BL)``, ``theta = thres_scale eps_C``; where
    ``n != 0``: ``H <- momentum h`` (``forget_buffer``) or ``h - (1 - momentum) n theta``;
    C gets ``n`` pulses (LR ``step eps_C``, one pulse per element by default)."""

    thres_scale: float = spec(1.0, "threshold in units of C's granularity", gt=0)
    step: float = spec(1.0, "write step in units of C's granularity", gt=0)
    momentum: float = spec(0.1, "fraction of H kept after a write", ge=0, le=1)
    forget_buffer: bool = spec(True, "H <- momentum * H after a write (else subtract)")
    transfer_update: UpdateParams = field(
        default_factory=_one_pulse_update, metadata={"doc": "pulsed update that writes C"}
    )


@dataclass(frozen=True)
class ChoppedTransferParams(AlgorithmParams):
    """Chopped TTv2 / TTv3 (aihwkit ``ChoppedTransferCompound``, Rasch et al. 2024).

    A is updated with ``x`` and ``d`` multiplied by the choppers ``c_in`` (per column) and
    ``c_out`` (per row); reads undo them. ``h = H_ij + s c_in[j] c_out[i] v_i`` with
    ``s = transfer_lr lr / (buffer_granularity eps_A)``; ``|h| >= 1`` writes
    ``n = clamp(trunc(h), +-transfer BL)`` pulses into C. After reading column j,
    ``c_in[j]`` flips with probability ``in_chop_prob`` (or every ``1/in_chop_prob`` sweeps
    when not ``in_chop_random``). ``auto_scale``: ``lr_A = fast_lr BL eps_A / (m_x m_d)`` with
    EMAs of max|x|, max|d|."""

    in_chop_prob: float = spec(0.1, "probability of a column chopper flip per read", ge=0, le=1)
    in_chop_random: bool = spec(True, "random flips (else regular, every 1/in_chop_prob sweeps)")
    out_chop_prob: float = spec(0.0, "row chopper flip probability per sweep", ge=0, le=1)
    buffer_granularity: float = spec(1.0, "H threshold in units of A's granularity", gt=0)
    auto_granularity: float = spec(0.0, "period-dependent threshold scaling (0 = off)", ge=0)
    step: float = spec(1.0, "write step in units of C's granularity", gt=0)
    momentum: float = spec(0.0, "fraction of H kept after a write", ge=0, le=1)
    forget_buffer: bool = spec(True, "H <- momentum * H after a write (else subtract)")
    no_buffer: bool = spec(False, "memoryless threshold (TTv1-like)")
    units_in_mbatch: bool = spec(False, "transfer_every counts mini-batches, not samples")
    auto_scale: bool = spec(False, "scale A's lr by running max|x| and max|d|")
    auto_momentum: float = spec(0.99, "EMA momentum of auto_scale", ge=0, lt=1)
    fast_lr: float = spec(1.0, "learning rate of A (times lr if scale_fast_lr)", gt=0, le=1000)
    scale_fast_lr: bool = spec(False, "multiply fast_lr by the SGD lr")
    transfer_lr: float = spec(1.0, "learning rate of the transfer into C", ge=0, le=1000)
    scale_transfer_lr: bool = spec(True, "multiply transfer_lr by the SGD lr")
    transfer_every: float = spec(1.0, "updates between column reads", gt=0)
    transfer_forward: IOParams = field(
        default_factory=_transfer_read, metadata={"doc": "IO of the column reads of A"}
    )
    transfer_update: UpdateParams = field(
        default_factory=_one_pulse_update, metadata={"doc": "pulsed update that writes C"}
    )


@dataclass(frozen=True)
class DynamicTransferParams(ChoppedTransferParams):
    """AGAD (aihwkit ``DynamicTransferCompound``): chopped TTv2 whose reads subtract an
    on-the-fly reference ``R``: ``h = H + s c (v - R)``; a running mean
    ``M <- (1 - beta) M + beta v`` (``beta = min(tail_weightening / P, 1)``, P = chopper
    period in sweeps) is copied into R when a column's chopper flips; C is written only after
    the first period."""

    in_chop_prob: float = spec(0.1, "1/P: the chopper period is P sweeps", gt=0, le=1)
    in_chop_random: bool = spec(False, "additional random flips")
    tail_weightening: float = spec(5.0, "weight of the period's tail in the running mean", gt=0)
    buffer_cap: float = spec(0.0, "clip |H| to buffer_cap * transfer BL (0 = off)", ge=0)


@dataclass(frozen=True)
class MixedPrecisionParams(AlgorithmParams):
    """Mixed precision (aihwkit ``MixedPrecisionCompound``, Nandakumar 2020): the gradient
    accumulates digitally, ``chi += lr d x^T`` (x, d optionally quantised to n bins with
    stochastic rounding); every ``transfer_every`` mini-batches each row gets
    ``n = trunc(chi / eps)`` pulses (``eps = granularity`` or the device's) and keeps the
    remainder."""

    transfer_every: int = spec(1, "mini-batches between transfers", ge=1)
    n_rows_per_transfer: int = spec(-1, "rows written per transfer (-1 = all)", ge=-1)
    granularity: float = spec(0.0, "threshold eps (0 = the device's granularity)", ge=0)
    transfer_lr: float = spec(1.0, "scale of the write", gt=0, le=1000)
    n_x_bins: int = spec(0, "quantisation bins of x (0 = none)", ge=0)
    n_d_bins: int = spec(0, "quantisation bins of d (0 = none)", ge=0)
    stoc_round_x: bool = spec(True, "stochastic rounding of x")
    stoc_round_d: bool = spec(True, "stochastic rounding of d")

    def check(self) -> None:
        if self.n_rows_per_transfer == 0:
            raise ConfigError("n_rows_per_transfer", 0, "-1 (all rows) or >= 1")


@dataclass(frozen=True)
class DecompositionParams(AlgorithmParams):
    """Gradient decomposition (Zhao et al. 2021) by streaming-batch PCA (Huang et al.):
    mini-batch gradient descent whose batch gradient ``G = sum_b d_b x_b^T / B`` is never
    stored; one stochastic power iteration per batch gives rank-k factors instead: a first
    pass streams ``P = G Q`` (Q: the orthonormal right basis of the previous batch), then
    ``U = orth(P)`` and a second pass streams ``A = G^T U``, so ``G ~ U A^T`` needs
    ``k (rows + cols)`` numbers instead of ``rows x cols``; ``Q <- orth(A)`` for the next
    batch. ``rank = 0`` keeps the full G (plain MBGD). The update ``-lr G`` reaches the array
    as k rank-1 pulsed updates (``transfer = "seq"``, inside the array) or as ``-lr U A^T``
    rebuilt outside and written cell by cell with stochastic rounding
    ``n = floor(v) + Bernoulli(v - floor(v))``, ``v = -lr dW / dw_min`` (``"sum"``)."""

    rank: int = spec(3, "rank k of the gradient factors (0 = full gradient, MBGD)", ge=0, le=64)
    transfer: str = spec("seq", "seq: k rank-1 pulsed updates | sum: rebuilt, then written")
    stoc_round: bool = spec(True, "stochastic rounding of pulse counts (sum; else nearest)")

    def check(self) -> None:
        if self.transfer not in ("seq", "sum"):
            raise ConfigError("transfer", self.transfer, "one of seq, sum")

    @property
    def rank_sum(self) -> bool:
        return self.transfer == "sum" or self.rank == 0


@dataclass(frozen=True)
class NmfParams(DecompositionParams):
    """Gradient decomposition (Zhao et al. 2021) by non-negative matrix factorisation.

    Layer inputs are non-negative (pixels, sigmoid or relu outputs, the bias 1), so the batch
    gradient splits into two non-negative parts, ``G = G+ - G-`` with
    ``G+- = sum_b d_b^+- x_b^T / B``. Each part gets rank-k non-negative factors,
    ``G+- ~ W+- H+-^T``, by ``iterations`` multiplicative updates per batch (Lee & Seung),
    warm-started from the previous batch's factors rescaled to equal norms per component (the
    updates leave that split free, and it drifts); every product with G is streamed from the
    batch's vectors, so G is never stored. The write is 2k rank-1 pulsed updates (``seq``; each with
    single-signed factors) or ``W+ H+^T - W- H-^T`` rebuilt outside (``sum``)."""

    rank: int = spec(3, "rank k of each non-negative factor pair", ge=1, le=64)
    iterations: int = spec(50, "multiplicative updates per mini-batch", ge=1, le=1000)


@dataclass(frozen=True)
class HamiltonianParams(AlgorithmParams):
    """Stochastic Hamiltonian Descent (``hd``) as xbarkit defines it after the abstract of
    Onen et al. 2022 (arXiv 2201.13377; the equations are xbarkit's, ALGORITHMS.md section 8).

    Position ``q = C`` (the network computes with ``W = C``), momentum ``p = A - R`` with
    ``R`` A's zero-shift reference. A gets the pulsed update ``A <- A (+) (-lr_A d x^T)``
    (``lr_A = fast_lr * lr`` if ``scale_fast_lr``), so ``dp = -lr_A grad E``; A's own device
    asymmetry pulls every device toward its symmetry point, ``p -> 0``: the friction. Every
    ``transfer_every`` updates ``n_reads_per_transfer`` columns k (cyclic; 0 = all of them)
    are read, ``v = A e_k`` through ``transfer_forward``, and written by the pulsed update
    ``C[:, k] += lr_T (v - R[:, k])`` (``lr_T = transfer_lr * lr`` if ``scale_transfer_lr``).
    Before training, ``zero_shift`` applies ``zs_pulses`` alternating up/down pulses to every
    device of A and stores ``R = A`` read through ``transfer_forward`` (mean of ``zs_reads``
    reads per column; digital, fixed); without it ``R = 0``."""

    transfer_every: float = spec(1.0, "updates between transfers", gt=0)
    units_in_mbatch: bool = spec(True, "transfer_every counts mini-batches, not samples")
    n_reads_per_transfer: int = spec(1, "columns read per transfer (0 = every column)", ge=0)
    fast_lr: float = spec(1.0, "learning rate of A (times lr if scale_fast_lr)", gt=0, le=1000)
    scale_fast_lr: bool = spec(True, "multiply fast_lr by the SGD lr")
    transfer_lr: float = spec(1.0, "learning rate of the transfer into C", gt=0, le=1000)
    scale_transfer_lr: bool = spec(True, "multiply transfer_lr by the SGD lr")
    zero_shift: bool = spec(True, "zero-shift A before training and subtract its reference R")
    zs_pulses: int = spec(1000, "alternating up/down pulses per device of A", ge=0, le=100_000)
    zs_reads: int = spec(10, "reads averaged into each reference value", ge=1, le=10_000)
    transfer_forward: IOParams = field(
        default_factory=_transfer_read, metadata={"doc": "IO of the column reads of A"}
    )
    transfer_update: UpdateParams = field(
        default_factory=UpdateParams, metadata={"doc": "pulsed update that writes C"}
    )


#: training.algorithm -> the class of its [algorithm] table
ALGORITHM_PARAMS: dict[str, type[AlgorithmParams]] = {
    "float": NoParams,
    "sgd": NoParams,
    "ttv1": TransferParams,
    "ttv2": BufferedTransferParams,
    "cttv2": ChoppedTransferParams,
    "agad": DynamicTransferParams,
    "mp": MixedPrecisionParams,
    "pca": DecompositionParams,
    "nmf": NmfParams,
    "hd": HamiltonianParams,
}
TWO_ARRAY_ALGORITHMS = ("ttv1", "ttv2", "cttv2", "agad", "hd")
