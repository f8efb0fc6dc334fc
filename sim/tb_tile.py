"""cocotb testbench: the whole tile (``xbar_tile``: periphery + emulated arrays A and C) alone
in the simulator against golden's cycle model (``golden.hw.tile.TileModel``), Python driving
only the host side. Two modes:

* ``cycle``: random host stimulus (updates, register writes, resets, peeks;
  ``sim.tile_bench.TileBench``), every output compared every cycle, then every device peeked;
* ``transaction``: a host that streams updates back to back (``sim.tile_bench.TileHost``);
  Python wakes only when the tile takes an update, so the simulator runs at its own speed.
  The clock of every acceptance and, at the end, every device of A and C (peeked) must equal
  the model's run with the same host.

Configured by ``XBAR_COSIM`` (JSON: the tile config's ``tables``, ``cycles`` = the number of
updates, ``seed``, ``result``). Inputs are driven on the falling edge, outputs sampled in the
read-only phase after it.
"""

from __future__ import annotations

import json
import os
import time

import cocotb
from cocotb.triggers import FallingEdge

from golden.hw.tile import TileModel, tile_parts
from golden.params import tile_config_from_tables
from sim.scoreboard import Scoreboard
from sim.tb_periphery import run_bench, start
from sim.tile_bench import TileBench, TileHost, cycle_bound, model_transactions
from sim.tile_host import clock_of, peek_arrays, update


@cocotb.test()
async def tile_matches_golden(dut):
    cfg = json.loads(os.environ["XBAR_COSIM"])
    if cfg.get("mode") == "transaction":
        await _transactions(dut, cfg)
        return
    tile = tile_config_from_tables(cfg["tables"])
    parts = tile_parts(tile)
    bench = TileBench(tile.rtl, parts, seed=cfg["seed"], updates=cfg["cycles"])
    sb = Scoreboard(f"tile:{bench.digest}", cfg["seed"], strict=cfg.get("strict", True))
    await start(dut, bench.strobes)
    t0 = time.perf_counter()
    cyc = await run_bench(dut, bench, sb, cycle_bound(tile.rtl, cfg["cycles"]))
    result = {
        "mismatches": sb.mismatches + int(not bench.done),
        "compared": sb.compared,
        "cycles": cyc,
        "updates": bench.updates,
        "peeked": bench.peeked,
        "mvms": bench.mvms,
        "pulses": {name: a.pulses for name, a in bench.model.arrays.items()},
        "seconds": time.perf_counter() - t0,
        "first_mismatch": sb.first,
    }
    with open(cfg["result"], "w") as fh:
        json.dump(result, fh)
    assert sb.mismatches == 0 and bench.done, result


async def _transactions(dut, cfg) -> None:
    tile = tile_config_from_tables(cfg["tables"])
    p = tile.rtl
    host = TileHost(p, cfg["seed"], cfg["cycles"])
    await start(dut, TileBench.strobes)
    dut.rst.value = 0
    first = clock_of(dut)
    t0 = time.perf_counter()
    for addr, data in host.prelude:
        dut.cfg__we.value, dut.cfg__addr.value, dut.cfg__data.value = 1, addr, data
        await FallingEdge(dut.clk)
    dut.cfg__we.value = 0
    taken = [await update(dut, x, d, p) - first for x, d in host.updates]
    run_seconds = time.perf_counter() - t0
    run_cycles = clock_of(dut) - first
    states = await peek_arrays(dut, p)
    t1 = time.perf_counter()
    model = TileModel(p, tile_parts(tile))
    want = model_transactions(model, host, cycle_bound(p, len(host.updates)))
    model_seconds = time.perf_counter() - t1
    differences = {
        name: sum(
            states[name][i][j] != model.arrays[name].states[i][j]
            for i in range(p.rows)
            for j in range(p.cols)
        )
        for name in ("a", "c")
    }
    late = sum(a != b for a, b in zip(taken, want, strict=True))
    result = {
        "mismatches": late + sum(differences.values()),
        "accept_mismatches": late,
        "array_mismatches": differences,
        "updates": len(taken),
        "cycles": run_cycles,
        "seconds": run_seconds,
        "model_seconds": model_seconds,
        "peeked": 2 * p.rows * p.cols,
        "pulses": {name: a.pulses for name, a in model.arrays.items()},
        "first_mismatch": None if not late else f"update taken at {taken} vs {want}",
    }
    with open(cfg["result"], "w") as fh:
        json.dump(result, fh)
    assert result["mismatches"] == 0, result
