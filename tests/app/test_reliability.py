"""Hostile-user probes (issue 16): every mistake is one clear error (exit code 2, no
traceback), no run is silently lost or overwritten, no command hangs."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from golden.checkpoint import previous_path, read_checkpoint, write_checkpoint
from golden.errors import ConfigError
from golden.params import TrainParams
from golden.train import check_memory
from tests.conftest import TRAIN_GROUP
from xbarkit.cli import main
from xbarkit.outdir import claim_out

ROOT = Path(__file__).resolve().parents[2]
TINY = (
    '[data]\nname = "digits"\nn_train = 60\nn_test = 30\n[network]\nsizes = [64, 4, 10]\n'
    "[training]\ncheckpoint_every = 20\n"
)


def _error(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


@pytest.fixture
def tiny(tmp_path) -> Path:
    cfg = tmp_path / "tiny.toml"
    cfg.write_text(TINY)
    return cfg


def test_out_that_is_a_file_or_cannot_be_made(tmp_path, tiny, capsys):
    f = tmp_path / "file"
    f.write_text("x")
    rtl = str(ROOT / "configs" / "rtl-16x16.toml")
    assert main(["rtl", rtl, "--out", str(f)]) == 2
    assert "is a file, not a directory" in _error(capsys)
    assert main(["cosim", rtl, "--out", str(f)]) == 2
    assert "is a file, not a directory" in _error(capsys)
    assert main(["train", str(tiny), "--out", str(f / "sub")]) == 2
    assert f"{f} is a file" in _error(capsys)
    assert main(["train", str(tiny), "--out", "/proc/xbar"]) == 2
    assert "cannot be created" in _error(capsys)


def test_an_output_directory_in_use_is_refused(tmp_path, tiny, capsys):
    out = tmp_path / "run"
    out.mkdir()
    with claim_out(out):  # another run holds it
        assert main(["train", str(tiny), "--out", str(out)]) == 2
        assert "is in use by another xbar run" in _error(capsys)
    assert not any(p.name != ".xbar.lock" for p in out.iterdir())  # nothing was written


def test_a_failed_command_leaves_no_new_directory(tmp_path, tiny, capsys):
    out = tmp_path / "a" / "b"
    assert main(["train", str(tiny), "--set", "training.lr=1e308", "--out", str(out)]) == 2
    assert "training.lr = 1e+308 is invalid: allowed range: lr > 0 and <= 1000" in _error(capsys)
    assert not (tmp_path / "a").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe[data]\n", "is not UTF-8 text"),
        (None, "is a directory: give a TOML file"),
    ],
)
def test_config_files_that_cannot_be_read(tmp_path, capsys, content, message):
    cfg = tmp_path / "c.toml"
    if content is None:
        cfg.mkdir()
    else:
        cfg.write_bytes(content)
    assert main(["train", str(cfg), "--out", str(tmp_path / "o")]) == 2
    assert message in _error(capsys)


def test_an_unreadable_config_file(tmp_path, capsys):
    # /proc/self/mem is a file that every read fails on (root can read a chmod 000 file)
    assert main(["train", "/proc/self/mem", "--out", str(tmp_path / "o")]) == 2
    assert "cannot be read" in _error(capsys)


def test_arguments_out_of_range(tmp_path, capsys):
    rtl = str(ROOT / "configs" / "rtl-16x16.toml")
    assert main(["rtl", rtl, "--out", str(tmp_path / "o"), "--freq", "-5"]) == 2
    assert "--freq: -5 must be > 0" in capsys.readouterr().err
    assert main(["cosim", rtl, "--out", str(tmp_path / "o"), "--seed", "-1"]) == 2
    assert "--seed: -1 must be >= 0" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_data_path_is_refused_for_digits(tmp_path, tiny, capsys):
    args = ["train", str(tiny), "--set", 'data.path="/nowhere"', "--out", str(tmp_path / "o")]
    assert main(args) == 2
    assert "data.path = '/nowhere' is invalid: empty for digits" in _error(capsys)


def test_a_network_that_cannot_fit_memory_is_refused_before_allocation():
    params = TrainParams.from_dict({"network": {"sizes": [784, 100_000, 10]}})
    with pytest.raises(ConfigError, match=r"needs about \d+\.\d GiB of memory; this machine"):
        check_memory(params, available=2**30)
    check_memory(TrainParams(), available=2**30)  # the reference network fits 1 GiB


def test_checkpoints_are_atomic_and_checked(tmp_path):
    path = tmp_path / "checkpoint.npz"
    write_checkpoint(path, {"a": np.arange(5)})
    write_checkpoint(path, {"a": np.arange(6)})
    assert list(read_checkpoint(path)["a"]) == list(range(6))
    assert list(read_checkpoint(previous_path(path))["a"]) == list(range(5))
    assert not list(tmp_path.glob("*.tmp"))
    data = bytearray(path.read_bytes())
    data[-30] ^= 0xFF  # a flipped byte: the zip may still open, the checksum cannot match
    path.write_bytes(bytes(data))
    with pytest.raises(ConfigError, match="damaged .*move checkpoint.prev.npz to checkpoint.npz"):
        read_checkpoint(path)
    path.write_bytes(b"garbage")
    with pytest.raises(ConfigError, match="the checkpoint is damaged"):
        read_checkpoint(path)


@pytest.mark.xdist_group(TRAIN_GROUP)
def test_resume_checks_before_loading(tmp_path, tiny, capsys, train_kernels):
    out = tmp_path / "run"
    assert main(["train", str(tiny), "--out", str(out), "--no-progress"]) == 0
    assert "xbar train: ttv2 on digits (60 train / 30 test samples), network 64-4-10" in (
        capsys.readouterr().out
    )
    shape = ["--set", "network.sizes=[64,8,10]", "--resume", "--no-progress"]
    assert main(["train", str(tiny), "--out", str(out), *shape]) == 2
    assert "made with another config (digest differs)" in _error(capsys)
    (out / "checkpoint.npz").write_bytes((out / "checkpoint.npz").read_bytes()[:5000])
    assert main(["train", str(tiny), "--out", str(out), "--resume", "--no-progress"]) == 2
    assert "the checkpoint is damaged" in _error(capsys)


def test_a_scheduler_that_never_answers_cannot_hang_a_sweep(tmp_path, capsys):
    """A listening socket that accepts and never speaks Dask: refused within the timeout,
    and nothing is written."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted = []
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])  # held open, never answered
            except OSError:
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
    out = tmp_path / "sweep"
    sweep = str(ROOT / "configs" / "sweep-smoke.toml")
    t0 = time.perf_counter()
    try:
        args = ["sweep", sweep, "--out", str(out), "--scheduler", address]
        assert main([*args, "--connect-timeout", "2"]) == 2
    finally:
        stop.set()
        thread.join()
        server.close()
    assert time.perf_counter() - t0 < 30
    assert "no Dask scheduler answered within 2 s" in _error(capsys)
    assert accepted and not out.exists()


def test_version(capsys):
    assert main(["--version"]) == 0 and capsys.readouterr().out.startswith("xbar ")


@pytest.mark.xdist_group(TRAIN_GROUP)
def test_ctrl_c_writes_a_checkpoint_and_exits_130(tmp_path, train_kernels):
    """SIGINT during ``xbar train``: the run stops after its chunk, writes a checkpoint, says
    how to resume (exit 130); the checkpoint is whole."""
    cfg = tmp_path / "long.toml"
    cfg.write_text(TINY.replace("n_train = 60", "n_train = 1000") + "epochs = 200\n")
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "xbarkit.cli", "train", str(cfg), "--out", str(out)]
    proc = subprocess.Popen(
        [*cmd, "--no-progress"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().startswith("xbar train: ttv2 on digits")
    deadline = time.time() + 60
    while not (out / "checkpoint.npz").exists() and time.time() < deadline:
        time.sleep(0.05)  # training has started: the first checkpoint is there
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted after" in err and "--resume" in err and "Traceback" not in err
    assert read_checkpoint(out / "checkpoint.npz")["digest"]
