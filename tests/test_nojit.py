"""The golden kernel-vs-twin tests once more with NUMBA_DISABLE_JIT=1: the kernels' Python
source is then what runs, so a numba-only behaviour cannot hide a bug in the spec."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.nojit
def test_kernel_tests_without_jit():
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-x",
        "-W",
        "ignore::RuntimeWarning",  # uint64 wrap-around warnings of numpy scalars
        "-k",
        "twin or popcount or determinism or coincidences or lfsrs_step or numpy_sgd"
        " or transfers_every or threshold or chopped or agad_reference or mixed_precision"
        " or low_rank or mbgd or factorises",
        "tests/golden",
    ]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    tail = done.stdout[-3000:] + done.stderr[-2000:]
    assert done.returncode == 0, tail
    assert " passed" in done.stdout and " failed" not in done.stdout, tail
