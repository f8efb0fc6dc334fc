"""The flat arena of a network's arrays and the per-array views into it (private).

Arrays live in flat arrays described by a :class:`~golden.kernels.records.Layout` (a layer is
one array, or several where aihwkit's mapping splits it: :mod:`golden.mapping`): array l is
``rows x cols`` (``cols`` includes the bias input when the bias is analog) at
``off[l] : off[l] + rows*cols``; per-device parameters at six times that offset; per-row and
per-column vectors at ``roff[l]`` and ``coff[l]``. Activations and deltas are per layer
(``aoff``, ``doff``). Integer state per array is ``S[l, S_*]``, float state ``F[l, F_*]``; all
of it is saved by checkpoints.
"""

from __future__ import annotations

from numba import njit

from golden.kernels.device import G_REFRESH_EVERY
from golden.kernels.pair import is_pair, refresh_pair
from golden.kernels.pulses import pulsed_update, pulsed_update_column
from golden.kernels.records import DeviceView, Lanes

__all__ = [
    "after_update",
    "array_io_offsets",
    "array_update",
    "array_update_column",
    "column_major",
    "layer",
    "layer_device",
    "layer_p",
]

# integer state per layer: update counters of A, C and the IO noise, updates seen, the next
# column to read, sweeps done, chopper draws, the next row (mixed precision), MP draws
S_CNT_A, S_CNT_C, S_CNT_IO, S_UPDATES, S_COL, S_SWEEP, S_CNT_CHOP, S_ROW, S_CNT_MP = range(9)
N_S = 9
# float state per layer: auto_scale's running max|x| and max|d|
F_MX, F_MD = range(2)
N_F = 2

# noise streams of the digital algorithms (golden.rng numbers those of pulses, devices, IO)
STREAM_CHOP = 7
STREAM_MP = 8
STREAM_SR = 9


@njit(cache=True)
def layer(arr, off, rows, cols):
    """Layer view ``rows x cols`` of a flat array at offset ``off``."""
    return arr[off : off + rows * cols].reshape(rows, cols)


@njit(cache=True)
def column_major(lay, W, Wt):
    """``Wt``: the flat weights ``W`` with every array stored column-major (``cols x rows``
    at the same offset), the copy the forward reads where it has one
    (:func:`golden.kernels.passes.forward_layer`)."""
    for t in range(lay.shapes.shape[0]):
        rows, cols = lay.shapes[t, 0], lay.shapes[t, 1]
        layer(Wt, lay.off[t], cols, rows)[:, :] = layer(W, lay.off[t], rows, cols).T


@njit(cache=True)
def array_io_offsets(lay, t):
    """Where array t's input block starts in a sample's activations and its output block in
    its deltas."""
    l = lay.tlayer[t]
    return lay.aoff[l] + lay.tpos[t, 1], lay.doff[l] + lay.tpos[t, 0]


@njit(cache=True)
def layer_p(arr, off, rows, cols):
    """Layer view ``P[k, i, j]`` (``6 x rows x cols``) of a flat array of per-device
    parameters, stored device by device (``rows x cols x 6``): one pulse reads one device's
    parameters from one or two cache lines, also down a column (a transfer's write)."""
    return arr[6 * off : 6 * (off + rows * cols)].reshape(rows, cols, 6).transpose(2, 0, 1)


@njit(cache=True)
def layer_device(arr, l, lay):
    """Layer l of a :class:`~golden.kernels.records.DeviceArena`: its
    :class:`~golden.kernels.records.DeviceView` and :class:`~golden.kernels.records.Lanes`."""
    rows, cols = lay.shapes[l, 0], lay.shapes[l, 1]
    o = lay.off[l]
    k = arr.hidden.shape[0] // arr.visible.shape[0]  # devices per weight: 2 for a pair
    dev = DeviceView(
        arr.model,
        layer_p(arr.P, k * o, rows, k * cols),
        arr.G,
        layer(arr.hidden, k * o, rows, k * cols),
        layer(arr.visible, o, rows, cols),
        arr.row_lfsr[lay.roff[l] : lay.roff[l] + rows] if arr.row_lfsr.shape[0] else arr.row_lfsr,
    )
    lanes = Lanes(
        arr.lfsr_x[lay.coff[l] : lay.coff[l] + cols],
        arr.lfsr_d[lay.roff[l] : lay.roff[l] + rows],
        arr.lfsr_mask,
    )
    return dev, lanes


@njit(cache=True)
def after_update(dev, seed, counter):
    """A pair array's refresh (:func:`golden.kernels.pair.refresh_pair`) after every
    ``refresh_every``-th update (``counter`` counts the array's updates from 0)."""
    every = int(dev.G[G_REFRESH_EVERY])
    if every > 0 and is_pair(dev) and (counter + 1) % every == 0:
        refresh_pair(dev, seed, counter)


@njit(cache=True)
def array_update(arr, l, lay, x, d, lr, gran, upd, seed, counter, work):
    """Pulsed rank-1 update ``-lr d x^T`` of array l of the device arena ``arr``."""
    dev, lanes = layer_device(arr, l, lay)
    bl = pulsed_update(x, d, lr, gran, upd, dev, lanes, seed, counter, work)
    after_update(dev, seed, counter)
    return bl


@njit(cache=True)
def array_update_column(arr, l, lay, j, d, lr, gran, upd, seed, counter, work):
    """:func:`array_update` with ``x = e_j``: a write of column j (a transfer's)."""
    dev, lanes = layer_device(arr, l, lay)
    bl = pulsed_update_column(
        j, lay.shapes[l, 1], d, lr, gran, upd, dev, lanes, seed, counter, work
    )
    after_update(dev, seed, counter)
    return bl
