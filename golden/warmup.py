"""Every kernel golden's entry points run, compiled into the on-disk kernel cache (or loaded).

A kernel compiles once per signature, and several entry points reach the same kernels
with types of their own: the training run (:func:`compile_kernels`, all a sweep's workers
need), a mini-batch, the least-squares streams of :mod:`golden.regression`, a device array
pulsed on its own (:mod:`golden.device_response`) and a tile's MVMs
(:class:`golden.tile.AnalogTile`). :func:`compile_all` runs each once on a tiny problem
(``make warm`` calls it), so that no command started afterwards, and no test, pays for
compiling them. A file lock in the cache directory makes processes that call these together
compile once.
"""

from __future__ import annotations

import numpy as np

from golden.device_response import pulse_response, zero_shift_response
from golden.kernel_cache import kernel_cache_lock
from golden.network import Network
from golden.params import LutParams, SoftBoundsParams, TileParams, TrainParams
from golden.regression import least_squares_run
from golden.tile import AnalogTile

__all__ = ["compile_all", "compile_kernels"]


def _params(algorithm: str, batch_size: int = 1, digital_bias: bool = True) -> TrainParams:
    return TrainParams.from_dict(
        {
            "network": {"sizes": [3, 2], "digital_bias": digital_bias},
            "training": {"algorithm": algorithm, "batch_size": batch_size},
        }
    )


def _training() -> None:
    Network(_params("hd"), 3, 2)  # the zero-shift pulses and the reference reads
    net = Network(_params("ttv2"), 3, 2)
    X = np.zeros((2, 3))
    Y = np.zeros(2, dtype=np.int64)
    net.train(X, Y, np.arange(2, dtype=np.int64), 0, 2, 0, 0)
    net.accuracy(X, Y, net.weights(), 0)


def _mini_batch() -> None:
    net = Network(_params("ttv2", batch_size=2), 3, 2)
    X = np.linspace(0.0, 1.0, 12).reshape(4, 3)
    net.train(X, np.zeros(4, dtype=np.int64), np.arange(4, dtype=np.int64), 0, 4, 0, 0)


def _least_squares() -> None:
    least_squares_run(_params("hd", digital_bias=False), 2, record_every=2)


def _device_response() -> None:
    for device in (SoftBoundsParams(), LutParams(n_states=8)):
        pulse_response(device, [2, -2], 3, 0.0, 0)
        zero_shift_response(device, 2, 3, 0.0, 0)


def _tile() -> None:
    tile = AnalogTile(TileParams(), 2, 3)
    tile.forward(np.ones(3))
    tile.forward(np.ones((2, 3)))
    tile.backward(np.ones(2))
    tile.update(np.ones(3), np.ones(2), 0.1)


def compile_kernels() -> None:
    """Compile (or load) the training and evaluation kernels: two samples of a tiny TTv2
    network. Every algorithm, random-bit mode and device model runs the same compiled kernels,
    so processes started afterwards (sweep workers) only load them."""
    with kernel_cache_lock():
        _training()


def compile_all() -> None:
    """Compile (or load) the kernels of every entry point above, under the cache's lock."""
    with kernel_cache_lock():
        for run in (_training, _mini_batch, _least_squares, _device_response, _tile):
            run()
