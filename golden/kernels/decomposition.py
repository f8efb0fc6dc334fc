"""numba kernels of gradient decomposition (Zhao et al. 2021): streaming-batch PCA and NMF,
written rank-seq (k rank-1 pulsed updates) or rank-sum (rebuilt, then stochastic-rounded pulse
counts) (private; the equations are on :class:`golden.params.DecompositionParams` and
:class:`golden.params.NmfParams`)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from golden.kernels.arena import (
    S_CNT_C,
    STREAM_SR,
    after_update,
    array_io_offsets,
    array_update,
    layer,
    layer_device,
)
from golden.kernels.pair import apply_counts
from golden.rng import next_uniform, stream_key

__all__ = [
    "balance_factors",
    "dec_views",
    "nmf_factorize",
    "nmf_write",
    "orthonormalize",
    "pca_accumulate",
    "pca_write",
]


@njit(cache=True)
def dec_views(DEC, l, k, lay):
    """Layer l's gradient factors in ``DEC``: P = G Q (rows x k), the left basis U
    (rows x k), the right basis Q (cols x k) and the accumulator A = G^T U (cols x k)."""
    shapes, roff, coff = lay.shapes, lay.roff, lay.coff
    rows, cols = shapes[l, 0], shapes[l, 1]
    n_rows, n_cols = roff[roff.shape[0] - 1], coff[coff.shape[0] - 1]
    p0, u0 = k * roff[l], k * (n_rows + roff[l])
    q0, a0 = k * (2 * n_rows + coff[l]), k * (2 * n_rows + n_cols + coff[l])
    return (
        DEC[p0 : p0 + rows * k].reshape(rows, k),
        DEC[u0 : u0 + rows * k].reshape(rows, k),
        DEC[q0 : q0 + cols * k].reshape(cols, k),
        DEC[a0 : a0 + cols * k].reshape(cols, k),
    )


@njit(cache=True)
def orthonormalize(V):
    """Modified Gram-Schmidt on the columns of V, in place; a column that vanishes keeps a
    unit vector orthogonal to the others (so the basis always has full rank)."""
    n, k = V.shape
    for r in range(k):
        for q in range(r):
            dot = 0.0
            for i in range(n):
                dot += V[i, q] * V[i, r]
            for i in range(n):
                V[i, r] -= dot * V[i, q]
        norm = 0.0
        for i in range(n):
            norm += V[i, r] * V[i, r]
        if norm < 1e-24:  # degenerate: start again from a unit vector e_r
            V[:, r] = 0.0
            V[r % n, r] = 1.0
            for q in range(r):
                dot = V[r % n, q]
                for i in range(n):
                    V[i, r] -= dot * V[i, q]
            norm = 0.0
            for i in range(n):
                norm += V[i, r] * V[i, r]
        inv = 1.0 / np.sqrt(norm)
        for i in range(n):
            V[i, r] *= inv


@njit(cache=True)
def pca_accumulate(l, x, d, lay, k, digital):
    """First pass over a mini-batch, one sample: P += d (Q^T x), i.e. P = G Q with the right
    basis Q of the previous batch; with rank 0 the full batch gradient G += d x^T."""
    rows, cols = lay.shapes[l, 0], lay.shapes[l, 1]
    if k == 0:
        G = layer(digital.CHI, lay.off[l], rows, cols)
        for i in range(rows):
            if d[i] != 0.0:
                for j in range(cols):
                    G[i, j] += d[i] * x[j]
        return
    P, U, Q, A = dec_views(digital.DEC, l, k, lay)
    for r in range(k):
        qx = 0.0
        for j in range(cols):
            qx += Q[j, r] * x[j]
        for i in range(rows):
            P[i, r] += d[i] * qx


@njit(cache=True)
def write_rank_one(l, Lf, Rf, sign, lay, cfg, st, buf, work):
    """Rank-seq transfer: ``W <- W - lr sign Lf Rf^T`` as one pulsed rank-1 update per factor
    column r (d = sign Lf[:, r] on the rows, x = Rf[:, r] on the columns), inside the array."""
    rows, cols = lay.shapes[l, 0], lay.shapes[l, 1]
    x, d = buf[4, :cols], buf[5, :rows]
    S, seed, tr = st.S, st.seeds[l, 2], cfg.train
    for r in range(Lf.shape[1]):
        x[:] = Rf[:, r]
        for i in range(rows):
            d[i] = sign * Lf[i, r]
        array_update(st.arr_c, l, lay, x, d, tr.lr, tr.gran_c, cfg.u_a, seed, S[l, S_CNT_C], work)
        S[l, S_CNT_C] += 1


@njit(cache=True)
def write_rounded(l, lay, cfg, st, G):
    """Write ``-lr G`` cell by cell as ``n = floor(v) + Bernoulli(v - floor(v))`` pulses,
    ``v = -lr G / dw_min`` (nearest integer without stoc_round); clears G."""
    rows, cols = lay.shapes[l, 0], lay.shapes[l, 1]
    tr, S, seeds = cfg.train, st.S, st.seeds
    counts = np.empty((rows, cols), dtype=np.int64)
    rng = stream_key(seeds[l, 0], STREAM_SR, S[l, S_CNT_C], 0)
    for i in range(rows):
        for j in range(cols):
            v = -tr.lr * G[i, j] / tr.gran_c
            n = math.floor(v)
            if cfg.dec.stoc_round:
                rng, u = next_uniform(rng)
                if u < v - n:
                    n += 1
            else:
                n = np.rint(v)
            counts[i, j] = int(n)
            G[i, j] = 0.0
    dev, _ = layer_device(st.arr_c, l, lay)
    apply_counts(dev, counts, seeds[l, 2], S[l, S_CNT_C])
    after_update(dev, seeds[l, 2], S[l, S_CNT_C])
    S[l, S_CNT_C] += 1


@njit(cache=True)
def pca_write(l, nb, lay, cfg, st, scratch):
    """End of a mini-batch: one power iteration, ``U = orth(P)``, then a second pass over the
    batch ``A = G^T U``, so that ``G ~ U A^T`` (the projection of G on span U); write
    ``-lr U A^T`` into the array and keep ``Q = orth(A)`` for the next batch."""
    rows, cols = lay.shapes[l, 0], lay.shapes[l, 1]
    xo, do = array_io_offsets(lay, l)
    acts, deltas = scratch.acts, scratch.deltas
    k = cfg.dec.rank
    if k > 0:
        P, U, Q, A = dec_views(st.digital.DEC, l, k, lay)
        U[:, :] = P
        orthonormalize(U)
        A[:, :] = 0.0
        for b in range(nb):
            x = acts[b, xo : xo + cols]
            d = deltas[b, do : do + rows]
            for r in range(k):
                ud = 0.0
                for i in range(rows):
                    ud += U[i, r] * d[i]
                ud /= nb
                for j in range(cols):
                    A[j, r] += x[j] * ud
    if k > 0 and not cfg.dec.rank_sum:  # rank-seq: k rank-1 pulsed updates in the array
        write_rank_one(l, U, A, 1.0, lay, cfg, st, scratch.buf, scratch.work)
    else:  # rank-sum: rebuild dW outside the array, write each cell's stochastic-rounded count
        G = layer(st.digital.CHI, lay.off[l], rows, cols)
        if k > 0:
            for i in range(rows):
                for j in range(cols):
                    acc = 0.0
                    for r in range(k):
                        acc += U[i, r] * A[j, r]
                    G[i, j] = acc
        write_rounded(l, lay, cfg, st, G)
    if k > 0:
        Q[:, :] = A
        orthonormalize(Q)
        P[:, :] = 0.0


@njit(cache=True)
def balance_factors(Wf, Hf):
    """Rescale each component r to ``|Wf[:, r]| = |Hf[:, r]|`` (``Wf Hf^T`` unchanged).
    Multiplicative updates leave the split of scale between the factors free, and warm-started
    from batch to batch it drifts without bound (one factor to the 1e-12 floor, the other
    past 1e8 within a few hundred batches), after which the floor breaks the fit."""
    for r in range(Wf.shape[1]):
        nw, nh = 0.0, 0.0
        for i in range(Wf.shape[0]):
            nw += Wf[i, r] * Wf[i, r]
        for j in range(Hf.shape[0]):
            nh += Hf[j, r] * Hf[j, r]
        if nw > 0.0 and nh > 0.0:
            s = (nh / nw) ** 0.25
            Wf[:, r] *= s
            Hf[:, r] /= s


@njit(cache=True)
def nmf_factorize(l, nb, sign, lay, iterations, Wf, Hf, acts, deltas):
    """Multiplicative updates (Lee & Seung) of ``G_s ~ Wf Hf^T`` for the non-negative part
    ``G_s = sum_b max(s d_b, 0) x_b^T / nb`` (s = +1 or -1), streamed from the batch, from the
    previous batch's factors rescaled to equal norms per component (:func:`balance_factors`)."""
    rows, cols = lay.shapes[l, 0], lay.shapes[l, 1]
    xo, do = array_io_offsets(lay, l)
    k = Wf.shape[1]
    balance_factors(Wf, Hf)
    GH = np.empty((rows, k))
    GtW = np.empty((cols, k))
    ratio = np.empty(k)
    tiny = 1e-30
    for _ in range(iterations):
        GH[:, :] = 0.0
        for b in range(nb):
            x = acts[b, xo : xo + cols]
            for r in range(k):
                hx = 0.0
                for j in range(cols):
                    hx += Hf[j, r] * x[j]
                hx /= nb
                for i in range(rows):
                    dv = sign * deltas[b, do + i]
                    if dv > 0.0:
                        GH[i, r] += dv * hx
        HtH = Hf.T @ Hf
        for i in range(rows):  # W <- W * (G H) / (W H^T H), every ratio from the old W
            for r in range(k):
                den = 0.0
                for q in range(k):
                    den += Wf[i, q] * HtH[q, r]
                ratio[r] = GH[i, r] / (den + tiny)
            for r in range(k):
                Wf[i, r] *= ratio[r]
        GtW[:, :] = 0.0
        for b in range(nb):
            x = acts[b, xo : xo + cols]
            for r in range(k):
                wd = 0.0
                for i in range(rows):
                    dv = sign * deltas[b, do + i]
                    if dv > 0.0:
                        wd += Wf[i, r] * dv
                wd /= nb
                for j in range(cols):
                    GtW[j, r] += x[j] * wd
        WtW = Wf.T @ Wf
        for j in range(cols):  # H <- H * (G^T W) / (H W^T W), every ratio from the old H
            for r in range(k):
                den = 0.0
                for q in range(k):
                    den += Hf[j, q] * WtW[q, r]
                ratio[r] = GtW[j, r] / (den + tiny)
            for r in range(k):
                Hf[j, r] *= ratio[r]
        for i in range(rows):  # keep factors strictly positive so they can grow again
            for r in range(k):
                Wf[i, r] = max(Wf[i, r], 1e-12)
        for j in range(cols):
            for r in range(k):
                Hf[j, r] = max(Hf[j, r], 1e-12)


@njit(cache=True)
def nmf_write(l, nb, lay, cfg, st, scratch):
    """End of a mini-batch for NMF: factorise G+ and G-, then write ``-lr (W+ H+^T - W- H-^T)``
    as 2k single-signed rank-1 pulsed updates (seq) or rebuilt and rounded (sum)."""
    rows, cols = lay.shapes[l, 0], lay.shapes[l, 1]
    dc = cfg.dec
    acts, deltas = scratch.acts, scratch.deltas
    Wp, Wm, Hp, Hm = dec_views(st.digital.DEC, l, dc.rank, lay)
    nmf_factorize(l, nb, 1.0, lay, dc.iterations, Wp, Hp, acts, deltas)
    nmf_factorize(l, nb, -1.0, lay, dc.iterations, Wm, Hm, acts, deltas)
    if not dc.rank_sum:
        write_rank_one(l, Wp, Hp, 1.0, lay, cfg, st, scratch.buf, scratch.work)
        write_rank_one(l, Wm, Hm, -1.0, lay, cfg, st, scratch.buf, scratch.work)
        return
    G = layer(st.digital.CHI, lay.off[l], rows, cols)
    for i in range(rows):
        for j in range(cols):
            acc = 0.0
            for r in range(dc.rank):
                acc += Wp[i, r] * Hp[j, r] - Wm[i, r] * Hm[j, r]
            G[i, j] = acc
    write_rounded(l, lay, cfg, st, G)
