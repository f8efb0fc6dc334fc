"""The array emulator: one crossbar of discrete-state (Lut) devices in block RAM
(``rtl/crossbar.py``), hardware-exact (:mod:`golden.lut_exact` and :mod:`golden.mvm_exact`
are its arithmetic).

Operations arrive on a valid/ready stream, one at a time (``ready``, a register, is high
when the array was IDLE with an empty pipeline a clock ago and took nothing then); the clock
that takes one registers it, the next (DECODE) decodes it (an empty slot is dropped there).
MVMs come on a port of their own (an array built with MVM tables).
Every device access goes down a pipeline of :data:`PIPELINE` stages: the clock that issues it
draws its random bits; stage A reads the device word (the address straight from A's registers,
as wires, to every block RAM); B registers the word; C looks up the
step, gain, noise factor, level and read noise; D adds the last two and, with E, multiplies
(E's product is two partial products, registered in P and summed into F, so no adder follows a
multiplier in one clock); F splits the step into whole moves and a stochastic-rounding bit; G
adds them (and saturates the ADC code); H, the last, computes and writes the new state (or the
code, or the peeked state, or adds the MVM term) at the end of its clock, ``PIPELINE`` clocks
after the issue.

* ``PULSES`` (one slot of pulse lines ``x``, ``x_neg``, ``d``, ``d_neg``): every coincident
  device (i, j) gets one pulse, up when ``x_neg`` bit j differs from ``d_neg`` bit i. Rows with a
  pulse in ascending order, each in a ROW clock (the row is picked and its LFSR loaded) and
  then one CELL clock per column with a pulse, ascending, each issuing the device with a word
  of the row's LFSR. A slot with ``r`` rows and ``c`` columns firing takes ``r (c + 1)``
  clocks plus the take, DECODE and the pipeline's.
* ``READ`` (``x`` one-hot: column j, the lowest set bit): one READ clock per row i (ascending)
  issues device (i, j) with ``noise_bits`` bits of the read LFSR; stage H forms the code
  (:func:`golden.lut_exact.read_code`); when the last row's is formed, all ``rows`` codes
  appear on ``codes`` with ``read_valid`` high for one clock.
* ``PEEK`` (row: lowest set bit of ``d``, column: of ``x``): the PEEK clock issues the device;
  ``peek_valid`` is high with ``peek_state`` the clock after its stage H.
* MVM (port ``mvm``: ``transposed`` and the DAC codes, cols of them, or rows when transposed;
  taken in IDLE with an empty pipeline when no operation is offered): one MVM clock per term,
  outputs ascending and within each its inputs ascending; the first term of each output draws
  ``noise_bits`` of the read LFSR. Stage H adds the term to the accumulator (the first term
  to ``2**(f-1) + R[u]``); the clock after an output's last term its code is formed
  (:func:`golden.mvm_exact.mvm_output`) and registered, the clock after that it is written to
  ``mvm_codes``; after the last output they hold all of them with ``mvm_valid`` high for one
  clock. ``rows x cols`` clocks plus ``PIPELINE + 2``.

No two operations overlap, so a device is never read before an earlier write to it has landed.
``reset`` restarts the read LFSR, the state machine and the pipeline; the device memory and
the row LFSRs (a memory of their own in the RTL) keep their contents, as block RAM does.
"""

from __future__ import annotations

from typing import NamedTuple

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
from golden.mvm_exact import MvmTables, mvm_output
from golden.params import EmulatorParams

__all__ = ["PIPELINE", "Access", "ArrayEmulatorModel", "lowest_bit"]

#: clocks from a device access's issue to its write (stages A, B, C, D, E, P, F, G, H)
PIPELINE = 9


def lowest_bit(mask: int) -> int:
    """Index of the lowest set bit (0 for 0), the RTL's priority encoder."""
    return (mask & -mask).bit_length() - 1 if mask else 0


class Access(NamedTuple):
    """One device access in the pipeline."""

    op: ArrayOp
    i: int
    j: int
    up: bool = False
    word: int = 0  #: LFSR bits (pulse word, read or MVM noise index)
    code: int = 0  #: the DAC code of an MVM term
    first: bool = False  #: the first term of an MVM output
    last: bool = False  #: the last term of an MVM output


class ArrayEmulatorModel:
    """Cycle model of ``rtl.crossbar.ArrayEmulator`` for a ``rows x cols`` array.

    Inputs per cycle: ``valid``, ``op`` (:class:`~golden.encoding.ArrayOp`), ``x``, ``x_neg``
    (cols-bit masks), ``d``, ``d_neg`` (rows-bit masks), ``mvm`` = (valid, transposed, codes).
    Outputs: ``ready``, ``state``, ``read_valid``, ``codes`` (rows signed ints),
    ``peek_valid``, ``peek_state``, and with MVM tables ``mvm_ready``, ``mvm_valid``,
    ``mvm_codes`` (``max(rows, cols)`` signed ints).
    """

    def __init__(
        self,
        em: EmulatorParams,
        lut: ExactLut,
        rt: ReadTables,
        image: ArrayImage,
        mt: MvmTables | None = None,
    ):
        self.em, self.lut, self.rt, self.mt = em, lut, rt, mt
        self.rows, self.cols = image.states.shape
        self.n = max(self.rows, self.cols)
        self.states = [[int(v) for v in row] for row in image.states]
        self.g_up = [[int(v) for v in row] for row in image.g_up]
        self.g_down = [[int(v) for v in row] for row in image.g_down]
        self.mask = int(lut.lfsr_mask)
        self.pulses = 0  # pulses applied so far (not reset: a statistic, not a register)
        self.row_lfsr = [int(v) for v in row_seeds(self.rows, self.em)]  # memory: not reset
        self.reset()

    def reset(self) -> None:
        self.state = ArrayState.IDLE
        self.op = ArrayOp.PULSES
        self.x = self.x_neg = self.d_neg = self.d_rem = self.x_rem = 0
        self.i = self.j = 0
        self.cur = 0
        self.read_lfsr = lane_seed(self.em.seed, READ_LANE, self.em.lfsr_width)
        self.pipe: list[Access | None] = [None] * PIPELINE  # stages A..H
        self.codes = [0] * self.rows
        self.resp_valid = 0
        self.peek_state = self.peek_valid = 0
        self.transposed = False
        self.inputs = [0] * self.n
        self.o = self.k = 0  # the MVM's next output and input
        self.acc = 0
        self.tail: int | None = None  # the output whose code is formed at the next edge
        self.coded: tuple[int, int] | None = None  # (output, code) written at the next edge
        self.mvm_codes = [0] * self.n
        self.mvm_valid = 0
        self._ready = True

    @property
    def idle(self) -> bool:
        """IDLE with an empty pipeline and no code being formed."""
        busy = any(self.pipe) or self.tail is not None or self.coded is not None
        return self.state == ArrayState.IDLE and not busy

    @property
    def ready(self) -> bool:
        """The ``ready`` output (also the MVM port's, when no operation is offered): a
        register, idle a clock ago and nothing taken then (so idle now)."""
        return self._ready

    def outputs(self, op_valid: int = 0) -> dict:
        """The outputs; ``mvm_ready`` also needs no operation offered (``op_valid``)."""
        out = {
            "ready": int(self.ready),
            "state": int(self.state),
            "read_valid": self.resp_valid,
            "codes": list(self.codes),
            "peek_valid": self.peek_valid,
            "peek_state": self.peek_state,
        }
        if self.mt is not None:
            out |= {
                "mvm_ready": int(self.ready and not op_valid),
                "mvm_valid": self.mvm_valid,
                "mvm_codes": list(self.mvm_codes),
            }
        return out

    @property
    def n_out(self) -> int:
        return self.cols if self.transposed else self.rows

    @property
    def n_in(self) -> int:
        return self.rows if self.transposed else self.cols

    def _tail(self) -> None:
        """The edges after an MVM output's last term: its code formed, then written."""
        self.mvm_valid = 0
        if self.coded is not None:
            o, code = self.coded
            self.mvm_codes[o] = code
            self.mvm_valid = int(o == self.n_out - 1)
            self.coded = None
        if self.tail is not None:
            self.coded = (self.tail, mvm_output(self.acc, self.mt))
            self.tail = None

    def _last_stage(self) -> None:
        """The edge that ends stage H: write the state, the code or the peeked state, or add
        the MVM term."""
        self.peek_valid = self.resp_valid = 0
        done = self.pipe[-1]
        if done is None:
            return
        op, i, j = done.op, done.i, done.j
        s = self.states[i][j]
        if op == ArrayOp.PEEK:
            self.peek_state, self.peek_valid = s, 1
        elif op == ArrayOp.PULSES:
            gain = self.g_up[i][j] if done.up else self.g_down[i][j]
            self.states[i][j] = int(pulse_exact(s, done.up, gain, self.lut, done.word))
            self.pulses += 1
        elif op == ArrayOp.READ:
            self.codes[i] = read_code(s, done.word, self.rt)
            self.resp_valid = int(i == self.rows - 1)
        else:
            mt = self.mt
            base = (1 << (mt.frac - 1)) + int(mt.noise[done.word]) if done.first else self.acc
            self.acc = base + int(mt.level[s]) * done.code
            if done.last:
                self.tail = j if self.transposed else i

    def tick(self, valid=0, op=0, x=0, x_neg=0, d=0, d_neg=0, reset=0, mvm=(0, False, ())) -> None:
        """The clock edge with this cycle's inputs (stage H's write lands at this edge)."""
        ready = self.ready  # the outputs of this cycle, before the edge
        mvm_take = mvm[0] and self.mt is not None and ready and not valid
        ready_next = self.idle and not (ready and valid) and not mvm_take
        self._tail()
        self._last_stage()
        if reset:
            self.reset()
            return
        issue = None
        st = self.state
        if mvm_take:
            self.transposed = bool(mvm[1])
            self.inputs = [int(c) for c in mvm[2]] + [0] * (self.n - len(mvm[2]))
            self.o = self.k = 0
            self.state = ArrayState.MVM
        elif st == ArrayState.IDLE and ready:
            if valid:  # registered as it comes; decoded in the next clock
                self.op, self.x, self.x_neg, self.d_rem, self.d_neg = op, x, x_neg, d, d_neg
                self.state = ArrayState.DECODE
        elif st == ArrayState.DECODE:
            x, d = self.x, self.d_rem
            if self.op == ArrayOp.PULSES and x and d:
                self.state = ArrayState.ROW
            elif self.op == ArrayOp.READ:
                self.j, self.i = lowest_bit(x), 0
                self.state = ArrayState.READ
            elif self.op == ArrayOp.PEEK:
                self.i, self.j = lowest_bit(d), lowest_bit(x)
                self.state = ArrayState.PEEK
            else:  # an empty slot, or an MVM offered on the operation stream: dropped
                self.state = ArrayState.IDLE
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
            issue = Access(ArrayOp.PULSES, i, j, up, word)
            if not self.x_rem:
                self.state = ArrayState.ROW if self.d_rem else ArrayState.IDLE
        elif st == ArrayState.READ:
            self.read_lfsr, u = lfsr_word_int(self.read_lfsr, self.mask, self.em.noise_bits)
            issue = Access(ArrayOp.READ, self.i, self.j, word=u)
            if self.i == self.rows - 1:
                self.state = ArrayState.IDLE
            else:
                self.i += 1
        elif st == ArrayState.PEEK:
            issue = Access(ArrayOp.PEEK, self.i, self.j)
            self.state = ArrayState.IDLE
        elif st == ArrayState.MVM:
            o, k = self.o, self.k
            u = 0
            if k == 0:
                self.read_lfsr, u = lfsr_word_int(self.read_lfsr, self.mask, self.em.noise_bits)
            last = k == self.n_in - 1
            i, j = (k, o) if self.transposed else (o, k)
            issue = Access(ArrayOp.MVM, i, j, word=u, code=self.inputs[k], first=k == 0, last=last)
            self.k = 0 if last else k + 1
            if last:
                self.o += 1
                if o == self.n_out - 1:
                    self.state = ArrayState.IDLE
        self.pipe = [issue, *self.pipe[:-1]]
        self._ready = ready_next
