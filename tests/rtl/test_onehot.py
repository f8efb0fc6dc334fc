"""rtl.onehot: the two-level lowest-bit search (with registered groups, and with groups formed
in the same clock) against ``mask & -mask``, the group mask against its integer twin, on edge
cases and random masks of widths with a full, a partial and a single group; the two-level select
(the row-LFSR fetch) against the value it selects."""

from __future__ import annotations

import numpy as np
import pytest
from amaranth.hdl import Module, Signal
from amaranth.sim import Simulator

from rtl.onehot import (
    group_any,
    group_bits,
    group_count,
    lowest_grouped,
    lowest_two_level,
)


@pytest.mark.parametrize("width", [64, 40, 16, 5])
def test_lowest_two_level_is_lowest_bit(width):
    m = Module()
    mask, groups, any_groups = Signal(width), Signal(group_count(width)), Signal(group_count(width))
    low, after = lowest_two_level(m, mask, groups, "t")
    alone = lowest_grouped(m, mask, "g")
    m.d.comb += any_groups.eq(group_any(mask))
    rng = np.random.default_rng(width)
    full = (1 << width) - 1
    cases = [0, full, 1, 1 << (width - 1)] + [1 << k | 1 << (width - 1) for k in range(width)]
    for density in (0.02, 0.1, 0.5):
        for _ in range(100):
            bits = rng.random(width) < density
            cases.append(sum(1 << k for k in range(width) if bits[k]))
    seen = []

    async def bench(ctx):
        for v in cases:
            ctx.set(mask, v)
            ctx.set(groups, group_bits(v, width))
            seen.append((ctx.get(low), ctx.get(after), ctx.get(any_groups), ctx.get(alone)))

    sim = Simulator(m)
    sim.add_testbench(bench)
    sim.run()
    want = [(v & -v, group_bits(v & ~(v & -v), width), group_bits(v, width), v & -v) for v in cases]
    assert seen == want
