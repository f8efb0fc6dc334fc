"""Parameters of the digital periphery: array size, BL and every fixed-point format.

One :class:`PeripheryParams` object elaborates the RTL (every width, lane count and seed comes
from it), builds the golden hardware models and reaches the cocotb testbenches as JSON.

Formats (``raw`` integers; a value with ``f`` fraction bits is ``raw / 2**f``):

* x and d: signed ``x_bits`` / ``d_bits`` codes, real value ``code / 2**(bits - 1)``.
* update gains ``GAIN_EVEN``, ``GAIN_ODD``: unsigned ``gain_bits`` with ``gain_frac`` fraction
  bits (see :mod:`golden.update_management` for the update management they implement).
* comparator codes: ``prob_bits`` fraction bits, ``0 .. 2**prob_bits``.
* ADC codes: signed ``adc_bits``.
* TTv2 buffer H: signed ``h_bits``, saturating; ``TRANSFER_LR`` unsigned ``lr_bits``;
  ``MOMENTUM`` unsigned with ``momentum_frac`` fraction bits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from golden.encoding import ConfigReg, Rounding
from golden.errors import ConfigError
from golden.params.base import Params, spec
from golden.params.io_update import HW_FORMATS, check_hw_formats, hw_format
from golden.update_management import update_gains

__all__ = ["PeripheryParams"]


@dataclass(frozen=True)
class PeripheryParams(Params):
    """The periphery of one pair of arrays A (rows x cols) and C (same size) for TTv2."""

    section: ClassVar[str] = "rtl"

    rows: int = spec(16, "rows of A and C (d side, outputs of the forward read)", ge=1, le=1024)
    cols: int = spec(16, "columns of A and C (x side, inputs)", ge=1, le=1024)
    bl: int = spec(31, "pulse-train length BL of an update (aihwkit desired_bl)", ge=1, le=64)
    x_bits: int = hw_format("x_bits")
    d_bits: int = hw_format("d_bits")
    prob_bits: int = hw_format("prob_bits")
    lfsr_width: int = hw_format("lfsr_width")
    seed: int = spec(0, "master seed of the per-lane LFSR seeds", ge=0, le=2**63 - 1)
    gain_bits: int = hw_format("gain_bits")
    gain_frac: int = hw_format("gain_frac")
    adc_bits: int = spec(9, "width of a signed ADC code of the forward read", ge=2, le=16)
    lr_bits: int = spec(12, "width of the TTv2 TRANSFER_LR register", ge=1, le=24)
    h_bits: int = spec(
        18, "width of a signed TTv2 buffer element H (18: one DSP per multiply)", ge=4, le=40
    )
    momentum_frac: int = spec(8, "fraction bits of the TTv2 MOMENTUM register", ge=1, le=16)
    period_bits: int = spec(16, "width of the TRANSFER_EVERY register", ge=1, le=32)
    rounding: Rounding = spec(Rounding.HALF_UP, "rounding of the momentum products")
    lane_group: int = spec(
        4,
        "RTL only: pulse-generator lanes (and transfer-controller rows) per replicated copy of "
        "the state flags and the aligned gain (bounds the fan-out of the control nets; no "
        "effect on behaviour)",
        ge=1,
        le=1024,
    )

    def check(self) -> None:
        check_hw_formats(self)
        if self.h_bits < self.momentum_frac + 2:
            raise ConfigError(
                "h_bits", self.h_bits, f"must be >= momentum_frac + 2 ({self.momentum_frac + 2})"
            )

    # ---- derived widths (the RTL takes these, never its own numbers) ----------------------
    @property
    def x_mag_bits(self) -> int:
        """Width of |x| (holds 2**(x_bits - 1))."""
        return self.x_bits

    @property
    def d_mag_bits(self) -> int:
        return self.d_bits

    @property
    def mult_steps(self) -> int:
        """Clocks of the pulse generator's MULT step: one halving per clock, as many as the
        largest right shift of ``|x| * gain`` (:attr:`max_shift`)."""
        return self.max_shift

    @property
    def aligned_bits(self) -> int:
        """Width of an aligned gain ``gain << (mult_steps - shift)`` and of a lane's product
        register (the product stays below the aligned gain)."""
        return self.gain_bits + self.mult_steps - (self.gain_frac - self.prob_bits)

    @property
    def exp_bits(self) -> int:
        """Width of an exponent (bit length of a magnitude, 0 .. mag_bits)."""
        return max(self.x_mag_bits, self.d_mag_bits).bit_length()

    @property
    def max_deficit(self) -> int:
        """Largest exponent deficit ``x_bits + d_bits - ex - ed``."""
        return self.x_mag_bits + self.d_mag_bits

    @property
    def max_shift(self) -> int:
        """Largest right shift of ``|x| * gain`` (:func:`golden.update_management.gain_and_shifts`
        with both exponents at their extremes)."""
        return self.max_mag_bits + (self.max_deficit + 1) // 2 + self.gain_frac - self.prob_bits

    @property
    def max_mag_bits(self) -> int:
        return max(self.x_mag_bits, self.d_mag_bits)

    @property
    def code_bits(self) -> int:
        """Width of a comparator code (holds 2**prob_bits)."""
        return self.prob_bits + 1

    @property
    def slot_bits(self) -> int:
        return max(1, (self.bl - 1).bit_length())

    @property
    def count_bits(self) -> int:
        """Width of a signed TTv2 pulse count (-BL .. BL)."""
        return self.bl.bit_length() + 1

    @property
    def thres_bits(self) -> int:
        """Width of THRES_SHIFT (0 .. h_bits - 2)."""
        return (self.h_bits - 2).bit_length()

    @property
    def momentum_bits(self) -> int:
        """Width of MOMENTUM (holds 1.0 = 2**momentum_frac)."""
        return self.momentum_frac + 1

    @property
    def h_depth(self) -> int:
        """Entries of the H buffer memory (one per element, column-major)."""
        return self.rows * self.cols

    def register_widths(self) -> dict[ConfigReg, int]:
        """Width of every configuration register."""
        return {
            ConfigReg.GAIN_EVEN: self.gain_bits,
            ConfigReg.GAIN_ODD: self.gain_bits,
            ConfigReg.TRANSFER_LR: self.lr_bits,
            ConfigReg.THRES_SHIFT: self.thres_bits,
            ConfigReg.MOMENTUM: self.momentum_bits,
            ConfigReg.FORGET: 1,
            ConfigReg.MAX_PULSES: self.bl.bit_length(),
            ConfigReg.TRANSFER_EVERY: self.period_bits,
        }

    def register_resets(self) -> dict[ConfigReg, int]:
        """Values after reset: gains 0 (no pulses), MAX_PULSES = BL, a transfer every update."""
        values = dict.fromkeys(ConfigReg, 0)
        values[ConfigReg.MAX_PULSES] = self.bl
        values[ConfigReg.TRANSFER_EVERY] = 1
        return values

    @property
    def cfg_data_bits(self) -> int:
        return max(self.register_widths().values())

    def register_limit(self, reg: ConfigReg) -> int:
        """Largest meaningful value of a register; the hardware clamps writes to it."""
        limits = {
            ConfigReg.THRES_SHIFT: self.h_bits - 2,
            ConfigReg.MOMENTUM: 1 << self.momentum_frac,
            ConfigReg.MAX_PULSES: self.bl,
        }
        return limits.get(reg, (1 << self.register_widths()[reg]) - 1)

    # ---- host-side helpers --------------------------------------------------------------
    def update_gains(self, lr: float, dw_min: float) -> tuple[int, int]:
        """``(GAIN_EVEN, GAIN_ODD)`` codes for learning rate ``lr`` on devices of step
        ``dw_min`` (:func:`golden.update_management.update_gains`; x and d codes stand for
        ``code / 2**(bits - 1)``)."""
        if not (lr > 0 and dw_min > 0):
            raise ConfigError("lr", lr, "lr and dw_min must be > 0")
        g = update_gains(
            float(lr),
            float(dw_min),
            self.bl,
            self.x_bits,
            self.d_bits,
            self.gain_bits,
            self.gain_frac,
        )
        return int(g[0]), int(g[1])

    @classmethod
    def for_update(cls, update, rows: int, cols: int, seed: int = 0, **rest) -> PeripheryParams:
        """The periphery that draws exactly the pulses of ``update`` (an
        :class:`~golden.params.UpdateParams` in hw_exact mode) on a rows x cols array."""
        formats = {name: getattr(update, name) for name in HW_FORMATS}
        return cls(rows=rows, cols=cols, bl=update.desired_bl, seed=seed, **formats, **rest)
