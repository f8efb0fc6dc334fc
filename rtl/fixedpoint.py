"""Fixed-point helpers in Amaranth with the names and meanings of :mod:`golden.fixedpoint`."""

from __future__ import annotations

from amaranth.hdl import C, Mux, Value, signed, unsigned

from golden.encoding import Rounding

__all__ = ["absolute", "bit_length", "clamp_unsigned", "saturate", "shift_right"]


def shift_right(value: Value, n: int, rounding: Rounding) -> Value:
    """``value / 2**n`` rounded: FLOOR is an arithmetic shift, HALF_UP adds ``2**(n-1)``
    first (``golden.fixedpoint.shift_right`` with a constant ``n >= 0``)."""
    if n == 0:
        return value
    if rounding == Rounding.HALF_UP:
        value = value + (1 << (n - 1))
    return value >> n


def saturate(value: Value, width: int) -> Value:
    """``value`` clamped to ``signed(width)`` (``golden.fixedpoint.resize`` with SATURATE).

    No compares (Yosys builds those as carry chains, which were on the critical path): the
    value fits when its bits from ``width - 1`` up are all equal (signed) or all 0 (unsigned);
    otherwise its sign picks the bound."""
    value = Value.cast(value)
    lo, hi = C(-(1 << (width - 1)), signed(width)), C((1 << (width - 1)) - 1, signed(width))
    if len(value) < width or (len(value) == width and value.shape().signed):
        return value.as_signed() if value.shape().signed else value
    top = value[width - 1 :]
    if not value.shape().signed:
        return Mux(top.any(), hi, value[:width].as_signed())
    fits = top.all() | ~top.any()
    return Mux(fits, value[:width].as_signed(), Mux(value[-1], lo, hi))


def absolute(value: Value) -> Value:
    """``abs`` of a signed value, selected by its sign bit (a compare against 0 becomes a carry
    chain in Yosys, which was on the critical path)."""
    return Mux(value[-1], -value, value)


def clamp_unsigned(value: Value, limit: int | Value, width: int) -> Value:
    """``min(value, limit)`` as ``unsigned(width)``."""
    limit = C(limit, unsigned(width)) if isinstance(limit, int) else limit
    return Mux(value > limit, limit, value[:width])


def bit_length(value: Value) -> Value:
    """Python's ``int.bit_length`` of an unsigned value: index of the top set bit plus one."""
    out = C(0, unsigned(len(value).bit_length()))
    for b in range(len(value)):
        out = Mux(value[b], b + 1, out)
    return out
