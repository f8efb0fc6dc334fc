"""The lockstep loop of the TTv2 co-simulations: the RTL and golden's model, each with its own
host and crossbar, clocked together; every output of the RTL compared with the model's every
cycle, and at the end the device arrays A and C and the buffer H."""

from __future__ import annotations

import time

import numpy as np
from cocotb.triggers import FallingEdge

from golden.hw.periphery import PeripheryModel
from golden.params import PeripheryParams
from sim.scoreboard import Mismatch, Scoreboard
from sim.stimulus import OUTPUT_PORTS, flat_outputs, structured
from sim.tb_periphery import drive, start

__all__ = ["compare_state", "lockstep_session", "run_lockstep"]


async def run_lockstep(
    dut, p: PeripheryParams, hosts: dict, model: PeripheryModel, sb: Scoreboard, limit: int
) -> int:
    """Clock the RTL (host ``hosts["rtl"]``) and the model (``hosts["golden"]``) until both
    hosts are finished or ``limit`` cycles passed (or the strict scoreboard stopped it);
    returns the cycles run. The RTL must be out of reset (``sim.tb_periphery.start``)."""
    handles = {name: getattr(dut, port) for name, port in OUTPUT_PORTS.items()}
    cycles = 0
    try:
        while not (hosts["rtl"].finished and hosts["golden"].finished) and cycles < limit:
            await FallingEdge(dut.clk)
            expected = model.outputs()
            actual = {name: int(h.value) for name, h in handles.items()}
            for name, value in flat_outputs(expected).items():
                sb.check(cycles, name, value, actual[name])
            drive(dut, hosts["rtl"].next(structured(actual)), p)
            model.tick(*hosts["golden"].next(expected).model_args())
            cycles += 1
    except Mismatch:
        pass
    return cycles


def rtl_h(dut, p: PeripheryParams) -> list[int]:
    """The RTL's TTv2 buffer H, read from its memory."""
    return [int(dut.ctrl.filter.h_mem[k].value.to_signed()) for k in range(p.h_depth)]


def compare_state(dut, p: PeripheryParams, hosts: dict, model: PeripheryModel) -> dict:
    """Differences at the end: device states of A and C (element counts) and of H."""
    arrays = {}
    for w in ("a", "c"):
        got, want = (hosts[s].crossbar.arrays[w].hidden for s in ("rtl", "golden"))
        arrays[w] = int(np.sum(got != want))
    h = sum(a != b for a, b in zip(rtl_h(dut, p), model.ctrl.filter.h, strict=True))
    return {"array_mismatches": arrays, "h_mismatches": int(h)}


async def lockstep_session(
    dut, p: PeripheryParams, hosts: dict, model: PeripheryModel, sb: Scoreboard, limit: int
) -> dict:
    """Reset the RTL, run :func:`run_lockstep`, then :func:`compare_state`; returns the
    cycles, the seconds of the run and the state differences."""
    await start(dut)
    t0 = time.perf_counter()
    cycles = await run_lockstep(dut, p, hosts, model, sb, limit)
    seconds = time.perf_counter() - t0
    return {"cycles": cycles, "seconds": seconds, **compare_state(dut, p, hosts, model)}
