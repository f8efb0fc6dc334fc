"""cocotb testbench: one block of the periphery (``xbar_pulse_generator``,
``xbar_ttv2_filter`` or ``xbar_transfer_controller``) against its golden model, every output
every cycle, with the stimulus of ``sim.block_benches`` (the same the amaranth.sim tests use).

Configured by ``XBAR_COSIM`` (JSON: ``block``, ``params``, ``cycles``, ``seed``, ``result``).
Inputs are driven on the falling edge, outputs sampled in the read-only phase after it.
"""

from __future__ import annotations

import json
import os
import time

import cocotb

from golden.params import PeripheryParams
from sim.block_benches import BENCHES
from sim.scoreboard import Scoreboard
from sim.tb_periphery import run_bench, start


@cocotb.test()
async def block_matches_golden(dut):
    cfg = json.loads(os.environ["XBAR_COSIM"])
    p = PeripheryParams.from_dict(cfg["params"])
    bench = BENCHES[cfg["block"]](p, cfg["seed"])
    sb = Scoreboard(f"{cfg['block']}:{p.digest()}", cfg["seed"], strict=cfg.get("strict", True))
    await start(dut, bench.strobes)
    t0 = time.perf_counter()
    cyc = await run_bench(dut, bench, sb, cfg["cycles"])
    result = {
        "mismatches": sb.mismatches,
        "compared": sb.compared,
        "cycles": cyc,
        "activity": bench.activity,
        "seconds": time.perf_counter() - t0,
        "first_mismatch": sb.first,
    }
    with open(cfg["result"], "w") as fh:
        json.dump(result, fh)
    assert sb.mismatches == 0, sb.first
