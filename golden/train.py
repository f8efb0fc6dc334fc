"""Training runs: data, network, epochs, progress reports, checkpoints and metrics.

Python only orchestrates chunks of ``checkpoint_every`` samples; inside a chunk the whole
per-sample loop runs in :mod:`golden.kernels.loop`. A checkpoint after every chunk holds all
state (weights, buffers, counters, choppers), so a killed run resumed with ``resume=True``
finishes bit-identical to an uninterrupted one.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np

from golden.checkpoint import read_checkpoint
from golden.data import DataSet, load_dataset
from golden.errors import ConfigError, TrainingInterrupted
from golden.hamiltonian import energy
from golden.network import Network, estimate_bytes
from golden.params import TrainParams

__all__ = ["CHECKPOINT", "TrainingProgress", "load_checked_data", "run_training", "shuffled_order"]

CHECKPOINT = "checkpoint.npz"


def shuffled_order(seed: int, epoch: int, n: int) -> np.ndarray:
    """The sample order of one epoch: a permutation keyed by (seed, epoch)."""
    return np.random.default_rng([seed, epoch, 0x5EED]).permutation(n).astype(np.int64)


class TrainingProgress:
    """What a training run reports while it runs (no-op here; the application layer draws a
    progress bar from it)."""

    def start(self, description: str, total: int, completed: int, test: str) -> None:
        """Before the first chunk: ``total`` samples, ``completed`` of them already done."""

    def advance(self, completed: int, rate: float, loss: float, accuracy: float) -> None:
        """After each chunk: samples done, samples/s, running train loss and accuracy."""

    def epoch_done(self, test_accuracy: float) -> None:
        """After each epoch's test evaluation."""

    def stop(self) -> None:
        """After the last epoch."""

    def should_stop(self) -> bool:
        """Polled after each chunk: True asks the run to write a checkpoint and raise
        :class:`~golden.errors.TrainingInterrupted`."""
        return False


def load_checked_data(params: TrainParams) -> DataSet:
    """The run's data set, checked against the network's input and output sizes."""
    d = params.data
    data = load_dataset(d.name, d.n_train, d.n_test, d.path)
    sizes = params.network.sizes
    if sizes[0] != data.n_features or sizes[-1] != data.n_classes:
        raise ConfigError(
            "network.sizes",
            list(sizes),
            f"{d.name} needs {data.n_features} inputs and {data.n_classes} "
            f"outputs, e.g. [{data.n_features}, ..., {data.n_classes}]",
        )
    return data


def available_memory() -> int:
    """Bytes of memory the machine can still give (``MemAvailable``; 0 when unknown)."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def check_memory(params: TrainParams, available: int | None = None) -> None:
    """Refuse a network that cannot fit the memory the machine has available, before any of
    it is allocated (:func:`golden.network.estimate_bytes`)."""
    available = available_memory() if available is None else available
    need = estimate_bytes(params)
    if available and need > available:
        raise ConfigError(
            "network.sizes",
            list(params.network.sizes),
            f"needs about {need / 2**30:.1f} GiB of memory; this machine has "
            f"{available / 2**30:.1f} GiB available",
        )


def run_training(
    params: TrainParams,
    out: Path,
    resume: bool = False,
    progress: TrainingProgress | None = None,
) -> dict:
    """Train as ``params`` says; write ``out/metrics.json``, ``out/weights.npz`` (final and
    model-averaged weights per layer) and checkpoints; report to ``progress``.

    Everything is validated before any work starts: data present, network sizes matching
    the data, no checkpoint in ``out`` unless resuming (so nothing written is ever lost).
    """
    started = time.perf_counter()
    d, t = params.data, params.training
    data = load_checked_data(params)
    out = Path(out)
    ckpt = out / CHECKPOINT
    if out.exists() and not out.is_dir():
        raise ConfigError("--out", str(out), "must be a directory")
    if ckpt.exists() and not resume:
        raise ConfigError(
            "--out",
            str(out),
            "holds a checkpoint of an earlier run: pass "
            "--resume to continue it, or choose another directory",
        )
    if resume and not ckpt.exists():
        raise ConfigError("--resume", str(out), f"no {CHECKPOINT} there to resume from")

    if resume:  # read and checked before anything is built
        stored = read_checkpoint(ckpt)
        if str(stored.get("digest")) != params.digest():
            raise ConfigError(
                "--resume", str(out), "the checkpoint was made with another config (digest differs)"
            )
    check_memory(params)
    net = Network(params, data.n_features, data.n_classes)
    n, B = len(data.x_train), t.batch_size
    batches_per_epoch = math.ceil(n / B)
    # chunks: a progress point every ~2 % of an epoch; a checkpoint every checkpoint_every
    chunk = max(1, min(t.checkpoint_every, max(n // 50, 1)) // B) * B
    save_every = max(1, t.checkpoint_every // chunk)
    avg_start = int((1.0 - t.average_last) * t.epochs * batches_per_epoch)
    epoch, pos, epochs, progress_log, train_seconds = 0, 0, [], [], 0.0
    if resume:
        extra = net.restore(stored)
        epoch, pos = int(extra["epoch"]), int(extra["pos"])
        epochs = json.loads(str(extra["epochs"]))
        progress_log = json.loads(str(extra["progress"]))
        train_seconds = float(extra["train_seconds"])
    out.mkdir(parents=True, exist_ok=True)

    def save() -> None:
        extra = {
            "digest": params.digest(),
            "epoch": epoch,
            "pos": pos,
            "epochs": json.dumps(epochs),
            "progress": json.dumps(progress_log),
            "train_seconds": train_seconds,
        }
        net.save(ckpt, {k: np.array(v) for k, v in extra.items()})

    # compile (or load from numba's cache) before the clock starts: samples/s is training speed
    net.train(data.x_train, data.y_train, shuffled_order(t.seed, 0, n), 0, 0, 0, avg_start)
    timing = {
        "setup_seconds": time.perf_counter() - started,
        "loop_seconds": 0.0,
        "eval_seconds": 0.0,
    }
    bar = progress or TrainingProgress()
    bar.start(
        f"{t.algorithm} on {d.name}",
        t.epochs * n,
        epoch * n + pos,
        f"{epochs[-1]['test_accuracy']:.1%}" if epochs else "-",
    )
    try:
        while epoch < t.epochs:
            order = shuffled_order(t.seed, epoch, n)
            while pos < n:
                stop = min(pos + chunk, n)
                before = net.stats[:2].copy()
                t0 = time.perf_counter()
                net.train(
                    data.x_train,
                    data.y_train,
                    order,
                    pos,
                    stop,
                    epoch * batches_per_epoch + pos // B,
                    avg_start,
                )
                train_seconds += time.perf_counter() - t0
                timing["loop_seconds"] += time.perf_counter() - t0
                loss, correct = (net.stats[:2] - before) / (stop - pos)
                entry = {
                    "samples": epoch * n + stop,
                    "train_loss": float(loss),
                    "train_accuracy": float(correct),
                }
                if t.algorithm == "hd":  # SHD's diagnostics: E, |p|^2, H
                    entry |= energy(net, float(loss))
                progress_log.append(entry)
                pos = stop
                done = epoch * n + pos
                bar.advance(
                    done, done / max(train_seconds, 1e-9), net.stats[0] / pos, net.stats[1] / pos
                )
                if pos < n and bar.should_stop():
                    save()
                    raise TrainingInterrupted(str(out), done)
                if pos < n and len(progress_log) % save_every == 0:
                    save()
            t0 = time.perf_counter()
            test_acc = net.accuracy(data.x_test, data.y_test, net.weights(), epoch)
            timing["eval_seconds"] += time.perf_counter() - t0
            epochs.append(
                {
                    "epoch": epoch + 1,
                    "samples": (epoch + 1) * n,
                    "train_loss": float(net.stats[0] / n),
                    "train_accuracy": float(net.stats[1] / n),
                    "test_accuracy": float(test_acc),
                    "seconds": train_seconds,
                }
            )
            bar.epoch_done(test_acc)
            net.stats[:2] = 0.0
            epoch, pos = epoch + 1, 0
            save()
            if epoch < t.epochs and bar.should_stop():
                raise TrainingInterrupted(str(out), epoch * n)
    finally:
        bar.stop()

    t0 = time.perf_counter()
    metrics = _metrics(params, net, data, epochs, train_seconds)
    timing["eval_seconds"] += time.perf_counter() - t0
    metrics["timing"] = timing  # this process only (setup: data, network, compiled kernels)
    metrics["progress"] = progress_log
    (out / "metrics.json").write_text(json.dumps(metrics, indent=1))
    arrays = {f"layer{l}": w for l, w in enumerate(net.layer_weights())}
    averaged = net.averaged_weights()
    if averaged is not None:  # the model-averaged weights, exported next to the final ones
        arrays.update({f"averaged_layer{l}": w for l, w in enumerate(net.layer_weights(averaged))})
    np.savez(out / "weights.npz", **arrays)
    return metrics


def _metrics(params, net, data, epochs, train_seconds) -> dict:
    t = params.training
    n_samples = t.epochs * len(data.x_train)
    metrics = {
        "test_accuracy": epochs[-1]["test_accuracy"],
        "samples_per_second": n_samples / max(train_seconds, 1e-9),
        "train_seconds": train_seconds,
        "epochs": epochs,
        "algorithm": t.algorithm,
        "data": data.name,
        "n_train": len(data.x_train),
        "n_test": len(data.x_test),
        "config_digest": params.digest(),
        "config": params.to_dict(),
    }
    averaged = net.averaged_weights()
    if averaged is not None:
        metrics["averaged_test_accuracy"] = net.accuracy(
            data.x_test, data.y_test, averaged, t.epochs + 1
        )
        metrics["averaged_iterates"] = int(net.stats[2])
    return metrics
