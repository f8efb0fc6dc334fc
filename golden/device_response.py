"""Pulse-response curves of a device type, and its zero-shifting: the data behind
``xbar device``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from golden.devices import DeviceArray
from golden.errors import ConfigError
from golden.params import DeviceParams
from golden.zero_shift import zero_shift

__all__ = ["PulseResponse", "ZeroShiftResponse", "pulse_response", "zero_shift_response"]


@dataclass
class PulseResponse:
    """Mean and std of the visible weight over devices after every pulse."""

    mean: np.ndarray
    std: np.ndarray
    directions: np.ndarray  # +1 / -1 per pulse

    def to_dict(self, config: dict) -> dict:
        return {"mean": self.mean.tolist(), "std": self.std.tolist(), "config": config}


@dataclass
class ZeroShiftResponse:
    """Zero-shifting ``n`` devices: mean and std of the weight after every pulse, the first
    ``traces`` devices' weights after every pulse, and every device's symmetry point as
    zero-shifting finds it (the mean of its weight after the last up and the last down
    pulse, the middle of its final swing)."""

    mean: np.ndarray
    std: np.ndarray
    traces: np.ndarray  # (pulses, devices shown)
    symmetry_points: np.ndarray

    def to_dict(self, config: dict) -> dict:
        sp = self.symmetry_points
        return {
            "mean": self.mean.tolist(),
            "std": self.std.tolist(),
            "symmetry_points": {
                "mean": float(sp.mean()),
                "std": float(sp.std()),
                "quantiles": {
                    str(q): float(np.quantile(sp, q)) for q in (0.01, 0.1, 0.5, 0.9, 0.99)
                },
            },
            "config": config,
        }


def _devices(params: DeviceParams, n_devices: int, w_init: float, seed: int) -> DeviceArray:
    """``n_devices`` independent devices, all at ``w_init`` (clipped to their bounds)."""
    if not isinstance(n_devices, int) or not 1 <= n_devices <= 10_000_000:
        raise ConfigError("--devices", n_devices, "an integer in 1 .. 10,000,000")
    if not np.isfinite(w_init):
        raise ConfigError("--w-init", w_init, "a finite number")
    devices = DeviceArray(params, (1, n_devices), seed=seed)
    devices.set_weights(np.full((1, n_devices), float(w_init)))
    return devices


def zero_shift_response(
    params: DeviceParams, n_pulses: int, n_devices: int, w_init: float, seed: int, traces: int = 20
) -> ZeroShiftResponse:
    """Zero-shift ``n_devices`` devices from ``w_init`` with ``n_pulses`` alternating pulses
    (:func:`golden.zero_shift.zero_shift`, up first) and record them after every pulse."""
    if not isinstance(n_pulses, int) or not 2 <= n_pulses <= 1_000_000:
        raise ConfigError("--zero-shift", n_pulses, "an integer in 2 .. 1,000,000")
    devices = _devices(params, n_devices, w_init, seed)
    mean, std = np.empty(n_pulses), np.empty(n_pulses)
    shown = np.empty((n_pulses, min(traces, n_devices)))
    last = [None, None]

    def record(k: int) -> None:
        w = devices.visible[0]
        mean[k], std[k] = w.mean(), w.std()
        shown[k] = w[: shown.shape[1]]
        last[k % 2] = w.copy()

    zero_shift(devices, n_pulses, record)
    return ZeroShiftResponse(mean, std, shown, (last[0] + last[1]) / 2)


def pulse_response(
    params: DeviceParams, segments: list[int], n_devices: int, w_init: float, seed: int
) -> PulseResponse:
    """Apply single pulses to ``n_devices`` independent devices, all starting at ``w_init``
    (clipped to each device's bounds), and record mean/std after every pulse."""
    devices = _devices(params, n_devices, w_init, seed)
    directions = np.concatenate([np.full(abs(n), 1 if n > 0 else -1) for n in segments])
    mean = np.empty(directions.size)
    std = np.empty(directions.size)
    up = np.ones((1, n_devices), dtype=np.int64)
    for k, direction in enumerate(directions):
        devices.apply_pulses(up if direction > 0 else -up)
        mean[k] = devices.visible.mean()
        std[k] = devices.visible.std()
    return PulseResponse(mean, std, directions)
