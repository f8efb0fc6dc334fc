"""Test-session settings shared by every worker and every process the tests start.

* numba's OpenMP threads wait passively (``OMP_WAIT_POLICY=PASSIVE``): two pytest workers, a
  Dask cluster or a cocotb simulator share the two cores, and spinning threads waiting at a
  barrier for a descheduled partner would slow everything down without changing a bit.
* The tests that run golden's training kernels use :func:`train_kernels`: the kernels compile
  once, in one worker, into the on-disk cache that every other process (the other worker, Dask
  workers, ``xbar`` subprocesses) loads; they also form one xdist group (``TRAIN_GROUP``), so
  they do not compete with each other for the two cores.
"""

from __future__ import annotations

import fcntl
import os

import pytest

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

#: the xdist group of every test that trains (see the module docstring)
TRAIN_GROUP = "train"


@pytest.fixture(scope="session")
def train_kernels():
    """golden's training kernels compiled once into the on-disk cache for every worker and
    every process a test starts (one worker compiles under a file lock, the others wait and
    load)."""
    from golden.kernel_cache import kernel_cache_dir
    from golden.network import compile_kernels

    cache = kernel_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / "compile.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        compile_kernels()
