"""numba kernels of mixed precision (aihwkit ``MixedPrecisionCompound``, Nandakumar 2020;
private; the equations are on :class:`golden.params.MixedPrecisionParams`)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from golden.kernels.arena import (
    S_CNT_C,
    S_CNT_MP,
    S_ROW,
    S_UPDATES,
    STREAM_MP,
    array_update,
    layer,
)
from golden.rng import next_uniform, stream_key

__all__ = ["mp_update", "quantize_bins"]


@njit(cache=True)
def quantize_bins(v, n_bins, stochastic, seed, counter, out):
    """Mixed precision's input quantisation: abs-max bins with (stochastic) rounding."""
    half = n_bins // 2
    m = 0.0
    for k in range(v.shape[0]):
        m = max(m, abs(v[k]))
    if n_bins <= 0 or half == 0 or m == 0.0:
        out[:] = v
        return
    width = m / half
    rng = stream_key(seed, STREAM_MP, counter, 0)
    for k in range(v.shape[0]):
        q = v[k] / width
        if stochastic:
            rng, u = next_uniform(rng)
            q += u - 0.5
        out[k] = min(max(np.rint(q), -half), half) * width


@njit(cache=True)
def mp_update(l, x, d, lay, cfg, st, buf, work):
    """Mixed precision: digital chi += lr d x^T; every transfer_every mini-batches, rows get
    n = trunc(chi / eps) pulses and keep the remainder."""
    mc, tr, S, seeds = cfg.mp, cfg.train, st.S, st.seeds
    rows, cols = lay.shapes[l, 0], lay.shapes[l, 1]
    lr = tr.lr
    xq, dq = buf[4, :cols], buf[5, :rows]
    cnt = S[l, S_CNT_MP]
    quantize_bins(x, mc.n_x_bins, mc.stoc_round_x, seeds[l, 0], 2 * cnt, xq)
    quantize_bins(d, mc.n_d_bins, mc.stoc_round_d, seeds[l, 0], 2 * cnt + 1, dq)
    S[l, S_CNT_MP] += 1
    chi = layer(st.digital.CHI, lay.off[l], rows, cols)
    for i in range(rows):
        g = lr * dq[i]
        if g != 0.0:
            for j in range(cols):
                chi[i, j] += g * xq[j]
    S[l, S_UPDATES] += 1
    if S[l, S_UPDATES] % (mc.transfer_every * tr.batch_size) != 0:
        return
    eps = mc.granularity if mc.granularity > 0.0 else tr.gran_c
    n_rows = rows if mc.n_rows_per_transfer < 0 else min(mc.n_rows_per_transfer, rows)
    n, onehot = buf[0, :cols], buf[1, :rows]
    for _ in range(n_rows):
        i = S[l, S_ROW]
        S[l, S_ROW] = (i + 1) % rows
        nz = False
        for j in range(cols):
            k = float(math.trunc(chi[i, j] / eps))
            chi[i, j] -= k * eps
            n[j] = k
            nz = nz or k != 0.0
        if nz:
            onehot[:] = 0.0
            onehot[i] = 1.0
            array_update(
                st.arr_c,
                l,
                lay,
                n,
                onehot,
                eps * mc.transfer_lr,
                tr.gran_c,
                cfg.u_a,
                seeds[l, 2],
                S[l, S_CNT_C],
                work,
            )
            S[l, S_CNT_C] += 1
