"""Test-session settings shared by every worker and every process the tests start.

* numba's OpenMP threads wait passively (``OMP_WAIT_POLICY=PASSIVE``): two pytest workers, a
  Dask cluster or a cocotb simulator share the two cores, and spinning threads waiting at a
  barrier for a descheduled partner would slow everything down without changing a bit.
* The tests that run golden's training kernels form one xdist group (``TRAIN_GROUP``), so the
  kernels compile once, in one worker, into the on-disk cache that every later process (Dask
  workers, ``xbar`` subprocesses) loads.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

#: the xdist group of every test that trains (see the module docstring)
TRAIN_GROUP = "train"
