"""The float reference's per-sample loop with each update fused into the next sample's forward
(private; called by :func:`golden.kernels.loop.train_batches` for float at batch 1).

Float keeps its weights column-major (``st.Wt``, :func:`golden.kernels.loop.mirror_weights`)
and updates them densely, ``W -= lr d x^T``; its forward reads the same rows a moment later.
Here the update of sample k and the forward of sample k + 1 walk the copy once: row j of the
copy is updated, then (with the next sample's input j) added into the next outputs. Every
weight gets the same operations and every output the same sum in the same ascending order
as :func:`~golden.kernels.loop.update_layer` followed by
:func:`~golden.kernels.passes.forward_sample`: the same bits, one pass over memory instead of
two."""

from __future__ import annotations

import numpy as np
from numba import njit

from golden.kernels.arena import S_CNT_IO, layer
from golden.kernels.passes import activate, backward_sample, forward_sample, softmax_xent
from golden.kernels.updates import update_bias, update_layer
from golden.kernels.weights import add_to_average

__all__ = ["float_update_forward", "train_float_fused"]


@njit(cache=True)
def float_update_forward(Wt, x, g, v, y):
    """One array's column-major weights ``Wt`` (cols x rows): ``Wt[j, :] -= g x[j]`` for the
    inputs ``x`` of this sample (``g = lr d``; rows of a zero input untouched, as in
    ``update_layer``), fused with the next sample's product ``y = Wt^T v`` (``mvm``'s
    transposed pass: from +0.0, rows of zero inputs skipped, ascending)."""
    cols, rows = Wt.shape
    y[:] = 0.0
    for j in range(cols):
        xj, vj = x[j], v[j]
        if xj != 0.0:
            for i in range(rows):
                w = Wt[j, i]
                Wt[j, i] = w - g[i] * xj if g[i] != 0.0 else w
        if vj != 0.0:
            for i in range(rows):
                y[i] += Wt[j, i] * vj


@njit(cache=True)
def _update_and_forward(l, cur, nxt, d, lay, cfg, st, bufs):
    """Layer l: sample k's update (its input in ``cur``, its delta ``d``) and sample k + 1's
    forward (input in ``nxt``, output into ``nxt``), array by array as ``forward_arrays``."""
    lshape, aoff, doff = lay.lshape, lay.aoff, lay.doff
    rows_l = lshape[l, 0]
    out = nxt[aoff[l + 1] : aoff[l + 1] + rows_l]
    lr, bias = cfg.train.lr, st.bias
    for t in range(lay.ltile[l], lay.ltile[l + 1]):
        r0, c0 = lay.tpos[t, 0], lay.tpos[t, 1]
        rows, cols = lay.shapes[t, 0], lay.shapes[t, 1]
        g = bufs[2, :rows]
        for i in range(rows):
            g[i] = lr * d[r0 + i]
        x = cur[aoff[l] + c0 : aoff[l] + c0 + cols]
        v = nxt[aoff[l] + c0 : aoff[l] + c0 + cols]
        y = out[r0 : r0 + rows] if c0 == 0 else bufs[1, :rows]
        float_update_forward(layer(st.Wt, lay.off[t], cols, rows), x, g, v, y)
        y *= cfg.io_f.out_scale
        if c0 > 0:
            for i in range(rows):
                out[r0 + i] += y[i]
    if bias.shape[0] > 0:
        for i in range(rows_l):
            out[i] += bias[doff[l] + i]
    if l < lshape.shape[0] - 1:
        for i in range(rows_l):
            out[i] = activate(out[i], cfg.train.activation)
        nxt[aoff[l + 1] + rows_l] = 1.0


@njit(cache=True)
def train_float_fused(X, Y, order, start, stop, step0, avg_start, lay, cfg, st, scratch):
    """Float at batch 1 over ``order[start:stop]`` (``train_batches``' arguments): the first
    sample's forward alone, then per sample loss, backward and the update fused with the next
    sample's forward (the last sample's update alone), then the model-average step. Statistics
    and IO counters as ``train_batches`` keeps them."""
    tr = cfg.train
    lshape, aoff, doff = lay.lshape, lay.aoff, lay.doff
    _, scratch_deltas, bufs, work = scratch
    deltas = scratch_deltas[0]
    S, stats, seeds0 = st.S, st.stats, st.seeds[:, 0]
    n_layers, n_arrays = lshape.shape[0], lay.shapes.shape[0]
    W = st.W_float
    pair = np.empty((2, scratch[0].shape[1]))
    counters = np.empty(n_arrays, dtype=np.int64)
    hints = np.full(n_arrays, -1, dtype=np.int64)
    for t in range(n_arrays):
        counters[t] = S[t, S_CNT_IO]
    x0 = X[order[start]]
    forward_sample(
        x0, W, st.Wt, st.bias, lay, tr.activation, cfg.io_f, seeds0, counters, hints, pair[0], bufs
    )
    L, n_in = n_layers - 1, X.shape[1]
    for k in range(start, stop):
        cur, nxt = pair[(k - start) % 2], pair[(k - start + 1) % 2]
        for t in range(n_arrays):
            S[t, S_CNT_IO] += 1  # this sample's forward
        logits = cur[aoff[L + 1] : aoff[L + 1] + lshape[L, 0]]
        loss, ok = softmax_xent(logits, Y[order[k]], deltas[doff[L] : doff[L] + lshape[L, 0]])
        stats[0] += loss
        stats[1] += 1.0 if ok else 0.0
        backward_sample(
            W, st.Wt, lay, tr.activation, cfg.io_b, seeds0, S, cur, deltas, bufs, bufs[2]
        )
        fuse = k + 1 < stop
        if fuse:
            nxt[aoff[0] : aoff[0] + n_in] = X[order[k + 1]]
            nxt[aoff[0] + n_in] = 1.0
        for l in range(n_layers):
            rows = lshape[l, 0]
            d = bufs[6, :rows]
            for i in range(rows):
                d[i] = deltas[doff[l] + i] / 1
            update_bias(l, d, lay, tr.lr, st.bias)
            if fuse:
                _update_and_forward(l, cur, nxt, d, lay, cfg, st, bufs)
            else:
                x = cur[aoff[l] : aoff[l] + lshape[l, 1]]
                for t in range(lay.ltile[l], lay.ltile[l + 1]):
                    r0, c0 = lay.tpos[t, 0], lay.tpos[t, 1]
                    xt = x[c0 : c0 + lay.shapes[t, 1]]
                    dt = d[r0 : r0 + lay.shapes[t, 0]]
                    update_layer(t, xt, dt, lay, cfg, st, bufs, work, False)
        add_to_average(step0 + (k - start), avg_start, lay, cfg, st)
