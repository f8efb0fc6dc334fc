"""aihwkit's tile mapping (``[network] max_input_size`` / ``max_output_size``): the split
sizes, the arrays' placement, a split layer's forward against the whole matrix, per-array
transfer state, and the hw-exact mode on split layers."""

from __future__ import annotations

import numpy as np
import pytest

from golden.errors import ConfigError
from golden.kernels.arena import S_COL
from golden.kernels.passes import forward_sample
from golden.mapping import join_layer, split_layer
from golden.network import Network
from golden.params import NetworkParams, TrainParams, split_sizes


def test_split_sizes_are_aihwkits():
    assert split_sizes(784, 512) == [392, 392]
    assert split_sizes(785, 512) == [393, 392]
    assert split_sizes(1100, 512) == [367, 367, 366]
    assert split_sizes(512, 512) == [512]
    assert split_sizes(784, 0) == [784]


def test_a_split_layer_needs_a_digital_bias():
    with pytest.raises(ConfigError, match="digital_bias"):
        NetworkParams(sizes=(600, 10), digital_bias=False)
    NetworkParams(sizes=(600, 10), digital_bias=False, max_input_size=0)


def _params(name: str, **sections) -> TrainParams:
    data = {
        "data": {"name": "digits"},
        "network": {"sizes": [50, 16, 10], "max_input_size": 20, "max_output_size": 8},
        "training": {"algorithm": name, "lr": 0.1, "seed": 2},
    }
    for key, value in sections.items():
        data[key] = {**data.get(key, {}), **value}
    return TrainParams.from_dict(data)


def test_arrays_tile_each_layer_in_aihwkits_order():
    net = Network(_params("sgd"), 50, 10)
    lay = net.lay
    # layer 0: inputs 17 + 17 + 16, outputs 8 + 8; layer 1: 16 inputs (one block), outputs 5 + 5
    assert lay.ltile.tolist() == [0, 6, 8]
    assert lay.shapes[:6].tolist() == [[8, 17], [8, 17], [8, 17], [8, 17], [8, 16], [8, 16]]
    assert lay.tpos[:6].tolist() == [[0, 0], [8, 0], [0, 17], [8, 17], [0, 34], [8, 34]]
    W = np.arange(16 * 50, dtype=float).reshape(16, 50)
    flat = np.concatenate([b.ravel() for b in split_layer(lay, 0, W)])
    np.testing.assert_array_equal(join_layer(lay, 0, flat), W)
    assert [w.shape for w in net.layer_weights()] == [(16, 50), (10, 16)]


@pytest.mark.kernel
def test_a_split_forward_is_the_whole_product():
    """With perfect IO each array's output is its block's exact product; the layer adds them:
    the whole product W x (+ bias) up to the order of the sums."""
    net = Network(_params("float"), 50, 10)
    lay, st = net.lay, net.state
    x = np.random.default_rng(0).uniform(0, 1, 50)
    acts, bufs = np.zeros(lay.aoff[-1]), np.zeros((2, 64))
    counters = np.zeros(len(lay.shapes), dtype=np.int64)
    cfg = net.cfg
    forward_sample(x, st.W_float, st.W_float[:0], st.bias, lay, cfg.train.activation, cfg.io_f,
                   st.seeds[:, 0], counters, np.full(len(counters), -1), acts, bufs)  # fmt: skip
    W0, W1 = net.layer_weights()
    h = 1.0 / (1.0 + np.exp(-(W0 @ x + st.bias[:16])))
    np.testing.assert_allclose(acts[lay.aoff[1] : lay.aoff[1] + 16], h, rtol=1e-12)
    np.testing.assert_allclose(acts[lay.aoff[2] : lay.aoff[2] + 10], W1 @ h + st.bias[16:], 1e-12)


@pytest.mark.kernel
def test_every_array_transfers_its_own_column():
    """TTv2 on split layers: after one transfer period each array has moved to its next
    column (a split layer transfers one column per array)."""
    net = Network(_params("ttv2", algorithm={"transfer_every": 2.0}), 50, 10)
    X = np.random.default_rng(1).uniform(0, 1, (2, 50))
    net.train(X, np.zeros(2, dtype=np.int64), np.arange(2, dtype=np.int64), 0, 2, 0, 10**9)
    np.testing.assert_array_equal(net.state.S[:, S_COL], 1)


@pytest.mark.kernel
def test_hw_exact_training_on_split_layers_is_deterministic():
    """hw_exact mode (Lut devices, the periphery's LFSRs per array) on split layers: the same
    seed gives the same bits, and the split changes them."""
    lut = {"type": "Lut", "n_states": 16}
    hw = {"rng_mode": "hw_exact", "update_bl_management": False}
    runs = []
    for size in (20, 20, 0):
        p = _params("ttv2", device=lut, update=hw, network={"max_input_size": size})
        net = Network(p, 50, 10)
        X = np.random.default_rng(3).uniform(0, 1, (10, 50))
        Y = np.arange(10, dtype=np.int64)
        net.train(X, Y, np.arange(10, dtype=np.int64), 0, 10, 0, 10**9)
        runs.append(np.concatenate([w.ravel() for w in net.layer_weights()]))
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.array_equal(runs[0], runs[2])
