"""Stochastic Hamiltonian Descent (``hd``): zero-shifting, the reference, the transfer of A - R,
the energy, and its identity with TTv1 where R = 0."""

from __future__ import annotations

import numpy as np
import pytest

from golden.devices import P_B_MAX, P_B_MIN, P_STEP_DOWN, P_STEP_UP, DeviceArray
from golden.errors import ConfigError
from golden.hamiltonian import energy, rates
from golden.kernels.transfer import transfer_column
from golden.network import Network
from golden.params import TrainParams, device_from_dict
from golden.zero_shift import zero_shift
from tests.conftest import TRAIN_GROUP
from tests.golden.test_train import IDEAL, PERFECT, small
from xbarkit.hd_studies import ASYMMETRIC as STUDY_DEVICE

pytestmark = [pytest.mark.xdist_group(TRAIN_GROUP), pytest.mark.usefixtures("train_kernels")]

ASYMMETRIC = {**STUDY_DEVICE, "dw_min_std": 0.0, "up_down_dtod": 0.0}  # no c2c noise


def _symmetry_points(dev: DeviceArray) -> tuple[np.ndarray, np.ndarray]:
    """SoftBounds: ``s_up (1 - w / b_max) = s_down (1 - w / b_min)``; and the mask of the
    devices whose bounds are not clipped to 0 (the d2d draws can make them)."""
    P = dev.P
    su, sd, bmax, bmin = P[P_STEP_UP], P[P_STEP_DOWN], P[P_B_MAX], P[P_B_MIN]
    sane = (bmax > 0.05) & (bmin < -0.05)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sane, (su - sd) / (su / bmax - sd / bmin), 0.0), sane


@pytest.mark.kernel
def test_zero_shift_drives_each_device_to_its_symmetry_point():
    params = device_from_dict(ASYMMETRIC)
    dev = DeviceArray(params, (10, 20), seed=4)
    w_star, sane = _symmetry_points(dev)
    assert sane.mean() > 0.95
    assert w_star[sane].std() > 0.02 and 0.1 < np.median(w_star[sane]) < 0.3  # away from 0
    seen = []
    zero_shift(dev, 3000, seen.append)
    assert seen == list(range(3000))
    # after an up/down pair a device swings by about one step around its symmetry point (the
    # devices with the smallest steps converge slowest)
    off = np.abs(dev.visible - w_star)[sane]
    assert np.median(off) < 0.006 and np.quantile(off, 0.95) < 0.012
    with pytest.raises(ConfigError, match="zs_pulses"):
        zero_shift(dev, -1)


@pytest.mark.kernel
def test_reference_is_the_mean_of_reads_over_the_last_swing():
    """Perfect reads, no c2c noise: R = the mean of A after each of the last zs_reads pulses
    (here the last up and the last down), the middle of the swing, not half a step below."""
    sections = {
        "device_a": ASYMMETRIC,
        "algorithm": {"transfer_forward": PERFECT, "zs_pulses": 1000, "zs_reads": 2},
    }
    net = Network(small("hd", **sections), 6, 3)
    R = net.state.digital.R[net.lay.off[0] : net.lay.off[1]].reshape(4, 7)
    sections["algorithm"]["zero_shift"] = False  # the same devices, untouched
    A = Network(small("hd", **sections), 6, 3).dev_a[0]
    after = {}
    zero_shift(A, 1000, lambda k: after.__setitem__(k, A.visible.copy()))
    np.testing.assert_array_equal(R, (after[998] + after[999]) / 2)
    w_star, sane = _symmetry_points(A)
    assert np.median(np.abs(R - w_star)[sane]) < np.median(np.abs(A.visible - w_star)[sane]) / 2


@pytest.mark.kernel
def test_without_zero_shift_hd_is_ttv1():
    """R = 0 and W = C: SHD's update and transfer are TTv1's, bit for bit."""
    runs = []
    for algorithm, extra in (("hd", {"zero_shift": False}), ("ttv1", {})):
        net = Network(small(algorithm, algorithm=extra), 6, 3)
        rng = np.random.default_rng(7)
        X = rng.uniform(0.0, 1.0, (40, 6))
        Y = rng.integers(0, 3, 40)
        net.train(X, Y, np.arange(40), 0, 40, 0, 10**9)
        runs.append(np.concatenate([w.ravel() for w in net.layer_weights()]))
    assert np.any(runs[0] != Network(small("ttv1"), 6, 3).weights())  # it trained
    np.testing.assert_array_equal(runs[0], runs[1])


@pytest.mark.kernel
def test_transfer_writes_a_minus_r_as_ttv1_writes_a():
    """hd's transfer of column j with A and R equals TTv1's with A - R (same pulses)."""
    a = np.array([0.9, -0.1, 0.7, -0.8])
    r = np.array([0.1, -0.1, -0.2, 0.05])
    after = []
    for algorithm, col in (("hd", a), ("ttv1", a - r)):
        extra = {"zero_shift": False} if algorithm == "hd" else {}
        net = Network(small(algorithm, algorithm={"transfer_forward": PERFECT, **extra}), 6, 3)
        net.dev_a[0].hidden[:, 2] = col
        if algorithm == "hd":
            net.state.digital.R[net.lay.off[0] : net.lay.off[1]].reshape(4, 7)[:, 2] = r
        C0 = net.layer_weights()[0].copy()
        sc = net.scratch
        transfer_column(0, 2, net.lay, net.cfg, net.state, net.cfg.train.lr, sc.buf, sc.work)
        after.append(net.layer_weights()[0] - C0)
    np.testing.assert_array_equal(after[0], after[1])
    dC = after[0]
    assert np.all(dC[:, [0, 1, 3, 4, 5, 6]] == 0) and dC[1, 2] == 0  # a = r: no pulse
    assert np.all(np.sign(dC[[0, 2, 3], 2]) == np.sign((a - r)[[0, 2, 3]]))  # along +p


def test_rates_and_energy():
    params = TrainParams.from_dict(
        {
            "network": {"sizes": [6, 4, 3], "digital_bias": False},
            "training": {"algorithm": "hd", "lr": 0.2, "batch_size": 2},
            "algorithm": {
                "fast_lr": 0.5,
                "transfer_lr": 3.0,
                "transfer_every": 2.0,
                "n_reads_per_transfer": 0,
                "zero_shift": False,
            },
            "device": IDEAL,
        }
    )
    net = Network(params, 6, 3)
    lam, eta = rates(net.cfg, net.lay.shapes)
    # every column every 4 samples (2 mini-batches of 2): lam = 0.6 / 4; eta = 0.1 / 2
    np.testing.assert_allclose(lam, [0.15, 0.15])
    assert eta == pytest.approx(0.05)
    net.dev_a[0].hidden[:] = 0.1
    net.dev_a[0].refresh()
    e = energy(net, 1.5)
    p2 = 28 * 0.01
    assert e["p2"] == pytest.approx(p2)
    assert e["H"] == pytest.approx(1.5 + p2 / (2 * 0.15 * 0.05))
    assert e["H_conserved"] == pytest.approx(1.5 + 0.15 * p2 / (2 * 0.05))


def test_hd_params_are_checked():
    for field, value in (("transfer_every", 0.0), ("zs_reads", 0), ("transfer_lr", 0.0)):
        with pytest.raises(ConfigError, match=field):
            TrainParams.from_dict({"training": {"algorithm": "hd"}, "algorithm": {field: value}})
