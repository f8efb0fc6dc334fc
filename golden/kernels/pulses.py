"""numba kernels of the stochastic pulsed update (private; see :mod:`golden.pulses`).

The update parameters enter as an :class:`~golden.kernels.records.UpdateConfig` ``upd``.

Pulse trains are bit-packed: bit ``t`` of a lane's uint64 is slot ``t`` (BL <= 64). A cell gets
``popcount(dbits[i] & xbits[j])`` coincidences (counted slot by slot, see
:func:`apply_coincidences`), each one pulse of direction
``down if sign(d_i) sign(x_j) sign(lr) > 0 else up`` (aihwkit's sign rule).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from golden.encoding import PulseType, RngMode
from golden.kernels.device import (
    G_MULT_NOISE,
    G_STD,
    LINEAR,
    P_SLOPE_DOWN,
    P_STEP_UP,
    has_visible_copy,
    keep_row_stream,
    linear_step,
    pulse_once,
    row_stream,
    visible_of,
)
from golden.kernels.pair import is_pair, pair_row
from golden.kernels.prefetch import prefetch
from golden.lfsr import lfsr_word
from golden.rng import (
    STREAM_BITS_D,
    STREAM_BITS_X,
    STREAM_WRITE_NOISE,
    next_normal,
    next_uniform,
    stream_key,
)
from golden.update_management import (
    code_of,
    exponent,
    gain_and_shifts,
    quantize_inputs,
    update_gains,
)

MAX_BL = 64

IMPLICIT = int(PulseType.DETERMINISTIC_IMPLICIT)
HW_EXACT = int(RngMode.HW_EXACT)

_M1 = np.uint64(0x5555555555555555)
_M2 = np.uint64(0x3333333333333333)
_M4 = np.uint64(0x0F0F0F0F0F0F0F0F)
_H01 = np.uint64(0x0101010101010101)


@njit(cache=True)
def popcount64(x: np.uint64) -> int:
    """Number of set bits (SWAR; LLVM turns it into one popcnt instruction)."""
    x = x - ((x >> np.uint64(1)) & _M1)
    x = (x & _M2) + ((x >> np.uint64(2)) & _M2)
    x = (x + (x >> np.uint64(4))) & _M4
    return int((x * _H01) >> np.uint64(56))


@njit(cache=True)
def update_scales(lr, granularity, x_max, d_max, upd):
    """Pulse-train length and probability scales for one update (aihwkit ``calculateBlAB`` and
    ``performUpdateManagement``).

    Returns ``(BL, A, B)``: d lanes fire with probability ``A |d_i|``, x lanes with
    ``B |x_j|`` (both clipped to 1). ``BL = 0`` means nothing to do. With update management
    both maxima fire with ``sqrt(k / BL)``, ``k = |lr| x_max d_max / granularity``; when
    ``k > desired_bl`` the d side is the one clipped.
    """
    lr = abs(lr)
    desired_bl = upd.desired_bl
    dm = d_max * upd.um_grad_scale
    if lr == 0.0 or x_max == 0.0 or dm == 0.0:
        return 0, 0.0, 0.0
    if upd.fixed_bl or upd.update_bl_management or granularity * desired_bl >= lr:
        bl = desired_bl
        a = b = math.sqrt(lr / (granularity * bl))
    else:
        bl = min(int(math.ceil(lr / granularity)), MAX_BL)
        a = b = 1.0
    k = lr * x_max * dm / granularity
    if upd.update_bl_management:
        bl = max(1, min(int(math.ceil(k)), desired_bl))
        a = b = math.sqrt(lr / (granularity * bl))
    if upd.update_management or upd.update_bl_management:
        if k > desired_bl:
            dm = dm * desired_bl / k
        a = a * math.sqrt(x_max / dm)
        b = b * math.sqrt(dm / x_max)
    return bl, a, b


@njit(cache=True)
def signs(v, neg):
    """``neg[k] = v[k] < 0`` as uint8."""
    for k in range(v.shape[0]):
        neg[k] = 1 if v[k] < 0.0 else 0


@njit(cache=True, inline="always")
def lane_bits(p, bl, seed, stream, counter, k):
    """Fast-mode train of lane k firing with probability ``p`` per slot: slot t fires if
    ``u < p``, u the t-th draw of stream (seed, stream, counter, k); none for ``p <= 0``, all
    for ``p >= 1`` (no draws)."""
    if p <= 0.0:
        return np.uint64(0)
    if p >= 1.0:
        return np.uint64((1 << bl) - 1) if bl < 64 else np.uint64(0xFFFFFFFFFFFFFFFF)
    rng = stream_key(seed, stream, counter, k)
    word = np.uint64(0)
    for t in range(bl):
        rng, u = next_uniform(rng)
        if u < p:
            word |= np.uint64(1) << np.uint64(t)
    return word


@njit(cache=True)
def bitlines_fast(v, scale, bl, seed, stream, counter, bits):
    """Fast-mode trains: lane k fires with probability ``min(scale |v_k|, 1)`` per slot
    (:func:`lane_bits`)."""
    for k in range(v.shape[0]):
        bits[k] = lane_bits(scale * abs(v[k]), bl, seed, stream, counter, k)


@njit(cache=True)
def hw_exact_codes(x, d, lr, granularity, upd, codes_x, codes_d):
    """hw-exact mode: the comparator codes the periphery computes for this update.

    The host quantises x and d to the periphery's codes (:func:`quantize_inputs`, power-of-two
    scales ``s_x``, ``s_d``) and writes the gains for ``lr s_x s_d`` (:func:`update_gains`);
    the pulse generator's fixed-point update management then gives the codes
    (:func:`gain_and_shifts`, :func:`code_of`), the very functions of its cycle model (all of
    them in :mod:`golden.update_management`).
    """
    bl, xb, db = upd.desired_bl, upd.x_bits, upd.d_bits
    nbits, gb, gf = upd.prob_bits, upd.gain_bits, upd.gain_frac
    sx = quantize_inputs(x, xb, codes_x)
    sd = quantize_inputs(d, db, codes_d)
    even, odd = update_gains(abs(lr) * sx * sd, granularity, bl, xb, db, gb, gf)
    gain, shx, shd = gain_and_shifts(
        exponent(codes_x), exponent(codes_d), even, odd, xb + db, gf, nbits
    )
    for k in range(codes_x.shape[0]):
        codes_x[k] = code_of(abs(codes_x[k]), gain, shx, nbits)
    for k in range(codes_d.shape[0]):
        codes_d[k] = code_of(abs(codes_d[k]), gain, shd, nbits)


@njit(cache=True)
def bitlines_lfsr(codes, states, mask, prob_bits, bl, bits):
    """hw-exact trains: each slot, lane k draws a ``prob_bits`` word from its LFSR and fires
    if ``word < codes[k]``. Every lane steps every slot, as the hardware does."""
    for k in range(codes.shape[0]):
        s = states[k]
        word = np.uint64(0)
        code = np.uint64(codes[k])
        for t in range(bl):
            s, r = lfsr_word(s, mask, prob_bits)
            if r < code:
                word |= np.uint64(1) << np.uint64(t)
        states[k] = s
        bits[k] = word


@njit(cache=True)
def slot_columns(xbits, bl, slot_idx, slot_cnt):
    """Per slot t, the columns that fire: ``slot_idx[t, :slot_cnt[t]]`` (ascending)."""
    for t in range(bl):
        slot_cnt[t] = 0
    for j in range(xbits.shape[0]):
        word = xbits[j]
        if word == 0:
            continue
        for t in range(bl):
            if (word >> np.uint64(t)) & np.uint64(1):
                slot_idx[t, slot_cnt[t]] = j
                slot_cnt[t] += 1


@njit(cache=True, inline="always")
def _coincidence_row(dev, i, bl, slot_idx, slot_cnt, xneg, dbits, dneg, lr_neg, seed, counter):
    """Row i's pulses of :func:`apply_coincidences` (its own noise streams; the callers skip
    rows that do not fire before the call: unpacking ``dev`` costs reference counts)."""
    model, P, G, hidden, visible, row_lfsr = dev
    di = dbits[i]
    linear = model == LINEAR
    std, mult = G[G_STD], G[G_MULT_NOISE] != 0.0
    rng = row_stream(model, row_lfsr, seed, counter, i)
    row_neg = dneg[i] ^ lr_neg
    for t in range(bl):
        if not (di >> np.uint64(t)) & np.uint64(1):
            continue
        for m in range(slot_cnt[t]):
            j = slot_idx[t, m]
            if linear:  # the LINEAR rule in the loop (linear_step: no tuple returned)
                xi = 0.0
                if std > 0.0:
                    rng, xi = next_normal(rng)
                down = 1 - (row_neg ^ xneg[j])
                hidden[i, j] = linear_step(P, std, mult, i, j, hidden[i, j], down, xi)
            else:
                hidden[i, j], rng = pulse_once(
                    model, P, G, i, j, hidden[i, j], (row_neg ^ xneg[j]) != 0, rng
                )
    keep_row_stream(model, row_lfsr, i, rng)
    if has_visible_copy(model, G):
        wrng = stream_key(seed, STREAM_WRITE_NOISE, counter, i)
        for t in range(bl):
            if (di >> np.uint64(t)) & np.uint64(1):
                for m in range(slot_cnt[t]):
                    j = slot_idx[t, m]
                    visible[i, j], wrng = visible_of(model, P, G, i, j, hidden[i, j], wrng)


@njit(cache=True)
def apply_coincidences(dev, bl, slot_idx, slot_cnt, xneg, dbits, dneg, lr_neg, seed, counter):
    """Apply one pulse per coincidence: for every row i and slot t where row i fires, a pulse
    to every column firing in slot t (aihwkit's sparse update, slot order). Work is
    proportional to the number of coincidences, ``sum_ij popcount(dbits[i] & xbits[j])``.
    Each row draws its own noise streams keyed by (seed, counter, i), so the rows may run in
    any order: one after the other here (a training step's update; a parallel region costs
    about a microsecond even on one thread, measured), in parallel in
    :func:`apply_coincidences_parallel`. ``dev`` is a
    :class:`~golden.kernels.records.DeviceView`."""
    if is_pair(dev):
        for i in range(dbits.shape[0]):
            if dbits[i] != 0:
                pair_row(dev, i, bl, slot_idx, slot_cnt, xneg, dbits, dneg, lr_neg, seed, counter)
        return
    for i in range(dbits.shape[0]):
        if dbits[i] != 0:
            _coincidence_row(
                dev, i, bl, slot_idx, slot_cnt, xneg, dbits, dneg, lr_neg, seed, counter
            )


@njit(cache=True, parallel=True)
def apply_coincidences_parallel(
    dev, bl, slot_idx, slot_cnt, xneg, dbits, dneg, lr_neg, seed, counter
):
    """:func:`apply_coincidences` with the rows split over the threads (large arrays: the
    512 x 512 update of ``bench/update.py``); the same bits."""
    pair = is_pair(dev)
    for i in prange(dbits.shape[0]):
        if dbits[i] != 0:
            if pair:
                pair_row(dev, i, bl, slot_idx, slot_cnt, xneg, dbits, dneg, lr_neg, seed, counter)
            else:
                _coincidence_row(
                    dev, i, bl, slot_idx, slot_cnt, xneg, dbits, dneg, lr_neg, seed, counter
                )


@njit(cache=True)
def _implicit_q(v, scale, res):
    q = scale * abs(v)
    if res > 0.0:
        q = np.rint(q / res) * res
    return min(max(q, 0.0), 1.0)


@njit(cache=True, parallel=True)
def apply_implicit(dev, x, d, a, b, bl, upd, lr_neg, seed, counter):
    """DETERMINISTIC_IMPLICIT: cell (i, j) gets ``rint(BL q_d q_x)`` pulses (q quantised to
    the update's ``x_res_implicit`` / ``d_res_implicit``)."""
    model, P, G, hidden, visible, row_lfsr = dev
    x_res, d_res = upd.x_res_implicit, upd.d_res_implicit
    rows, cols = visible.shape
    pair = is_pair(dev)
    copy = has_visible_copy(model, G) and not pair
    for i in prange(rows):
        qd = _implicit_q(d[i], a, d_res)
        if qd == 0.0:
            continue
        rng = row_stream(model, row_lfsr, seed, counter, i)
        wrng = stream_key(seed, STREAM_WRITE_NOISE, counter, i)
        for j in range(cols):
            n = int(np.rint(bl * qd * _implicit_q(x[j], b, x_res)))
            if n == 0:
                continue
            up = ((d[i] < 0.0) ^ (x[j] < 0.0) ^ (lr_neg != 0)) != 0
            c = j if up or not pair else cols + j  # a pair: G- takes the down pulses, as up
            w = hidden[i, c]
            for _ in range(n):
                w, rng = pulse_once(model, P, G, i, c, w, up or pair, rng)
            hidden[i, c] = w
            if pair:
                visible[i, j] = hidden[i, j] - hidden[i, cols + j]
            if copy:
                visible[i, j], wrng = visible_of(model, P, G, i, j, w, wrng)
        keep_row_stream(model, row_lfsr, i, rng)


@njit(cache=True)
def abs_max(v):
    m = 0.0
    for k in range(v.shape[0]):
        m = max(m, abs(v[k]))
    return m


@njit(cache=True)
def pulsed_update(x, d, lr, granularity, upd, dev, lanes, seed, counter, work, parallel=False):
    """One rank-1 pulsed update ``W += -lr d x^T`` (in expectation) of a device array ``dev``
    (:class:`~golden.kernels.records.DeviceView`) with the per-lane LFSRs ``lanes``
    (:class:`~golden.kernels.records.Lanes`, hw-exact mode).

    ``work`` (:class:`~golden.kernels.records.Work`): ``bits`` (2, n) uint64, ``neg`` (2, n)
    uint8, ``codes`` (2, n) int64, ``slot_idx`` (MAX_BL, n) int64, ``slot_cnt`` (MAX_BL,) int64
    with ``n >= max(rows, cols)``; row 0 is the x side, row 1 the d side. ``parallel``: rows
    over the threads (:func:`apply_coincidences_parallel`, for large arrays outside the
    training loop). Returns the BL used (0: the update was empty).
    """
    bits, neg, codes, slot_idx, slot_cnt = work
    bl, a, b = update_scales(lr, granularity, abs_max(x), abs_max(d), upd)
    if bl == 0:
        return 0
    lr_neg = np.uint8(1 if lr < 0.0 else 0)
    if upd.pulse_type == IMPLICIT:
        apply_implicit(dev, x, d, a, b, bl, upd, lr_neg, seed, counter)
        return bl
    cols, rows = x.shape[0], d.shape[0]
    xbits, dbits = bits[0, :cols], bits[1, :rows]
    xneg, dneg = neg[0, :cols], neg[1, :rows]
    signs(x, xneg)
    signs(d, dneg)
    if upd.rng_mode == HW_EXACT:
        nbits = upd.prob_bits
        hw_exact_codes(x, d, lr, granularity, upd, codes[0, :cols], codes[1, :rows])
        bitlines_lfsr(codes[0, :cols], lanes.lfsr_x, lanes.lfsr_mask, nbits, bl, xbits)
        bitlines_lfsr(codes[1, :rows], lanes.lfsr_d, lanes.lfsr_mask, nbits, bl, dbits)
    else:
        bitlines_fast(x, b, bl, seed, STREAM_BITS_X, counter, xbits)
        bitlines_fast(d, a, bl, seed, STREAM_BITS_D, counter, dbits)
    slot_columns(xbits, bl, slot_idx, slot_cnt)
    if parallel:
        apply_coincidences_parallel(
            dev, bl, slot_idx, slot_cnt, xneg, dbits, dneg, lr_neg, seed, counter
        )
    else:
        apply_coincidences(dev, bl, slot_idx, slot_cnt, xneg, dbits, dneg, lr_neg, seed, counter)
    return bl


@njit(cache=True)
def pulsed_update_column(j, cols, d, lr, granularity, upd, dev, lanes, seed, counter, work):
    """:func:`pulsed_update` with ``x = e_j`` (one-hot, ``cols`` long: a transfer's write of
    column j), the same bits without a pass over the other columns (fast mode; hw-exact and
    implicit pulses step every lane, so they take the general path)."""
    bits, neg, codes, slot_idx, slot_cnt = work
    if upd.rng_mode == HW_EXACT or upd.pulse_type == IMPLICIT:
        x = np.zeros(cols)
        x[j] = 1.0
        return pulsed_update(x, d, lr, granularity, upd, dev, lanes, seed, counter, work)
    bl, a, b = update_scales(lr, granularity, 1.0, abs_max(d), upd)
    if bl == 0:
        return 0
    lr_neg = np.uint8(1 if lr < 0.0 else 0)
    rows = d.shape[0]
    dbits, dneg = bits[1, :rows], neg[1, :rows]
    signs(d, dneg)
    bitlines_fast(d, a, bl, seed, STREAM_BITS_D, counter, dbits)
    xword = lane_bits(b, bl, seed, STREAM_BITS_X, counter, j)
    model, G = dev.model, dev.G
    if model == LINEAR and not is_pair(dev) and not has_visible_copy(model, G):
        column_pulses(dev, j, xword, dbits, dneg, lr_neg, seed, counter)
        return bl
    xneg = neg[0, :cols]
    xneg[j] = 0
    for t in range(bl):
        slot_cnt[t] = (xword >> np.uint64(t)) & np.uint64(1)
        slot_idx[t, 0] = j
    apply_coincidences(dev, bl, slot_idx, slot_cnt, xneg, dbits, dneg, lr_neg, seed, counter)
    return bl


@njit(cache=True)
def column_pulses(dev, j, xword, dbits, dneg, lr_neg, seed, counter):
    """:func:`apply_coincidences` for a write of column j (x = +e_j, its train ``xword``) to a
    LINEAR array whose visible weights are its hidden state: row i gets
    ``popcount(dbits[i] & xword)`` pulses, all of one direction, its c2c draws from its own
    stream in slot order, the same bits. The cells of the rows that fire are prefetched first
    (a column's cells lie a row apart in memory, so each is a cache miss: this way the misses
    overlap)."""
    _, P, G, hidden, _, row_lfsr = dev
    for i in range(dbits.shape[0]):
        if dbits[i] & xword:
            prefetch(hidden, (i, j))
            prefetch(P, (P_STEP_UP, i, j))  # a cell's parameters may span two cache lines
            prefetch(P, (P_SLOPE_DOWN, i, j))
    std, mult = G[G_STD], G[G_MULT_NOISE] != 0.0
    for i in range(dbits.shape[0]):
        n = popcount64(dbits[i] & xword)
        if n == 0:
            continue
        rng = row_stream(LINEAR, row_lfsr, seed, counter, i)
        down = 1 - (dneg[i] ^ lr_neg)
        w = hidden[i, j]
        for _ in range(n):
            xi = 0.0
            if std > 0.0:
                rng, xi = next_normal(rng)
            w = linear_step(P, std, mult, i, j, w, down, xi)
        hidden[i, j] = w
