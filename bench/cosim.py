"""Co-simulation speed: cycles per second of the top under cocotb, Icarus vs. Verilator.

Runs ``tb_periphery`` (random stimulus, golden model in the loop, every output compared every
cycle) for each size and simulator, and prints cycles/s and the Verilator/Icarus ratio measured
in the same run. Usage: ``python bench/cosim.py [--sizes 16 64] [--cycles 2000]``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from golden.params import load_rtl_config
from sim.runner import BUILD_ROOT, build, run_testbench

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[16, 64])
    ap.add_argument("--cycles", type=int, default=2000)
    ap.add_argument("--sims", nargs="+", default=["icarus", "verilator"])
    args = ap.parse_args()
    print("| array | simulator | build (s) | cycles | cycles/s |")
    print("|---|---|---|---|---|")
    for n in args.sizes:
        params = load_rtl_config(ROOT / "configs" / f"rtl-{n}x{n}.toml")
        speed = {}
        for sim in args.sims:
            t0 = time.perf_counter()
            build(params, sim)
            built = time.perf_counter() - t0
            r = run_testbench(params, "tb_periphery", 1, args.cycles, BUILD_ROOT / "bench", sim)
            assert r["mismatches"] == 0, r["first_mismatch"]
            speed[sim] = r["cycles"] / r["seconds"]
            print(
                f"| {n}x{n} | {sim} | {built:.1f} | {r['cycles']} | {speed[sim]:,.0f} |", flush=True
            )
        if len(speed) == 2:
            ratio = speed["verilator"] / speed["icarus"]
            print(f"| {n}x{n} | verilator / icarus | | | {ratio:.1f}x |", flush=True)


if __name__ == "__main__":
    main()
