"""TTv2 training on digits with the whole tile in the loop: an MLP 64-H-classes whose
H -> classes layer is the tile (``rows >= classes`` outputs, the rows beyond the classes unused;
``cols = H``).

Layer 1 (64 -> H, sigmoid) is digital float SGD on the host. Layer 2 is the tile: its forward
pass ``y = W h`` and its backward pass ``z = W^T d`` are MVMs on array C (DAC codes in, ADC
codes out, noise and bound management on the host: :func:`golden.mvm_exact.host_mvm`); its
update ``dW = -lr h d`` goes to the tile as codes ``round(v 2**(bits - 1))``, and the tile's
periphery pulses A and, every ``transfer_every`` updates, transfers a column of A into C.
After training, every test sample's forward pass runs on the tile too.

:class:`TileTrainer` is a generator of host transactions (:class:`Mvm`, :class:`Update`),
so the same host drives the RTL (``sim/tb_tile_train.py``, Python woken once per transaction)
and :func:`run_tile_reference`, golden's hardware-exact run with ``golden.hw.tile.TileModel``.
With the same seed both see the same answers, take every transaction in the same clock and end
with the same float layer, A, C and H, bit for bit.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import NamedTuple

import numpy as np

from golden.data import load_dataset
from golden.errors import ConfigError
from golden.hw.tile import TileModel, TileParts
from golden.mvm_exact import host_mvm
from golden.params import TileConfig
from golden.params.cosim import CosimParams, TrainLoopParams
from sim.tile_bench import ModelClock
from sim.ttv2_host import register_values
from sim.ttv2_train import quantize

__all__ = ["Mvm", "TileTrainer", "Update", "check_tile_layer", "run_tile_reference"]


class Mvm(NamedTuple):
    """An MVM request on C: ``transposed`` and ``max(rows, cols)`` DAC codes."""

    transposed: bool
    codes: list[int]


class Update(NamedTuple):
    """An update of the tile: x (cols codes) and d (rows codes)."""

    x: list[int]
    d: list[int]


def check_tile_layer(cfg: TileConfig, t: TrainLoopParams):
    """The digits data set, after checking that the tile can be the hidden -> classes layer."""
    data = load_dataset("digits", 0, t.n_test)
    p = cfg.rtl
    if p.rows < data.n_classes or p.cols != t.hidden:
        raise ConfigError(
            "rtl.rows/rtl.cols",
            [p.rows, p.cols],
            f"the tile is the hidden -> classes layer: rows >= {data.n_classes}, "
            f"cols = train.hidden = {t.hidden}",
        )
    return data


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


class TileTrainer:
    """The host of a training run: configuration writes, then per sample the forward MVM,
    the backward MVM, the float update of layer 1 and the tile's update; then the test set's
    forward MVMs. Iterate :meth:`run` (send each MVM's ADC codes back)."""

    def __init__(
        self, cfg: TileConfig, parts: TileParts, c: CosimParams, t: TrainLoopParams, seed: int
    ):
        self.data = check_tile_layer(cfg, t)
        self.cfg, self.mt, self.t = cfg, parts.mt, t
        p = cfg.rtl
        self.n = max(p.rows, p.cols)
        self.registers = register_values(p, c, cfg.device.dw_min, cfg.io.out_step)
        rng = np.random.default_rng([seed, 0x7EA1])
        n_in = self.data.n_features
        self.W1 = rng.uniform(-1.0, 1.0, (t.hidden, n_in)) / math.sqrt(n_in)
        self.order = rng.permutation(len(self.data.x_train))
        self.samples, self.loss, self.correct, self.hits = 0, 0.0, 0, 0
        self.mvms = 0

    def _mvm(self, v: np.ndarray, transposed: bool) -> Generator[Mvm, list[int], np.ndarray]:
        p = self.cfg.rtl
        n_out = p.cols if transposed else p.rows
        host = host_mvm(v, n_out, self.cfg.io, self.mt)
        try:
            codes = next(host)
            while True:
                self.mvms += 1
                out = yield Mvm(transposed, codes + [0] * (self.n - len(codes)))
                codes = host.send(out[:n_out])
        except StopIteration as stop:
            return stop.value

    def _forward(self, x: np.ndarray):
        h = _sigmoid(self.W1 @ x)
        y = yield from self._mvm(h, False)
        return h, y[: self.data.n_classes]

    def run(self, samples: int) -> Generator[Mvm | Update, list[int] | None, None]:
        """Train on ``samples`` samples, then test."""
        data, p = self.data, self.cfg.rtl
        for _ in range(samples):
            i = self.order[self.samples % len(self.order)]
            x, label = data.x_train[i], int(data.y_train[i])
            h, y = yield from self._forward(x)
            z = np.exp(y - y.max())
            prob = z / z.sum()
            self.loss -= math.log(max(prob[label], 1e-12))
            self.correct += int(np.argmax(y) == label)
            d = np.zeros(p.rows)
            d[: data.n_classes] = prob
            d[label] -= 1.0
            back = yield from self._mvm(d, True)
            delta1 = back * h * (1.0 - h)
            self.W1 -= self.t.float_lr * np.outer(delta1, x)
            self.samples += 1
            yield Update(quantize(h, p.x_bits), quantize(d, p.d_bits))
        for x, label in zip(data.x_test, data.y_test, strict=True):
            _, y = yield from self._forward(x)
            self.hits += int(np.argmax(y) == label)

    def result(self) -> dict:
        n = max(self.samples, 1)
        return {
            "samples": self.samples,
            "mvms": self.mvms,
            "train_accuracy": self.correct / n,
            "train_loss": self.loss / n,
            "test_accuracy": self.hits / len(self.data.x_test),
        }


def run_tile_reference(
    cfg: TileConfig,
    parts: TileParts,
    c: CosimParams,
    t: TrainLoopParams,
    samples: int,
    seed: int,
    limit: int,
) -> dict:
    """Golden's hardware-exact run of :class:`TileTrainer` on ``TileModel``: each transaction
    offered from the clock after the previous one ended (an update when taken, an MVM when its
    codes came back). Returns the learned state (W1, A, C, H), the clock of every
    transaction's end, cycles and accuracies."""
    model = TileModel(cfg.rtl, parts)
    trainer = TileTrainer(cfg, parts, c, t, seed)
    clock = ModelClock(model, limit)
    clock.write_registers(trainer.registers)
    ends: list[int] = []
    run = trainer.run(samples)
    answer = None
    try:
        while True:
            request = run.send(answer)
            answer = None
            if isinstance(request, Update):
                while not model.outputs()["ready"]:
                    clock.tick(1, request.x, request.d)
                clock.tick(1, request.x, request.d)
            else:
                while not model.outputs()["mvm_ready"]:
                    clock.tick()
                clock.tick(mvm=(1, request.transposed, request.codes))
                while not model.outputs()["mvm_valid"]:
                    clock.tick()
                answer = model.outputs()["mvm_codes"]
                clock.tick()
            ends.append(clock.cycle)
    except StopIteration:
        pass
    clock.settle()
    return {
        "W1": trainer.W1.copy(),
        "A": np.array(model.arrays["a"].states),
        "C": np.array(model.arrays["c"].states),
        "H": np.array(model.periphery.ctrl.filter.h),
        "ends": ends,
        "cycles": clock.cycle,
        **trainer.result(),
    }
