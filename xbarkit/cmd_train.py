"""``xbar train``: a training run from a TOML config (metrics JSON, plots, checkpoints)."""

from __future__ import annotations

import argparse
from pathlib import Path

from golden.params import load_train_config
from xbarkit.options import add_set_option

__all__ = ["add_parser", "run"]


def add_parser(sub, name: str) -> None:
    p = sub.add_parser(
        name,
        help="train an MLP of analog tiles",
        description="Train as CONFIG.toml says; writes DIR/metrics.json, DIR/curves.png, "
        "DIR/weights.png, DIR/weights.npz and DIR/checkpoint.npz.",
    )
    p.add_argument("config", type=Path, help="training config (TOML)")
    add_set_option(p, "training.epochs=3", metavar="SECTION.KEY=VALUE")
    p.add_argument("--out", type=Path, required=True, help="output directory")
    p.add_argument("--resume", action="store_true", help="continue from DIR/checkpoint.npz")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from golden.train import run_training
    from xbarkit.plots import plot_curves, plot_weights
    from xbarkit.progress import RichTrainingProgress

    params = load_train_config(args.config, args.overrides)
    progress = RichTrainingProgress(enabled=not args.no_progress)
    metrics = run_training(params, args.out, resume=args.resume, progress=progress)
    plot_curves(metrics["epochs"], metrics, args.out / "curves.png")
    with np.load(args.out / "weights.npz") as saved:
        final = [saved[f"layer{k}"] for k in range(len(params.network.sizes) - 1)]
    plot_weights(final, args.out / "weights.png", params.training.algorithm)
    line = (
        f"{metrics['algorithm']} on {metrics['data']}: test accuracy {metrics['test_accuracy']:.2%}"
    )
    if "averaged_test_accuracy" in metrics:
        line += f" (model average {metrics['averaged_test_accuracy']:.2%})"
    print(f"{line}; {metrics['samples_per_second']:.0f} samples/s; wrote {args.out}/")
    return 0
