"""Test-session settings shared by every worker and every process the tests start.

* numba's OpenMP threads wait passively (``OMP_WAIT_POLICY=PASSIVE``): two pytest workers, a
  Dask cluster or a cocotb simulator share the two cores, and spinning threads waiting at a
  barrier for a descheduled partner would slow everything down without changing a bit.
* golden's kernels (every entry point's, :func:`golden.warmup.compile_all`; ``make warm`` has
  compiled them already) compile once per session, in a background process started with the
  session (under a file lock in the cache directory), while the workers run the other tests:
  the tests that train use :func:`train_kernels` (it waits for that lock, then only loads the
  kernels) and are collected last. Every other process (Dask workers, ``xbar`` subprocesses)
  loads the kernels from the cache too.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

#: the xdist group of every test that trains (see the module docstring)
TRAIN_GROUP = "train"


_COMPILE = "from golden.warmup import compile_all; compile_all()"


def pytest_configure(config):
    """The controller (or a run without workers) compiles golden's kernels in the
    background; :func:`train_kernels` waits for it (``compile_all`` holds the cache's file
    lock)."""
    if not hasattr(config, "workerinput") and not os.environ.get("NUMBA_DISABLE_JIT"):
        config._xbar_compile = subprocess.Popen([sys.executable, "-c", _COMPILE])


def pytest_unconfigure(config):
    proc = getattr(config, "_xbar_compile", None)
    if proc is not None:
        proc.wait()


def pytest_collection_modifyitems(config, items):
    """The tests that train come last, so the workers run the others while the kernels
    compile (a stable sort: the order within each part is kept)."""
    items.sort(key=lambda item: "train_kernels" in getattr(item, "fixturenames", ()))


@pytest.fixture(scope="session")
def train_kernels():
    """golden's training kernels in the on-disk cache for every worker and every process a test
    starts: wait for the session's background compile (its file lock), then load them (or
    compile them here if no background compile ran)."""
    from golden.warmup import compile_kernels

    compile_kernels()
