"""golden: the spec of xbarkit — the numba golden-reference simulator.

params (the one configuration), devices, pulsed updates, analog tiles, networks, training
algorithms and runs, data, and ``hw``: integer, cycle-accurate models of every hardware block.
golden imports nothing from ``rtl``, ``sim`` or the application layer ``xbarkit``.

Importing golden points numba's on-disk cache at a directory keyed by a digest of every golden
module that defines kernels (:func:`golden.kernel_cache.use_kernel_cache`), so an edited kernel
or any of its callees is recompiled, never loaded stale; and OpenMP's idle threads sleep
(:mod:`golden.threads`).
"""

from golden.kernel_cache import use_kernel_cache
from golden.threads import wait_passively

use_kernel_cache()
wait_passively()
