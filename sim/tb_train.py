"""cocotb testbench: TTv2 training on digits with the RTL periphery in the loop.

Two runs step together, each with its own trainer (``sim.ttv2_train.DigitsTrainer``), crossbar
and float layer: one through the exported Verilog, one through golden's model. Every output is
compared every cycle; at the end A, C, H and the float layer; the RTL run's learned state is
saved (``weights``, npz) for a comparison with golden's stand-alone run. Configured by
``XBAR_COSIM`` (JSON: ``params``, ``cycles`` = samples, ``seed``, ``result``, ``weights``,
``device``, ``io``, ``cosim``, ``train``).
"""

from __future__ import annotations

import json
import os

import cocotb
import numba
import numpy as np

from golden.hw.periphery import PeripheryModel
from golden.params import IOParams, PeripheryParams, device_from_dict
from sim.lockstep import lockstep_session, rtl_h
from sim.scoreboard import Scoreboard
from sim.ttv2_host import CosimParams
from sim.ttv2_train import TrainLoopParams, cycle_limit, make_host


@cocotb.test()
async def training_matches_golden(dut):
    numba.set_num_threads(1)
    cfg = json.loads(os.environ["XBAR_COSIM"])
    p = PeripheryParams.from_dict(cfg["params"])
    device, io = device_from_dict(cfg["device"]), IOParams.from_dict(cfg["io"])
    c, t = CosimParams.from_dict(cfg["cosim"]), TrainLoopParams.from_dict(cfg["train"])
    seed, samples = cfg["seed"], cfg["cycles"]
    sb = Scoreboard(p.digest(), seed, strict=False)
    sides, trainers = {}, {}
    for name in ("rtl", "golden"):
        sides[name], trainers[name] = make_host(p, device, io, c, t, samples, seed)
    model = PeripheryModel(p)

    run = await lockstep_session(dut, p, sides, model, sb, cycle_limit(p, samples))
    cycles, seconds = run.pop("cycles"), run.pop("seconds")
    state = run
    learned = {k: trainers[k].state() for k in sides}
    w1 = int(np.sum(learned["rtl"]["W1"] != learned["golden"]["W1"]))
    np.savez(cfg["weights"], **learned["rtl"], H=np.array(rtl_h(dut, p)))
    rtl = trainers["rtl"]
    result = {
        "mismatches": sb.mismatches
        + sum(state["array_mismatches"].values())
        + state["h_mismatches"]
        + w1,
        "output_mismatches": sb.mismatches,
        **state,
        "float_layer_mismatches": w1,
        "first_mismatch": sb.first,
        "steps": sides["rtl"].accepted,
        "cycles": cycles,
        "seconds": seconds,
        "cycles_per_second": cycles / seconds if seconds > 0 else 0.0,
        "pulses": sides["rtl"].crossbar.pulses,
        "train_accuracy": rtl.correct / max(rtl.samples, 1),
        "train_loss": rtl.loss / max(rtl.samples, 1),
        "test_accuracy": rtl.test_accuracy(),
    }
    with open(cfg["result"], "w") as fh:
        json.dump(result, fh)
    assert result["mismatches"] == 0 and result["steps"] == samples, result
