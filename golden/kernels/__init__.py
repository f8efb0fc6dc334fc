"""The numba kernels of golden (private: arrays, ints and typed records in; the public API is
:mod:`golden.devices`, :mod:`golden.pulses`, :mod:`golden.tile`, :mod:`golden.network`).

================== =====================================================================
``records``        typed records of configuration and state (numba named tuples)
``device``         what one pulse does to one cell, for every device model
``pulses``         the stochastic pulsed rank-1 update (fast and hw-exact bits)
``tile``           the analog MVM with IO non-idealities
``arena``          the flat arena of a network's layers, per-layer views, array updates
``passes``         forward, softmax cross-entropy, backward, test accuracy
``transfer``       the transfer family: TTv1, TTv2, chopped TTv2, AGAD
``mixed_precision`` mixed precision
``decomposition``  gradient decomposition: streaming PCA and NMF, rank-seq and rank-sum
``loop``           the training loop over mini-batches and the per-algorithm dispatch
================== =====================================================================

Every kernel has a slow pure-Python twin in ``tests/golden/naive.py``.
"""
