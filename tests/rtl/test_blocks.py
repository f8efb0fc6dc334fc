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
from golden.hw.params import PeripheryParams
from golden.hw.periphery import PeripheryModel
from golden.hw.pulse_generator import PulseGeneratorModel
from golden.hw.transfer_controller import TransferControllerModel
from golden.hw.ttv2_filter import FilterConfig, Ttv2FilterModel
from golden.lfsr import lane_seed
from rtl.lfsr import Lfsr
from rtl.periphery import CrossbarPeriphery
from rtl.pulse_generator import PulseGenerator, update_layout
from rtl.transfer_controller import TransferController
from rtl.ttv2_filter import Ttv2Filter, column_layout
from sim.stimulus import OUTPUT_PORTS, AdcResponder, PeripheryStimulus, flat_outputs, random_codes
from tests.rtl.harness import Scoreboard, check_pulses, simulate

SEEDS = (1, 2, 3)
CYCLES = 10_000
RESET_P = 0.001

#: small but complete formats: every width is exercised and simulation stays fast
SMALL = PeripheryParams(
    rows=4, cols=5, bl=7, prob_bits=6, gain_bits=10, gain_frac=8, lfsr_width=16,
    adc_bits=6, lr_bits=6, h_bits=14, momentum_frac=4,
)  # fmt: skip

pytestmark = pytest.mark.xdist_group("rtl")


def random_filter_config(rng, p: PeripheryParams) -> FilterConfig:
    return FilterConfig(
        transfer_lr=rng.randrange(1 << p.lr_bits),
        thres_shift=rng.randint(0, p.h_bits - 2),
        momentum=rng.randint(0, 1 << p.momentum_frac),
        forget=rng.randint(0, 1),
        max_pulses=rng.randint(0, p.bl),
    )


def set_filter_config(ctx, dut, cfg: FilterConfig) -> None:
    for name in ("transfer_lr", "thres_shift", "momentum", "forget", "max_pulses"):
        ctx.set(getattr(dut, name), getattr(cfg, name))


# ---- LFSR ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("width", "nbits"), [(8, 1), (8, 2), (16, 1), (16, 4)])
def test_lfsr_full_period_matches_golden(width, nbits):
    """Each lane visits all 2**width - 1 states once per period (nbits steps per clock, nbits
    coprime with the period) and every word equals golden's."""
    seeds = [lane_seed(5, lane, width) for lane in range(3)]
    dut = Lfsr(seeds, width, nbits)
    model = LfsrBank(range(3), width, nbits, 5)
    sb = Scoreboard(f"lfsr{width}x{nbits}", 5)
    period = (1 << width) - 1
    seen = set()

    async def bench(ctx, rst):
        ctx.set(dut.en, 1)
        for cyc in range(period):
            words = model.words()
            for k in range(3):
                sb.check(cyc, f"words[{k}]", words[k], ctx.get(dut.words[k]))
            seen.add(model.states[0])
            await ctx.tick()
            model.tick(True)

    simulate(dut, bench)
    assert model.states == model.seeds  # back at the seeds after one period
    assert len(seen) == period and 0 not in seen
    assert sb.compared == 3 * period


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
    p = SMALL.replace(seed=seed)
    dut, model = PulseGenerator(p), PulseGeneratorModel(p)
    sb = Scoreboard(p.digest(), seed)
    rng = random.Random(seed)
    layout = update_layout(p)
    fired = [0]

    async def bench(ctx, rst):
        gains = (rng.randrange(1 << p.gain_bits), rng.randrange(1 << p.gain_bits))
        for cyc in range(CYCLES):
            valid = int(rng.random() < 0.6)
            x = random_codes(rng, p.cols, p.x_bits)
            d = random_codes(rng, p.rows, p.d_bits)
            if rng.random() < 0.01:
                gains = (rng.randrange(1 << p.gain_bits), rng.randrange(1 << p.gain_bits))
            reset = int(rng.random() < RESET_P)
            ctx.set(dut.i_update.valid, valid)
            ctx.set(dut.i_update.payload, layout.const({"x": x, "d": d}))
            ctx.set(dut.gain_even, gains[0])
            ctx.set(dut.gain_odd, gains[1])
            ctx.set(rst, reset)
            out = model.outputs()
            sb.check(cyc, "ready", out["ready"], ctx.get(dut.i_update.ready))
            sb.check(cyc, "state", out["state"], ctx.get(dut.state))
            sb.check(cyc, "done", out["done"], ctx.get(dut.o_done))
            check_pulses(sb, ctx, cyc, "o_pulse", out["pulse"], dut.o_pulse)
            fired[0] += bin(out["pulse"].x).count("1") + bin(out["pulse"].d).count("1")
            await ctx.tick()
            if reset:
                model.reset()
            else:
                model.tick(valid, x, d, *gains)

    simulate(dut, bench)
    assert sb.compared == 8 * CYCLES
    assert fired[0] > 1000  # the comparison saw real pulse trains, not idle lines


# ---- TTv2 filter -----------------------------------------------------------------------------


def run_filter(p: PeripheryParams, seed: int, cycles: int, config, codes_of=None):
    """Random columns through the filter; ``codes_of(rng, col)`` may replace the random codes."""
    dut, model = Ttv2Filter(p), Ttv2FilterModel(p)
    sb = Scoreboard(p.digest(), seed)
    rng = random.Random(seed)
    layout = column_layout(p)

    async def bench(ctx, rst):
        cfg = config(rng)
        for cyc in range(cycles):
            valid, col = int(rng.random() < 0.5), rng.randrange(p.cols)
            codes = random_codes(rng, p.rows, p.adc_bits) if codes_of is None else codes_of(col)
            ready = int(rng.random() < 0.7)  # back-pressure 30 % of the cycles
            if rng.random() < 0.003:
                cfg = config(rng)
            reset = int(rng.random() < RESET_P)
            ctx.set(dut.i_column.valid, valid)
            ctx.set(dut.i_column.payload, layout.const({"col": col, "codes": codes}))
            ctx.set(dut.o_count.ready, ready)
            set_filter_config(ctx, dut, cfg)
            ctx.set(rst, reset)
            out = model.outputs()
            sb.check(cyc, "ready", out["ready"], ctx.get(dut.i_column.ready))
            sb.check(cyc, "state", out["state"], ctx.get(dut.state))
            sb.check(cyc, "out_valid", out["out_valid"], ctx.get(dut.o_count.valid))
            if out["out_valid"]:
                sb.check(cyc, "row", out["out_row"], ctx.get(dut.o_count.payload.row))
                sb.check(cyc, "count", out["out_count"], ctx.get(dut.o_count.payload.count))
            await ctx.tick()
            model.tick(valid, col, codes, ready, cfg, reset)
        for a in range(p.h_depth):
            sb.check(cycles, f"H[{a}]", model.h[a], ctx.get(dut.h_data[a]))

    simulate(dut, bench)
    return model


@pytest.mark.parametrize("seed", SEEDS)
def test_ttv2_filter_matches_golden(seed):
    run_filter(SMALL.replace(seed=seed), seed, CYCLES, lambda rng: random_filter_config(rng, SMALL))


def test_ttv2_filter_saturates_instead_of_wrapping():
    """Large TRANSFER_LR, no pulses paid back: H is driven into both rails and stays there."""
    p = SMALL

    def config(rng):
        return FilterConfig(transfer_lr=(1 << p.lr_bits) - 1, thres_shift=p.h_bits - 2,
                            momentum=1 << p.momentum_frac, forget=0, max_pulses=1)  # fmt: skip

    def codes_of(col):  # even columns push up, odd columns down, at full scale
        return [(1 << (p.adc_bits - 1)) - 1 if col % 2 == 0 else -(1 << (p.adc_bits - 1))] * p.rows

    model = run_filter(p, 7, 4000, config, codes_of)
    top = (1 << (p.h_bits - 1)) - 1
    assert max(model.h) == top and min(model.h) == -top - 1


# ---- transfer controller ---------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_transfer_controller_matches_golden(seed):
    p = SMALL.replace(seed=seed)
    dut, model = TransferController(p), TransferControllerModel(p)
    sb = Scoreboard(p.digest(), seed)
    rng = random.Random(seed)
    adc = AdcResponder(rng, p)
    writes = [0]

    async def bench(ctx, rst):
        cfg, every = random_filter_config(rng, p), 2
        for cyc in range(CYCLES):
            done = int(rng.random() < 0.3)
            if rng.random() < 0.005:
                cfg, every = random_filter_config(rng, p), rng.choice((0, 1, 2, 3, 5))
            out = model.outputs(done)
            adc_valid, codes = adc.drive(out["read_valid"])
            reset = int(rng.random() < RESET_P)
            ctx.set(dut.i_update_done, done)
            ctx.set(dut.transfer_every, every)
            set_filter_config(ctx, dut, cfg)
            ctx.set(dut.i_adc.valid, adc_valid)
            ctx.set(dut.i_adc.codes, codes)
            ctx.set(rst, reset)
            for name in ("busy", "state", "col"):
                port = dut.o_busy if name == "busy" else getattr(dut, name)
                sb.check(cyc, name, out[name], ctx.get(port))
            sb.check(cyc, "read.valid", out["read_valid"], ctx.get(dut.o_read.valid))
            sb.check(cyc, "read.onehot", out["read_onehot"], ctx.get(dut.o_read.onehot))
            check_pulses(sb, ctx, cyc, "o_c_pulse", out["c_pulse"], dut.o_c_pulse)
            writes[0] += out["c_pulse"].valid
            await ctx.tick()
            model.tick(done, adc_valid, codes, every, cfg, reset)
        for a in range(p.h_depth):
            sb.check(CYCLES, f"H[{a}]", model.filter.h[a], ctx.get(dut.filter.h_data[a]))

    simulate(dut, bench)
    assert writes[0] > 100  # C was written, not only read


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
            for port, value in ((dut.i_update.valid, inp.valid), (dut.cfg.we, inp.cfg_we),
                                (dut.cfg.addr, inp.cfg_addr), (dut.cfg.data, inp.cfg_data),
                                (dut.i_adc.valid, inp.adc_valid), (dut.i_adc.codes, inp.adc_codes),
                                (rst, inp.reset)):  # fmt: skip
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


def port_of(dut, verilog_name: str):
    """The Amaranth signal behind a Verilog port name (member path joined with ``__``)."""
    obj = dut
    for part in verilog_name.split("__"):
        obj = getattr(obj, part)
    return obj


@pytest.mark.parametrize("seed", SEEDS)
def test_periphery_matches_golden(seed):
    seen = run_periphery(SMALL.replace(seed=seed), seed, CYCLES)
    assert seen["a_slots"] > 1000 and seen["c_slots"] >= 5 and seen["transfers"] > 20


def test_constructors_reject_bad_params():
    with warnings.catch_warnings():  # the half-built objects are never elaborated, by design
        warnings.simplefilter("ignore", UnusedElaboratable)
        for block in (PulseGenerator, Ttv2Filter, TransferController, CrossbarPeriphery):
            with pytest.raises(TypeError, match=r"params must be a golden.hw.params.Periphery"):
                block({"rows": 4})
        gc.collect()
