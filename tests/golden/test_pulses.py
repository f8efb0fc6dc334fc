"""Pulsed update: update management, bit-line generation, coincidences vs. the twins, the
expected update -lr d x^T in both random-bit modes, determinism under parallel loops."""

from __future__ import annotations

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from golden.devices import DeviceArray
from golden.errors import ConfigError
from golden.fixedpoint import quantize_prob
from golden.kernels.pulses import (
    abs_max,
    bitlines_fast,
    bitlines_lfsr,
    popcount64,
    pulsed_update_column,
    update_scales,
)
from golden.lfsr import LFSR_TAPS, lfsr_mask
from golden.params import ConstantStepParams, LutParams, SoftBoundsParams, UpdateParams
from golden.pulses import PulsedUpdater, update_record
from golden.rng import next_uniform, stream_key
from tests.golden import naive

IDEAL = ConstantStepParams(
    dw_min=0.001,
    dw_min_dtod=0,
    dw_min_std=0,
    up_down_dtod=0,
    w_max=100.0,
    w_min=-100.0,
    w_max_dtod=0,
    w_min_dtod=0,
)


@pytest.mark.kernel
@given(st.integers(0, 2**64 - 1))
@settings(max_examples=200, deadline=None)
def test_popcount(x):
    assert popcount64(np.uint64(x)) == bin(x).count("1")


@pytest.mark.kernel
@given(
    lr=st.floats(1e-4, 1.0),
    g=st.floats(1e-4, 0.1),
    xm=st.floats(0, 2),
    dm=st.floats(0, 2),
    bl=st.integers(1, 64),
    um=st.booleans(),
    ublm=st.booleans(),
    fixed=st.booleans(),
    scale=st.floats(0.1, 2),
)
@settings(max_examples=300, deadline=None)
def test_update_scales_match_twin(lr, g, xm, dm, bl, um, ublm, fixed, scale):
    p = UpdateParams(
        desired_bl=bl,
        update_management=um,
        update_bl_management=ublm,
        fixed_bl=fixed,
        um_grad_scale=scale,
    )
    got = update_scales(lr, g, xm, dm, update_record(p))
    want = naive.update_scales(lr, g, xm, dm, p)
    assert got[0] == want[0]
    np.testing.assert_allclose(got[1:], want[1:], rtol=1e-12)


def test_update_management_balances_and_clips_d():
    p = UpdateParams(update_bl_management=False)
    U = update_record(p)
    bl, a, b = update_scales(0.01, 0.001, 0.5, 0.2, U)  # k = 1 < BL
    assert bl == 31 and a * 0.2 == pytest.approx(b * 0.5)
    assert a * b * bl == pytest.approx(0.01 / 0.001)  # E[n] = lr |d||x| / dw_min
    bl, a, b = update_scales(1.0, 0.001, 1.0, 1.0, U)  # k = 1000 > BL: x exact, d clipped
    assert b * 1.0 == pytest.approx(1.0) and a * 1.0 > 1.0
    bl, _, _ = update_scales(0.01, 0.001, 0.5, 0.2, update_record(UpdateParams()))
    assert bl == 1  # UBLM: ceil(k) = 1


@pytest.mark.kernel
def test_bitlines_fast_match_twin():
    rng = np.random.default_rng(1)
    v = rng.normal(0, 1, 40)
    v[3] = 0.0
    v[5] = 50.0
    bits = np.zeros(40, dtype=np.uint64)
    bitlines_fast(v, 0.4, 23, 9, 1, 17, bits)
    for k in range(40):
        p = min(0.4 * abs(v[k]), 1.0)
        state, word = naive.stream_key(9, 1, 17, k), 0
        if 0 < p < 1:
            for t in range(23):
                state, u = next_uniform(np.uint64(state))
                word |= int(u < p) << t
        elif p >= 1:
            word = (1 << 23) - 1
        assert int(bits[k]) == word


@pytest.mark.kernel
@pytest.mark.parametrize("width, nbits", [(32, 12), (16, 8), (24, 16)])
def test_bitlines_lfsr_match_twin(width, nbits):
    rng = np.random.default_rng(width)
    p = rng.uniform(0, 1, 30)
    p[0], p[1] = 0.0, 1.0
    codes = np.array([quantize_prob(q, nbits) for q in p], dtype=np.int64)
    seeds = rng.integers(1, 2**width - 1, 30).astype(np.uint64)
    states, bits = seeds.copy(), np.zeros(30, dtype=np.uint64)
    bitlines_lfsr(codes, states, np.uint64(lfsr_mask(width)), nbits, 31, bits)
    for k in range(30):
        s, word = int(seeds[k]), 0
        for t in range(31):
            s, b = naive.lfsr_bits(s, LFSR_TAPS[width], nbits)
            word |= int(sum(bit << m for m, bit in enumerate(b)) < codes[k]) << t
        assert int(states[k]) == s and int(bits[k]) == word
    assert int(bits[0]) == 0 and int(bits[1]) == 2**31 - 1


@pytest.mark.kernel
@pytest.mark.parametrize("mode", ["fast", "hw_exact"])
@pytest.mark.parametrize("device", ["SoftBounds", "Lut"])
def test_pulsed_update_matches_twin(mode, device):
    """A whole update: the twin rebuilds the trains, counts coincidences the obvious way and
    applies them pulse by pulse through the device twin."""
    params = (
        SoftBoundsParams(dw_min=0.01, write_noise_std=1.0)
        if device == "SoftBounds"
        else LutParams(n_states=16, dw_min_std=0.2)
    )
    up = UpdateParams(rng_mode=mode, update_bl_management=False, desired_bl=20)
    dev, ref = DeviceArray(params, (9, 13), seed=4), DeviceArray(params, (9, 13), seed=4)
    updater = PulsedUpdater(up, dev, lfsr_seed=8)
    ref_up = PulsedUpdater(up, ref, lfsr_seed=8)
    rng = np.random.default_rng(2)
    for _ in range(5):
        x, d, lr = rng.normal(0, 1, 13), rng.normal(0, 0.3, 9), 0.05
        counter = dev.counter
        bl = updater.update(x, d, lr)
        # twin
        _, a, b = update_scales(lr, params.granularity, abs_max(x), abs_max(d), ref_up.upd)
        xbits, dbits = np.zeros(13, np.uint64), np.zeros(9, np.uint64)
        if mode == "fast":
            bitlines_fast(x, b, bl, ref.seed, 1, counter, xbits)
            bitlines_fast(d, a, bl, ref.seed, 2, counter, dbits)
        else:
            nbits = up.prob_bits
            cx, cd = map(np.array, naive.hw_update_codes(x, d, lr, params.granularity, up))
            bitlines_lfsr(cx, ref_up.lanes.lfsr_x, ref_up.lanes.lfsr_mask, nbits, bl, xbits)
            bitlines_lfsr(cd, ref_up.lanes.lfsr_d, ref_up.lanes.lfsr_mask, nbits, bl, dbits)
        ref.counter += 1
        naive.apply_trains(
            ref, xbits, (x < 0).astype(int), dbits, (d < 0).astype(int), 0, bl, counter
        )
        np.testing.assert_allclose(dev.hidden, ref.hidden, rtol=0, atol=1e-12)
        np.testing.assert_allclose(dev.visible, ref.visible, rtol=0, atol=1e-12)
        if mode == "hw_exact":
            np.testing.assert_array_equal(updater.lanes.lfsr_x, ref_up.lanes.lfsr_x)


@pytest.mark.kernel
def test_coincidences_are_popcounts():
    """On an ideal device (no noise, no bounds) the change is exactly n_ij * dw_min with
    n_ij = popcount(d_i & x_j), signed by -sign(d_i x_j lr)."""
    dev = DeviceArray(IDEAL, (6, 5), seed=3)
    updater = PulsedUpdater(UpdateParams(update_bl_management=False), dev)
    rng = np.random.default_rng(0)
    x, d = rng.normal(0, 1, 5), rng.normal(0, 1, 6)
    counter = dev.counter
    bl = updater.update(x, d, 0.02)
    _, a, b = update_scales(0.02, 0.001, abs_max(x), abs_max(d), updater.upd)
    xbits, dbits = np.zeros(5, np.uint64), np.zeros(6, np.uint64)
    bitlines_fast(x, b, bl, dev.seed, 1, counter, xbits)
    bitlines_fast(d, a, bl, dev.seed, 2, counter, dbits)
    n = naive.coincidence_counts(xbits, dbits)
    np.testing.assert_allclose(dev.hidden, -np.sign(np.outer(d, x)) * n * 0.001, atol=1e-12)


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["fast", "hw_exact"])
def test_expected_update_is_minus_lr_d_xT(mode):
    """Mean over N updates == -lr d x^T. Per update the count n_ij is a sum of BL Bernoulli
    coincidences, so its std is at most sqrt(E[n]); the tolerance is 5 standard errors."""
    N, lr = 3000, 0.004
    dev = DeviceArray(IDEAL, (8, 6), seed=5)
    updater = PulsedUpdater(
        UpdateParams(rng_mode=mode, update_bl_management=False), dev, lfsr_seed=3
    )
    rng = np.random.default_rng(7)
    x, d = rng.uniform(-1, 1, 6), rng.uniform(-1, 1, 8)
    for _ in range(N):
        updater.update(x, d, lr)
    ideal = -lr * np.outer(d, x)
    expected_n = np.abs(ideal) / 0.001
    stderr = np.sqrt(np.maximum(expected_n, 1e-3) / N) * 0.001
    mean = dev.hidden / N
    if mode == "hw_exact":
        # the LFSR words are uniform: E[n_ij] = BL cx_j cd_i / 4**prob_bits for the codes ...
        up = updater.params
        cx, cd = map(np.array, naive.hw_update_codes(x, d, lr, 0.001, up))
        expected = -np.sign(np.outer(d, x)) * up.desired_bl * np.outer(cd, cx) / 4**up.prob_bits
        assert np.all(np.abs(mean - expected * 0.001) <= 5 * stderr)
        # ... and those codes are -lr d x^T up to the 8-bit inputs and the code floor
        quantization = lr * (np.abs(np.outer(d, np.ones(6))) + np.abs(np.outer(np.ones(8), x)))
        floor = up.desired_bl * 2 * 2.0**-up.prob_bits * 0.001
        assert np.all(np.abs(expected * 0.001 - ideal) <= quantization * 2**-7 + floor)
    else:
        assert np.all(np.abs(mean - ideal) <= 5 * stderr), np.max(np.abs(mean - ideal) / stderr)


def test_deterministic_also_with_parallel_threads():
    results = []
    for threads, seed in ((1, 1), (2, 1), (2, 1), (2, 2)):
        numba.set_num_threads(threads)
        dev = DeviceArray(SoftBoundsParams(), (64, 48), seed=seed)
        updater = PulsedUpdater(UpdateParams(), dev)
        rng = np.random.default_rng(0)
        for _ in range(20):
            updater.update(rng.uniform(0, 1, 48), rng.normal(0, 0.5, 64), 0.1)
        results.append(dev.weights())
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    np.testing.assert_array_equal(results[0], results[1])
    np.testing.assert_array_equal(results[1], results[2])
    assert not np.array_equal(results[2], results[3])


@pytest.mark.kernel
def test_hw_exact_lfsrs_step_every_slot():
    dev = DeviceArray(IDEAL, (3, 4), seed=0)
    updater = PulsedUpdater(
        UpdateParams(rng_mode="hw_exact", update_bl_management=False, desired_bl=5, prob_bits=7),
        dev,
        lfsr_seed=1,
    )
    before = updater.lanes.lfsr_x.copy()
    x = np.array([0.0, 0.1, 0.0, 0.5])  # zero lanes step too, as in hardware
    updater.update(x, np.array([0.2, 0.0, -0.1]), 0.01)
    for j in range(4):
        s, _ = naive.lfsr_bits(int(before[j]), LFSR_TAPS[32], 5 * 7)
        assert int(updater.lanes.lfsr_x[j]) == s


def test_deterministic_implicit_counts():
    dev = DeviceArray(IDEAL, (2, 2), seed=0)
    updater = PulsedUpdater(UpdateParams(pulse_type="DETERMINISTIC_IMPLICIT"), dev)
    x, d = np.array([1.0, 0.5]), np.array([0.6, -0.2])
    updater.update(x, d, 0.01)  # rint(lr |d||x| / dw_min) = rint([[6, 3], [2, 1]])
    np.testing.assert_allclose(dev.hidden, [[-6e-3, -3e-3], [2e-3, 1e-3]], atol=1e-12)


def test_bad_input():
    dev = DeviceArray(SoftBoundsParams(), (3, 4))
    updater = PulsedUpdater(UpdateParams(), dev)
    with pytest.raises(ConfigError, match=r"x .*expected shape \(4,\)"):
        updater.update(np.zeros(3), np.zeros(3), 0.1)
    with pytest.raises(ConfigError, match="d .*NaN"):
        updater.update(np.zeros(4), np.array([0.0, np.nan, 0.0]), 0.1)
    with pytest.raises(ConfigError, match="lr"):
        updater.update(np.zeros(4), np.zeros(3), np.inf)
    with pytest.raises(ConfigError, match="pulse_type"):
        PulsedUpdater(UpdateParams(pulse_type="NONE"), dev)
    np.testing.assert_array_equal(dev.hidden, 0.0)  # nothing was applied


def test_zero_inputs_are_a_noop():
    dev = DeviceArray(SoftBoundsParams(), (3, 4))
    assert PulsedUpdater(UpdateParams(), dev).update(np.zeros(4), np.ones(3), 0.1) == 0
    np.testing.assert_array_equal(dev.hidden, 0.0)
    assert stream_key(0, 0, 0, 0) != stream_key(0, 0, 0, 1)


@pytest.mark.kernel
@pytest.mark.parametrize("mode", ["fast", "hw_exact"])
@pytest.mark.parametrize("device", ["SoftBounds", "SoftBounds+write noise", "Lut"])
def test_column_update_is_the_one_hot_update(mode, device):
    """A transfer's write of column j (pulsed_update_column) gives the bits of the general
    update with x = e_j, the lanes' LFSRs included: a plain SoftBounds array takes
    column_pulses in fast mode, the others apply_coincidences."""
    params = {
        "SoftBounds": SoftBoundsParams(dw_min=0.01, dw_min_std=0.3),
        "SoftBounds+write noise": SoftBoundsParams(dw_min=0.01, write_noise_std=0.5),
        "Lut": LutParams(n_states=16, dw_min_std=0.2),
    }[device]
    up = UpdateParams(rng_mode=mode, desired_bl=7, update_bl_management=mode == "fast")
    devs = [DeviceArray(params, (9, 13), seed=4) for _ in range(2)]
    updaters = [PulsedUpdater(up, dev, lfsr_seed=8) for dev in devs]
    rng = np.random.default_rng(5)
    for _ in range(12):
        j, lr = int(rng.integers(13)), float(rng.choice([0.3, -0.3, 2.0]))
        d = rng.normal(0, 0.5, 9) * (rng.random(9) < 0.6)
        x = np.zeros(13)
        x[j] = 1.0
        general = updaters[0].update(x, d, lr)
        dev, u = devs[1], updaters[1]
        column = pulsed_update_column(
            j, 13, d, lr, params.granularity, u.upd, dev.view(), u.lanes, dev.seed,
            dev.next_counter(), u.work,
        )  # fmt: skip
        assert column == general
        np.testing.assert_array_equal(devs[0].hidden, devs[1].hidden)
        np.testing.assert_array_equal(devs[0].visible, devs[1].visible)
        np.testing.assert_array_equal(updaters[0].lanes.lfsr_d, updaters[1].lanes.lfsr_d)
    assert not np.array_equal(devs[0].hidden, DeviceArray(params, (9, 13), seed=4).hidden)
