"""The random-bit and fixed-point specs: RNG streams, ziggurat normals, LFSR, fixed point."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit
from scipy import stats

from golden.encoding import Overflow, Rounding
from golden.fixedpoint import quantize_prob, resize, shift_right, to_fixed
from golden.lfsr import LFSR_TAPS, col_lane, lane_seed, lfsr_mask, lfsr_step, lfsr_word, row_lane
from golden.rng import mix64, mix64_py, next_normal, next_u64, next_uniform, stream_key
from tests.golden import naive


@pytest.mark.kernel
# ---- rng -------------------------------------------------------------------------------------
@given(st.integers(0, 2**64 - 1))
@settings(max_examples=200, deadline=None)
def test_mix64_matches_twin(z):
    assert int(mix64(np.uint64(z))) == naive.mix64(z) == mix64_py(z)


@pytest.mark.kernel
@given(st.integers(0, 2**62), st.integers(0, 7), st.integers(0, 2**40), st.integers(0, 2**20))
@settings(max_examples=100, deadline=None)
def test_stream_key_and_draws_match_twin(seed, stream, counter, lane):
    key = stream_key(seed, stream, counter, lane)
    assert int(key) == naive.stream_key_naive(seed, stream, counter, lane)
    state, out = key, []
    for _ in range(5):
        state, z = next_u64(np.uint64(state))  # numba returns uint64 as a Python int
        out.append(int(z))
    assert out == naive.splitmix_draws(int(key), 5)


def test_uniform_range_and_moments():
    state, us = stream_key(1, 0, 0, 0), []
    for _ in range(20000):
        state, u = next_uniform(np.uint64(state))
        us.append(u)
    us = np.array(us)
    assert us.min() >= 0.0 and us.max() < 1.0
    assert stats.kstest(us, "uniform").pvalue > 1e-3


@njit(cache=True)
def _normals(n, seed):
    out = np.empty(n)
    state = stream_key(seed, 0, 0, 0)
    for k in range(n):
        state, out[k] = next_normal(state)
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ziggurat_is_standard_normal(seed):
    """KS against N(0,1) on 200k draws, plus the tails the ziggurat treats specially
    (|xi| > R = 3.44 has probability 5.8e-4)."""
    xi = _normals(200_000, seed)
    assert stats.kstest(xi, "norm").pvalue > 1e-3
    assert abs(xi.mean()) < 5 / np.sqrt(xi.size)
    assert abs(xi.var() - 1) < 0.02
    tail = np.mean(np.abs(xi) > 3.442619855899)
    assert tail == pytest.approx(2 * stats.norm.sf(3.442619855899), rel=0.25)


# ---- lfsr ------------------------------------------------------------------------------------
def _polymulmod(a: int, b: int, poly: int, n: int) -> int:
    out = 0
    while b:
        if b & 1:
            out ^= a
        b >>= 1
        a <<= 1
        if a >> n & 1:
            a ^= poly
    return out


def _polypow_x(e: int, poly: int, n: int) -> int:
    result, base = 1, 2  # the polynomials 1 and x
    while e:
        if e & 1:
            result = _polymulmod(result, base, poly, n)
        base = _polymulmod(base, base, poly, n)
        e >>= 1
    return result


def _prime_factors(m: int) -> set[int]:
    out, f = set(), 2
    while f * f <= m:
        while m % f == 0:
            out.add(f)
            m //= f
        f += 1
    if m > 1:
        out.add(m)
    return out


@pytest.mark.parametrize("width", sorted(w for w in LFSR_TAPS if w <= 32))
def test_taps_are_primitive(width):
    """x has order 2**n - 1 modulo the feedback polynomial: every non-zero seed has the full
    period (the exhaustive check below confirms the step function for small widths)."""
    poly = 1
    for t in LFSR_TAPS[width]:
        poly |= 1 << t
    order = 2**width - 1
    assert _polypow_x(order, poly, width) == 1
    for q in _prime_factors(order):
        assert _polypow_x(order // q, poly, width) != 1


@njit(cache=True)
def _period(width, mask):
    start = np.uint64(1)
    s, _ = lfsr_step(start, mask)
    n = 1
    while s != start:
        s, _ = lfsr_step(s, mask)
        n += 1
    return n


@pytest.mark.parametrize("width", [8, 12, 16, 20])
def test_full_period(width):
    assert _period(width, np.uint64(lfsr_mask(width))) == 2**width - 1


@pytest.mark.kernel
@given(st.sampled_from(sorted(LFSR_TAPS)), st.integers(1, 2**64 - 1), st.integers(1, 24))
@settings(max_examples=100, deadline=None)
def test_lfsr_word_matches_twin(width, seed, nbits):
    seed = seed % (2**width - 1) + 1
    state, word = lfsr_word(np.uint64(seed), np.uint64(lfsr_mask(width)), nbits)
    ref_state, bits = naive.lfsr_bits(seed, LFSR_TAPS[width], nbits)
    assert int(state) == ref_state
    assert int(word) == sum(b << k for k, b in enumerate(bits))


def test_lane_seeds_nonzero_distinct_and_in_range():
    for width in (8, 16, 32):
        seeds = [lane_seed(7, lane, width) for lane in range(2000)]
        assert all(0 < s < 2**width for s in seeds)
        if width == 32:
            assert len(set(seeds)) == len(seeds)
    assert {col_lane(j) for j in range(50)}.isdisjoint({row_lane(i) for i in range(50)})
    assert lane_seed(1, 3, 32) != lane_seed(2, 3, 32)


def test_lfsr_word_bits_are_unbiased():
    mask = np.uint64(lfsr_mask(32))
    state, words = np.uint64(lane_seed(0, 0, 32)), []
    for _ in range(20000):
        state, w = lfsr_word(np.uint64(state), mask, 12)
        words.append(int(w))
    assert stats.kstest((np.array(words) + 0.5) / 4096, "uniform").pvalue > 1e-3


@pytest.mark.kernel
# ---- fixed point -----------------------------------------------------------------------------
@given(st.integers(-(2**40), 2**40), st.integers(0, 20), st.sampled_from(list(Rounding)))
@settings(max_examples=300, deadline=None)
def test_shift_right_matches_twin(x, n, rounding):
    assert shift_right(x, n, int(rounding)) == naive.shift_right(x, n, rounding == Rounding.HALF_UP)


@pytest.mark.kernel
@given(
    st.integers(-(2**40), 2**40), st.integers(1, 40), st.booleans(), st.sampled_from(list(Overflow))
)
@settings(max_examples=300, deadline=None)
def test_resize_matches_twin(x, width, signed, overflow):
    assert resize(x, width, signed, int(overflow)) == naive.resize(
        x, width, signed, overflow == Overflow.SATURATE
    )


def test_to_fixed_and_prob_codes():
    assert to_fixed(0.5, 4, int(Rounding.FLOOR)) == 8
    assert to_fixed(-0.03, 4, int(Rounding.FLOOR)) == -1
    assert to_fixed(-0.03, 4, int(Rounding.HALF_UP)) == 0
    assert to_fixed(0.03125, 4, int(Rounding.HALF_UP)) == 1  # exactly half an LSB rounds up
    assert quantize_prob(0.0, 12) == 0
    assert quantize_prob(-1.0, 12) == 0
    assert quantize_prob(1.0, 12) == 4096
    assert quantize_prob(2.0, 12) == 4096
    assert quantize_prob(0.5, 12) == 2048
    assert quantize_prob(1 / 8192, 12) == 1  # half an LSB: half-up
