"""Pulse-response curves of a device type: the data behind ``xbar device``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from golden.devices import DeviceArray
from golden.errors import ConfigError
from golden.params import DeviceParams

__all__ = ["PulseResponse", "pulse_response"]


@dataclass
class PulseResponse:
    """Mean and std of the visible weight over devices after every pulse."""

    mean: np.ndarray
    std: np.ndarray
    directions: np.ndarray  # +1 / -1 per pulse

    def to_dict(self, config: dict) -> dict:
        return {"mean": self.mean.tolist(), "std": self.std.tolist(), "config": config}


def pulse_response(
    params: DeviceParams, segments: list[int], n_devices: int, w_init: float, seed: int
) -> PulseResponse:
    """Apply single pulses to ``n_devices`` independent devices, all starting at ``w_init``
    (clipped to each device's bounds), and record mean/std after every pulse."""
    if not isinstance(n_devices, int) or not 1 <= n_devices <= 10_000_000:
        raise ConfigError("--devices", n_devices, "an integer in 1 .. 10,000,000")
    if not np.isfinite(w_init):
        raise ConfigError("--w-init", w_init, "a finite number")
    devices = DeviceArray(params, (1, n_devices), seed=seed)
    devices.set_weights(np.full((1, n_devices), float(w_init)))
    directions = np.concatenate([np.full(abs(n), 1 if n > 0 else -1) for n in segments])
    mean = np.empty(directions.size)
    std = np.empty(directions.size)
    up = np.ones((1, n_devices), dtype=np.int64)
    for k, direction in enumerate(directions):
        devices.apply_pulses(up if direction > 0 else -up)
        mean[k] = devices.visible.mean()
        std[k] = devices.visible.std()
    return PulseResponse(mean, std, directions)
