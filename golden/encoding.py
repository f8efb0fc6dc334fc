"""Enums shared by golden, the RTL and the testbenches.

Plain :class:`enum.IntEnum` classes: they serialise to TOML/JSON by name and are valid Amaranth
shapes, so the RTL uses these very classes and never retypes a value.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = [
    "BoundManagement",
    "DeviceModel",
    "NoiseManagement",
    "Overflow",
    "PulseType",
    "Rounding",
    "RngMode",
]


class PulseType(IntEnum):
    """How an update becomes device pulses (aihwkit ``PulseType``)."""

    NONE = 0  #: exact floating-point update, no device
    STOCHASTIC_COMPRESSED = 1  #: stochastic pulse trains, one train per line with its sign
    DETERMINISTIC_IMPLICIT = 2  #: deterministic pulse counts rint(BL * q_d * q_x)
    NONE_WITH_DEVICE = 3  #: exact update, then clipped to the device bounds


class RngMode(IntEnum):
    """Where the pulse-train random bits come from (xbarkit)."""

    FAST = 0  #: counter-based SplitMix64 streams, one per line (training runs)
    HW_EXACT = 1  #: the per-lane LFSRs of golden.lfsr, compared in fixed point as the RTL does


class NoiseManagement(IntEnum):
    """Input scaling before the DAC (aihwkit ``NoiseManagementType``)."""

    NONE = 0
    ABS_MAX = 1  #: alpha = max|x|
    MAX = 2  #: alpha = max x
    CONSTANT = 3  #: alpha = nm_thres (or 1 if nm_thres is 0)


class BoundManagement(IntEnum):
    """Handling of saturated outputs (aihwkit ``BoundManagementType``)."""

    NONE = 0
    ITERATIVE = 1  #: repeat with the input halved while an output saturates


class DeviceModel(IntEnum):
    """The per-pulse rule a device kernel applies (one rule may serve several device types)."""

    LINEAR = 0  #: ConstantStep, LinearStep, SoftBounds: step + slope * w
    EXP = 1  #: ExpStep
    POW = 2  #: PowStep
    LUT = 3  #: discrete states with per-state step tables


class Rounding(IntEnum):
    """Fixed-point rounding of a right shift."""

    FLOOR = 0  #: arithmetic shift (toward -inf)
    HALF_UP = 1  #: add half an LSB, then shift


class Overflow(IntEnum):
    """Fixed-point overflow handling."""

    WRAP = 0  #: keep the low bits (two's complement)
    SATURATE = 1  #: clamp to the representable range
