"""cocotb testbench: the exported ``xbar_periphery`` Verilog against
``golden.hw.periphery.PeripheryModel``, every output every cycle.

Configured by the environment variable ``XBAR_COSIM`` (JSON: ``params``, ``cycles``,
``result``, ``seed``; cocotb derives its own per-test seed from the runner's). Inputs are
driven on the falling edge, outputs sampled in the read-only phase after it; the model steps
once per rising edge.
"""

from __future__ import annotations

import json
import os
import random
import time

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly

from golden.hw.periphery import PeripheryModel
from golden.params import PeripheryParams
from sim.ports import pack_codes, pack_update
from sim.scoreboard import Mismatch, Scoreboard
from sim.stimulus import OUTPUT_PORTS, PeripheryStimulus, flat_outputs

#: the simulated clock period in ns (100 MHz)
CLOCK_NS = 10


async def start(dut, strobes=("i_update__valid", "cfg__we", "i_adc__valid")) -> None:
    """Start the 100 MHz clock, hold the ``strobes`` (valid/write inputs) low and reset for
    two cycles; returns on a falling edge."""
    cocotb.start_soon(Clock(dut.clk, CLOCK_NS, unit="ns").start())
    for name in strobes:
        getattr(dut, name).value = 0
    dut.rst.value = 1
    for _ in range(2):
        await FallingEdge(dut.clk)


async def run_bench(dut, bench, sb, cycles: int) -> int:
    """Drive a bench (``sim.block_benches`` protocol) for ``cycles`` cycles or until its
    ``done``: inputs on the falling edge, outputs compared in the read-only phase after it.
    Returns the cycles run (up to the first mismatch of a strict scoreboard)."""
    cyc = 0
    try:
        while cyc < cycles and not getattr(bench, "done", False):
            await FallingEdge(dut.clk)
            inputs, expected = bench.next()
            for name, value in inputs.items():
                getattr(dut, name).value = value
            await ReadOnly()
            for name, value in expected.items():
                got = getattr(dut, name).value
                if not got.is_resolvable:
                    raise AssertionError(f"cycle {cyc}: output {name} is {got} (X or Z)")
                sb.check(cyc, name, value, int(got))
            bench.step()
            cyc += 1
    except Mismatch:
        pass  # the caller reports it, after writing its result file
    return cyc


def drive(dut, inp, p: PeripheryParams) -> None:
    dut.i_update__valid.value = inp.valid
    dut.i_update__payload.value = pack_update(inp.x, inp.d, p)
    dut.cfg__we.value = inp.cfg_we
    dut.cfg__addr.value = inp.cfg_addr
    dut.cfg__data.value = inp.cfg_data
    dut.i_adc__valid.value = inp.adc_valid
    dut.i_adc__codes.value = pack_codes(inp.adc_codes, p.adc_bits)
    dut.rst.value = inp.reset


@cocotb.test()
async def periphery_matches_golden(dut):
    cfg = json.loads(os.environ["XBAR_COSIM"])
    p = PeripheryParams.from_dict(cfg["params"])
    seed = cfg["seed"]
    model = PeripheryModel(p)
    stim = PeripheryStimulus(p, random.Random(seed))
    sb = Scoreboard(p.digest(), seed, strict=cfg.get("strict", True))
    handles = {name: getattr(dut, port) for name, port in OUTPUT_PORTS.items()}

    await start(dut)
    t0 = time.perf_counter()
    cyc = 0
    try:
        for cyc in range(cfg["cycles"]):
            await FallingEdge(dut.clk)
            expected = flat_outputs(model.outputs())
            inp = stim.next(expected["read_valid"])
            drive(dut, inp, p)
            await ReadOnly()
            for name, handle in handles.items():
                sb.check(cyc, name, expected[name], int(handle.value))
            model.tick(*inp.model_args())
        cyc = cfg["cycles"]
    except Mismatch:
        pass  # reported below, after the result file is written
    result = {
        "mismatches": sb.mismatches,
        "compared": sb.compared,
        "cycles": cyc,
        "seconds": time.perf_counter() - t0,
        "first_mismatch": sb.first,
    }
    with open(cfg["result"], "w") as fh:
        json.dump(result, fh)
    assert sb.mismatches == 0, sb.first
