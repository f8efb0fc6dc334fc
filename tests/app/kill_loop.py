"""kill -9 at random moments, then resume, until the job finishes: the result must be
bit-identical to an uninterrupted run. Run by ``tests/app/test_kill_resume.py`` in a fresh
process (numba's fork-safe ``workqueue`` threading layer): the parent loads everything once,
every attempt is a forked child, killed with SIGKILL after a random delay.

Usage: ``python tests/app/kill_loop.py {train,sweep} WORKDIR KILLS SEED``; prints one JSON
line: kills, attempts, identical, seconds.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

TRAIN = {
    "data": {"name": "digits", "n_train": 240, "n_test": 60},
    "network": {"sizes": [64, 8, 10]},
    "training": {"epochs": 2, "checkpoint_every": 8, "seed": 3},
}


def _train_job(out: Path):
    from golden.params import TrainParams
    from golden.train import CHECKPOINT, run_training

    params = TrainParams.from_dict(TRAIN)

    def job() -> None:
        run_training(params, out, resume=(out / CHECKPOINT).exists())

    def result(path: Path) -> dict:
        with np.load(path / "weights.npz") as w:
            arrays = {k: w[k].copy() for k in w.files}
        metrics = json.loads((path / "metrics.json").read_text())
        return {"arrays": arrays, "acc": metrics["test_accuracy"]}

    return job, result


def _sweep_job(out: Path):
    from golden.params.sweep import load_sweep
    from xbarkit.sweep.runner import run_sweep
    from xbarkit.sweep.store import RESULTS, ResultStore

    sweep_file = out.parent / "sweep.toml"
    sweep_file.write_text(
        f'[sweep]\nbase = "{ROOT / "configs" / "fmnist-ttv2.toml"}"\nseeds = [0, 1]\n'
        '[set]\n"data.name" = "digits"\n"data.n_train" = 120\n"data.n_test" = 40\n'
        '"network.sizes" = [64, 6, 10]\n"training.checkpoint_every" = 8\n'
        '[[axis]]\nname = "lr"\nkeys = ["training.lr"]\nvalues = [0.05, 0.1, 0.2]\n'
    )
    sweep = load_sweep(sweep_file)

    def job() -> None:
        run_sweep(sweep, out, workers=1, progress=False, processes=False)

    def result(path: Path) -> dict:
        store = ResultStore(path / RESULTS, sweep.columns)
        try:
            rows = sorted(store.rows(), key=lambda r: r["digest"])
        finally:
            store.close()
        return {"rows": [(r["digest"], r["status"], r["test_accuracy"]) for r in rows]}

    return job, result


def _child(job) -> None:
    try:
        job()
    except BaseException:
        os._exit(1)
    os._exit(0)


def _attempt(job, delay: float | None) -> int | None:
    """One forked attempt; killed after ``delay`` seconds (None: run to the end). Returns
    the exit status, or None when it was killed."""
    pid = os.fork()
    if pid == 0:
        _child(job)
    if delay is None:
        return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    deadline = time.perf_counter() + delay
    while time.perf_counter() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.002)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return None


def main() -> None:
    kind, work, kills, seed = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    make = _train_job if kind == "train" else _sweep_job
    t0 = time.perf_counter()
    from golden.data import load_dataset
    from golden.warmup import compile_kernels

    compile_kernels()  # loaded once here: every forked attempt starts warm
    load_dataset("digits")
    ref_dir, run_dir = work / "reference", work / "killed"
    for d in (ref_dir, run_dir):
        d.mkdir(parents=True, exist_ok=True)
    job_ref, result = make(ref_dir)
    start = time.perf_counter()
    assert _attempt(job_ref, None) == 0, "the uninterrupted run failed"
    full = time.perf_counter() - start
    job, _ = make(run_dir)
    rng = random.Random(seed)
    killed = attempts = 0
    while True:
        attempts += 1
        # kill points spread over the whole run: each attempt gets about 1/kills of it
        delay = rng.uniform(0.0, 2.0 * full / kills) if killed < kills else None
        status = _attempt(job, delay)
        if status is None:
            killed += 1
            continue
        if status == 0:
            break
        raise SystemExit(f"attempt {attempts} failed with exit status {status}")
    a, b = result(ref_dir), result(run_dir)
    if "arrays" in a:
        same = a["acc"] == b["acc"] and all(
            np.array_equal(a["arrays"][k], b["arrays"][k]) for k in a["arrays"]
        )
    else:
        same = a == b
    print(
        json.dumps(
            {
                "kills": killed,
                "attempts": attempts,
                "identical": bool(same),
                "seconds": time.perf_counter() - t0,
                "run_seconds": full,
            }
        )
    )


if __name__ == "__main__":
    main()
