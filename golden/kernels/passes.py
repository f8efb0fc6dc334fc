"""numba kernels of a network's analog passes: forward, softmax cross-entropy, backward,
test accuracy (private; see :mod:`golden.network`; the arena layout: :mod:`golden.kernels.arena`).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from golden.kernels.arena import S_CNT_IO, layer
from golden.kernels.tile import analog_mvm, analog_mvm_rows

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


@njit(cache=True)
def forward_sample(x, W, Wt, bias, lay, act, io, seeds, counters, counter_stride, acts, vbuf):
    """Forward pass of one sample into ``acts`` (each layer's input followed by a bias input
    1, then the logits). An analog bias is the array's last column (its input is the 1);
    a digital bias (``bias`` not empty, aihwkit's ``digital_bias``) is added after the MVM.
    Layer l's MVM uses noise counter ``counters[l]``, advanced by ``counter_stride`` (0 for
    evaluation, where counters are per sample). ``Wt``, when not empty, is ``W`` stored
    column-major per layer (:func:`golden.kernels.loop.mirror_weights`): the MVMs read it, the
    same bits."""
    shapes, off, roff, aoff = lay.shapes, lay.off, lay.roff, lay.aoff
    n_layers = shapes.shape[0]
    acts[aoff[0] : aoff[0] + x.shape[0]] = x
    acts[aoff[0] + x.shape[0]] = 1.0
    for l in range(n_layers):
        rows, cols = shapes[l, 0], shapes[l, 1]
        a_in = acts[aoff[l] : aoff[l] + cols]
        out = acts[aoff[l + 1] : aoff[l + 1] + rows]
        Wf, transposed = forward_layer(W, Wt, off[l], rows, cols)
        analog_mvm(Wf, a_in, transposed, io, True, seeds[l], counters[l], vbuf[:cols], out)
        counters[l] += counter_stride
        if bias.shape[0] > 0:
            for i in range(rows):
                out[i] += bias[roff[l] + i]
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
def backward_sample(W, lay, act, io, seeds, S, acts, deltas, vbuf, gbuf):
    """Backward pass: deltas of every layer from the output delta (already in ``deltas``)."""
    shapes, off, aoff, doff = lay.shapes, lay.off, lay.aoff, lay.doff
    for l in range(shapes.shape[0] - 1, 0, -1):
        rows, cols = shapes[l, 0], shapes[l, 1]
        Wl = layer(W, off[l], rows, cols)
        d = deltas[doff[l] : doff[l] + rows]
        g = gbuf[:cols]
        analog_mvm(Wl, d, True, io, False, seeds[l], S[l, S_CNT_IO], vbuf[:rows], g)
        S[l, S_CNT_IO] += 1
        n_in = shapes[l - 1, 0]
        prev = deltas[doff[l - 1] : doff[l - 1] + n_in]
        a = acts[aoff[l] : aoff[l] + n_in]
        for k in range(n_in):
            prev[k] = g[k] * activate_grad(a[k], act)


@njit(cache=True)
def forward_backward_batch(X, Y, samples, W, lay, cfg, st, acts, deltas, G):
    """Forward, loss and backward of the samples ``X[samples[b]]`` with the weights ``W``
    (activations into ``acts[b]``, deltas into ``deltas[b]``, loss and correct into
    ``st.stats``, IO counters advanced in ``st.S``), layer by layer,
    each layer's MVMs of all samples at once (:func:`analog_mvm_rows`). Bit for bit what
    :func:`forward_sample`, :func:`softmax_xent` and :func:`backward_sample` give sample after
    sample: sample b's forward MVM of layer l uses IO counter ``S[l] + b s_l`` and its backward
    one ``S[l] + 2 b + 1`` (``s_l`` = 2 where layer l has a backward MVM, else 1). ``G`` is
    a work array of at least ``len(samples)`` rows and the widest layer; ``st.Wt`` as ``Wt``
    for :func:`forward_sample`."""
    shapes, off, roff, aoff, doff = lay.shapes, lay.off, lay.roff, lay.aoff, lay.doff
    tr, Wt, bias, seeds, S, stats = cfg.train, st.Wt, st.bias, st.seeds[:, 0], st.S, st.stats
    n_layers = shapes.shape[0]
    nb = samples.shape[0]
    counters = np.empty(nb, dtype=np.int64)
    n_in = X.shape[1]
    for b in range(nb):
        acts[b, aoff[0] : aoff[0] + n_in] = X[samples[b]]
        acts[b, aoff[0] + n_in] = 1.0
    for l in range(n_layers):
        rows, cols = shapes[l, 0], shapes[l, 1]
        stride = 2 if l > 0 else 1
        for b in range(nb):
            counters[b] = S[l, S_CNT_IO] + stride * b
        a_in = acts[:nb, aoff[l] : aoff[l] + cols]
        out = acts[:nb, aoff[l + 1] : aoff[l + 1] + rows]
        Wf, transposed = forward_layer(W, Wt, off[l], rows, cols)
        analog_mvm_rows(Wf, a_in, transposed, cfg.io_f, True, seeds[l], counters, out)
        for b in range(nb):
            if bias.shape[0] > 0:
                for i in range(rows):
                    out[b, i] += bias[roff[l] + i]
            if l < n_layers - 1:
                for i in range(rows):
                    out[b, i] = activate(out[b, i], tr.activation)
                acts[b, aoff[l + 1] + rows] = 1.0
    L = n_layers - 1
    for b in range(nb):
        logits = acts[b, aoff[L + 1] : aoff[L + 1] + shapes[L, 0]]
        loss, ok = softmax_xent(logits, Y[samples[b]], deltas[b, doff[L] : doff[L] + shapes[L, 0]])
        stats[0] += loss
        stats[1] += 1.0 if ok else 0.0
    for l in range(n_layers - 1, 0, -1):
        rows, cols = shapes[l, 0], shapes[l, 1]
        for b in range(nb):
            counters[b] = S[l, S_CNT_IO] + 2 * b + 1
        Wl = layer(W, off[l], rows, cols)
        d = deltas[:nb, doff[l] : doff[l] + rows]
        g = G[:nb, :cols]
        analog_mvm_rows(Wl, d, True, cfg.io_b, False, seeds[l], counters, g)
        n_prev = shapes[l - 1, 0]
        for b in range(nb):
            for k in range(n_prev):
                a = acts[b, aoff[l] + k]
                deltas[b, doff[l - 1] + k] = g[b, k] * activate_grad(a, tr.activation)
    for l in range(n_layers):
        S[l, S_CNT_IO] += nb * (2 if l > 0 else 1)


@njit(cache=True, parallel=True)
def evaluate(X, Y, W, bias, lay, act, io, seeds, counter_base, preds):
    """Test accuracy with the analog forward pass; samples in parallel, sample k's noise keyed
    by counter ``counter_base + k``. Writes predictions; returns the number correct."""
    shapes, aoff = lay.shapes, lay.aoff
    n = X.shape[0]
    n_layers = shapes.shape[0]
    width = aoff[n_layers + 1]
    correct = 0
    for s in prange(n):
        acts = np.empty(width)
        vbuf = np.empty(acts.shape[0])
        counters = np.full(n_layers, counter_base + s, dtype=np.int64)
        forward_sample(X[s], W, W[:0], bias, lay, act, io, seeds[:, 0], counters, 0, acts, vbuf)
        L = n_layers - 1
        logits = acts[aoff[L + 1] : aoff[L + 1] + shapes[L, 0]]
        preds[s] = np.argmax(logits)
        if preds[s] == Y[s]:
            correct += 1
    return correct
