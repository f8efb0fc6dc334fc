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

from golden.kernels.arena import (
    S_CNT_C,
    S_CNT_IO,
    S_UPDATES,
    array_update,
    column_major,
    layer,
)
from golden.kernels.decomposition import nmf_write, pca_accumulate, pca_write
from golden.kernels.mixed_precision import mp_update
from golden.kernels.passes import (
    backward_sample,
    forward_backward_batch,
    forward_sample,
    softmax_xent,
)
from golden.kernels.transfer import A_FLOAT, A_MP, A_NMF, A_PCA, A_SGD, transfer_update

__all__ = ["least_squares_steps", "train_batches", "update_layer", "visible_weights"]


@njit(cache=True)
def update_bias(l, d, lay, lr, bias):
    """Layer l's digital bias (if any) learns by plain SGD (aihwkit: the torch optimizer)."""
    if bias.shape[0] > 0:
        for i in range(lay.lshape[l, 0]):
            bias[lay.doff[l] + i] -= lr * d[i]


@njit(cache=True)
def update_layer(l, x, d, lay, cfg, st, buf, work, row_major=True):
    """Every algorithm's per-sample update of array l (x its input block, with the bias input
    where the bias is analog; d its block of the delta). ``row_major=False``: float's
    row-major weights of this array are left to :func:`float_rows_from_copy` (the copy
    ``st.Wt`` alone is updated)."""
    tr = cfg.train
    algo = tr.algo
    rows, cols = lay.shapes[l, 0], lay.shapes[l, 1]
    lr = tr.lr
    if algo == A_FLOAT:
        Wl = layer(st.W_float, lay.off[l], rows, cols)
        if row_major or st.Wt.shape[0] == 0:
            for i in range(rows):
                g = lr * d[i]
                if g != 0.0:
                    for j in range(cols):
                        Wl[i, j] -= g * x[j]
        if st.Wt.shape[0] > 0:  # the same update of the column-major copy (mirror_weights)
            Wtl = layer(st.Wt, lay.off[l], cols, rows)
            # the row-major update skips a row whose step is zero; here such a step is a zero
            # signed like the input, so that w - g x_j subtracts +0: w unchanged, a -0.0 too
            g_pos, g_neg = buf[4, :rows], buf[5, :rows]
            for i in range(rows):
                g = lr * d[i]
                g_pos[i] = g if g != 0.0 else 0.0
                g_neg[i] = g if g != 0.0 else -0.0
            for j in range(cols):
                xj = x[j]
                if xj == 0.0:  # w - (+-0) changes at most the sign of a zero w, which no
                    continue  # product sum can tell
                g = g_pos if xj > 0.0 else g_neg
                for i in range(rows):
                    Wtl[j, i] -= g[i] * xj
    elif algo == A_PCA:
        pca_accumulate(l, x, d, lay, cfg.dec.rank, st.digital)
    elif algo == A_NMF:  # streamed from the stored batch at its end (nmf_write)
        pass
    elif algo == A_MP:
        mp_update(l, x, d, lay, cfg, st, buf, work)
    elif algo == A_SGD:
        S = st.S
        array_update(
            st.arr_c, l, lay, x, d, lr, tr.gran_c, cfg.u_a, st.seeds[l, 2], S[l, S_CNT_C], work
        )
        S[l, S_CNT_C] += 1
        S[l, S_UPDATES] += 1
    else:
        transfer_update(l, x, d, lay, cfg, st, buf, work)


@njit(cache=True)
def visible_weights(cfg, st, n_total):
    """The weights the forward/backward passes use: float W, C, or gamma A + C."""
    if cfg.train.algo == A_FLOAT:
        return st.W_float
    g = cfg.transfer.gamma
    if g > 0.0:
        A, C, weff = st.arr_a.visible, st.arr_c.visible, st.weff
        for k in range(n_total):
            weff[k] = g * A[k] + C[k]
        return weff
    return st.arr_c.visible


@njit(cache=True)
def mirror_weights(lay, cfg, st):
    """Fill ``st.Wt`` (when allocated) with the forward weights, column-major per layer.

    Where the forward weights change a column at a time (the transfer family's C, written by
    its transfers; refreshed by :func:`golden.kernels.transfer.transfer_column`) or by dense
    rank-1 updates (float; :func:`update_layer` updates both copies), the forward reads this
    copy: the transposed product of ``Wt`` adds every output's products in the same ascending
    input order from +0.0 (the same bits), but its innermost loop runs over contiguous outputs
    and only the rows of nonzero inputs are read."""
    if st.Wt.shape[0] > 0:
        column_major(lay, visible_weights(cfg, st, lay.off[lay.shapes.shape[0]]), st.Wt)


@njit(cache=True)
def float_rows_from_copy(lay, cfg, st):
    """Float's row-major weights back from the column-major copy: inside
    :func:`train_batches` nothing reads them (the forward and the backward read the copy), so
    only the copy is updated there."""
    if cfg.train.algo != A_FLOAT or st.Wt.shape[0] == 0:
        return
    for t in range(lay.shapes.shape[0]):
        rows, cols, o = lay.shapes[t, 0], lay.shapes[t, 1], lay.off[t]
        layer(st.W_float, o, rows, cols)[:, :] = layer(st.Wt, o, cols, rows).T


@njit(cache=True, nogil=True)
def train_batches(X, Y, order, start, stop, step0, avg_start, lay, cfg, st, scratch):
    """Train on ``order[start:stop]`` (whole mini-batches). Each mini-batch: forward and
    backward of every sample with the weights of the batch start, then the per-sample
    updates in order with ``d / batch`` (mean loss; aihwkit's semantics). Adds
    (loss sum, correct, averaged iterates) into ``st.stats``. ``step0`` is the global index of
    the first mini-batch; from global mini-batch ``avg_start`` on, every ``average_every``-th
    weight iterate is added into ``st.W_avg`` (model averaging). It releases the GIL: other
    Python threads (an import, a progress bar) run beside it."""
    tr = cfg.train
    B = tr.batch_size
    lshape, aoff, doff = lay.lshape, lay.aoff, lay.doff
    acts, deltas, buf, work = scratch
    S, stats, W_avg = st.S, st.stats, st.W_avg
    seeds0 = st.seeds[:, 0]
    n_layers = lshape.shape[0]
    n_arrays = lay.shapes.shape[0]
    n_total = lay.off[n_arrays]
    io_counters = np.empty(n_arrays, dtype=np.int64)
    hints = np.full(n_arrays, -1, dtype=np.int64)  # bound management's probes (speed alone)
    mirror_weights(lay, cfg, st)
    width = max(lshape.max(), 1)
    G = np.empty((3, B, width))  # mini-batch work arrays
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
        step = step0 + (b0 - start) // B
        if W_avg.shape[0] > 0 and step >= avg_start and (step - avg_start) % tr.average_every == 0:
            float_rows_from_copy(lay, cfg, st)
            Wn = visible_weights(cfg, st, n_total)
            for k in range(n_total):
                W_avg[k] += Wn[k]
            stats[2] += 1.0
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
