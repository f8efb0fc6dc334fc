"""Device parameters (aihwkit's pulsed devices and the xbarkit look-up-table device)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from golden.errors import ConfigError
from golden.params.base import Params, spec
from golden.params.files import apply_overrides, read_toml

__all__ = [
    "DEVICE_TYPES",
    "ConstantStepParams",
    "DeviceParams",
    "ExpStepParams",
    "LinearStepParams",
    "LutParams",
    "PowStepParams",
    "SoftBoundsParams",
    "canonical_type",
    "default_device",
    "device_from_dict",
    "load_device_config",
]


@dataclass(frozen=True)
class DeviceParams(Params):
    """Parameters common to every pulsed device (aihwkit ``PulsedDevice``).

    Device-to-device (d2d) values are drawn once per device at construction; cycle-to-cycle
    (c2c) noise is drawn per pulse. With xi ~ N(0, 1) per device:
    ``b_max = w_max (1 + w_max_dtod xi)``, ``b_min = w_min (1 + w_min_dtod xi)``,
    gain ``g = 1 + dw_min_dtod xi``, ``r = up_down_dtod xi`` and
    ``step_up = dw_min (g + min(up_down, 0) + r)``,
    ``step_down = dw_min (g - max(up_down, 0) - r)``.

    With ``pair``, each weight is a differential pair ``W = G+ - G-`` of two such devices
    (aihwkit's ``OneSidedUnitCell``; each side with d2d draws of its own), both starting from
    ``max(+-w, 0)`` and only ever pulsed up: a pulse that would raise W raises G+, one that would
    lower it raises G-. Every ``refresh_every`` updates of the array, each pair whose larger side
    exceeds ``refresh_upper_thres w_max`` and smaller side ``refresh_lower_thres w_max`` is reset
    (both to 0) and ``G+ - G-`` rewritten onto one side by write-verify, up pulses until it is
    within ``dw_min / 2`` (aihwkit's criterion; the devices are read exactly).
    """

    section: ClassVar[str] = "device"
    #: the name users write as ``type = ...`` in a ``[device]`` table
    type_name: ClassVar[str] = ""

    dw_min_dtod: float = spec(0.3, "relative d2d spread of the step size", ge=0)
    dw_min_std: float = spec(0.3, "relative c2c noise of each step", ge=0)
    up_down: float = spec(
        0.0,
        "asymmetry: > 0 shrinks the down step by up_down*dw_min, < 0 the up step",
        ge=-1.0,
        le=1.0,
    )
    up_down_dtod: float = spec(0.01, "d2d spread of the up/down imbalance", ge=0)
    w_max: float = spec(0.6, "mean upper bound of the weight")
    w_max_dtod: float = spec(0.3, "relative d2d spread of w_max", ge=0)
    w_min: float = spec(-0.6, "mean lower bound of the weight (< w_max)")
    w_min_dtod: float = spec(0.3, "relative d2d spread of w_min", ge=0)
    enforce_consistency: bool = spec(
        True, "take |step| and order the bounds so that b_min <= 0 <= b_max"
    )
    write_noise_std: float = spec(
        0.0,
        "std of the noise on the visible weight, in units of dw_min, redrawn per write",
        ge=0,
    )
    construction_seed: int = spec(
        0,
        "seed of the d2d draws; 0 = derive it from the run's seed (xbarkit: always "
        "reproducible, unlike aihwkit's clock seed)",
        ge=0,
        lt=2**63,
    )
    pair: bool = spec(
        False,
        "each weight on a differential pair W = G+ - G- of two such devices, each pulsed up "
        "only (aihwkit's OneSidedUnitCell)",
    )
    refresh_every: int = spec(
        0, "pair: updates of the array between refreshes (0 = never; OneSidedUnitCell)", ge=0
    )
    refresh_upper_thres: float = spec(
        0.75, "pair: refresh where the larger side exceeds this fraction of w_max", gt=0, le=1
    )
    refresh_lower_thres: float = spec(
        0.25, "pair: ... and the smaller side this fraction", ge=0, le=1
    )

    def check(self) -> None:
        if self.w_min >= self.w_max:
            raise ConfigError("w_min", self.w_min, f"must be < w_max = {self.w_max}")
        if self.pair and self.w_max <= 0:
            raise ConfigError("w_max", self.w_max, "> 0 for a pair (each side grows from 0)")
        if self.pair and self.write_noise_std > 0:
            raise ConfigError("write_noise_std", self.write_noise_std, "0 for a pair")

    @classmethod
    def from_table(cls, value: Any, f: Any) -> DeviceParams:
        """A ``[device]`` table names its own type: a nested device starts afresh."""
        return device_from_dict(value)

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type_name, **super().to_dict()}

    @property
    def granularity(self) -> float:
        """The weight step epsilon used by update management (aihwkit
        ``calcWeightGranularity``)."""
        return self.dw_min


@dataclass(frozen=True)
class _StepDeviceParams(DeviceParams):
    dw_min: float = spec(0.001, "mean step of one pulse at w = 0", gt=0)


@dataclass(frozen=True)
class ConstantStepParams(_StepDeviceParams):
    """aihwkit ``ConstantStepDevice``: ``w <- w +/- step (1 + dw_min_std xi)``, then clip."""

    type_name: ClassVar[str] = "ConstantStep"


@dataclass(frozen=True)
class LinearStepParams(_StepDeviceParams):
    """aihwkit ``LinearStepDevice``: the step shrinks linearly with w.

    ``up: w <- w + step_up (1 - gamma_up' w / ref_up)(1 + dw_min_std xi)`` and
    ``down: w <- w - step_down (1 - gamma_down' w / ref_down)(1 + dw_min_std xi)`` with
    per-device slopes ``gamma' = gamma + gamma_dtod xi`` (absolute value unless
    ``allow_increasing``) and ``ref = (w_max, w_min)`` if ``mean_bound_reference`` else the
    device's own bounds. With ``mult_noise = False`` the noise multiplies the constant part only.
    """

    type_name: ClassVar[str] = "LinearStep"

    gamma_up: float = spec(0.0, "relative decrease of the up step toward w_max")
    gamma_down: float = spec(0.0, "relative decrease of the down step toward w_min")
    gamma_up_dtod: float = spec(0.05, "d2d spread of gamma_up", ge=0)
    gamma_down_dtod: float = spec(0.05, "d2d spread of gamma_down", ge=0)
    allow_increasing: bool = spec(False, "allow negative slopes (steps growing toward a bound)")
    mean_bound_reference: bool = spec(True, "slopes refer to w_max/w_min, not per-device bounds")
    mult_noise: bool = spec(True, "c2c noise multiplies the whole step (else the constant part)")


@dataclass(frozen=True)
class SoftBoundsParams(_StepDeviceParams):
    """aihwkit ``SoftBoundsDevice``: steps reach zero at the device's own bounds.

    ``up: w <- w + step_up (1 - w / b_max)(1 + dw_min_std xi)``,
    ``down: w <- w - step_down (1 - w / b_min)(1 + dw_min_std xi)``.
    """

    type_name: ClassVar[str] = "SoftBounds"

    mult_noise: bool = spec(True, "c2c noise multiplies the whole step (else the constant part)")


@dataclass(frozen=True)
class ExpStepParams(_StepDeviceParams):
    """aihwkit ``ExpStepDevice``: exponential step-size saturation.

    With ``z = 2 a w / (b_max - b_min) + b``:
    ``up: w <- w + max(1 - A_up exp(gamma_up z), 0) step_up (1 + dw_min_std xi)``,
    ``down: w <- w - max(1 - A_down exp(-gamma_down z), 0) step_down (1 + dw_min_std xi)``.
    If ``dw_min_std_add`` or ``dw_min_std_slope`` is non-zero the noise is
    ``dw_min_std (|dw| + dw_min_std_add + dw_min_std_slope |w|) xi`` instead.
    """

    type_name: ClassVar[str] = "ExpStep"

    A_up: float = spec(0.00081, "up-step saturation amplitude")
    A_down: float = spec(0.36833, "down-step saturation amplitude")
    gamma_up: float = spec(12.44625, "up-step saturation rate")
    gamma_down: float = spec(12.78785, "down-step saturation rate")
    a: float = spec(0.244, "slope of z(w)")
    b: float = spec(0.2425, "offset of z(w)")
    dw_min_std_add: float = spec(0.0, "additive part of the complex c2c noise", ge=0)
    dw_min_std_slope: float = spec(0.0, "|w|-proportional part of the complex c2c noise", ge=0)

    @property
    def granularity(self) -> float:
        # aihwkit evaluates the steps at w = 0 (z = b); we average up and down (aihwkit averages
        # the down step with itself, a known quirk noted in the reference).
        up = max(1.0 - self.A_up * math.exp(self.gamma_up * self.b), 0.0)
        down = max(1.0 - self.A_down * math.exp(-self.gamma_down * self.b), 0.0)
        mean = 0.5 * (up + down)
        return self.dw_min * mean if mean > 0 else self.dw_min


@dataclass(frozen=True)
class PowStepParams(_StepDeviceParams):
    """aihwkit ``PowStepDevice``: power-law step size.

    With ``R = b_max - b_min``: ``up: w <- w + step_up ((b_max - w)/R)^g_up (1 + std xi)``,
    ``down: w <- w - step_down ((w - b_min)/R)^g_down (1 + std xi)``, per-device exponents
    ``g_up = pow_gamma (gain + min(pow_up_down, 0) + r)``,
    ``g_down = pow_gamma (gain - max(pow_up_down, 0) - r)`` with
    ``gain = 1 + pow_gamma_dtod xi``, ``r = pow_up_down_dtod xi``.
    """

    type_name: ClassVar[str] = "PowStep"

    pow_gamma: float = spec(1.0, "exponent of the step-size law", ge=0)
    pow_gamma_dtod: float = spec(0.1, "relative d2d spread of the exponent", ge=0)
    pow_up_down: float = spec(0.0, "up/down asymmetry of the exponent", ge=-1, le=1)
    pow_up_down_dtod: float = spec(0.0, "d2d spread of the exponent asymmetry", ge=0)

    @property
    def granularity(self) -> float:
        """The step at mid-range, ``dw_min * 0.5**pow_gamma`` (aihwkit)."""
        return self.dw_min * 0.5**self.pow_gamma


@dataclass(frozen=True)
class LutParams(DeviceParams):
    """Discrete-state look-up-table device (xbarkit): the form an FPGA crossbar emulator stores.

    A device holds an integer state ``s`` in ``0 .. n_states-1`` and shows the weight
    ``b_min + s (b_max - b_min) / (n_states - 1)``, so ``dw_min = (w_max - w_min)/(n_states-1)``.
    An up pulse at state ``s`` moves by ``k = up_steps[s] * scale_up (1 + dw_min_std xi)``
    states, stochastically rounded (``floor(k) + Bernoulli(k - floor(k))``) and clipped to the
    state range; down pulses use ``down_steps``. ``scale_up``/``scale_down`` carry the d2d
    gain and the ``up_down`` asymmetry exactly like a step device's ``step_up/dw_min``. Empty
    tables mean 1.0 everywhere (an ideal ``n_states``-level device).
    """

    type_name: ClassVar[str] = "Lut"

    n_states: int = spec(32, "number of discrete levels (states)", ge=2, le=65536)
    up_steps: tuple[float, ...] = spec((), "mean up move in states, per state (n_states)", ge=0)
    down_steps: tuple[float, ...] = spec((), "mean down move in states, per state (n_states)", ge=0)

    def check(self) -> None:
        super().check()
        if self.pair:  # a Lut's visible weight is a level of its state, not a difference
            raise ConfigError("pair", True, "false for a Lut device")
        for name in ("up_steps", "down_steps"):
            table = getattr(self, name)
            if table and len(table) != self.n_states:
                raise ConfigError(
                    name,
                    f"<{len(table)} entries>",
                    f"needs n_states = {self.n_states} entries (or none for all 1.0)",
                )

    @property
    def dw_min(self) -> float:
        return (self.w_max - self.w_min) / (self.n_states - 1)

    def tables(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """(up_steps, down_steps), empty tables expanded to 1.0 per state."""
        ones = (1.0,) * self.n_states
        return self.up_steps or ones, self.down_steps or ones


#: ``type`` name in a ``[device]`` table -> params class (aihwkit's ``...Device`` names work too)
DEVICE_TYPES: dict[str, type[DeviceParams]] = {
    cls.type_name: cls
    for cls in (
        ConstantStepParams,
        LinearStepParams,
        SoftBoundsParams,
        ExpStepParams,
        PowStepParams,
        LutParams,
    )
}


def default_device() -> DeviceParams:
    """The device of a config that names none (aihwkit's ``ConstantStepDevice``)."""
    return ConstantStepParams()


def canonical_type(name: Any) -> Any:
    """A ``[device]`` type name without aihwkit's ``Device`` suffix."""
    return name[: -len("Device")] if isinstance(name, str) and name.endswith("Device") else name


def device_from_dict(data: dict[str, Any]) -> DeviceParams:
    """Build a device from a ``[device]`` table whose ``type`` names the model."""
    if isinstance(data, DeviceParams):
        return data
    if not isinstance(data, dict):
        raise ConfigError("device", data, "expected a table with a 'type' field")
    body = dict(data)
    name = canonical_type(body.pop("type", None))
    if name not in DEVICE_TYPES:
        raise ConfigError("type", name, f"one of {', '.join(DEVICE_TYPES)}")
    return DEVICE_TYPES[name].from_dict(body)


def load_device_config(path: str | Path, overrides: list[str] = ()) -> DeviceParams:
    """A device from a TOML file with a ``[device]`` table, with ``key=value`` overrides."""
    data = read_toml(path)
    if "device" not in data:
        raise ConfigError("device", None, f"{path} needs a [device] table")
    data = apply_overrides(data, overrides, default_section="device")
    try:
        return device_from_dict(data["device"])
    except ConfigError as err:
        raise err.within("device") from None
