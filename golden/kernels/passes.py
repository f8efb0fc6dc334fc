"""numba kernels of a network's analog passes: forward, softmax cross-entropy, backward,
test accuracy (private; see :mod:`golden.network`; the arena layout: :mod:`golden.kernels.arena`).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from golden.kernels.arena import S_CNT_IO, layer
from golden.kernels.tile import analog_mvm, analog_mvm_probed, analog_mvm_rows

__all__ = [
    "ACT_RELU",
    "ACT_SIGMOID",
    "ACT_TANH",
    "STREAM_EVAL_BASE",
    "activate",
    "activate_grad",
    "backward_sample",
    "evaluate",
    "forward_backward_batch",
    "forward_sample",
    "softmax_xent",
]

# activation codes (golden.params.ACTIVATIONS order)
ACT_SIGMOID, ACT_TANH, ACT_RELU = range(3)

STREAM_EVAL_BASE = 1 << 40  # eval counters live far from training counters


@njit(cache=True)
def activate(z, act):
    if act == ACT_SIGMOID:
        return 1.0 / (1.0 + math.exp(-z))
    if act == ACT_TANH:
        return math.tanh(z)
    return z if z > 0.0 else 0.0


@njit(cache=True)
def activate_grad(a, act):
    """f'(z) from the activation's output a = f(z)."""
    if act == ACT_SIGMOID:
        return a * (1.0 - a)
    if act == ACT_TANH:
        return 1.0 - a * a
    return 1.0 if a > 0.0 else 0.0


@njit(cache=True, inline="always")
def forward_layer(W, Wt, off, rows, cols):
    """A layer's forward weights and whether its MVM is transposed: the column-major copy
    ``Wt`` when there is one (:func:`golden.kernels.loop.mirror_weights`), else ``W``."""
    if Wt.shape[0] > 0:
        return layer(Wt, off, cols, rows), True
    return layer(W, off, rows, cols), False


#: aihwkit's output-bound mask drops outputs at or beyond this fraction of the output range
MASK_MARGIN = 0.999


@njit(cache=True, inline="always")
def mask_flags(acts, lay):
    """The output-bound mask's flags in a sample's ``acts`` (after its activations: one per row
    of every array, at ``lay.roff``; empty when the mask is off, aihwkit's
    ``handle_output_bound``; :attr:`golden.params.NetworkParams.handle_output_bound`); of
    every sample where ``acts`` holds a mini-batch's rows."""
    return acts[..., lay.aoff[-1] :]


@njit(cache=True, inline="always")
def mark_beyond(y, io, flags):
    """``flags[i]`` = 1 where the output ``y[i]`` is at or beyond ``+-MASK_MARGIN out_scale
    out_bound`` of the forward's ``io``, else 0: that output's backward error is dropped."""
    bound = MASK_MARGIN * io.out_scale * io.out_bound
    for i in range(y.shape[0]):
        flags[i] = 1.0 if y[i] >= bound or y[i] <= -bound else 0.0


@njit(cache=True, inline="always")
def drop_masked(d, flags, out):
    """``d`` with the errors of the flagged outputs set to 0, into ``out``."""
    for i in range(d.shape[0]):
        out[i] = 0.0 if flags[i] != 0.0 else d[i]
    return out


@njit(cache=True)
def forward_arrays(l, W, Wt, a_in, lay, io, seeds, counters, hints, bufs, out, masked):
    """Layer l's forward MVM into ``out``: each of its arrays t multiplies its input block
    (:func:`golden.kernels.tile.analog_mvm_probed`, noise counter ``counters[t]``, bound
    management's probe ``hints[t]``, updated); arrays side by side in the input add their
    outputs in input order (aihwkit's ``TileModuleArray``). ``bufs``: a 2-D work array whose
    rows 0 and 1 are as long as the layer. ``masked`` (:func:`mask_flags`) flags each array's
    outputs beyond the bound (:func:`mark_beyond`)."""
    for t in range(lay.ltile[l], lay.ltile[l + 1]):
        r0, c0 = lay.tpos[t, 0], lay.tpos[t, 1]
        rows, cols = lay.shapes[t, 0], lay.shapes[t, 1]
        Wf, transposed = forward_layer(W, Wt, lay.off[t], rows, cols)
        x, v = a_in[c0 : c0 + cols], bufs[0, :cols]
        y = out[r0 : r0 + rows] if c0 == 0 else bufs[1, :rows]
        hints[t] = analog_mvm_probed(
            Wf, x, transposed, io, True, seeds[t], counters[t], v, y, hints[t]
        )[1]
        if masked.shape[0] > 0:
            mark_beyond(y, io, masked[lay.roff[t] : lay.roff[t] + rows])
        if c0 > 0:
            for i in range(rows):
                out[r0 + i] += y[i]


@njit(cache=True)
def forward_sample(x, W, Wt, bias, lay, act, io, seeds, counters, hints, acts, bufs):
    """Forward pass of one sample into ``acts`` (each layer's input followed by a bias input
    1, then the logits). An analog bias is the array's last column (its input is the 1);
    a digital bias (``bias`` not empty, aihwkit's ``digital_bias``) is added after the MVM.
    Array t's MVM uses noise counter ``counters[t]`` (the caller advances it) and bound
    management's probe ``hints[t]`` (-1: none; any value gives the same bits; updated to the
    output likeliest to saturate in the array's next MVM). ``Wt``, when not empty, is ``W`` stored
    column-major per array (:func:`golden.kernels.loop.mirror_weights`): the MVMs read it, the
    same bits. ``bufs``: work rows 0 and 1. Where ``acts`` holds the output-bound mask's flags
    (:func:`mask_flags`), the forward sets them."""
    lshape, doff, aoff = lay.lshape, lay.doff, lay.aoff
    n_layers = lshape.shape[0]
    masked = mask_flags(acts, lay)
    acts[aoff[0] : aoff[0] + x.shape[0]] = x
    acts[aoff[0] + x.shape[0]] = 1.0
    for l in range(n_layers):
        rows, cols = lshape[l, 0], lshape[l, 1]
        a_in = acts[aoff[l] : aoff[l] + cols]
        out = acts[aoff[l + 1] : aoff[l + 1] + rows]
        forward_arrays(l, W, Wt, a_in, lay, io, seeds, counters, hints, bufs, out, masked)
        if bias.shape[0] > 0:
            for i in range(rows):
                out[i] += bias[doff[l] + i]
        if l < n_layers - 1:
            for i in range(rows):
                out[i] = activate(out[i], act)
            acts[aoff[l + 1] + rows] = 1.0  # bias input of the next layer


@njit(cache=True)
def softmax_xent(logits, label, delta):
    """Softmax cross-entropy: writes dL/dlogits = p - onehot; returns (loss, correct)."""
    m = logits.max()
    total = 0.0
    for k in range(logits.shape[0]):
        delta[k] = math.exp(logits[k] - m)
        total += delta[k]
    best = 0
    for k in range(logits.shape[0]):
        delta[k] /= total
        if logits[k] > logits[best]:
            best = k
    loss = -math.log(max(delta[label], 1e-300))
    delta[label] -= 1.0
    return loss, best == label


@njit(cache=True)
def backward_arrays(l, W, Wt, d, lay, io, seeds, S, bufs, g, masked):
    """Layer l's backward MVM ``g = W^T d``: each array t multiplies its block of ``d``
    transposed (IO counter ``S[t, S_CNT_IO]``, advanced); arrays stacked in the output add
    their gradients. With the column-major copy ``Wt`` (:func:`forward_layer`) the product is
    ``Wt d``, each gradient summed in the same ascending order (the same bits). ``bufs`` as
    for :func:`forward_arrays`, and row 3 where ``masked`` (the forward's flags; empty: off)
    drops errors (:func:`drop_masked`)."""
    for t in range(lay.ltile[l], lay.ltile[l + 1]):
        r0, c0 = lay.tpos[t, 0], lay.tpos[t, 1]
        rows, cols = lay.shapes[t, 0], lay.shapes[t, 1]
        Wf, copy = forward_layer(W, Wt, lay.off[t], rows, cols)
        dt, v = d[r0 : r0 + rows], bufs[0, :rows]
        if masked.shape[0] > 0:
            dt = drop_masked(dt, masked[lay.roff[t] : lay.roff[t] + rows], bufs[3, :rows])
        if r0 == 0:
            out = g[c0 : c0 + cols]
            analog_mvm(Wf, dt, not copy, io, False, seeds[t], S[t, S_CNT_IO], v, out)
        else:
            part = bufs[1, :cols]
            analog_mvm(Wf, dt, not copy, io, False, seeds[t], S[t, S_CNT_IO], v, part)
            for j in range(cols):
                g[c0 + j] += part[j]
        S[t, S_CNT_IO] += 1


@njit(cache=True)
def backward_sample(W, Wt, lay, act, io, seeds, S, acts, deltas, bufs, gbuf):
    """Backward pass: deltas of every layer from the output delta (already in ``deltas``);
    ``Wt`` as for :func:`forward_sample`; the forward's output-bound flags in ``acts``, if
    any, drop errors (:func:`backward_arrays`)."""
    lshape, aoff, doff = lay.lshape, lay.aoff, lay.doff
    masked = mask_flags(acts, lay)
    for l in range(lshape.shape[0] - 1, 0, -1):
        rows, cols = lshape[l, 0], lshape[l, 1]
        d = deltas[doff[l] : doff[l] + rows]
        g = gbuf[:cols]
        backward_arrays(l, W, Wt, d, lay, io, seeds, S, bufs, g, masked)
        n_in = lshape[l - 1, 0]
        prev = deltas[doff[l - 1] : doff[l - 1] + n_in]
        a = acts[aoff[l] : aoff[l] + n_in]
        for k in range(n_in):
            prev[k] = g[k] * activate_grad(a[k], act)


@njit(cache=True)
def _batch_counters(S, t, nb, stride, first, counters):
    """Array t's IO counters of the batch's samples: ``S[t] + stride b + first``."""
    for b in range(nb):
        counters[b] = S[t, S_CNT_IO] + stride * b + first


@njit(cache=True)
def forward_backward_batch(X, Y, samples, W, lay, cfg, st, acts, deltas, G):
    """Forward, loss and backward of the samples ``X[samples[b]]`` with the weights ``W``
    (activations into ``acts[b]``, deltas into ``deltas[b]``, loss and correct into
    ``st.stats``, IO counters advanced in ``st.S``), layer by layer, each array's MVMs of all
    samples at once (:func:`analog_mvm_rows`). Bit for bit what :func:`forward_sample`,
    :func:`softmax_xent` and :func:`backward_sample` give sample after sample: sample b's
    forward MVM on array t of layer l uses IO counter ``S[t] + b s_l`` and its backward one
    ``S[t] + 2 b + 1`` (``s_l`` = 2 where layer l has a backward MVM, else 1), the output-bound
    mask's flags as :func:`forward_sample` sets and :func:`backward_sample` reads them. ``G``:
    two work arrays (three with the mask) of at least ``len(samples)`` rows and the widest
    layer; ``st.Wt`` as ``Wt`` for :func:`forward_sample`."""
    lshape, aoff, doff = lay.lshape, lay.aoff, lay.doff
    tr, Wt, bias, seeds, S, stats = cfg.train, st.Wt, st.bias, st.seeds[:, 0], st.S, st.stats
    n_layers = lshape.shape[0]
    nb = samples.shape[0]
    masked = mask_flags(acts, lay)
    counters = np.empty(nb, dtype=np.int64)
    n_in = X.shape[1]
    for b in range(nb):
        acts[b, aoff[0] : aoff[0] + n_in] = X[samples[b]]
        acts[b, aoff[0] + n_in] = 1.0
    for l in range(n_layers):
        rows, cols = lshape[l, 0], lshape[l, 1]
        stride = 2 if l > 0 else 1
        out = acts[:nb, aoff[l + 1] : aoff[l + 1] + rows]
        for t in range(lay.ltile[l], lay.ltile[l + 1]):
            r0, c0 = lay.tpos[t, 0], lay.tpos[t, 1]
            rt, ct = lay.shapes[t, 0], lay.shapes[t, 1]
            _batch_counters(S, t, nb, stride, 0, counters)
            a_in = acts[:nb, aoff[l] + c0 : aoff[l] + c0 + ct]
            Wf, transposed = forward_layer(W, Wt, lay.off[t], rt, ct)
            part = out[:, r0 : r0 + rt] if c0 == 0 else G[0, :nb, :rt]
            analog_mvm_rows(Wf, a_in, transposed, cfg.io_f, True, seeds[t], counters, part)
            if masked.shape[1] > 0:
                for b in range(nb):
                    flags = masked[b, lay.roff[t] : lay.roff[t] + rt]
                    mark_beyond(part[b], cfg.io_f, flags)
            if c0 > 0:
                out[:, r0 : r0 + rt] += part
        for b in range(nb):
            if bias.shape[0] > 0:
                for i in range(rows):
                    out[b, i] += bias[doff[l] + i]
            if l < n_layers - 1:
                for i in range(rows):
                    out[b, i] = activate(out[b, i], tr.activation)
                acts[b, aoff[l + 1] + rows] = 1.0
    L = n_layers - 1
    for b in range(nb):
        logits = acts[b, aoff[L + 1] : aoff[L + 1] + lshape[L, 0]]
        loss, ok = softmax_xent(logits, Y[samples[b]], deltas[b, doff[L] : doff[L] + lshape[L, 0]])
        stats[0] += loss
        stats[1] += 1.0 if ok else 0.0
    for l in range(n_layers - 1, 0, -1):
        rows, cols = lshape[l, 0], lshape[l, 1]
        g = G[1, :nb, :cols]
        for t in range(lay.ltile[l], lay.ltile[l + 1]):
            r0, c0 = lay.tpos[t, 0], lay.tpos[t, 1]
            rt, ct = lay.shapes[t, 0], lay.shapes[t, 1]
            _batch_counters(S, t, nb, 2, 1, counters)
            d = deltas[:nb, doff[l] + r0 : doff[l] + r0 + rt]
            if masked.shape[1] > 0:
                for b in range(nb):
                    flags = masked[b, lay.roff[t] : lay.roff[t] + rt]
                    drop_masked(d[b], flags, G[2, b, :rt])
                d = G[2, :nb, :rt]
            part = g[:, c0 : c0 + ct] if r0 == 0 else G[0, :nb, :ct]
            Wf, copy = forward_layer(W, Wt, lay.off[t], rt, ct)
            analog_mvm_rows(Wf, d, not copy, cfg.io_b, False, seeds[t], counters, part)
            if r0 > 0:
                g[:, c0 : c0 + ct] += part
        n_prev = lshape[l - 1, 0]
        for b in range(nb):
            for k in range(n_prev):
                a = acts[b, aoff[l] + k]
                deltas[b, doff[l - 1] + k] = g[b, k] * activate_grad(a, tr.activation)
    for t in range(lay.shapes.shape[0]):
        S[t, S_CNT_IO] += nb * (2 if lay.tlayer[t] > 0 else 1)


#: samples per task of the parallel test evaluation (bound management's probes carry over
#: from sample to sample within one)
EVAL_CHUNK = 250


@njit(cache=True, parallel=True)
def evaluate(X, Y, W, Wt, bias, lay, act, io, seeds, counter_base, preds):
    """Test accuracy with the analog forward pass; chunks of :data:`EVAL_CHUNK` samples in
    parallel, sample k's noise keyed by counter ``counter_base + k``; ``Wt``: ``W``
    column-major (:func:`golden.kernels.arena.column_major`), which the MVMs read (the same
    bits as ``W``). Writes predictions; returns the number correct."""
    lshape, aoff = lay.lshape, lay.aoff
    n = X.shape[0]
    n_layers = lshape.shape[0]
    n_arrays = lay.shapes.shape[0]
    n_chunks = (n + EVAL_CHUNK - 1) // EVAL_CHUNK
    correct = np.zeros(n_chunks, dtype=np.int64)
    L = n_layers - 1
    seeds0 = seeds[:, 0]
    for c in prange(n_chunks):
        acts = np.empty(aoff[n_layers + 1])
        bufs = np.empty((2, acts.shape[0]))
        counters = np.empty(n_arrays, dtype=np.int64)
        hints = np.full(n_arrays, -1, dtype=np.int64)
        for s in range(c * EVAL_CHUNK, min(n, (c + 1) * EVAL_CHUNK)):
            counters[:] = counter_base + s
            forward_sample(X[s], W, Wt, bias, lay, act, io, seeds0, counters, hints, acts, bufs)
            preds[s] = np.argmax(acts[aoff[L + 1] : aoff[L + 1] + lshape[L, 0]])
            if preds[s] == Y[s]:
                correct[c] += 1
    return correct.sum()
