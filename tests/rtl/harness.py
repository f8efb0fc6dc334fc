"""Run an RTL block under amaranth.sim next to its golden model, comparing every cycle.

A bench is a list of named observations per cycle: ``check(cycle, name, expected, actual)``
raises with the cycle, the signal, both values, the params digest and the seed on the first
mismatch. Resets are injected with a ``ResetInserter`` so they can happen mid-stream.
"""

from __future__ import annotations

from amaranth.hdl import Module, ResetInserter, Signal, Value
from amaranth.sim import Simulator

from sim.scoreboard import Scoreboard

__all__ = ["Scoreboard", "port_of", "run_bench", "simulate"]


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


def port_of(dut, verilog_name: str):
    """The Amaranth value behind a Verilog port name (member path joined with ``__``)."""
    obj = dut
    for part in verilog_name.split("__"):
        obj = getattr(obj, part)
    return obj


def run_bench(dut, bench, cycles: int, final=None) -> Scoreboard:
    """Run a ``sim.block_benches`` bench against ``dut`` for ``cycles`` cycles (or until its
    ``done``): its inputs driven, its expected outputs compared every cycle; ``final(ctx, sb,
    cycle)`` may compare internal state at the end. Returns the scoreboard."""
    sb = Scoreboard(f"{bench.block}:{bench.digest}", bench.seed)
    ports: dict[str, Value] = {}

    def port(name):
        if name not in ports:
            ports[name] = Value.cast(port_of(dut, name))
        return ports[name]

    async def testbench(ctx, rst):
        cyc = 0
        for cyc in range(cycles):
            if getattr(bench, "done", False):  # a bench with an end (the tile's final sweep)
                break
            inputs, expected = bench.next()
            for name, value in inputs.items():
                ctx.set(rst if name == "rst" else port(name), value)
            for name, value in expected.items():
                sb.check(cyc, name, value, ctx.get(port(name)))
            await ctx.tick()
            bench.step()
        if final is not None:
            final(ctx, sb, cyc)

    simulate(dut, testbench)
    return sb
