"""Stochastic pulse generator with fixed-point update management
(model: ``golden/hw/pulse_generator.py``, which states the equations and the timing)."""

from __future__ import annotations

from amaranth.hdl import Cat, Module, Mux, Signal, signed
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

from golden.encoding import GeneratorState
from golden.lfsr import col_lane, lane_seed, row_lane
from golden.params import PeripheryParams
from rtl.fixedpoint import absolute, bit_length, clamp_unsigned
from rtl.lfsr import Lfsr
from rtl.replicate import KEEP, kept_copies

__all__ = ["PulseGenerator", "pulse_lines_signature", "update_layout"]


def check_params(params) -> PeripheryParams:
    if not isinstance(params, PeripheryParams):
        raise TypeError(f"params must be a golden.params.PeripheryParams, not {params!r}")
    return params


def pulse_lines_signature(p: PeripheryParams) -> wiring.Signature:
    """One slot of pulse lines of an array (``golden.hw.pulse_generator.PulseLines``)."""
    return wiring.Signature(
        {
            "valid": Out(1),
            "x": Out(p.cols),
            "x_neg": Out(p.cols),
            "d": Out(p.rows),
            "d_neg": Out(p.rows),
        }
    )


def update_layout(p: PeripheryParams) -> data.StructLayout:
    """Payload of the host's update stream: the x and d code vectors."""
    return data.StructLayout(
        {
            "x": data.ArrayLayout(signed(p.x_bits), p.cols),
            "d": data.ArrayLayout(signed(p.d_bits), p.rows),
        }
    )


class PulseGenerator(wiring.Component):
    """Turns one (x, d) update into BL slots of pulse lines, one slot per clock.

    Members
    -------
    i_update : In(stream.Signature(update_layout))
        x (cols signed codes) and d (rows signed codes); accepted in state IDLE.
    gain_even, gain_odd : In(gain_bits)
        Update-management gains (``ConfigReg.GAIN_EVEN`` / ``GAIN_ODD``).
    o_pulse : Out(pulse_lines_signature)
        The registered pulse lines of the current slot (``valid`` high during the BL slots).
    o_done : Out(1)
        High with the last slot of an update.
    state : Out(GeneratorState)
        The state register.
    """

    def __init__(self, params: PeripheryParams):
        self._p = p = check_params(params)
        super().__init__(
            {
                "i_update": In(stream.Signature(update_layout(p))),
                "gain_even": In(p.gain_bits),
                "gain_odd": In(p.gain_bits),
                "o_pulse": Out(pulse_lines_signature(p)),
                "o_done": Out(1),
                "state": Out(GeneratorState),
            }
        )

    @property
    def params(self) -> PeripheryParams:
        return self._p

    def elaborate(self, platform):
        p = self._p
        S = GeneratorState
        m = Module()
        state, state_next = Signal(S), Signal(S)
        m.d.comb += [
            state_next.eq(state),
            self.state.eq(state),
            self.i_update.ready.eq(state == S.IDLE),
        ]
        m.d.sync += [state.eq(state_next), self.o_pulse.valid.eq(0), self.o_done.eq(0)]

        # ---- shared control: exponents, deficit, gain, shifts, step and slot counters -------
        payload = self.i_update.payload
        sides = {
            "x": (p.cols, p.x_mag_bits, payload.x, col_lane),
            "d": (p.rows, p.d_mag_bits, payload.d, row_lane),
        }
        or_x, or_d = Signal(p.x_mag_bits), Signal(p.d_mag_bits)
        ex, ed = Signal(p.exp_bits), Signal(p.exp_bits)
        deficit = Signal(range(p.max_deficit + 1))
        gain = Signal(p.gain_bits)
        lead = {
            side: Signal(range(p.aligned_bits - p.gain_bits + 1), name=f"lead_{side}")
            for side in sides
        }
        aligned = {side: Signal(p.aligned_bits, name=f"aligned_{side}") for side in sides}
        mult_step = Signal(range(p.mult_steps))
        slot = Signal(p.slot_bits)
        half = Signal(range(p.max_deficit + 1))
        m.d.comb += half.eq((deficit + 1) >> 1)
        base = half + (p.gain_frac - p.prob_bits)
        # ---- lanes, in groups of lane_group, told the state through two registers: a copy
        # per block of BLOCK_GROUPS groups, then the group's (code, slots) and each lane's own
        # (load, step: a lane's 60-odd enables and selects read a register placed by them)
        ahead = self._two_ahead(state, state_next, mult_step, slot)
        group_ors = {side: [] for side in sides}
        block = BLOCK_GROUPS * p.lane_group
        for side, (n, _, _, _) in sides.items():
            for b0 in range(0, n, block):
                told = kept_copies(m, ahead, f"pre_{{}}_{side}{b0}", _LOADING)
                for g0 in range(b0, min(n, b0 + block), p.lane_group):
                    lanes = range(g0, min(n, g0 + p.lane_group))
                    group_ors[side].append(
                        self._lane_group(m, sides[side], side, lanes, told, aligned[side])
                    )

        with m.Switch(state):
            with m.Case(S.IDLE):
                with m.If(self.i_update.valid):
                    m.d.comb += state_next.eq(S.CAPTURE)
            with m.Case(S.CAPTURE):
                m.d.comb += state_next.eq(S.GATHER)
            with m.Case(S.GATHER):
                m.d.comb += state_next.eq(S.REDUCE)
            with m.Case(S.REDUCE):
                m.d.sync += [
                    or_x.eq(_reduce_or(group_ors["x"])),
                    or_d.eq(_reduce_or(group_ors["d"])),
                ]
                m.d.comb += state_next.eq(S.EXPONENT)
            with m.Case(S.EXPONENT):
                m.d.sync += [ex.eq(bit_length(or_x)), ed.eq(bit_length(or_d))]
                m.d.comb += state_next.eq(S.DEFICIT)
            with m.Case(S.DEFICIT):
                m.d.sync += deficit.eq(p.max_deficit - ex - ed)
                m.d.comb += state_next.eq(S.GAIN)
            with m.Case(S.GAIN):
                m.d.sync += [
                    gain.eq(Mux(deficit[0], self.gain_odd, self.gain_even)),
                    lead["x"].eq(p.mult_steps - (ex + base)),
                    lead["d"].eq(p.mult_steps - (ed + base)),
                ]
                m.d.comb += state_next.eq(S.ALIGN)
            with m.Case(S.ALIGN):
                m.d.sync += [
                    *[aligned[side].eq(gain << lead[side]) for side in sides],
                    mult_step.eq(0),
                ]
                m.d.comb += state_next.eq(S.BROADCAST)
            with m.Case(S.BROADCAST):
                m.d.comb += state_next.eq(S.PRIME)
            with m.Case(S.PRIME):
                m.d.comb += state_next.eq(S.MULT)
            with m.Case(S.MULT):
                m.d.sync += mult_step.eq(mult_step + 1)
                with m.If(mult_step == p.mult_steps - 1):
                    m.d.comb += state_next.eq(S.CODE)
            with m.Case(S.CODE):
                m.d.sync += slot.eq(0)
                m.d.comb += state_next.eq(S.SLOTS)
            with m.Case(S.SLOTS):
                m.d.sync += [
                    self.o_pulse.valid.eq(1),
                    self.o_done.eq(slot == p.bl - 1),
                    slot.eq(slot + 1),
                ]
                with m.If(slot == p.bl - 1):
                    m.d.comb += state_next.eq(S.IDLE)
        return m

    def _two_ahead(self, state, state_next, mult_step, slot) -> dict:
        """The lane flags, two clocks ahead: what the side's and then the group's registers
        are loaded with so that the group's flag is high exactly when

        * ``load``: the state was IDLE a clock ago (the lanes load their input: in CAPTURE,
          and harmlessly in idle clocks); from ``state_next``, one clock ahead of the others;
        * ``step``: ``load``, PRIME or MULT (the clock enable of magnitude, addend and product,
          a flag of its own so that no gate sits between a group register and its 100-odd
          enables);
        * ``code``, ``slots``: the state is CODE or SLOTS.

        PRIME, MULT, CODE and SLOTS follow deterministically from the step and slot counters."""
        S, last_step, bl = GeneratorState, self._p.mult_steps - 1, self._p.bl
        at = {s: state == s for s in S}
        load = state_next == S.IDLE
        mult = (
            at[S.ALIGN]
            | at[S.BROADCAST]
            | (at[S.PRIME] & (last_step >= 1))
            | (at[S.MULT] & (mult_step <= last_step - 2))
        )
        return {
            "load": load,
            "step": load | mult,
            "code": (at[S.PRIME] & (last_step == 0)) | (at[S.MULT] & (mult_step == last_step - 1)),
            "slots": (at[S.MULT] & (mult_step == last_step))
            | (at[S.CODE] & (bl >= 2))
            | (at[S.SLOTS] & (slot <= bl - 3)),
        }

    def _lane_group(self, m, side_info, side, lanes, told, aligned_in):
        """Lanes ``lanes`` of one side: input, magnitude, product, code and LFSR per lane,
        driven by registered copies of the block's flags ``told`` (:meth:`_two_ahead`): the
        group's ``at`` (code, slots) and each lane's ``own`` (load, step); ``keep``: synthesis
        must not merge the copies. Returns the group's registered OR of its magnitudes."""
        p = self._p
        _, mag_bits, codes, lane_of = side_info
        lines, signs = getattr(self.o_pulse, side), getattr(self.o_pulse, f"{side}_neg")
        g0 = lanes[0]
        at = kept_copies(m, {k: told[k] for k in ("code", "slots")}, f"at_{{}}_{side}{g0}")
        # the group's copy of the side's aligned gain: no reset (loaded every clock, read only
        # in MULT), so nothing sits between the side's register and its copies
        aligned = Signal(p.aligned_bits, name=f"aligned_{side}{g0}", attrs=KEEP, reset_less=True)
        group_or = Signal(mag_bits, name=f"or_{side}{g0}")
        seeds = [lane_seed(p.seed, lane_of(k), p.lfsr_width) for k in lanes]
        lfsr = Lfsr(seeds, p.lfsr_width, p.prob_bits)
        m.submodules[f"lfsr_{side}{g0}"] = lfsr
        m.d.comb += lfsr.en.eq(at["slots"])
        mags = []
        for i, k in enumerate(lanes):
            in_mag = Signal(mag_bits, name=f"in_mag_{side}{k}")
            in_neg = Signal(name=f"in_neg_{side}{k}")
            # the magnitude as the bit the next step adds (`bit`: the only fan-out to the
            # addend, so it sits by it) and the bits above it (`mag`, placed by the input)
            bit = Signal(name=f"bit_{side}{k}")
            mag = Signal(max(1, mag_bits - 1), name=f"mag_{side}{k}")
            addend = Signal(p.aligned_bits, name=f"addend_{side}{k}")
            prod = Signal(p.aligned_bits, name=f"prod_{side}{k}")
            code = Signal(p.code_bits, name=f"code_{side}{k}")
            neg = Signal(name=f"neg_{side}{k}")
            # the lane's own flags: no reset (the clock after a reset is IDLE, where the lane's
            # registers are don't-cares until CAPTURE loads them, by when the flags follow)
            own = kept_copies(m, {f: told[f] for f in _LOADING}, f"at_{{}}_{side}{k}", (), True)
            mags.append(Cat(bit, mag))
            m.d.sync += [
                in_mag.eq(absolute(codes[k])),
                in_neg.eq(codes[k][-1]),
                lines[k].eq(0),
                signs[k].eq(0),
            ]
            with m.If(own["step"]):  # load (CAPTURE and idle clocks), PRIME or MULT: shift-add,
                with m.If(own["load"]):  # least significant magnitude bit first, the addend a
                    m.d.sync += [bit.eq(in_mag[0]), mag.eq(in_mag[1:]), neg.eq(in_neg)]
                    m.d.sync += [prod.eq(0), addend.eq(0)]
                with m.Else():  # clock ahead
                    m.d.sync += [
                        prod.eq((prod + addend) >> 1),
                        addend.eq(Mux(bit, aligned, 0)),
                        bit.eq(mag[0]),
                        mag.eq(mag >> 1),
                    ]
            with m.If(at["code"]):
                m.d.sync += code.eq(clamp_unsigned(prod, 1 << p.prob_bits, p.code_bits))
            with m.If(at["slots"]):
                m.d.sync += [lines[k].eq(lfsr.words[i] < code), signs[k].eq(neg)]
        m.d.sync += [aligned.eq(aligned_in), group_or.eq(_reduce_or(mags))]  # every clock
        return group_or


#: the lane flags that are high after reset (the state was IDLE); each lane has its own copy
_LOADING = ("load", "step")

#: lane groups per copy of a side's flags (the first of the two registers that tell the lanes)
BLOCK_GROUPS = 4


def _reduce_or(values):
    acc = 0
    for v in values:
        acc = acc | v
    return acc
