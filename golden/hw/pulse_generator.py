"""The stochastic pulse generator (``rtl/pulse_generator.py``): the update management of
:mod:`golden.update_management` in fixed point, then BL slots of LFSR-compared pulse lines.

Timing: IDLE accepts (x, d) -> CAPTURE -> GATHER -> REDUCE -> EXPONENT -> DEFICIT -> GAIN ->
ALIGN -> BROADCAST -> PRIME -> ``mult_steps`` cycles of MULT -> CODE -> BL cycles of SLOTS ->
IDLE (one short step per clock). CAPTURE, GATHER and BROADCAST exist so that no signal has to
reach (or come from) every lane in the clock it is made: each lane registers its input code's
magnitude and sign every clock and loads them into its working registers in CAPTURE; the lanes'
groups OR their magnitudes in GATHER, and REDUCE ORs the group results; BROADCAST copies the
aligned gain of ALIGN into every group. The lanes learn the state through two registers (a per-side
copy, then a per-group copy), made from the state two clocks ahead, which is determined except
for IDLE -> CAPTURE (the lanes load in CAPTURE and in every idle clock, so they need only
"was IDLE a clock ago").

MULT computes the shifted product serially, least significant magnitude bit first, with no
per-lane shifter. With ``T = mult_steps`` (the largest possible shift) and the side's gain
aligned once in ALIGN, ``A = G << (T - shift)``, each lane does ``T`` times

    prod <- (prod + (bit_k ? A : 0)) >> 1,      bit_k = bit k of |x_j| (0 beyond its width),

and ``floor(floor(v / 2) / 2) = floor(v / 4)`` makes the result exactly
``floor(|x_j| A / 2**T) = (|x_j| G) >> shift``: one adder per lane, the shift amount reaches
only the two ALIGN shifters (one per side), and no DSP block is on the path. The addend
``bit_k ? A : 0`` is a register of its own, formed a clock ahead (PRIME forms the first), so
the magnitude's shift register (placed near the lane's input) reaches the lane's adder (placed
near the aligned gain) only through that register: one LUT after the route, no adder.
The pulse outputs are registered: slot t appears on ``o_pulse`` one cycle after the SLOTS cycle
t, and ``o_done`` is high together with the last slot.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from golden.encoding import GeneratorState
from golden.hw.lfsr import LfsrBank
from golden.lfsr import col_lane, row_lane
from golden.params.periphery import PeripheryParams
from golden.update_management import bit_length, gain_and_shifts

__all__ = ["PULSE_FIELDS", "PulseGeneratorModel", "PulseLines"]

#: the members of a set of pulse lines (:class:`PulseLines`, ``rtl`` pulse_lines_signature)
PULSE_FIELDS = ("valid", "x", "x_neg", "d", "d_neg")


def _or(values) -> int:
    acc = 0
    for v in values:
        acc |= v
    return acc


def _mask(bits) -> int:
    return sum(1 << k for k, b in enumerate(bits) if b)


@dataclass
class PulseLines:
    """One slot of pulse lines for an array; lane vectors are bit masks (bit j = lane j).

    A coincidence of ``x`` bit j and ``d`` bit i is one pulse on cell (i, j), up when
    ``x_neg`` bit j differs from ``d_neg`` bit i (``W -= lr d x^T`` with lr > 0), else down.
    """

    valid: int = 0
    x: int = 0
    x_neg: int = 0
    d: int = 0
    d_neg: int = 0


@dataclass
class _Regs:
    state: GeneratorState = GeneratorState.IDLE
    raw_x: list = field(default_factory=list)
    raw_d: list = field(default_factory=list)
    mag_x: list = field(default_factory=list)
    mag_d: list = field(default_factory=list)
    neg_x: int = 0
    neg_d: int = 0
    or_x: int = 0
    or_d: int = 0
    ex: int = 0
    ed: int = 0
    deficit: int = 0
    gain: int = 0
    lead_x: int = 0
    lead_d: int = 0
    aligned_x: int = 0
    aligned_d: int = 0
    mult_step: int = 0
    addend_x: list = field(default_factory=list)
    addend_d: list = field(default_factory=list)
    prod_x: list = field(default_factory=list)
    prod_d: list = field(default_factory=list)
    code_x: list = field(default_factory=list)
    code_d: list = field(default_factory=list)
    slot: int = 0
    pulse: PulseLines = field(default_factory=PulseLines)
    done: int = 0


class PulseGeneratorModel:
    """Cycle model of ``rtl.pulse_generator.PulseGenerator``.

    Inputs per cycle: ``valid``, ``x`` (cols signed ints), ``d`` (rows signed ints),
    ``gain_even``, ``gain_odd``. Outputs: ``ready``, ``state``, ``pulse`` (:class:`PulseLines`),
    ``done``.
    """

    def __init__(self, p: PeripheryParams):
        self.p = p
        self.lfsr_x = LfsrBank(
            [col_lane(j) for j in range(p.cols)], p.lfsr_width, p.prob_bits, p.seed
        )
        self.lfsr_d = LfsrBank(
            [row_lane(i) for i in range(p.rows)], p.lfsr_width, p.prob_bits, p.seed
        )
        self.reset()

    def reset(self) -> None:
        p = self.p
        zeros = {"x": [0] * p.cols, "d": [0] * p.rows}
        lanes = ("raw", "mag", "addend", "prod", "code")  # the per-lane registers, all 0
        self.r = _Regs(**{f"{k}_{side}": zeros[side] for k in lanes for side in zeros})
        self.lfsr_x.reset()
        self.lfsr_d.reset()

    def outputs(self) -> dict:
        r = self.r
        return {
            "ready": int(r.state == GeneratorState.IDLE),
            "state": int(r.state),
            "pulse": r.pulse,
            "done": r.done,
        }

    def tick(self, valid: int, x, d, gain_even: int, gain_odd: int) -> None:
        p, r = self.p, self.r
        n = _Regs(**vars(r))
        st = r.state
        n.pulse = PulseLines()
        n.done = 0
        if st == GeneratorState.IDLE:
            if valid:  # the lanes' input registers (the RTL registers them every clock)
                n.raw_x, n.raw_d = list(x), list(d)
                n.state = GeneratorState.CAPTURE
        elif st == GeneratorState.CAPTURE:
            n.mag_x = [abs(v) for v in r.raw_x]
            n.mag_d = [abs(v) for v in r.raw_d]
            n.neg_x = _mask(v < 0 for v in r.raw_x)
            n.neg_d = _mask(v < 0 for v in r.raw_d)
            n.prod_x, n.prod_d = [0] * p.cols, [0] * p.rows
            n.addend_x, n.addend_d = [0] * p.cols, [0] * p.rows
            n.state = GeneratorState.GATHER
        elif st == GeneratorState.GATHER:  # the lane groups' ORs: REDUCE ORs those
            n.state = GeneratorState.REDUCE
        elif st == GeneratorState.REDUCE:
            n.or_x, n.or_d = _or(r.mag_x), _or(r.mag_d)
            n.state = GeneratorState.EXPONENT
        elif st == GeneratorState.EXPONENT:
            n.ex, n.ed = bit_length(r.or_x), bit_length(r.or_d)
            n.state = GeneratorState.DEFICIT
        elif st == GeneratorState.DEFICIT:
            n.deficit = p.max_deficit - r.ex - r.ed  # gain_and_shifts derives the same
            n.state = GeneratorState.GAIN
        elif st == GeneratorState.GAIN:
            n.gain, shift_x, shift_d = gain_and_shifts(
                r.ex, r.ed, gain_even, gain_odd, p.max_deficit, p.gain_frac, p.prob_bits
            )
            n.lead_x, n.lead_d = p.mult_steps - shift_x, p.mult_steps - shift_d
            n.state = GeneratorState.ALIGN
        elif st == GeneratorState.ALIGN:
            n.aligned_x, n.aligned_d = r.gain << r.lead_x, r.gain << r.lead_d
            n.mult_step = 0
            n.state = GeneratorState.BROADCAST
        elif st == GeneratorState.BROADCAST:  # each lane group's copy of the aligned gains
            n.state = GeneratorState.PRIME
        elif st in (GeneratorState.PRIME, GeneratorState.MULT):
            # the addend of the next MULT step from the magnitude's low bit (LSB first); MULT
            # adds the one formed a clock ago (PRIME's product stays 0: its addend is 0)
            n.addend_x = [r.aligned_x if m & 1 else 0 for m in r.mag_x]
            n.addend_d = [r.aligned_d if m & 1 else 0 for m in r.mag_d]
            n.mag_x, n.mag_d = [m >> 1 for m in r.mag_x], [m >> 1 for m in r.mag_d]
            n.prod_x = [(v + a) >> 1 for v, a in zip(r.prod_x, r.addend_x, strict=True)]
            n.prod_d = [(v + a) >> 1 for v, a in zip(r.prod_d, r.addend_d, strict=True)]
            last = st == GeneratorState.MULT and r.mult_step == p.mult_steps - 1
            if st == GeneratorState.MULT:
                n.mult_step = 0 if last else r.mult_step + 1
            n.state = GeneratorState.CODE if last else GeneratorState.MULT
        elif st == GeneratorState.CODE:
            top = 1 << p.prob_bits
            n.code_x = [min(v, top) for v in r.prod_x]
            n.code_d = [min(v, top) for v in r.prod_d]
            n.slot = 0
            n.state = GeneratorState.SLOTS
        else:  # SLOTS
            wx, wd = self.lfsr_x.words(), self.lfsr_d.words()
            n.pulse = PulseLines(
                valid=1,
                x=_mask(w < c for w, c in zip(wx, r.code_x, strict=True)),
                x_neg=r.neg_x,
                d=_mask(w < c for w, c in zip(wd, r.code_d, strict=True)),
                d_neg=r.neg_d,
            )
            last = r.slot == p.bl - 1
            n.done = int(last)
            n.slot = 0 if last else r.slot + 1
            n.state = GeneratorState.IDLE if last else GeneratorState.SLOTS
        slots = st == GeneratorState.SLOTS
        self.lfsr_x.tick(slots)
        self.lfsr_d.tick(slots)
        self.r = n
