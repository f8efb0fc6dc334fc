"""The TTv2 digital filter: the H buffer between A and C (``rtl/ttv2_filter.py``).

For each element (i, j) of the column read from A (ADC code ``a_i``), in threshold units
``thres = 2**THRES_SHIFT`` of the signed, saturating ``h_bits`` buffer (aihwkit
``BufferedTransferCompound`` with ``H`` counted in units of the threshold):

    H1 = sat(H + a_i * TRANSFER_LR)
    k  = sign(H1) * min(|H1| >> THRES_SHIFT, MAX_PULSES)        (truncation toward 0)
    if k == 0:      H2 = H1
    elif FORGET:    H2 = sat(round(H1 * m / 2**momentum_frac))               (forget_buffer)
    else:           H2 = sat(H1 - round(k (2**momentum_frac - m) 2**THRES_SHIFT / 2**mf))

with ``m`` = ``MOMENTUM`` (read in COUNT, TRANSFER_LR in READ) and ``round`` the params'
rounding of a right shift. ``k`` pulses are
written to C(i, j), up for ``k > 0``. Nothing ever wraps: every sum saturates.

The filter is time-multiplexed and sequential: each element takes the fourteen short steps of
:class:`~golden.encoding.FilterState` READ .. WRITE (one clock each, so that no clock has more
than one multiply, one carry chain or one shifter), then EMIT offers its count with
valid/ready. A column of R rows takes at least ``15 R`` cycles. H lives in a memory of
``rows * cols`` entries, column-major (address ``j * rows + i``); a reset clears the pipeline,
never the memory (as in the FPGA), and a write under way in the reset cycle still lands.
"""

from __future__ import annotations

from dataclasses import dataclass

from golden.encoding import FilterState, Overflow
from golden.fixedpoint import resize, shift_right
from golden.params import PeripheryParams

__all__ = ["STEPS", "FilterConfig", "Ttv2FilterModel"]

_SAT = int(Overflow.SATURATE)


@dataclass(frozen=True)
class FilterConfig:
    """The filter's configuration registers."""

    transfer_lr: int = 0
    thres_shift: int = 0
    momentum: int = 0
    forget: int = 0
    max_pulses: int = 0


def _sat(v: int, bits: int) -> int:
    return resize(v, bits, True, _SAT)


#: one clock each, in order: state -> (registers, cfg, params) -> the registers it loads
STEPS = {
    # the multipliers' configuration operands are registered a clock ahead of their products
    # (the register sits by the multiplier, the configuration register may be far away)
    FilterState.READ: lambda r, c, p: {"lr": c.transfer_lr},
    FilterState.MULTIPLY: lambda r, c, p: {"product": r["code"] * r["lr"]},
    FilterState.SUM: lambda r, c, p: {"total": r["h_reg"] + r["product"]},
    FilterState.ACCUMULATE: lambda r, c, p: {"h1": _sat(r["total"], p.h_bits)},
    FilterState.ABSOLUTE: lambda r, c, p: {"h_abs": abs(r["h1"])},
    FilterState.MAGNITUDE: lambda r, c, p: {"mag": r["h_abs"] >> c.thres_shift},
    # 1 - momentum is taken a clock ahead of its product, so no subtraction feeds the multiplier
    FilterState.COUNT: lambda r, c, p: {
        "k": min(r["mag"], c.max_pulses) * (-1 if r["h1"] < 0 else 1),
        "keep": (1 << p.momentum_frac) - c.momentum,
        "mom": c.momentum,
    },
    FilterState.SCALE: lambda r, c, p: {
        "prod_m": r["h1"] * r["mom"],
        "prod_k": r["k"] * r["keep"],
    },
    FilterState.SHIFT: lambda r, c, p: {"shifted": r["prod_k"] << c.thres_shift},
    FilterState.ROUND: lambda r, c, p: {
        "round_m": shift_right(r["prod_m"], p.momentum_frac, int(p.rounding)),
        "round_k": shift_right(r["shifted"], p.momentum_frac, int(p.rounding)),
    },
    # paid is clamped to signed(h_bits + 1), which leaves sat(H1 - paid) unchanged
    FilterState.PAY: lambda r, c, p: {
        "forgotten": _sat(r["round_m"], p.h_bits),
        "paid": _sat(r["round_k"], p.h_bits + 1),
    },
    FilterState.DIFF: lambda r, c, p: {"diff": r["h1"] - r["paid"]},
    FilterState.UPDATE: lambda r, c, p: {
        "h2": r["h1"]
        if r["k"] == 0
        else (r["forgotten"] if c.forget else _sat(r["diff"], p.h_bits))
    },
}


class Ttv2FilterModel:
    """Cycle model of ``rtl.ttv2_filter.Ttv2Filter``.

    Inputs per cycle: ``valid``, ``col``, ``codes`` (rows signed ints), ``out_ready`` and the
    :class:`FilterConfig`. Outputs: ``ready``, ``state``, ``out_valid``, ``out_row``,
    ``out_count``.
    """

    def __init__(self, p: PeripheryParams):
        self.p = p
        self.h = [0] * p.h_depth
        self.reset()

    def reset(self) -> None:
        """Registers to their reset values; the H memory keeps its contents."""
        self.state = FilterState.IDLE
        self.col = self.row = 0
        self.codes = [0] * self.p.rows
        self.rdata = 0
        self.r = {"h_reg": 0, "code": 0, "h2": 0, "k": 0}
        self.out_row = self.out_count = 0

    def outputs(self) -> dict:
        return {
            "ready": int(self.state == FilterState.IDLE),
            "state": int(self.state),
            "out_valid": int(self.state == FilterState.EMIT),
            "out_row": self.out_row,
            "out_count": self.out_count,
        }

    def _address(self) -> int:
        return self.col * self.p.rows + self.row

    def tick(
        self, valid: int, col: int, codes, out_ready: int, cfg: FilterConfig, reset: int = 0
    ) -> None:
        """The clock edge; with ``reset`` the registers reset (the memory write still lands)."""
        p, st, S = self.p, self.state, FilterState
        if st == S.WRITE:
            self.h[self._address()] = self.r["h2"]
        if reset:
            self.reset()
            return
        if st == S.IDLE:
            if valid:
                self.col, self.codes, self.row = col, list(codes), 0
                self.state = S.READ
            return
        if st == S.EMIT:
            if out_ready:
                last = self.row == p.rows - 1
                self.row = 0 if last else self.row + 1
                self.state = S.IDLE if last else S.READ
            return
        if st == S.READ:
            self.rdata = self.h[self._address()]
            self.r["code"] = self.codes[self.row]
        elif st == S.MULTIPLY:
            self.r["h_reg"] = self.rdata
        elif st == S.WRITE:
            self.out_row, self.out_count = self.row, self.r["k"]
        if st in STEPS:
            self.r.update(STEPS[st](self.r, cfg, p))
        self.state = S(st + 1)
