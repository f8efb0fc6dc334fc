"""Fast, counter-based random numbers for golden's training mode (SplitMix64 streams).

A stream is keyed by ``(seed, stream, counter, lane)``: the key is hashed into a 64-bit start
state and the stream is SplitMix64 from there. Every lane of a parallel loop (a row, a column, a
sample) derives its own stream, so results never depend on thread scheduling, and any draw can be
reproduced from its key alone.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = [
    "STREAM_BITS_D",
    "STREAM_BITS_X",
    "STREAM_DEVICE",
    "STREAM_IO",
    "STREAM_WRITE_NOISE",
    "mix64",
    "mix64_py",
    "next_normal",
    "next_u64",
    "next_uniform",
    "stream_key",
]

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_INV53 = 1.0 / 9007199254740992.0  # 2**-53

#: stream identifiers: one per kind of draw, so draws of different kinds never collide
STREAM_BITS_X = 1
STREAM_BITS_D = 2
STREAM_DEVICE = 3
STREAM_IO = 4
STREAM_WRITE_NOISE = 5


def mix64_py(z: int) -> int:
    """SplitMix64's finaliser on Python ints (for seeds computed outside kernels)."""
    mask = 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
    return z ^ (z >> 31)


@njit(cache=True)
def mix64(z: np.uint64) -> np.uint64:
    """SplitMix64's finaliser: a bijective 64-bit mix."""
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@njit(cache=True)
def stream_key(seed: int, stream: int, counter: int, lane: int) -> np.uint64:
    """Start state of the stream for (seed, stream, counter, lane)."""
    s = mix64(np.uint64(seed) + GOLDEN * np.uint64(stream + 1))
    s = mix64(s ^ np.uint64(counter))
    return mix64(s + GOLDEN * np.uint64(lane + 1))


@njit(cache=True)
def next_u64(state: np.uint64) -> tuple[np.uint64, np.uint64]:
    """(new state, 64 random bits)."""
    state = state + GOLDEN
    return state, mix64(state)


@njit(cache=True)
def next_uniform(state: np.uint64) -> tuple[np.uint64, float]:
    """(new state, u) with u uniform in [0, 1) on a 2**-53 grid."""
    state, z = next_u64(state)
    return state, float(z >> np.uint64(11)) * _INV53


@njit(cache=True)
def next_normal(state: np.uint64) -> tuple[np.uint64, float]:
    """(new state, xi) with xi ~ N(0, 1) by the Box-Muller transform."""
    state, u1 = next_uniform(state)
    state, u2 = next_uniform(state)
    return state, math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)
