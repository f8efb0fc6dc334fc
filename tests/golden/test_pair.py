"""The differential pair (``[device] pair``): W = G+ - G-, each side pulsed up only, the
refresh that rewrites a saturating pair, the pair inside training."""

from __future__ import annotations

import numpy as np
import pytest

from golden.devices import DeviceArray
from golden.errors import ConfigError
from golden.kernels.pair import refresh_criterion
from golden.network import Network
from golden.params import LutParams, SoftBoundsParams, TrainParams, UpdateParams
from golden.pulses import PulsedUpdater

PAIR = SoftBoundsParams(dw_min=0.05, w_max=1.0, w_min=-1.0, dw_min_std=0.2, pair=True)


def _sides(dev: DeviceArray) -> tuple[np.ndarray, np.ndarray]:
    cols = dev.shape[1]
    return dev.hidden[:, :cols].copy(), dev.hidden[:, cols:].copy()


def test_set_weights_splits_into_nonnegative_sides():
    dev = DeviceArray(PAIR, (3, 4), seed=1)
    w = np.array([[0.3, -0.2, 0.0, 0.5]] * 3)
    dev.set_weights(w)
    gp, gm = _sides(dev)
    np.testing.assert_allclose(gp, np.maximum(w, 0))
    np.testing.assert_allclose(gm, np.maximum(-w, 0))
    np.testing.assert_allclose(dev.weights(), w)
    assert dev.shape == (3, 4) and dev.hidden.shape == (3, 8)


@pytest.mark.kernel
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_each_side_only_grows_and_takes_one_direction(sign):
    """A positive update (-lr d x^T > 0) raises only G+, a negative one only G-; every pulse
    is an up pulse, so neither side ever decreases; W stays G+ - G-."""
    dev = DeviceArray(PAIR, (6, 5), seed=2)
    dev.set_weights(np.zeros((6, 5)))
    up = PulsedUpdater(UpdateParams(desired_bl=10), dev)
    rng = np.random.default_rng(0)
    for _ in range(30):
        x, d = rng.uniform(0.2, 1.0, 5), rng.uniform(0.2, 1.0, 6)
        before = _sides(dev)
        up.update(x, d, -0.05 * sign)  # W += 0.05 sign d x^T in expectation
        after = _sides(dev)
        grown, still = (0, 1) if sign > 0 else (1, 0)
        assert np.all(after[grown] >= before[grown])
        np.testing.assert_array_equal(after[still], before[still])
        np.testing.assert_array_equal(dev.weights(), after[0] - after[1])
    gp, gm = _sides(dev)
    assert (gp if sign > 0 else gm).mean() > 0.3  # the pulses did land
    assert np.sign(dev.weights().mean()) == sign


@pytest.mark.kernel
def test_pulse_counts_go_to_one_side():
    dev = DeviceArray(PAIR.replace(dw_min_std=0.0, dw_min_dtod=0.0), (2, 3), seed=3)
    dev.set_weights(np.zeros((2, 3)))
    dev.apply_pulses(np.array([[2, -3, 0], [0, 1, -1]]))
    gp, gm = _sides(dev)
    assert np.all((gp > 0) == np.array([[1, 0, 0], [0, 1, 0]], bool))
    assert np.all((gm > 0) == np.array([[0, 1, 0], [0, 0, 1]], bool))
    assert np.all(gp >= 0) and np.all(gm >= 0)


def test_refresh_criterion_is_aihwkits():
    assert refresh_criterion(0.8, 0.3, 1.0, 0.75, 0.25)  # larger high, smaller above lower
    assert not refresh_criterion(0.8, 0.2, 1.0, 0.75, 0.25)  # smaller still low: W is large
    assert not refresh_criterion(0.7, 0.5, 1.0, 0.75, 0.25)  # larger not yet high
    assert refresh_criterion(0.3, 0.9, 1.0, 0.75, 0.25)  # mirrored
    assert not refresh_criterion(0.8, 0.3, 2.0, 0.75, 0.25)  # relative to w_max


@pytest.mark.kernel
def test_refresh_preserves_the_weight_and_frees_the_range():
    """Pairs both well up their range are reset and W rewritten onto one side by
    write-verify, within about a step (dw_min = 0.05 with 20 % c2c noise: |error| < 0.06, a
    mean under 0.03); pairs the criterion leaves alone keep their bits."""
    dev = DeviceArray(PAIR.replace(dw_min_dtod=0.0, w_max_dtod=0.0, w_min_dtod=0.0), (40, 40), 4)
    rng = np.random.default_rng(5)
    gp, gm = rng.uniform(0.3, 0.95, (40, 40)), rng.uniform(0.3, 0.95, (40, 40))
    dev.hidden[:, :40], dev.hidden[:, 40:] = gp, gm
    dev.refresh()
    w0 = dev.weights()
    chosen = np.vectorize(lambda a, b: refresh_criterion(a, b, 1.0, 0.75, 0.25))(gp, gm)
    assert 100 < chosen.sum() < 1500
    assert dev.refresh_pairs() == chosen.sum()
    w1 = dev.weights()
    np.testing.assert_array_equal(w1[~chosen], w0[~chosen])
    err = np.abs(w1 - w0)[chosen]
    assert err.max() < 0.06 and err.mean() < 0.03
    after_p, after_m = _sides(dev)
    smaller = np.minimum(after_p, after_m)[chosen]
    np.testing.assert_array_equal(smaller, 0.0)  # the other side is free again
    assert np.all(np.maximum(after_p, after_m)[chosen] <= np.abs(w0[chosen]) + 0.06)


def test_pair_is_refused_where_it_cannot_work():
    with pytest.raises(ConfigError, match="pair"):
        LutParams(n_states=8, pair=True)
    with pytest.raises(ConfigError, match="w_max"):
        SoftBoundsParams(w_max=-0.1, w_min=-1.0, pair=True)


def _train_on_pairs(algorithm: str, refresh_every: int) -> tuple[Network, float, float]:
    from golden.data import load_dataset

    data = load_dataset("digits", n_train=600, n_test=1)
    params = TrainParams.from_dict(
        {
            "data": {"name": "digits"},
            "network": {"sizes": [64, 10]},
            "training": {"algorithm": algorithm, "lr": 0.1, "seed": 1},
            "device": PAIR.replace(refresh_every=refresh_every).to_dict(),
        }
    )
    net = Network(params, 64, 10)
    order = np.arange(600, dtype=np.int64)
    net.train(data.x_train, data.y_train, order, 0, 300, 0, 0)
    first = net.stats[0] / 300
    net.train(data.x_train, data.y_train, order, 300, 600, 300, 0)
    return net, first, (net.stats[0] - first * 300) / 300


@pytest.mark.kernel
@pytest.mark.parametrize("algorithm", ["sgd", "ttv2"])
def test_training_on_pairs_learns_and_refreshes(algorithm):
    """SGD and TTv2 (both arrays on pairs) on digits: the loss falls, both sides stay
    non-negative and W = G+ - G-; the refresh keeps the sides of the array that takes every
    update (SGD's C, TTv2's A) lower than without it."""
    means = []
    for every in (0, 20):
        net, first, second = _train_on_pairs(algorithm, every)
        assert second < 0.9 * first
        for dev in (net.dev_c[0], net.dev_a[0]):
            gp, gm = _sides(dev)
            assert np.all(gp >= 0) and np.all(gm >= 0)
            np.testing.assert_array_equal(dev.weights(), gp - gm)
        gp, gm = _sides(net.dev_a[0] if algorithm == "ttv2" else net.dev_c[0])
        means.append((gp + gm).mean())
    assert means[1] < 0.9 * means[0]
