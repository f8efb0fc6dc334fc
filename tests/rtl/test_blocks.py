"""Every RTL block against its golden hardware model in amaranth.sim, every cycle, exactly.

At least 10,000 cycles per block and seed, three seeds; random valid/idle, back-pressure,
configuration changes and resets mid-stream.
"""

from __future__ import annotations

import gc
import random
import warnings

import pytest
from amaranth.hdl import UnusedElaboratable

from golden.hw.lfsr import LfsrBank
from golden.hw.periphery import PeripheryModel
from golden.hw.ttv2_filter import FilterConfig
from golden.lfsr import lane_seed
from golden.params import PeripheryParams
from rtl.lfsr import Lfsr
from rtl.periphery import CrossbarPeriphery
from rtl.pulse_generator import PulseGenerator, update_layout
from rtl.transfer_controller import TransferController
from rtl.ttv2_filter import Ttv2Filter
from sim.block_benches import FilterBench, PulseGeneratorBench, TransferControllerBench
from sim.stimulus import OUTPUT_PORTS, PeripheryStimulus, flat_outputs
from tests.rtl.harness import Scoreboard, port_of, run_bench, simulate

SEEDS = (1, 2, 3)
CYCLES = 10_000

#: small but complete formats: every width is exercised and simulation stays fast
SMALL = PeripheryParams(
    rows=4,
    cols=5,
    bl=7,
    prob_bits=6,
    gain_bits=10,
    gain_frac=8,
    lfsr_width=16,
    adc_bits=6,
    lr_bits=6,
    h_bits=14,
    momentum_frac=4,
)

pytestmark = pytest.mark.xdist_group("rtl")


# ---- LFSR ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("width", "nbits"), [(8, 1), (8, 2), (16, 1), (16, 4)])
def test_lfsr_matches_golden_over_a_period(width, nbits):
    """Every word equals golden's, clock by clock: over a whole period at width 8 (each lane
    visits all 2**width - 1 states once, nbits steps per clock, nbits coprime with the
    period), over the first 4,096 clocks at width 16 (no state twice; golden's own full
    period at every width is ``tests/golden/test_rng_lfsr_fixedpoint.py::test_full_period``)."""
    seeds = [lane_seed(5, lane, width) for lane in range(3)]
    dut = Lfsr(seeds, width, nbits)
    model = LfsrBank(range(3), width, nbits, 5)
    sb = Scoreboard(f"lfsr{width}x{nbits}", 5)
    period = (1 << width) - 1
    clocks = min(period, 4096)
    seen = set()

    async def bench(ctx, rst):
        ctx.set(dut.en, 1)
        for cyc in range(clocks):
            words = model.words()
            for k in range(3):
                sb.check(cyc, f"words[{k}]", words[k], ctx.get(dut.words[k]))
            seen.add(model.states[0])
            await ctx.tick()
            model.tick(True)

    simulate(dut, bench)
    if clocks == period:
        assert model.states == model.seeds  # back at the seeds after one period
    assert len(seen) == clocks and 0 not in seen
    assert sb.compared == 3 * clocks


def test_lfsr_validation_messages():
    with pytest.raises(ValueError, match=r"LFSR width must be one of .*, not 7"):
        Lfsr([1], 7, 1)
    with pytest.raises(ValueError, match=r"LFSR nbits must be an integer in 1..8, not 9"):
        Lfsr([1], 8, 9)
    with pytest.raises(ValueError, match=r"LFSR seed of lane 1 must be an integer in 1..255"):
        Lfsr([1, 0], 8, 1)


# ---- pulse generator -------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_pulse_generator_matches_golden(seed):
    # each seed also groups the lanes differently (one per group, uneven groups, one group):
    # the replicated control must not change a single pulse
    lane_group = {1: 1, 2: 3, 3: 1024}[seed]
    bench = PulseGeneratorBench(SMALL.replace(seed=seed, lane_group=lane_group), seed)
    sb = run_bench(PulseGenerator(bench.p), bench, CYCLES)
    assert sb.compared == 8 * CYCLES
    assert bench.activity > 1000  # the comparison saw real pulse trains, not idle lines


# ---- TTv2 filter -----------------------------------------------------------------------------


def run_filter(bench: FilterBench, cycles: int) -> Scoreboard:
    """The filter bench, then the whole H memory compared with the model's."""
    dut = Ttv2Filter(bench.p)

    def final(ctx, sb, cyc):
        for a in range(bench.p.h_depth):
            sb.check(cyc, f"H[{a}]", bench.model.h[a], ctx.get(dut.h_data[a]))

    return run_bench(dut, bench, cycles, final)


@pytest.mark.parametrize("seed", SEEDS)
def test_ttv2_filter_matches_golden(seed):
    bench = FilterBench(SMALL.replace(seed=seed), seed)
    sb = run_filter(bench, CYCLES)
    assert sb.compared > 3 * CYCLES and bench.activity > 100  # counts were emitted


def test_ttv2_filter_saturates_instead_of_wrapping():
    """Large TRANSFER_LR, no pulses paid back: H is driven into both rails and stays there."""
    p = SMALL

    def config(rng):
        return FilterConfig(
            transfer_lr=(1 << p.lr_bits) - 1,
            thres_shift=p.h_bits - 2,
            momentum=1 << p.momentum_frac,
            forget=0,
            max_pulses=1,
        )

    def codes_of(col):  # even columns push up, odd columns down, at full scale
        return [(1 << (p.adc_bits - 1)) - 1 if col % 2 == 0 else -(1 << (p.adc_bits - 1))] * p.rows

    bench = FilterBench(p, 7, config=config, codes_of=codes_of)
    run_filter(bench, 4000)
    top = (1 << (p.h_bits - 1)) - 1
    assert max(bench.model.h) == top and min(bench.model.h) == -top - 1


# ---- transfer controller ---------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_transfer_controller_matches_golden(seed):
    bench = TransferControllerBench(SMALL.replace(seed=seed), seed)
    dut = TransferController(bench.p)

    def final(ctx, sb, cyc):
        for a in range(bench.p.h_depth):
            sb.check(cyc, f"H[{a}]", bench.model.filter.h[a], ctx.get(dut.filter.h_data[a]))

    sb = run_bench(dut, bench, CYCLES, final)
    assert sb.compared == 10 * CYCLES + bench.p.h_depth
    assert bench.activity > 50  # C was written, not only read


# ---- top -------------------------------------------------------------------------------------


def run_periphery(p: PeripheryParams, seed: int, cycles: int) -> dict:
    """Drive the top with the shared random stimulus; compare every output every cycle."""
    dut, model = CrossbarPeriphery(p), PeripheryModel(p)
    sb = Scoreboard(p.digest(), seed)
    stim = PeripheryStimulus(p, random.Random(seed))
    layout = update_layout(p)
    seen = {"a_slots": 0, "c_slots": 0, "transfers": 0}
    ports = {name: port_of(dut, verilog) for name, verilog in OUTPUT_PORTS.items()}

    async def bench(ctx, rst):
        for cyc in range(cycles):
            expected = flat_outputs(model.outputs())
            inp = stim.next(expected["read_valid"])
            for port, value in (
                (dut.i_update.valid, inp.valid),
                (dut.cfg.we, inp.cfg_we),
                (dut.cfg.addr, inp.cfg_addr),
                (dut.cfg.data, inp.cfg_data),
                (dut.i_adc.valid, inp.adc_valid),
                (dut.i_adc.codes, inp.adc_codes),
                (rst, inp.reset),
            ):
                ctx.set(port, value)
            ctx.set(dut.i_update.payload, layout.const({"x": inp.x, "d": inp.d}))
            for name, value in expected.items():
                sb.check(cyc, name, value, ctx.get(ports[name]))
            seen["a_slots"] += expected["a_pulse.valid"]
            seen["c_slots"] += expected["c_pulse.valid"]
            seen["transfers"] += inp.adc_valid and expected["read_valid"]
            await ctx.tick()
            model.tick(*inp.model_args())
        h = model.ctrl.filter.h
        for a in range(p.h_depth):
            sb.check(cycles, f"H[{a}]", h[a], ctx.get(dut.controller.filter.h_data[a]))

    simulate(dut, bench)
    return seen


@pytest.mark.parametrize("seed", SEEDS)
def test_periphery_matches_golden(seed):
    seen = run_periphery(SMALL.replace(seed=seed), seed, CYCLES)
    assert seen["a_slots"] > 800 and seen["c_slots"] >= 5 and seen["transfers"] > 20


def test_constructors_reject_bad_params():
    with warnings.catch_warnings():  # the half-built objects are never elaborated, by design
        warnings.simplefilter("ignore", UnusedElaboratable)
        for block in (PulseGenerator, Ttv2Filter, TransferController, CrossbarPeriphery):
            with pytest.raises(TypeError, match=r"params must be a golden.params.Periphery"):
                block({"rows": 4})
        gc.collect()


@pytest.mark.parametrize("bl", [1, 2, 3])
def test_short_pulse_trains_match_golden(bl):
    """BL 1..3: the lanes' and rows' flags made two clocks ahead meet the end of SLOTS and of
    WRITE one or two clocks after they begin."""
    seen = run_periphery(SMALL.replace(bl=bl, seed=bl), bl, 4000)
    assert seen["a_slots"] > 30 and seen["c_slots"] >= 5 and seen["transfers"] > 20, seen
