"""``xbar rtl``: Verilog of the periphery (or, with ``--tile``, of the whole tile with its
emulated arrays), its params and ports, and optionally a resource and Fmax report from Yosys +
nextpnr."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from xbarkit.options import add_set_option, number

__all__ = ["add_parser", "run"]


def add_parser(sub, name: str) -> None:
    p = sub.add_parser(
        name,
        help="export the periphery RTL as Verilog (and synthesise it)",
        description="Elaborate the crossbar periphery from an [rtl] config and write "
        "DIR/xbar_periphery.v, DIR/params.json and DIR/ports.json (with --tile: the whole tile, "
        "DIR/xbar_tile.v); with --synth also run Yosys and nextpnr and write "
        "DIR/resources.json.",
    )
    p.add_argument("config", type=Path, help="TOML file with an [rtl] table")
    add_set_option(p, "rows=32")
    p.add_argument("--out", type=Path, required=True, help="output directory")
    p.add_argument(
        "--tile",
        action="store_true",
        help="the whole tile (periphery + emulated arrays A and C); the config adds [device] "
        "(a Lut device), [io] and [emulator] tables",
    )
    p.add_argument("--synth", choices=("ecp5", "ice40"), help="synthesise for this FPGA family")
    p.add_argument(
        "--freq",
        type=number(float, 0, 2000, strict=True),
        default=100.0,
        help="target clock in MHz for nextpnr",
    )
    p.add_argument(
        "--pnr-seed",
        type=number(int, 0, 2**31 - 1),
        default=1,
        help="nextpnr's placement seed (placements, and so Fmax, differ from seed to seed; "
        "[rtl] seed is the LFSRs' seed)",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from golden.params import load_rtl_config, load_tile_config

    if args.tile:  # every table validated before any work
        cfg = load_tile_config(args.config, args.overrides)
        params = cfg.rtl
    else:
        params = load_rtl_config(args.config, args.overrides)
    from rtl.export import TILE_NAME, export, export_tile, make_tile

    paths = export_tile(cfg, args.out) if args.tile else export(params, args.out)
    for kind, path in paths.items():
        print(f"{kind:8s} {path}")
    if args.synth:
        from rtl.synth import synthesize

        what = "the tile" if args.tile else "the periphery"
        print(f"synthesising {what} for {args.synth} (Yosys, then nextpnr at {args.freq} MHz) ...")
        extra = {"make_top": lambda: make_tile(cfg), "name": TILE_NAME} if args.tile else {}
        report = synthesize(params, args.out, args.synth, args.freq, **extra, seed=args.pnr_seed)
        print(json.dumps(report, indent=2))
    return 0
