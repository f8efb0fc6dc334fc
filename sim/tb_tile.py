"""cocotb testbench: the whole tile (``xbar_tile``: periphery + emulated arrays A and C) alone
in the simulator against golden's cycle model (``golden.hw.tile.TileModel``): Python drives
only the host side (updates, register writes, peeks; ``sim.tile_bench``), every status output
is compared every cycle, and at the end every device of A and C is peeked and compared.

Configured by ``XBAR_COSIM`` (JSON: the tile config's ``tables``, ``cycles`` = the number of
updates, ``seed``, ``result``). Inputs are driven on the falling edge, outputs sampled in the
read-only phase after it.
"""

from __future__ import annotations

import json
import os
import time

import cocotb
from cocotb.triggers import FallingEdge, ReadOnly

from golden.hw.tile import tile_parts
from golden.params import tile_config_from_tables
from sim.scoreboard import Mismatch, Scoreboard
from sim.tb_periphery import start
from sim.tile_bench import TileBench, cycle_bound


@cocotb.test()
async def tile_matches_golden(dut):
    cfg = json.loads(os.environ["XBAR_COSIM"])
    tile = tile_config_from_tables(cfg["tables"])
    parts = tile_parts(tile)
    bench = TileBench(tile.rtl, *parts, seed=cfg["seed"], updates=cfg["cycles"])
    sb = Scoreboard(f"tile:{bench.digest}", cfg["seed"], strict=cfg.get("strict", True))
    await start(dut, bench.strobes + ("i_peek__valid",))
    t0, cyc = time.perf_counter(), 0
    limit = cycle_bound(tile.rtl, cfg["cycles"])
    try:
        while cyc < limit and not bench.done:
            await FallingEdge(dut.clk)
            inputs, expected = bench.next()
            for name, value in inputs.items():
                getattr(dut, name).value = value
            await ReadOnly()
            for name, value in expected.items():
                sb.check(cyc, name, value, int(getattr(dut, name).value))
            bench.step()
            cyc += 1
    except Mismatch:
        pass  # reported below, after the result file is written
    result = {
        "mismatches": sb.mismatches + int(not bench.done),
        "compared": sb.compared,
        "cycles": cyc,
        "updates": bench.updates,
        "peeked": bench.peeked,
        "pulses": {name: a.pulses for name, a in bench.model.arrays.items()},
        "seconds": time.perf_counter() - t0,
        "first_mismatch": sb.first,
    }
    with open(cfg["result"], "w") as fh:
        json.dump(result, fh)
    assert sb.mismatches == 0 and bench.done, result
