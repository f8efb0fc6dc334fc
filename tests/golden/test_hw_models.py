"""golden's hw_exact training mode draws exactly the pulses of the periphery's cycle model.

Chain: training kernel (hw_exact) == golden.hw.pulse_generator cycle model (this file) ==
rtl.pulse_generator in amaranth.sim (tests/rtl/test_blocks.py).
"""

from __future__ import annotations

import numpy as np
import pytest

from golden.devices import DeviceArray
from golden.errors import ConfigError
from golden.hw.pulse_generator import PulseGeneratorModel
from golden.params import PeripheryParams, SoftBoundsParams, UpdateParams
from golden.pulses import PulsedUpdater
from golden.update_management import quantize_inputs


def run_model(model: PulseGeneratorModel, xq, dq, gains) -> tuple[list[int], list[int]]:
    """Feed one update to the cycle model; return the per-lane trains (bit t = slot t)."""
    p = model.p
    xtrain, dtrain = [0] * p.cols, [0] * p.rows
    model.tick(1, xq, dq, *gains)
    slot = 0
    while True:
        out = model.outputs()
        if out["pulse"].valid:
            for j in range(p.cols):
                xtrain[j] |= ((out["pulse"].x >> j) & 1) << slot
            for i in range(p.rows):
                dtrain[i] |= ((out["pulse"].d >> i) & 1) << slot
            slot += 1
            if out["done"]:
                return xtrain, dtrain
        model.tick(0, xq, dq, *gains)


@pytest.mark.parametrize("bl", [7, 31])
def test_training_update_equals_cycle_model(bl):
    rows, cols, lr = 6, 9, 0.05
    up = UpdateParams(rng_mode="hw_exact", update_bl_management=False, desired_bl=bl)
    dev = DeviceArray(SoftBoundsParams(dw_min=0.01), (rows, cols), seed=1)
    updater = PulsedUpdater(up, dev, lfsr_seed=11)
    model = PulseGeneratorModel(PeripheryParams.for_update(up, rows, cols, seed=11))
    p = model.p
    rng = np.random.default_rng(bl)
    fired = 0
    for _ in range(20):
        x = rng.uniform(0, 1, cols) * (rng.random(cols) < 0.8)
        d = rng.normal(0, 0.05, rows)
        updater.update(x, d, lr)
        xq, dq = np.zeros(cols, np.int64), np.zeros(rows, np.int64)
        sx, sd = quantize_inputs(x, p.x_bits, xq), quantize_inputs(d, p.d_bits, dq)
        gains = p.update_gains(lr * sx * sd, 0.01)
        xtrain, dtrain = run_model(model, xq.tolist(), dq.tolist(), gains)
        assert [int(b) for b in updater.work.bits[0, :cols]] == xtrain
        assert [int(b) for b in updater.work.bits[1, :rows]] == dtrain
        fired += sum(bin(t).count("1") for t in xtrain + dtrain)
    assert fired > 100


def test_hw_exact_needs_the_periphery_update_rules():
    with pytest.raises(ConfigError, match="update_bl_management = True is invalid: must be false"):
        UpdateParams(rng_mode="hw_exact")
    with pytest.raises(ConfigError, match="update_management = False is invalid: must be true"):
        UpdateParams(rng_mode="hw_exact", update_bl_management=False, update_management=False)
    with pytest.raises(ConfigError, match=r"gain_frac = 5 is invalid: must be >= prob_bits \(12\)"):
        UpdateParams(gain_frac=5)
