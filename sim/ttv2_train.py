"""TTv2 training with the periphery in the loop: sklearn's digits on an MLP 64-H-10.

Layer 1 (64 -> H, sigmoid) is digital float SGD. Layer 2 (H -> 10) is the crossbar: its
forward pass is an analog MVM of array C (golden's tile IO model), and its gradient
``dW = -lr x d`` with ``x`` the hidden activations and ``d = softmax(y) - onehot`` goes to the
periphery as codes ``round(v 2**(bits - 1))`` (x and d codes stand for ``code / 2**(bits-1)``);
the periphery turns them into pulses on A and, every TRANSFER_EVERY updates, transfers a
column of A into C through its TTv2 filter. The backward pass to layer 1 uses C's weights.

The same :class:`DigitsTrainer` drives the RTL (``sim/tb_train.py``, in lockstep with the
model) and :func:`run_reference`, golden's hardware-exact run without any simulator; with the
same seed both end with the same arrays A, C, buffer H and float layer, bit for bit.
"""

from __future__ import annotations

import math

import numpy as np

from golden.data import load_dataset
from golden.errors import ConfigError
from golden.hw.periphery import PeripheryModel
from golden.params import DeviceParams, IOParams
from golden.params.cosim import CosimParams, TrainLoopParams
from golden.params.periphery import PeripheryParams
from sim.crossbar import BehavioralCrossbar
from sim.ttv2_host import Ttv2Host, register_values

__all__ = [
    "DigitsTrainer",
    "check_layer",
    "cycle_limit",
    "make_host",
    "run_reference",
]


def check_layer(p: PeripheryParams, t: TrainLoopParams):
    """The digits data set, after checking that the crossbar is the hidden -> classes layer."""
    data = load_dataset("digits", 0, t.n_test)
    if p.rows != data.n_classes or p.cols != t.hidden:
        raise ConfigError(
            "rtl.rows/rtl.cols",
            [p.rows, p.cols],
            f"the crossbar layer is hidden -> classes: rows = {data.n_classes}, "
            f"cols = train.hidden = {t.hidden}",
        )
    return data


def quantize(v: np.ndarray, bits: int) -> list[int]:
    """Signed codes ``round_half_up(v 2**(bits-1))``, saturated to ``bits``."""
    top = 1 << (bits - 1)
    return [min(max(math.floor(float(a) * top + 0.5), -top), top - 1) for a in v]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


class DigitsTrainer:
    """One training sample per call: forward, backward, float update of layer 1; returns the
    (x, d) codes of layer 2's update for the periphery."""

    def __init__(
        self, p: PeripheryParams, crossbar: BehavioralCrossbar, t: TrainLoopParams, seed: int
    ):
        self.data = check_layer(p, t)
        self.p, self.crossbar, self.t = p, crossbar, t
        rng = np.random.default_rng([seed, 0x7EA1])
        n_in = self.data.n_features
        self.W1 = rng.uniform(-1.0, 1.0, (t.hidden, n_in)) / math.sqrt(n_in)
        self.order = rng.permutation(len(self.data.x_train))
        self.samples, self.loss, self.correct = 0, 0.0, 0

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        h = _sigmoid(self.W1 @ x)
        return h, self.crossbar.forward("c", h)

    def __call__(self) -> tuple[list[int], list[int]]:
        data = self.data
        i = self.order[self.samples % len(self.order)]
        x, label = data.x_train[i], int(data.y_train[i])
        h, y = self.forward(x)
        z = np.exp(y - y.max())
        prob = z / z.sum()
        self.loss -= math.log(max(prob[label], 1e-12))
        self.correct += int(np.argmax(y) == label)
        d = prob.copy()
        d[label] -= 1.0
        delta1 = (self.crossbar.weights("c").T @ d) * h * (1.0 - h)
        self.W1 -= self.t.float_lr * np.outer(delta1, x)
        self.samples += 1
        return quantize(h, self.p.x_bits), quantize(d, self.p.d_bits)

    def test_accuracy(self) -> float:
        """Accuracy on the test set (forward passes draw noise, after all training)."""
        hits = sum(
            int(np.argmax(self.forward(x)[1]) == y)
            for x, y in zip(self.data.x_test, self.data.y_test, strict=True)
        )
        return hits / len(self.data.x_test)

    def state(self) -> dict[str, np.ndarray]:
        """Everything the run learned: the float layer and the device states of A and C."""
        arrays = self.crossbar.arrays
        return {
            "W1": self.W1.copy(),
            "A": arrays["a"].hidden.copy(),
            "C": arrays["c"].hidden.copy(),
        }


def make_host(
    p: PeripheryParams,
    device: DeviceParams,
    io: IOParams,
    c: CosimParams,
    t: TrainLoopParams,
    samples: int,
    seed: int,
) -> tuple[Ttv2Host, DigitsTrainer]:
    """A host whose updates come from a fresh trainer on a fresh crossbar."""
    crossbar = BehavioralCrossbar(p, device, io, seed)
    trainer = DigitsTrainer(p, crossbar, t, seed)
    regs = register_values(p, c, device.dw_min, crossbar.out_step)
    host = Ttv2Host(p, crossbar, regs, samples, seed, c.idle_p, source=trainer, settle=True)
    return host, trainer


def cycle_limit(p: PeripheryParams, steps: int) -> int:
    """A bound on the cycles of ``steps`` updates with their transfers (a hang guard)."""
    return 200 + steps * (4 * p.bl + 20 * p.rows + 20)


def run_reference(
    p: PeripheryParams,
    device: DeviceParams,
    io: IOParams,
    c: CosimParams,
    t: TrainLoopParams,
    samples: int,
    seed: int,
) -> dict:
    """Golden's hardware-exact run: the same training with ``PeripheryModel`` in place of the
    RTL. Returns the learned state (:meth:`DigitsTrainer.state`), H, cycles and accuracies."""
    host, trainer = make_host(p, device, io, c, t, samples, seed)
    model = PeripheryModel(p)
    cycles, limit = 0, cycle_limit(p, samples)
    while not host.finished and cycles < limit:
        model.tick(*host.next(model.outputs()).model_args())
        cycles += 1
    return {
        **trainer.state(),
        "H": np.array(model.ctrl.filter.h),
        "cycles": cycles,
        "samples": host.accepted,
        "train_accuracy": trainer.correct / max(trainer.samples, 1),
        "test_accuracy": trainer.test_accuracy(),
    }
