"""xbar sweep: sweep files, the SQLite store, Dask execution (local cluster, scheduler address,
kill and resume, failing points) and the Lee 2022 calibration."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from golden.errors import ConfigError
from golden.params.sweep import Axis, load_sweep
from tests.conftest import TRAIN_GROUP
from xbarkit.cli import main
from xbarkit.sweep.calibration import calibrate, smoothed_optimum
from xbarkit.sweep.runner import room, run_point, run_sweep
from xbarkit.sweep.store import RESULTS

pytestmark = [pytest.mark.xdist_group(TRAIN_GROUP), pytest.mark.usefixtures("train_kernels")]

ROOT = Path(__file__).resolve().parents[2]
XBAR = Path(sys.executable).with_name("xbar")
DASK = Path(sys.executable).with_name("dask")


def _sweep_file(tmp_path: Path, body: str, name: str = "s.toml") -> Path:
    """A sweep on digits that starts from the shipped TTv1 config."""
    path = tmp_path / name
    path.write_text(
        f'[sweep]\nbase = "{ROOT / "configs" / "fmnist-ttv1.toml"}"\n'
        + body
        + '\n[set]\n"data.name" = "digits"\n"network.sizes" = [64, 16, 10]\n'
        '"device.type" = "LinearStep"\n"device.dw_min" = 0.01\n'
    )
    return path


GRID = """seeds = [0, 1]
baseline = "float"
[[axis]]
name = "asym_a"
keys = ["device_a.gamma_up", "device_a.gamma_down"]
values = [0.0, 2.0]
[[axis]]
key = "algorithm.fast_lr"
values = [0.1, 1.0]
"""


def _rows(out: Path) -> list[dict]:
    db = sqlite3.connect(out / RESULTS)
    db.row_factory = sqlite3.Row
    rows = [dict(r) for r in db.execute("SELECT * FROM points")]
    db.close()
    return rows


# ---- sweep files ------------------------------------------------------------------------------
def test_grid_points_and_linked_keys(tmp_path):
    sweep = load_sweep(_sweep_file(tmp_path, GRID))
    points = sweep.all_points()
    assert len(points) == 2 * 2 * 2 + 2  # grid x seeds + one float baseline per seed
    assert sweep.columns == ("asym_a", "algorithm.fast_lr")
    p = next(p for p in points if p.values == {"asym_a": 2.0, "algorithm.fast_lr": 1.0})
    assert p.params.device_a.gamma_up == p.params.device_a.gamma_down == 2.0
    assert p.params.device_c.gamma_up == 0.0  # only A's asymmetry moved
    assert p.params.device_a.dw_min == 0.01  # [device] fields carry into [device_a]
    assert p.params.algorithm.fast_lr == 1.0
    base = [p for p in points if p.baseline]
    assert [p.params.training.algorithm for p in base] == ["float", "float"]
    assert len({p.digest for p in points}) == len(points)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("seeds = [-1]", "sweep.seeds"),
        ('[[axis]]\nkey = "algorithm.fast_lr"\nvalues = []', "axis[0].values"),
        ('[[axis]]\nkeys = ["a.b", "c.d"]\nvalues = [1]', "axis[0].name"),
        ('[[axis]]\nkey = "device.dw_min"\nvalues = [0.01, -1.0]', "point 1 (device.dw_min=-1.0)"),
        (
            '[[axis]]\nkey = "x.y"\nvalues = [1]\n[calibration]\nasymmetry = ["x.y", "z"]',
            "calibration.asymmetry",
        ),
        ('[[axis]]\nkey = "x.y"\nvalues = [1]\n[[point]]\n"x.y" = 1', "point"),
    ],
)
def test_bad_sweep_files_name_the_field(tmp_path, body, field):
    with pytest.raises(ConfigError) as err:
        load_sweep(_sweep_file(tmp_path, body))
    assert err.value.field.startswith(field), str(err.value)


def test_missing_files_are_clear_errors(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_sweep(tmp_path / "nope.toml")
    path = tmp_path / "s.toml"
    path.write_text('[sweep]\nbase = "missing.toml"\n')
    with pytest.raises(ConfigError, match=r"sweep.base"):
        load_sweep(path)


def test_bad_point_is_reported_before_any_run(tmp_path):
    # digits has 64 inputs: the data check fails before the cluster starts or a row is written
    path = _sweep_file(tmp_path, '[[axis]]\nkey = "network.sizes"\nvalues = [[64, 10], [60, 10]]')
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--no-progress"]) == 2
    assert not (out / RESULTS).exists() or _rows(out) == []


# ---- running on Dask --------------------------------------------------------------------------
def test_local_cluster_sweep_and_calibration(tmp_path):
    asym_c = '[[axis]]\nname = "asym_c"\nkeys = ["device_c.gamma_up", "device_c.gamma_down"]\n'
    calibration = '[calibration]\nasymmetry = ["asym_a", "asym_c"]\nhyper = ["algorithm.fast_lr"]\n'
    path = _sweep_file(tmp_path, GRID + asym_c + "values = [0.0, 2.0]\n" + calibration)
    out = tmp_path / "out"
    args = ["sweep", str(path), "--out", str(out), "--workers", "2", "--no-progress"]
    assert main(args) == 0
    rows = _rows(out)
    assert len(rows) == 2 * 2 * 2 * 2 + 2 and {r["status"] for r in rows} == {"done"}
    assert all(0 <= r["test_accuracy"] <= 1 and r["wall_seconds"] > 0 for r in rows)
    assert len({r["worker"] for r in rows}) == 2  # both worker processes ran points
    cal = json.loads((out / "calibration.json").read_text())
    (group,) = cal["groups"]
    assert np.array(group["calibrated_accuracy"]).shape == (2, 2)
    assert cal["baseline_accuracy"] == pytest.approx(
        np.mean([r["test_accuracy"] for r in rows if r["baseline"]])
    )
    assert (out / "accuracy.png").stat().st_size > 0 and (out / "optimum.png").stat().st_size > 0
    # a second run finds every point stored: nothing runs, nothing changes
    before = {r["digest"]: r["finished"] for r in rows}
    assert main(args) == 0
    assert {r["digest"]: r["finished"] for r in _rows(out)} == before


def test_failing_point_is_recorded_and_the_sweep_goes_on(tmp_path, capsys):
    sweep = load_sweep(_sweep_file(tmp_path, GRID))

    def flaky(params, out, threads):
        if params.training.seed == 1 and params.training.algorithm != "float":
            raise FloatingPointError("injected failure")
        return run_point(params, out, threads)

    out = tmp_path / "out"
    report = run_sweep(sweep, out, workers=1, progress=False, processes=False, task=flaky)
    assert (report.done, report.failed) == (6, 4)
    rows = _rows(out)
    failed = [r for r in rows if r["status"] == "failed"]
    assert len(failed) == 4 and all("injected failure" in r["error"] for r in failed)
    # failed points stay failed on a plain restart, and run again with retry_failed
    again = run_sweep(sweep, out, workers=1, progress=False, processes=False)
    assert (again.skipped, again.done) == (10, 0)
    # the command says so: a distinct exit code, and how many failed
    assert main(["sweep", str(sweep.path), "--out", str(out), "--no-progress"]) == 3
    assert "4 point(s) failed" in capsys.readouterr().err
    again = run_sweep(sweep, out, workers=1, progress=False, processes=False, retry_failed=True)
    assert (again.done, again.failed) == (4, 0)
    assert {r["status"] for r in _rows(out)} == {"done"}


class _ShrunkCluster:
    """A client whose cluster lost a worker: one thread left."""

    def scheduler_info(self):
        return {"workers": {"tcp://127.0.0.1:1": {"nthreads": 1}}}


def test_a_lost_worker_pauses_submission_instead_of_failing():
    # in flight beyond the shrunken window (2 per thread): submit nothing, do not raise
    assert room(_ShrunkCluster(), 4) == 0
    assert room(_ShrunkCluster(), 1) == 1


@pytest.mark.slow
def test_killed_sweep_resumes_without_losing_or_repeating_points(tmp_path):
    body = GRID.replace("seeds = [0, 1]", "seeds = [0, 1, 2, 3]") + "[set.training]\nepochs = 3\n"
    path = _sweep_file(tmp_path, body)
    total = len(load_sweep(path).all_points())
    out = tmp_path / "out"
    cmd = [str(XBAR), "sweep", str(path), "--out", str(out), "--workers", "2", "--no-progress"]
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL)
    stored, deadline = 0, time.monotonic() + 240
    while stored < 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
        if (out / RESULTS).exists():
            try:
                stored = len(_rows(out))
            except sqlite3.OperationalError:  # table not created yet
                stored = 0
    os.killpg(proc.pid, signal.SIGKILL)  # the driver and its worker processes, mid-sweep
    proc.wait()
    early = {r["digest"]: r["finished"] for r in _rows(out)}
    assert 3 <= len(early) < total, "the kill did not land mid-sweep"
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, timeout=300)
    rows = _rows(out)
    assert len(rows) == total == len({r["digest"] for r in rows})
    assert all(r["status"] == "done" for r in rows)
    # points finished before the kill were not run again
    assert {d: f for d, f in ((r["digest"], r["finished"]) for r in rows) if d in early} == early


@pytest.mark.slow
def test_sweep_on_a_scheduler_address(tmp_path):
    sched_file = tmp_path / "scheduler.json"
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    scheduler = subprocess.Popen(
        [
            str(DASK),
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--no-dashboard",
            "--scheduler-file",
            str(sched_file),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    worker = None
    try:
        deadline = time.monotonic() + 60
        while not sched_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        address = json.loads(sched_file.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        worker = subprocess.Popen(
            [str(DASK), "worker", address, "--nthreads", "1", "--nworkers", "1", "--no-dashboard"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        out = tmp_path / "out"
        path = _sweep_file(tmp_path, GRID)
        args = ["sweep", str(path), "--out", str(out), "--scheduler", address, "--no-progress"]
        assert main(args) == 0
        rows = _rows(out)
        assert len(rows) == 10 and {r["status"] for r in rows} == {"done"}
        pids = {int(r["worker"].rsplit(":", 1)[1]) for r in rows}
        assert os.getpid() not in pids  # the points ran on the external worker
    finally:
        for proc in (worker, scheduler):
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=30)


def test_bad_cli_arguments(tmp_path, capsys):
    path = _sweep_file(tmp_path, GRID)
    assert main(["sweep", str(path), "--out", str(tmp_path / "o"), "--workers", "0"]) == 2
    assert "--workers" in capsys.readouterr().err
    assert main(["sweep", str(path), "--out", str(tmp_path / "o"), "--scheduler", "nohost"]) == 2
    assert "--scheduler" in capsys.readouterr().err


# ---- calibration ------------------------------------------------------------------------------
def test_smoothed_optimum_finds_the_peak_between_grid_points():
    lr = Axis("lr", ("algorithm.fast_lr",), (0.01, 0.1, 1.0, 10.0, 100.0))
    te = Axis("te", ("algorithm.transfer_every",), (1, 2, 3, 4, 5))
    # a smooth bump centred at lr = 10**0.5 (log scale) and te = 2.5, plus grid noise
    x, y = np.meshgrid(np.log10(lr.values), te.values, indexing="ij")
    acc = 0.9 - 0.05 * (x - 0.5) ** 2 - 0.02 * (y - 2.5) ** 2
    rng = np.random.default_rng(0)
    noisy = acc + rng.normal(0, 0.002, acc.shape)
    best, (lr_opt, te_opt), surface = smoothed_optimum(noisy, [lr, te], upsample=8, sigma=0.5)
    assert abs(np.log10(lr_opt) - 0.5) <= 0.25 and abs(te_opt - 2.5) <= 0.5
    assert surface.shape == (33, 33)
    assert 0.85 < best < 0.91
    # a missing grid point counts as the worst one and never becomes the optimum
    holes = acc.copy()
    holes[3, 2] = np.nan
    _, opt, _ = smoothed_optimum(holes, [lr, te], upsample=4, sigma=0.0)
    assert (opt[0], opt[1]) != (10.0, 3)


def test_calibration_spec_region_from_rows(tmp_path):
    body = GRID.replace("seeds = [0, 1]", "seeds = [0]") + (
        '[[axis]]\nname = "asym_c"\nkeys = ["device_c.gamma_up"]\nvalues = [0.0, 2.0]\n'
        '[calibration]\nasymmetry = ["asym_a", "asym_c"]\nhyper = ["algorithm.fast_lr"]\n'
        "margin = 0.05\nsigma = 0.0\n"
    )
    sweep = load_sweep(_sweep_file(tmp_path, body))
    rows = []
    for p in sweep.all_points():
        a, c = p.values.get("asym_a", 0), p.values.get("asym_c", 0)
        lr = p.values.get("algorithm.fast_lr", 0)
        acc = 0.9 if p.baseline else 0.9 - 0.02 * a - 0.1 * c - (0.01 if lr == 0.1 else 0.0)
        rows.append(
            {"baseline": p.baseline, "status": "done", "values": p.values, "test_accuracy": acc}
        )
    cal = calibrate(sweep, rows)
    (g,) = cal["groups"]
    assert cal["baseline_accuracy"] == pytest.approx(0.9)
    assert g["in_spec"] == [[True, False], [True, False]]  # C's asymmetry leaves the spec
    assert g["spec"]["max_c_for_a"] == {"0.0": 0.0, "2.0": 0.0}
    assert g["optimum"]["algorithm.fast_lr"][0][0] == pytest.approx(1.0)
    assert g["calibrated_accuracy"][0][0] == pytest.approx(0.9, abs=1e-9)
