"""cocotb testbench: TTv2 update steps through the exported Verilog and a behavioral crossbar,
in lockstep with golden's hardware-exact model and its own crossbar.

Every cycle all outputs of the RTL are compared with the model's; at the end the device arrays
A and C (bit for bit) and the TTv2 buffer H (the RTL's memory) are compared too. Configured by
``XBAR_COSIM`` (JSON: ``params``, ``cycles`` = update steps, ``seed``, ``result``, ``device``,
``io``, ``cosim``).
"""

from __future__ import annotations

import json
import os

import cocotb
import numba

from golden.hw.periphery import PeripheryModel
from golden.params import IOParams, PeripheryParams, device_from_dict
from sim.crossbar import BehavioralCrossbar
from sim.lockstep import lockstep_session
from sim.scoreboard import Scoreboard
from sim.ttv2_host import CosimParams, Ttv2Host, register_values
from sim.ttv2_train import cycle_limit


@cocotb.test()
async def ttv2_steps_match_golden(dut):
    numba.set_num_threads(1)  # one slot per call: a parallel launch costs more than the work
    cfg = json.loads(os.environ["XBAR_COSIM"])
    p = PeripheryParams.from_dict(cfg["params"])
    device, io = device_from_dict(cfg["device"]), IOParams.from_dict(cfg["io"])
    c = CosimParams.from_dict(cfg["cosim"])
    seed, steps = cfg["seed"], cfg["cycles"]
    sb = Scoreboard(p.digest(), seed, strict=False)
    sides = {}
    for name in ("rtl", "golden"):
        cb = BehavioralCrossbar(p, device, io, seed)
        regs = register_values(p, c, device.dw_min, cb.out_step)
        sides[name] = Ttv2Host(p, cb, regs, steps, seed, c.idle_p)
    model = PeripheryModel(p)

    run = await lockstep_session(dut, p, sides, model, sb, cycle_limit(p, steps))
    cycles, seconds = run.pop("cycles"), run.pop("seconds")
    state = run
    cb = sides["golden"].crossbar
    result = {
        "mismatches": sb.mismatches
        + sum(state["array_mismatches"].values())
        + state["h_mismatches"],
        "output_mismatches": sb.mismatches,
        **state,
        "first_mismatch": sb.first,
        "steps": sides["rtl"].accepted,
        "cycles": cycles,
        "seconds": seconds,
        "cycles_per_second": cycles / seconds if seconds > 0 else 0.0,
        "pulses": cb.pulses,
        "reads": cb.reads,
        "h_nonzero": sum(h != 0 for h in model.ctrl.filter.h),
    }
    with open(cfg["result"], "w") as fh:
        json.dump(result, fh)
    assert result["mismatches"] == 0 and result["steps"] == steps, result
