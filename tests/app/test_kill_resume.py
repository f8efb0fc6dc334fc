"""kill -9 at 20 random moments of a small training run and of a small sweep, resuming after
each: both end bit-identical to an uninterrupted run (``tests/app/kill_loop.py``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TRAIN_GROUP

SCRIPT = Path(__file__).with_name("kill_loop.py")


@pytest.mark.xdist_group(TRAIN_GROUP)
@pytest.mark.parametrize("kind", ["train", "sweep"])
def test_kill_9_twenty_times_resumes_bit_identically(tmp_path, kind, train_kernels):
    env = {**os.environ, "NUMBA_THREADING_LAYER": "workqueue"}  # fork-safe
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), kind, str(tmp_path), "20", "7"],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["kills"] == 20 and report["identical"], report
