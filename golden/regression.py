"""A convex toy problem for the update rules: streaming least-squares regression on one analog
layer (Stochastic Hamiltonian Descent's studies, ALGORITHMS.md section 8).

Samples ``x ~ U(-1, 1)^n`` with the bias input 1 appended, targets ``y = W* x + sigma eps``,
loss ``E = |W x - y|^2 / 2``, so ``d = W x - y`` and the least-squares solution is ``W*``
(whose bias column is 0). The forward pass is exact (``W`` = the visible weights the
algorithm computes with): the study isolates the update. Each sample's ``x`` and ``d`` go to
the per-sample update kernel training uses (:func:`golden.kernels.loop.update_layer`: analog
SGD, the transfer family, SHD, ...), inside
:func:`golden.kernels.loop.least_squares_steps`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from golden.errors import ConfigError
from golden.hamiltonian import energy
from golden.kernels.loop import least_squares_steps
from golden.network import Network
from golden.params import TrainParams

__all__ = ["RegressionTrace", "least_squares_run"]


@dataclass
class RegressionTrace:
    """Per record point: samples seen, relative distance ``|W - W*| / |W*|`` of the weights
    the network computes with, the mean loss since the last point, and (SHD) its energy
    terms."""

    samples: list[int]
    distance: list[float]
    loss: list[float]
    energy: list[dict]
    w_target: np.ndarray
    weights: np.ndarray

    @property
    def final_distance(self) -> float:
        """Mean distance over the last quarter of the record points (less noisy than one)."""
        tail = self.distance[len(self.distance) * 3 // 4 :]
        return float(np.mean(tail))


def least_squares_run(
    params: TrainParams, steps: int, noise: float = 0.1, record_every: int = 100
) -> RegressionTrace:
    """Stream ``steps`` samples of the regression problem of ``params.network.sizes = [n,
    m]`` into the algorithm of ``params`` (lr, devices, seed from ``params``); ``W*`` is drawn
    from the seed, ``U(-0.5, 0.5)``, bias column 0."""
    sizes = params.network.sizes
    if len(sizes) != 2:
        raise ConfigError("network.sizes", sizes, "exactly two sizes [inputs, outputs]")
    if params.network.digital_bias:
        raise ConfigError("network.digital_bias", True, "false (the bias is an array column)")
    if not isinstance(steps, int) or steps < 1:
        raise ConfigError("steps", steps, "an integer >= 1")
    n, m = sizes
    seed = params.training.seed
    net = Network(params, n, m)
    rng = np.random.default_rng([seed, 0x1EA5])
    w_target = np.zeros((m, n + 1))
    w_target[:, :n] = rng.uniform(-0.5, 0.5, (m, n))
    scale = np.linalg.norm(w_target)
    lay, cfg, st, sc = net.lay, net.cfg, net.state, net.scratch
    trace = RegressionTrace([], [], [], [], w_target, np.zeros(0))
    hd = params.training.algorithm == "hd"
    done = 0
    while done < steps:
        nb = min(record_every, steps - done)
        X = np.ones((nb, n + 1))
        X[:, :n] = rng.uniform(-1.0, 1.0, (nb, n))
        T = X @ w_target.T + noise * rng.standard_normal((nb, m))
        mean_loss = least_squares_steps(X, T, lay, cfg, st, sc.buf, sc.work) / nb
        done += nb
        trace.samples.append(done)
        trace.distance.append(float(np.linalg.norm(net.layer_weights()[0] - w_target) / scale))
        trace.loss.append(mean_loss)
        trace.energy.append(energy(net, mean_loss) if hd else {})
    trace.weights = net.layer_weights()[0].copy()
    return trace
