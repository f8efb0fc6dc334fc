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

The filter is time-multiplexed: one element every three cycles (READ the buffer memory,
COMPUTE and write back, EMIT the count with valid/ready). H lives in a memory of
``rows * cols`` entries, column-major (address ``j * rows + i``); a reset clears the pipeline,
never the memory (as in the FPGA), and a write under way in the reset cycle still lands.
"""

from __future__ import annotations

from dataclasses import dataclass

from golden.encoding import FilterState, Overflow
from golden.fixedpoint import resize, shift_right
from golden.hw.params import PeripheryParams

__all__ = ["FilterConfig", "Ttv2FilterModel", "filter_element"]


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
    sat = int(Overflow.SATURATE)
    h1 = resize(h + code * cfg.transfer_lr, p.h_bits, True, sat)
    mag = (-h1 if h1 < 0 else h1) >> cfg.thres_shift
    k_abs = min(mag, cfg.max_pulses)
    k = -k_abs if h1 < 0 else k_abs
    if k == 0:
        return h1, 0
    mf = p.momentum_frac
    if cfg.forget:
        h2 = shift_right(h1 * cfg.momentum, mf, int(p.rounding))
    else:
        h2 = h1 - shift_right((k * ((1 << mf) - cfg.momentum)) << cfg.thres_shift, mf,
                              int(p.rounding))  # fmt: skip
    return resize(h2, p.h_bits, True, sat), k


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
        """Pipeline registers to their reset values; the H memory keeps its contents."""
        self.state = FilterState.IDLE
        self.col = 0
        self.row = 0
        self.codes = [0] * self.p.rows
        self.rdata = 0
        self.out_row = 0
        self.out_count = 0

    def outputs(self) -> dict:
        return {
            "ready": int(self.state == FilterState.IDLE),
            "state": int(self.state),
            "out_valid": int(self.state == FilterState.EMIT),
            "out_row": self.out_row,
            "out_count": self.out_count,
        }

    def tick(
        self, valid: int, col: int, codes, out_ready: int, cfg: FilterConfig, reset: int = 0
    ) -> None:
        """The clock edge; with ``reset`` the registers reset (the memory write still lands)."""
        p = self.p
        st = self.state
        if reset:
            if st == FilterState.COMPUTE:
                self.h[self.col * p.rows + self.row] = filter_element(
                    self.rdata, self.codes[self.row], cfg, p)[0]  # fmt: skip
            self.reset()
            return
        if st == FilterState.IDLE:
            if valid:
                self.col, self.codes, self.row = col, list(codes), 0
                self.state = FilterState.READ
        elif st == FilterState.READ:
            self.rdata = self.h[self.col * p.rows + self.row]
            self.state = FilterState.COMPUTE
        elif st == FilterState.COMPUTE:
            h2, k = filter_element(self.rdata, self.codes[self.row], cfg, p)
            self.h[self.col * p.rows + self.row] = h2
            self.out_row, self.out_count = self.row, k
            self.state = FilterState.EMIT
        elif out_ready:  # EMIT
            last = self.row == p.rows - 1
            self.row = 0 if last else self.row + 1
            self.state = FilterState.IDLE if last else FilterState.READ
