"""Sweep throughput: points/hour of ``xbar sweep`` on a Dask LocalCluster vs. a serial loop.

Both run the same points (the first N of ``configs/sweep-lee2022.toml``, a golden TTv1/TTv2
training run on digits each) in the same process and session: the serial baseline calls the
point function in a plain loop (numba's threads on every core), the sweep runs them as Dask
tasks on ``--workers`` single-threaded worker processes, cluster start-up included.
Usage: ``python bench/sweep.py [--points 60] [--workers 2]``.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from golden.params.sweep import load_sweep
from xbarkit.sweep.runner import run_point, run_sweep

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=60)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--sweep", type=Path, default=ROOT / "configs" / "sweep-lee2022.toml")
    args = ap.parse_args()
    sweep = load_sweep(args.sweep)
    sweep.points = sweep.all_points()[: args.points]
    tmp = Path(tempfile.mkdtemp(prefix="xbar-bench-sweep-"))
    try:
        run_point(sweep.points[0].params, str(tmp / "warm"))  # numba compile/cache load
        t0 = time.perf_counter()
        for k, p in enumerate(sweep.points):
            run_point(p.params, str(tmp / "serial" / str(k)))
        serial = time.perf_counter() - t0
        t0 = time.perf_counter()
        report = run_sweep(sweep, tmp / "dask", workers=args.workers, progress=False)
        parallel = time.perf_counter() - t0
        assert report.done == len(sweep.points), report.errors
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    n = len(sweep.points)
    print("| runner | points | seconds | points/hour |")
    print("|---|---|---|---|")
    print(f"| serial loop | {n} | {serial:.1f} | {3600 * n / serial:,.0f} |")
    print(
        f"| xbar sweep, LocalCluster {args.workers} workers (start-up included) | {n} | "
        f"{parallel:.1f} | {3600 * n / parallel:,.0f} |"
    )
    print(f"ratio sweep / serial: {serial / parallel:.2f}x")


if __name__ == "__main__":
    main()
