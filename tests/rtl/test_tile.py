"""The whole tile (rtl/tile.py: periphery + arrays A and C) against its golden cycle model,
every cycle, three seeds with mid-stream resets; then both device memories."""

from __future__ import annotations

import pytest

from golden.hw.tile import tile_parts
from golden.params import EmulatorParams, IOParams, TileConfig, device_preset
from rtl.tile import Tile
from sim.tile_bench import TileBench, cycle_bound
from tests.rtl.harness import run_bench
from tests.rtl.test_blocks import SMALL

pytestmark = pytest.mark.xdist_group("rtl")

LUT = device_preset("lut-softbounds-21").replace(w_max_dtod=0.0, w_min_dtod=0.0)


def parts(seed: int):
    """The tile's tables and images (golden's tile_parts): A at w = 0, C uniform in +-0.5."""
    em = EmulatorParams(seed=seed, c_init=0.5)
    return tile_parts(TileConfig(rtl=SMALL, device=LUT, io=IOParams(), emulator=em))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_tile_matches_golden(seed):
    tp = parts(seed)
    dut = Tile(SMALL, tp)
    bench = TileBench(SMALL, tp, seed, updates=60)

    def final(ctx, sb, cycles):
        bits = (1 << dut.arrays["a"].state_bits) - 1
        for name, array in bench.model.arrays.items():
            mem = dut.arrays[name].mem_data
            for k in range(SMALL.rows * SMALL.cols):
                i, j = divmod(k, SMALL.cols)
                sb.check(cycles, f"{name}[{i},{j}]", array.states[i][j], ctx.get(mem[k]) & bits)

    sb = run_bench(dut, bench, cycle_bound(SMALL, 60), final)
    assert sb.mismatches == 0 and bench.done
    pulses = {name: array.pulses for name, array in bench.model.arrays.items()}
    assert bench.updates == 60 and pulses["a"] > 30 and pulses["c"] > 30, pulses
    assert bench.mvms >= 5, bench.mvms
