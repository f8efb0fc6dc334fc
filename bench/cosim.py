"""Co-simulation speed: cycles per second under cocotb, Icarus vs. Verilator.

For each size and simulator: the periphery alone (``tb_periphery``: random stimulus, golden
model in the loop, every output compared every cycle) and the whole tile with its emulated
arrays in transaction mode (``tb_tile``: updates back to back, Python wakes only when one is
taken; the model runs afterwards and every acceptance clock and device is compared) and, at
16 x 16, the tile training digits (``tb_tile_train``: forward and backward MVMs and the update
per sample, Python woken once per transaction). Prints cycles/s, the tile's cycles per update
or training sample, and the ratios tile / periphery and Verilator / Icarus measured in the same
run. Usage: ``python bench/cosim.py [--sizes 16 64] [--cycles 2000] [--updates 300]
[--samples 200]``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from golden.params import load_rtl_config, load_tile_config, load_tile_training
from rtl.export import tile_design
from sim.runner import BUILD_ROOT, build, build_verilog, run_testbench

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[16, 64])
    ap.add_argument("--cycles", type=int, default=2000)
    ap.add_argument("--updates", type=int, default=300)
    ap.add_argument("--samples", type=int, default=200, help="tile training samples (16 x 16)")
    ap.add_argument("--sims", nargs="+", default=["icarus", "verilator"])
    args = ap.parse_args()
    print("| array | design | simulator | build (s) | cycles | cycles/s | cycles/update |")
    print("|---|---|---|---|---|---|---|")
    for n in args.sizes:
        params = load_rtl_config(ROOT / "configs" / f"rtl-{n}x{n}.toml")
        tile_path = ROOT / "configs" / f"tile-{n}x{n}.toml"
        tile = load_tile_config(tile_path)
        design = tile_design(tile)
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
            if n == 16:
                _tile_training(tile_path, design, sim, args.samples)
        if len(args.sims) == 2:
            for what in ("periphery", "tile"):
                ratio = speed[what, "verilator"] / speed[what, "icarus"]
                print(f"| {n}x{n} | {what} | verilator / icarus | | | {ratio:.1f}x | |")


def _tile_training(path: Path, design, sim: str, samples: int) -> None:
    """The tile as the last layer of digits training (clocks per sample: 2 MVMs + update)."""
    cfg, cosim, train = load_tile_training(path, ["train.n_test=50"])
    extra = {
        "tables": cfg.tables(),
        "cosim": cosim.to_dict(),
        "train": train.to_dict(),
        "weights": str(BUILD_ROOT / "bench" / "tile-train-weights.npz"),
    }
    r = run_testbench(
        cfg.rtl, "tb_tile_train", 0, samples, BUILD_ROOT / "bench", sim, extra=extra, design=design
    )
    per_sample = r["train_cycles"] / r["samples"]
    row = f"| 16x16 | tile, digits training | {sim} | | {r['cycles']} |"
    print(f"{row} {r['cycles_per_second']:,.0f} | {per_sample:.0f} / sample |", flush=True)


if __name__ == "__main__":
    main()
