"""The hardware-exact Lut array (golden.lut_exact): integer rule vs. its twin, LFSR words per
pulse, and the same statistics as golden's float Lut device."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from golden.devices import DeviceArray
from golden.encoding import ArrayOp
from golden.errors import ConfigError
from golden.hw.crossbar import ArrayEmulatorModel
from golden.kernels.device import P_STEP_DOWN, P_STEP_UP
from golden.lfsr import LFSR_TAPS
from golden.lut_exact import (
    ArrayImage,
    device_gains,
    exact_tables,
    pulse_exact,
    read_tables,
    row_pulses_exact,
    row_seeds,
)
from golden.params import EmulatorParams, IOParams, SoftBoundsParams, UpdateParams, device_preset
from golden.pulses import PulsedUpdater
from tests.golden import naive

EM = EmulatorParams()
LUT = device_preset("lut-softbounds-21").replace(w_max_dtod=0.0, w_min_dtod=0.0)


@pytest.mark.kernel
@given(
    s=st.integers(0, 20),
    up=st.booleans(),
    gain=st.integers(0, 2**EM.d2d_bits - 1),
    word=st.integers(0, 2**EM.word_bits - 1),
)
@settings(max_examples=300, deadline=None)
def test_pulse_matches_twin(s, up, gain, word):
    lut = exact_tables(LUT, EM)
    assert pulse_exact(s, up, gain, lut, word) == naive.lut_pulse_exact(s, up, gain, lut, word)


def test_tables_follow_the_formats():
    lut = exact_tables(LUT, EM)
    up, down = LUT.tables()
    np.testing.assert_array_equal(lut.up, np.floor(np.array(up) * 64 + 0.5))
    np.testing.assert_array_equal(lut.down, np.floor(np.array(down) * 64 + 0.5))
    assert lut.noise.shape == (256,) and np.all(np.diff(lut.noise) >= 0)  # quantiles, sorted
    assert abs(lut.noise.mean() / 2**EM.noise_frac - 1.0) < 0.01  # mean factor 1
    std = np.std(lut.noise / 2**EM.noise_frac)
    assert abs(std - LUT.dw_min_std) < 0.02 * LUT.dw_min_std + 2**-EM.noise_frac
    with pytest.raises(ConfigError, match="holds Lut devices"):
        exact_tables(SoftBoundsParams(), EM)
    with pytest.raises(ConfigError, match="d2d_bits"):
        EmulatorParams(d2d_bits=7, d2d_frac=7)


@pytest.mark.kernel
def test_row_pulses_take_one_lfsr_word_per_pulse():
    rng = np.random.default_rng(0)
    lut = exact_tables(LUT, EM)
    states = rng.integers(0, 21, (3, 5)).astype(np.int64)
    g_up, g_down = (rng.integers(64, 200, (3, 5)).astype(np.int64) for _ in range(2))
    lfsr = row_seeds(3, EM)
    counts = rng.integers(-4, 5, (3, 5))
    want, lfsr_want = states.copy(), [int(v) for v in lfsr]
    for i in range(3):
        for j in range(5):
            n = int(counts[i, j])
            for _ in range(abs(n)):
                lfsr_want[i], bits = naive.lfsr_bits(lfsr_want[i], LFSR_TAPS[32], EM.word_bits)
                word = sum(b << k for k, b in enumerate(bits))
                g = int(g_up[i, j] if n > 0 else g_down[i, j])
                want[i, j] = naive.lut_pulse_exact(int(want[i, j]), n > 0, g, lut, word)
    for i in range(3):
        row_pulses_exact(states, g_up, g_down, lut, lfsr, i, counts[i].astype(np.int64))
    np.testing.assert_array_equal(states, want)
    assert [int(v) for v in lfsr] == lfsr_want


@pytest.mark.slow
def test_same_pulse_response_as_the_float_lut():
    """2,000 devices from the middle state, 30 up then 30 down pulses each: the exact array
    and golden's float Lut (same d2d draws) agree in the mean state within 5 standard errors
    plus a quarter state (fixed-point rounding), and in the spread within 10 %."""
    n, pulses = 2000, 30
    dev = DeviceArray(LUT, (1, n), seed=5)
    dev.set_weights(np.zeros((1, n)))  # state 10 of 0..20
    lut = exact_tables(LUT, EM)
    g_up, g_down = device_gains(dev.P[P_STEP_UP], dev.P[P_STEP_DOWN], EM)
    states = dev.hidden.astype(np.int64)
    lfsr = row_seeds(1, EM)
    mean_f, std_f, mean_e, std_e = [], [], [], []
    for direction in [1] * pulses + [-1] * pulses:
        counts = np.full((1, n), direction, dtype=np.int64)
        dev.apply_pulses(counts)
        row_pulses_exact(states, g_up, g_down, lut, lfsr, 0, counts[0])
        mean_f.append(dev.hidden.mean())
        std_f.append(dev.hidden.std())
        mean_e.append(states.mean())
        std_e.append(states.std())
    mean_f, std_f, mean_e, std_e = map(np.array, (mean_f, std_f, mean_e, std_e))
    se = np.sqrt(std_f**2 + std_e**2) / np.sqrt(n)
    assert np.all(np.abs(mean_f - mean_e) <= 5 * se + 0.25), np.abs(mean_f - mean_e).max()
    assert np.all(np.abs(std_f - std_e) <= 0.1 * std_f + 0.05)
    assert mean_e[pulses - 1] > 15 and mean_e[-1] < 12  # the response moved both ways


def _exact_array(rows: int, cols: int, seed: int) -> DeviceArray:
    dev = DeviceArray(LUT, (rows, cols), seed=seed, exact=EM)
    dev.set_weights(np.random.default_rng(seed).uniform(-0.8, 0.8, (rows, cols)))
    return dev


@pytest.mark.kernel
def test_exact_device_array_applies_the_emulator_rule():
    """golden's LUT_EXACT device kernel (pulse counts) = golden.lut_exact's row rule."""
    dev = _exact_array(3, 6, seed=4)
    lut = exact_tables(LUT, EM)
    states = dev.hidden.astype(np.int64)
    g_up, g_down = dev.P[P_STEP_UP].astype(np.int64), dev.P[P_STEP_DOWN].astype(np.int64)
    lfsr = dev.row_lfsr.copy()
    counts = np.random.default_rng(1).integers(-3, 4, (3, 6))
    dev.apply_pulses(counts)
    for i in range(3):
        row_pulses_exact(states, g_up, g_down, lut, lfsr, i, counts[i].astype(np.int64))
    np.testing.assert_array_equal(dev.hidden, states)
    np.testing.assert_array_equal(dev.row_lfsr, lfsr)
    np.testing.assert_allclose(dev.visible, LUT.w_min + states * LUT.dw_min, atol=1e-12)


def test_hw_exact_training_updates_equal_the_array_emulator():
    """golden's hw-exact pulsed update on an exact Lut array and the array emulator's cycle
    model fed the same trains slot by slot end with the same states and row LFSRs."""
    rows, cols = 5, 7
    dev = _exact_array(rows, cols, seed=2)
    image = ArrayImage(
        dev.hidden.astype(np.int64),
        dev.P[P_STEP_UP].astype(np.int64),
        dev.P[P_STEP_DOWN].astype(np.int64),
    )
    em = EM.replace(seed=dev.seed)
    rt = read_tables(LUT, IOParams(), em, 9)
    model = ArrayEmulatorModel(em, exact_tables(LUT, em), rt, image)
    up = UpdateParams(rng_mode="hw_exact", update_bl_management=False, desired_bl=9)
    updater = PulsedUpdater(up, dev, lfsr_seed=3)
    rng = np.random.default_rng(5)
    pulses = 0
    for _ in range(12):
        x, d = rng.uniform(-1, 1, cols), rng.normal(0, 0.3, rows)
        bl = updater.update(x, d, 0.5)
        xbits, dbits = updater.work.bits[0, :cols], updater.work.bits[1, :rows]
        x_neg = sum(int(v) << j for j, v in enumerate(updater.work.neg[0, :cols]))
        d_neg = sum(int(v) << i for i, v in enumerate(updater.work.neg[1, :rows]))
        for t in range(bl):
            xm = sum(1 << j for j in range(cols) if int(xbits[j]) >> t & 1)
            dm = sum(1 << i for i in range(rows) if int(dbits[i]) >> t & 1)
            pulses += bin(xm).count("1") * bin(dm).count("1")
            while not model.outputs()["ready"]:
                model.tick()
            model.tick(1, ArrayOp.PULSES, xm, x_neg, dm, d_neg)
    while not model.outputs()["ready"]:  # the last writes
        model.tick()
    assert pulses > 100
    np.testing.assert_array_equal(dev.hidden, np.array(model.states))
    assert [int(v) for v in dev.row_lfsr] == model.row_lfsr
