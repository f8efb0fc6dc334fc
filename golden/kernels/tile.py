"""numba kernels of the analog MVM with IO non-idealities (private; see :mod:`golden.tile`).

The IO parameters enter as an :class:`~golden.kernels.records.IOConfig` record ``io``.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from golden.encoding import BoundManagement, NoiseManagement
from golden.rng import STREAM_IO, next_normal, stream_key

NM_NONE = int(NoiseManagement.NONE)
NM_ABS_MAX = int(NoiseManagement.ABS_MAX)
NM_MAX = int(NoiseManagement.MAX)
NM_CONSTANT = int(NoiseManagement.CONSTANT)
BM_ITERATIVE = int(BoundManagement.ITERATIVE)


@njit(cache=True)
def nm_scale(x, io):
    """Noise-management scale alpha of input ``x``."""
    nm = io.noise_management
    if nm == NM_NONE:
        return 1.0
    if nm == NM_CONSTANT:
        return io.nm_thres if io.nm_thres > 0.0 else 1.0
    m = 0.0
    if nm == NM_ABS_MAX:
        for k in range(x.shape[0]):
            m = max(m, abs(x[k]))
        if io.nm_thres > 0.0:
            m = min(m, io.nm_thres)
    else:
        m = -np.inf
        for k in range(x.shape[0]):
            m = max(m, x[k])
    return m


@njit(cache=True)
def quantize(v, step):
    """``rint(v / step) step`` (round half to even, like aihwkit's rintf); step 0: identity."""
    if step > 0.0:
        return np.rint(v / step) * step
    return v


#: forward MVMs with at least this many multiply-adds are split over the cores
PARALLEL_MACS = 40_000


@njit(cache=True)
def _rows_dot(W, v, nz, m, i0, i1, y):
    """``y[i] = sum_k W[i, nz[k]] v[nz[k]]`` for rows i0..i1-1, four rows at a time (four
    independent sums, each in ascending k)."""
    i = i0
    while i + 4 <= i1:
        a0 = a1 = a2 = a3 = 0.0
        for k in range(m):
            j = nz[k]
            vj = v[j]
            a0 += W[i, j] * vj
            a1 += W[i + 1, j] * vj
            a2 += W[i + 2, j] * vj
            a3 += W[i + 3, j] * vj
        y[i], y[i + 1], y[i + 2], y[i + 3] = a0, a1, a2, a3
        i += 4
    for r in range(i, i1):
        acc = 0.0
        for k in range(m):
            acc += W[r, nz[k]] * v[nz[k]]
        y[r] = acc


@njit(cache=True, parallel=True)
def _rows_dot_parallel(W, v, nz, m, y):
    rows = W.shape[0]
    blocks = (rows + 31) // 32
    for b in prange(blocks):
        _rows_dot(W, v, nz, m, 32 * b, min(32 * b + 32, rows), y)


@njit(cache=True)
def mvm(W, v, transposed, y):
    """``y = W v`` or, transposed, ``y = W^T v``.

    Both skip zero inputs and add the products of each output in ascending input order, so
    every output is bit-identical to the plain sequential sum (adding an exact zero changes
    no partial sum), whatever the number of threads. The forward pass sums four rows at a
    time and splits large products over the cores; the transposed pass accumulates whole
    rows. No sum is reordered (no fastmath in golden).
    """
    rows, cols = W.shape
    if transposed:
        y[:] = 0.0
        for i in range(rows):
            vi = v[i]
            if vi != 0.0:
                for j in range(cols):
                    y[j] += W[i, j] * vi
        return
    nz = np.empty(cols, dtype=np.int64)
    m = 0
    for j in range(cols):
        if v[j] != 0.0:
            nz[m] = j
            m += 1
    if rows * m >= PARALLEL_MACS:
        _rows_dot_parallel(W, v, nz, m, y)
    else:
        _rows_dot(W, v, nz, m, 0, rows, y)


@njit(cache=True)
def analog_mvm(W, x, transposed, io, use_bm, seed, counter, v, y):
    """One analog MVM with DAC, noise, ADC, noise and bound management (aihwkit
    ``forwardVector``): ``y = out_scale alpha rho ADC(W DAC(x / (alpha rho)) + noise)``.

    ``v`` is a work vector of x's length. Noise comes from stream (seed, STREAM_IO, counter,
    pass). Returns the number of passes (bound management repeats while outputs saturate).
    """
    if io.is_perfect:
        mvm(W, x, transposed, y)
        y *= io.out_scale
        return 1
    alpha = nm_scale(x, io)
    if alpha <= 0.0 and io.inp_noise == 0.0:
        y[:] = 0.0
        return 1
    if alpha <= 0.0:
        alpha = 1.0
    inp_step, inp_bound, inp_noise = io.inp_step, io.inp_bound, io.inp_noise
    out_step, out_bound, out_noise = io.out_step, io.out_bound, io.out_noise
    bm = use_bm and io.bound_management == BM_ITERATIVE
    rho = 1.0
    passes = 0
    while True:
        rng = stream_key(seed, STREAM_IO, counter, passes)
        passes += 1
        for k in range(x.shape[0]):
            vk = min(max(quantize(x[k] / (alpha * rho), inp_step), -inp_bound), inp_bound)
            if inp_noise > 0.0:
                rng, xi = next_normal(rng)
                vk += inp_noise * xi
            v[k] = vk
        mvm(W, v, transposed, y)
        hit = False
        for i in range(y.shape[0]):
            yi = y[i]
            if out_noise > 0.0:
                rng, xi = next_normal(rng)
                yi += out_noise * xi
            yi = quantize(yi, out_step)
            if yi >= out_bound:
                yi = out_bound
                hit = True
            elif yi <= -out_bound:
                yi = -out_bound
                if io.bm_test_negative_bound:
                    hit = True
            y[i] = yi
        if (
            not bm
            or not hit
            or rho > io.max_bm_factor
            or (inp_step > 0.0 and rho > io.max_bm_res / inp_step)
        ):
            break
        rho *= 2.0
    scale = alpha * rho * io.out_scale
    for i in range(y.shape[0]):
        y[i] *= scale
    return passes


@njit(cache=True, parallel=True)
def analog_mvm_batch(W, X, transposed, io, use_bm, seed, counter, Y):
    """:func:`analog_mvm` for every row of ``X`` (samples in parallel; sample b uses counter
    ``counter + b``)."""
    for b in prange(X.shape[0]):
        v = np.empty(X.shape[1], dtype=np.float64)
        analog_mvm(W, X[b], transposed, io, use_bm, seed, counter + b, v, Y[b])
