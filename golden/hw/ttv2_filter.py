"""The TTv2 digital filter: the H buffer between A and C (``rtl/ttv2_filter.py``).

For each element (i, j) of the column read from A (ADC code ``a_i``), in threshold units
``thres = 2**THRES_SHIFT`` of the signed, saturating ``h_bits`` buffer (aihwkit
``BufferedTransferCompound`` with ``H`` counted in units of the threshold):

    H1 = sat(H + a_i * TRANSFER_LR)
    k  = sign(H1) * min(|H1| >> THRES_SHIFT, MAX_PULSES)        (truncation toward 0)
    if k == 0:      H2 = H1
    elif FORGET:    H2 = sat(round(H1 * m / 2**momentum_frac))               (forget_buffer)
    else:           H2 = sat(H1 - round(k (2**momentum_frac - m) 2**THRES_SHIFT / 2**mf))

with ``m`` = ``MOMENTUM`` and ``round`` the params' rounding of a right shift. ``k`` pulses are
written to C(i, j), up for ``k > 0``. Nothing ever wraps: every sum saturates.

The filter is time-multiplexed and sequential: each element takes the ten short steps of
:class:`~golden.encoding.FilterState` READ .. WRITE (one clock each, so that no clock has more
than one multiply or one carry chain: >= 100 MHz on an ECP5), then EMIT offers its count with
valid/ready. A column of R rows takes at least ``11 R`` cycles. H lives in a memory of
``rows * cols`` entries, column-major (address ``j * rows + i``); a reset clears the pipeline,
never the memory (as in the FPGA), and a write under way in the reset cycle still lands.
"""

from __future__ import annotations

from dataclasses import dataclass

from golden.encoding import FilterState, Overflow
from golden.fixedpoint import resize, shift_right
from golden.hw.params import PeripheryParams

__all__ = ["FilterConfig", "Ttv2FilterModel", "filter_element"]

_SAT = int(Overflow.SATURATE)


@dataclass(frozen=True)
class FilterConfig:
    """The filter's configuration registers."""

    transfer_lr: int = 0
    thres_shift: int = 0
    momentum: int = 0
    forget: int = 0
    max_pulses: int = 0


def filter_element(h: int, code: int, cfg: FilterConfig, p: PeripheryParams) -> tuple[int, int]:
    """One element: ``(H2, k)`` from the stored ``H`` and the ADC code (module docstring)."""
    h1 = accumulate(h, code * cfg.transfer_lr, p)
    k = count(magnitude(h1, cfg), h1, cfg)
    prod_m, prod_k = scale(h1, k, cfg, p)
    return write_value(h1, k, *pay(prod_m, prod_k << cfg.thres_shift, p), cfg, p), k


def accumulate(h: int, product: int, p: PeripheryParams) -> int:
    """ACCUMULATE: ``sat(H + code * TRANSFER_LR)``."""
    return resize(h + product, p.h_bits, True, _SAT)


def magnitude(h1: int, cfg: FilterConfig) -> int:
    """MAGNITUDE: ``|H1| >> THRES_SHIFT``."""
    return (-h1 if h1 < 0 else h1) >> cfg.thres_shift


def count(mag: int, h1: int, cfg: FilterConfig) -> int:
    """COUNT: ``k = sign(H1) min(magnitude, MAX_PULSES)``."""
    k_abs = min(mag, cfg.max_pulses)
    return -k_abs if h1 < 0 else k_abs


def scale(h1: int, k: int, cfg: FilterConfig, p: PeripheryParams) -> tuple[int, int]:
    """SCALE: ``(H1 * m, k * (2**mf - m))``."""
    return h1 * cfg.momentum, k * ((1 << p.momentum_frac) - cfg.momentum)


def pay(prod_m: int, shifted: int, p: PeripheryParams) -> tuple[int, int]:
    """PAY: ``(forgotten, paid)`` from ``H1 m`` and ``k (2**mf - m) << THRES_SHIFT`` (SHIFT),
    both rounded back to H units; ``paid`` clamped to ``signed(h_bits + 1)``, which leaves
    ``sat(H1 - paid)`` unchanged."""
    mf, rnd = p.momentum_frac, int(p.rounding)
    forgotten = resize(shift_right(prod_m, mf, rnd), p.h_bits, True, _SAT)
    paid = resize(shift_right(shifted, mf, rnd), p.h_bits + 1, True, _SAT)
    return forgotten, paid


def write_value(h1, k, forgotten, paid, cfg: FilterConfig, p: PeripheryParams) -> int:
    """UPDATE: the new H (written back in WRITE)."""
    if k == 0:
        return h1
    return forgotten if cfg.forget else resize(h1 - paid, p.h_bits, True, _SAT)


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
        self.rdata = self.code = self.h_reg = self.product = self.h1 = self.mag = self.k = 0
        self.prod_m = self.prod_k = self.shifted = self.forgotten = self.paid = self.h2 = 0
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
            self.h[self._address()] = self.h2
        if reset:
            self.reset()
            return
        nxt = {S.READ: S.MULTIPLY, S.MULTIPLY: S.ACCUMULATE, S.ACCUMULATE: S.MAGNITUDE,
               S.MAGNITUDE: S.COUNT, S.COUNT: S.SCALE, S.SCALE: S.SHIFT, S.SHIFT: S.PAY,
               S.PAY: S.UPDATE, S.UPDATE: S.WRITE,
               S.WRITE: S.EMIT}  # fmt: skip
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
            self.code = self.codes[self.row]
        elif st == S.MULTIPLY:
            self.h_reg = self.rdata
            self.product = self.code * cfg.transfer_lr
        elif st == S.ACCUMULATE:
            self.h1 = accumulate(self.h_reg, self.product, p)
        elif st == S.MAGNITUDE:
            self.mag = magnitude(self.h1, cfg)
        elif st == S.COUNT:
            self.k = count(self.mag, self.h1, cfg)
        elif st == S.SCALE:
            self.prod_m, self.prod_k = scale(self.h1, self.k, cfg, p)
        elif st == S.SHIFT:
            self.shifted = self.prod_k << cfg.thres_shift
        elif st == S.PAY:
            self.forgotten, self.paid = pay(self.prod_m, self.shifted, p)
        elif st == S.UPDATE:
            self.h2 = write_value(self.h1, self.k, self.forgotten, self.paid, cfg, p)
        elif st == S.WRITE:
            self.out_row, self.out_count = self.row, self.k
        self.state = nxt[st]
