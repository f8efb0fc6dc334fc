"""THE configuration of xbarkit: frozen, validated dataclasses.

Every number that golden, the RTL or a testbench uses comes from one of these objects. Field
names and defaults follow IBM aihwkit 1.2.0 wherever aihwkit has the concept, so a user ports an
aihwkit config by copying its numbers; fields that aihwkit lacks are marked "(xbarkit)".

Each field is declared with :func:`spec`, which records its documentation and its allowed range;
validation runs on construction and raises :class:`~golden.errors.ConfigError` naming the field,
the value and the allowed range. Configs round-trip through TOML and JSON and have a stable
content digest.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
import tomllib
import typing
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import tomli_w

from golden.encoding import BoundManagement, NoiseManagement, PulseType, RngMode
from golden.errors import ConfigError
from golden.lfsr import LFSR_TAPS

__all__ = [
    "DEVICE_TYPES",
    "ALGORITHM_PARAMS",
    "ALGORITHMS",
    "DEVICE_PRESETS",
    "ConfigError",
    "BufferedTransferParams",
    "ChoppedTransferParams",
    "ConstantStepParams",
    "DataParams",
    "DecompositionParams",
    "DynamicTransferParams",
    "MixedPrecisionParams",
    "NetworkParams",
    "NmfParams",
    "NoParams",
    "TrainParams",
    "TrainingParams",
    "TransferParams",
    "DeviceParams",
    "ExpStepParams",
    "IOParams",
    "LinearStepParams",
    "LutParams",
    "Params",
    "PowStepParams",
    "SoftBoundsParams",
    "TileParams",
    "UpdateParams",
    "HW_FORMATS",
    "apply_overrides",
    "check_hw_formats",
    "device_from_dict",
    "hw_format",
    "device_preset",
    "load_device_config",
    "load_train_config",
    "parse_override",
    "spec",
]


def spec(
    default: Any,
    doc: str,
    *,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    lt: float | None = None,
) -> Any:
    """A dataclass field with its documentation and allowed range (inclusive ``ge``/``le``,
    exclusive ``gt``/``lt``)."""
    meta = {"doc": doc, "ge": ge, "gt": gt, "le": le, "lt": lt}
    if isinstance(default, Params):
        return field(default_factory=lambda: default, metadata=meta)
    return field(default=default, metadata=meta)


def _range_text(meta: dict) -> str:
    parts = []
    if meta["ge"] is not None:
        parts.append(f">= {meta['ge']}")
    if meta["gt"] is not None:
        parts.append(f"> {meta['gt']}")
    if meta["le"] is not None:
        parts.append(f"<= {meta['le']}")
    if meta["lt"] is not None:
        parts.append(f"< {meta['lt']}")
    return " and ".join(parts)


def _in_range(value: float, meta: dict) -> bool:
    return not (
        (meta["ge"] is not None and value < meta["ge"])
        or (meta["gt"] is not None and value <= meta["gt"])
        or (meta["le"] is not None and value > meta["le"])
        or (meta["lt"] is not None and value >= meta["lt"])
    )


@dataclass(frozen=True)
class Params:
    """Base of every config dataclass: validation, dict/TOML/JSON round trip, digest."""

    #: the TOML table name of this section, used in error messages
    section: ClassVar[str] = ""

    def __post_init__(self) -> None:
        hints = typing.get_type_hints(type(self))
        for f in dataclasses.fields(self):
            value = _coerce(f.name, getattr(self, f.name), hints[f.name], f.metadata)
            object.__setattr__(self, f.name, value)
        self.check()

    def check(self) -> None:
        """Cross-field rules; subclasses extend it and raise :class:`ConfigError`."""

    # ---- dict / TOML / JSON -------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Params:
        """Build from a plain dict; unknown keys and bad values raise :class:`ConfigError`."""
        if not isinstance(data, dict):
            raise ConfigError(cls.section or cls.__name__, data, "expected a table of fields")
        known = {f.name: f for f in dataclasses.fields(cls)}
        hints = typing.get_type_hints(cls)
        kwargs = {}
        for key, value in data.items():
            if key not in known:
                raise ConfigError(key, value, f"unknown field; known fields: {', '.join(known)}")
            kind = hints[key]
            try:
                if isinstance(value, Params):
                    pass
                elif isinstance(kind, type) and issubclass(kind, DeviceParams):
                    value = device_from_dict(value)
                elif isinstance(kind, type) and issubclass(kind, Params):
                    # a partial table keeps this field's own defaults for what it leaves out
                    f = known[key]
                    if f.default_factory is not dataclasses.MISSING and isinstance(value, dict):
                        value = {**f.default_factory().to_dict(), **value}
                    value = kind.from_dict(value)
            except ConfigError as err:
                raise err.within(key) from None
            kwargs[key] = value
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of TOML/JSON-compatible values (enums by name, tuples as lists)."""
        out: dict[str, Any] = {}
        if isinstance(self, DeviceParams):
            out["type"] = self.type_name
        for f in dataclasses.fields(self):
            out[f.name] = _plain(getattr(self, f.name))
        return out

    def to_toml(self) -> str:
        return tomli_w.dumps(self.to_dict())

    @classmethod
    def from_toml(cls, text: str) -> Params:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            raise ConfigError("toml", text[:40], f"not valid TOML ({err})") from None
        return cls.from_dict(data)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Params:
        return cls.from_dict(json.loads(text))

    def digest(self) -> str:
        """Stable content hash (16 hex digits) of the class name and every field value."""
        canon = json.dumps([type(self).__name__, self.to_dict()], sort_keys=True)
        return hashlib.sha256(canon.encode()).hexdigest()[:16]

    def to_vector(self, fields: tuple[str, ...]) -> np.ndarray:
        """The named fields (or properties) as a float64 vector, the form kernels take their
        config in; enums become their integer codes, booleans 0/1."""
        return np.array([float(getattr(self, name)) for name in fields], dtype=np.float64)

    def replace(self, **changes: Any) -> Params:
        """A validated copy with some fields changed."""
        return dataclasses.replace(self, **changes)


def _plain(value: Any) -> Any:
    if isinstance(value, Params):
        return value.to_dict()
    if isinstance(value, IntEnum):
        return value.name
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def _coerce(name: str, value: Any, kind: Any, meta: Any) -> Any:
    """Check ``value`` against the annotated type and range; return the normalised value."""
    if isinstance(kind, type) and issubclass(kind, IntEnum):
        if isinstance(value, kind):
            return value
        if isinstance(value, str) and value.upper() in kind.__members__:
            return kind[value.upper()]
        raise ConfigError(name, value, f"one of {', '.join(kind.__members__)}")
    if kind is bool:
        if not isinstance(value, bool):
            raise ConfigError(name, value, "expected true or false")
        return value
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(name, value, "expected an integer")
    elif kind is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(name, value, "expected a number")
        value = float(value)
        if not math.isfinite(value):
            raise ConfigError(name, value, "expected a finite number")
    elif kind is str:
        if not isinstance(value, str):
            raise ConfigError(name, value, "expected a string")
        return value
    elif typing.get_origin(kind) is tuple:
        item_type = typing.get_args(kind)[0]
        noun = "integers" if item_type is int else "finite numbers"
        if not isinstance(value, list | tuple):
            raise ConfigError(name, value, f"expected a list of {noun}")
        items = []
        for v in value:
            ok = isinstance(v, int) if item_type is int else isinstance(v, int | float)
            if isinstance(v, bool) or not ok or not math.isfinite(v):
                raise ConfigError(name, value, f"expected a list of {noun}")
            if not _in_range(float(v), meta):
                raise ConfigError(name, value, f"every entry must be {_range_text(meta)}")
            items.append(item_type(v))
        return tuple(items)
    elif isinstance(kind, type) and issubclass(kind, Params):
        if not isinstance(value, kind):
            raise ConfigError(name, value, f"expected {kind.__name__}")
        return value
    if meta and not _in_range(value, meta):
        raise ConfigError(name, value, f"allowed range: {name} {_range_text(meta)}")
    return value


# ======================================================================================
# Devices
# ======================================================================================


@dataclass(frozen=True)
class DeviceParams(Params):
    """Parameters common to every pulsed device (aihwkit ``PulsedDevice``).

    Device-to-device (d2d) values are drawn once per device at construction; cycle-to-cycle
    (c2c) noise is drawn per pulse. With xi ~ N(0, 1) per device:
    ``b_max = w_max (1 + w_max_dtod xi)``, ``b_min = w_min (1 + w_min_dtod xi)``,
    gain ``g = 1 + dw_min_dtod xi``, ``r = up_down_dtod xi`` and
    ``step_up = dw_min (g + min(up_down, 0) + r)``,
    ``step_down = dw_min (g - max(up_down, 0) - r)``.
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

    def check(self) -> None:
        if self.w_min >= self.w_max:
            raise ConfigError("w_min", self.w_min, f"must be < w_max = {self.w_max}")

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


def _type_name(name: Any) -> Any:
    """A ``[device]`` type name without aihwkit's ``Device`` suffix."""
    return name[: -len("Device")] if isinstance(name, str) and name.endswith("Device") else name


def device_from_dict(data: dict[str, Any]) -> DeviceParams:
    """Build a device from a ``[device]`` table whose ``type`` names the model."""
    if isinstance(data, DeviceParams):
        return data
    if not isinstance(data, dict):
        raise ConfigError("device", data, "expected a table with a 'type' field")
    body = dict(data)
    name = _type_name(body.pop("type", None))
    if name not in DEVICE_TYPES:
        raise ConfigError("type", name, f"one of {', '.join(DEVICE_TYPES)}")
    return DEVICE_TYPES[name].from_dict(body)


# ======================================================================================
# Pulsed update, analog IO, tile
# ======================================================================================


#: the periphery's fixed-point formats, shared by UpdateParams (hw_exact mode) and
#: golden.hw.params.PeripheryParams: name -> (default, doc, min, max)
HW_FORMATS = {
    "x_bits": (8, "(xbarkit, hw_exact) width of a signed x code", 2, 16),
    "d_bits": (8, "(xbarkit, hw_exact) width of a signed d code", 2, 16),
    "prob_bits": (12, "(xbarkit, hw_exact) fraction bits of a pulse probability", 1, 24),
    "lfsr_width": (32, "(xbarkit, hw_exact) width of each per-lane LFSR", 8, 64),
    "gain_bits": (16, "(xbarkit, hw_exact) width of the update gain registers", 2, 32),
    "gain_frac": (14, "(xbarkit, hw_exact) fraction bits of the update gains", 1, 32),
}


def hw_format(name: str) -> Any:
    """The dataclass field of one of :data:`HW_FORMATS`."""
    default, doc, lo, hi = HW_FORMATS[name]
    return spec(default, doc, ge=lo, le=hi)


def check_hw_formats(p: Any) -> None:
    """Cross-field rules of the formats (LFSR taps, gain and probability fractions)."""
    if p.lfsr_width not in LFSR_TAPS:
        raise ConfigError("lfsr_width", p.lfsr_width, f"one of {sorted(LFSR_TAPS)}")
    if p.gain_frac < p.prob_bits:
        raise ConfigError("gain_frac", p.gain_frac, f"must be >= prob_bits ({p.prob_bits})")
    if p.gain_frac > p.gain_bits + p.prob_bits:
        top = p.gain_bits + p.prob_bits
        raise ConfigError("gain_frac", p.gain_frac, f"must be <= gain_bits + prob_bits ({top})")
    if p.prob_bits > p.lfsr_width:
        raise ConfigError("prob_bits", p.prob_bits, f"must be <= lfsr_width ({p.lfsr_width})")


@dataclass(frozen=True)
class UpdateParams(Params):
    """The stochastic pulsed update (aihwkit ``UpdateParameters``), plus the random-bit source.

    Pulse probabilities are ``p_j = B |x_j|`` and ``q_i = A |d_i|`` (clipped to 1) with
    ``A = B = sqrt(lr / (dw_min BL))`` before update management; the expected update is
    ``-lr d x^T``.
    """

    section: ClassVar[str] = "update"

    desired_bl: int = spec(
        31, "pulse-train length BL (the maximum BL with update_bl_management)", ge=1, le=64
    )
    fixed_bl: bool = spec(True, "keep BL = desired_bl (overridden by update_bl_management)")
    update_management: bool = spec(True, "balance the x and d probabilities (same max)")
    update_bl_management: bool = spec(True, "BL = min(ceil(lr max|x| max|d| / dw_min), desired_bl)")
    um_grad_scale: float = spec(1.0, "scale of the d side before update management", gt=0)
    pulse_type: PulseType = spec(PulseType.STOCHASTIC_COMPRESSED, "how updates become pulses")
    x_res_implicit: float = spec(
        0.0, "x bin width for DETERMINISTIC_IMPLICIT (0 = off)", ge=0, le=1
    )
    d_res_implicit: float = spec(
        0.0, "d bin width for DETERMINISTIC_IMPLICIT (0 = off)", ge=0, le=1
    )
    rng_mode: RngMode = spec(RngMode.FAST, "(xbarkit) pulse random bits: fast or hw_exact (LFSR)")
    x_bits: int = hw_format("x_bits")
    d_bits: int = hw_format("d_bits")
    prob_bits: int = hw_format("prob_bits")
    lfsr_width: int = hw_format("lfsr_width")
    gain_bits: int = hw_format("gain_bits")
    gain_frac: int = hw_format("gain_frac")

    def check(self) -> None:
        check_hw_formats(self)
        stochastic = self.pulse_type == PulseType.STOCHASTIC_COMPRESSED
        if self.rng_mode == RngMode.HW_EXACT and stochastic:
            fixed = "the periphery's pulse generator has a fixed BL and always manages updates"
            for name, want in (("update_bl_management", False), ("fixed_bl", True),
                               ("update_management", True)):  # fmt: skip
                if getattr(self, name) != want:
                    raise ConfigError(name, getattr(self, name),
                                      f"must be {str(want).lower()} with rng_mode = hw_exact "
                                      f"({fixed})")  # fmt: skip


@dataclass(frozen=True)
class IOParams(Params):
    """Analog matrix-vector multiply non-idealities (aihwkit ``IOParameters``).

    Forward: ``alpha`` from noise management, ``v = clip(round(x / (alpha rho) / s_in) s_in,
    -inp_bound, inp_bound)``, ``y = W v + out_noise xi``, ``y = clip(round(y / s_out) s_out,
    -out_bound, out_bound)``, result ``y alpha rho``; the DAC step ``s_in = 2 inp_bound inp_res``,
    the ADC step ``s_out = 2 out_bound out_res``. Iterative bound management repeats with
    ``rho = 2, 4, ...`` while an output saturates.
    """

    section: ClassVar[str] = "io"

    is_perfect: bool = spec(False, "exact MVM, no IO non-idealities")
    inp_bound: float = spec(1.0, "DAC input range +-inp_bound", gt=0)
    inp_res: float = spec(
        1 / 126,
        "DAC resolution as a fraction of the range (0 = none; > 1 means a number of steps)",
        ge=0,
    )
    inp_noise: float = spec(0.0, "std of Gaussian noise added to each DAC input", ge=0)
    out_bound: float = spec(12.0, "ADC output range +-out_bound", gt=0)
    out_res: float = spec(
        1 / 510,
        "ADC resolution as a fraction of the range (0 = none; > 1 means a number of steps)",
        ge=0,
    )
    out_noise: float = spec(0.06, "std of Gaussian noise added to each analog output", ge=0)
    out_scale: float = spec(1.0, "digital output scale", gt=0)
    noise_management: NoiseManagement = spec(NoiseManagement.ABS_MAX, "input scaling rule")
    nm_thres: float = spec(0.0, "cap of alpha for ABS_MAX, or alpha for CONSTANT (0 = off)", ge=0)
    bound_management: BoundManagement = spec(BoundManagement.ITERATIVE, "saturation handling")
    max_bm_factor: int = spec(1000, "largest input reduction factor of bound management", ge=1)
    max_bm_res: float = spec(0.25, "stop bound management when rho * s_in exceeds this", gt=0)
    bm_test_negative_bound: bool = spec(True, "the negative bound also triggers bound management")

    def check(self) -> None:
        if self.noise_management != NoiseManagement.NONE and self.inp_bound != 1.0:
            raise ConfigError(
                "inp_bound", self.inp_bound, "must be 1.0 when noise_management is not NONE"
            )

    @staticmethod
    def _step(res: float, bound: float) -> float:
        if res <= 0:
            return 0.0
        if res > 1:
            res = 1.0 / res
        return 2.0 * bound * res

    @property
    def inp_step(self) -> float:
        """DAC quantisation step in input units (0 = no quantisation)."""
        return self._step(self.inp_res, self.inp_bound)

    @property
    def out_step(self) -> float:
        """ADC quantisation step in output units (0 = no quantisation)."""
        return self._step(self.out_res, self.out_bound)


def _default_device() -> DeviceParams:
    return ConstantStepParams()


@dataclass(frozen=True)
class TileParams(Params):
    """One analog tile (aihwkit ``SingleRPUConfig``): device, forward/backward IO, update."""

    section: ClassVar[str] = "tile"

    device: DeviceParams = field(
        default_factory=_default_device, metadata={"doc": "the device model of every cell"}
    )
    forward: IOParams = field(default_factory=IOParams, metadata={"doc": "forward-pass IO"})
    backward: IOParams = field(default_factory=IOParams, metadata={"doc": "backward-pass IO"})
    update: UpdateParams = field(default_factory=UpdateParams, metadata={"doc": "pulsed update"})


# ======================================================================================
# Training runs: data, network, training loop, algorithms
# ======================================================================================


@dataclass(frozen=True)
class DataParams(Params):
    """The data set (xbarkit): ``digits`` (sklearn), ``fashion-mnist`` (Debian package
    ``dataset-fashion-mnist``) or ``idx`` (IDX files in ``path``, e.g. MNIST)."""

    section: ClassVar[str] = "data"

    name: str = spec("fashion-mnist", "fashion-mnist | digits | idx")
    n_train: int = spec(0, "first n training samples (0 = all)", ge=0)
    n_test: int = spec(0, "first n test samples (0 = all)", ge=0)
    path: str = spec("", "directory of the IDX files (idx; optional for fashion-mnist)")

    def check(self) -> None:
        if self.name not in ("fashion-mnist", "digits", "idx"):
            raise ConfigError("name", self.name, "one of fashion-mnist, digits, idx")


ACTIVATIONS = ("sigmoid", "tanh", "relu")


@dataclass(frozen=True)
class NetworkParams(Params):
    """An MLP of analog tiles: ``sizes = [inputs, hidden..., classes]``. Each layer's bias is
    an extra, always-on input column of its array (aihwkit's analog bias), or, with
    ``digital_bias``, a digital vector trained by plain SGD (aihwkit's
    ``MappingParameter.digital_bias``, True by default there)."""

    section: ClassVar[str] = "network"

    sizes: tuple[int, ...] = spec((784, 256, 128, 10), "layer widths, input first", ge=1)
    activation: str = spec("sigmoid", "hidden activation: sigmoid | tanh | relu")
    digital_bias: bool = spec(
        True,
        "bias in digital (True, aihwkit's default) or as an analog column of the array (False)",
    )

    def check(self) -> None:
        if len(self.sizes) < 2:
            raise ConfigError("sizes", list(self.sizes), "at least [inputs, classes]")
        if self.activation not in ACTIVATIONS:
            raise ConfigError("activation", self.activation, f"one of {', '.join(ACTIVATIONS)}")


ALGORITHMS = ("float", "sgd", "ttv1", "ttv2", "cttv2", "agad", "mp", "pca", "nmf")


@dataclass(frozen=True)
class TrainingParams(Params):
    """The training loop: algorithm, SGD learning rate, batch, epochs, seed."""

    section: ClassVar[str] = "training"

    algorithm: str = spec("ttv2", " | ".join(ALGORITHMS))
    lr: float = spec(
        0.1,
        "SGD learning rate (aihwkit: not divided by the batch size; the mean "
        "loss gives each sample 1/batch)",
        gt=0,
    )
    batch_size: int = spec(1, "samples per mini-batch (1 = per-sample pulsed updates)", ge=1)
    epochs: int = spec(1, "passes over the training set", ge=1)
    seed: int = spec(0, "seeds everything: init, shuffling, d2d, noise, pulses", ge=0, lt=2**62)
    checkpoint_every: int = spec(10000, "samples between checkpoints", ge=1)
    average_last: float = spec(
        0.05, "model averaging over this last fraction of training (0 = off)", ge=0, le=1
    )
    average_every: int = spec(20, "mini-batches between averaged weight iterates", ge=1)

    def check(self) -> None:
        if self.algorithm not in ALGORITHMS:
            raise ConfigError("algorithm", self.algorithm, f"one of {', '.join(ALGORITHMS)}")


@dataclass(frozen=True)
class AlgorithmParams(Params):
    """Base of the per-algorithm parameters (the ``[algorithm]`` table)."""

    section: ClassVar[str] = "algorithm"


@dataclass(frozen=True)
class NoParams(AlgorithmParams):
    """``float`` and ``sgd`` have no parameters of their own."""


def _transfer_read() -> IOParams:
    # aihwkit forces noise and bound management off for transfer reads
    return IOParams(noise_management=NoiseManagement.NONE, bound_management=BoundManagement.NONE)


def _one_pulse_update() -> UpdateParams:
    return UpdateParams(desired_bl=1, update_bl_management=False, update_management=False)


@dataclass(frozen=True)
class TransferParams(AlgorithmParams):
    """Tiki-Taka v1 (aihwkit ``TransferCompound``): A gets ``lr_A = fast_lr * lr`` pulsed
    updates; every ``transfer_every`` updates ``n_reads_per_transfer`` columns j of A are read
    (``v = A e_j`` through ``transfer_forward``) and written into C by a pulsed update
    ``C[:, j] += transfer_lr * lr * v``. Visible weight ``W = gamma A + C``."""

    gamma: float = spec(0.0, "weight of A in the visible weight", ge=0)
    transfer_every: float = spec(1.0, "updates between transfers (0 = never)", ge=0)
    units_in_mbatch: bool = spec(True, "transfer_every counts mini-batches, not samples")
    n_reads_per_transfer: int = spec(1, "columns read per transfer", ge=1)
    fast_lr: float = spec(1.0, "learning rate of A (times lr if scale_fast_lr)")
    scale_fast_lr: bool = spec(True, "multiply fast_lr by the SGD lr")
    transfer_lr: float = spec(1.0, "learning rate of the transfer into C", ge=0)
    scale_transfer_lr: bool = spec(True, "multiply transfer_lr by the SGD lr")
    transfer_forward: IOParams = field(
        default_factory=_transfer_read, metadata={"doc": "IO of the column reads of A"}
    )
    transfer_update: UpdateParams = field(
        default_factory=UpdateParams, metadata={"doc": "pulsed update that writes C"}
    )


@dataclass(frozen=True)
class BufferedTransferParams(TransferParams):
    """TTv2 (aihwkit ``BufferedTransferCompound``): a digital buffer H between A and C.

    Per read of column j: ``h = H_ij + eta v_i`` with ``eta = transfer_lr lr``;
    ``n = clamp(trunc(h / theta), +-transfer BL)``, ``theta = thres_scale eps_C``; where
    ``n != 0``: ``H <- momentum h`` (``forget_buffer``) or ``h - (1 - momentum) n theta``;
    C gets ``n`` pulses (LR ``step eps_C``, one pulse per element by default)."""

    thres_scale: float = spec(1.0, "threshold in units of C's granularity", gt=0)
    step: float = spec(1.0, "write step in units of C's granularity", gt=0)
    momentum: float = spec(0.1, "fraction of H kept after a write", ge=0, le=1)
    forget_buffer: bool = spec(True, "H <- momentum * H after a write (else subtract)")
    transfer_update: UpdateParams = field(
        default_factory=_one_pulse_update, metadata={"doc": "pulsed update that writes C"}
    )


@dataclass(frozen=True)
class ChoppedTransferParams(AlgorithmParams):
    """Chopped TTv2 / TTv3 (aihwkit ``ChoppedTransferCompound``, Rasch et al. 2024).

    A is updated with ``x`` and ``d`` multiplied by the choppers ``c_in`` (per column) and
    ``c_out`` (per row); reads undo them. ``h = H_ij + s c_in[j] c_out[i] v_i`` with
    ``s = transfer_lr lr / (buffer_granularity eps_A)``; ``|h| >= 1`` writes
    ``n = clamp(trunc(h), +-transfer BL)`` pulses into C. After reading column j,
    ``c_in[j]`` flips with probability ``in_chop_prob`` (or every ``1/in_chop_prob`` sweeps
    when not ``in_chop_random``). ``auto_scale``: ``lr_A = fast_lr BL eps_A / (m_x m_d)`` with
    EMAs of max|x|, max|d|."""

    in_chop_prob: float = spec(0.1, "probability of a column chopper flip per read", ge=0, le=1)
    in_chop_random: bool = spec(True, "random flips (else regular, every 1/in_chop_prob sweeps)")
    out_chop_prob: float = spec(0.0, "row chopper flip probability per sweep", ge=0, le=1)
    buffer_granularity: float = spec(1.0, "H threshold in units of A's granularity", gt=0)
    auto_granularity: float = spec(0.0, "period-dependent threshold scaling (0 = off)", ge=0)
    step: float = spec(1.0, "write step in units of C's granularity", gt=0)
    momentum: float = spec(0.0, "fraction of H kept after a write", ge=0, le=1)
    forget_buffer: bool = spec(True, "H <- momentum * H after a write (else subtract)")
    no_buffer: bool = spec(False, "memoryless threshold (TTv1-like)")
    units_in_mbatch: bool = spec(False, "transfer_every counts mini-batches, not samples")
    auto_scale: bool = spec(False, "scale A's lr by running max|x| and max|d|")
    auto_momentum: float = spec(0.99, "EMA momentum of auto_scale", ge=0, lt=1)
    fast_lr: float = spec(1.0, "learning rate of A (times lr if scale_fast_lr)")
    scale_fast_lr: bool = spec(False, "multiply fast_lr by the SGD lr")
    transfer_lr: float = spec(1.0, "learning rate of the transfer into C", ge=0)
    scale_transfer_lr: bool = spec(True, "multiply transfer_lr by the SGD lr")
    transfer_every: float = spec(1.0, "updates between column reads", gt=0)
    transfer_forward: IOParams = field(
        default_factory=_transfer_read, metadata={"doc": "IO of the column reads of A"}
    )
    transfer_update: UpdateParams = field(
        default_factory=_one_pulse_update, metadata={"doc": "pulsed update that writes C"}
    )


@dataclass(frozen=True)
class DynamicTransferParams(ChoppedTransferParams):
    """AGAD (aihwkit ``DynamicTransferCompound``): chopped TTv2 whose reads subtract an
    on-the-fly reference ``R``: ``h = H + s c (v - R)``; a running mean
    ``M <- (1 - beta) M + beta v`` (``beta = min(tail_weightening / P, 1)``, P = chopper
    period in sweeps) is copied into R when a column's chopper flips; C is written only after
    the first period."""

    in_chop_prob: float = spec(0.1, "1/P: the chopper period is P sweeps", gt=0, le=1)
    in_chop_random: bool = spec(False, "additional random flips")
    tail_weightening: float = spec(5.0, "weight of the period's tail in the running mean", gt=0)
    buffer_cap: float = spec(0.0, "clip |H| to buffer_cap * transfer BL (0 = off)", ge=0)


@dataclass(frozen=True)
class MixedPrecisionParams(AlgorithmParams):
    """Mixed precision (aihwkit ``MixedPrecisionCompound``, Nandakumar 2020): the gradient
    accumulates digitally, ``chi += lr d x^T`` (x, d optionally quantised to n bins with
    stochastic rounding); every ``transfer_every`` mini-batches each row gets
    ``n = trunc(chi / eps)`` pulses (``eps = granularity`` or the device's) and keeps the
    remainder."""

    transfer_every: int = spec(1, "mini-batches between transfers", ge=1)
    n_rows_per_transfer: int = spec(-1, "rows written per transfer (-1 = all)", ge=-1)
    granularity: float = spec(0.0, "threshold eps (0 = the device's granularity)", ge=0)
    transfer_lr: float = spec(1.0, "scale of the write", gt=0)
    n_x_bins: int = spec(0, "quantisation bins of x (0 = none)", ge=0)
    n_d_bins: int = spec(0, "quantisation bins of d (0 = none)", ge=0)
    stoc_round_x: bool = spec(True, "stochastic rounding of x")
    stoc_round_d: bool = spec(True, "stochastic rounding of d")

    def check(self) -> None:
        if self.n_rows_per_transfer == 0:
            raise ConfigError("n_rows_per_transfer", 0, "-1 (all rows) or >= 1")


@dataclass(frozen=True)
class DecompositionParams(AlgorithmParams):
    """Gradient decomposition (Zhao et al. 2021) by streaming-batch PCA (Huang et al.):
    mini-batch gradient descent whose batch gradient ``G = sum_b d_b x_b^T / B`` is never
    stored; one stochastic power iteration per batch gives rank-k factors instead: a first
    pass streams ``P = G Q`` (Q: the orthonormal right basis of the previous batch), then
    ``U = orth(P)`` and a second pass streams ``A = G^T U``, so ``G ~ U A^T`` needs
    ``k (rows + cols)`` numbers instead of ``rows x cols``; ``Q <- orth(A)`` for the next
    batch. ``rank = 0`` keeps the full G (plain MBGD). The update ``-lr G`` reaches the array
    as k rank-1 pulsed updates (``transfer = "seq"``, inside the array) or as ``-lr U A^T``
    rebuilt outside and written cell by cell with stochastic rounding
    ``n = floor(v) + Bernoulli(v - floor(v))``, ``v = -lr dW / dw_min`` (``"sum"``)."""

    rank: int = spec(3, "rank k of the gradient factors (0 = full gradient, MBGD)", ge=0, le=64)
    transfer: str = spec("seq", "seq: k rank-1 pulsed updates | sum: rebuilt, then written")
    stoc_round: bool = spec(True, "stochastic rounding of pulse counts (sum; else nearest)")

    def check(self) -> None:
        if self.transfer not in ("seq", "sum"):
            raise ConfigError("transfer", self.transfer, "one of seq, sum")

    @property
    def rank_sum(self) -> bool:
        return self.transfer == "sum" or self.rank == 0


@dataclass(frozen=True)
class NmfParams(DecompositionParams):
    """Gradient decomposition (Zhao et al. 2021) by non-negative matrix factorisation.

    Layer inputs are non-negative (pixels, sigmoid or relu outputs, the bias 1), so the batch
    gradient splits into two non-negative parts, ``G = G+ - G-`` with
    ``G+- = sum_b d_b^+- x_b^T / B``. Each part gets rank-k non-negative factors,
    ``G+- ~ W+- H+-^T``, by ``iterations`` multiplicative updates per batch (Lee & Seung),
    warm-started from the previous batch; every product with G is streamed from the batch's
    vectors, so G is never stored. The write is 2k rank-1 pulsed updates (``seq``; each with
    single-signed factors) or ``W+ H+^T - W- H-^T`` rebuilt outside (``sum``)."""

    rank: int = spec(3, "rank k of each non-negative factor pair", ge=1, le=64)
    iterations: int = spec(5, "multiplicative updates per mini-batch", ge=1, le=1000)


#: training.algorithm -> the class of its [algorithm] table
ALGORITHM_PARAMS: dict[str, type[AlgorithmParams]] = {
    "float": NoParams,
    "sgd": NoParams,
    "ttv1": TransferParams,
    "ttv2": BufferedTransferParams,
    "cttv2": ChoppedTransferParams,
    "agad": DynamicTransferParams,
    "mp": MixedPrecisionParams,
    "pca": DecompositionParams,
    "nmf": NmfParams,
}
TWO_ARRAY_ALGORITHMS = ("ttv1", "ttv2", "cttv2", "agad")


@dataclass(frozen=True)
class TrainParams(Params):
    """A whole training run: what ``xbar train`` reads from its TOML file.

    ``[device]`` is every array's device; two-array algorithms may override it per array
    with ``[device_a]`` (fast array A) and ``[device_c]`` (slow array C). ``[io]`` is the
    forward and backward IO, ``[update]`` the pulsed update of the (fast) array."""

    section: ClassVar[str] = "train"

    data: DataParams = field(default_factory=DataParams, metadata={"doc": "data set"})
    network: NetworkParams = field(default_factory=NetworkParams, metadata={"doc": "MLP"})
    training: TrainingParams = field(
        default_factory=TrainingParams, metadata={"doc": "training loop"}
    )
    device: DeviceParams = field(
        default_factory=_default_device, metadata={"doc": "device of every array"}
    )
    device_a: DeviceParams = field(
        default_factory=_default_device, metadata={"doc": "device of A (defaults to [device])"}
    )
    device_c: DeviceParams = field(
        default_factory=_default_device, metadata={"doc": "device of C (defaults to [device])"}
    )
    io: IOParams = field(default_factory=IOParams, metadata={"doc": "forward/backward IO"})
    update: UpdateParams = field(
        default_factory=UpdateParams, metadata={"doc": "pulsed update of the (fast) array"}
    )
    algorithm: AlgorithmParams = field(
        default_factory=BufferedTransferParams, metadata={"doc": "the algorithm's parameters"}
    )

    def check(self) -> None:
        rank = getattr(self.algorithm, "rank", 0)
        sizes = self.network.sizes
        smallest = min(min(sizes[k], sizes[k + 1]) for k in range(len(sizes) - 1))
        if rank > smallest:
            raise ConfigError(
                "algorithm.rank",
                rank,
                f"at most {smallest}, the smallest layer dimension of network.sizes",
            )
        if self.training.algorithm == "nmf" and self.network.activation == "tanh":
            raise ConfigError(
                "network.activation", "tanh", "nmf needs non-negative layer inputs: sigmoid or relu"
            )
        expected = ALGORITHM_PARAMS[self.training.algorithm]
        if type(self.algorithm) is not expected:
            raise ConfigError(
                "algorithm",
                type(self.algorithm).__name__,
                f"training.algorithm = {self.training.algorithm!r} needs {expected.__name__}",
            )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainParams:
        data = dict(data)
        name = data.get("training", {}).get("algorithm", TrainingParams().algorithm)
        if name not in ALGORITHM_PARAMS:
            raise ConfigError("training.algorithm", name, f"one of {', '.join(ALGORITHMS)}")
        try:
            algo = ALGORITHM_PARAMS[name].from_dict(data.pop("algorithm", {}))
        except ConfigError as err:
            raise err.within("algorithm") from None
        # [device_a] / [device_c] start from [device]: a table that names no other type only
        # changes the fields it lists (e.g. asymmetry of A alone); another type starts afresh
        common = data.get("device", _default_device().to_dict())
        for key in ("device_a", "device_c"):
            own = data.get(key, {})
            if isinstance(common, dict) and isinstance(own, dict):
                same = _type_name(own.get("type", common.get("type"))) == _type_name(
                    common.get("type")
                )
                data[key] = {**common, **own} if same else own
            else:
                data.setdefault(key, common)
        data["algorithm"] = algo
        return super().from_dict(data)


def load_train_config(path: str | Path, overrides: list[str] = ()) -> TrainParams:
    """A training run from a TOML file, with ``section.key=value`` overrides."""
    data = apply_overrides(_read_toml(path), overrides)
    return TrainParams.from_dict(data)


# ======================================================================================
# Presets, files, overrides
# ======================================================================================

_SB20 = {
    "dw_min": 0.1,
    "w_max": 1.0,
    "w_min": -1.0,
    "dw_min_dtod": 0.3,
    "w_max_dtod": 0.3,
    "w_min_dtod": 0.3,
    "up_down_dtod": 0.01,
    "dw_min_std": 0.3,
}

#: named device presets (values of aihwkit's presets where one exists)
DEVICE_PRESETS: dict[str, dict[str, Any]] = {
    "constant-step": {"type": "ConstantStep"},
    "linear-step": {"type": "LinearStep"},
    "soft-bounds": {"type": "SoftBounds"},
    "exp-step": {"type": "ExpStep"},
    "pow-step": {"type": "PowStep"},
    # the 20-state reference device of the Fashion-MNIST comparison with aihwkit
    "softbounds-20": {"type": "SoftBounds", **_SB20},
    # aihwkit GokmenVlasovPresetDevice
    "gokmen-vlasov": {
        "type": "ConstantStep",
        "dw_min": 0.0016,
        "w_max": 1.0,
        "w_min": -1.0,
        "dw_min_dtod": 0.3,
        "dw_min_std": 0.3,
        "up_down_dtod": 0.01,
    },
    # aihwkit IdealizedPresetDevice
    "idealized": {
        "type": "ConstantStep",
        "dw_min": 0.0002,
        "w_max": 1.0,
        "w_min": -1.0,
        "up_down_dtod": 0.0,
    },
    # aihwkit EcRamPresetDevice / EcRamMOPresetDevice / CapacitorPresetDevice (no lifetime)
    "ecram": {
        "type": "LinearStep",
        "dw_min": 0.002,
        "w_max": 1.1724,
        "w_min": -0.8276,
        "gamma_up": 0.1153,
        "gamma_down": 0.5085,
    },
    "ecram-mo": {
        "type": "LinearStep",
        "dw_min": 2.8214e-4,
        "w_max": 1.1714,
        "w_min": -0.8286,
        "gamma_up": 0.4152,
        "gamma_down": 0.7342,
        "dw_min_std": 2.0,
    },
    "capacitor": {
        "type": "LinearStep",
        "dw_min": 0.005,
        "w_max": 1.0,
        "w_min": -1.0,
        "gamma_up": 0.05,
        "gamma_down": 0.05,
    },
    # aihwkit ReRamESPresetDevice (ExpStep fit to Gong et al. 2018)
    "reram-es": {
        "type": "ExpStep",
        "dw_min": 0.00135,
        "up_down": 0.259359,
        "w_max": 1.0,
        "w_min": -1.0,
        "a": -0.5,
        "b": -0.5,
        "gamma_up": 5.0,
        "gamma_down": 5.0,
        "A_up": -1.18445,
        "A_down": -0.081404,
        "dw_min_dtod": 0.2,
        "up_down_dtod": 0.05,
        "dw_min_std": 5.0,
        "write_noise_std": 75.0,
    },
    # a 21-level table device whose steps shrink toward the bounds like SoftBounds
    "lut-softbounds-21": {
        "type": "Lut",
        "n_states": 21,
        "w_max": 1.0,
        "w_min": -1.0,
        "up_steps": [round(2.0 - s / 10, 6) for s in range(21)],
        "down_steps": [round(s / 10, 6) for s in range(21)],
    },
}


def device_preset(name: str) -> DeviceParams:
    """The named device preset; unknown names list the known ones."""
    if name not in DEVICE_PRESETS:
        raise ConfigError("preset", name, f"one of {', '.join(DEVICE_PRESETS)}")
    return device_from_dict(DEVICE_PRESETS[name])


def _read_toml(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise ConfigError("config", str(path), "file not found")
    try:
        return tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as err:
        raise ConfigError("config", str(path), f"not valid TOML ({err})") from None


def load_device_config(path: str | Path, overrides: list[str] = ()) -> DeviceParams:
    """A device from a TOML file with a ``[device]`` table, with ``key=value`` overrides."""
    data = _read_toml(path)
    if "device" not in data:
        raise ConfigError("device", None, f"{path} needs a [device] table")
    data = apply_overrides(data, overrides, default_section="device")
    try:
        return device_from_dict(data["device"])
    except ConfigError as err:
        raise err.within("device") from None


_BAREWORD = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


def parse_override(text: str) -> tuple[list[str], Any]:
    """Split ``section.key=value`` into its key path and value (a TOML literal; a bare word
    such as ``SoftBounds`` is read as a string)."""
    if "=" not in text:
        raise ConfigError("--set", text, "expected key=value, e.g. device.dw_min=0.01")
    key, raw = text.split("=", 1)
    key, raw = key.strip(), raw.strip()
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        if not _BAREWORD.match(raw) or raw in ("true", "false"):
            raise ConfigError(
                f"--set {key}",
                raw,
                'value must be a TOML literal (numbers, true/false, "strings", [lists])',
            ) from None
        value = raw
    return key.split("."), value


def apply_overrides(
    data: dict[str, Any], overrides: list[str], default_section: str | None = None
) -> dict[str, Any]:
    """A copy of a config dict with ``--set`` overrides applied (before validation)."""
    out = json.loads(json.dumps(data))
    for text in overrides:
        path, value = parse_override(text)
        if len(path) == 1 and default_section is not None:
            path = [default_section, *path]
        set_path(out, path, value, field="--set")
    return out


def set_path(data: dict[str, Any], path: list[str], value: Any, field: str = "key") -> None:
    """``data[path[0]]...[path[-1]] = value`` in a nested config dict, making tables on the
    way; ``field`` names the input in the error when a step of the path is not a table."""
    node = data
    for part in path[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ConfigError(field, ".".join(path), f"{part} is not a table")
    node[path[-1]] = value
