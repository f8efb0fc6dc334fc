"""Run an RTL block under amaranth.sim next to its golden model, comparing every cycle.

A bench is a list of named observations per cycle: ``check(cycle, name, expected, actual)``
raises with the cycle, the signal, both values, the params digest and the seed on the first
mismatch. Resets are injected with a ``ResetInserter`` so they can happen mid-stream.
"""

from __future__ import annotations

from amaranth.hdl import Module, ResetInserter, Signal
from amaranth.sim import Simulator

from golden.hw.pulse_generator import PULSE_FIELDS
from sim.scoreboard import Scoreboard

__all__ = ["Scoreboard", "check_pulses", "simulate"]


def simulate(dut, bench) -> None:
    """Run ``await bench(ctx, rst)`` against ``dut`` wrapped with a testbench-driven reset."""
    rst = Signal()
    top = Module()
    top.submodules.dut = ResetInserter(rst)(dut)
    sim = Simulator(top)
    sim.add_clock(1e-8)

    async def testbench(ctx):
        await bench(ctx, rst)

    sim.add_testbench(testbench)
    sim.run()


def check_pulses(sb: Scoreboard, ctx, cycle: int, name: str, expected, lines) -> None:
    """Compare a golden ``PulseLines`` with an RTL pulse-lines interface."""
    for f in PULSE_FIELDS:
        sb.check(cycle, f"{name}.{f}", getattr(expected, f), ctx.get(getattr(lines, f)))
