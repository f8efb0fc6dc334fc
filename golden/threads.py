"""numba's threads in golden: used where they pay, waiting without spinning.

The training loop's per-sample work (one pulsed update, one MVM) lasts microseconds, and a
parallel region costs about a microsecond even on one thread, ending at a barrier. With two
threads on two cores and anything else running, the partner thread is often descheduled and
each barrier waits for a time slice: measured on the reference job (TTv2, Fashion-MNIST) beside
a place-and-route on the other core, 2,061 samples/s with two threads against 5,782 with one.
So the per-sample kernels have no parallel regions, and the loop runs on one thread
(:func:`one_thread`) for the few parallel kernels it may still call (the decomposition's dense
pulse counts, implicit pulses); coarse work (the test-set evaluation, chunks of samples in
parallel; pulses applied to whole arrays) keeps every thread. Results are the same bits either way:
every parallel loop draws its noise per row or per sample. OpenMP's idle threads sleep instead
of spinning (``OMP_WAIT_POLICY=PASSIVE`` unless set).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["one_thread", "wait_passively"]


def wait_passively() -> None:
    """Idle OpenMP threads sleep (before numba starts its OpenMP runtime)."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


@contextmanager
def one_thread() -> Iterator[None]:
    """numba's parallel loops run on one thread inside the block (this thread's setting)."""
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(before)
