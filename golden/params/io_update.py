"""The analog IO (aihwkit ``IOParameters``), the pulsed update (``UpdateParameters``),
one tile, and the fixed-point formats the update shares with the periphery."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from golden.encoding import BoundManagement, NoiseManagement, PulseType, RngMode
from golden.errors import ConfigError
from golden.lfsr import LFSR_TAPS
from golden.params.base import Params, spec
from golden.params.devices import DeviceParams, default_device

__all__ = [
    "HW_FORMATS",
    "IOParams",
    "TileParams",
    "UpdateParams",
    "check_hw_formats",
    "hw_format",
]


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
            for name, want in (
                ("update_bl_management", False),
                ("fixed_bl", True),
                ("update_management", True),
            ):
                if getattr(self, name) != want:
                    raise ConfigError(
                        name,
                        getattr(self, name),
                        f"must be {str(want).lower()} with rng_mode = hw_exact ({fixed})",
                    )


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


@dataclass(frozen=True)
class TileParams(Params):
    """One analog tile (aihwkit ``SingleRPUConfig``): device, forward/backward IO, update."""

    section: ClassVar[str] = "tile"

    device: DeviceParams = field(
        default_factory=default_device, metadata={"doc": "the device model of every cell"}
    )
    forward: IOParams = field(default_factory=IOParams, metadata={"doc": "forward-pass IO"})
    backward: IOParams = field(default_factory=IOParams, metadata={"doc": "backward-pass IO"})
    update: UpdateParams = field(default_factory=UpdateParams, metadata={"doc": "pulsed update"})
