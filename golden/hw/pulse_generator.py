"""The stochastic pulse generator with fixed-point update management (``rtl/pulse_generator.py``).

Update management (aihwkit ``update_management``) makes the largest |x| and the largest |d|
fire with the same probability ``sqrt(k / BL)``, ``k = lr max|x| max|d| / dw_min``, so that
``E[coincidences_ij] = BL p_j q_i = lr |x_j d_i| / dw_min``. In hardware the maxima are replaced
by powers of two, which needs no divider: with ``e_x`` the bit length of ``OR_j |x_j|`` (so
``2**(e_x - 1) <= max|x| < 2**e_x``) and likewise ``e_d``,

    p_j = |x_j| / 2**e_x * g,      q_i = |d_i| / 2**e_d * g,
    g**2 = L 2**(e_x + e_d - (x_bits - 1) - (d_bits - 1)),   L = lr / (dw_min BL).

With the deficit ``D = x_bits + d_bits - e_x - e_d``, ``g = G / 2**s``, ``s = ceil(D / 2)`` and
``G`` = register ``GAIN_EVEN`` = ``sqrt(4 L)`` if ``D`` is even, ``GAIN_ODD`` = ``sqrt(8 L)``
if odd. The comparator code is

    code_j = min((|x_j| * G) >> (e_x + s + gain_frac - prob_bits), 2**prob_bits)

(floor), and slot t of lane j fires when the lane's ``prob_bits``-bit LFSR word is ``< code_j``.
Probabilities above 1 clip at 1 on each side (aihwkit moves the excess to the d side instead).

Timing: IDLE accepts (x, d) -> CAPTURE -> GATHER -> REDUCE -> EXPONENT -> DEFICIT -> GAIN ->
ALIGN -> BROADCAST -> ``mult_steps`` cycles of MULT -> CODE -> BL cycles of SLOTS -> IDLE (one
short step per clock). CAPTURE, GATHER and BROADCAST exist so that no signal has to reach (or
come from) every lane in the clock it is made: each lane registers its input code's magnitude
and sign every clock and loads them into its working registers in CAPTURE; the lanes' groups
OR their magnitudes in GATHER, and REDUCE ORs the group results; BROADCAST copies the aligned
gain of ALIGN into every group. The lanes learn the state through two registers (a per-side
copy, then a per-group copy), made from the state two clocks ahead, which is determined except
for IDLE -> CAPTURE (the lanes load in CAPTURE and in every idle clock, so they need only
"was IDLE a clock ago").

MULT computes the shifted product serially, least significant magnitude bit first, with no
per-lane shifter. With ``T = mult_steps`` (the largest possible shift) and the side's gain
aligned once in ALIGN, ``A = G << (T - shift)``, each lane does ``T`` times

    prod <- (prod + (bit_k ? A : 0)) >> 1,      bit_k = bit k of |x_j| (0 beyond its width),

and ``floor(floor(v / 2) / 2) = floor(v / 4)`` makes the result exactly
``floor(|x_j| A / 2**T) = (|x_j| G) >> shift``: one adder per lane, the shift amount reaches
only the two ALIGN shifters (one per side), and no DSP block is on the path. The pulse outputs
are registered: slot t appears on ``o_pulse`` one cycle after the SLOTS cycle t, and ``o_done``
is high together with the last slot.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from numba import njit

from golden.encoding import GeneratorState, Rounding
from golden.fixedpoint import to_fixed
from golden.hw.lfsr import LfsrBank
from golden.hw.params import PeripheryParams
from golden.lfsr import col_lane, row_lane

__all__ = [
    "PULSE_FIELDS",
    "PulseGeneratorModel",
    "PulseLines",
    "bit_length",
    "code_of",
    "exponent",
    "gain_and_shifts",
    "quantize_inputs",
    "update_gains",
]

_HALF_UP = int(Rounding.HALF_UP)

#: the members of a set of pulse lines (:class:`PulseLines`, ``rtl`` pulse_lines_signature)
PULSE_FIELDS = ("valid", "x", "x_neg", "d", "d_neg")


@njit(cache=True)
def bit_length(v: int) -> int:
    """``int.bit_length`` of a non-negative integer (0 for 0)."""
    n = 0
    while v > 0:
        v >>= 1
        n += 1
    return n


@njit(cache=True)
def exponent(codes) -> int:
    """Bit length of the OR of the magnitudes of a code array (``2**(e-1) <= max|code| < 2**e``;
    0 if all are 0): the REDUCE and EXPONENT steps in one call."""
    acc = 0
    for k in range(codes.shape[0]):
        acc |= abs(codes[k])
    return bit_length(acc)


@njit(cache=True)
def gain_and_shifts(ex, ed, gain_even, gain_odd, max_deficit, gain_frac, prob_bits):
    """``(G, shift_x, shift_d)`` for exponents ``ex``, ``ed`` (module docstring)."""
    deficit = max_deficit - ex - ed
    s = (deficit + 1) >> 1
    gain = gain_odd if deficit & 1 else gain_even
    base = s + gain_frac - prob_bits
    return gain, ex + base, ed + base


@njit(cache=True)
def code_of(mag: int, gain: int, shift: int, prob_bits: int) -> int:
    """``min((mag * gain) >> shift, 2**prob_bits)``."""
    return min((mag * gain) >> shift, 1 << prob_bits)


@njit(cache=True)
def update_gains(lr, dw_min, bl, x_bits, d_bits, gain_bits, gain_frac):
    """``(GAIN_EVEN, GAIN_ODD)``: ``sqrt(4 L)`` and ``sqrt(8 L)``, ``L = lr / (dw_min BL)``,
    with ``gain_frac`` fraction bits, rounded half up and saturated to ``gain_bits``."""
    ell = lr / (dw_min * bl) * 4.0  # 2**(x_bits + d_bits - (x_bits - 1) - (d_bits - 1))
    top = (1 << gain_bits) - 1
    even = min(to_fixed(math.sqrt(ell), gain_frac, _HALF_UP), top)
    odd = min(to_fixed(math.sqrt(2.0 * ell), gain_frac, _HALF_UP), top)
    return even, odd


@njit(cache=True)
def quantize_inputs(v, bits, codes):
    """The host side of the periphery: ``v`` as signed ``bits`` codes of ``v / scale`` with
    ``scale = 2**e`` the power of two just above ``max|v|`` (half-up rounding, saturating).
    Writes ``codes`` and returns ``scale`` (1.0 for an all-zero vector)."""
    m = 0.0
    for k in range(v.shape[0]):
        m = max(m, abs(v[k]))
    scale = 1.0
    if m > 0.0:
        scale = 2.0 ** math.frexp(m)[1]
    frac = bits - 1
    lo, hi = -(1 << frac), (1 << frac) - 1
    for k in range(v.shape[0]):
        codes[k] = min(max(to_fixed(v[k] / scale, frac, _HALF_UP), lo), hi)
    return scale


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
        self.lfsr_x = LfsrBank([col_lane(j) for j in range(p.cols)], p.lfsr_width,
                               p.prob_bits, p.seed)  # fmt: skip
        self.lfsr_d = LfsrBank([row_lane(i) for i in range(p.rows)], p.lfsr_width,
                               p.prob_bits, p.seed)  # fmt: skip
        self.reset()

    def reset(self) -> None:
        p = self.p
        zx, zd = [0] * p.cols, [0] * p.rows
        self.r = _Regs(
            raw_x=zx, raw_d=zd, mag_x=zx, mag_d=zd, prod_x=zx, prod_d=zd, code_x=zx, code_d=zd
        )
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
            n.state = GeneratorState.MULT
        elif st == GeneratorState.MULT:  # bit mult_step of each magnitude, LSB first
            n.prod_x = [(v + (r.aligned_x if m & 1 else 0)) >> 1
                        for v, m in zip(r.prod_x, r.mag_x, strict=True)]  # fmt: skip
            n.prod_d = [(v + (r.aligned_d if m & 1 else 0)) >> 1
                        for v, m in zip(r.prod_d, r.mag_d, strict=True)]  # fmt: skip
            n.mag_x, n.mag_d = [m >> 1 for m in r.mag_x], [m >> 1 for m in r.mag_d]
            last = r.mult_step == p.mult_steps - 1
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
