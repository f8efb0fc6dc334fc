"""``xbar cosim``: TTv2 update steps through the exported RTL and a behavioral crossbar,
compared every cycle with golden's hardware-exact model (DIR/cosim.json); with ``--train``,
TTv2 training on digits with the RTL in the loop, compared with golden's own run."""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from xbarkit.options import add_set_option, number

__all__ = ["add_parser", "run"]

SIMULATORS = ("icarus", "verilator")


def add_parser(sub, name: str) -> None:
    p = sub.add_parser(
        name,
        help="co-simulate TTv2 steps: RTL + behavioral crossbar vs. golden",
        description="Run N TTv2 update steps (random x, d from the seed) through the exported "
        "periphery Verilog with a behavioral crossbar, in lockstep with golden's hardware-exact "
        "model; compare every output every cycle and the final A, C and H. The config is an "
        "rtl config ([rtl]) with optional [device] (default: preset softbounds-20), [io], "
        "[cosim] and (--train) [train] tables. With --train, STEPS training samples of digits "
        "(MLP 64-H-10, the H -> 10 layer on the crossbar: rows = 10, cols = H) go through the "
        "RTL, and the learned state must equal golden's stand-alone run bit for bit.",
    )
    p.add_argument("config", type=Path, help="TOML file with an [rtl] table")
    p.add_argument("--steps", type=number(int, 1), default=1000, help="update steps (default 1000)")
    p.add_argument(
        "--seed", type=number(int, 0, 2**62), default=0, help="seed of the updates and the devices"
    )
    p.add_argument("--sim", choices=SIMULATORS, default="icarus", help="HDL simulator")
    p.add_argument("--waves", action="store_true", help="also write the waveform (FST)")
    p.add_argument(
        "--train",
        action="store_true",
        help="train digits with the RTL in the loop (STEPS samples); with --tile the tile is the "
        "last layer: its MVMs, updates and transfers, against golden's hardware-exact run",
    )
    p.add_argument(
        "--tile",
        action="store_true",
        help="the whole tile (periphery + emulated arrays) alone in the simulator: STEPS host "
        "updates, every output every cycle and the final A and C against golden's tile model "
        "(a tile config: [rtl], [device], [io], [emulator])",
    )
    p.add_argument(
        "--transactions",
        action="store_true",
        help="with --tile: updates back to back, Python wakes only when one is taken (the "
        "simulator's own speed); compares each acceptance clock and the final A and C",
    )
    add_set_option(p, "rtl.rows=8 --set cosim.lr=0.5")
    p.add_argument("--out", type=Path, required=True, help="output directory")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.tile:
        return _run_tile(args)
    from golden.params import load_cosim_config

    params, device, io, cosim, train = load_cosim_config(args.config, args.overrides)
    from sim.runner import run_testbench, use_simulator

    use_simulator(args.sim)  # a missing simulator is an error before any work
    extra = {"device": device.to_dict(), "io": io.to_dict(), "cosim": cosim.to_dict()}
    work = args.out / "work"
    if args.train:
        from sim.ttv2_train import check_layer

        check_layer(params, train)  # before any work
        extra.update(train=train.to_dict(), weights=str((work / "rtl-weights.npz").resolve()))
    what = "training samples of digits" if args.train else "TTv2 steps"
    print(
        f"co-simulating {args.steps} {what} on {params.rows}x{params.cols} "
        f"(BL {params.bl}) with {args.sim} ...",
        flush=True,
    )
    module = "tb_train" if args.train else "tb_ttv2"
    result = run_testbench(
        params, module, args.seed, args.steps, work, args.sim, args.waves, strict=False, extra=extra
    )
    if args.train:
        result.update(_against_reference(params, device, io, cosim, train, args, work))
    report = {
        "mismatches": result["mismatches"] + result.get("reference_mismatches", 0),
        "steps": result["steps"],
        "cycles": result["cycles"],
        "cycles_per_second": result["cycles_per_second"],
        "simulator": args.sim,
        "details": result,
        "params_digest": params.digest(),
        "seed": args.seed,
    }
    (args.out / "cosim.json").write_text(json.dumps(report, indent=2) + "\n")
    if args.waves:
        waves = sorted(Path(result["build_dir"]).glob("*.fst")) + sorted(work.glob("*.fst"))
        for wave in waves + sorted(Path(result["build_dir"]).glob("*.vcd")):
            shutil.copy(wave, args.out / wave.name)
            print(f"waves    {args.out / wave.name}")
    keys = ["mismatches", "steps", "cycles", "cycles_per_second"]
    if args.train:
        report["test_accuracy"] = result["test_accuracy"]
        keys.append("test_accuracy")
    print(json.dumps({k: report[k] for k in keys}))
    return 0 if report["mismatches"] == 0 else 1


def _against_reference(params, device, io, cosim, train, args, work) -> dict:
    """Golden's stand-alone hardware-exact run with the same seed, compared with the RTL's
    learned state (float layer, A, C, H), element by element; the RTL's state is kept as
    DIR/weights.npz."""
    import numpy as np

    from sim.ttv2_train import run_reference

    print("golden's stand-alone run ...", flush=True)
    ref = run_reference(params, device, io, cosim, train, args.steps, args.seed)
    rtl = np.load(work / "rtl-weights.npz")
    diff = {k: int(np.sum(rtl[k] != ref[k])) for k in ("W1", "A", "C", "H")}
    shutil.copy(work / "rtl-weights.npz", args.out / "weights.npz")
    return {
        "reference_mismatches": sum(diff.values()),
        "reference_differences": diff,
        "reference_test_accuracy": ref["test_accuracy"],
    }


def _run_tile(args: argparse.Namespace) -> int:
    """``--tile``: the tile's Verilog alone in the simulator, Python at the host side only."""
    from golden.params import load_tile_config

    if args.train:
        return _run_tile_train(args)
    cfg = load_tile_config(args.config, args.overrides)  # every table validated first
    from rtl.export import tile_design
    from sim.runner import run_testbench, use_simulator

    use_simulator(args.sim)
    p = cfg.rtl
    print(
        f"co-simulating the {p.rows}x{p.cols} tile (BL {p.bl}, {cfg.device.n_states}-state "
        f"arrays) for {args.steps} updates with {args.sim} ...",
        flush=True,
    )
    design = tile_design(cfg)
    result = run_testbench(
        p,
        "tb_tile",
        args.seed,
        args.steps,
        args.out / "work",
        args.sim,
        args.waves,
        strict=False,
        extra={
            "tables": cfg.tables(),
            "mode": "transaction" if args.transactions else "cycle",
        },
        design=design,
    )
    seconds = result["seconds"]
    report = {
        "mode": "transaction" if args.transactions else "cycle",
        "mismatches": result["mismatches"],
        "steps": result["updates"],
        "cycles": result["cycles"],
        "cycles_per_second": result["cycles"] / seconds if seconds > 0 else 0.0,
        "cycles_per_update": result["cycles"] / max(result["updates"], 1),
        "simulator": args.sim,
        "details": result,
        "config_digest": cfg.digest(),
        "seed": args.seed,
    }
    (args.out / "cosim.json").write_text(json.dumps(report, indent=2) + "\n")
    keys = ["mismatches", "steps", "cycles", "cycles_per_second", "cycles_per_update"]
    print(json.dumps({k: report[k] for k in keys}))
    return 0 if report["mismatches"] == 0 else 1


def _run_tile_train(args: argparse.Namespace) -> int:
    """``--tile --train``: digits with the tile's Verilog as the last layer; then golden's
    hardware-exact run of the same host and seed (every transaction's clock, W1, A, C and H
    must be equal) and golden's float-device TTv2 on the same job (its accuracy)."""
    import time

    import numpy as np

    from golden.params import load_tile_training
    from rtl.export import tile_design
    from sim.runner import run_testbench, use_simulator
    from sim.tile_train import check_tile_layer

    cfg, cosim, train = load_tile_training(args.config, args.overrides)
    data = check_tile_layer(cfg, train)  # before any work
    use_simulator(args.sim)
    p = cfg.rtl
    print(
        f"training digits for {args.steps} samples with the {p.rows}x{p.cols} tile (BL {p.bl}) "
        f"as the {train.hidden} -> {data.n_classes} layer, on {args.sim} ...",
        flush=True,
    )
    work = args.out / "work"
    design = tile_design(cfg)
    extra = {
        "tables": cfg.tables(),
        "cosim": cosim.to_dict(),
        "train": train.to_dict(),
        "weights": str((work / "rtl-weights.npz").resolve()),
    }
    rtl = run_testbench(
        p,
        "tb_tile_train",
        args.seed,
        args.steps,
        work,
        args.sim,
        args.waves,
        False,
        extra,
        design=design,
    )
    print("golden's hardware-exact run of the same host ...", flush=True)
    t0 = time.perf_counter()
    ref = _tile_reference(cfg, cosim, train, args.steps, args.seed, len(data.x_test))
    ref_seconds = time.perf_counter() - t0
    got = np.load(work / "rtl-weights.npz")
    diff = {k: int(np.sum(got[k] != ref[k])) for k in ("W1", "A", "C", "H")}
    late = sum(a != b for a, b in zip(rtl["ends"], ref["ends"], strict=False))
    late += abs(len(rtl["ends"]) - len(ref["ends"]))
    print("golden's float-device TTv2 on the same job ...", flush=True)
    float_acc = _float_device_accuracy(cfg, cosim, train, args.steps, args.seed, data.n_classes)
    (args.out / "weights.npz").write_bytes((work / "rtl-weights.npz").read_bytes())
    mismatches = sum(diff.values()) + late + int(rtl["test_accuracy"] != ref["test_accuracy"])
    report = {
        "mode": "train",
        "mismatches": mismatches,
        "steps": rtl["samples"],
        "cycles": rtl["cycles"],
        "cycles_per_second": rtl["cycles_per_second"],
        "cycles_per_sample": rtl["train_cycles"] / max(rtl["samples"], 1),
        "test_accuracy": rtl["test_accuracy"],
        "reference_test_accuracy": ref["test_accuracy"],
        "float_device_test_accuracy": float_acc,
        "simulator": args.sim,
        "details": {
            **{k: v for k, v in rtl.items() if k != "ends"},
            "transactions": len(rtl["ends"]),
            "transaction_mismatches": late,
            "reference_differences": diff,
            "reference_seconds": ref_seconds,
        },
        "config_digest": cfg.digest(),
        "seed": args.seed,
    }
    (args.out / "cosim.json").write_text(json.dumps(report, indent=2) + "\n")
    keys = ["mismatches", "steps", "cycles_per_second", "test_accuracy"]
    print(json.dumps({k: report[k] for k in keys + ["float_device_test_accuracy"]}))
    return 0 if mismatches == 0 else 1


def _tile_reference(cfg, cosim, train, steps: int, seed: int, n_test: int) -> dict:
    from golden.hw.tile import tile_parts
    from sim.tile_bench import cycle_bound
    from sim.tile_train import run_tile_reference

    p = cfg.rtl
    limit = cycle_bound(p, steps) + (steps + n_test) * 24 * (p.rows * p.cols + 20)
    return run_tile_reference(cfg, tile_parts(cfg), cosim, train, steps, seed, limit)


def _float_device_accuracy(cfg, cosim, train, steps: int, seed: int, classes: int) -> float:
    """Test accuracy of golden's TTv2 with the float Lut device (the periphery's model and a
    behavioral crossbar, ``sim.ttv2_train.run_reference``) on the same job: the same network,
    samples, operating point and seed, the layer with as many rows as classes."""
    from sim.ttv2_train import run_reference

    p = cfg.rtl.replace(rows=classes)
    return run_reference(p, cfg.device, cfg.io, cosim, train, steps, seed)["test_accuracy"]
