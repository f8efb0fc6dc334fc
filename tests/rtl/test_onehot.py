"""rtl.onehot: the two-level lowest-column search against ``mask & -mask`` on edge cases
and random masks of widths with a full, a partial and a single group."""

from __future__ import annotations

import numpy as np
import pytest
from amaranth.hdl import Module, Signal
from amaranth.sim import Simulator

from rtl.onehot import SEARCH_GROUP, lowest_two_level


def _groups(mask: int, width: int) -> int:
    return sum(
        1 << g
        for g, k in enumerate(range(0, width, SEARCH_GROUP))
        if mask >> k & ((1 << SEARCH_GROUP) - 1)
    )


@pytest.mark.parametrize("width", [64, 40, 16, 5])
def test_lowest_two_level_is_lowest_bit(width):
    n_groups = -(-width // SEARCH_GROUP)
    m = Module()
    mask, groups = Signal(width), Signal(n_groups)
    low, after = lowest_two_level(m, mask, groups, "t")
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
            ctx.set(groups, _groups(v, width))
            seen.append((ctx.get(low), ctx.get(after)))

    sim = Simulator(m)
    sim.add_testbench(bench)
    sim.run()
    want = [(v & -v, _groups(v & ~(v & -v), width)) for v in cases]
    assert seen == want
