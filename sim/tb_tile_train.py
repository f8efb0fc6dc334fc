"""cocotb testbench: TTv2 training on digits with the whole tile (``xbar_tile``) in the loop.

The host (``sim.tile_train.TileTrainer``) writes the configuration registers and then, per
sample, asks C for the forward and backward MVMs and sends the update; Python wakes once per
transaction (``sim.tile_host``), the simulator runs the tile at its own speed. The clock each
transaction ended in, the learned float layer, A and C (peeked) and H are written to
``weights`` (npz) and ``result`` for the comparison with golden's run
(``sim.tile_train.run_tile_reference``). Configured by ``XBAR_COSIM`` (JSON: ``tables``,
``cosim``, ``train``, ``cycles`` = training samples, ``seed``, ``result``, ``weights``).
"""

from __future__ import annotations

import json
import os
import time

import cocotb
import numpy as np
from cocotb.triggers import FallingEdge

from golden.hw.tile import tile_parts
from golden.params import tile_config_from_tables
from golden.params.cosim import CosimParams, TrainLoopParams
from sim.tb_periphery import start
from sim.tile_bench import TileBench
from sim.tile_host import clock_of, mvm, peek_arrays, tile_h, update
from sim.tile_train import TileTrainer, Update


@cocotb.test()
async def tile_training_runs(dut):
    cfg = json.loads(os.environ["XBAR_COSIM"])
    tile = tile_config_from_tables(cfg["tables"])
    c, t = CosimParams.from_dict(cfg["cosim"]), TrainLoopParams.from_dict(cfg["train"])
    p, parts = tile.rtl, tile_parts(tile)
    trainer = TileTrainer(tile, parts, c, t, cfg["seed"])
    await start(dut, TileBench.strobes)
    dut.rst.value = 0
    first = clock_of(dut)
    t0 = time.perf_counter()
    for reg, value in trainer.registers:
        dut.cfg__we.value, dut.cfg__addr.value, dut.cfg__data.value = 1, int(reg), value
        await FallingEdge(dut.clk)
    dut.cfg__we.value = 0
    ends: list[int] = []
    train_cycles = 0  # up to the end of the last training update
    run = trainer.run(cfg["cycles"])
    answer = None
    while True:
        try:
            request = run.send(answer)
        except StopIteration:
            break
        if isinstance(request, Update):
            answer, clock = None, await update(dut, request.x, request.d, p)
            train_cycles = clock + 1 - first
        else:
            n_out = p.cols if request.transposed else p.rows
            answer, clock = await mvm(
                dut, request.transposed, request.codes, parts.mt.dac_bits, p.adc_bits, n_out
            )
        ends.append(clock + 1 - first)
    seconds = time.perf_counter() - t0
    cycles = clock_of(dut) - first
    states = await peek_arrays(dut, p)
    h = tile_h(dut, p)
    np.savez(cfg["weights"], W1=trainer.W1, A=np.array(states["a"]), C=np.array(states["c"]), H=h)
    result = {
        **trainer.result(),
        "ends": ends,
        "cycles": cycles,
        "train_cycles": train_cycles,
        "seconds": seconds,
        "cycles_per_second": cycles / seconds if seconds > 0 else 0.0,
    }
    with open(cfg["result"], "w") as fh:
        json.dump(result, fh)
