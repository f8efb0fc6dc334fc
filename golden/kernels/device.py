"""numba kernels of the device models: what one pulse does to one cell (private).

A device array is described by plain arrays, so kernels stay free of Python objects:

* ``model``: a :class:`~golden.encoding.DeviceModel` code;
* ``P[k, i, j]``: per-device (d2d) values, rows ``P_*`` below;
* ``G[k]``: model-wide scalars, entries ``G_*`` below (Lut tables appended at ``G_TABLES``);
* ``hidden[i, j]``: the persistent device state (a weight, or a Lut state index);
* ``visible[i, j]``: the weight the MVM sees (hidden + write noise, or a Lut level; on a
  differential pair, :mod:`golden.kernels.pair`, ``G+ - G-``).

The equations are documented on the params classes in :mod:`golden.params.devices`; the
kernels take one array as a :class:`~golden.kernels.records.DeviceView`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from golden.encoding import DeviceModel
from golden.lfsr import lfsr_word
from golden.rng import STREAM_DEVICE, STREAM_WRITE_NOISE, next_normal, next_uniform, stream_key

# rows of P (each down value right after its up value: linear_step indexes by direction)
P_STEP_UP, P_STEP_DOWN, P_B_MAX, P_B_MIN, P_SLOPE_UP, P_SLOPE_DOWN = range(6)
N_P = 6
# entries of G
G_STD, G_MULT_NOISE, G_WRITE_NOISE = 0, 1, 2
G_A_UP, G_A_DOWN, G_GAMMA_UP, G_GAMMA_DOWN, G_A, G_B, G_STD_ADD, G_STD_SLOPE = range(3, 11)
G_N_STATES = 11
# LUT_EXACT's formats (golden.lut_exact); its tables are integers stored as floats
G_STEP_FRAC, G_NOISE_BITS, G_PRODUCT_SHIFT, G_WORD_BITS, G_LFSR_MASK = range(12, 17)
# a pair's refresh (golden.kernels.pair): period in updates (0: never), thresholds, w_max, step
G_REFRESH_EVERY, G_REFRESH_UPPER, G_REFRESH_LOWER, G_REFRESH_WMAX, G_REFRESH_STEP = range(17, 22)
G_TABLES = 22  # up table, down table (n_states each), then LUT_EXACT's noise table

LINEAR = int(DeviceModel.LINEAR)
EXP = int(DeviceModel.EXP)
POW = int(DeviceModel.POW)
LUT = int(DeviceModel.LUT)
LUT_EXACT = int(DeviceModel.LUT_EXACT)


@njit(cache=True, inline="always")
def pulse_once(model, P, G, i, j, w, up, rng):
    """Apply one up (``up=True``) or down pulse to cell (i, j) with state ``w``.

    Returns (new state, new rng state). Continuous models clip to the device bounds; the Lut
    model moves an integer state index. The LINEAR rule (ConstantStep, LinearStep,
    SoftBounds) is :func:`linear_step`, which the hot loop of the pulsed update calls directly
    (this tuple-returning form compiled 2.5x slower there); the others are called out of line,
    which keeps the loops small.
    """
    if model != LINEAR:
        return _pulse_other(model, P, G, i, j, w, up, rng)
    std = G[G_STD]
    xi = 0.0
    if std > 0.0:
        rng, xi = next_normal(rng)
    return linear_step(P, std, G[G_MULT_NOISE] != 0.0, i, j, w, 0 if up else 1, xi), rng


@njit(cache=True, inline="always")
def linear_step(P, std, mult_noise, i, j, w, down, xi):
    """The LINEAR rule: cell (i, j) in state ``w`` after one pulse (``down`` 0: up, 1: down)
    with the c2c draw ``xi`` (0 when ``G[G_STD]`` is 0); the model scalars ``std`` and
    ``mult_noise`` come from the caller, which reads them once. It returns the state alone: a
    loop around a function returning (state, rng) compiled 2.5x slower (measured), so hot
    loops draw ``xi`` themselves. No branch on the direction (random, so often mispredicted):
    the down values are the rows after the up values, and ``w - dw`` is ``w + (-1.0) dw`` bit
    for bit."""
    base, slope = P[P_STEP_UP + down, i, j], P[P_SLOPE_UP + down, i, j]
    if mult_noise:
        dw = (base + slope * w) * (1.0 + std * xi)
    else:
        dw = base * (1.0 + std * xi) + slope * w
    w = w + (1.0 - 2.0 * down) * dw
    return min(max(w, P[P_B_MIN, i, j]), P[P_B_MAX, i, j])


@njit(cache=True)
def _pulse_lut_exact(P, G, i, j, w, up, state):
    """:func:`pulse_once` for LUT_EXACT: :func:`golden.lut_exact.pulse_exact` with the gains in
    ``P`` and the tables in ``G``; ``state`` is the row's LFSR (not a counter-based stream)."""
    n = int(G[G_N_STATES])
    noise_bits, step_frac = int(G[G_NOISE_BITS]), int(G[G_STEP_FRAC])
    state, word = lfsr_word(state, np.uint64(G[G_LFSR_MASK]), int(G[G_WORD_BITS]))
    u = int(word) & ((1 << noise_bits) - 1)
    r = (int(word) >> noise_bits) & ((1 << step_frac) - 1)
    s = int(w)
    t = int(G[G_TABLES + s]) if up else int(G[G_TABLES + n + s])
    gain = int(P[P_STEP_UP, i, j]) if up else int(P[P_STEP_DOWN, i, j])
    k = (t * gain * int(G[G_TABLES + 2 * n + u])) >> int(G[G_PRODUCT_SHIFT])
    moves = k >> step_frac
    if r < (k & ((1 << step_frac) - 1)):
        moves += 1
    s = min(s + moves, n - 1) if up else max(s - moves, 0)
    return float(s), state


@njit(cache=True)
def _pulse_other(model, P, G, i, j, w, up, rng):
    """:func:`pulse_once` for the EXP, POW and LUT rules."""
    if model == LUT_EXACT:
        return _pulse_lut_exact(P, G, i, j, w, up, rng)
    std = G[G_STD]
    xi = 0.0
    if std > 0.0:
        rng, xi = next_normal(rng)
    b_max = P[P_B_MAX, i, j]
    b_min = P[P_B_MIN, i, j]
    if model == LUT:
        n_states = G[G_N_STATES]
        n = int(n_states)
        s = int(w)
        if up:
            k = G[G_TABLES + s] * P[P_STEP_UP, i, j] * (1.0 + std * xi)
        else:
            k = G[G_TABLES + n + s] * P[P_STEP_DOWN, i, j] * (1.0 + std * xi)
        k = max(k, 0.0)
        moves = math.floor(k)
        rng, u = next_uniform(rng)
        if u < k - moves:
            moves += 1.0
        if up:
            return min(w + moves, n_states - 1.0), rng
        return max(w - moves, 0.0), rng
    base = P[P_STEP_UP, i, j] if up else P[P_STEP_DOWN, i, j]
    if model == EXP:
        z = 2.0 * G[G_A] * w / (b_max - b_min) + G[G_B]
        if up:
            y = max(1.0 - G[G_A_UP] * math.exp(G[G_GAMMA_UP] * z), 0.0)
        else:
            y = max(1.0 - G[G_A_DOWN] * math.exp(-G[G_GAMMA_DOWN] * z), 0.0)
        dw = y * base
        if G[G_STD_ADD] != 0.0 or G[G_STD_SLOPE] != 0.0:
            noise = std * (dw + G[G_STD_ADD] + G[G_STD_SLOPE] * abs(w)) * xi
            w = w + dw + noise if up else w - dw + noise
        else:
            dw = dw * (1.0 + std * xi)
            w = w + dw if up else w - dw
    else:  # POW
        span = b_max - b_min
        if span <= 0.0:
            return w, rng
        if up:
            dw = base * max((b_max - w) / span, 0.0) ** P[P_SLOPE_UP, i, j]
            w = w + dw * (1.0 + std * xi)
        else:
            dw = base * max((w - b_min) / span, 0.0) ** P[P_SLOPE_DOWN, i, j]
            w = w - dw * (1.0 + std * xi)
    return min(max(w, b_min), b_max), rng


@njit(cache=True, inline="always")
def has_visible_copy(model, G):
    """Whether visible weights differ from the hidden state (Lut levels or write noise).
    If not, :class:`~golden.devices.DeviceArray` makes ``visible`` the same array as
    ``hidden`` and kernels skip the visible pass."""
    return model == LUT or model == LUT_EXACT or G[G_WRITE_NOISE] > 0.0


@njit(cache=True)
def visible_of(model, P, G, i, j, w, rng):
    """The weight the MVM sees for state ``w``: Lut level, plus write noise if enabled
    (redrawn on every write, aihwkit). Returns (visible weight, new rng state).

    Kernels call it in a pass of its own after the pulses of a row: a call inside the pulse
    loop makes that loop 3x slower (measured)."""
    if model == LUT or model == LUT_EXACT:
        b_max = P[P_B_MAX, i, j]
        b_min = P[P_B_MIN, i, j]
        w = b_min + w * (b_max - b_min) / (G[G_N_STATES] - 1.0)
    if G[G_WRITE_NOISE] > 0.0:
        rng, xi = next_normal(rng)
        w += G[G_WRITE_NOISE] * xi
    return w, rng


@njit(cache=True, inline="always")
def row_stream(model, row_lfsr, seed, counter, i):
    """The random state row i's pulses start from: its LFSR (LUT_EXACT, persistent), else the
    counter-based stream (seed, STREAM_DEVICE, counter, i)."""
    if model == LUT_EXACT:
        return row_lfsr[i]
    return stream_key(seed, STREAM_DEVICE, counter, i)


@njit(cache=True, inline="always")
def keep_row_stream(model, row_lfsr, i, state):
    """After row i's pulses: LUT_EXACT keeps the row's LFSR state for the next update."""
    if model == LUT_EXACT:
        row_lfsr[i] = state


@njit(cache=True, parallel=True)
def apply_pulse_counts(dev, counts, seed, counter):
    """Apply ``counts[i, j]`` pulses to every cell of ``dev`` (a
    :class:`~golden.kernels.records.DeviceView`; > 0: up, < 0: down), one at a time.

    The c2c noise of row i comes from :func:`row_stream`; the write noise from
    (seed, STREAM_WRITE_NOISE, counter, i).
    """
    model, P, G, hidden, visible, row_lfsr = dev
    rows, cols = hidden.shape
    copy = has_visible_copy(model, G)
    for i in prange(rows):
        rng = row_stream(model, row_lfsr, seed, counter, i)
        for j in range(cols):
            n = counts[i, j]
            w = hidden[i, j]
            for _ in range(abs(n)):
                w, rng = pulse_once(model, P, G, i, j, w, n > 0, rng)
            hidden[i, j] = w
        keep_row_stream(model, row_lfsr, i, rng)
        if copy:
            wrng = stream_key(seed, STREAM_WRITE_NOISE, counter, i)
            for j in range(cols):
                if counts[i, j] != 0:
                    visible[i, j], wrng = visible_of(model, P, G, i, j, hidden[i, j], wrng)


@njit(cache=True, parallel=True)
def refresh_visible(dev, seed, counter):
    """Recompute every visible weight of ``dev`` from the hidden state (after a set or a
    clip)."""
    model, P, G, hidden, visible, _ = dev
    rows, cols = hidden.shape
    if not has_visible_copy(model, G):
        return
    for i in prange(rows):
        wrng = stream_key(seed, STREAM_WRITE_NOISE, counter, i)
        for j in range(cols):
            visible[i, j], wrng = visible_of(model, P, G, i, j, hidden[i, j], wrng)


def empty_globals(n_tables: int = 0) -> np.ndarray:
    """A zeroed ``G`` vector with room for Lut tables of ``n_tables`` states each."""
    return np.zeros(G_TABLES + 2 * n_tables, dtype=np.float64)
