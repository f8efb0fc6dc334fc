"""``xbar cosim``: TTv2 update steps through the exported RTL and a behavioral crossbar,
compared every cycle with golden's hardware-exact model (DIR/cosim.json)."""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from golden.cli import add_set_option

__all__ = ["add_parser", "load_cosim_config", "run"]

SIMULATORS = ("icarus", "verilator")


def add_parser(sub, name: str) -> None:
    p = sub.add_parser(
        name,
        help="co-simulate TTv2 steps: RTL + behavioral crossbar vs. golden",
        description="Run N TTv2 update steps (random x, d from the seed) through the exported "
        "periphery Verilog with a behavioral crossbar, in lockstep with golden's hardware-exact "
        "model; compare every output every cycle and the final A, C and H. The config is an "
        "rtl config ([rtl]) with optional [device] (default: preset softbounds-20), [io] and "
        "[cosim] tables.",
    )
    p.add_argument("config", type=Path, help="TOML file with an [rtl] table")
    p.add_argument("--steps", type=int, default=1000, help="update steps (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the updates and the devices")
    p.add_argument("--sim", choices=SIMULATORS, default="icarus", help="HDL simulator")
    p.add_argument("--waves", action="store_true", help="also write the waveform (FST)")
    add_set_option(p, "rtl.rows=8 --set cosim.lr=0.5")
    p.add_argument("--out", type=Path, required=True, help="output directory")
    p.set_defaults(run=run)


def load_cosim_config(path: Path, overrides=()):
    """``(PeripheryParams, DeviceParams, IOParams, CosimParams)`` from one TOML file."""
    from golden.errors import ConfigError
    from golden.hw.params import read_rtl_tables
    from golden.params import DEVICE_PRESETS, IOParams, device_from_dict
    from sim.ttv2_host import CosimParams

    params, data = read_rtl_tables(path, overrides)
    parts = [params]
    for section, build in (("device", device_from_dict), ("io", IOParams.from_dict),
                           ("cosim", CosimParams.from_dict)):  # fmt: skip
        default = DEVICE_PRESETS["softbounds-20"] if section == "device" else {}
        try:
            parts.append(build(data.get(section, default)))
        except ConfigError as err:
            raise err.within(section) from None
    return tuple(parts)


def run(args: argparse.Namespace) -> int:
    from golden.errors import ConfigError

    if args.steps < 1:
        raise ConfigError("--steps", args.steps, "must be >= 1")
    params, device, io, cosim = load_cosim_config(args.config, args.overrides)
    from sim.runner import run_testbench, use_simulator

    use_simulator(args.sim)  # a missing simulator is an error before any work

    extra = {"device": device.to_dict(), "io": io.to_dict(), "cosim": cosim.to_dict()}
    print(f"co-simulating {args.steps} TTv2 steps on {params.rows}x{params.cols} "
          f"(BL {params.bl}) with {args.sim} ...", flush=True)  # fmt: skip
    work = args.out / "work"
    result = run_testbench(params, "tb_ttv2", args.seed, args.steps, work, args.sim,
                           args.waves, strict=False, extra=extra)  # fmt: skip
    report = {
        "mismatches": result["mismatches"],
        "steps": result["steps"],
        "cycles": result["cycles"],
        "cycles_per_second": result["cycles_per_second"],
        "simulator": args.sim,
        "details": result,
        "params_digest": params.digest(),
        "seed": args.seed,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "cosim.json").write_text(json.dumps(report, indent=2) + "\n")
    if args.waves:
        waves = sorted(Path(result["build_dir"]).glob("*.fst")) + sorted(work.glob("*.fst"))
        for wave in waves + sorted(Path(result["build_dir"]).glob("*.vcd")):
            shutil.copy(wave, args.out / wave.name)
            print(f"waves    {args.out / wave.name}")
    print(json.dumps({k: report[k] for k in ("mismatches", "steps", "cycles",
                                             "cycles_per_second")}))  # fmt: skip
    return 0 if report["mismatches"] == 0 else 1
