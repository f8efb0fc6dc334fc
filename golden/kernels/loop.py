"""numba kernels of a whole training run (private; see :mod:`golden.network`,
:mod:`golden.train`).

The per-sample loop — analog forward, softmax cross-entropy, analog backward and each
algorithm's update and transfer — runs here, with no Python per sample. Configuration arrives
as a :class:`~golden.kernels.records.Config`, the state as a
:class:`~golden.kernels.records.NetState` (all of it saved by checkpoints).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from golden.kernels.arena import S_CNT_IO, layer
from golden.kernels.decomposition import nmf_write, pca_write
from golden.kernels.float_loop import train_float_fused
from golden.kernels.passes import (
    backward_sample,
    forward_backward_batch,
    forward_sample,
    softmax_xent,
)
from golden.kernels.transfer import A_FLOAT, A_NMF, A_PCA
from golden.kernels.updates import update_bias, update_layer
from golden.kernels.weights import (
    add_to_average,
    float_rows_from_copy,
    mirror_weights,
    visible_weights,
)

__all__ = [
    "least_squares_steps",
    "mirror_weights",
    "train_batches",
    "update_layer",
    "visible_weights",
]


@njit(cache=True)
def train_batches(X, Y, order, start, stop, step0, avg_start, lay, cfg, st, scratch):
    """Train on ``order[start:stop]`` (whole mini-batches). Each mini-batch: forward and
    backward of every sample with the weights of the batch start, then the per-sample
    updates in order with ``d / batch`` (mean loss; aihwkit's semantics). Adds
    (loss sum, correct, averaged iterates) into ``st.stats``. ``step0`` is the global index of
    the first mini-batch; from global mini-batch ``avg_start`` on, every ``average_every``-th
    weight iterate is added into ``st.W_avg`` (model averaging)."""
    tr = cfg.train
    B = tr.batch_size
    lshape, aoff, doff = lay.lshape, lay.aoff, lay.doff
    acts, deltas, buf, work = scratch
    S, stats = st.S, st.stats
    seeds0 = st.seeds[:, 0]
    n_layers = lshape.shape[0]
    n_arrays = lay.shapes.shape[0]
    n_total = lay.off[n_arrays]
    io_counters = np.empty(n_arrays, dtype=np.int64)
    hints = np.full(n_arrays, -1, dtype=np.int64)  # bound management's probes (speed alone)
    mirror_weights(lay, cfg, st)
    if tr.algo == A_FLOAT and B == 1 and st.Wt.shape[0] > 0 and cfg.io_f.is_perfect:
        if stop > start:  # each update fused with the next forward (the same bits)
            train_float_fused(X, Y, order, start, stop, step0, avg_start, lay, cfg, st, scratch)
        float_rows_from_copy(lay, cfg, st)
        return
    width = max(lshape.max(), 1)
    G = np.empty((2, B, width))  # mini-batch work arrays
    for b0 in range(start, stop, B):
        nb = min(B, stop - b0)
        W = visible_weights(cfg, st, n_total)
        if nb > 1:  # layer by layer, each layer's MVMs of the whole batch together
            forward_backward_batch(X, Y, order[b0 : b0 + nb], W, lay, cfg, st, acts, deltas, G)
        for b in range(nb if nb == 1 else 0):
            s = order[b0 + b]
            for t in range(n_arrays):
                io_counters[t] = S[t, S_CNT_IO]
            forward_sample(
                X[s],
                W,
                st.Wt,
                st.bias,
                lay,
                tr.activation,
                cfg.io_f,
                seeds0,
                io_counters,
                hints,
                acts[b],
                buf,
            )
            for t in range(n_arrays):
                S[t, S_CNT_IO] = io_counters[t] + 1
            L = n_layers - 1
            logits = acts[b, aoff[L + 1] : aoff[L + 1] + lshape[L, 0]]
            loss, ok = softmax_xent(logits, Y[s], deltas[b, doff[L] : doff[L] + lshape[L, 0]])
            stats[0] += loss
            stats[1] += 1.0 if ok else 0.0
            backward_sample(
                W, st.Wt, lay, tr.activation, cfg.io_b, seeds0, S, acts[b], deltas[b], buf, buf[2]
            )
        for b in range(nb):
            for l in range(n_layers):
                rows, cols = lshape[l, 0], lshape[l, 1]
                x = acts[b, aoff[l] : aoff[l] + cols]
                d = buf[6, :rows]
                for i in range(rows):
                    d[i] = deltas[b, doff[l] + i] / nb
                update_bias(l, d, lay, tr.lr, st.bias)
                for t in range(lay.ltile[l], lay.ltile[l + 1]):
                    r0, c0 = lay.tpos[t, 0], lay.tpos[t, 1]
                    xt = x[c0 : c0 + lay.shapes[t, 1]]
                    dt = d[r0 : r0 + lay.shapes[t, 0]]
                    update_layer(t, xt, dt, lay, cfg, st, buf, work, False)
        if tr.algo == A_PCA:  # the mini-batch's decomposed gradient goes to the arrays
            for t in range(n_arrays):
                pca_write(t, nb, lay, cfg, st, scratch)
        elif tr.algo == A_NMF:
            for t in range(n_arrays):
                nmf_write(t, nb, lay, cfg, st, scratch)
        add_to_average(step0 + (b0 - start) // B, avg_start, lay, cfg, st)
    float_rows_from_copy(lay, cfg, st)


@njit(cache=True)
def least_squares_steps(X, T, lay, cfg, st, buf, work):
    """One-layer least squares (:mod:`golden.regression`): per row k of ``X`` (inputs with
    the bias input) and ``T`` (targets), ``d = W x - t`` with the exact product of the visible
    weights, then the algorithm's per-sample update. Returns the summed loss ``|d|^2 / 2``."""
    rows, cols = lay.shapes[0, 0], lay.shapes[0, 1]
    d = buf[6, :rows]
    total = 0.0
    for k in range(X.shape[0]):
        W = layer(visible_weights(cfg, st, rows * cols), 0, rows, cols)
        for i in range(rows):
            acc = -T[k, i]
            for j in range(cols):
                acc += W[i, j] * X[k, j]
            d[i] = acc
            total += 0.5 * acc * acc
        update_layer(0, X[k], d, lay, cfg, st, buf, work)
    return total
