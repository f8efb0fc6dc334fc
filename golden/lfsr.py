"""THE random-bit specification shared by golden's hw-exact mode and the RTL.

Form: a Galois LFSR of ``width`` bits, shifting right. One step is::

    out   = state & 1
    state = state >> 1
    if out: state ^= mask          # mask = sum(1 << (t - 1) for t in taps)

``taps`` are the exponents of a primitive polynomial (Xilinx XAPP052's maximal-length table),
so every non-zero seed has period ``2**width - 1``. A *word* of ``nbits`` random bits is made of
the next ``nbits`` output bits, the first one in bit 0. Each row and column of a crossbar owns
one LFSR (one *lane*); lane ``2 j`` is column j, lane ``2 i + 1`` is row i, and its seed is
:func:`lane_seed` ``(master, lane, width)``, never 0.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from golden.rng import mix64_py

__all__ = [
    "LFSR_TAPS",
    "col_lane",
    "lane_seed",
    "lfsr_mask",
    "lfsr_step",
    "lfsr_word",
    "row_lane",
]

#: width -> taps (exponents) of a primitive feedback polynomial
LFSR_TAPS: dict[int, tuple[int, ...]] = {
    8: (8, 6, 5, 4),
    9: (9, 5),
    10: (10, 7),
    11: (11, 9),
    12: (12, 6, 4, 1),
    13: (13, 4, 3, 1),
    14: (14, 5, 3, 1),
    15: (15, 14),
    16: (16, 15, 13, 4),
    17: (17, 14),
    18: (18, 11),
    19: (19, 6, 2, 1),
    20: (20, 17),
    21: (21, 19),
    22: (22, 21),
    23: (23, 18),
    24: (24, 23, 22, 17),
    25: (25, 22),
    26: (26, 6, 2, 1),
    27: (27, 5, 2, 1),
    28: (28, 25),
    29: (29, 27),
    30: (30, 6, 4, 1),
    31: (31, 28),
    32: (32, 22, 2, 1),
    48: (48, 47, 21, 20),
    64: (64, 63, 61, 60),
}


def lfsr_mask(width: int) -> int:
    """The XOR mask of the Galois form for ``width`` bits."""
    return sum(1 << (t - 1) for t in LFSR_TAPS[width])


def row_lane(i: int) -> int:
    """Lane number of row (d side) ``i``."""
    return 2 * i + 1


def col_lane(j: int) -> int:
    """Lane number of column (x side) ``j``."""
    return 2 * j


def lane_seed(master: int, lane: int, width: int) -> int:
    """Seed of one lane: a SplitMix64 hash of (master, lane) cut to ``width`` bits, never 0."""
    z = mix64_py((master * 0x9E3779B97F4A7C15 + lane + 1) & 0xFFFFFFFFFFFFFFFF)
    z = mix64_py(z ^ lane) & ((1 << width) - 1)
    return z if z else 1


@njit(cache=True)
def lfsr_step(state: np.uint64, mask: np.uint64) -> tuple[np.uint64, np.uint64]:
    """One Galois step: (new state, output bit)."""
    state, mask = np.uint64(state), np.uint64(mask)
    out = state & np.uint64(1)
    state = state >> np.uint64(1)
    if out:
        state ^= mask
    return state, out


@njit(cache=True)
def lfsr_word(state: np.uint64, mask: np.uint64, nbits: int) -> tuple[np.uint64, np.uint64]:
    """The next ``nbits`` output bits as a word (first bit in bit 0): (new state, word)."""
    state, mask = np.uint64(state), np.uint64(mask)
    word = np.uint64(0)
    for k in range(nbits):
        state, out = lfsr_step(state, mask)
        word |= out << np.uint64(k)
    return state, word
