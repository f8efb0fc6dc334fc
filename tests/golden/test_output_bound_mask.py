"""aihwkit's output-bound mask (``[network] handle_output_bound``): the backward error of an
array's output at or beyond ``0.999 out_scale out_bound`` is dropped, array by array, while
the layer's own update keeps the whole error; off by default."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from golden.kernels.passes import backward_sample, forward_sample, softmax_xent
from golden.network import Network, masks_output_bound
from golden.params import NetworkParams, TrainParams

ROOT = Path(__file__).resolve().parents[2]


def _net(mask: bool, algorithm: str = "sgd") -> Network:
    params = TrainParams.from_dict(
        {
            "data": {"name": "digits"},
            # layer 1's 16 inputs on two arrays of 8: each masks by its own partial output
            "network": {"sizes": [50, 16, 10], "max_input_size": 8, "handle_output_bound": mask},
            "training": {"algorithm": algorithm, "lr": 0.1, "seed": 2},
            # exact products (the expected values below), mask bound 0.999 * 3
            "io": {"is_perfect": True, "out_bound": 2.0, "out_scale": 1.5},
        }
    )
    net = Network(params, 50, 10)
    W = net.state.arr_c.visible
    W[:] = np.random.default_rng(4).uniform(-2, 2, W.size)
    return net


def _one_sample(net: Network, x: np.ndarray, label: int) -> tuple[np.ndarray, np.ndarray]:
    """Forward, loss and backward of one sample with the kernels; returns (acts, deltas)."""
    lay, cfg, st = net.lay, net.cfg, net.state
    acts, deltas = np.zeros(net.scratch.acts.shape[1]), np.zeros(lay.doff[-1])
    bufs = np.zeros((7, 64))
    n = len(lay.shapes)
    W, seeds = st.arr_c.visible, np.ascontiguousarray(st.seeds[:, 0])
    forward_sample(x, W, W[:0], st.bias, lay, cfg.train.activation, cfg.io_f, seeds,
                   np.zeros(n, dtype=np.int64), np.full(n, -1), acts, bufs)  # fmt: skip
    out = deltas[lay.doff[1] : lay.doff[1] + 10]
    softmax_xent(acts[lay.aoff[2] : lay.aoff[2] + 10], label, out)
    backward_sample(W, W[:0], lay, cfg.train.activation, cfg.io_b, seeds, st.S.copy(), acts,
                    deltas, bufs, bufs[2])  # fmt: skip
    return acts, deltas


@pytest.mark.kernel
def test_each_array_drops_the_errors_of_its_outputs_beyond_the_bound():
    net = _net(mask=True)
    lay = net.lay
    assert net.scratch.acts.shape[1] == lay.aoff[-1] + lay.roff[-1]  # room for the flags
    x = np.random.default_rng(5).uniform(0, 1, 50)
    acts, deltas = _one_sample(net, x, label=3)
    W0, W1 = net.layer_weights()
    W1 = 1.5 * W1  # out_scale: every product, forward and backward, is scaled
    h = acts[lay.aoff[1] : lay.aoff[1] + 16]
    p = np.exp(W1 @ h + net.state.bias[16:] - (W1 @ h + net.state.bias[16:]).max())
    d1 = p / p.sum() - np.eye(10)[3]
    np.testing.assert_allclose(deltas[lay.doff[1] : lay.doff[1] + 10], d1, rtol=1e-12)
    g, dropped = np.zeros(16), []
    for c0 in (0, 8):  # the two arrays of layer 1, their own partial outputs (before the bias)
        y = W1[:, c0 : c0 + 8] @ h[c0 : c0 + 8]
        keep = np.abs(y) < 0.999 * 3.0
        dropped.append(int((~keep).sum()))
        g[c0 : c0 + 8] = W1[:, c0 : c0 + 8].T @ (d1 * keep)
    assert all(0 < k < 10 for k in dropped), dropped  # both arrays drop some, keep some
    want = g * h * (1 - h)
    np.testing.assert_allclose(deltas[lay.doff[0] : lay.doff[0] + 16], want, rtol=1e-9)
    # off (golden's default): the whole error goes back
    assert not NetworkParams().handle_output_bound
    _, whole = _one_sample(_net(mask=False), x, label=3)
    np.testing.assert_allclose(whole[:16], (W1.T @ d1) * h * (1 - h), rtol=1e-9)
    assert np.abs(whole[:16] - want).max() > 1e-3
    # float never masks: aihwkit's floating-point tiles have no forward IO to take a bound from
    assert not masks_output_bound(_net(mask=True, algorithm="float").params)


@pytest.mark.slow
def test_unsplit_ttv2_collapses_with_aihwkits_mask_alone():
    """Issue 17's unsplit-TTv2 collapse: on the reference job with one array per layer the
    logits of every test image drift beyond the bound by 2,000 samples, with or without the
    mask; with it (aihwkit's tiles) no error reaches the hidden layers any more and the run
    stays at chance, without it (golden's default) the run learns on."""
    from golden.data import load_dataset
    from golden.params import load_train_config
    from golden.train import shuffled_order

    data = load_dataset("fashion-mnist", n_train=4000, n_test=1000)
    accuracy = {}
    for mask in (False, True):
        sets = ["network.max_input_size=0", f"network.handle_output_bound={str(mask).lower()}"]
        net = Network(load_train_config(ROOT / "configs" / "fmnist-ttv2.toml", sets), 784, 10)
        net.train(data.x_train, data.y_train, shuffled_order(0, 0, 4000), 0, 4000, 0, 10**9)
        W0, W1, W2 = net.layer_weights()
        b = net.state.bias
        h = 1 / (1 + np.exp(-(data.x_test @ W0.T + b[:256])))
        h = 1 / (1 + np.exp(-(h @ W1.T + b[256:384])))
        y = h @ W2.T  # the output array's own outputs (the bias is digital)
        assert (np.abs(y) >= 0.999 * 12).all()  # every output beyond the bound
        accuracy[mask] = np.mean(np.argmax(y + b[384:], 1) == data.y_test)
    assert accuracy[True] < 0.2 < 0.4 < accuracy[False], accuracy
