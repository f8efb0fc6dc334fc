"""Co-simulation speed: cycles per second under cocotb, Icarus vs. Verilator.

For each size and simulator: the periphery alone (``tb_periphery``: random stimulus, golden
model in the loop, every output compared every cycle) and the whole tile with its emulated
arrays in transaction mode (``tb_tile``: updates back to back, Python wakes only when one is
taken; the model runs afterwards and every acceptance clock and device is compared). Prints
cycles/s, the tile's cycles per update, and the ratios tile / periphery and Verilator / Icarus
measured in the same run. Usage:
``python bench/cosim.py [--sizes 16 64] [--cycles 2000] [--updates 300]``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from golden.params import load_rtl_config, load_tile_config
from rtl.export import TILE_NAME, make_tile, verilog_text
from sim.runner import BUILD_ROOT, build, build_verilog, run_testbench

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[16, 64])
    ap.add_argument("--cycles", type=int, default=2000)
    ap.add_argument("--updates", type=int, default=300)
    ap.add_argument("--sims", nargs="+", default=["icarus", "verilator"])
    args = ap.parse_args()
    print("| array | design | simulator | build (s) | cycles | cycles/s | cycles/update |")
    print("|---|---|---|---|---|---|---|")
    for n in args.sizes:
        params = load_rtl_config(ROOT / "configs" / f"rtl-{n}x{n}.toml")
        tile = load_tile_config(ROOT / "configs" / f"tile-{n}x{n}.toml")
        design = (TILE_NAME, verilog_text(make_tile(tile), TILE_NAME), f"tile-{tile.digest()}")
        speed = {}
        for sim in args.sims:
            t0 = time.perf_counter()
            build(params, sim)
            built = time.perf_counter() - t0
            r = run_testbench(params, "tb_periphery", 1, args.cycles, BUILD_ROOT / "bench", sim)
            assert r["mismatches"] == 0, r["first_mismatch"]
            speed["periphery", sim] = r["cycles"] / r["seconds"]
            row = f"| {n}x{n} | periphery | {sim} | {built:.1f} | {r['cycles']} |"
            print(f"{row} {speed['periphery', sim]:,.0f} | |", flush=True)
            t0 = time.perf_counter()
            build_verilog(*design, sim)
            built = time.perf_counter() - t0
            extra = {"tables": tile.tables(), "mode": "transaction"}
            r = run_testbench(
                params,
                "tb_tile",
                1,
                args.updates,
                BUILD_ROOT / "bench",
                sim,
                extra=extra,
                design=design,
            )
            assert r["mismatches"] == 0, r
            speed["tile", sim] = r["cycles"] / r["seconds"]
            per_update = r["cycles"] / r["updates"]
            row = f"| {n}x{n} | tile | {sim} | {built:.1f} | {r['cycles']} |"
            print(f"{row} {speed['tile', sim]:,.0f} | {per_update:.0f} |", flush=True)
            ratio = speed["tile", sim] / speed["periphery", sim]
            print(f"| {n}x{n} | tile / periphery | {sim} | | | {ratio:.1f}x | |", flush=True)
        if len(args.sims) == 2:
            for what in ("periphery", "tile"):
                ratio = speed[what, "verilator"] / speed[what, "icarus"]
                print(f"| {n}x{n} | {what} | verilator / icarus | | | {ratio:.1f}x | |")


if __name__ == "__main__":
    main()
