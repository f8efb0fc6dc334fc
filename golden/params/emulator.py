"""The array emulator's number formats (the ``[emulator]`` table of a tile config): how the
discrete-state (Lut) devices of an array live in block RAM and how their random numbers are
drawn (see :mod:`golden.lut_exact`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from golden.errors import ConfigError
from golden.lfsr import LFSR_TAPS
from golden.params.base import Params, spec

__all__ = ["EmulatorParams"]


@dataclass(frozen=True)
class EmulatorParams(Params):
    """Fixed-point formats of the emulated Lut arrays (xbarkit).

    A pulse moves a device by ``k = T[s] g (1 + dw_min_std xi)`` states, stochastically rounded
    (:class:`~golden.params.LutParams`); in the emulator ``T`` has ``step_frac`` fraction bits,
    the d2d gain ``g`` is ``d2d_bits`` wide with ``d2d_frac`` fraction bits, the c2c factor comes
    from a table of ``2**noise_bits`` Gaussian quantiles with ``noise_frac`` fraction bits, and
    every pulse takes ``noise_bits + step_frac`` bits of its row's LFSR (``lfsr_width`` bits,
    seeded from ``seed``). A column read answers each row with an ADC code from a level table
    plus a read-noise quantile (``level_frac`` fraction bits, in ADC steps); an MVM sums DAC
    codes times a level table of ``mvm_frac`` fraction bits (:mod:`golden.mvm_exact`)."""

    section: ClassVar[str] = "emulator"

    step_frac: int = spec(6, "fraction bits of the per-state step tables (states)", ge=1, le=12)
    d2d_frac: int = spec(7, "fraction bits of a device's d2d up/down gain", ge=1, le=12)
    d2d_bits: int = spec(
        9, "width of a device's d2d gain (gains below 2**(bits-frac))", ge=2, le=16
    )
    noise_bits: int = spec(8, "LFSR bits that pick a c2c noise quantile per pulse", ge=1, le=12)
    noise_frac: int = spec(7, "fraction bits of a c2c noise factor 1 + dw_min_std xi", ge=1, le=12)
    level_frac: int = spec(
        4, "fraction bits of the level and read-noise tables (ADC steps)", ge=0, le=12
    )
    mvm_frac: int = spec(
        12, "fraction bits of the MVM level and noise tables (ADC steps per DAC step)", ge=1, le=16
    )
    lfsr_width: int = spec(32, "width of each row's device-noise LFSR", ge=8, le=64)
    seed: int = spec(
        0, "master seed of the LFSRs (A: seed, C: seed + 1) and the d2d draws", ge=0, le=2**63 - 1
    )
    c_init: float = spec(
        0.0, "C's initial weights: uniform in +-c_init (0 = every device at w = 0)", ge=0
    )

    def check(self) -> None:
        if self.d2d_bits <= self.d2d_frac:
            raise ConfigError("d2d_bits", self.d2d_bits, f"must be > d2d_frac ({self.d2d_frac})")
        if self.lfsr_width not in LFSR_TAPS:
            raise ConfigError("lfsr_width", self.lfsr_width, f"one of {sorted(LFSR_TAPS)}")
        if self.word_bits > self.lfsr_width:
            raise ConfigError(
                "noise_bits", self.noise_bits, "noise_bits + step_frac must be <= lfsr_width"
            )

    @property
    def word_bits(self) -> int:
        """LFSR bits one pulse takes: the noise index, then the rounding word."""
        return self.noise_bits + self.step_frac

    @property
    def product_shift(self) -> int:
        """Right shift of ``T g N`` back to ``step_frac`` fraction bits."""
        return self.d2d_frac + self.noise_frac
