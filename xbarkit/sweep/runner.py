"""Running a sweep on Dask: one golden training run per task, results stored as they finish.

By default the points run on a ``distributed.LocalCluster`` of single-threaded worker
processes on this machine (numba's threads split the cores between them); with a scheduler
address they run on that cluster instead. The driver keeps the store: every finished or failed
point is committed the moment its future completes, and a restarted sweep submits only the
points the store does not hold, so none is lost and none is run twice. A point killed half-way
resumes from its own checkpoint (``DIR/points/DIGEST/``; with a remote cluster that folder
must be on a file system the workers share).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import socket
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from golden.errors import ConfigError
from golden.params import TrainParams
from golden.params.sweep import Point, SweepConfig
from golden.train import CHECKPOINT, load_checked_data, run_training
from golden.warmup import compile_kernels
from xbarkit.progress import sweep_progress
from xbarkit.sweep.store import RESULTS, ResultStore

__all__ = ["SweepReport", "run_point", "run_sweep", "POINTS"]

POINTS = "points"


def run_point(params: TrainParams, out: str, threads: int | None = None) -> dict:
    """One sweep point (a Dask task): train, continuing from the point's checkpoint if a
    killed sweep left one; returns the accuracies and times."""
    if threads:
        import numba

        numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
    out_dir = Path(out)
    t0 = time.perf_counter()
    resume = (out_dir / CHECKPOINT).is_file()
    metrics = run_training(params, out_dir, resume=resume)
    return {
        "test_accuracy": metrics["test_accuracy"],
        "averaged_test_accuracy": metrics.get("averaged_test_accuracy"),
        "train_seconds": metrics["train_seconds"],
        "wall_seconds": time.perf_counter() - t0,
        "worker": f"{socket.gethostname()}:{os.getpid()}",
    }


@dataclass
class SweepReport:
    """What one ``run_sweep`` call did."""

    total: int
    skipped: int = 0
    done: int = 0
    failed: int = 0
    seconds: float = 0.0
    workers: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def points_per_hour(self) -> float:
        return 3600.0 * (self.done + self.failed) / self.seconds if self.seconds > 0 else 0.0


def validate_data(sweep: SweepConfig) -> None:
    """Every distinct data set of the sweep is there and fits its network (before any run)."""
    seen = set()
    for p in sweep.all_points():
        key = (p.params.data.digest(), tuple(p.params.network.sizes))
        if key not in seen:
            seen.add(key)
            load_checked_data(p.params)


#: seconds a Dask scheduler has to answer before ``xbar sweep --scheduler`` gives up
CONNECT_TIMEOUT = 30.0


def connect(address: str, timeout: float = CONNECT_TIMEOUT):
    """A ``distributed.Client`` on the scheduler at ``address``, or a :class:`ConfigError`
    when none answers within ``timeout`` seconds. The deadline is kept here, not left to
    Dask (whose handshake with a server that accepts but never answers, e.g. an HTTP server,
    does not time out): the attempt runs in a daemon thread that is abandoned at the
    deadline."""
    from distributed import Client

    got: dict = {}

    def attempt() -> None:
        try:
            got["client"] = Client(address, timeout=f"{timeout}s")
        except BaseException as err:  # reported below, in the caller's thread
            got["error"] = err

    thread = threading.Thread(target=attempt, name="xbar-dask-connect", daemon=True)
    thread.start()
    thread.join(timeout + 1.0)
    if "client" in got:
        return got["client"]
    why = f" ({type(got['error']).__name__}: {got['error']})" if "error" in got else ""
    raise ConfigError(
        "--scheduler", address, f"no Dask scheduler answered within {timeout:g} s{why}"
    )


@contextlib.contextmanager
def dask_client(scheduler: str | None, workers: int | None, processes: bool = True, client=None):
    """A ``distributed.Client``: ``client`` when given (already connected, closed here), on
    ``scheduler``, or on a new LocalCluster of ``workers`` single-threaded workers; yields
    (client, numba threads per task or None)."""
    import logging

    from distributed import Client, LocalCluster

    if client is not None or scheduler:
        with client or connect(scheduler) as connected:
            yield connected, None
        return
    n = workers or os.cpu_count() or 1
    with (
        LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=processes,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client, max(1, (os.cpu_count() or 1) // n)


def _row(point: Point, status: str, result: dict | None = None, error: str | None = None):
    row = {
        "digest": point.digest,
        "status": status,
        "baseline": int(point.baseline),
        "seed": point.seed,
        "values": point.values,
        "algorithm": point.params.training.algorithm,
        "finished": time.time(),
        "error": error,
    }
    row.update(result or {})
    return row


def run_sweep(
    sweep: SweepConfig,
    out: Path,
    scheduler: str | None = None,
    workers: int | None = None,
    retry_failed: bool = False,
    progress: bool = True,
    processes: bool = True,
    task=run_point,
    connect_timeout: float = CONNECT_TIMEOUT,
) -> SweepReport:
    """Run every point of ``sweep`` that ``out/results.sqlite`` does not hold yet. A
    scheduler is reached (or refused) before anything is written."""
    validate_data(sweep)
    client = connect(scheduler, connect_timeout) if scheduler else None
    try:
        compile_kernels()  # once here, so that the workers only load them from numba's cache
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        store = ResultStore(out / RESULTS, sweep.columns)
    except BaseException:
        if client is not None:
            client.close()
        raise
    try:
        return _run(sweep, out, store, client, workers, retry_failed, progress, processes, task)
    finally:
        store.close()


def _run(sweep, out, store, client, workers, retry_failed, progress, processes, task):
    from distributed import wait

    points = sweep.all_points()
    stored = store.statuses()
    todo = [
        p
        for p in points
        if p.digest not in stored or (retry_failed and stored[p.digest] == "failed")
    ]
    report = SweepReport(total=len(points), skipped=len(points) - len(todo))
    if not todo:
        if client is not None:
            client.close()
        return report
    t0 = time.perf_counter()
    with (
        dask_client(None, workers, processes, client) as (client, threads),
        sweep_progress(progress) as bar,
    ):
        report.workers = len(client.scheduler_info().get("workers", {}))
        bar_task = bar.add_task(
            "sweep", total=len(points), completed=report.skipped, running=0, failed=0
        )
        queue = iter(todo)
        pending: dict = {}

        def submit(n: int) -> None:
            """Keep the cluster fed: ``n`` more points in flight (a bounded window, so the
            scheduler and this driver never hold thousands of tasks)."""
            for p in itertools.islice(queue, n):
                fut = client.submit(
                    task,
                    p.params,
                    str(out / POINTS / p.digest),
                    threads,
                    key=f"xbar-point-{p.digest}",
                    pure=False,
                )
                pending[fut] = p

        submit(room(client, 0))
        while pending:
            try:
                finished, _ = wait(list(pending), timeout=1.0, return_when="FIRST_COMPLETED")
            except TimeoutError:
                finished = ()
            for fut in finished:
                point = pending.pop(fut)
                if fut.status == "finished":
                    store.put(_row(point, "done", fut.result()))
                    report.done += 1
                else:
                    err = _error_text(fut)
                    store.put(_row(point, "failed", error=err))
                    report.failed += 1
                    report.errors.append(f"{point.values} seed {point.seed}: {err}")
                fut.release()
            submit(room(client, len(pending)))
            bar.update(
                bar_task,
                completed=report.skipped + report.done + report.failed,
                running=min(len(pending), _running(client)),
                failed=report.failed,
            )
    report.seconds = time.perf_counter() - t0
    return report


def window(client) -> int:
    """Tasks to keep in flight: two per worker thread (one running, one queued)."""
    threads = sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values())
    return 2 * max(threads, 1)


def room(client, in_flight: int) -> int:
    """Points to submit now: the window less what is in flight, never negative (a worker that
    is lost or restarting shrinks the window below what is already in flight)."""
    return max(0, window(client) - in_flight)


def _running(client) -> int:
    """Tasks being processed on the cluster's workers now."""
    try:
        return sum(len(v) for v in client.processing().values())
    except Exception:  # a scheduler that went away mid-call: show nothing rather than fail
        return 0


def _error_text(fut) -> str:
    try:
        exc = fut.exception()
    except Exception as err:  # cancelled futures raise here
        exc = err
    last = traceback.format_exception_only(type(exc), exc)[-1].strip()
    return last[:2000]
