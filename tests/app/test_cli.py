"""``xbar device`` (every device class, the JSON and PNG it writes, its error messages) and
``xbar train`` (metrics, weights, plots)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from golden.params import DEVICE_TYPES
from tests.conftest import TRAIN_GROUP
from xbarkit.cli import main

CONFIGS = {
    "ConstantStep": "dw_min = 0.01\nup_down = 0.2",
    "LinearStep": "dw_min = 0.01\ngamma_up = 0.5\ngamma_down = 0.5",
    "SoftBounds": "dw_min = 0.01",
    "ExpStep": "dw_min = 0.01",
    "PowStep": "dw_min = 0.01\npow_gamma = 2.0",
    "Lut": "n_states = 41",
}


@pytest.mark.parametrize("name", sorted(DEVICE_TYPES))
def test_device_command_every_class(tmp_path, name):
    cfg = tmp_path / "dev.toml"
    cfg.write_text(f'[device]\ntype = "{name}"\n{CONFIGS[name]}\n')
    out = tmp_path / "out"
    assert (
        main(
            [
                "device",
                str(cfg),
                "--pulses",
                "+400,-400",
                "--devices",
                "300",
                "--seed",
                "1",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    data = json.loads((out / "response.json").read_text())
    assert len(data["mean"]) == len(data["std"]) == 800
    assert data["config"]["device"]["type"] == name
    mean = data["mean"]
    assert mean[399] > mean[0] and mean[799] < mean[399]  # up branch rises, down branch falls
    assert (out / "response.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_device_zero_shift_finds_the_symmetry_points(tmp_path, capsys):
    """Down steps 30 % smaller: SoftBounds devices settle near w* = 0.3 / 1.7 = 0.18 (for
    bounds +-1), each at its own point (the bounds vary from device to device)."""
    out = tmp_path / "zs"
    sets = [f"--set={kv}" for kv in ("up_down=0.3", "dw_min=0.01", "w_max=1.0", "w_min=-1.0")]
    args = ["device", "--preset", "soft-bounds", *sets, "--zero-shift", "3000"]
    assert main([*args, "--devices", "400", "--out", str(out)]) == 0
    data = json.loads((out / "zero_shift.json").read_text())
    assert len(data["mean"]) == 3000 and data["config"]["zero_shift_pulses"] == 3000
    sp = data["symmetry_points"]
    assert abs(sp["quantiles"]["0.5"] - 0.3 / 1.7) < 0.03 and sp["std"] > 0.01
    assert abs(data["mean"][-1] - sp["mean"]) < 0.01  # converged: the mean no longer moves
    assert (out / "zero_shift.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "symmetry points: mean" in capsys.readouterr().out


def test_preset_set_and_reproducible(tmp_path):
    args = [
        "device",
        "--preset",
        "softbounds-20",
        "--set",
        "dw_min=0.05",
        "--pulses",
        "+5,-5",
        "--devices",
        "100",
    ]
    main([*args, "--out", str(tmp_path / "a")])
    main([*args, "--out", str(tmp_path / "b")])
    a = json.loads((tmp_path / "a" / "response.json").read_text())
    b = json.loads((tmp_path / "b" / "response.json").read_text())
    assert a == b and a["config"]["device"]["dw_min"] == 0.05


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--set", "dw_min=-1"], "device.dw_min = -1.0 is invalid: allowed range: dw_min > 0"),
        (["--set", "type=Memristor"], "device.type = 'Memristor' is invalid: one of"),
        (["--pulses", "+4,x"], "--pulses"),
        (["--devices", "0"], "--devices: 0 must be >= 1"),
    ],
)
def test_bad_input_is_one_clear_error_before_any_output(tmp_path, capsys, extra, message):
    out = tmp_path / "out"
    rc = main(["device", "--preset", "soft-bounds", *extra, "--out", str(out)])
    assert rc == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not out.exists()


def test_missing_config_file(tmp_path, capsys):
    assert main(["device", str(tmp_path / "nope.toml"), "--out", str(tmp_path)]) == 2
    assert "file not found" in capsys.readouterr().err


def test_console_script_runs():
    done = subprocess.run(
        [sys.executable, "-m", "xbarkit.cli", "device", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "--pulses" in done.stdout


@pytest.mark.xdist_group(TRAIN_GROUP)
@pytest.mark.usefixtures("train_kernels")
def test_train_command_writes_metrics_weights_and_plots(tmp_path, capsys):
    """``xbar train``: golden's run (metrics, weights) plus the plots the application draws."""
    cfg = tmp_path / "run.toml"
    cfg.write_text(
        '[data]\nname = "digits"\nn_train = 200\nn_test = 100\n'
        '[network]\nsizes = [64, 8, 10]\n[training]\nalgorithm = "ttv2"\n'
    )
    out = tmp_path / "out"
    assert main(["train", str(cfg), "--out", str(out), "--no-progress"]) == 0
    assert "ttv2 on digits: test accuracy" in capsys.readouterr().out
    assert json.loads((out / "metrics.json").read_text())["n_train"] == 200
    for name in ("curves.png", "weights.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
