"""The hardware-exact MVM of an emulated array (golden.mvm_exact): the cycle model's MAC
engine against the functional rule, and the rule against golden's float analog MVM."""

from __future__ import annotations

import numpy as np
import pytest

from golden.devices import DeviceArray
from golden.encoding import BoundManagement, NoiseManagement
from golden.errors import ConfigError
from golden.hw.crossbar import PIPELINE, ArrayEmulatorModel
from golden.kernels.records import IOConfig, record
from golden.kernels.tile import analog_mvm
from golden.lfsr import lane_seed
from golden.lut_exact import READ_LANE, array_image, exact_tables, read_tables
from golden.mvm_exact import host_mvm, mvm_exact, mvm_tables
from golden.params import EmulatorParams, IOParams, device_preset

EM = EmulatorParams(seed=4)
LUT = device_preset("lut-softbounds-21").replace(w_max_dtod=0.0, w_min_dtod=0.0)


def _model(rows, cols, io, seed=1):
    devices = DeviceArray(LUT, (rows, cols), seed=seed)
    devices.set_weights(np.random.default_rng(seed).uniform(-1, 1, (rows, cols)))
    mt = mvm_tables(LUT, io, EM, 9, max(rows, cols))
    model = ArrayEmulatorModel(
        EM, exact_tables(LUT, EM), read_tables(LUT, io, EM, 9), array_image(devices, EM), mt
    )
    return model, mt, devices


def _run(model, transposed, codes):
    """One MVM through the cycle model; returns (codes, clocks from the request to valid)."""
    assert model.outputs()["mvm_ready"]
    model.tick(mvm=(1, transposed, codes))
    clocks = 1
    while not model.outputs()["mvm_valid"]:
        model.tick()
        clocks += 1
    n_out = model.cols if transposed else model.rows
    return model.outputs()["mvm_codes"][:n_out], clocks


def test_model_mac_engine_matches_the_rule():
    rows, cols = 5, 7
    model, mt, _ = _model(rows, cols, IOParams(out_noise=0.5))
    rng = np.random.default_rng(2)
    lfsr = lane_seed(EM.seed, READ_LANE, EM.lfsr_width)
    for transposed in (False, True, True, False):
        codes = [int(c) for c in rng.integers(-mt.n_in, mt.n_in + 1, rows if transposed else cols)]
        want, lfsr = mvm_exact(model.states, codes, transposed, lfsr, model.mask, mt)
        got, clocks = _run(model, transposed, codes)
        assert got == want
        assert clocks == 1 + rows * cols + PIPELINE + 2  # request, terms, pipeline, code, write
        model.tick()  # the engine is ready again the clock after mvm_valid
    assert model.read_lfsr == lfsr


def test_operations_take_precedence_over_an_mvm():
    model, _, _ = _model(3, 4, IOParams())
    assert model.outputs(op_valid=1)["mvm_ready"] == 0
    model.tick(1, 2, 1, 0, 1, 0, mvm=(1, False, [1, 1, 1, 1]))  # a PEEK and an MVM offered
    assert model.state != 5  # not the MVM


def test_rule_matches_the_float_mvm_without_noise():
    """With no output noise the exact MVM is golden's float analog MVM of the same weights,
    within one ADC step per output (the level table's rounding), and bound management takes
    the same passes."""
    io = IOParams(out_noise=0.0, out_bound=3.0, out_res=1 / 254)
    rows, cols = 8, 12
    model, mt, devices = _model(rows, cols, io)
    W = np.asarray(devices.weights(), dtype=np.float64)
    cfg = record(IOConfig, io)
    rng = np.random.default_rng(3)
    for scale in (0.2, 1.0, 5.0):  # 5.0 saturates: bound management repeats
        x = rng.uniform(-scale, scale, cols)
        host = host_mvm(x, rows, io, mt)
        codes, passes = next(host), 0
        while True:
            passes += 1
            out, _ = mvm_exact(model.states, codes, False, 1, model.mask, mt)
            try:
                codes = host.send(out)
            except StopIteration as stop:
                y = stop.value
                break
        want = np.zeros(rows)
        float_passes = analog_mvm(W, x, False, cfg, True, 0, 0, np.empty(cols), want)
        assert passes == float_passes
        alpha = np.max(np.abs(x))
        tol = io.out_step * alpha * 2 ** (passes - 1) * 1.01
        np.testing.assert_array_less(np.abs(y - want), tol)


def test_host_answers_zero_without_a_pass():
    _, mt, _ = _model(2, 3, IOParams())
    host = host_mvm(np.zeros(3), 2, IOParams(), mt)
    with pytest.raises(StopIteration) as stop:
        next(host)
    assert list(stop.value.value) == [0.0, 0.0]


def test_io_the_emulator_cannot_do_is_refused():
    with pytest.raises(ConfigError, match="io.inp_res"):
        mvm_tables(LUT, IOParams(inp_res=0), EM, 9, 4)
    with pytest.raises(ConfigError, match="io.inp_noise"):
        mvm_tables(LUT, IOParams(inp_noise=0.1), EM, 9, 4)
    assert mvm_tables(LUT, IOParams(out_res=1 / 2000), EM, 9, 4).n_out == 255  # 9 bits
    assert NoiseManagement.ABS_MAX == IOParams().noise_management
    assert BoundManagement.ITERATIVE == IOParams().bound_management
