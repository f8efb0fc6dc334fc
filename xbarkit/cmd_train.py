"""``xbar train``: a training run from a TOML config (metrics JSON, plots, checkpoints)."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import signal
import sys
import threading
import time
from pathlib import Path

from golden.errors import TrainingInterrupted
from golden.params import load_train_config
from xbarkit.options import add_set_option

__all__ = ["EXIT_INTERRUPTED", "add_parser", "describe", "run"]

#: exit code of a run stopped by Ctrl-C (128 + SIGINT, as shells report it)
EXIT_INTERRUPTED = 130


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


def describe(params, out: Path, resume: bool) -> str:
    """One line saying what a run will do (printed before it starts)."""
    d, t = params.data, params.training
    n = lambda k: "all" if k == 0 else str(k)  # noqa: E731
    return (
        f"xbar train: {'resuming ' if resume else ''}{t.algorithm} on {d.name} "
        f"({n(d.n_train)} train / {n(d.n_test)} test samples), network "
        f"{'-'.join(map(str, params.network.sizes))}, {t.epochs} epoch(s), batch {t.batch_size}, "
        f"seed {t.seed}, rng {params.update.rng_mode.name.lower()} -> {out}/"
    )


@contextlib.contextmanager
def stop_on_sigint(progress):
    """Ctrl-C asks the run to stop at its next chunk (it writes a checkpoint first); a second
    Ctrl-C stops at once."""
    previous = signal.getsignal(signal.SIGINT)

    def handler(signum, frame):
        if progress.stop_requested:
            raise KeyboardInterrupt
        progress.stop_requested = True
        print(
            "\nxbar train: stopping after this chunk (Ctrl-C again to stop now) ...",
            file=sys.stderr,
            flush=True,
        )

    in_main = threading.current_thread() is threading.main_thread()
    if in_main:
        signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        if in_main:
            signal.signal(signal.SIGINT, previous)


class ImportBeside:
    """Imports a module on a thread of its own once :meth:`start` is called. Started when the
    training loop starts (which releases the GIL), matplotlib's import (about half a second)
    runs on the other core, beside the loop; started earlier it would compete with the set-up
    for the GIL."""

    def __init__(self, module: str):
        self.module = module
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        if self.thread is None:
            self.thread = threading.Thread(
                target=importlib.import_module, args=(self.module,), daemon=True
            )
            self.thread.start()

    def wait(self) -> None:
        if self.thread is not None:
            self.thread.join()


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from golden.train import run_training
    from xbarkit.progress import RichTrainingProgress

    params = load_train_config(args.config, args.overrides)
    print(describe(params, args.out, args.resume), flush=True)
    plots_import = ImportBeside("xbarkit.plots")
    progress = RichTrainingProgress(enabled=not args.no_progress, on_start=plots_import.start)
    try:
        with stop_on_sigint(progress):
            metrics = run_training(params, args.out, resume=args.resume, progress=progress)
    except TrainingInterrupted as stop:
        print(
            f"xbar train: interrupted after {stop.samples} samples; checkpoint written. "
            f"Resume with: xbar train {args.config} --out {args.out} --resume"
            + "".join(f" --set {o}" for o in args.overrides),
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    plots_start = time.perf_counter()
    plots_import.wait()
    from xbarkit.plots import plot_curves, plot_weights

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
    print(outside_loop(metrics["timing"], time.perf_counter() - plots_start))
    return 0


def process_age() -> float | None:
    """Seconds since this process started (Linux ``/proc``; None elsewhere)."""
    try:
        stat = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        uptime = float(Path("/proc/uptime").read_text().split()[0])
    except OSError:
        return None
    return uptime - int(stat[19]) / os.sysconf("SC_CLK_TCK")


def outside_loop(timing: dict, plots: float) -> str:
    """One line: the training loop's time and, apart, everything else this process spent:
    start-up (imports, data, network, compiled kernels) and files, test evaluation, plots."""
    loop, setup, evaluation = (timing[k] for k in ("loop_seconds", "setup_seconds", "eval_seconds"))
    age = process_age()
    parts = f"test evaluation {evaluation:.1f} s; plots {plots:.1f} s"
    if age is None:  # no process start time: the parts golden measured
        return f"time: training loop {loop:.1f} s; set-up {setup:.1f} s; {parts}"
    outside = age - loop
    return (
        f"time: training loop {loop:.1f} s; outside it {outside:.1f} s (start-up and files "
        f"{outside - evaluation - plots:.1f} s, of which set-up {setup:.1f} s; {parts})"
    )
