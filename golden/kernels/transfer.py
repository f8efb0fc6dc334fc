"""numba kernels of the transfer family: Tiki-Taka v1, TTv2, chopped TTv2, AGAD and
Stochastic Hamiltonian Descent (private; the equations are on the params classes in
:mod:`golden.params.algorithms`).

A is updated with the gradient (chopped for c-TTv2 and AGAD); every ``transfer_every``
updates ``n_reads_per_transfer`` columns of A are read one-hot and moved into C, directly
(TTv1; SHD after subtracting A's zero-shift reference R) or through the digital buffer H
(TTv2, c-TTv2, AGAD).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from golden.kernels.arena import (
    F_MD,
    F_MX,
    S_CNT_A,
    S_CNT_C,
    S_CNT_CHOP,
    S_CNT_IO,
    S_COL,
    S_SWEEP,
    S_UPDATES,
    STREAM_CHOP,
    array_update,
    array_update_column,
    layer,
)
from golden.kernels.tile import analog_mvm
from golden.rng import next_uniform, stream_key

__all__ = [
    "A_AGAD",
    "A_CTTV2",
    "A_FLOAT",
    "A_HD",
    "A_MP",
    "A_NMF",
    "A_PCA",
    "A_SGD",
    "A_TTV1",
    "A_TTV2",
    "add_column_reads",
    "fast_lr_of",
    "reads_per_transfer",
    "transfer_column",
    "transfer_period",
    "transfer_update",
]

# algorithm codes (golden.params.ALGORITHMS order)
A_FLOAT, A_SGD, A_TTV1, A_TTV2, A_CTTV2, A_AGAD, A_MP, A_PCA, A_NMF, A_HD = range(10)


@njit(cache=True)
def _buffer_scale(algo, tc, lr_t, gran_a, gran_c, cols):
    """H increment per unit read value: TTv2 ``lr_t / (thres_scale eps_C)``; c-TTv2 and AGAD
    ``lr_t / (buffer_granularity eps_A)`` (scaled by ``auto_granularity``)."""
    if algo == A_TTV2:
        return lr_t / (tc.thres_scale * gran_c)
    bg = tc.buffer_granularity * gran_a
    if tc.auto_granularity > 0.0:
        bg = bg * tc.auto_granularity / (cols * abs(tc.transfer_every))
    return lr_t / bg


@njit(cache=True)
def _chopper_flip(algo, tc, period, seed, draw, sweep, j):
    """Whether column j's chopper flips after its read: randomly with ``in_chop_prob``,
    or regularly every ``period`` sweeps (always regularly for AGAD)."""
    flip = False
    if tc.in_chop_random and tc.in_chop_prob > 0.0:
        rng = stream_key(seed, STREAM_CHOP, draw, j)
        rng, u = next_uniform(rng)
        flip = u < tc.in_chop_prob
    if (not tc.in_chop_random or algo == A_AGAD) and period > 0.0:
        flip = flip or (sweep % period) + 1 == period
    return flip


@njit(cache=True)
def transfer_column(l, j, lay, cfg, st, lr, buf, work):
    """Read column j of A (one-hot forward through ``io_t``) and move it into C: directly
    (TTv1; SHD minus the reference column ``R[:, j]``) or through the digital buffer H (TTv2,
    c-TTv2, AGAD; see the params classes)."""
    H, M, R, _, _, chop_in, chop_out, flipped = st.digital
    tc, tr, S, seeds = cfg.transfer, cfg.train, st.S, st.seeds
    algo = tr.algo
    rows, cols = lay.shapes[l, 0], lay.shapes[l, 1]
    off, roff, coff = lay.off, lay.roff, lay.coff
    onehot, v, n, vbuf = buf[0, :cols], buf[1, :rows], buf[2, :rows], buf[3, :cols]
    onehot[:] = 0.0
    onehot[j] = 1.0
    A_vis = layer(st.arr_a.visible, off[l], rows, cols)
    analog_mvm(A_vis, onehot, False, cfg.io_t, False, seeds[l, 0], S[l, S_CNT_IO], vbuf, v)
    S[l, S_CNT_IO] += 1
    lr_t = tc.transfer_lr * lr if tc.scale_transfer_lr else tc.transfer_lr
    if algo == A_TTV1:
        for i in range(rows):
            n[i] = -v[i]
        write_lr = lr_t
        any_write = True
    elif algo == A_HD:  # C[:, j] += lr_t (A - R)[:, j]: C moves along the momentum
        Rl = layer(R, off[l], rows, cols)
        for i in range(rows):
            n[i] = Rl[i, j] - v[i]
        write_lr = lr_t
        any_write = True
    else:
        Hl = layer(H, off[l], rows, cols)
        Ml, Rl = Hl, Hl  # AGAD's running mean and reference (allocated for AGAD only)
        if algo == A_AGAD:
            Ml, Rl = layer(M, off[l], rows, cols), layer(R, off[l], rows, cols)
        bl_t = float(cfg.u_t.desired_bl)
        s = _buffer_scale(algo, tc, lr_t, tr.gran_a, tr.gran_c, cols)
        chopped = algo == A_CTTV2 or algo == A_AGAD
        period = max(math.ceil(1.0 / tc.in_chop_prob), 2.0) if tc.in_chop_prob > 0.0 else 0.0
        beta = min(tc.tail_weightening / period, 1.0) if period > 0.0 else 1.0
        cj = coff[l] + j
        if algo == A_AGAD and flipped[cj] != 0.0:
            for i in range(rows):
                Rl[i, j] = Ml[i, j]
            flipped[cj] = 0.0
        any_write = False
        for i in range(rows):
            sign = chop_in[cj] * chop_out[roff[l] + i] if chopped else 1.0
            val = v[i] - Rl[i, j] if algo == A_AGAD else v[i]
            h = (0.0 if tc.no_buffer else Hl[i, j]) + s * sign * val
            k = 0.0
            if abs(h) >= 1.0:
                k = min(max(float(math.trunc(h)), -bl_t), bl_t)
                if tc.forget_buffer:
                    h = tc.momentum * h
                else:
                    h = h - (1.0 - tc.momentum) * k
                    if algo == A_AGAD and tc.buffer_cap > 0.0:
                        cap = tc.buffer_cap * bl_t
                        h = min(max(h, -cap), cap)
            Hl[i, j] = h
            if algo == A_AGAD:
                Ml[i, j] = (1.0 - beta) * Ml[i, j] + beta * v[i]
            n[i] = -k
            any_write = any_write or k != 0.0
        if algo == A_AGAD and S[l, S_SWEEP] <= period:
            any_write = False  # AGAD writes C only after its first chopper period
        write_lr = tc.step * tr.gran_c
        if chopped and _chopper_flip(
            algo, tc, period, seeds[l, 0], S[l, S_CNT_CHOP], S[l, S_SWEEP], j
        ):
            chop_in[cj] = -chop_in[cj]
            flipped[cj] = 1.0
    if any_write:
        array_update_column(
            st.arr_c,
            l,
            lay,
            j,
            n,
            write_lr,
            tr.gran_c,
            cfg.u_t,
            seeds[l, 2],
            S[l, S_CNT_C],
            work,
        )
        S[l, S_CNT_C] += 1
        if st.Wt.shape[0] > 0:  # the column-major copy of C follows (loop.mirror_weights)
            C_vis = layer(st.arr_c.visible, off[l], rows, cols)
            Wt_j = layer(st.Wt, off[l], cols, rows)[j]
            for i in range(rows):
                if n[i] != 0.0:  # only rows with a write can have changed
                    Wt_j[i] = C_vis[i, j]


@njit(cache=True)
def add_column_reads(l, lay, cfg, st, buf):
    """SHD's zero-shift reference of layer l: ``R[:, j] += A e_j``, a one-hot read of every
    column j of A through ``io_t`` (the caller averages several)."""
    rows, cols = lay.shapes[l, 0], lay.shapes[l, 1]
    S, seeds = st.S, st.seeds
    onehot, v, vbuf = buf[0, :cols], buf[1, :rows], buf[3, :cols]
    A_vis = layer(st.arr_a.visible, lay.off[l], rows, cols)
    Rl = layer(st.digital.R, lay.off[l], rows, cols)
    for j in range(cols):
        onehot[:] = 0.0
        onehot[j] = 1.0
        analog_mvm(A_vis, onehot, False, cfg.io_t, False, seeds[l, 0], S[l, S_CNT_IO], vbuf, v)
        S[l, S_CNT_IO] += 1
        for i in range(rows):
            Rl[i, j] += v[i]


@njit(cache=True)
def end_of_sweep(l, rows, roff, tc, chop_out, seeds, S):
    """After the last column of a sweep: row chopper flips, sweep counter."""
    if tc.out_chop_prob > 0.0:
        rng = stream_key(seeds[l, 0], STREAM_CHOP, S[l, S_CNT_CHOP], 1 << 30)
        for i in range(rows):
            rng, u = next_uniform(rng)
            if u < tc.out_chop_prob:
                chop_out[roff[l] + i] = -chop_out[roff[l] + i]
    S[l, S_SWEEP] += 1


@njit(cache=True)
def fast_lr_of(l, x, d, cfg, S, F):
    """Learning rate of A: ``fast_lr`` (times lr if ``scale_fast_lr``) or aihwkit's
    ``auto_scale`` from running means of max|x| and max|d|."""
    tc, tr = cfg.transfer, cfg.train
    lr = tr.lr
    if tc.auto_scale and tc.fast_lr > 0.0:
        mx, md = 0.0, 0.0
        for k in range(x.shape[0]):
            mx = max(mx, abs(x[k]))
        for k in range(d.shape[0]):
            md = max(md, abs(d[k]))
        if S[l, S_UPDATES] == 0:
            F[l, F_MX], F[l, F_MD] = mx, md
        else:
            tau = (1.0 - tc.auto_momentum) / tr.batch_size
            F[l, F_MX] = (1.0 - tau) * F[l, F_MX] + tau * mx
            F[l, F_MD] = (1.0 - tau) * F[l, F_MD] + tau * md
        if F[l, F_MX] <= 0.0 or F[l, F_MD] <= 0.0:
            return 0.0
        lr_a = tc.fast_lr * cfg.u_a.desired_bl * tr.gran_a / (F[l, F_MX] * F[l, F_MD])
        return lr_a * lr if tc.scale_fast_lr else lr_a
    if tc.fast_lr <= 0.0:
        return lr
    return tc.fast_lr * lr if tc.scale_fast_lr else tc.fast_lr


@njit(cache=True)
def transfer_period(tc, batch_size):
    """Per-sample updates between transfers: ``transfer_every`` mini-batches
    (``units_in_mbatch``) or samples, rounded; 0 = never."""
    if tc.units_in_mbatch:
        return int(math.ceil(tc.transfer_every * batch_size))
    return int(np.rint(tc.transfer_every))


@njit(cache=True)
def reads_per_transfer(tc, cols):
    """Columns read per transfer: ``n_reads_per_transfer``; 0 = all ``cols`` (SHD)."""
    return tc.n_reads_per_transfer if tc.n_reads_per_transfer > 0 else cols


@njit(cache=True)
def transfer_update(l, x, d, lay, cfg, st, buf, work):
    """One sample's update of the transfer family: A gets the (chopped) gradient, then, every
    ``transfer_every`` updates, ``n_reads_per_transfer`` columns move into C."""
    tc, tr, S = cfg.transfer, cfg.train, st.S
    rows, cols = lay.shapes[l, 0], lay.shapes[l, 1]
    roff, coff = lay.roff, lay.coff
    chop_in, chop_out = st.digital.chop_in, st.digital.chop_out
    lr_a = fast_lr_of(l, x, d, cfg, S, st.F)
    seed = st.seeds[l, 1]
    if tr.algo == A_CTTV2 or tr.algo == A_AGAD:  # chopped A update
        xc, dc = buf[4, :cols], buf[5, :rows]
        for j in range(cols):
            xc[j] = x[j] * chop_in[coff[l] + j]
        for i in range(rows):
            dc[i] = d[i] * chop_out[roff[l] + i]
        array_update(st.arr_a, l, lay, xc, dc, lr_a, tr.gran_a, cfg.u_a, seed, S[l, S_CNT_A], work)
    else:
        array_update(st.arr_a, l, lay, x, d, lr_a, tr.gran_a, cfg.u_a, seed, S[l, S_CNT_A], work)
    S[l, S_CNT_A] += 1
    S[l, S_UPDATES] += 1
    period = transfer_period(tc, tr.batch_size)
    if period <= 0 or S[l, S_UPDATES] % period != 0:
        return
    for _ in range(reads_per_transfer(tc, cols)):
        j = S[l, S_COL]
        transfer_column(l, j, lay, cfg, st, tr.lr, buf, work)
        S[l, S_CNT_CHOP] += 1
        S[l, S_COL] = (j + 1) % cols
        if S[l, S_COL] == 0:
            end_of_sweep(l, rows, roff, tc, chop_out, st.seeds, S)
