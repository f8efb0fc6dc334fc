"""Training: data loading, each algorithm's mechanics, end-to-end runs, kill/resume."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from golden.data import FASHION_MNIST_DIR, load_dataset, read_idx
from golden.errors import ConfigError
from golden.kernels.arena import S_COL, S_SWEEP
from golden.kernels.decomposition import (
    balance_factors,
    dec_views,
    nmf_factorize,
    nmf_write,
    pca_accumulate,
    pca_write,
)
from golden.kernels.transfer import transfer_column
from golden.network import Network
from golden.params import ALGORITHMS, TrainParams, load_train_config
from golden.train import run_training
from tests.conftest import TRAIN_GROUP

pytestmark = [pytest.mark.xdist_group(TRAIN_GROUP), pytest.mark.usefixtures("train_kernels")]

ROOT = Path(__file__).resolve().parents[2]
IDEAL = {
    "type": "ConstantStep",
    "dw_min": 0.01,
    "dw_min_dtod": 0.0,
    "dw_min_std": 0.0,
    "up_down_dtod": 0.0,
    "w_max": 5.0,
    "w_min": -5.0,
    "w_max_dtod": 0.0,
    "w_min_dtod": 0.0,
}
PERFECT = {"is_perfect": True}


def small(name: str, **sections) -> TrainParams:
    """A 6-4-3 network on synthetic shapes (the mechanics tests drive the kernels directly)."""
    data = {
        "data": {"name": "digits"},
        "network": {"sizes": [6, 4, 3], "digital_bias": False},
        "training": {"algorithm": name, "lr": 0.1, "seed": 3},
        "device": IDEAL,
        "io": PERFECT,
    }
    for key, value in sections.items():
        data[key] = {**data.get(key, {}), **value}
    return TrainParams.from_dict(data)


# ---- data ------------------------------------------------------------------------------------
def _write_idx(path: Path, array: np.ndarray, zipped: bool) -> None:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(n).to_bytes(4, "big") for n in array.shape
    )
    raw = header + array.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(raw) if zipped else raw)


@pytest.mark.parametrize("zipped", [False, True])
def test_idx_directory_round_trip(tmp_path, zipped):
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, (7, 3, 2))
    labels = rng.integers(0, 4, 7)
    suffix = ".gz" if zipped else ""
    for split in ("train", "t10k"):
        _write_idx(tmp_path / f"{split}-images-idx3-ubyte{suffix}", imgs, zipped)
        _write_idx(tmp_path / f"{split}-labels-idx1-ubyte{suffix}", labels, zipped)
    ds = load_dataset("idx", path=str(tmp_path), n_train=5)
    assert ds.x_train.shape == (5, 6) and ds.x_test.shape == (7, 6)
    np.testing.assert_allclose(ds.x_train, imgs[:5].reshape(5, 6) / 255.0)
    np.testing.assert_array_equal(ds.y_test, labels)
    np.testing.assert_array_equal(read_idx(tmp_path / f"train-images-idx3-ubyte{suffix}"), imgs)


def test_data_errors(tmp_path):
    with pytest.raises(
        ConfigError, match="train-labels-idx1-ubyte.* not found there; put the four IDX files"
    ):
        _write_idx(tmp_path / "train-images-idx3-ubyte", np.zeros((1, 1)), False)
        load_dataset("idx", path=str(tmp_path))
    with pytest.raises(ConfigError, match="apt-get install dataset-fashion-mnist"):
        load_dataset("fashion-mnist", path=str(tmp_path / "nowhere"))
    (tmp_path / "bad").write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(ConfigError, match="bad magic"):
        read_idx(tmp_path / "bad")
    with pytest.raises(ConfigError, match="at most 1348"):
        load_dataset("digits", n_train=5000)


def test_digits_and_fashion_mnist():
    d = load_dataset("digits")
    assert d.x_train.shape == (1348, 64) and d.n_classes == 10 and d.x_train.max() <= 1.0
    if not FASHION_MNIST_DIR.is_dir():
        pytest.fail("dataset-fashion-mnist is not installed (make test installs it)")
    f = load_dataset("fashion-mnist", n_train=50, n_test=20)
    assert f.x_train.shape == (50, 784) and f.x_test.shape == (20, 784)
    assert 0.0 <= f.x_train.min() and f.x_train.max() <= 1.0


# ---- mechanics -------------------------------------------------------------------------------
def _step(net: Network, x: np.ndarray, y: int) -> None:
    X = np.ascontiguousarray(x[None, :])
    net.train(X, np.array([y]), np.array([0]), 0, 1, 0, 10**9)


@pytest.mark.kernel
@pytest.mark.parametrize("digital_bias", [False, True])
def test_float_matches_numpy_sgd(digital_bias):
    params = small("float", network={"activation": "tanh", "digital_bias": digital_bias})
    net = Network(params, 6, 3)
    Ws = [w.copy() for w in net.layer_weights()]
    if digital_bias:  # the bias lives in net.state.bias; model it as the arrays' missing column
        Ws = [
            np.column_stack([w, net.state.bias[net.lay.doff[k] : net.lay.doff[k + 1]]])
            for k, w in enumerate(Ws)
        ]
    rng = np.random.default_rng(1)
    for _ in range(5):
        x, y = rng.uniform(0, 1, 6), int(rng.integers(3))
        a0 = np.append(x, 1.0)
        h = np.tanh(Ws[0] @ a0)
        a1 = np.append(h, 1.0)
        z = Ws[1] @ a1
        p = np.exp(z - z.max())
        p /= p.sum()
        d1 = p - np.eye(3)[y]
        d0 = (Ws[1][:, :-1].T @ d1) * (1 - h * h)
        Ws[1] -= 0.1 * np.outer(d1, a1)
        Ws[0] -= 0.1 * np.outer(d0, a0)
        _step(net, x, y)
        got = net.layer_weights()
        if digital_bias:
            got = [
                np.column_stack([w, net.state.bias[net.lay.doff[k] : net.lay.doff[k + 1]]])
                for k, w in enumerate(got)
            ]
        for g, want in zip(got, Ws, strict=True):
            np.testing.assert_allclose(g, want, rtol=0, atol=1e-12)


@pytest.mark.kernel
def test_ttv1_transfers_every_n_updates_on_the_next_column():
    params = small("ttv1", algorithm={"transfer_every": 3.0})
    net = Network(params, 6, 3)
    rng = np.random.default_rng(0)
    C0 = [w.copy() for w in net.layer_weights()]
    for k in range(1, 10):
        _step(net, rng.uniform(0.2, 1, 6), int(rng.integers(3)))
        assert list(net.state.S[:, S_COL]) == [k // 3 % 7, k // 3 % 5]
        changed = [
            np.flatnonzero(np.any(w != c, axis=0))
            for w, c in zip(net.layer_weights(), C0, strict=True)
        ]
        assert all(set(cols) <= set(range(k // 3)) for cols in changed)  # only read columns
    assert np.any(net.layer_weights()[0][:, 0] != C0[0][:, 0])


def _transfer(net: Network, l: int, j: int) -> None:
    sc = net.scratch
    transfer_column(l, j, net.lay, net.cfg, net.state, net.cfg.train.lr, sc.buf, sc.work)


@pytest.mark.kernel
@pytest.mark.parametrize("forget", [True, False])
def test_ttv2_threshold_writes_exactly_one_pulse(forget):
    """h = H + eta v / theta; where |h| >= 1 C gets one pulse of sign(h) (transfer BL 1) and H
    keeps momentum * h (forget_buffer) or h - (1 - momentum) n."""
    params = small(
        "ttv2",
        algorithm={
            "transfer_forward": PERFECT,
            "momentum": 0.25,
            "forget_buffer": forget,
            "thres_scale": 2.0,
        },
    )
    net = Network(params, 6, 3)
    A = net.dev_a[0]
    a_col = np.array([0.5, -0.1, 0.3, -0.45])
    A.hidden[:, 2] = a_col
    h0 = np.array([0.2, 0.0, -0.5, 0.1])
    net.state.digital.H[net.lay.off[0] : net.lay.off[1]].reshape(4, 7)[:, 2] = h0
    C_before = net.layer_weights()[0].copy()
    _transfer(net, 0, 2)
    # eta = transfer_lr * lr = 0.1, theta = thres_scale * dw_min = 0.02: h = h0 + 5 v
    h = h0 + 5.0 * a_col
    n = np.where(np.abs(h) >= 1, np.trunc(np.clip(h, -1, 1)), 0)
    np.testing.assert_allclose(h, [2.7, -0.5, 1.0, -2.15])
    dC = net.layer_weights()[0] - C_before
    np.testing.assert_allclose(dC[:, 2], n * 0.01, atol=1e-12)
    assert np.all(dC[:, [0, 1, 3, 4, 5, 6]] == 0)
    H = net.state.digital.H[net.lay.off[0] : net.lay.off[1]].reshape(4, 7)[:, 2]
    want = np.where(n != 0, 0.25 * h if forget else h - 0.75 * n, h)
    np.testing.assert_allclose(H, want, atol=1e-12)


@pytest.mark.kernel
def test_chopped_reads_undo_the_chopper_and_flip():
    params = small("cttv2", algorithm={"transfer_forward": PERFECT, "in_chop_prob": 1.0})
    net = Network(params, 6, 3)
    net.dev_a[0].hidden[:, 1] = 0.004  # s = lr / dw_min_A = 10: h = 10 * c * v = 0.04 c
    net.state.digital.chop_in[1] = -1.0
    _transfer(net, 0, 1)
    np.testing.assert_allclose(net.state.digital.H[:28].reshape(4, 7)[:, 1], -0.04, atol=1e-12)
    assert net.state.digital.chop_in[1] == 1.0  # in_chop_prob = 1 flips after every read
    _transfer(net, 0, 1)
    np.testing.assert_allclose(net.state.digital.H[:28].reshape(4, 7)[:, 1], 0.0, atol=1e-12)
    assert net.state.digital.chop_in[1] == -1.0


@pytest.mark.kernel
def test_agad_reference_and_warmup():
    params = small(
        "agad",
        algorithm={"transfer_forward": PERFECT, "in_chop_prob": 0.5, "tail_weightening": 1.0},
    )
    net = Network(params, 6, 3)
    net.dev_a[0].hidden[:, 0] = 0.05
    C0 = net.layer_weights()[0].copy()
    _transfer(net, 0, 0)  # sweep 0 of a 2-sweep period: M <- 0.5 v, no write yet
    M = net.state.digital.M[:28].reshape(4, 7)[:, 0]
    np.testing.assert_allclose(M, 0.025, atol=1e-12)
    np.testing.assert_array_equal(net.layer_weights()[0], C0)
    net.state.S[0, S_SWEEP] = 1  # last sweep of the period: the chopper flips after this read
    _transfer(net, 0, 0)
    assert net.state.digital.chop_in[0] == -1.0 and net.state.digital.flipped[0] == 1.0
    net.state.S[0, S_SWEEP] = 3  # past the warm-up: R <- M at the first read after the flip
    _transfer(net, 0, 0)
    R = net.state.digital.R[:28].reshape(4, 7)[:, 0]
    np.testing.assert_allclose(R, 0.0375, atol=1e-12)


@pytest.mark.kernel
def test_mixed_precision_accumulates_and_transfers_integer_pulses():
    params = small("mp")
    net = Network(params, 6, 3)
    C0 = net.layer_weights()[1].copy()
    x, y = np.linspace(0.1, 1, 6), 1
    _step(net, x, y)
    chi = net.state.digital.CHI[net.lay.off[1] : net.lay.off[2]].reshape(3, 5)
    dC = net.layer_weights()[1] - C0
    # every element: C moved by -n eps with n = trunc(chi_total / eps), chi keeps the rest
    total = chi - dC  # dC = -n eps and chi = chi_total - n eps
    n = np.trunc(total / 0.01)
    np.testing.assert_allclose(dC, -n * 0.01, atol=1e-12)
    assert np.all(np.abs(chi) < 0.01 + 1e-12)


# ---- end to end ------------------------------------------------------------------------------
def _digits_config(tmp_path: Path, algorithm: str, **extra) -> Path:
    name = {"pca": "pca-sum", "nmf": "nmf-sum"}.get(algorithm, algorithm)
    # the decomposition configs write once per batch of 10: four epochs (a fifth of the writes
    # of two epochs at batch 1; one epoch of batch-10 writes is 135 on digits)
    epochs = 4 if name != algorithm else 2
    cfg = load_train_config(
        ROOT / "configs" / f"fmnist-{name}.toml",
        [
            'data.name="digits"',
            "network.sizes=[64,32,10]",
            f"training.epochs={epochs}",
            *[f"{k}={v}" for k, v in extra.items()],
        ],
    )
    path = tmp_path / f"{algorithm}.toml"
    path.write_text(cfg.to_toml())
    return path


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_every_algorithm_learns_digits(tmp_path, algorithm):
    params = load_train_config(_digits_config(tmp_path, algorithm))
    metrics = run_training(params, tmp_path / "out")
    floor = {"sgd": 0.3, "agad": 0.3, "pca": 0.3, "nmf": 0.3}.get(algorithm, 0.6)
    assert metrics["test_accuracy"] > floor, metrics["epochs"]
    assert set(metrics) >= {
        "test_accuracy",
        "samples_per_second",
        "train_seconds",
        "timing",
        "epochs",
        "config",
    }
    assert set(metrics["timing"]) == {"setup_seconds", "loop_seconds", "eval_seconds"}
    assert [e["epoch"] for e in metrics["epochs"]] == list(range(1, params.training.epochs + 1))
    for name in ("metrics.json", "weights.npz"):
        assert (tmp_path / "out" / name).is_file()


def test_same_seed_same_run_other_seed_other_run(tmp_path):
    cfg = _digits_config(tmp_path, "ttv2", **{"training.epochs": 1})
    runs = []
    for k, seed in enumerate((5, 5, 6)):
        params = load_train_config(cfg, [f"training.seed={seed}"])
        m = run_training(params, tmp_path / f"r{k}")
        runs.append((m["test_accuracy"], m["epochs"][0]["train_loss"]))
    assert runs[0] == runs[1] and runs[0] != runs[2]


def test_bad_config_fails_before_any_work(tmp_path):
    params = load_train_config(_digits_config(tmp_path, "sgd"), ["network.sizes=[60, 10]"])
    with pytest.raises(ConfigError, match=r"network.sizes.*needs 64 inputs and 10 outputs"):
        run_training(params, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    with pytest.raises(ConfigError, match="training.algorithm"):
        load_train_config(_digits_config(tmp_path, "sgd"), ['training.algorithm="adam"'])
    with pytest.raises(ConfigError, match="algorithm.momentum"):
        load_train_config(_digits_config(tmp_path, "ttv2"), ["algorithm.momentum=2.0"])


def test_existing_checkpoint_needs_resume(tmp_path):
    params = load_train_config(_digits_config(tmp_path, "sgd", **{"training.epochs": 1}))
    run_training(params, tmp_path / "out")
    with pytest.raises(ConfigError, match="--resume"):
        run_training(params, tmp_path / "out")


@pytest.mark.slow
def test_sigkill_and_resume_is_bit_identical(tmp_path):
    # long enough (seconds) that the kill lands mid-run; a checkpoint every 200 samples (the
    # kill lands after the first; tests/app/test_kill_resume.py kills 20 times at random)
    cfg = _digits_config(
        tmp_path, "cttv2", **{"training.epochs": 15, "training.checkpoint_every": 200}
    )
    xbar = [sys.executable, "-m", "xbarkit.cli", "train", str(cfg), "--no-progress"]
    subprocess.run([*xbar, "--out", str(tmp_path / "full")], check=True, cwd=ROOT)
    killed = tmp_path / "killed"
    proc = subprocess.Popen([*xbar, "--out", str(killed)], cwd=ROOT)
    ckpt = killed / "checkpoint.npz"
    deadline = time.time() + 120
    while time.time() < deadline and not (ckpt.exists() and ckpt.stat().st_size > 0):
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (killed / "metrics.json").exists(), "the run finished before it was killed"
    subprocess.run([*xbar, "--out", str(killed), "--resume"], check=True, cwd=ROOT)

    def strip(m):
        for e in m["epochs"]:
            e.pop("seconds")
        times = ("samples_per_second", "train_seconds", "timing")
        return {k: v for k, v in m.items() if k not in times}

    a = json.loads((tmp_path / "full" / "metrics.json").read_text())
    b = json.loads((killed / "metrics.json").read_text())
    assert strip(a) == strip(b)
    with np.load(tmp_path / "full" / "weights.npz") as wa, np.load(killed / "weights.npz") as wb:
        assert wa.files == wb.files
        for name in wa.files:
            np.testing.assert_array_equal(wa[name], wb[name])


@pytest.mark.kernel
@pytest.mark.parametrize("transfer", ["sum", "seq"])
def test_streaming_pca_recovers_a_low_rank_gradient(transfer):
    """A batch whose gradient is rank 2: one power iteration (P = G Q, U = orth(P),
    A = G^T U) reproduces G exactly (U A^T = U U^T G = G), so the array receives -lr G:
    rebuilt and rounded (sum), or as two pulsed rank-1 updates, in expectation (seq)."""
    dw_min = 1e-5 if transfer == "sum" else 1e-2  # seq: no update-management clipping
    params = small(
        "pca",
        network={"digital_bias": True},
        algorithm={"rank": 2, "transfer": transfer, "stoc_round": False},
        device={"dw_min": dw_min},
        training={"batch_size": 4},
    )
    net = Network(params, 6, 3)
    rng = np.random.default_rng(4)
    u1, u2, v1, v2 = (rng.normal(size=n) for n in (4, 4, 6, 6))
    xs = np.array([v1, v2, v1 + v2, v1 - 0.5 * v2])
    ds = np.array([u1, u2, 0.5 * u1, -u2])
    G = sum(np.outer(d, x) for d, x in zip(ds, xs, strict=True)) / 4
    assert np.linalg.matrix_rank(G) == 2
    net.scratch.acts[:4, :6], net.scratch.deltas[:4, :4] = xs, ds
    W0 = net.layer_weights()[0].copy()
    repeats = 1 if transfer == "sum" else 400
    total = np.zeros_like(W0)
    for _ in range(repeats):
        net.state.arr_c.hidden[: W0.size] = W0.ravel()
        for b in range(4):
            pca_accumulate(0, xs[b], ds[b] / 4, net.lay, 2, net.state.digital)
        pca_write(0, 4, net.lay, net.cfg, net.state, net.scratch)
        _, U, Q, A = dec_views(net.state.digital.DEC, 0, 2, net.lay)
        np.testing.assert_allclose(U @ A.T, G, atol=1e-12)  # the factors are exact
        np.testing.assert_allclose(Q.T @ Q, np.eye(2), atol=1e-12)  # next batch's basis
        total += net.layer_weights()[0] - W0
    dW = total / repeats
    if transfer == "sum":  # nearest-count rounding: within half a step of -lr G
        assert np.max(np.abs(dW + 0.1 * G)) <= 0.5 * dw_min + 1e-12
    else:  # pulsed updates: unbiased; 5 standard errors of the pulse-count noise
        assert np.max(np.abs(dW + 0.1 * G)) < 5 * np.sqrt(np.abs(0.1 * G).max() * dw_min / 400)


@pytest.mark.kernel
def test_mbgd_rank_zero_writes_the_full_batch_gradient():
    params = small(
        "pca",
        network={"digital_bias": True},
        algorithm={"rank": 0, "stoc_round": False},
        device={"dw_min": 1e-5},
    )
    net = Network(params, 6, 3)
    x, d = np.linspace(0, 1, 6), np.array([0.3, -0.2, 0.1, 0.05])
    W0 = net.layer_weights()[0].copy()
    pca_accumulate(0, x, d, net.lay, 0, net.state.digital)
    pca_write(0, 1, net.lay, net.cfg, net.state, net.scratch)
    assert np.max(np.abs(net.layer_weights()[0] - W0 + 0.1 * np.outer(d, x))) <= 0.5e-5 + 1e-12
    assert not net.state.digital.CHI.any()  # the accumulator is cleared for the next batch


def test_rank_is_validated_against_the_network():
    with pytest.raises(ConfigError, match="algorithm.rank = 5 is invalid: at most 3"):
        small("pca", algorithm={"rank": 5})


@pytest.mark.kernel
def test_nmf_factorises_the_split_gradient():
    """x >= 0 and d of both signs: G = G+ - G- with G+- = sum_b max(+-d_b, 0) x_b^T / B.
    With a rank-1 G+ and G- the multiplicative updates converge to W+- H+-^T = G+-, and the
    rank-sum write applies -lr (G+ - G-) = -lr G."""
    params = small(
        "nmf",
        network={"digital_bias": True},
        algorithm={"rank": 1, "transfer": "sum", "stoc_round": False, "iterations": 200},
        device={"dw_min": 1e-5},
        training={"batch_size": 2},
    )
    net = Network(params, 6, 3)
    v = np.array([0.2, 1.0, 0.0, 0.5, 0.3, 0.9])
    xs = np.array([v, 0.5 * v])
    ds = np.array([[0.4, -0.2, 0.1, -0.3], [0.8, -0.4, 0.2, -0.6]])
    net.scratch.acts[:2, :6], net.scratch.deltas[:2, :4] = xs, ds
    W0 = net.layer_weights()[0].copy()
    nmf_write(0, 2, net.lay, net.cfg, net.state, net.scratch)
    Wp, Wm, Hp, Hm = dec_views(net.state.digital.DEC, 0, 1, net.lay)
    G = sum(np.outer(d, x) for d, x in zip(ds, xs, strict=True)) / 2
    np.testing.assert_allclose(Wp @ Hp.T, np.maximum(G, 0), atol=1e-6)
    np.testing.assert_allclose(Wm @ Hm.T, np.maximum(-G, 0), atol=1e-6)
    assert np.all(Wp > 0) and np.all(Hm > 0)
    assert np.max(np.abs(net.layer_weights()[0] - W0 + 0.1 * G)) <= 0.5e-5 + 1e-6


@pytest.mark.kernel
def test_nmf_factors_keep_their_scale_across_batches():
    """Warm-started from batch to batch, the multiplicative updates drifted the split of scale
    between the factors without bound (|W| / |H| per component near 1e-24 after 200 batches,
    W on the 1e-12 floor), which broke the fit (relative error 0.74 on average over the last
    50 batches, up to 7) and with it rank-seq training; each batch now starts from factors of
    equal norm per component (0.14 on average, at most 0.31)."""
    params = small(
        "nmf",
        network={"digital_bias": True},
        algorithm={"rank": 2},
        training={"batch_size": 4},
    )
    net = Network(params, 6, 3)
    Wp, _, Hp, _ = dec_views(net.state.digital.DEC, 0, 2, net.lay)
    rng = np.random.default_rng(1)
    errors = []
    for _ in range(200):
        acts, deltas = rng.random((4, 6)), rng.normal(size=(4, 4))
        net.scratch.acts[:4, :6], net.scratch.deltas[:4, :4] = acts, deltas
        nmf_factorize(0, 4, 1.0, net.lay, 50, Wp, Hp, net.scratch.acts, net.scratch.deltas)
        G = np.maximum(deltas, 0).T @ acts / 4
        errors.append(np.linalg.norm(Wp @ Hp.T - G) / np.linalg.norm(G))
    assert np.mean(errors[-50:]) < 0.3
    assert max(errors[-50:]) < 1.0


@pytest.mark.kernel
def test_balance_factors_equalises_norms_and_keeps_the_product():
    """Components scaled 1e-6 against 1e5 and 1e4 against 1e-3 come out with equal norms and
    the same product; a component with a zero factor is left as it is."""
    rng = np.random.default_rng(3)
    W, H = rng.random((7, 3)) * [1e-6, 1.0, 1e4], rng.random((5, 3)) * [1e5, 2.0, 1e-3]
    W[:, 1] = 0.0  # a dead component is left alone
    product = W @ H.T
    Wb, Hb = W.copy(), H.copy()
    balance_factors(Wb, Hb)
    np.testing.assert_allclose(Wb @ Hb.T, product, rtol=1e-12, atol=0)
    live = [0, 2]
    np.testing.assert_allclose(
        np.linalg.norm(Wb[:, live], axis=0), np.linalg.norm(Hb[:, live], axis=0), rtol=1e-12
    )
    np.testing.assert_array_equal(Wb[:, 1], W[:, 1])
    np.testing.assert_array_equal(Hb[:, 1], H[:, 1])


def test_nmf_needs_non_negative_inputs():
    with pytest.raises(ConfigError, match="nmf needs non-negative layer inputs"):
        small("nmf", network={"activation": "tanh"})


@pytest.mark.parametrize("algorithm", ["ttv2", "hd"])
def test_hw_exact_training_on_lut_devices_uses_the_emulator_arrays(tmp_path, algorithm):
    """rng_mode = hw_exact on a Lut device: the arrays are the array emulator's integers
    (golden.lut_exact), with one device-noise LFSR per row in the checkpoint, and TTv2 and
    SHD (its zero-shift pulses too) learn."""
    from golden.encoding import DeviceModel
    from golden.params import device_preset

    params = TrainParams.from_dict(
        {
            "data": {"name": "digits"},
            "network": {"sizes": [64, 32, 10]},
            "training": {"algorithm": algorithm, "epochs": 2},
            "device": device_preset("lut-softbounds-21").to_dict(),
            "update": {"rng_mode": "hw_exact", "update_bl_management": False},
        }
    )
    net = Network(params, 64, 10)
    assert net.state.arr_a.model == net.state.arr_c.model == int(DeviceModel.LUT_EXACT)
    assert "a_row_lfsr" in net.state_arrays() and "c_row_lfsr" in net.state_arrays()
    metrics = run_training(params, tmp_path / "out")
    assert metrics["test_accuracy"] > 0.7


def test_training_loop_runs_on_one_thread_and_restores_the_setting():
    """The per-sample loop runs on one numba thread (golden.threads); evaluation keeps all."""
    import numba

    from golden.threads import one_thread

    before = numba.get_num_threads()
    with one_thread():
        assert numba.get_num_threads() == 1
    assert numba.get_num_threads() == before
    net = Network(small("ttv2"), 6, 3)
    _step(net, np.linspace(0, 1, 6), 1)
    assert numba.get_num_threads() == before


@pytest.mark.kernel
def test_least_squares_steps_is_numpy_sgd_for_float():
    """The regression kernel (golden.regression) with the float algorithm is plain SGD on
    ``|W x - t|^2 / 2``: ``W <- W - lr (W x - t) x^T``, sample by sample."""
    from golden.kernels.loop import least_squares_steps

    params = TrainParams.from_dict(
        {
            "network": {"sizes": [5, 3], "digital_bias": False},
            "training": {"algorithm": "float", "lr": 0.05},
        }
    )
    net = Network(params, 5, 3)
    W = net.layer_weights()[0].copy()
    rng = np.random.default_rng(2)
    X = np.column_stack([rng.uniform(-1, 1, (20, 5)), np.ones(20)])
    T = rng.normal(size=(20, 3))
    sc = net.scratch
    total = least_squares_steps(X, T, net.lay, net.cfg, net.state, sc.buf, sc.work)
    want = 0.0
    for x, t in zip(X, T, strict=True):
        d = W @ x - t
        want += 0.5 * d @ d
        W -= 0.05 * np.outer(d, x)
    np.testing.assert_allclose(net.layer_weights()[0], W, rtol=0, atol=1e-12)
    assert total == pytest.approx(want, rel=1e-12)


@pytest.mark.kernel
@pytest.mark.parametrize(
    "algorithm,split,mask",
    [("ttv2", 0, 0), ("sgd", 0, 0), ("float", 0, 0), ("ttv2", 40, 0), ("sgd", 8, 0), ("sgd", 8, 1)],
)
def test_a_mini_batch_runs_layer_by_layer_with_each_samples_bits(algorithm, split, mask):
    """forward_backward_batch (each layer's MVMs of a whole mini-batch, the transfer family's
    forward on the column-major copy of C) gives every sample the activations, deltas, IO
    counters and loss of the per-sample passes, bit for bit, bound management included; also
    with layers split into several arrays (``split``: max_input_size and max_output_size) and
    with aihwkit's output-bound mask (``mask``)."""
    from golden.kernels.loop import mirror_weights, visible_weights
    from golden.kernels.passes import (
        backward_sample,
        forward_backward_batch,
        forward_sample,
        softmax_xent,
    )

    params = small(
        algorithm,
        network={
            "sizes": [64, 12, 10],
            "digital_bias": split > 0,  # a split layer's bias is digital
            "max_input_size": split,
            "max_output_size": split,
            "handle_output_bound": bool(mask),
        },
        device={"type": "SoftBounds", "w_max": 4.0, "w_min": -4.0},
        io={"is_perfect": False, "out_bound": 2.0},  # outputs saturate: bound management
    )
    data = load_dataset("digits", n_train=40, n_test=1)
    net = Network(params, 64, 10)
    lay, cfg, st = net.lay, net.cfg, net.state
    for dev in net.dev_c:
        dev.set_weights(np.random.default_rng(1).uniform(-3, 3, dev.shape))
    st.W_float[:] = np.random.default_rng(1).uniform(-3, 3, st.W_float.size)
    mirror_weights(lay, cfg, st)
    assert st.Wt.size == (0 if algorithm == "sgd" else lay.off[-1])
    W = visible_weights(cfg, st, lay.off[-1])
    samples = np.arange(3, 9)
    S0 = st.S.copy()
    width = net.scratch.acts.shape[1]  # the activations, then the mask's flags (if any)
    assert width == lay.aoff[-1] + (lay.roff[-1] if mask else 0)
    acts, deltas = np.zeros((6, width)), np.zeros((6, 22))
    seeds0 = np.ascontiguousarray(st.seeds[:, 0])
    X, Y = data.x_train, data.y_train
    forward_backward_batch(X, Y, samples, W, lay, cfg, st, acts, deltas, np.zeros((3, 6, 65)))
    S, want_stats, vbuf, gbuf = S0.copy(), np.zeros(3), np.zeros((4, 65)), np.zeros(65)
    for b, s in enumerate(samples):
        a, dl, counters = np.zeros(width), np.zeros(22), S[:, 2].copy()
        forward_sample(X[s], W, W[:0], st.bias, lay, cfg.train.activation, cfg.io_f, seeds0,
                       counters, np.full(len(counters), -1), a, vbuf)  # fmt: skip
        flags = a[lay.aoff[-1] :]
        assert not mask or 0 < flags.sum() < flags.size  # some outputs masked, some not
        S[:, 2] = counters + 1
        loss, ok = softmax_xent(a[lay.aoff[2] : lay.aoff[2] + 10], Y[s], dl[12:22])
        want_stats += [loss, ok, 0]
        S_copy, dl_copy = S.copy(), dl.copy()
        backward_sample(W, W[:0], lay, cfg.train.activation, cfg.io_b, seeds0, S, a, dl, vbuf,
                        gbuf)  # fmt: skip
        np.testing.assert_array_equal(acts[b], a)
        np.testing.assert_array_equal(deltas[b], dl)
        # the backward from the column-major copy (where there is one): the same bits
        backward_sample(W, st.Wt, lay, cfg.train.activation, cfg.io_b, seeds0, S_copy, a,
                        dl_copy, vbuf, gbuf)  # fmt: skip
        np.testing.assert_array_equal(dl_copy, dl)
    np.testing.assert_array_equal(st.S, S)
    np.testing.assert_array_equal(st.stats, want_stats)


@pytest.mark.kernel
@pytest.mark.parametrize("algorithm", ["float", "ttv2"])
def test_the_column_major_copy_follows_the_weights(algorithm):
    """After training steps (float's dense updates; TTv2's transfers writing C) the forward's
    column-major copy still equals the forward weights."""
    transfer = {"algorithm": {"transfer_every": 1.0}} if algorithm == "ttv2" else {}
    params = small(algorithm, training={"lr": 0.5}, **transfer)
    net = Network(params, 6, 3)
    rng = np.random.default_rng(0)
    before = net.weights().copy()
    for k in range(30):
        _step(net, rng.uniform(0, 1, 6) * (rng.random(6) < 0.7), k % 3)
    assert not np.array_equal(net.weights(), before)
    for l, W in enumerate(net.layer_weights()):
        r, c = W.shape
        Wt = net.state.Wt[net.lay.off[l] : net.lay.off[l + 1]].reshape(c, r)
        np.testing.assert_array_equal(Wt, W.T)
