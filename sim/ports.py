"""Packing of code vectors into the flat Verilog ports (element 0 in the low bits, as
Amaranth's ``ArrayLayout`` and ``StructLayout`` lay them out)."""

from __future__ import annotations

from golden.params import PeripheryParams

__all__ = ["pack_codes", "pack_update"]


def pack_codes(values, bits: int) -> int:
    """Signed ``bits``-wide codes, element 0 in the low bits."""
    mask = (1 << bits) - 1
    word = 0
    for k, v in enumerate(values):
        word |= (int(v) & mask) << (k * bits)
    return word


def pack_update(x, d, p: PeripheryParams) -> int:
    """``i_update__payload``: x (cols codes) then d (rows codes)."""
    return pack_codes(x, p.x_bits) | pack_codes(d, p.d_bits) << (p.cols * p.x_bits)
