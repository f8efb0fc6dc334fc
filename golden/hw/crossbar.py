"""The array emulator: one crossbar of discrete-state (Lut) devices in block RAM
(``rtl/crossbar.py``), hardware-exact (:mod:`golden.lut_exact` is its arithmetic).

Operations arrive on a valid/ready stream, one at a time (``ready`` only in IDLE with an empty
pipeline). Every device access goes down a pipeline of :data:`PIPELINE` stages: the clock that
issues it reads the device word and draws its random bits; stage B looks up the step, gain,
noise factor, level and read noise; C and D multiply; E computes and writes the new state
(or the code, or the peeked state) at the end of its clock, ``PIPELINE`` clocks after the
issue.

* ``PULSES`` (one slot of pulse lines ``x``, ``x_neg``, ``d``, ``d_neg``): every coincident
  device (i, j) gets one pulse, up when ``x_neg`` bit j differs from ``d_neg`` bit i. Rows with a
  pulse in ascending order, each in a ROW clock (the row is picked and its LFSR loaded) and
  then one CELL clock per column with a pulse, ascending, each issuing the device with a word
  of the row's LFSR. A slot with ``r`` rows and ``c`` columns firing takes ``r (c + 1)``
  clocks plus the pipeline's; an empty one is dropped in IDLE.
* ``READ`` (``x`` one-hot: column j, the lowest set bit): one READ clock per row i (ascending)
  issues device (i, j) with ``noise_bits`` bits of the read LFSR; stage E forms the code
  (:func:`golden.lut_exact.read_code`); when the last row's is formed, all ``rows`` codes
  appear on ``codes`` with ``read_valid`` high for one clock.
* ``PEEK`` (row: lowest set bit of ``d``, column: of ``x``): the PEEK clock issues the device;
  ``peek_valid`` is high with ``peek_state`` the clock after its stage E.

No two operations overlap, so a device is never read before an earlier write to it has landed.
``reset`` restarts the LFSRs, the state machine and the pipeline; the device memory keeps its
contents (as block RAM does).
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

__all__ = ["PIPELINE", "ArrayEmulatorModel", "lowest_bit"]

#: clocks from a device access's issue to its write (stages B, C, D, E)
PIPELINE = 4


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
        self.pipe = [None] * PIPELINE  # stages B..E: (op, i, j, up, word) or None
        self.codes = [0] * self.rows
        self.resp_valid = 0
        self.peek_state = self.peek_valid = 0

    def outputs(self) -> dict:
        return {
            "ready": int(self.state == ArrayState.IDLE and not any(self.pipe)),
            "state": int(self.state),
            "read_valid": self.resp_valid,
            "codes": list(self.codes),
            "peek_valid": self.peek_valid,
            "peek_state": self.peek_state,
        }

    def _stage_e(self) -> None:
        """The edge that ends stage E: write the state, the code or the peeked state."""
        self.peek_valid = self.resp_valid = 0
        done = self.pipe[-1]
        if done is None:
            return
        op, i, j, up, word = done
        s = self.states[i][j]
        if op == ArrayOp.PEEK:
            self.peek_state, self.peek_valid = s, 1
        elif op == ArrayOp.PULSES:
            gain = self.g_up[i][j] if up else self.g_down[i][j]
            self.states[i][j] = int(pulse_exact(s, up, gain, self.lut, word))
            self.pulses += 1
        else:
            self.codes[i] = read_code(s, word, self.rt)
            self.resp_valid = int(i == self.rows - 1)

    def tick(self, valid=0, op=0, x=0, x_neg=0, d=0, d_neg=0, reset=0) -> None:
        """The clock edge with this cycle's inputs (stage E's write lands at this edge)."""
        self._stage_e()
        if reset:
            self.reset()
            return
        ready = self.outputs()["ready"]
        issue = None
        st = self.state
        if st == ArrayState.IDLE and ready:
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
            issue = (ArrayOp.PULSES, i, j, up, word)
            if not self.x_rem:
                self.state = ArrayState.ROW if self.d_rem else ArrayState.IDLE
        elif st == ArrayState.READ:
            self.read_lfsr, u = lfsr_word_int(self.read_lfsr, self.mask, self.em.noise_bits)
            issue = (ArrayOp.READ, self.i, self.j, False, u)
            if self.i == self.rows - 1:
                self.state = ArrayState.IDLE
            else:
                self.i += 1
        elif st == ArrayState.PEEK:
            issue = (ArrayOp.PEEK, self.i, self.j, False, 0)
            self.state = ArrayState.IDLE
        self.pipe = [issue, *self.pipe[:-1]]
