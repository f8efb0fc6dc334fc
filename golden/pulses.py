"""The stochastic pulsed rank-1 update of a crossbar (Gokmen & Vlasov 2016; aihwkit).

For an update ``W <- W - lr d x^T`` every column j gets a train of BL slots firing with
probability ``p_j = min(B |x_j|, 1)`` and every row i one with ``q_i = min(A |d_i|, 1)``;
cell (i, j) receives one pulse per slot where both fire (AND + popcount of the bit-packed
trains), of direction ``down`` if ``sign(d_i) sign(x_j) sign(lr) > 0``. With
``A B = lr / (BL dw_min)`` the expected change is ``-lr d_i x_j`` (times the device response).
Update management (``update_management``, ``update_bl_management``) chooses BL, A and B per
update exactly as aihwkit's ``PulsedUpdateMetaParameter``.

Random bits come from one of two sources (``UpdateParams.rng_mode``):

* ``FAST``: counter-based SplitMix64 streams, one per lane and update (training runs);
* ``HW_EXACT``: what the periphery RTL computes and draws: x and d quantised to its codes, its
  fixed-point update management (:mod:`golden.hw.pulse_generator`, fixed BL) and one LFSR per
  lane (:mod:`golden.lfsr`).
"""

from __future__ import annotations

import numba
import numpy as np

from golden.devices import DeviceArray
from golden.encoding import PulseType
from golden.errors import ConfigError
from golden.kernels.pulses import MAX_BL, pulsed_update, update_scales
from golden.kernels.records import Lanes, UpdateConfig, Work, record
from golden.lfsr import col_lane, lane_seed, lfsr_mask, row_lane
from golden.params import UpdateParams

#: arrays of at least this many cells apply an update's rows on every thread (a parallel
#: region costs about a microsecond; a 512 x 512 update takes hundreds, measured)
PARALLEL_CELLS = 65536

__all__ = [
    "MAX_BL",
    "PulsedUpdater",
    "check_vector",
    "update_record",
    "update_scales",
    "work_arrays",
]


def update_record(params: UpdateParams) -> UpdateConfig:
    """The update parameters as the record the kernels take."""
    return record(UpdateConfig, params)


def work_arrays(n: int) -> Work:
    """Work arrays of :func:`~golden.kernels.pulses.pulsed_update` for arrays of up to ``n``
    rows and columns."""
    return Work(
        np.zeros((2, n), dtype=np.uint64),
        np.zeros((2, n), dtype=np.uint8),
        np.zeros((2, n), dtype=np.int64),
        np.zeros((MAX_BL, n), dtype=np.int64),
        np.zeros(MAX_BL, dtype=np.int64),
    )


def check_vector(name: str, v, size: int) -> np.ndarray:
    """``v`` as a contiguous float64 vector of length ``size``; shape or NaN/inf errors name
    the argument."""
    v = np.ascontiguousarray(v, dtype=np.float64)
    if v.ndim != 1 or v.shape[0] != size:
        raise ConfigError(name, f"<array of shape {v.shape}>", f"expected shape ({size},)")
    if not np.all(np.isfinite(v)):
        raise ConfigError(name, "<vector with NaN/inf>", "every entry must be finite")
    return v


class PulsedUpdater:
    """Applies pulsed rank-1 updates to one :class:`DeviceArray`.

    Holds the per-lane LFSR states (hw-exact mode) and the kernels' work arrays; the noise and
    fast-mode streams are keyed by the device array's seed and update counter, so the same
    seed gives the same bits, also with numba's parallel loops.
    """

    def __init__(self, params: UpdateParams, devices: DeviceArray, lfsr_seed: int = 0):
        if params.pulse_type in (PulseType.NONE, PulseType.NONE_WITH_DEVICE):
            raise ConfigError(
                "update.pulse_type",
                params.pulse_type.name,
                "PulsedUpdater needs a pulsed type; the tile handles NONE types",
            )
        self.params = params
        self.devices = devices
        self.upd = update_record(params)
        rows, cols = devices.shape
        width = params.lfsr_width
        self.lanes = Lanes(
            np.array(
                [lane_seed(lfsr_seed, col_lane(j), width) for j in range(cols)], dtype=np.uint64
            ),
            np.array(
                [lane_seed(lfsr_seed, row_lane(i), width) for i in range(rows)], dtype=np.uint64
            ),
            np.uint64(lfsr_mask(width)),
        )
        self.work = work_arrays(max(rows, cols))

    def update(self, x, d, lr: float) -> int:
        """Pulsed ``W <- W - lr d x^T``; returns the pulse-train length BL used (0: no-op)."""
        rows, cols = self.devices.shape
        x = check_vector("x", x, cols)
        d = check_vector("d", d, rows)
        if not np.isfinite(lr):
            raise ConfigError("lr", lr, "must be a finite number")
        dev = self.devices
        return pulsed_update(
            x,
            d,
            float(lr),
            dev.params.granularity,
            self.upd,
            dev.view(),
            self.lanes,
            dev.seed,
            dev.next_counter(),
            self.work,
            rows * cols >= PARALLEL_CELLS and numba.get_num_threads() > 1,
        )
