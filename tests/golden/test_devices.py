"""Devices: d2d draws as aihwkit defines them, per-pulse response vs. the twin, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from golden.devices import DeviceArray
from golden.errors import ConfigError
from golden.params import (
    DEVICE_PRESETS,
    ConstantStepParams,
    ExpStepParams,
    LinearStepParams,
    LutParams,
    PowStepParams,
    SoftBoundsParams,
    device_preset,
)
from golden.rng import STREAM_DEVICE, STREAM_WRITE_NOISE
from tests.golden import naive

DEVICES = {
    "ConstantStep": ConstantStepParams(dw_min=0.01, up_down=0.1),
    "LinearStep": LinearStepParams(dw_min=0.01, gamma_up=0.3, gamma_down=0.6, mult_noise=False),
    "LinearStep-own-bounds": LinearStepParams(
        dw_min=0.01, gamma_up=0.5, mean_bound_reference=False
    ),
    "SoftBounds": SoftBoundsParams(dw_min=0.02, up_down=-0.2, write_noise_std=2.0),
    "ExpStep": ExpStepParams(dw_min=0.01),
    "ExpStep-complex-noise": ExpStepParams(dw_min=0.01, dw_min_std_add=0.001, dw_min_std_slope=0.1),
    "PowStep": PowStepParams(dw_min=0.01, pow_gamma=1.5, pow_up_down=0.2),
    "Lut": LutParams(
        n_states=9, up_steps=(1, 1.5, 0.7, 1, 1, 2, 0.3, 0.2, 0), dw_min_std=0.4, up_down=0.3
    ),
}


@pytest.mark.kernel
@pytest.mark.parametrize("name", sorted(DEVICES))
def test_pulses_match_twin(name):
    """Random up/down pulse counts on a 5 x 7 array: kernel == twin, to 1e-12 (the twin uses
    the same draws; libm's exp/pow may differ from LLVM's in the last bit)."""
    dev = DeviceArray(DEVICES[name], (5, 7), seed=11)
    ref = DeviceArray(DEVICES[name], (5, 7), seed=11)
    rng = np.random.default_rng(0)
    start = rng.uniform(-0.3, 0.3, (5, 7))
    dev.set_weights(start)
    ref.set_weights(start)
    for _ in range(6):
        counts = rng.integers(-4, 5, (5, 7))
        counter = dev.counter
        dev.apply_pulses(counts)
        for i in range(5):
            r = naive.stream_key(ref.seed, STREAM_DEVICE, counter, i)
            wr = naive.stream_key(ref.seed, STREAM_WRITE_NOISE, counter, i)
            for j in range(7):
                n = counts[i, j]
                for _ in range(abs(n)):
                    ref.hidden[i, j], r = naive.device_pulse(ref, i, j, ref.hidden[i, j], n > 0, r)
                if n and ref.separate_visible:
                    ref.visible[i, j], wr = naive.visible(ref, i, j, ref.hidden[i, j], wr)
        np.testing.assert_allclose(dev.hidden, ref.hidden, rtol=0, atol=1e-12)
        np.testing.assert_allclose(dev.visible, ref.visible, rtol=0, atol=1e-12)


def test_d2d_draws_follow_aihwkit():
    p = ConstantStepParams(dw_min=0.01, up_down=0.2, dw_min_dtod=0.1, up_down_dtod=0.0)
    dev = DeviceArray(p, (200, 200), seed=3)
    step_up, step_down, b_max, b_min = dev.P[0], dev.P[1], dev.P[2], dev.P[3]
    # up_down > 0 shrinks only the down step by up_down * dw_min
    assert np.mean(step_up) == pytest.approx(0.01, rel=0.01)
    assert np.mean(step_down) == pytest.approx(0.008, rel=0.01)
    assert np.std(step_up) == pytest.approx(0.001, rel=0.05)
    np.testing.assert_allclose(step_up - step_down, 0.002, atol=1e-12)
    assert np.mean(b_max) == pytest.approx(0.6, rel=0.01)
    assert np.std(b_max) == pytest.approx(0.18, rel=0.05)
    assert np.all(b_max >= 0) and np.all(b_min <= 0)  # enforce_consistency


def test_mean_single_pulse_is_aihwkit_step():
    """Over many devices, one up pulse from w moves the weight by the model's mean step."""
    n = 200_000
    for params, w0, expected in [
        (ConstantStepParams(dw_min=0.01, w_max_dtod=0, w_min_dtod=0), 0.0, 0.01),
        (
            SoftBoundsParams(dw_min=0.01, w_max=1.0, w_min=-1.0, w_max_dtod=0, w_min_dtod=0),
            0.5,
            0.01 * (1 - 0.5),
        ),
        (
            LinearStepParams(dw_min=0.01, gamma_up=0.4, gamma_up_dtod=0, w_max_dtod=0),
            0.3,
            0.01 * (1 - 0.4 * 0.3 / 0.6),
        ),
        (
            PowStepParams(dw_min=0.01, pow_gamma=2.0, pow_gamma_dtod=0, w_max_dtod=0, w_min_dtod=0),
            0.0,
            0.01 * 0.25,
        ),
    ]:
        dev = DeviceArray(params, (1, n), seed=5)
        dev.set_weights(np.full((1, n), w0))
        dev.apply_pulses(np.ones((1, n), dtype=np.int64))
        step = dev.hidden - w0
        assert step.mean() == pytest.approx(expected, rel=0.01), type(params).__name__
        # c2c 30% + d2d 30% (independent): relative std of a step sqrt(.3^2 + .3^2 + .3^4)
        rel_std = step.std() / step.mean()
        assert rel_std == pytest.approx(np.sqrt(0.09 + 0.09 + 0.0081), rel=0.05)


def test_bounds_and_saturation():
    dev = DeviceArray(SoftBoundsParams(dw_min=0.05), (20, 20), seed=1)
    dev.apply_pulses(np.full((20, 20), 400))
    assert np.all(dev.hidden <= dev.b_max + 1e-15)
    assert np.mean(dev.hidden / dev.b_max) > 0.99
    dev.apply_pulses(np.full((20, 20), -800))
    assert np.all(dev.hidden >= dev.b_min - 1e-15)


def test_lut_states_and_levels():
    p = LutParams(
        n_states=5,
        w_max=1.0,
        w_min=-1.0,
        dw_min_std=0.0,
        dw_min_dtod=0.0,
        up_down_dtod=0.0,
        w_max_dtod=0.0,
        w_min_dtod=0.0,
    )
    dev = DeviceArray(p, (1, 3), seed=0)
    dev.set_weights(np.array([[-1.0, 0.1, 0.9]]))
    np.testing.assert_array_equal(dev.hidden, [[0, 2, 4]])
    np.testing.assert_allclose(dev.visible, [[-1.0, 0.0, 1.0]])
    dev.apply_pulses(np.array([[1, 1, 1]]))
    np.testing.assert_array_equal(dev.hidden, [[1, 3, 4]])
    np.testing.assert_allclose(dev.visible, [[-0.5, 0.5, 1.0]])


def test_lut_fractional_steps_are_stochastically_rounded():
    p = LutParams(
        n_states=64, up_steps=(0.25,) * 64, dw_min_std=0.0, dw_min_dtod=0.0, up_down_dtod=0.0
    )
    dev = DeviceArray(p, (1, 100_000), seed=2)
    dev.set_weights(np.zeros((1, 100_000)))
    before = dev.hidden.copy()
    dev.apply_pulses(np.ones((1, 100_000), dtype=np.int64))
    moved = dev.hidden - before
    assert set(np.unique(moved)) <= {0.0, 1.0}
    assert moved.mean() == pytest.approx(0.25, abs=0.005)


def test_write_noise_on_visible_only():
    p = SoftBoundsParams(dw_min=0.01, write_noise_std=3.0, dw_min_std=0.0)
    dev = DeviceArray(p, (100, 100), seed=4)
    dev.set_weights(np.zeros((100, 100)))
    assert dev.separate_visible
    np.testing.assert_array_equal(dev.hidden, 0.0)
    assert dev.visible.std() == pytest.approx(0.03, rel=0.05)
    assert not DeviceArray(SoftBoundsParams(), (2, 2)).separate_visible


@pytest.mark.kernel
@pytest.mark.parametrize("name", sorted(DEVICE_PRESETS))
def test_determinism(name):
    p = device_preset(name)
    runs = []
    for seed in (1, 1, 2):
        dev = DeviceArray(p, (6, 8), seed=seed)
        dev.apply_pulses(np.arange(48).reshape(6, 8) % 7 - 3)
        runs.append(dev.weights())
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.array_equal(runs[0], runs[2])


def test_construction_seed_fixes_d2d_only():
    p = SoftBoundsParams(construction_seed=42)
    a, b = DeviceArray(p, (4, 4), seed=1), DeviceArray(p, (4, 4), seed=2)
    np.testing.assert_array_equal(a.P, b.P)


def test_bad_input():
    with pytest.raises(ConfigError, match="shape"):
        DeviceArray(SoftBoundsParams(), (0, 3))
    dev = DeviceArray(SoftBoundsParams(), (2, 3))
    with pytest.raises(ConfigError, match=r"expected shape \(2, 3\)"):
        dev.set_weights(np.zeros((3, 2)))
    with pytest.raises(ConfigError, match="NaN"):
        dev.set_weights(np.full((2, 3), np.nan))
    with pytest.raises(ConfigError, match="counts"):
        dev.apply_pulses(np.zeros((1, 1)))
