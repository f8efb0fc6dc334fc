"""numba kernels of the analog MVM with IO non-idealities (private; see :mod:`golden.tile`).

The IO parameters enter as an :class:`~golden.kernels.records.IOConfig` record ``io``.
"""

from __future__ import annotations

import math

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


@njit(cache=True, inline="always")
def _rows_dot(W, v, nz, m, i0, i1, y):
    """``y[i] = sum_k W[i, nz[k]] v[nz[k]] + y[i]`` for rows i0..i1-1: each sum in ascending
    k, then added to what ``y`` held (``-0.0`` for a plain product: ``s + -0.0 == s`` bit for
    bit). Eight rows at a time (eight independent sums, so the adds overlap)."""
    i = i0
    while i + 8 <= i1:
        a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = 0.0
        for k in range(m):
            j = nz[k]
            vj = v[j]
            a0 += W[i, j] * vj
            a1 += W[i + 1, j] * vj
            a2 += W[i + 2, j] * vj
            a3 += W[i + 3, j] * vj
            a4 += W[i + 4, j] * vj
            a5 += W[i + 5, j] * vj
            a6 += W[i + 6, j] * vj
            a7 += W[i + 7, j] * vj
        y[i], y[i + 1], y[i + 2], y[i + 3] = a0 + y[i], a1 + y[i + 1], a2 + y[i + 2], a3 + y[i + 3]
        y[i + 4], y[i + 5] = a4 + y[i + 4], a5 + y[i + 5]
        y[i + 6], y[i + 7] = a6 + y[i + 6], a7 + y[i + 7]
        i += 8
    for r in range(i, i1):
        acc = 0.0
        for k in range(m):
            acc += W[r, nz[k]] * v[nz[k]]
        y[r] = acc + y[r]


@njit(cache=True)
def nonzeros(v, nz):
    """Indices of the nonzero entries of ``v`` into ``nz`` (ascending); returns their count."""
    m = 0
    for j in range(v.shape[0]):
        if v[j] != 0.0:
            nz[m] = j
            m += 1
    return m


@njit(cache=True)
def mvm(W, v, transposed, y):
    """``y = W v`` or, transposed, ``y = W^T v``.

    Both skip zero inputs and add the products of each output in ascending input order, so
    every output is bit-identical to the plain sequential sum (adding an exact zero changes
    no partial sum). The forward pass sums eight rows at a time; the transposed pass
    accumulates whole rows. No sum is reordered (no fastmath in golden).
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
    m = nonzeros(v, nz)
    y[:] = -0.0
    _rows_dot(W, v, nz, m, 0, rows, y)


@njit(cache=True, inline="always")
def _hits(yq, io):
    """Whether the ADC code ``yq`` (quantised) hits the bound (the negative one only if
    ``bm_test_negative_bound``)."""
    return yq >= io.out_bound or (io.bm_test_negative_bound and yq <= -io.out_bound)


@njit(cache=True)
def _adc(y, i0, i1, io):
    """ADC of outputs i0..i1-1 in place: quantise to ``out_step``, clip at ``+-out_bound``.
    Returns the first output that hit the bound (:func:`_hits`), or -1."""
    first = -1
    for i in range(i0, i1):
        yi = quantize(y[i], io.out_step)
        if first < 0 and _hits(yi, io):
            first = i
        y[i] = min(max(yi, -io.out_bound), io.out_bound)
    return first


@njit(cache=True)
def _pass_hits(W, v, io, rng, y):
    """A forward pass that bound management may still repeat: the first output that hits the
    bound, or -1, stopping there (the pass is then discarded, so the rest need not be
    computed). The output noise is drawn first, in output order as the full pass draws it;
    when no output hits, ``y`` is exactly the full pass's result."""
    rows, cols = W.shape
    for i in range(rows):
        if io.out_noise > 0.0:
            rng, xi = next_normal(rng)
            y[i] = io.out_noise * xi
        else:
            y[i] = -0.0
    nz = np.empty(cols, dtype=np.int64)
    m = nonzeros(v, nz)
    for i0 in range(0, rows, 8):
        i1 = min(i0 + 8, rows)
        _rows_dot(W, v, nz, m, i0, i1, y)
        first = _adc(y, i0, i1, io)
        if first >= 0:
            return first
    return -1


@njit(cache=True)
def _probe_hits(W, v, transposed, io, rng, i):
    """Whether output i of a pass (inputs ``v``, output noise from ``rng``) hits the bound,
    computed alone with the full pass's arithmetic: its products added in ascending input
    order from +0.0 (zero inputs skipped), then its noise, the ``i``-th draw of ``rng``. A pass
    whose probe hits is discarded without computing its other outputs."""
    acc = 0.0
    for k in range(v.shape[0]):
        vk = v[k]
        if vk != 0.0:
            acc += (W[k, i] if transposed else W[i, k]) * vk
    if io.out_noise > 0.0:
        xi = 0.0
        for _ in range(i + 1):
            rng, xi = next_normal(rng)
        acc += io.out_noise * xi
    return _hits(quantize(acc, io.out_step), io)


@njit(cache=True, inline="always")
def _discarded(W, v, transposed, io, rng, probe, last):
    """Whether a pass is discarded on its probe alone: it may still be repeated (not
    ``last``), it has a probe (``probe >= 0``) and that output hits (:func:`_probe_hits`)."""
    return not last and probe >= 0 and _probe_hits(W, v, transposed, io, rng, probe)


@njit(cache=True)
def _dac(x, alpha, rho, io, rng, v):
    """One pass's DAC: ``v = clip(quantize(x / (alpha rho)))`` plus input noise drawn from
    ``rng`` (returned, advanced). A zero input stays that zero (its sign too) without noise."""
    inp_step, inp_bound = io.inp_step, io.inp_bound
    if io.inp_noise > 0.0:
        for k in range(x.shape[0]):
            vk = min(max(quantize(x[k] / (alpha * rho), inp_step), -inp_bound), inp_bound)
            rng, xi = next_normal(rng)
            v[k] = vk + io.inp_noise * xi
        return rng
    for k in range(x.shape[0]):
        xk = x[k]
        if xk != 0.0:
            xk = min(max(quantize(xk / (alpha * rho), inp_step), -inp_bound), inp_bound)
        v[k] = xk
    return rng


@njit(cache=True)
def _noise_and_adc(y, io, rng):
    """A full pass after its product: output noise in output order from ``rng``, then the ADC.
    Returns the first output that hit the bound (the probe of the next pass,
    :func:`_probe_hits`), or -1."""
    if io.out_noise > 0.0:
        for i in range(y.shape[0]):
            rng, xi = next_normal(rng)
            y[i] += io.out_noise * xi
    return _adc(y, 0, y.shape[0], io)


@njit(cache=True)
def _last_pass(bm, rho, io):
    """Whether the pass at scale ``rho`` is final whatever it gives (no bound management, or
    aihwkit's limits ``max_bm_factor`` / ``max_bm_res`` reached)."""
    return (
        not bm
        or rho > io.max_bm_factor
        or (io.inp_step > 0.0 and rho > io.max_bm_res / io.inp_step)
    )


@njit(cache=True)
def _passes(W, x, transposed, io, bm, seed, counter, alpha, passes, probe, v, y):
    """Bound management's passes from pass number ``passes`` (scale ``rho = 2**passes``) on:
    repeat with ``rho`` doubled while an output saturates; then scale. A pass that may still
    be repeated first checks one output, ``probe`` (the first the last pass found hitting;
    -1: none), alone: when it hits, the pass is discarded unfinished, exactly as the
    full pass would have been. Returns the passes made in all and the last output found
    hitting (``probe`` if none: a hint for the array's next MVM)."""
    rho = math.ldexp(1.0, passes)
    hint = probe
    while True:
        rng = stream_key(seed, STREAM_IO, counter, passes)
        passes += 1
        rng = _dac(x, alpha, rho, io, rng, v)
        last = _last_pass(bm, rho, io)
        if _discarded(W, v, transposed, io, rng, probe, last):
            hint = probe
            rho *= 2.0
            continue
        if last or transposed:
            mvm(W, v, transposed, y)
            probe = _noise_and_adc(y, io, rng)
        else:
            probe = _pass_hits(W, v, io, rng, y)
        if probe >= 0:
            hint = probe
        if last or probe < 0:
            break
        rho *= 2.0
    scale = alpha * rho * io.out_scale
    for i in range(y.shape[0]):
        y[i] *= scale
    return passes, hint


@njit(cache=True)
def analog_mvm(W, x, transposed, io, use_bm, seed, counter, v, y):
    """One analog MVM with DAC, noise, ADC, noise and bound management (aihwkit
    ``forwardVector``): ``y = out_scale alpha rho ADC(W DAC(x / (alpha rho)) + noise)``.

    ``v`` is a work vector of x's length. Noise comes from stream (seed, STREAM_IO, counter,
    pass). Returns the number of passes (bound management repeats while outputs saturate;
    a pass that will be repeated stops at its first saturated output).
    """
    return analog_mvm_probed(W, x, transposed, io, use_bm, seed, counter, v, y, -1)[0]


@njit(cache=True)
def analog_mvm_probed(W, x, transposed, io, use_bm, seed, counter, v, y, probe):
    """:func:`analog_mvm` whose bound-management passes check output ``probe`` first (the
    same result for any ``probe``; -1: none). Returns the passes and the output to probe in
    the array's next MVM (the last one found hitting the bound, else ``probe``)."""
    if io.is_perfect:
        mvm(W, x, transposed, y)
        y *= io.out_scale
        return 1, probe
    alpha = _input_scale(x, io)
    if alpha == 0.0:
        y[:] = 0.0
        return 1, probe
    bm = use_bm and io.bound_management == BM_ITERATIVE
    return _passes(W, x, transposed, io, bm, seed, counter, alpha, 0, probe, v, y)


@njit(cache=True)
def _input_scale(x, io):
    """The noise-management scale alpha of the passes, or 0.0 when every output is 0 (a zero
    input without input noise); a zero input with input noise passes at alpha 1."""
    alpha = nm_scale(x, io)
    if alpha <= 0.0:
        return 0.0 if io.inp_noise == 0.0 else 1.0
    return alpha


@njit(cache=True)
def _products(W, V, transposed, Y):
    """``Y[b] = W V[b]`` (``W^T V[b]`` transposed) for every row b, bit for bit :func:`mvm`
    of each: every output's products added in ascending input order from +0.0 (a zero input's
    product, +-0.0, leaves such a sum unchanged, so no input needs skipping). ``W`` is read
    once for all rows; the innermost loop runs over rows b (forward) or outputs (transposed)."""
    B = V.shape[0]
    rows, cols = W.shape
    if transposed:
        Y[:, :] = 0.0
        for i in range(rows):
            for b in range(B):
                vb = V[b, i]
                if vb != 0.0:
                    for j in range(cols):
                        Y[b, j] += W[i, j] * vb
        return
    Vt = np.ascontiguousarray(V.T)
    acc = np.empty(B)
    for i in range(rows):
        acc[:] = 0.0
        for j in range(cols):
            w = W[i, j]
            for b in range(B):
                acc[b] += w * Vt[j, b]
        for b in range(B):
            Y[b, i] = acc[b]


@njit(cache=True)
def analog_mvm_rows(W, X, transposed, io, use_bm, seed, counters, Y):
    """:func:`analog_mvm` of every row b of ``X`` into ``Y[b]`` with counter ``counters[b]``,
    bit for bit, the rows' bound-management passes in lockstep: each pass is one product of
    the rows it still has to run (:func:`_products`: ``W`` read once), after each row's probe
    (:func:`_probe_hits`: the first output its last pass found hitting) has discarded the
    pass where it can. ``X`` and ``Y`` may be strided views (rows of a wider array): the work
    runs on contiguous copies."""
    B = X.shape[0]
    X = np.ascontiguousarray(X)
    V = np.empty_like(X)
    out = np.empty((B, Y.shape[1]))
    if io.is_perfect or B == 1:
        for b in range(B):
            analog_mvm(W, X[b], transposed, io, use_bm, seed, counters[b], V[b], out[b])
        Y[:, :] = out
        return
    bm = use_bm and io.bound_management == BM_ITERATIVE
    alphas = np.empty(B)
    rngs = np.empty(B, dtype=np.uint64)
    probes = np.full(B, -1, dtype=np.int64)
    done = np.zeros(B, dtype=np.bool_)
    run = np.empty(B, dtype=np.int64)  # the rows whose pass is in this pass's product
    for b in range(B):
        alphas[b] = _input_scale(X[b], io)
        if alphas[b] == 0.0:  # every output 0
            out[b, :] = 0.0
            done[b] = True
    products = np.empty_like(out)
    passes, rho = 0, 1.0
    while not done.all():
        last = _last_pass(bm, rho, io)
        n_run = 0
        for b in range(B):
            if done[b]:
                continue
            key = stream_key(seed, STREAM_IO, counters[b], passes)
            rngs[b] = _dac(X[b], alphas[b], rho, io, key, V[n_run])
            if not _discarded(W, V[n_run], transposed, io, rngs[b], probes[b], last):
                run[n_run] = b
                n_run += 1
        _products(W, V[:n_run], transposed, products[:n_run])
        for q in range(n_run):
            b, y = run[q], products[q]
            probes[b] = _noise_and_adc(y, io, rngs[b])
            if last or probes[b] < 0:
                scale = alphas[b] * rho * io.out_scale
                for i in range(y.shape[0]):
                    out[b, i] = y[i] * scale
                done[b] = True
        passes += 1
        rho *= 2.0
    Y[:, :] = out


@njit(cache=True, parallel=True)
def analog_mvm_batch(W, X, transposed, io, use_bm, seed, counter, Y):
    """:func:`analog_mvm` for every row of ``X`` (samples in parallel; sample b uses counter
    ``counter + b``)."""
    for b in prange(X.shape[0]):
        v = np.empty(X.shape[1], dtype=np.float64)
        analog_mvm(W, X[b], transposed, io, use_bm, seed, counter + b, v, Y[b])
