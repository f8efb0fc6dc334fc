"""Integer ("raw") fixed-point arithmetic with named rounding and overflow modes.

The same functions serve Python ints, numba int64 (they are ``@njit``) and, by name and meaning,
the Amaranth helpers in ``rtl/fixedpoint.py``. A value with ``frac`` fraction bits stands for
``raw / 2**frac``.
"""

from __future__ import annotations

import math

from numba import njit

from golden.encoding import Overflow, Rounding

__all__ = ["Overflow", "Rounding", "quantize_prob", "resize", "shift_right", "to_fixed"]

_HALF_UP = int(Rounding.HALF_UP)
_SATURATE = int(Overflow.SATURATE)


@njit(cache=True)
def shift_right(x: int, n: int, rounding: int) -> int:
    """``x / 2**n`` rounded: FLOOR is an arithmetic shift, HALF_UP adds ``2**(n-1)`` first."""
    if n <= 0:
        return x << -n
    if rounding == _HALF_UP:
        return (x + (1 << (n - 1))) >> n
    return x >> n


@njit(cache=True)
def resize(x: int, width: int, signed: bool, overflow: int) -> int:
    """``x`` fitted to ``width`` bits: WRAP keeps the low bits, SATURATE clamps to the range."""
    if signed:
        lo, hi = -(1 << (width - 1)), (1 << (width - 1)) - 1
    else:
        lo, hi = 0, (1 << width) - 1
    if overflow == _SATURATE:
        return min(max(x, lo), hi)
    x = x & ((1 << width) - 1)
    if signed and x > hi:
        x -= 1 << width
    return x


@njit(cache=True)
def to_fixed(value: float, frac: int, rounding: int) -> int:
    """The raw integer of ``value`` with ``frac`` fraction bits (FLOOR or HALF_UP)."""
    scaled = value * (2.0**frac)
    if rounding == _HALF_UP:
        return int(math.floor(scaled + 0.5))
    return int(math.floor(scaled))


@njit(cache=True)
def quantize_prob(p: float, nbits: int) -> int:
    """A probability in [0, 1] as a ``nbits``-bit comparator code.

    ``code = min(to_fixed(p, nbits, HALF_UP), 2**nbits)``; a slot fires when an ``nbits``-bit
    random word is ``< code``, so code 0 never fires and code ``2**nbits`` always fires.
    """
    if p <= 0.0:
        return 0
    return min(to_fixed(p, nbits, _HALF_UP), 1 << nbits)
