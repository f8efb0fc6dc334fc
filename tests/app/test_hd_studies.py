"""Stochastic Hamiltonian Descent end to end: the studies' properties (one seed; the README
has three), ``xbar train`` with the energy diagnostics, and an interrupted run resumed."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from golden.errors import TrainingInterrupted
from golden.params import load_train_config
from golden.train import TrainingProgress, run_training
from tests.conftest import TRAIN_GROUP
from xbarkit.cli import main
from xbarkit.hd_studies import friction, regression_distances, zero_shift_effect

pytestmark = [pytest.mark.xdist_group(TRAIN_GROUP), pytest.mark.usefixtures("train_kernels")]
ROOT = Path(__file__).resolve().parents[2]


def test_shd_gets_closer_to_the_least_squares_solution_than_analog_sgd():
    d = regression_distances(0)
    assert d["float"] < d["hd"] < 0.75 * d["sgd"], d


def test_asymmetry_is_friction():
    """Symmetric ConstantStep A: no friction, the momentum grows; asymmetric SoftBounds A:
    |p|^2 settles far lower, H falls, and C ends closer to the solution."""
    f = friction(0)
    sym, asym = f["symmetric A"], f["asymmetric A"]
    assert sym["p2"] > 3 * asym["p2"], f
    assert asym["H_last"] < asym["H_first"] and asym["H_conserved_last"] < sym["H_conserved_last"]
    assert asym["distance"] < sym["distance"], f


def test_zero_shift_matters_when_the_symmetry_point_is_not_zero():
    z = zero_shift_effect(0)
    assert z["zero_shift on"] < 0.85 * z["zero_shift off"], z


def test_xbar_train_logs_the_energy(tmp_path):
    out = tmp_path / "hd"
    cfg = str(ROOT / "configs" / "digits-hd.toml")
    assert main(["train", cfg, "--set", "training.epochs=1", "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    prog = metrics["progress"]
    assert len(prog) > 10 and all({"E", "p2", "H", "H_conserved"} <= set(p) for p in prog)
    assert all(p["E"] == p["train_loss"] and p["H"] > p["E"] for p in prog)
    assert (out / "curves.png").stat().st_size > 10_000


class _StopAfter(TrainingProgress):
    def __init__(self, chunks: int):
        self.left = chunks

    def should_stop(self) -> bool:
        self.left -= 1
        return self.left < 0


def test_interrupted_hd_run_resumes_bit_identical(tmp_path):
    params = load_train_config(
        ROOT / "configs" / "digits-hd.toml",
        ["training.epochs=1", "training.checkpoint_every=200", "algorithm.zs_pulses=100"],
    )
    whole = run_training(params, tmp_path / "whole")
    with pytest.raises(TrainingInterrupted):
        run_training(params, tmp_path / "cut", progress=_StopAfter(3))
    resumed = run_training(params, tmp_path / "cut", resume=True)
    assert resumed["test_accuracy"] == whole["test_accuracy"]
    assert resumed["progress"] == whole["progress"]
    a, b = (np.load(tmp_path / name / "weights.npz") for name in ("whole", "cut"))
    for key in a.files:
        np.testing.assert_array_equal(a[key], b[key])
