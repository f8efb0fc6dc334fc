"""The hardware-exact form of a discrete-state (Lut) device array: the integers an FPGA array
emulator keeps in block RAM and the pulse rule it applies (:mod:`golden.hw.crossbar`, the RTL
``rtl/crossbar.py``), also used by golden's ``rng_mode = "hw_exact"`` training.

A device is an integer state ``s`` in ``0 .. n_states - 1`` plus two d2d gains ``g_up``,
``g_down`` (unsigned, ``d2d_frac`` fraction bits: the float device's ``step_up``/``step_down``
in states, rounded). One pulse, up or down, takes a word of ``noise_bits + step_frac`` bits from
its row's LFSR (:func:`golden.lfsr.lfsr_word`): the low ``noise_bits`` bits ``u`` pick the c2c
factor ``N[u]``, the next ``step_frac`` bits are the rounding word ``r``; then

    k     = (T[s] * g * N[u]) >> (d2d_frac + noise_frac)      (step_frac fraction bits)
    moves = (k >> step_frac) + (r < (k mod 2**step_frac))
    s    <- min(s + moves, n_states - 1)  (up)   or   max(s - moves, 0)  (down)

with ``T`` = ``up_steps`` or ``down_steps`` in ``step_frac`` fraction bits and
``N[u] = max(0, round((1 + dw_min_std xi_u) 2**noise_frac))``, ``xi_u = Phi^-1((u + 1/2) /
2**noise_bits)``: the float Lut rule ``k = T g (1 + dw_min_std xi)``, floor plus a Bernoulli of
the fraction, in fixed point with a quantised Gaussian. Each row owns one LFSR (lane
:func:`device_lane` of ``EmulatorParams.seed``), so rows are independent and the order of the
pulses within a row is the whole contract.

A one-hot read of column j answers row i with the ADC code

    code_i = clamp((L[s_ij] + R[u_i] + 2**(level_frac - 1)) >> level_frac, -2**(adc_bits-1),
                   2**(adc_bits-1) - 1)

with the level table ``L[s] = round(w(s) / out_step 2**level_frac)``, ``w(s) = w_min + s dw_min``
(one table for the array: the emulated device's bounds have no d2d spread), and the read noise
``R[u] = round(out_noise / out_step xi_u 2**level_frac)``, ``u`` the next ``noise_bits`` bits of
the array's read LFSR (lane :data:`READ_LANE`), rows in ascending order.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import NamedTuple

import numpy as np
from numba import njit

from golden.errors import ConfigError
from golden.kernels.device import P_STEP_DOWN, P_STEP_UP
from golden.lfsr import lane_seed, lfsr_mask, lfsr_word
from golden.params import EmulatorParams, IOParams, LutParams, check_emulated, check_lut

__all__ = [
    "READ_LANE",
    "ArrayImage",
    "ExactLut",
    "ReadTables",
    "array_image",
    "device_gains",
    "device_lane",
    "exact_tables",
    "fixed_point",
    "gaussian_quantiles",
    "pulse_exact",
    "read_code",
    "read_tables",
    "row_pulses_exact",
    "row_seeds",
]

#: lane number of an array's read-noise LFSR
READ_LANE = 1 << 33


class ExactLut(NamedTuple):
    """The integer tables of one Lut device type in an emulator's formats."""

    up: np.ndarray  #: up_steps, step_frac fraction bits (int64, n_states)
    down: np.ndarray  #: down_steps, step_frac fraction bits (int64, n_states)
    noise: np.ndarray  #: c2c factors, noise_frac fraction bits (int64, 2**noise_bits)
    n_states: int
    step_frac: int
    noise_bits: int
    product_shift: int
    word_bits: int
    lfsr_mask: np.uint64


class ReadTables(NamedTuple):
    """The integer tables of a one-hot column read (``level_frac`` fraction bits, ADC steps)."""

    level: np.ndarray  #: level of each state (int64, n_states)
    noise: np.ndarray  #: read-noise quantiles (int64, 2**noise_bits)
    level_frac: int
    noise_bits: int
    adc_bits: int


class ArrayImage(NamedTuple):
    """What an emulated array holds per device: state and d2d gains (int64, rows x cols)."""

    states: np.ndarray
    g_up: np.ndarray
    g_down: np.ndarray


def device_lane(i: int) -> int:
    """Lane number of row i's device-noise LFSR (apart from the pulse generator's lanes)."""
    return (1 << 32) + i


def fixed_point(values, frac: int, name: str, bits: int = 62, signed: bool = False) -> np.ndarray:
    out = np.array([math.floor(v * 2**frac + 0.5) for v in values], dtype=np.int64)
    lo, hi = (-(1 << (bits - 1)), 1 << (bits - 1)) if signed else (0, 1 << bits)
    if (out < lo).any() or (out >= hi).any():
        kind = "signed" if signed else "unsigned"
        raise ConfigError(name, "<table>", f"every entry must fit {bits} {kind} bits")
    return out


def gaussian_quantiles(noise_bits: int) -> list[float]:
    """``Phi^-1((u + 1/2) / 2**noise_bits)`` for every index u."""
    n = 2**noise_bits
    return [NormalDist().inv_cdf((u + 0.5) / n) for u in range(n)]


def exact_tables(device: LutParams, em: EmulatorParams) -> ExactLut:
    """The integer tables of ``device`` in the formats of ``em``."""
    check_lut(device)
    up, down = device.tables()
    factors = [max(0.0, 1.0 + device.dw_min_std * xi) for xi in gaussian_quantiles(em.noise_bits)]
    return ExactLut(
        up=fixed_point(up, em.step_frac, "device.up_steps", 16),
        down=fixed_point(down, em.step_frac, "device.down_steps", 16),
        noise=fixed_point(factors, em.noise_frac, "device.dw_min_std", 16),
        n_states=device.n_states,
        step_frac=em.step_frac,
        noise_bits=em.noise_bits,
        product_shift=em.product_shift,
        word_bits=em.word_bits,
        lfsr_mask=np.uint64(lfsr_mask(em.lfsr_width)),
    )


def read_tables(device: LutParams, io: IOParams, em: EmulatorParams, adc_bits: int) -> ReadTables:
    """The level and read-noise tables of ``device`` read through ``io``'s ADC."""
    check_emulated(device, io)
    step = io.out_step
    levels = [(device.w_min + s * device.dw_min) / step for s in range(device.n_states)]
    noise = [io.out_noise / step * xi for xi in gaussian_quantiles(em.noise_bits)]
    width = adc_bits + em.level_frac + 8
    return ReadTables(
        level=fixed_point(levels, em.level_frac, "device.w_max", width, signed=True),
        noise=fixed_point(noise, em.level_frac, "io.out_noise", width, signed=True),
        level_frac=em.level_frac,
        noise_bits=em.noise_bits,
        adc_bits=adc_bits,
    )


def read_code(s: int, u: int, rt: ReadTables) -> int:
    """The ADC code of a device in state ``s`` read with noise index ``u``."""
    half = (1 << rt.level_frac) >> 1
    code = (int(rt.level[s]) + int(rt.noise[u]) + half) >> rt.level_frac
    top = (1 << (rt.adc_bits - 1)) - 1
    return min(max(code, -top - 1), top)


def array_image(devices, em: EmulatorParams) -> ArrayImage:
    """The emulator's image of a float Lut :class:`~golden.devices.DeviceArray`: its states
    and its d2d gains in fixed point."""
    g_up, g_down = device_gains(devices.P[P_STEP_UP], devices.P[P_STEP_DOWN], em)
    return ArrayImage(devices.hidden.astype(np.int64), g_up, g_down)


def device_gains(step_up: np.ndarray, step_down: np.ndarray, em: EmulatorParams):
    """``(g_up, g_down)``: a Lut device array's d2d step gains (in states, the float
    device's ``P[P_STEP_UP]``/``P[P_STEP_DOWN]``) rounded to ``d2d_frac`` fraction bits and
    saturated to ``d2d_bits``."""
    top = (1 << em.d2d_bits) - 1
    scale = 2**em.d2d_frac
    return tuple(
        np.clip(np.floor(np.asarray(g) * scale + 0.5), 0, top).astype(np.int64)
        for g in (step_up, step_down)
    )


def row_seeds(rows: int, em: EmulatorParams) -> np.ndarray:
    """The rows' device-noise LFSR seeds."""
    return np.array(
        [lane_seed(em.seed, device_lane(i), em.lfsr_width) for i in range(rows)], dtype=np.uint64
    )


@njit(cache=True)
def pulse_exact(s, up, gain, lut, word):
    """One pulse on a device in state ``s`` with d2d gain ``gain`` and LFSR word ``word``
    (module docstring); returns the new state."""
    u = word & ((1 << lut.noise_bits) - 1)
    r = (word >> lut.noise_bits) & ((1 << lut.step_frac) - 1)
    t = lut.up[s] if up else lut.down[s]
    k = (t * gain * lut.noise[u]) >> lut.product_shift
    moves = k >> lut.step_frac
    if r < (k & ((1 << lut.step_frac) - 1)):
        moves += 1
    if up:
        return min(s + moves, lut.n_states - 1)
    return max(s - moves, 0)


@njit(cache=True)
def row_pulses_exact(states, g_up, g_down, lut, lfsr, i, counts):
    """Apply ``counts[j]`` pulses (> 0 up, < 0 down) to every device j of row i, columns in
    ascending order, a device's pulses one after the other; ``lfsr[i]`` is the row's LFSR
    state (advanced in place)."""
    state = lfsr[i]
    for j in range(states.shape[1]):
        n = counts[j]
        up = n > 0
        gain = g_up[i, j] if up else g_down[i, j]
        s = states[i, j]
        for _ in range(abs(n)):
            state, word = lfsr_word(state, lut.lfsr_mask, lut.word_bits)
            s = pulse_exact(s, up, gain, lut, np.int64(word))
        states[i, j] = s
    lfsr[i] = state
