"""The golden kernel-vs-twin tests (marker ``kernel``) once more with NUMBA_DISABLE_JIT=1: the
kernels' Python source is then what runs, so a numba-only behaviour cannot hide a bug in the
spec. Selected by marker, so a renamed test stays in."""

from __future__ import annotations

import os
import re
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
        "-m",
        "kernel",
        "tests/golden",
    ]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    tail = done.stdout[-3000:] + done.stderr[-2000:]
    assert done.returncode == 0, tail
    passed = re.search(r"(\d+) passed", done.stdout)
    assert passed and int(passed.group(1)) >= 60 and " failed" not in done.stdout, tail
