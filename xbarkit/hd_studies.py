"""The four studies of Stochastic Hamiltonian Descent (ALGORITHMS.md section 8, "What to
show"), as functions of a seed; ``bench/hd_studies.py`` prints them as the README's tables and
``tests/app/test_hd_studies.py`` checks the properties they show.

1. ``regression_distances``: least squares on one analog layer (:mod:`golden.regression`),
   SHD against analog SGD on the same asymmetric SoftBounds devices (and float SGD as the
   floor): the relative distance of the weights to the least-squares solution.
2. ``friction``: SHD's momentum and energy with symmetric ConstantStep A devices (no friction)
   against asymmetric SoftBounds A devices.
3. ``zero_shift_effect``: SHD with and without zero-shifting when A's symmetry points are
   away from 0.
4. ``training_runs``: Fashion-MNIST or digits, ``hd`` against ``ttv1`` and ``sgd`` on the same
   devices (the 20-state reference devices, or those with ``up_down = 0.3``).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from golden.params import TrainParams, load_train_config
from golden.regression import RegressionTrace, least_squares_run
from golden.train import run_training

__all__ = [
    "ASYMMETRIC",
    "SYMMETRIC_CONSTANT",
    "friction",
    "regression_distances",
    "regression_params",
    "training_runs",
    "zero_shift_effect",
]

#: SoftBounds with up/down asymmetry (down steps 30 % smaller): symmetry points near 0.18,
#: spread by the d2d variation of the bounds (30 %); c2c 30 %; about 200 states
ASYMMETRIC = {
    "type": "SoftBounds",
    "dw_min": 0.01,
    "w_max": 1.0,
    "w_min": -1.0,
    "up_down": 0.3,
    "dw_min_dtod": 0.3,
    "w_max_dtod": 0.3,
    "w_min_dtod": 0.3,
    "up_down_dtod": 0.01,
    "dw_min_std": 0.3,
}
#: ConstantStep with equal up and down steps on every device: no symmetry point, no friction
SYMMETRIC_CONSTANT = {
    "type": "ConstantStep",
    "dw_min": 0.01,
    "w_max": 1.0,
    "w_min": -1.0,
    "dw_min_dtod": 0.3,
    "up_down": 0.0,
    "up_down_dtod": 0.0,
    "dw_min_std": 0.3,
}
SIZES = [8, 4]  # inputs, outputs of the regression layer
STEPS = 20_000
LR = 0.05


def regression_params(
    algorithm: str,
    seed: int,
    device: dict = ASYMMETRIC,
    device_a: dict | None = None,
    **algorithm_fields,
) -> TrainParams:
    """The regression study's params: one 8 -> 4 layer, perfect IO (the study isolates the
    update), lr 0.05, ``device`` for every array (``device_a`` overrides A's)."""
    data = {
        "network": {"sizes": SIZES, "digital_bias": False},
        "training": {"algorithm": algorithm, "lr": LR, "seed": seed},
        "io": {"is_perfect": True},
        "device": device,
    }
    if algorithm in ("hd", "ttv1"):
        data["device_a"], data["device_c"] = device_a or device, device
        data["algorithm"] = {"transfer_forward": {"is_perfect": True}, **algorithm_fields}
    return TrainParams.from_dict(data)


def _run(params: TrainParams) -> RegressionTrace:
    return least_squares_run(params, STEPS, noise=0.1, record_every=500)


def regression_distances(seed: int) -> dict[str, float]:
    """Study 1: final relative distance to the least-squares solution per algorithm."""
    return {
        name: _run(regression_params(algorithm, seed)).final_distance
        for name, algorithm in (("float", "float"), ("sgd", "sgd"), ("hd", "hd"))
    }


def friction(seed: int) -> dict[str, dict[str, float]]:
    """Study 2: SHD with symmetric ConstantStep A against asymmetric SoftBounds A (C is the
    asymmetric SoftBounds device in both): final |p|^2, H at the first and the last record
    point (section 8's form and the conserved form), and the final distance."""
    out = {}
    for name, device_a in (("symmetric A", SYMMETRIC_CONSTANT), ("asymmetric A", ASYMMETRIC)):
        trace = _run(regression_params("hd", seed, device_a=device_a))
        first, last = trace.energy[0], trace.energy[-1]
        out[name] = {
            "p2": float(np.mean([e["p2"] for e in trace.energy[len(trace.energy) * 3 // 4 :]])),
            "H_first": first["H"],
            "H_last": last["H"],
            "H_conserved_first": first["H_conserved"],
            "H_conserved_last": last["H_conserved"],
            "distance": trace.final_distance,
        }
    return out


def zero_shift_effect(seed: int) -> dict[str, float]:
    """Study 3: SHD's final distance with and without zero-shifting (symmetry points near
    0.18)."""
    return {
        f"zero_shift {'on' if flag else 'off'}": _run(
            regression_params("hd", seed, zero_shift=flag)
        ).final_distance
        for flag in (True, False)
    }


def training_runs(
    data: str, algorithm: str, seed: int, up_down: float = 0.0, root: Path | None = None
) -> dict:
    """Study 4: one training run of ``configs/fmnist-{algorithm}.toml`` on ``data``
    (``fashion-mnist``: the reference job; ``digits``: 64-32-10, 5 epochs) with the seed and
    ``device.up_down`` given; returns its metrics."""
    root = root or Path(__file__).resolve().parents[1]
    sets = [f"training.seed={seed}", f"device.up_down={up_down}"]
    if data == "digits":
        sets += ['data.name="digits"', "network.sizes=[64,32,10]", "training.epochs=5"]
    params = load_train_config(root / "configs" / f"fmnist-{algorithm}.toml", sets)
    with tempfile.TemporaryDirectory() as out:
        return run_training(params, Path(out))
