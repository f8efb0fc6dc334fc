"""Zero-shifting (Kim et al. 2019): alternating up/down pulses drive every device to its
symmetry point, where an up and a down step cancel on average.

A device whose up and down steps depend on its weight moves, under a long train of
alternating pulses, to the weight where the expected up and down steps are equal (a
SoftBounds device with up/down d2d variation: a different point per device; a ConstantStep
device has none and drifts by its up/down difference). The weights after ``n_pulses`` pulses
are the devices' symmetry points, up to the c2c noise of the last steps; Stochastic
Hamiltonian Descent reads them into its reference ``R``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from golden.devices import DeviceArray
from golden.errors import ConfigError

__all__ = ["zero_shift"]


def zero_shift(
    devices: DeviceArray,
    n_pulses: int,
    after_pulse: Callable[[int], None] | None = None,
) -> None:
    """Apply ``n_pulses`` single pulses to every device of ``devices``, alternating up (first)
    and down, with the device's c2c noise; ``after_pulse(k)`` is called after pulse k."""
    if not isinstance(n_pulses, int | np.integer) or not 0 <= n_pulses <= 1_000_000:
        raise ConfigError("zs_pulses", n_pulses, "an integer in 0 .. 1,000,000")
    up = np.ones(devices.shape, dtype=np.int64)
    down = -up
    for k in range(int(n_pulses)):
        devices.apply_pulses(up if k % 2 == 0 else down)
        if after_pulse is not None:
            after_pulse(k)
