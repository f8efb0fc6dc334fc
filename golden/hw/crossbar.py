"""The array emulator: one crossbar of discrete-state (Lut) devices in block RAM
(``rtl/crossbar.py``), hardware-exact (:mod:`golden.lut_exact` is its arithmetic).

Operations arrive on a valid/ready stream, one at a time (``ready`` only in IDLE):

* ``PULSES`` (one slot of pulse lines ``x``, ``x_neg``, ``d``, ``d_neg``): every coincident
  device (i, j) gets one pulse, up when ``x_neg`` bit j differs from ``d_neg`` bit i. Rows with a
  pulse in ascending order, each in a ROW clock (its LFSR is loaded) and then one CELL clock per
  column with a pulse, ascending: the CELL clock reads the device and draws the row's LFSR word;
  the next clock (stage B) writes the new state. A slot with ``r`` rows and ``c`` columns
  firing takes ``r (c + 1)`` clocks; an empty one is dropped in IDLE.
* ``READ`` (``x`` one-hot: column j, the lowest set bit): one READ clock per row i (ascending)
  reads device (i, j) and draws ``noise_bits`` bits of the read LFSR; stage B forms the code
  (:func:`golden.lut_exact.read_code`); after RDONE all ``rows`` codes appear on ``codes`` with
  ``read_valid`` high for one clock (the IDLE clock that may take the next operation).
* ``PEEK`` (row: lowest set bit of ``d``, column: of ``x``): the PEEK clock reads the device,
  stage B latches its state; ``peek_valid`` is high with ``peek_state`` the clock after.

No two operations overlap: the last write of one lands in the clock that takes the next, whose
first read comes a clock later. ``reset`` restarts the LFSRs and the state machine; the device
memory keeps its contents (as block RAM does).
"""

from __future__ import annotations

from golden.encoding import ArrayOp, ArrayState
from golden.hw.lfsr import lfsr_word_int
from golden.lfsr import lane_seed
from golden.lut_exact import (
    READ_LANE,
    ArrayImage,
    ExactLut,
    ReadTables,
    pulse_exact,
    read_code,
    row_seeds,
)
from golden.params import EmulatorParams

__all__ = ["ArrayEmulatorModel", "lowest_bit"]


def lowest_bit(mask: int) -> int:
    """Index of the lowest set bit (0 for 0), the RTL's priority encoder."""
    return (mask & -mask).bit_length() - 1 if mask else 0


class ArrayEmulatorModel:
    """Cycle model of ``rtl.crossbar.ArrayEmulator`` for a ``rows x cols`` array.

    Inputs per cycle: ``valid``, ``op`` (:class:`~golden.encoding.ArrayOp`), ``x``, ``x_neg``
    (cols-bit masks), ``d``, ``d_neg`` (rows-bit masks). Outputs: ``ready``, ``state``,
    ``read_valid``, ``codes`` (rows signed ints), ``peek_valid``, ``peek_state``.
    """

    def __init__(self, em: EmulatorParams, lut: ExactLut, rt: ReadTables, image: ArrayImage):
        self.em, self.lut, self.rt = em, lut, rt
        self.rows, self.cols = image.states.shape
        self.states = [[int(v) for v in row] for row in image.states]
        self.g_up = [[int(v) for v in row] for row in image.g_up]
        self.g_down = [[int(v) for v in row] for row in image.g_down]
        self.mask = int(lut.lfsr_mask)
        self.pulses = 0  # pulses applied so far (not reset: a statistic, not a register)
        self.reset()

    def reset(self) -> None:
        self.state = ArrayState.IDLE
        self.x = self.x_neg = self.d_neg = self.d_rem = self.x_rem = 0
        self.i = self.j = 0
        self.row_lfsr = [int(v) for v in row_seeds(self.rows, self.em)]
        self.cur = 0
        self.read_lfsr = lane_seed(self.em.seed, READ_LANE, self.em.lfsr_width)
        self.b = None  # stage B: (op, i, j, up, word)
        self.codes = [0] * self.rows
        self.resp_valid = 0
        self.peek_state = self.peek_valid = 0

    def outputs(self) -> dict:
        return {
            "ready": int(self.state == ArrayState.IDLE),
            "state": int(self.state),
            "read_valid": self.resp_valid,
            "codes": list(self.codes),
            "peek_valid": self.peek_valid,
            "peek_state": self.peek_state,
        }

    def _stage_b(self) -> None:
        self.peek_valid = 0
        if self.b is None:
            return
        op, i, j, up, word = self.b
        s = self.states[i][j]
        if op == ArrayOp.PEEK:
            self.peek_state, self.peek_valid = s, 1
        elif op == ArrayOp.PULSES:
            gain = self.g_up[i][j] if up else self.g_down[i][j]
            self.states[i][j] = int(pulse_exact(s, up, gain, self.lut, word))
            self.pulses += 1
        else:
            self.codes[i] = read_code(s, word, self.rt)

    def tick(self, valid=0, op=0, x=0, x_neg=0, d=0, d_neg=0, reset=0) -> None:
        """The clock edge with this cycle's inputs."""
        self._stage_b()
        if reset:
            self.reset()
            return
        self.resp_valid = int(self.state == ArrayState.RDONE)
        self.b = None
        st = self.state
        if st == ArrayState.IDLE:
            if valid and op == ArrayOp.PULSES and x and d:
                self.x, self.x_neg, self.d_neg, self.d_rem = x, x_neg, d_neg, d
                self.state = ArrayState.ROW
            elif valid and op == ArrayOp.READ:
                self.j, self.i = lowest_bit(x), 0
                self.state = ArrayState.READ
            elif valid and op == ArrayOp.PEEK:
                self.i, self.j = lowest_bit(d), lowest_bit(x)
                self.state = ArrayState.PEEK
        elif st == ArrayState.ROW:
            self.i = lowest_bit(self.d_rem)
            self.d_rem &= ~(1 << self.i)
            self.x_rem = self.x
            self.cur = self.row_lfsr[self.i]
            self.state = ArrayState.CELL
        elif st == ArrayState.CELL:
            i, j = self.i, lowest_bit(self.x_rem)
            self.x_rem &= ~(1 << j)
            self.cur, word = lfsr_word_int(self.cur, self.mask, self.em.word_bits)
            self.row_lfsr[i] = self.cur
            up = (self.x_neg >> j & 1) != (self.d_neg >> i & 1)
            self.b = (ArrayOp.PULSES, i, j, up, word)
            if not self.x_rem:
                self.state = ArrayState.ROW if self.d_rem else ArrayState.IDLE
        elif st == ArrayState.READ:
            self.read_lfsr, u = lfsr_word_int(self.read_lfsr, self.mask, self.em.noise_bits)
            self.b = (ArrayOp.READ, self.i, self.j, False, u)
            if self.i == self.rows - 1:
                self.state = ArrayState.RDONE
            else:
                self.i += 1
        elif st == ArrayState.PEEK:
            self.b = (ArrayOp.PEEK, self.i, self.j, False, 0)
            self.state = ArrayState.IDLE
        else:  # RDONE
            self.state = ArrayState.IDLE
