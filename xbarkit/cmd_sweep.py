"""``xbar sweep``: a grid of golden training runs on Dask, stored as they finish, calibrated
(Lee et al. 2022) at the end."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from golden.errors import ConfigError
from xbarkit.options import number

__all__ = ["EXIT_FAILED_POINTS", "add_parser", "run"]

#: exit code of a sweep whose stored results include failed points (incomplete)
EXIT_FAILED_POINTS = 3


def add_parser(sub, name: str) -> None:
    p = sub.add_parser(
        name,
        help="sweep training configs on Dask (local cluster or a scheduler)",
        description="Run every point of SWEEP.toml as a Dask task; each finished point is "
        "stored at once in DIR/results.sqlite, so the same command after a kill resumes. "
        "With a [calibration] table, writes DIR/calibration.json and heatmaps (PNG).",
    )
    p.add_argument("sweep", type=Path, help="sweep file (TOML)")
    p.add_argument("--out", type=Path, required=True, help="output directory")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler, tcp://host:port")
    where.add_argument(
        "--workers",
        type=number(int, 1, 256),
        help="worker processes of the local cluster (default: cores)",
    )
    p.add_argument(
        "--connect-timeout",
        type=number(float, 0, 3600, strict=True),
        default=30.0,
        metavar="SECONDS",
        help="seconds the --scheduler has to answer (default 30)",
    )
    p.add_argument("--retry-failed", action="store_true", help="run failed points again")
    p.add_argument("--no-progress", action="store_true", help="no progress display")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from golden.params.sweep import load_sweep
    from xbarkit.sweep.runner import run_sweep

    if args.scheduler is not None and "://" not in args.scheduler:
        raise ConfigError("--scheduler", args.scheduler, "an address like tcp://127.0.0.1:8786")
    sweep = load_sweep(args.sweep)
    report = run_sweep(
        sweep,
        args.out,
        scheduler=args.scheduler,
        workers=args.workers,
        retry_failed=args.retry_failed,
        progress=not args.no_progress,
        connect_timeout=args.connect_timeout,
    )
    failed = summarize(sweep, args.out, report)
    if failed:
        print(
            f"xbar sweep: {failed} point(s) failed (stored with their errors); "
            "run again with --retry-failed to retry them",
            file=sys.stderr,
        )
        return EXIT_FAILED_POINTS
    return 0


def summarize(sweep, out: Path, report) -> int:
    """Summary table of the stored results; calibration JSON and plots when configured.
    Returns how many of the sweep's stored points failed (in this run or an earlier one)."""
    from rich.console import Console
    from rich.table import Table

    from xbarkit.sweep.store import RESULTS, ResultStore

    store = ResultStore(out / RESULTS, sweep.columns)
    try:
        rows = store.rows()
    finally:
        store.close()
    wanted = {p.digest for p in sweep.all_points()}
    rows = [r for r in rows if r["digest"] in wanted]
    console = Console()
    done = [r for r in rows if r["status"] == "done" and not r["baseline"]]
    failed = [r for r in rows if r["status"] == "failed"]
    console.print(
        f"sweep {sweep.path.name}: {len(rows)}/{report.total} points stored "
        f"({report.skipped} from earlier runs, {report.done} run now, {report.failed} failed now"
        + (
            f", {report.points_per_hour:.0f} points/hour on {report.workers} workers"
            if report.seconds
            else ""
        )
        + ")"
    )
    table = Table(title="best points (mean over seeds)")
    for name in (*sweep.columns, "seeds", "test accuracy"):
        table.add_column(name, justify="right")
    groups: dict[str, list] = {}
    for r in done:
        groups.setdefault(json.dumps(r["values"], sort_keys=True), []).append(r)
    ranked = sorted(groups.values(), key=lambda rs: -sum(r["test_accuracy"] for r in rs) / len(rs))
    for rs in ranked[:10]:
        acc = sum(r["test_accuracy"] for r in rs) / len(rs)
        table.add_row(
            *[str(rs[0]["values"].get(c, "")) for c in sweep.columns], str(len(rs)), f"{acc:.2%}"
        )
    console.print(table)
    base = [r["test_accuracy"] for r in rows if r["baseline"] and r["status"] == "done"]
    if base:
        console.print(f"float baseline: {sum(base) / len(base):.2%} ({len(base)} seeds)")
    for r in failed[:5]:
        console.print(f"[red]failed[/red] {r['values']} seed {r['seed']}: {r['error']}")
    if sweep.calibration is None:
        return len(failed)
    if len(rows) < report.total:
        console.print("calibration skipped: not every point is stored yet")
        return len(failed)
    from xbarkit.sweep.calibration import calibrate
    from xbarkit.sweep.plots import plot_calibration

    cal = calibrate(sweep, rows)
    (out / "calibration.json").write_text(json.dumps(cal, indent=1))
    pngs = plot_calibration(cal, out)
    for g in cal["groups"]:
        console.print(
            f"asymmetry spec {g['group'] or ''}: {len(g['spec']['pairs'])} of "
            f"{len(cal['asymmetry_a']['values']) * len(cal['asymmetry_c']['values'])} (A, C) "
            f"pairs within {cal['margin']:.0%} of float; max C asymmetry per A: "
            f"{g['spec']['max_c_for_a']}"
        )
    console.print(f"wrote {out}/calibration.json, " + ", ".join(p.name for p in pngs))
    return len(failed)
