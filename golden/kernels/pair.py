"""numba kernels of the differential pair (private; see ``[device] pair`` in
:class:`~golden.params.DeviceParams`).

A pair array stores each weight on two devices of the same model, ``W = G+ - G-`` (aihwkit's
``OneSidedUnitCell``), both programmed in one direction only: a pulse that would raise the
weight is an up pulse on G+, one that would lower it an up pulse on G-. Its
:class:`~golden.kernels.records.DeviceView` holds the devices side by side, ``hidden`` and
``P`` ``rows x 2 cols`` (G+ in columns ``0 .. cols-1``, G- in ``cols .. 2 cols - 1``), and
``visible`` ``rows x cols``, the difference. As both sides only grow, they saturate; the
refresh (:func:`refresh_pair`) resets a pair whose devices are both well up their range and
rewrites the difference onto one side.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from golden.kernels.device import (
    G_REFRESH_LOWER,
    G_REFRESH_STEP,
    G_REFRESH_UPPER,
    G_REFRESH_WMAX,
    apply_pulse_counts,
    keep_row_stream,
    pulse_once,
    row_stream,
)
from golden.rng import stream_key

__all__ = ["apply_counts", "is_pair", "pair_row", "refresh_pair", "refresh_criterion"]

STREAM_REFRESH = 10  # the refresh's rewrite pulses (golden.kernels.arena has 7 to 9)


@njit(cache=True, inline="always")
def is_pair(dev):
    """Whether ``dev`` is a pair array (twice as many devices as weights)."""
    return dev.hidden.shape[1] != dev.visible.shape[1]


@njit(cache=True, inline="always")
def pair_row(dev, i, bl, slot_idx, slot_cnt, xneg, dbits, dneg, lr_neg, seed, counter):
    """Row i's coincidences (as :func:`golden.kernels.pulses.apply_coincidences` finds them)
    on a pair: a pulse that would move weight (i, j) up is an up pulse on G+ (column j), one
    that would move it down an up pulse on G- (column cols + j); then ``W = G+ - G-``."""
    model, P, G, hidden, visible, row_lfsr = dev
    cols = visible.shape[1]
    di = dbits[i]
    rng = row_stream(model, row_lfsr, seed, counter, i)
    row_neg = dneg[i] ^ lr_neg
    for t in range(bl):
        if not (di >> np.uint64(t)) & np.uint64(1):
            continue
        for m in range(slot_cnt[t]):
            j = slot_idx[t, m]
            side = j + cols * (1 - (row_neg ^ xneg[j]))  # G- where the pulse is a down pulse
            hidden[i, side], rng = pulse_once(model, P, G, i, side, hidden[i, side], True, rng)
            visible[i, j] = hidden[i, j] - hidden[i, cols + j]
    keep_row_stream(model, row_lfsr, i, rng)


@njit(cache=True, parallel=True)
def _pair_counts(dev, counts, seed, counter):
    model, P, G, hidden, visible, row_lfsr = dev
    rows, cols = visible.shape
    for i in prange(rows):
        rng = row_stream(model, row_lfsr, seed, counter, i)
        for j in range(cols):
            n = counts[i, j]
            side = j if n > 0 else cols + j
            w = hidden[i, side]
            for _ in range(abs(n)):
                w, rng = pulse_once(model, P, G, i, side, w, True, rng)
            hidden[i, side] = w
            visible[i, j] = hidden[i, j] - hidden[i, cols + j]
        keep_row_stream(model, row_lfsr, i, rng)


@njit(cache=True)
def apply_counts(dev, counts, seed, counter):
    """:func:`golden.kernels.device.apply_pulse_counts` (``counts[i, j]`` pulses, > 0 up,
    < 0 down) for any array: on a pair, ``n > 0`` up pulses on G+, ``n < 0`` on G-."""
    if is_pair(dev):
        _pair_counts(dev, counts, seed, counter)
    else:
        apply_pulse_counts(dev, counts, seed, counter)


@njit(cache=True, inline="always")
def refresh_criterion(wp, wm, w_max, upper, lower):
    """aihwkit's ``OneSidedRPUDevice::refreshCriterion``: the larger side above ``upper`` and
    the smaller above ``lower``, both relative to ``w_max``."""
    if wp > wm:
        return wp / w_max > upper and wm / w_max > lower
    return wp / w_max > lower and wm / w_max > upper


@njit(cache=True)
def refresh_pair(dev, seed, counter):
    """Refresh every pair that :func:`refresh_criterion` selects: both devices reset to 0,
    then the difference written onto the larger side by write-verify: up pulses (the device's
    own response and noise) until it is within ``dw_min / 2`` below the difference or above
    it, at most ``4 rint(|G+ - G-| / dw_min) + 4``. The devices are read exactly (aihwkit
    reads them through an IO of its own, ``refresh_forward``, and writes open loop). Returns
    the number of pairs refreshed."""
    model, P, G, hidden, visible, row_lfsr = dev
    rows, cols = visible.shape
    w_max, step = G[G_REFRESH_WMAX], G[G_REFRESH_STEP]
    upper, lower = G[G_REFRESH_UPPER], G[G_REFRESH_LOWER]
    done = 0
    for i in range(rows):
        rng = stream_key(seed, STREAM_REFRESH, counter, i)
        for j in range(cols):
            wp, wm = hidden[i, j], hidden[i, cols + j]
            if not refresh_criterion(wp, wm, w_max, upper, lower):
                continue
            side = j if wp > wm else cols + j
            target = abs(wp - wm)
            hidden[i, j] = 0.0
            hidden[i, cols + j] = 0.0
            w = 0.0
            for _ in range(4 * int(np.rint(target / step)) + 4):
                if w >= target - 0.5 * step:
                    break
                w, rng = pulse_once(model, P, G, i, side, w, True, rng)
            hidden[i, side] = w
            visible[i, j] = hidden[i, j] - hidden[i, cols + j]
            done += 1
    return done
