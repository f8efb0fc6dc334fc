"""cocotb + Icarus: the exported Verilog of the top against golden's cycle model."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from golden.hw.params import PeripheryParams, load_rtl_config
from sim.runner import BUILD_ROOT, run_testbench
from tests.rtl.test_blocks import SEEDS, SMALL

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.xdist_group("cosim"),
    pytest.mark.skipif(shutil.which("iverilog") is None, reason="make setup installs iverilog"),
]


@pytest.mark.parametrize("seed", SEEDS)
def test_periphery_verilog_matches_golden(seed):
    result = run_testbench(SMALL, "tb_periphery", seed, 10_000, BUILD_ROOT / "results")
    assert result["mismatches"] == 0 and result["cycles"] == 10_000
    assert result["compared"] == 10_000 * 16


def test_periphery_16x16_default_formats():
    p: PeripheryParams = load_rtl_config(ROOT / "configs" / "rtl-16x16.toml")
    result = run_testbench(p, "tb_periphery", 4, 3000, BUILD_ROOT / "results")
    assert result["mismatches"] == 0 and result["cycles"] == 3000
