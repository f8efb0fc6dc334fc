"""Resources (Yosys) and Fmax (nextpnr) of the periphery for the shipped rtl configs.

Usage: ``python bench/rtl_resources.py [--fpga ecp5] [--sizes 16 64 256] [--place 16 64]``
(place and route only for the sizes in ``--place``: a 256 x 256 periphery fills 87 % of an
LFE5U-85F's LUTs before the I/O harness and its Yosys run alone takes about an hour on 2 cores,
so by default it gets the Yosys counts only). Work goes to
``build/rtl-resources/`` (YoWASP tools cannot see /tmp).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from golden.params import load_rtl_config
from rtl.synth import synthesize

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fpga", default="ecp5", choices=("ecp5", "ice40"))
    ap.add_argument("--sizes", type=int, nargs="+", default=[16, 64, 256])
    ap.add_argument("--place", type=int, nargs="*", default=[16, 64])
    ap.add_argument("--freq", type=float, default=100.0)
    args = ap.parse_args()
    rows = []
    for n in args.sizes:
        params = load_rtl_config(ROOT / "configs" / f"rtl-{n}x{n}.toml")
        t0 = time.perf_counter()
        r = synthesize(
            params,
            ROOT / "build" / "rtl-resources" / f"{n}x{n}",
            args.fpga,
            args.freq,
            place=n in args.place,
        )
        rows.append((n, r, time.perf_counter() - t0))
        print(f"{n}x{n}: {r} ({rows[-1][2]:.0f} s)", flush=True)
    print("\n| array | LUTs | FFs | BRAMs | DSPs | Fmax (MHz) | device |")
    print("|---|---|---|---|---|---|---|")
    for n, r, _ in rows:
        fmax = "not placed" if r["fmax_mhz"] is None else f"{r['fmax_mhz']:.1f}"
        print(
            f"| {n}x{n} BL 31 | {r['luts']:,} | {r['ffs']:,} | {r['brams']} | {r['dsps']} | "
            f"{fmax} | {r['device']} |"
        )


if __name__ == "__main__":
    main()
