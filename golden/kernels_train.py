"""numba kernels of a whole training run (private; see :mod:`golden.network`, :mod:`golden.train`).

The per-sample loop — analog forward, softmax cross-entropy, analog backward and each
algorithm's update and transfer — runs here, with no Python per sample.

Layers live in flat "arena" arrays: layer l is a ``rows x cols`` array (``cols`` includes the
bias input when the bias is analog) stored at ``off[l] : off[l] + rows*cols``; per-device
parameters at six times that offset; per-row and per-column vectors at ``roff[l]`` and
``coff[l]``; activations at ``aoff[l]``. Algorithm parameters arrive in the vector ``T``
(entries ``T_*``), integer state in ``S[l, S_*]`` and float state in ``F[l, F_*]``; all of
it is saved by checkpoints.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from golden.kernels_device import apply_pulse_counts
from golden.kernels_pulses import U_DESIRED_BL, pulsed_update
from golden.kernels_tile import analog_mvm
from golden.rng import next_uniform, stream_key

# algorithm codes (golden.params.ALGORITHMS order)
A_FLOAT, A_SGD, A_TTV1, A_TTV2, A_CTTV2, A_AGAD, A_MP, A_PCA, A_NMF = range(9)
# activation codes (golden.params.ACTIVATIONS order)
ACT_SIGMOID, ACT_TANH, ACT_RELU = range(3)

#: entries of the algorithm/training vector T (filled by golden.network.train_vector)
T_FIELDS = (
    "algo", "lr", "batch_size", "activation", "gamma", "transfer_every", "units_in_mbatch",
    "n_reads_per_transfer", "fast_lr", "scale_fast_lr", "transfer_lr", "scale_transfer_lr",
    "thres_scale", "step", "momentum", "forget_buffer", "in_chop_prob", "in_chop_random",
    "out_chop_prob", "buffer_granularity", "auto_granularity", "no_buffer", "auto_scale",
    "auto_momentum", "tail_weightening", "buffer_cap", "mp_transfer_every",
    "n_rows_per_transfer", "mp_granularity", "n_x_bins", "n_d_bins", "stoc_round_x",
    "stoc_round_d", "gran_a", "gran_c", "average_every", "rank", "rank_sum", "stoc_round",
    "iterations",
)  # fmt: skip
(T_ALGO, T_LR, T_BATCH, T_ACT, T_GAMMA, T_EVERY, T_MBATCH, T_NREADS, T_FAST_LR, T_SCALE_FAST,
 T_TLR, T_SCALE_TLR, T_THRES, T_STEP, T_MOMENTUM, T_FORGET, T_CHOP_P, T_CHOP_RANDOM,
 T_OUT_CHOP_P, T_BUF_GRAN, T_AUTO_GRAN, T_NO_BUFFER, T_AUTO_SCALE, T_AUTO_MOM, T_TAIL,
 T_BUF_CAP, T_MP_EVERY, T_MP_ROWS, T_MP_GRAN, T_NX_BINS, T_ND_BINS, T_STO_X, T_STO_D,
 T_GRAN_A, T_GRAN_C, T_AVG_EVERY, T_RANK, T_RANK_SUM,
 T_STO_ROUND, T_ITERATIONS) = range(len(T_FIELDS))  # fmt: skip

# integer state per layer
S_CNT_A, S_CNT_C, S_CNT_IO, S_UPDATES, S_COL, S_SWEEP, S_CNT_CHOP, S_ROW, S_CNT_MP = range(9)
N_S = 9
# float state per layer
F_MX, F_MD = range(2)
N_F = 2

STREAM_CHOP = 7
STREAM_MP = 8
STREAM_SR = 9
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


@njit(cache=True)
def layer(arr, off, rows, cols):
    return arr[off : off + rows * cols].reshape(rows, cols)


@njit(cache=True)
def layer_p(arr, off, rows, cols):
    return arr[6 * off : 6 * (off + rows * cols)].reshape(6, rows, cols)


@njit(cache=True)
def forward_sample(
    x, W, bias, shapes, off, roff, aoff, T, IO, seeds, counters, counter_stride, acts, vbuf
):
    """Forward pass of one sample into ``acts`` (each layer's input followed by a bias input
    1, then the logits). An analog bias is the array's last column (its input is the 1);
    a digital bias (``bias`` not empty, aihwkit's ``digital_bias``) is added after the MVM.
    Layer l's MVM uses noise counter ``counters[l]``, advanced by ``counter_stride`` (0 for
    evaluation, where counters are per sample)."""
    n_layers = shapes.shape[0]
    act = int(T[T_ACT])
    acts[aoff[0] : aoff[0] + x.shape[0]] = x
    acts[aoff[0] + x.shape[0]] = 1.0
    for l in range(n_layers):
        rows, cols = shapes[l, 0], shapes[l, 1]
        Wl = layer(W, off[l], rows, cols)
        a_in = acts[aoff[l] : aoff[l] + cols]
        out = acts[aoff[l + 1] : aoff[l + 1] + rows]
        analog_mvm(Wl, a_in, False, IO, True, seeds[l], counters[l], vbuf[:cols], out)
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
def backward_sample(W, shapes, off, aoff, doff, T, IO, seeds, S, acts, deltas, vbuf, gbuf):
    """Backward pass: deltas of every layer from the output delta (already in ``deltas``)."""
    act = int(T[T_ACT])
    for l in range(shapes.shape[0] - 1, 0, -1):
        rows, cols = shapes[l, 0], shapes[l, 1]
        Wl = layer(W, off[l], rows, cols)
        d = deltas[doff[l] : doff[l] + rows]
        g = gbuf[:cols]
        analog_mvm(Wl, d, True, IO, False, seeds[l], S[l, S_CNT_IO], vbuf[:rows], g)
        S[l, S_CNT_IO] += 1
        n_in = shapes[l - 1, 0]
        prev = deltas[doff[l - 1] : doff[l - 1] + n_in]
        a = acts[aoff[l] : aoff[l] + n_in]
        for k in range(n_in):
            prev[k] = g[k] * activate_grad(a[k], act)


@njit(cache=True)
def _quantize_bins(v, n_bins, stochastic, seed, counter, out):
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
def array_update(arr, l, shapes, off, roff, coff, x, d, lr, gran, U, seed, counter, work):
    """Pulsed rank-1 update of layer l of a device array ``arr`` = (model, P, G, hidden,
    visible, lfsr_x, lfsr_d, lfsr_mask); ``work`` = the pulsed update's work arrays."""
    model, P, G, hid, vis, lfsr_x, lfsr_d, mask = arr
    bits, neg, codes, slot_idx, slot_cnt = work
    rows, cols = shapes[l, 0], shapes[l, 1]
    return pulsed_update(
        x,
        d,
        lr,
        gran,
        U,
        model,
        layer_p(P, off[l], rows, cols),
        G,
        layer(hid, off[l], rows, cols),
        layer(vis, off[l], rows, cols),
        seed,
        counter,
        lfsr_x[coff[l] : coff[l] + cols],
        lfsr_d[roff[l] : roff[l] + rows],
        mask,
        bits,
        neg,
        codes,
        slot_idx,
        slot_cnt,
    )


@njit(cache=True)
def transfer_column(
    l, j, shapes, off, roff, coff, T, IO_T, U_T, arr_a, arr_c, digital, seeds, S, lr, buf, work
):
    """Read column j of A (one-hot forward through ``IO_T``) and move it into C: directly
    (TTv1) or through the digital buffer H (TTv2, c-TTv2, AGAD; see the params classes)."""
    H, M, R, _, _, chop_in, chop_out, flipped = digital
    algo = int(T[T_ALGO])
    rows, cols = shapes[l, 0], shapes[l, 1]
    onehot, v, n, vbuf = buf[0, :cols], buf[1, :rows], buf[2, :rows], buf[3, :cols]
    onehot[:] = 0.0
    onehot[j] = 1.0
    A_vis = layer(arr_a[4], off[l], rows, cols)
    analog_mvm(A_vis, onehot, False, IO_T, False, seeds[l, 0], S[l, S_CNT_IO], vbuf, v)
    S[l, S_CNT_IO] += 1
    lr_t = T[T_TLR] * lr if T[T_SCALE_TLR] != 0.0 else T[T_TLR]
    if algo == A_TTV1:
        for i in range(rows):
            n[i] = -v[i]
        write_lr = lr_t
        any_write = True
    else:
        Hl = layer(H, off[l], rows, cols)
        Ml, Rl = Hl, Hl  # AGAD's running mean and reference (allocated for AGAD only)
        if algo == A_AGAD:
            Ml, Rl = layer(M, off[l], rows, cols), layer(R, off[l], rows, cols)
        bl_t = U_T[U_DESIRED_BL]
        if algo == A_TTV2:
            s = lr_t / (T[T_THRES] * T[T_GRAN_C])
        else:
            bg = T[T_BUF_GRAN] * T[T_GRAN_A]
            if T[T_AUTO_GRAN] > 0.0:
                bg = bg * T[T_AUTO_GRAN] / (cols * abs(T[T_EVERY]))
            s = lr_t / bg
        chopped = algo == A_CTTV2 or algo == A_AGAD
        period = max(math.ceil(1.0 / T[T_CHOP_P]), 2.0) if T[T_CHOP_P] > 0.0 else 0.0
        beta = min(T[T_TAIL] / period, 1.0) if period > 0.0 else 1.0
        cj = coff[l] + j
        if algo == A_AGAD and flipped[cj] != 0.0:
            for i in range(rows):
                Rl[i, j] = Ml[i, j]
            flipped[cj] = 0.0
        any_write = False
        for i in range(rows):
            sign = chop_in[cj] * chop_out[roff[l] + i] if chopped else 1.0
            val = v[i] - Rl[i, j] if algo == A_AGAD else v[i]
            h = (0.0 if T[T_NO_BUFFER] != 0.0 else Hl[i, j]) + s * sign * val
            k = 0.0
            if abs(h) >= 1.0:
                k = min(max(float(math.trunc(h)), -bl_t), bl_t)
                if T[T_FORGET] != 0.0:
                    h = T[T_MOMENTUM] * h
                else:
                    h = h - (1.0 - T[T_MOMENTUM]) * k
                    if algo == A_AGAD and T[T_BUF_CAP] > 0.0:
                        cap = T[T_BUF_CAP] * bl_t
                        h = min(max(h, -cap), cap)
            Hl[i, j] = h
            if algo == A_AGAD:
                Ml[i, j] = (1.0 - beta) * Ml[i, j] + beta * v[i]
            n[i] = -k
            any_write = any_write or k != 0.0
        if algo == A_AGAD and S[l, S_SWEEP] <= period:
            any_write = False  # AGAD writes C only after its first chopper period
        write_lr = T[T_STEP] * T[T_GRAN_C]
        if chopped:  # the column's chopper may flip after its read
            flip = False
            if T[T_CHOP_RANDOM] != 0.0 and T[T_CHOP_P] > 0.0:
                rng = stream_key(seeds[l, 0], STREAM_CHOP, S[l, S_CNT_CHOP], j)
                rng, u = next_uniform(rng)
                flip = u < T[T_CHOP_P]
            if (T[T_CHOP_RANDOM] == 0.0 or algo == A_AGAD) and period > 0.0:
                flip = flip or (S[l, S_SWEEP] % period) + 1 == period
            if flip:
                chop_in[cj] = -chop_in[cj]
                flipped[cj] = 1.0
    if any_write:
        array_update(
            arr_c,
            l,
            shapes,
            off,
            roff,
            coff,
            onehot,
            n,
            write_lr,
            T[T_GRAN_C],
            U_T,
            seeds[l, 2],
            S[l, S_CNT_C],
            work,
        )
        S[l, S_CNT_C] += 1


@njit(cache=True)
def end_of_sweep(l, rows, roff, T, chop_out, seeds, S):
    """After the last column of a sweep: row chopper flips, sweep counter."""
    if T[T_OUT_CHOP_P] > 0.0:
        rng = stream_key(seeds[l, 0], STREAM_CHOP, S[l, S_CNT_CHOP], 1 << 30)
        for i in range(rows):
            rng, u = next_uniform(rng)
            if u < T[T_OUT_CHOP_P]:
                chop_out[roff[l] + i] = -chop_out[roff[l] + i]
    S[l, S_SWEEP] += 1


@njit(cache=True)
def fast_lr_of(l, x, d, T, U_A, S, F, lr):
    """Learning rate of A (or of the single array): fast_lr, auto_scale (aihwkit)."""
    algo = int(T[T_ALGO])
    if algo == A_SGD or algo == A_MP:
        return lr
    if T[T_AUTO_SCALE] != 0.0 and T[T_FAST_LR] > 0.0:
        mx, md = 0.0, 0.0
        for k in range(x.shape[0]):
            mx = max(mx, abs(x[k]))
        for k in range(d.shape[0]):
            md = max(md, abs(d[k]))
        if S[l, S_UPDATES] == 0:
            F[l, F_MX], F[l, F_MD] = mx, md
        else:
            tau = (1.0 - T[T_AUTO_MOM]) / T[T_BATCH]
            F[l, F_MX] = (1.0 - tau) * F[l, F_MX] + tau * mx
            F[l, F_MD] = (1.0 - tau) * F[l, F_MD] + tau * md
        if F[l, F_MX] <= 0.0 or F[l, F_MD] <= 0.0:
            return 0.0
        lr_a = T[T_FAST_LR] * U_A[U_DESIRED_BL] * T[T_GRAN_A] / (F[l, F_MX] * F[l, F_MD])
        return lr_a * lr if T[T_SCALE_FAST] != 0.0 else lr_a
    if T[T_FAST_LR] <= 0.0:
        return lr
    return T[T_FAST_LR] * lr if T[T_SCALE_FAST] != 0.0 else T[T_FAST_LR]


@njit(cache=True)
def update_layer(
    l,
    x,
    d,
    shapes,
    off,
    roff,
    coff,
    T,
    IO_T,
    U_A,
    U_T,
    arr_a,
    arr_c,
    W_float,
    bias,
    digital,
    seeds,
    S,
    F,
    buf,
    work,
):
    """Every algorithm's per-sample update of layer l (x with its bias input, d the delta).
    ``digital`` = (H, M, R, CHI, DEC, chop_in, chop_out, flipped), the digital state."""
    H, M, R, CHI, DEC, chop_in, chop_out, flipped = digital
    algo = int(T[T_ALGO])
    rows, cols = shapes[l, 0], shapes[l, 1]
    lr = T[T_LR]
    if bias.shape[0] > 0:  # a digital bias learns by plain SGD (aihwkit: the torch optimizer)
        for i in range(rows):
            bias[roff[l] + i] -= lr * d[i]
    if algo == A_FLOAT:
        Wl = layer(W_float, off[l], rows, cols)
        for i in range(rows):
            g = lr * d[i]
            if g != 0.0:
                for j in range(cols):
                    Wl[i, j] -= g * x[j]
        return
    if algo == A_PCA:
        pca_accumulate(l, x, d, shapes, off, roff, coff, T, DEC, CHI)
        return
    if algo == A_NMF:  # streamed from the stored batch at its end (nmf_write)
        return
    if algo == A_MP:
        mp_update(l, x, d, shapes, off, roff, coff, T, U_A, arr_c, CHI, seeds, S, buf, work)
        return
    lr_a = fast_lr_of(l, x, d, T, U_A, S, F, lr)
    if algo == A_SGD:
        array_update(
            arr_c,
            l,
            shapes,
            off,
            roff,
            coff,
            x,
            d,
            lr_a,
            T[T_GRAN_C],
            U_A,
            seeds[l, 2],
            S[l, S_CNT_C],
            work,
        )
        S[l, S_CNT_C] += 1
        S[l, S_UPDATES] += 1
        return
    if algo == A_CTTV2 or algo == A_AGAD:  # chopped A update
        xc, dc = buf[4, :cols], buf[5, :rows]
        for j in range(cols):
            xc[j] = x[j] * chop_in[coff[l] + j]
        for i in range(rows):
            dc[i] = d[i] * chop_out[roff[l] + i]
        array_update(
            arr_a,
            l,
            shapes,
            off,
            roff,
            coff,
            xc,
            dc,
            lr_a,
            T[T_GRAN_A],
            U_A,
            seeds[l, 1],
            S[l, S_CNT_A],
            work,
        )
    else:
        array_update(
            arr_a,
            l,
            shapes,
            off,
            roff,
            coff,
            x,
            d,
            lr_a,
            T[T_GRAN_A],
            U_A,
            seeds[l, 1],
            S[l, S_CNT_A],
            work,
        )
    S[l, S_CNT_A] += 1
    S[l, S_UPDATES] += 1
    every = T[T_EVERY]
    if T[T_MBATCH] != 0.0:
        period = int(math.ceil(every * T[T_BATCH]))
    else:
        period = int(np.rint(every))
    if period <= 0 or S[l, S_UPDATES] % period != 0:
        return
    for _ in range(int(T[T_NREADS])):
        j = S[l, S_COL]
        transfer_column(l, j, shapes, off, roff, coff, T, IO_T, U_T, arr_a, arr_c, digital,
                        seeds, S, lr, buf, work)  # fmt: skip
        S[l, S_CNT_CHOP] += 1
        S[l, S_COL] = (j + 1) % cols
        if S[l, S_COL] == 0:
            end_of_sweep(l, rows, roff, T, chop_out, seeds, S)


@njit(cache=True)
def mp_update(l, x, d, shapes, off, roff, coff, T, U_A, arr_c, CHI, seeds, S, buf, work):
    """Mixed precision: digital chi += lr d x^T; every transfer_every mini-batches, rows get
    n = trunc(chi / eps) pulses and keep the remainder."""
    rows, cols = shapes[l, 0], shapes[l, 1]
    lr = T[T_LR]
    xq, dq = buf[4, :cols], buf[5, :rows]
    cnt = S[l, S_CNT_MP]
    _quantize_bins(x, int(T[T_NX_BINS]), T[T_STO_X] != 0.0, seeds[l, 0], 2 * cnt, xq)
    _quantize_bins(d, int(T[T_ND_BINS]), T[T_STO_D] != 0.0, seeds[l, 0], 2 * cnt + 1, dq)
    S[l, S_CNT_MP] += 1
    chi = layer(CHI, off[l], rows, cols)
    for i in range(rows):
        g = lr * dq[i]
        if g != 0.0:
            for j in range(cols):
                chi[i, j] += g * xq[j]
    S[l, S_UPDATES] += 1
    if S[l, S_UPDATES] % int(T[T_MP_EVERY] * T[T_BATCH]) != 0:
        return
    eps = T[T_MP_GRAN] if T[T_MP_GRAN] > 0.0 else T[T_GRAN_C]
    n_rows = rows if T[T_MP_ROWS] < 0 else min(int(T[T_MP_ROWS]), rows)
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
                arr_c,
                l,
                shapes,
                off,
                roff,
                coff,
                n,
                onehot,
                eps * T[T_TLR],
                T[T_GRAN_C],
                U_A,
                seeds[l, 2],
                S[l, S_CNT_C],
                work,
            )
            S[l, S_CNT_C] += 1


@njit(cache=True)
def dec_views(DEC, l, k, shapes, roff, coff):
    """Layer l's gradient factors in ``DEC``: P = G Q (rows x k), the left basis U
    (rows x k), the right basis Q (cols x k) and the accumulator A = G^T U (cols x k)."""
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
def pca_accumulate(l, x, d, shapes, off, roff, coff, T, DEC, CHI):
    """First pass over a mini-batch, one sample: P += d (Q^T x), i.e. P = G Q with the right
    basis Q of the previous batch; with rank 0 the full batch gradient G += d x^T."""
    rows, cols = shapes[l, 0], shapes[l, 1]
    k = int(T[T_RANK])
    if k == 0:
        G = layer(CHI, off[l], rows, cols)
        for i in range(rows):
            if d[i] != 0.0:
                for j in range(cols):
                    G[i, j] += d[i] * x[j]
        return
    P, U, Q, A = dec_views(DEC, l, k, shapes, roff, coff)
    for r in range(k):
        qx = 0.0
        for j in range(cols):
            qx += Q[j, r] * x[j]
        for i in range(rows):
            P[i, r] += d[i] * qx


@njit(cache=True)
def write_rank_one(l, Lf, Rf, sign, shapes, off, roff, coff, T, U_A, arr_c, seeds, S, buf,
                   work):  # fmt: skip
    """Rank-seq transfer: ``W <- W - lr sign Lf Rf^T`` as one pulsed rank-1 update per factor
    column r (d = sign Lf[:, r] on the rows, x = Rf[:, r] on the columns), inside the array."""
    rows, cols = shapes[l, 0], shapes[l, 1]
    x, d = buf[4, :cols], buf[5, :rows]
    for r in range(Lf.shape[1]):
        x[:] = Rf[:, r]
        for i in range(rows):
            d[i] = sign * Lf[i, r]
        array_update(arr_c, l, shapes, off, roff, coff, x, d, T[T_LR], T[T_GRAN_C], U_A,
                     seeds[l, 2], S[l, S_CNT_C], work)  # fmt: skip
        S[l, S_CNT_C] += 1


@njit(cache=True)
def write_rounded(l, shapes, off, T, arr_c, G, seeds, S):
    """Write ``-lr G`` cell by cell as ``n = floor(v) + Bernoulli(v - floor(v))`` pulses,
    ``v = -lr G / dw_min`` (nearest integer without stoc_round); clears G."""
    rows, cols = shapes[l, 0], shapes[l, 1]
    counts = np.empty((rows, cols), dtype=np.int64)
    rng = stream_key(seeds[l, 0], STREAM_SR, S[l, S_CNT_C], 0)
    for i in range(rows):
        for j in range(cols):
            v = -T[T_LR] * G[i, j] / T[T_GRAN_C]
            n = math.floor(v)
            if T[T_STO_ROUND] != 0.0:
                rng, u = next_uniform(rng)
                if u < v - n:
                    n += 1
            else:
                n = np.rint(v)
            counts[i, j] = int(n)
            G[i, j] = 0.0
    model, Pdev, Gdev, hid, vis, _, _, _ = arr_c
    apply_pulse_counts(model, layer_p(Pdev, off[l], rows, cols), Gdev,
                       layer(hid, off[l], rows, cols), layer(vis, off[l], rows, cols), counts,
                       seeds[l, 2], S[l, S_CNT_C])  # fmt: skip
    S[l, S_CNT_C] += 1


@njit(cache=True)
def pca_write(
    l,
    nb,
    shapes,
    off,
    roff,
    coff,
    aoff,
    doff,
    T,
    U_A,
    arr_c,
    DEC,
    CHI,
    seeds,
    S,
    acts,
    deltas,
    buf,
    work,
):
    """End of a mini-batch: one power iteration, ``U = orth(P)``, then a second pass over the
    batch ``A = G^T U``, so that ``G ~ U A^T`` (the projection of G on span U); write
    ``-lr U A^T`` into the array and keep ``Q = orth(A)`` for the next batch."""
    rows, cols = shapes[l, 0], shapes[l, 1]
    k = int(T[T_RANK])
    if k > 0:
        P, U, Q, A = dec_views(DEC, l, k, shapes, roff, coff)
        U[:, :] = P
        orthonormalize(U)
        A[:, :] = 0.0
        for b in range(nb):
            x = acts[b, aoff[l] : aoff[l] + cols]
            d = deltas[b, doff[l] : doff[l] + rows]
            for r in range(k):
                ud = 0.0
                for i in range(rows):
                    ud += U[i, r] * d[i]
                ud /= nb
                for j in range(cols):
                    A[j, r] += x[j] * ud
    if k > 0 and T[T_RANK_SUM] == 0.0:  # rank-seq: k rank-1 pulsed updates in the array
        write_rank_one(l, U, A, 1.0, shapes, off, roff, coff, T, U_A, arr_c, seeds, S, buf, work)
    else:  # rank-sum: rebuild dW outside the array, write each cell's stochastic-rounded count
        G = layer(CHI, off[l], rows, cols)
        if k > 0:
            for i in range(rows):
                for j in range(cols):
                    acc = 0.0
                    for r in range(k):
                        acc += U[i, r] * A[j, r]
                    G[i, j] = acc
        write_rounded(l, shapes, off, T, arr_c, G, seeds, S)
    if k > 0:
        Q[:, :] = A
        orthonormalize(Q)
        P[:, :] = 0.0


@njit(cache=True)
def nmf_factorize(l, nb, sign, shapes, aoff, doff, T, Wf, Hf, acts, deltas, buf):
    """Multiplicative updates (Lee & Seung) of ``G_s ~ Wf Hf^T`` for the non-negative part
    ``G_s = sum_b max(s d_b, 0) x_b^T / nb`` (s = +1 or -1), streamed from the batch."""
    rows, cols = shapes[l, 0], shapes[l, 1]
    k = Wf.shape[1]
    GH = np.empty((rows, k))
    GtW = np.empty((cols, k))
    tiny = 1e-30
    for _ in range(int(T[T_ITERATIONS])):
        GH[:, :] = 0.0
        for b in range(nb):
            x = acts[b, aoff[l] : aoff[l] + cols]
            for r in range(k):
                hx = 0.0
                for j in range(cols):
                    hx += Hf[j, r] * x[j]
                hx /= nb
                for i in range(rows):
                    dv = sign * deltas[b, doff[l] + i]
                    if dv > 0.0:
                        GH[i, r] += dv * hx
        HtH = Hf.T @ Hf
        for i in range(rows):
            for r in range(k):
                den = 0.0
                for q in range(k):
                    den += Wf[i, q] * HtH[q, r]
                Wf[i, r] *= GH[i, r] / (den + tiny)
        GtW[:, :] = 0.0
        for b in range(nb):
            x = acts[b, aoff[l] : aoff[l] + cols]
            for r in range(k):
                wd = 0.0
                for i in range(rows):
                    dv = sign * deltas[b, doff[l] + i]
                    if dv > 0.0:
                        wd += Wf[i, r] * dv
                wd /= nb
                for j in range(cols):
                    GtW[j, r] += x[j] * wd
        WtW = Wf.T @ Wf
        for j in range(cols):
            for r in range(k):
                den = 0.0
                for q in range(k):
                    den += Hf[j, q] * WtW[q, r]
                Hf[j, r] *= GtW[j, r] / (den + tiny)
        for i in range(rows):  # keep factors strictly positive so they can grow again
            for r in range(k):
                Wf[i, r] = max(Wf[i, r], 1e-12)
        for j in range(cols):
            for r in range(k):
                Hf[j, r] = max(Hf[j, r], 1e-12)


@njit(cache=True)
def nmf_write(
    l,
    nb,
    shapes,
    off,
    roff,
    coff,
    aoff,
    doff,
    T,
    U_A,
    arr_c,
    DEC,
    CHI,
    seeds,
    S,
    acts,
    deltas,
    buf,
    work,
):
    """End of a mini-batch for NMF: factorise G+ and G-, then write ``-lr (W+ H+^T - W- H-^T)``
    as 2k single-signed rank-1 pulsed updates (seq) or rebuilt and rounded (sum)."""
    rows, cols = shapes[l, 0], shapes[l, 1]
    k = int(T[T_RANK])
    Wp, Wm, Hp, Hm = dec_views(DEC, l, k, shapes, roff, coff)
    nmf_factorize(l, nb, 1.0, shapes, aoff, doff, T, Wp, Hp, acts, deltas, buf)
    nmf_factorize(l, nb, -1.0, shapes, aoff, doff, T, Wm, Hm, acts, deltas, buf)
    if T[T_RANK_SUM] == 0.0:
        write_rank_one(l, Wp, Hp, 1.0, shapes, off, roff, coff, T, U_A, arr_c, seeds, S, buf,
                       work)  # fmt: skip
        write_rank_one(l, Wm, Hm, -1.0, shapes, off, roff, coff, T, U_A, arr_c, seeds, S, buf,
                       work)  # fmt: skip
        return
    G = layer(CHI, off[l], rows, cols)
    for i in range(rows):
        for j in range(cols):
            acc = 0.0
            for r in range(k):
                acc += Wp[i, r] * Hp[j, r] - Wm[i, r] * Hm[j, r]
            G[i, j] = acc
    write_rounded(l, shapes, off, T, arr_c, G, seeds, S)


@njit(cache=True)
def visible_weights(T, arr_a, arr_c, W_float, weff, n_total):
    """The weights the forward/backward passes use: float W, C, or gamma A + C."""
    algo = int(T[T_ALGO])
    if algo == A_FLOAT:
        return W_float
    if T[T_GAMMA] > 0.0:
        g = T[T_GAMMA]
        A, C = arr_a[4], arr_c[4]
        for k in range(n_total):
            weff[k] = g * A[k] + C[k]
        return weff
    return arr_c[4]


@njit(cache=True)
def train_batches(
    X,
    Y,
    order,
    start,
    stop,
    shapes,
    off,
    roff,
    coff,
    aoff,
    doff,
    T,
    IO_F,
    IO_B,
    IO_T,
    U_A,
    U_T,
    arr_a,
    arr_c,
    W_float,
    weff,
    bias,
    digital,
    W_avg,
    seeds,
    S,
    F,
    acts,
    deltas,
    buf,
    work,
    stats,
    step0,
    avg_start,
):
    """Train on ``order[start:stop]`` (whole mini-batches); ``digital`` is the tuple
    (H, M, R, CHI, DEC, chop_in, chop_out, flipped). Each mini-batch: forward and
    backward of every sample with the weights of the batch start, then the per-sample
    updates in order with ``d / batch`` (mean loss; aihwkit's semantics). Adds
    (loss sum, correct, averaged iterates) into ``stats``. ``step0`` is the global index of
    the first mini-batch; from global mini-batch ``avg_start`` on, every ``average_every``-th
    weight iterate is added into ``W_avg`` (model averaging)."""
    B = int(T[T_BATCH])
    CHI, DEC = digital[3], digital[4]
    n_layers = shapes.shape[0]
    n_total = off[n_layers]
    avg_every = int(T[T_AVG_EVERY])
    io_counters = np.empty(n_layers, dtype=np.int64)
    for b0 in range(start, stop, B):
        nb = min(B, stop - b0)
        W = visible_weights(T, arr_a, arr_c, W_float, weff, n_total)
        for b in range(nb):
            s = order[b0 + b]
            for l in range(n_layers):
                io_counters[l] = S[l, S_CNT_IO]
            forward_sample(
                X[s],
                W,
                bias,
                shapes,
                off,
                roff,
                aoff,
                T,
                IO_F,
                seeds[:, 0],
                io_counters,
                1,
                acts[b],
                buf[3],
            )
            for l in range(n_layers):
                S[l, S_CNT_IO] = io_counters[l]
            L = n_layers - 1
            logits = acts[b, aoff[L + 1] : aoff[L + 1] + shapes[L, 0]]
            loss, ok = softmax_xent(logits, Y[s], deltas[b, doff[L] : doff[L] + shapes[L, 0]])
            stats[0] += loss
            stats[1] += 1.0 if ok else 0.0
            backward_sample(
                W,
                shapes,
                off,
                aoff,
                doff,
                T,
                IO_B,
                seeds[:, 0],
                S,
                acts[b],
                deltas[b],
                buf[3],
                buf[2],
            )
        for b in range(nb):
            for l in range(n_layers):
                rows, cols = shapes[l, 0], shapes[l, 1]
                x = acts[b, aoff[l] : aoff[l] + cols]
                d = buf[6, :rows]
                for i in range(rows):
                    d[i] = deltas[b, doff[l] + i] / nb
                update_layer(l, x, d, shapes, off, roff, coff, T, IO_T, U_A, U_T, arr_a, arr_c,
                             W_float, bias, digital, seeds, S, F, buf, work)  # fmt: skip
        if int(T[T_ALGO]) == A_PCA:  # the mini-batch's decomposed gradient goes to the array
            for l in range(n_layers):
                pca_write(l, nb, shapes, off, roff, coff, aoff, doff, T, U_A, arr_c, DEC, CHI,
                          seeds, S, acts, deltas, buf, work)  # fmt: skip
        elif int(T[T_ALGO]) == A_NMF:
            for l in range(n_layers):
                nmf_write(l, nb, shapes, off, roff, coff, aoff, doff, T, U_A, arr_c, DEC, CHI,
                          seeds, S, acts, deltas, buf, work)  # fmt: skip
        step = step0 + (b0 - start) // B
        if W_avg.shape[0] > 0 and step >= avg_start and (step - avg_start) % avg_every == 0:
            Wn = visible_weights(T, arr_a, arr_c, W_float, weff, n_total)
            for k in range(n_total):
                W_avg[k] += Wn[k]
            stats[2] += 1.0


@njit(cache=True, parallel=True)
def evaluate(X, Y, W, bias, shapes, off, roff, aoff, T, IO_F, seeds, counter_base, preds):
    """Test accuracy with the analog forward pass; samples in parallel, sample k's noise keyed
    by counter ``counter_base + k``. Writes predictions; returns the number correct."""
    n = X.shape[0]
    n_layers = shapes.shape[0]
    width = aoff[n_layers + 1]
    correct = 0
    for s in prange(n):
        acts = np.empty(width)
        vbuf = np.empty(acts.shape[0])
        counters = np.full(n_layers, counter_base + s, dtype=np.int64)
        forward_sample(
            X[s], W, bias, shapes, off, roff, aoff, T, IO_F, seeds[:, 0], counters, 0, acts, vbuf
        )
        L = n_layers - 1
        logits = acts[aoff[L + 1] : aoff[L + 1] + shapes[L, 0]]
        preds[s] = np.argmax(logits)
        if preds[s] == Y[s]:
            correct += 1
    return correct
