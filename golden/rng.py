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


@njit(cache=True, inline="always")
def mix64(z: np.uint64) -> np.uint64:
    """SplitMix64's finaliser: a bijective 64-bit mix."""
    z = np.uint64(z)
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@njit(cache=True, inline="always")
def stream_key(seed: int, stream: int, counter: int, lane: int) -> np.uint64:
    """Start state of the stream for (seed, stream, counter, lane)."""
    s = mix64(np.uint64(seed) + GOLDEN * np.uint64(stream + 1))
    s = mix64(s ^ np.uint64(counter))
    return mix64(s + GOLDEN * np.uint64(lane + 1))


@njit(cache=True, inline="always")
def next_u64(state: np.uint64) -> tuple[np.uint64, np.uint64]:
    """(new state, 64 random bits)."""
    state = np.uint64(state) + GOLDEN
    return state, mix64(state)


@njit(cache=True, inline="always")
def next_uniform(state: np.uint64) -> tuple[np.uint64, float]:
    """(new state, u) with u uniform in [0, 1) on a 2**-53 grid."""
    state, z = next_u64(state)
    return state, float(z >> np.uint64(11)) * _INV53


def _ziggurat_tables(
    layers: int = 128, r: float = 3.442619855899, v: float = 9.91256303526217e-3
) -> tuple[np.ndarray, np.ndarray]:
    """Layer edges x[i] and ratios x[i+1]/x[i] of the 128-layer normal ziggurat (Marsaglia &
    Tsang 2000, Doornik's ZIGNOR form)."""
    x = np.zeros(layers + 1)
    f = math.exp(-0.5 * r * r)
    x[0] = v / f
    x[1] = r
    for i in range(2, layers):
        x[i] = math.sqrt(-2.0 * math.log(v / x[i - 1] + f))
        f = math.exp(-0.5 * x[i] * x[i])
    x[layers] = 0.0
    return x, x[1:] / x[:-1]


_ZIG_X, _ZIG_R = _ziggurat_tables()
_ZIG_TAIL = 3.442619855899


@njit(cache=True, inline="always")
def next_normal(state: np.uint64) -> tuple[np.uint64, float]:
    """(new state, xi) with xi ~ N(0, 1), exact in distribution (ziggurat: about 99% of draws
    take one 64-bit word and a multiply; the rest go to the out-of-line slow path)."""
    state, z = next_u64(state)
    layer = int(z & np.uint64(127))
    u = 2.0 * (float(z >> np.uint64(11)) * _INV53) - 1.0
    if abs(u) < _ZIG_R[layer]:
        return state, u * _ZIG_X[layer]
    return _normal_slow(state, layer, u)


@njit(cache=True)
def _normal_slow(state: np.uint64, layer: int, u: float) -> tuple[np.uint64, float]:
    """The ziggurat's rejection steps (wedges and the tail beyond R), then a fresh draw."""
    while True:
        if layer == 0:  # the tail beyond R (Marsaglia's method)
            while True:
                state, u1 = next_uniform(state)
                state, u2 = next_uniform(state)
                t = math.log(1.0 - u1) / _ZIG_TAIL
                if -2.0 * math.log(1.0 - u2) >= t * t:
                    return state, (t - _ZIG_TAIL) if u < 0.0 else (_ZIG_TAIL - t)
        x = u * _ZIG_X[layer]
        f0 = math.exp(-0.5 * (_ZIG_X[layer] ** 2 - x * x))
        f1 = math.exp(-0.5 * (_ZIG_X[layer + 1] ** 2 - x * x))
        state, u2 = next_uniform(state)
        if f1 + u2 * (f0 - f1) < 1.0:
            return state, x
        state, z = next_u64(state)
        layer = int(z & np.uint64(127))
        u = 2.0 * (float(z >> np.uint64(11)) * _INV53) - 1.0
        if abs(u) < _ZIG_R[layer]:
            return state, u * _ZIG_X[layer]
