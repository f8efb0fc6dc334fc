"""Stochastic pulse generator with fixed-point update management
(model: ``golden/hw/pulse_generator.py``, which states the equations and the timing)."""

from __future__ import annotations

from amaranth.hdl import Cat, Module, Mux, Signal, signed
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

from golden.encoding import GeneratorState
from golden.hw.params import PeripheryParams
from golden.lfsr import col_lane, lane_seed, row_lane
from rtl.fixedpoint import bit_length, clamp_unsigned
from rtl.lfsr import Lfsr

__all__ = ["PulseGenerator", "pulse_lines_signature", "update_layout"]


def check_params(params) -> PeripheryParams:
    if not isinstance(params, PeripheryParams):
        raise TypeError(f"params must be a golden.hw.params.PeripheryParams, not {params!r}")
    return params


def pulse_lines_signature(p: PeripheryParams) -> wiring.Signature:
    """One slot of pulse lines of an array (``golden.hw.pulse_generator.PulseLines``)."""
    return wiring.Signature({
        "valid": Out(1),
        "x": Out(p.cols),
        "x_neg": Out(p.cols),
        "d": Out(p.rows),
        "d_neg": Out(p.rows),
    })  # fmt: skip


def update_layout(p: PeripheryParams) -> data.StructLayout:
    """Payload of the host's update stream: the x and d code vectors."""
    return data.StructLayout({
        "x": data.ArrayLayout(signed(p.x_bits), p.cols),
        "d": data.ArrayLayout(signed(p.d_bits), p.rows),
    })  # fmt: skip


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
        super().__init__({
            "i_update": In(stream.Signature(update_layout(p))),
            "gain_even": In(p.gain_bits),
            "gain_odd": In(p.gain_bits),
            "o_pulse": Out(pulse_lines_signature(p)),
            "o_done": Out(1),
            "state": Out(GeneratorState),
        })  # fmt: skip

    @property
    def params(self) -> PeripheryParams:
        return self._p

    def elaborate(self, platform):
        p = self._p
        m = Module()
        seeds_x = [lane_seed(p.seed, col_lane(j), p.lfsr_width) for j in range(p.cols)]
        seeds_d = [lane_seed(p.seed, row_lane(i), p.lfsr_width) for i in range(p.rows)]
        m.submodules.lfsr_x = lfsr_x = Lfsr(seeds_x, p.lfsr_width, p.prob_bits)
        m.submodules.lfsr_d = lfsr_d = Lfsr(seeds_d, p.lfsr_width, p.prob_bits)

        state = Signal(GeneratorState)
        sides = {
            "x": (p.cols, p.x_mag_bits, self.i_update.payload.x, lfsr_x),
            "d": (p.rows, p.d_mag_bits, self.i_update.payload.d, lfsr_d),
        }
        regs = {}
        ab = p.aligned_bits
        for side, (n, mag_bits, _, _) in sides.items():
            regs[side] = {
                "mag": [Signal(mag_bits, name=f"mag_{side}{k}") for k in range(n)],
                "neg": Signal(n, name=f"neg_{side}"),
                "prod": [Signal(ab, name=f"prod_{side}{k}") for k in range(n)],
                "code": [Signal(p.code_bits, name=f"code_{side}{k}") for k in range(n)],
                "lead": Signal(range(ab - p.gain_bits + 1), name=f"lead_{side}"),
                "aligned": Signal(ab, name=f"aligned_{side}"),
            }
        gain = Signal(p.gain_bits)
        mult_step = Signal(range(p.mult_steps))
        slot = Signal(p.slot_bits)
        last = slot == p.bl - 1

        m.d.comb += [
            self.state.eq(state),
            self.i_update.ready.eq(state == GeneratorState.IDLE),
            lfsr_x.en.eq(state == GeneratorState.SLOTS),
            lfsr_d.en.eq(state == GeneratorState.SLOTS),
        ]
        m.d.sync += [self.o_pulse.valid.eq(0), self.o_done.eq(0),
                     self.o_pulse.x.eq(0), self.o_pulse.x_neg.eq(0),
                     self.o_pulse.d.eq(0), self.o_pulse.d_neg.eq(0)]  # fmt: skip

        def reduce_or(side):
            acc = 0
            for mag in regs[side]["mag"]:
                acc = acc | mag
            return acc

        or_x, or_d = Signal(p.x_mag_bits), Signal(p.d_mag_bits)
        ex, ed = Signal(p.exp_bits), Signal(p.exp_bits)
        deficit = Signal(range(p.max_deficit + 1))

        with m.Switch(state):
            with m.Case(GeneratorState.IDLE):
                with m.If(self.i_update.valid):
                    for side, (n, _, vec, _) in sides.items():
                        r = regs[side]
                        for k in range(n):
                            m.d.sync += r["mag"][k].eq(Mux(vec[k] < 0, -vec[k], vec[k]))
                        m.d.sync += r["neg"].eq(Cat(vec[k] < 0 for k in range(n)))
                    m.d.sync += state.eq(GeneratorState.REDUCE)
            with m.Case(GeneratorState.REDUCE):
                m.d.sync += [or_x.eq(reduce_or("x")), or_d.eq(reduce_or("d")),
                             state.eq(GeneratorState.EXPONENT)]  # fmt: skip
            with m.Case(GeneratorState.EXPONENT):
                m.d.sync += [ex.eq(bit_length(or_x)), ed.eq(bit_length(or_d)),
                             state.eq(GeneratorState.DEFICIT)]  # fmt: skip
            with m.Case(GeneratorState.DEFICIT):
                m.d.sync += [deficit.eq(p.max_deficit - ex - ed), state.eq(GeneratorState.GAIN)]
            with m.Case(GeneratorState.GAIN):
                s = Signal(range(p.max_deficit + 1))
                m.d.comb += s.eq((deficit + 1) >> 1)
                base = s + (p.gain_frac - p.prob_bits)
                m.d.sync += [
                    gain.eq(Mux(deficit[0], self.gain_odd, self.gain_even)),
                    regs["x"]["lead"].eq(p.mult_steps - (ex + base)),
                    regs["d"]["lead"].eq(p.mult_steps - (ed + base)),
                    state.eq(GeneratorState.ALIGN),
                ]
            with m.Case(GeneratorState.ALIGN):  # the one shifter per side
                for side in sides:
                    r = regs[side]
                    m.d.sync += r["aligned"].eq(gain << r["lead"])
                    m.d.sync += [pr.eq(0) for pr in r["prod"]]
                m.d.sync += [mult_step.eq(0), state.eq(GeneratorState.MULT)]
            with m.Case(GeneratorState.MULT):  # shift-add, least significant magnitude bit first
                for side in sides:
                    r = regs[side]
                    for pr, mag in zip(r["prod"], r["mag"], strict=True):
                        total = pr + Mux(mag[0], r["aligned"], 0)
                        m.d.sync += [pr.eq(total >> 1), mag.eq(mag >> 1)]
                with m.If(mult_step == p.mult_steps - 1):
                    m.d.sync += [mult_step.eq(0), state.eq(GeneratorState.CODE)]
                with m.Else():
                    m.d.sync += mult_step.eq(mult_step + 1)
            with m.Case(GeneratorState.CODE):
                for side in sides:
                    r = regs[side]
                    m.d.sync += [
                        code.eq(clamp_unsigned(pr, 1 << p.prob_bits, p.code_bits))
                        for code, pr in zip(r["code"], r["prod"], strict=True)
                    ]
                m.d.sync += [slot.eq(0), state.eq(GeneratorState.SLOTS)]
            with m.Case(GeneratorState.SLOTS):
                for side, (n, _, _, lfsr) in sides.items():
                    r = regs[side]
                    fire = Cat(lfsr.words[k] < r["code"][k] for k in range(n))
                    m.d.sync += [getattr(self.o_pulse, side).eq(fire),
                                 getattr(self.o_pulse, f"{side}_neg").eq(r["neg"])]  # fmt: skip
                m.d.sync += [self.o_pulse.valid.eq(1), self.o_done.eq(last)]
                with m.If(last):
                    m.d.sync += [slot.eq(0), state.eq(GeneratorState.IDLE)]
                with m.Else():
                    m.d.sync += slot.eq(slot + 1)
        return m
