"""numba's threads in golden: used where they pay, waiting without spinning.

The training loop's parallel regions are per sample (the rows of one pulsed update, the row
blocks of one MVM), microseconds each, and every one ends at a barrier. With two threads on two
cores and anything else running, the partner thread is often descheduled and each barrier
waits for a time slice: measured on the reference job (TTv2, Fashion-MNIST) beside a
place-and-route on the other core, 2,061 samples/s with two threads against 5,782 with one.
So the per-sample loop runs on one thread (:func:`one_thread`); coarse work (the test-set
evaluation, samples in parallel; pulses applied to whole arrays) keeps every thread. Results
are the same bits either way: every parallel loop draws its noise per row or per sample.
OpenMP's idle threads sleep instead of spinning (``OMP_WAIT_POLICY=PASSIVE`` unless set).
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
