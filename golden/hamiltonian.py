"""Stochastic Hamiltonian Descent (``hd``): its set-up and its energy, as xbarkit defines the
algorithm after the abstract of Onen et al. 2022 (arXiv 2201.13377; ALGORITHMS.md section 8;
the update and transfer kernels are in :mod:`golden.kernels.transfer`).

Position ``q = C``, momentum ``p = A - R``. Counting time in training samples, the updates
give ``dp/dt = -eta grad E`` with ``eta = lr_A / batch_size`` and the transfers
``dq/dt = lam p`` with, per layer, ``lam = lr_T * reads / (cols * period)`` (``reads``
columns of ``cols`` every ``period`` samples). A's device asymmetry is the friction.

Logged per chunk: ``E`` (the chunk's mean training loss), ``p2 = |p|^2`` (all layers) and

- ``H = E + sum_l |p_l|^2 / (2 lam_l eta)``: section 8's energy, as written there;
- ``H_conserved = E + sum_l lam_l |p_l|^2 / (2 eta)``: the quantity the frictionless flow
  above conserves (``dH/dt = lam grad E . p - lam p . grad E = 0``); section 8's form equals
  it only where ``lam = 1``, so both are logged.
"""

from __future__ import annotations

import numpy as np

from golden.kernels.transfer import add_column_reads, reads_per_transfer, transfer_period
from golden.zero_shift import zero_shift

__all__ = ["energy", "rates", "set_reference"]


def set_reference(net) -> None:
    """Zero-shift every layer's A and store its reference ``R`` in ``net``'s digital state:
    ``zs_pulses`` alternating pulses (up first), the last ``zs_reads`` of them each followed
    by a read of every column through ``transfer_forward`` (reads beyond ``zs_pulses`` come
    after the last pulse), ``R`` = their mean. Without ``zero_shift``, R stays 0.

    Why the reads are spread over the last pulses: a device at its symmetry point swings by
    one step between the up and the down pulse, so a read after the last (down) pulse puts R
    half a step below the symmetry point, for every device (measured on the Fashion-MNIST
    reference devices: -0.053, half their 0.1 step), and C integrates that bias for the whole
    run (test accuracy 61.5 % against 73.3 % with R = 0). The mean over both phases of the
    swing is the symmetry point."""
    p = net.params.algorithm
    if not p.zero_shift:
        return
    lay, cfg, st, buf = net.lay, net.cfg, net.state, net.scratch.buf
    during = min(p.zs_reads, p.zs_pulses)
    for l, dev in enumerate(net.dev_a):

        def read_after(k: int, l: int = l) -> None:
            if k >= p.zs_pulses - during:
                add_column_reads(l, lay, cfg, st, buf)

        zero_shift(dev, p.zs_pulses, read_after)
        for _ in range(p.zs_reads - during):
            add_column_reads(l, lay, cfg, st, buf)
        R = st.digital.R[lay.off[l] : lay.off[l + 1]]
        R /= p.zs_reads


def rates(cfg, shapes) -> tuple[np.ndarray, float]:
    """``(lam per layer, eta)`` of an ``hd`` run's kernel config ``cfg`` (module docstring),
    time in samples; the transfer period and reads are the kernels' own
    (:func:`golden.kernels.transfer.transfer_period`, ``reads_per_transfer``); lam = 0 where
    the period rounds to never."""
    tc, tr = cfg.transfer, cfg.train
    lr_a = tc.fast_lr * tr.lr if tc.scale_fast_lr else tc.fast_lr
    lr_t = tc.transfer_lr * tr.lr if tc.scale_transfer_lr else tc.transfer_lr
    period = transfer_period(tc, tr.batch_size)
    cols = np.asarray(shapes)[:, 1]
    reads = np.array([reads_per_transfer(tc, c) for c in cols], dtype=np.float64)
    lam = lr_t * reads / (cols * period) if period > 0 else np.zeros(len(cols))
    return lam, lr_a / tr.batch_size


def energy(net, train_loss: float) -> dict[str, float]:
    """``E``, ``p2``, ``H`` and ``H_conserved`` of ``net`` now (module docstring)."""
    lay = net.lay
    p = net.state.arr_a.visible - net.state.digital.R
    parts = [p[lay.off[l] : lay.off[l + 1]] for l in range(len(lay.shapes))]
    p2 = np.array([np.dot(v, v) for v in parts])
    lam, eta = rates(net.cfg, lay.shapes)
    with np.errstate(divide="ignore", invalid="ignore"):  # lam = 0 (no transfers): no finite H
        kinetic = p2 / (2.0 * lam * eta)
    return {
        "E": float(train_loss),
        "p2": float(p2.sum()),
        "H": float(train_loss + np.sum(kinetic)),
        "H_conserved": float(train_loss + np.sum(lam * p2 / (2.0 * eta))),
    }
