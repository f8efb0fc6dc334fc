"""Run an RTL block under amaranth.sim next to its golden model, comparing every cycle.

A bench is a list of named observations per cycle: ``check(cycle, name, expected, actual)``
raises with the cycle, the signal, both values, the params digest and the seed on the first
mismatch. Resets are injected with a ``ResetInserter`` so they can happen mid-stream.
"""

from __future__ import annotations

from amaranth.hdl import Module, ResetInserter, Signal
from amaranth.sim import Simulator

__all__ = ["Mismatch", "Scoreboard", "simulate"]


class Mismatch(AssertionError):
    pass


class Scoreboard:
    """Counts comparisons; the first mismatch raises with everything needed to replay it."""

    def __init__(self, digest: str, seed: int):
        self.digest, self.seed = digest, seed
        self.compared = 0
        self.cycles = 0

    def check(self, cycle: int, name: str, expected: int, actual: int) -> None:
        self.compared += 1
        if int(expected) != int(actual):
            raise Mismatch(
                f"cycle {cycle}: {name} expected {int(expected)} ({int(expected):#x}), got "
                f"{int(actual)} ({int(actual):#x}); params digest {self.digest}, seed {self.seed}"
            )


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


PULSE_FIELDS = ("valid", "x", "x_neg", "d", "d_neg")


def check_pulses(sb: Scoreboard, ctx, cycle: int, name: str, expected, lines) -> None:
    """Compare a golden ``PulseLines`` with an RTL pulse-lines interface."""
    for f in PULSE_FIELDS:
        sb.check(cycle, f"{name}.{f}", getattr(expected, f), ctx.get(getattr(lines, f)))


def random_codes(rng, n: int, bits: int) -> list[int]:
    """Signed codes with magnitudes spread over every exponent (and some zeros)."""
    top = 1 << (bits - 1)
    return [rng.randint(-top, top - 1) >> rng.randint(0, bits) for _ in range(n)]
