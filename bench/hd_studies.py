"""Stochastic Hamiltonian Descent's four studies (ALGORITHMS.md section 8), 3 seeds each, as
the README's tables (``xbarkit.hd_studies`` defines them).

Studies 1-3 take seconds; study 4 trains the reference MLP on Fashion-MNIST (18 runs of one
epoch: hd, ttv1, sgd x two device settings x 3 seeds) and a 64-32-10 MLP on digits.
``--json FILE`` also writes every number. Set ``NUMBA_NUM_THREADS=1`` when anything else runs
on the machine (samples/s collapse with 2 threads beside a busy core).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from xbarkit.hd_studies import friction, regression_distances, training_runs, zero_shift_effect

SEEDS = (0, 1, 2)


def _cell(values: list[float], digits: int = 3, scale: float = 1.0) -> str:
    v = np.asarray(values) * scale
    return (
        f"{v.mean():.{digits}f} ± {v.std():.{digits}f} ({', '.join(f'{x:.{digits}f}' for x in v)})"
    )


def regression_tables(results: dict) -> None:
    rows = [regression_distances(s) for s in SEEDS]
    results["regression"] = rows
    print("\n1. Least squares, one 8 -> 4 analog layer, asymmetric SoftBounds devices (A and C), ")
    print("   20,000 samples: relative distance |W - W*| / |W*| (mean of the last quarter)\n")
    print("| algorithm | distance, mean ± std (seeds 0, 1, 2) |\n|---|---|")
    for name in ("float", "sgd", "hd"):
        print(f"| {name} | {_cell([r[name] for r in rows])} |")

    rows = [friction(s) for s in SEEDS]
    results["friction"] = rows
    print("\n2. The same problem with SHD, A symmetric ConstantStep (no friction) or asymmetric")
    print("   SoftBounds (C asymmetric SoftBounds in both)\n")
    print("| A devices | final \\|p\\|² | H (§8) after 500 → 20,000 samples | distance |")
    print("|---|---|---|---|")
    for name in ("symmetric A", "asymmetric A"):
        r = [x[name] for x in rows]
        h = f"{np.mean([x['H_first'] for x in r]):.0f} → {np.mean([x['H_last'] for x in r]):.0f}"
        p2, dist = _cell([x["p2"] for x in r]), _cell([x["distance"] for x in r])
        print(f"| {name} | {p2} | {h} | {dist} |")

    rows = [zero_shift_effect(s) for s in SEEDS]
    results["zero_shift"] = rows
    print("\n3. SHD with and without zero-shifting, A's symmetry points near 0.18\n")
    print("| zero-shift | distance |\n|---|---|")
    for name in ("zero_shift on", "zero_shift off"):
        print(f"| {name.split()[1]} | {_cell([r[name] for r in rows])} |")


def training_tables(results: dict, datasets: list[str]) -> None:
    print("\n4. Training, hd vs ttv1 vs sgd on the same devices, test accuracy (%)\n")
    print("| data | devices | hd | ttv1 | sgd |\n|---|---|---|---|---|")
    for data in datasets:
        for up_down, label in ((0.0, "20-state reference"), (0.3, "reference, up_down 0.3")):
            cells, speed = [], {}
            for algorithm in ("hd", "ttv1", "sgd"):
                runs = [training_runs(data, algorithm, s, up_down) for s in SEEDS]
                results.setdefault("training", []).append(
                    {
                        "data": data,
                        "up_down": up_down,
                        "algorithm": algorithm,
                        "test_accuracy": [m["test_accuracy"] for m in runs],
                        "samples_per_second": [m["samples_per_second"] for m in runs],
                    }
                )
                cells.append(_cell([m["test_accuracy"] for m in runs], 1, 100.0))
                speed[algorithm] = np.mean([m["samples_per_second"] for m in runs])
            print(f"| {data} | {label} | {' | '.join(cells)} |", flush=True)
            print(
                f"|  | samples/s | {speed['hd']:.0f} | {speed['ttv1']:.0f} | {speed['sgd']:.0f} |",
                flush=True,
            )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", nargs="*", default=["digits", "fashion-mnist"])
    ap.add_argument("--json", type=Path, help="write every number here")
    args = ap.parse_args()
    results: dict = {}
    regression_tables(results)
    training_tables(results, args.data)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
