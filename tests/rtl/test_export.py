"""``xbar rtl``: Verilog, params.json, ports.json, validation; Yosys + nextpnr report."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from golden.errors import ConfigError
from golden.params import PeripheryParams, load_rtl_config
from rtl.export import TOP_NAME, export
from rtl.synth import check_fits, overfull
from xbarkit.cli import main

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = ROOT / "configs"

pytestmark = pytest.mark.xdist_group("rtl-export")  # apart from the block tests: balance


@pytest.mark.parametrize("size", [16, 64, 256])
def test_shipped_configs_load(size):
    p = load_rtl_config(CONFIGS / f"rtl-{size}x{size}.toml")
    assert (p.rows, p.cols, p.bl) == (size, size, 31)
    assert p == PeripheryParams(rows=size, cols=size)  # BL 31 and the default formats


def test_xbar_rtl_writes_verilog_params_and_ports(tmp_path):
    out = tmp_path / "rtl"
    assert main(["rtl", str(CONFIGS / "rtl-16x16.toml"), "--set", "rows=8", "--out", str(out)]) == 0
    text = (out / f"{TOP_NAME}.v").read_text()
    assert f"module {TOP_NAME}(" in text and "/work" not in text  # no source paths
    sidecar = json.loads((out / "params.json").read_text())
    p = PeripheryParams.from_dict(sidecar["params"])
    assert (p.rows, p.cols) == (8, 16) and sidecar["digest"] == p.digest()
    ports = {row["name"]: row for row in json.loads((out / "ports.json").read_text())["ports"]}
    assert ports["i_update__payload"]["width"] == 16 * p.x_bits + 8 * p.d_bits
    assert ports["i_adc__codes"] == {
        "name": "i_adc__codes",
        "direction": "input",
        "width": 8 * p.adc_bits,
        "meaning": ports["i_adc__codes"]["meaning"],
    }
    assert ports["o_a_pulse__x"]["direction"] == "output" and ports["o_a_pulse__x"]["width"] == 16
    assert ports["cfg__data"]["width"] == p.cfg_data_bits
    for name, row in ports.items():  # every port is in the Verilog with its width
        width = "" if row["width"] == 1 else f"[{row['width'] - 1}:0] "
        assert f"  {row['direction']} {width}{name};" in text, name
        assert row["meaning"]


def test_verilog_compiles_with_icarus(tmp_path):
    if shutil.which("iverilog") is None:
        pytest.skip("iverilog is installed by `make setup`")
    paths = export(PeripheryParams(rows=4, cols=4), tmp_path)
    subprocess.run(["iverilog", "-o", str(tmp_path / "a.out"), str(paths["verilog"])], check=True)


def test_xbar_rtl_rejects_bad_config_before_writing(tmp_path, capsys):
    out = tmp_path / "never"
    assert (
        main(["rtl", str(CONFIGS / "rtl-16x16.toml"), "--set", "gain_frac=3", "--out", str(out)])
        == 2
    )
    assert "rtl.gain_frac = 3 is invalid: must be >= prob_bits (12)" in capsys.readouterr().err
    assert not out.exists()
    bad = tmp_path / "bad.toml"
    bad.write_text("[rtl]\nrows = 0\n")
    assert main(["rtl", str(bad), "--out", str(out)]) == 2
    assert (
        "rtl.rows = 0 is invalid: allowed range: rows >= 1 and <= 1024" in capsys.readouterr().err
    )


def test_update_gains_follow_the_equation():
    p = PeripheryParams()
    even, odd = p.update_gains(0.1, 0.01)  # L = 0.1 / (0.01 * 31)
    ell = 0.1 / (0.01 * 31)
    assert even == round((4 * ell) ** 0.5 * 2**p.gain_frac)
    assert odd == round((8 * ell) ** 0.5 * 2**p.gain_frac)


@pytest.mark.slow
def test_synthesis_report_ecp5(tmp_path):
    """Yosys + nextpnr on a small periphery, with a placement seed of its own: the report has
    every field with sane values. The output lies under /tmp, which YoWASP's tools cannot see:
    the work runs in a scratch directory and its files are copied back."""
    out = tmp_path / "synth"
    cfg = tmp_path / "rtl.toml"
    cfg.write_text("[rtl]\nrows = 4\ncols = 4\nbl = 7\n")
    assert main(["rtl", str(cfg), "--out", str(out), "--synth", "ecp5", "--pnr-seed", "3"]) == 0
    report = json.loads((out / "resources.json").read_text())
    assert report["device"].startswith("LFE5U-85F")
    # the 4 x 4 H memory (16 elements) is distributed RAM, not a DP16KD block RAM
    assert report["luts"] > 100 and report["ffs"] > 100 and report["brams"] == 0
    assert report["dsps"] > 0 and report["fmax_mhz"] > 10 and report["nextpnr_seed"] == 3
    assert (out / "synth-ecp5" / "nextpnr.log").exists()  # copied back from the scratch dir


def test_a_design_that_cannot_fit_is_refused_before_place_and_route():
    counts = {"luts": 9000, "ffs": 100, "brams": 0, "dsps": 9}
    with pytest.raises(ConfigError, match="does not fit the iCE40UP5K-SG48: needs 9000 luts "):
        check_fits(counts, "ice40")
    check_fits(counts, "ecp5")
    log = "Info: Device utilisation:\nInfo: \t  ICESTORM_LC:  7000/  5280   132%\n"
    assert overfull(log) == ["7000 ICESTORM_LC (has 5280)"]


def test_xbar_rtl_tile_writes_verilog_params_and_ports(tmp_path):
    out = tmp_path / "tile"
    args = ["rtl", str(CONFIGS / "tile-16x16.toml"), "--tile", "--set", "rows=4", "--set", "cols=4"]
    assert main([*args, "--out", str(out)]) == 0
    text = (out / "xbar_tile.v").read_text()
    assert "module xbar_tile(" in text and "/work" not in text
    sidecar = json.loads((out / "params.json").read_text())
    assert set(sidecar["tables"]) == {"rtl", "device", "io", "emulator"}
    assert sidecar["derived"]["devices_per_array"] == 16
    ports = {row["name"]: row for row in json.loads((out / "ports.json").read_text())["ports"]}
    assert {"i_update__payload", "i_peek__payload", "o_peek__state", "a_state"} <= set(ports)
    assert ports["o_peek__state"]["width"] == 5  # 21 states
    if shutil.which("iverilog"):
        verilog = str(out / "xbar_tile.v")
        subprocess.run(["iverilog", "-o", str(tmp_path / "a.out"), verilog], check=True)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('[device]\ntype = "SoftBounds"\n', "device.type = 'SoftBounds' is invalid: Lut"),
        (
            '[device]\ntype = "Lut"\nw_max_dtod = 0.1\n',
            "device.w_max_dtod = 0.1 is invalid: must be 0 for the array emulator",
        ),
        ("[emulator]\nd2d_bits = 3\nd2d_frac = 7\n", "emulator.d2d_bits = 3 is invalid"),
    ],
)
def test_xbar_rtl_tile_rejects_bad_tables(tmp_path, capsys, extra, message):
    cfg = tmp_path / "tile.toml"
    cfg.write_text("[rtl]\nrows = 4\ncols = 4\n" + extra)
    assert main(["rtl", str(cfg), "--tile", "--out", str(tmp_path / "never")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "never").exists()
