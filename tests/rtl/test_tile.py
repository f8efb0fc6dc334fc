"""The whole tile (rtl/tile.py: periphery + arrays A and C) against its golden cycle model,
every cycle, three seeds with mid-stream resets; then both device memories."""

from __future__ import annotations

import numpy as np
import pytest

from golden.devices import DeviceArray
from golden.lut_exact import array_image, exact_tables, read_tables
from golden.params import EmulatorParams, IOParams, device_preset
from rtl.tile import Tile
from sim.tile_bench import TileBench, cycle_bound
from tests.rtl.harness import run_bench
from tests.rtl.test_blocks import SMALL

pytestmark = pytest.mark.xdist_group("rtl")

LUT = device_preset("lut-softbounds-21").replace(w_max_dtod=0.0, w_min_dtod=0.0)
EM = EmulatorParams(seed=5)


def tile_parts(p, seed: int):
    """Tables and the images of A (all at the middle state) and C (random weights)."""
    lut = exact_tables(LUT, EM)
    rt = read_tables(LUT, IOParams(), EM, p.adc_bits)
    a = DeviceArray(LUT, (p.rows, p.cols), seed=seed)
    c = DeviceArray(LUT, (p.rows, p.cols), seed=seed + 1)
    c.set_weights(np.random.default_rng(seed).uniform(-0.5, 0.5, (p.rows, p.cols)))
    return EM, lut, rt, (array_image(a, EM), array_image(c, EM))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_tile_matches_golden(seed):
    em, lut, rt, images = tile_parts(SMALL, seed)
    dut = Tile(SMALL, em, lut, rt, *images)
    bench = TileBench(SMALL, em, lut, rt, images, seed, updates=60)

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
