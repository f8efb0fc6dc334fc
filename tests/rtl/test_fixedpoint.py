"""rtl.fixedpoint.saturate against golden.fixedpoint.resize (SATURATE) on every input value
of a few signed and unsigned widths."""

from __future__ import annotations

import pytest
from amaranth.hdl import Module, Signal, signed, unsigned
from amaranth.sim import Simulator

from golden.encoding import Overflow
from golden.fixedpoint import resize
from rtl.fixedpoint import saturate


@pytest.mark.parametrize(
    "shape, width",
    [(signed(7), 4), (signed(5), 5), (signed(3), 5), (unsigned(6), 4), (unsigned(4), 4)],
)
def test_saturate_is_golden_resize(shape, width):
    m = Module()
    x = Signal(shape)
    y = Signal(signed(width))
    m.d.comb += y.eq(saturate(x, width))
    values = range(-(1 << (len(x) - 1)), 1 << (len(x) - 1)) if shape.signed else range(1 << len(x))
    seen = []

    async def bench(ctx):
        for v in values:
            ctx.set(x, v)
            seen.append((v, ctx.get(y)))

    sim = Simulator(m)
    sim.add_testbench(bench)
    sim.run()
    assert seen == [(v, resize(v, width, True, Overflow.SATURATE)) for v in values]
