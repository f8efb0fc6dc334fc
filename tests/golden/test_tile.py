"""Analog tile: MVM with IO non-idealities vs. the twin, quantisation, bound management."""

from __future__ import annotations

import numpy as np
import pytest

from golden.errors import ConfigError
from golden.kernels.tile import analog_mvm, analog_mvm_probed, analog_mvm_rows
from golden.params import ConstantStepParams, IOParams, SoftBoundsParams, TileParams, UpdateParams
from golden.tile import AnalogTile, io_record
from tests.golden import naive

IOS = {
    "default": IOParams(),
    "no-bm": IOParams(bound_management="NONE", inp_noise=0.01),
    "max-nm": IOParams(noise_management="MAX", out_res=0.0, inp_res=64),
    "constant-nm": IOParams(
        noise_management="CONSTANT", nm_thres=2.0, bm_test_negative_bound=False
    ),
    "none-nm": IOParams(noise_management="NONE", inp_bound=2.0, out_noise=0.0),
    "perfect": IOParams(is_perfect=True, out_scale=2.0),
}


@pytest.mark.kernel
@pytest.mark.parametrize("name", sorted(IOS))
@pytest.mark.parametrize("transposed", [False, True])
def test_analog_mvm_matches_twin(name, transposed):
    io = IOS[name]
    rng = np.random.default_rng(3)
    W = rng.uniform(-1.5, 1.5, (7, 11))  # large enough for bound management to kick in
    for k in range(8):
        x = rng.normal(0, 1, 7 if transposed else 11)
        if k == 0:
            x[:] = 0.0
        y = np.empty(11 if transposed else 7)
        passes = analog_mvm(
            W, x, transposed, io_record(io), not transposed, 5, k, np.empty(x.size), y
        )
        want, want_passes = naive.analog_mvm(W, x, transposed, io, not transposed, 5, k)
        np.testing.assert_allclose(y, want, rtol=1e-12, atol=1e-12)
        assert passes == want_passes


@pytest.mark.kernel
@pytest.mark.parametrize("name", [*sorted(IOS), "noisy"])
@pytest.mark.parametrize("transposed", [False, True])
def test_a_probe_changes_the_work_not_the_bits(name, transposed):
    """Bound management's probe (the output a pass that may be repeated checks first): every
    probe, and none, give the same outputs and passes; the hint returned is an output index
    (the last found hitting; where no pass hit, the probe itself)."""
    # "noisy": output noise large enough to decide hits (a probe's noise must be its own draw)
    io = io_record(IOS[name] if name in IOS else IOParams(out_noise=4.0))
    rng = np.random.default_rng(4)
    W = rng.uniform(-8, 8, (7, 11))  # outputs beyond out_bound: passes repeated
    n_out, repeated = (11 if transposed else 7), 0
    for k in range(12):
        x = rng.normal(0, 1 + k / 4, 7 if transposed else 11)
        want = np.empty(n_out)
        passes = analog_mvm(W, x, transposed, io, True, 5, k, np.empty(x.size), want)
        repeated += passes > 1
        for probe in range(-1, n_out):
            y = np.empty(n_out)
            got = analog_mvm_probed(W, x, transposed, io, True, 5, k, np.empty(x.size), y, probe)
            np.testing.assert_array_equal(y, want)
            assert got[0] == passes
            assert (0 if passes > 1 else min(probe, 0)) <= got[1] < n_out
    if name not in ("no-bm", "perfect"):
        assert repeated > 0  # bound management repeated passes: the probes were used


def test_quantisation_levels():
    io = IOParams(out_noise=0.0, bound_management="NONE")
    tile = AnalogTile(TileParams(device=ConstantStepParams(w_max=5, w_min=-5), forward=io), 4, 6)
    tile.set_weights(np.random.default_rng(0).uniform(-0.5, 0.5, (4, 6)))
    x = np.random.default_rng(1).uniform(-1, 1, 6)
    y = tile.forward(x)
    alpha = np.abs(x).max()
    steps = y / alpha / io.out_step
    np.testing.assert_allclose(steps, np.rint(steps), atol=1e-9)  # ADC grid
    v = np.rint(x / alpha / io.inp_step) * io.inp_step  # DAC grid
    ideal = tile.get_weights() @ v
    assert np.all(np.abs(y / alpha - ideal) <= io.out_step / 2 + 1e-12)


def test_bound_management_recovers_saturated_outputs():
    params = TileParams(
        device=ConstantStepParams(w_max=10, w_min=-10), forward=IOParams(out_noise=0.0)
    )
    tile = AnalogTile(params, 2, 64)
    tile.set_weights(np.full((2, 64), 0.5))
    x = np.ones(64)
    y = tile.forward(x)  # ideal 32 > out_bound 12: BM halves the input until it fits
    assert y == pytest.approx([32.0, 32.0], rel=0.02)
    no_bm = AnalogTile(
        params.replace(forward=IOParams(out_noise=0.0, bound_management="NONE")), 2, 64
    )
    no_bm.set_weights(np.full((2, 64), 0.5))
    assert no_bm.forward(x) == pytest.approx([12.0, 12.0])
    # backward never uses bound management (aihwkit)
    assert AnalogTile(params, 64, 2).backward(np.ones(64)).max() <= 12.0 + 1e-12


def test_output_noise_scales_with_alpha():
    io = IOParams(out_noise=0.1, out_res=0.0, inp_res=0.0)
    tile = AnalogTile(TileParams(forward=io), 3, 4, seed=0)
    X = np.tile([2.0, 0.0, 0.0, 0.0], (4000, 1))  # W = 0: output is pure noise * alpha
    Y = tile.forward(X)
    assert Y.std() == pytest.approx(0.2, rel=0.05)


@pytest.mark.kernel
def test_batch_equals_loop_and_determinism():
    rng = np.random.default_rng(0)
    X = rng.normal(0, 1, (5, 6))
    a, b = AnalogTile(TileParams(), 4, 6, seed=3), AnalogTile(TileParams(), 4, 6, seed=3)
    a.set_weights(rng.uniform(-0.5, 0.5, (4, 6)))
    b.set_weights(a.get_weights())
    np.testing.assert_array_equal(a.forward(X), np.stack([b.forward(x) for x in X]))
    np.testing.assert_array_equal(a.backward(X[:, :4]), np.stack([b.backward(d) for d in X[:, :4]]))


def test_tile_update_pulsed_and_exact():
    rng = np.random.default_rng(1)
    x, d = rng.uniform(0, 1, (3, 6)), rng.normal(0, 0.3, (3, 4))
    exact = AnalogTile(
        TileParams(
            device=SoftBoundsParams(w_max=5, w_min=-5), update=UpdateParams(pulse_type="NONE")
        ),
        4,
        6,
    )
    exact.update(x, d, 0.1)
    np.testing.assert_allclose(exact.get_weights(), -0.1 * d.T @ x, atol=1e-12)
    pulsed = AnalogTile(TileParams(device=SoftBoundsParams(dw_min=0.01)), 4, 6, seed=2)
    pulsed.update(x, d, 0.1)
    assert np.corrcoef(pulsed.get_weights().ravel(), (-d.T @ x).ravel())[0, 1] > 0.8
    clipped = AnalogTile(TileParams(update=UpdateParams(pulse_type="NONE_WITH_DEVICE")), 4, 6)
    clipped.update(x, d * 100, 1.0)
    assert np.all(clipped.get_weights() <= clipped.devices.b_max + 1e-15)


def test_bad_input():
    tile = AnalogTile(TileParams(), 4, 6)
    with pytest.raises(ConfigError, match=r"x .*expected shape \(6,\) or \(batch, 6\)"):
        tile.forward(np.zeros((2, 5)))
    with pytest.raises(ConfigError, match="NaN"):
        tile.forward(np.array([np.nan] * 6))
    with pytest.raises(ConfigError, match=r"d .*expected shape \(4,\)"):
        tile.backward(np.zeros(6))
    with pytest.raises(ConfigError, match="same length"):
        tile.update(np.zeros((2, 6)), np.zeros((3, 4)), 0.1)
    with pytest.raises(ConfigError, match="NaN"):
        tile.update(np.zeros((2, 6)), np.array([[0.0] * 4, [np.inf] * 4]), 0.1)
    np.testing.assert_array_equal(tile.get_weights(), 0.0)
    with pytest.raises(ConfigError, match="Lut device needs a pulsed"):
        AnalogTile(
            TileParams.from_dict({"device": {"type": "Lut"}, "update": {"pulse_type": "NONE"}}),
            2,
            2,
        )


@pytest.mark.kernel
@pytest.mark.parametrize("name", [*sorted(IOS), "noisy"])
@pytest.mark.parametrize("transposed", [False, True])
def test_batched_mvms_and_column_major_weights_give_the_same_bits(name, transposed):
    """analog_mvm_rows (the rows' passes in lockstep, each pass one product) is analog_mvm
    row by row, bit for bit, with bound management repeating some rows; and the forward MVM
    of W equals the transposed MVM of W stored column-major (the transfer family's copy of C),
    also batched. "noisy": output noise large enough to decide hits."""
    io = io_record(IOS[name] if name in IOS else IOParams(out_noise=4.0))
    rng = np.random.default_rng(4)
    W = rng.uniform(-8.0, 8.0, (7, 11))  # some outputs saturate: bound management repeats
    n_in = 7 if transposed else 11
    X = rng.normal(0, 1, (9, n_in)) * (rng.random((9, n_in)) < 0.7)
    X[3] = 0.0
    counters = np.arange(20, 29)
    bm = not transposed
    want = np.empty((9, 11 if transposed else 7))
    passes = [
        analog_mvm(W, X[b], transposed, io, bm, 5, counters[b], np.empty(n_in), want[b])
        for b in range(9)
    ]
    if name == "default" and not transposed:
        assert 1 < max(passes) and min(passes) == 1
    wide = np.full((9, want.shape[1] + 3), np.nan)  # outputs into a strided view
    analog_mvm_rows(W, X, transposed, io, bm, 5, counters, wide[:, 1:-2])
    np.testing.assert_array_equal(wide[:, 1:-2], want)
    if not transposed:
        Wt = np.ascontiguousarray(W.T)
        for b in range(9):
            y = np.empty(7)
            analog_mvm(Wt, X[b], True, io, True, 5, counters[b], np.empty(11), y)
            np.testing.assert_array_equal(y, want[b])
        got = np.empty((9, 7))  # the batch's passes in lockstep on the copy, probes included
        analog_mvm_rows(Wt, X, True, io, True, 5, counters, got)
        np.testing.assert_array_equal(got, want)
