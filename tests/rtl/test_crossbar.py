"""The array emulator (rtl/crossbar.py) against its golden cycle model, every cycle: three
seeds, idle cycles, reads with several bits set, MVMs both ways (with the MAC engine),
mid-stream resets; then the device memory."""

from __future__ import annotations

import numpy as np
import pytest

from golden.devices import DeviceArray
from golden.lut_exact import array_image, exact_tables, read_tables
from golden.mvm_exact import mvm_tables
from golden.params import EmulatorParams, IOParams, device_preset
from rtl.crossbar import ArrayEmulator
from sim.array_bench import ArrayBench
from tests.rtl.harness import run_bench

pytestmark = pytest.mark.xdist_group("rtl")

LUT = device_preset("lut-softbounds-21").replace(w_max_dtod=0.0, w_min_dtod=0.0)
EM = EmulatorParams(seed=3)
IO = IOParams(out_noise=0.5)
ADC_BITS = 9


def make(rows: int, cols: int, seed: int, mvm: bool):
    devices = DeviceArray(LUT, (rows, cols), seed=seed)
    rng = np.random.default_rng(seed)
    devices.set_weights(rng.uniform(-1, 1, (rows, cols)))
    lut, rt = exact_tables(LUT, EM), read_tables(LUT, IO, EM, ADC_BITS)
    mt = mvm_tables(LUT, IO, EM, ADC_BITS, max(rows, cols)) if mvm else None
    image = array_image(devices, EM)
    return ArrayEmulator(EM, lut, rt, image, mt), (EM, lut, rt, image), mt


@pytest.mark.parametrize("seed,mvm", [(1, True), (2, True), (3, False)])
def test_array_emulator_matches_golden(seed, mvm):
    dut, parts, mt = make(4, 5, seed, mvm)
    bench = ArrayBench(*parts, seed=seed, mt=mt, reset_p=0.002)
    cycles = 9000 if mvm else 4500  # MVMs take most of the clocks they get

    def final(ctx, sb, cycles):
        sb_bits = dut.state_bits
        for k in range(4 * 5):
            got = ctx.get(dut.mem_data[k]) & ((1 << sb_bits) - 1)
            sb.check(cycles, f"state[{k}]", bench.model.states[k // 5][k % 5], got)

    sb = run_bench(dut, bench, cycles, final)
    assert sb.mismatches == 0
    assert bench.pulses > 500 and bench.reads > 50  # the operations were exercised
    assert bench.mvms > 20 if mvm else bench.mvms == 0, bench.mvms


def test_reads_answer_the_level_table():
    """With no read noise a column read returns each device's level in ADC steps."""
    rt = read_tables(LUT, IOParams(out_noise=0.0), EM, ADC_BITS)
    step = IOParams().out_step
    want = [round((LUT.w_min + s * LUT.dw_min) / step) for s in range(LUT.n_states)]
    assert [(int(v) + 8) >> 4 for v in rt.level] == want
