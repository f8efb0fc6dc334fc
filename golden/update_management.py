"""Update management in fixed point: the maths that the training kernels (``rng_mode =
hw_exact``) and the pulse generator's cycle model (:mod:`golden.hw.pulse_generator`) share.

Update management (aihwkit ``update_management``) makes the largest |x| and the largest |d|
fire with the same probability ``sqrt(k / BL)``, ``k = lr max|x| max|d| / dw_min``, so that
``E[coincidences_ij] = BL p_j q_i = lr |x_j d_i| / dw_min``. In hardware the maxima are replaced
by powers of two, which needs no divider: with ``e_x`` the bit length of ``OR_j |x_j|`` (so
``2**(e_x - 1) <= max|x| < 2**e_x``) and likewise ``e_d``,

    p_j = |x_j| / 2**e_x * g,      q_i = |d_i| / 2**e_d * g,
    g**2 = L 2**(e_x + e_d - (x_bits - 1) - (d_bits - 1)),   L = lr / (dw_min BL).

With the deficit ``D = x_bits + d_bits - e_x - e_d``, ``g = G / 2**s``, ``s = ceil(D / 2)`` and
``G`` = register ``GAIN_EVEN`` = ``sqrt(4 L)`` if ``D`` is even, ``GAIN_ODD`` = ``sqrt(8 L)``
if odd. The comparator code is

    code_j = min((|x_j| * G) >> (e_x + s + gain_frac - prob_bits), 2**prob_bits)

(floor), and slot t of lane j fires when the lane's ``prob_bits``-bit LFSR word is ``< code_j``.
Probabilities above 1 clip at 1 on each side (aihwkit moves the excess to the d side instead).

"""

from __future__ import annotations

import math

from numba import njit

from golden.encoding import Rounding
from golden.fixedpoint import to_fixed

__all__ = [
    "bit_length",
    "code_of",
    "exponent",
    "gain_and_shifts",
    "quantize_inputs",
    "update_gains",
]

_HALF_UP = int(Rounding.HALF_UP)


@njit(cache=True)
def bit_length(v: int) -> int:
    """``int.bit_length`` of a non-negative integer (0 for 0)."""
    n = 0
    while v > 0:
        v >>= 1
        n += 1
    return n


@njit(cache=True)
def exponent(codes) -> int:
    """Bit length of the OR of the magnitudes of a code array (``2**(e-1) <= max|code| < 2**e``;
    0 if all are 0): the REDUCE and EXPONENT steps in one call."""
    acc = 0
    for k in range(codes.shape[0]):
        acc |= abs(codes[k])
    return bit_length(acc)


@njit(cache=True)
def gain_and_shifts(ex, ed, gain_even, gain_odd, max_deficit, gain_frac, prob_bits):
    """``(G, shift_x, shift_d)`` for exponents ``ex``, ``ed`` (module docstring)."""
    deficit = max_deficit - ex - ed
    s = (deficit + 1) >> 1
    gain = gain_odd if deficit & 1 else gain_even
    base = s + gain_frac - prob_bits
    return gain, ex + base, ed + base


@njit(cache=True)
def code_of(mag: int, gain: int, shift: int, prob_bits: int) -> int:
    """``min((mag * gain) >> shift, 2**prob_bits)``."""
    return min((mag * gain) >> shift, 1 << prob_bits)


@njit(cache=True)
def update_gains(lr, dw_min, bl, x_bits, d_bits, gain_bits, gain_frac):
    """``(GAIN_EVEN, GAIN_ODD)``: ``sqrt(4 L)`` and ``sqrt(8 L)``, ``L = lr / (dw_min BL)``,
    with ``gain_frac`` fraction bits, rounded half up and saturated to ``gain_bits``."""
    ell = lr / (dw_min * bl) * 4.0  # 2**(x_bits + d_bits - (x_bits - 1) - (d_bits - 1))
    top = (1 << gain_bits) - 1
    even = min(to_fixed(math.sqrt(ell), gain_frac, _HALF_UP), top)
    odd = min(to_fixed(math.sqrt(2.0 * ell), gain_frac, _HALF_UP), top)
    return even, odd


@njit(cache=True)
def quantize_inputs(v, bits, codes):
    """The host side of the periphery: ``v`` as signed ``bits`` codes of ``v / scale`` with
    ``scale = 2**e`` the power of two just above ``max|v|`` (half-up rounding, saturating).
    Writes ``codes`` and returns ``scale`` (1.0 for an all-zero vector)."""
    m = 0.0
    for k in range(v.shape[0]):
        m = max(m, abs(v[k]))
    scale = 1.0
    if m > 0.0:
        scale = 2.0 ** math.frexp(m)[1]
    frac = bits - 1
    lo, hi = -(1 << frac), (1 << frac) - 1
    for k in range(v.shape[0]):
        codes[k] = min(max(to_fixed(v[k] / scale, frac, _HALF_UP), lo), hi)
    return scale
