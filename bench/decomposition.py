"""The gradient-decomposition table (Zhao et al. 2021; issue 17) from a finished sweep of
``configs/sweep-decomposition.toml``:

    xbar sweep configs/sweep-decomposition.toml --out dec-out --workers 2
    python bench/decomposition.py dec-out

prints, per device arrangement (bipolar devices, differential pairs), the test accuracy of
MBGD (rank 0) and of PCA and NMF at each rank, rank-seq and rank-sum: mean and the three
seeds, and the float baseline; ``--json FILE`` also writes every number.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from xbarkit.sweep.store import RESULTS, ResultStore

RANKS = (1, 3, 10)


def _cell(values: list[float]) -> str:
    if not values:
        return "—"
    v = 100 * np.asarray(sorted(values))
    return f"{v.mean():.1f} ({', '.join(f'{x:.1f}' for x in v)})"


def collect(out: Path) -> tuple[dict, list[float]]:
    """``{(pair, method, transfer, rank): [accuracy per seed]}`` and the float baseline's."""
    table, floats = defaultdict(list), []
    for row in ResultStore(out / RESULTS).rows():
        if row["status"] != "done":
            continue
        if row["baseline"]:
            floats.append(row["test_accuracy"])
            continue
        v = row["values"]
        key = (
            bool(v["device.pair"]),
            v["training.algorithm"],
            v["algorithm.transfer"],
            v["algorithm.rank"],
        )
        table[key].append(row["test_accuracy"])
    return dict(table), floats


def print_table(table: dict, floats: list[float]) -> None:
    print(f"float (MBGD in float, batch 10): {_cell(floats)}\n")
    head = " | ".join(f"rank {r}" for r in RANKS)
    for pair in (False, True):
        devices = "differential pairs (G+ - G-)" if pair else "bipolar devices"
        print(f"\n{devices}: MBGD (rank 0) {_cell(table.get((pair, 'pca', 'sum', 0), []))}\n")
        print(f"| method | transfer | {head} |\n|---|---|" + "---|" * len(RANKS))
        for method in ("pca", "nmf"):
            for transfer in ("seq", "sum"):
                cells = " | ".join(_cell(table.get((pair, method, transfer, r), [])) for r in RANKS)
                print(f"| {method} | rank-{transfer} | {cells} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path, help="the sweep's output directory")
    ap.add_argument("--json", type=Path, help="also write every number here")
    args = ap.parse_args()
    table, floats = collect(args.out)
    print_table(table, floats)
    if args.json:
        rows = [
            {"pair": k[0], "method": k[1], "transfer": k[2], "rank": k[3], "accuracy": v}
            for k, v in sorted(table.items())
        ]
        args.json.write_text(json.dumps({"float": floats, "points": rows}, indent=1))


if __name__ == "__main__":
    main()
