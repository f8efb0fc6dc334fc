"""numba kernels of the weights the passes read: the visible weights, their column-major
copy, float's row-major weights back from it, and the model average (private; see
:mod:`golden.kernels.loop`)."""

from __future__ import annotations

from numba import njit

from golden.kernels.arena import layer
from golden.kernels.transfer import A_FLOAT

__all__ = ["add_to_average", "float_rows_from_copy", "mirror_weights", "visible_weights"]


@njit(cache=True)
def visible_weights(cfg, st, n_total):
    """The weights the forward/backward passes use: float W, C, or gamma A + C."""
    if cfg.train.algo == A_FLOAT:
        return st.W_float
    g = cfg.transfer.gamma
    if g > 0.0:
        A, C, weff = st.arr_a.visible, st.arr_c.visible, st.weff
        for k in range(n_total):
            weff[k] = g * A[k] + C[k]
        return weff
    return st.arr_c.visible


@njit(cache=True)
def mirror_weights(lay, cfg, st):
    """Fill ``st.Wt`` (when allocated) with the forward weights, column-major per layer.

    Where the forward weights change a column at a time (the transfer family's C, written by
    its transfers; refreshed by :func:`golden.kernels.transfer.transfer_column`) or by dense
    rank-1 updates (float; :func:`update_layer` updates both copies), the forward reads this
    copy: the transposed product of ``Wt`` adds every output's products in the same ascending
    input order from +0.0 (the same bits), but its innermost loop runs over contiguous outputs
    and only the rows of nonzero inputs are read."""
    if st.Wt.shape[0] == 0:
        return
    W = visible_weights(cfg, st, lay.off[lay.shapes.shape[0]])
    for l in range(lay.shapes.shape[0]):  # per array
        rows, cols = lay.shapes[l, 0], lay.shapes[l, 1]
        layer(st.Wt, lay.off[l], cols, rows)[:, :] = layer(W, lay.off[l], rows, cols).T


@njit(cache=True)
def float_rows_from_copy(lay, cfg, st):
    """Float's row-major weights back from the column-major copy: inside
    :func:`train_batches` nothing reads them (the forward and the backward read the copy), so
    only the copy is updated there."""
    if cfg.train.algo != A_FLOAT or st.Wt.shape[0] == 0:
        return
    for t in range(lay.shapes.shape[0]):
        rows, cols, o = lay.shapes[t, 0], lay.shapes[t, 1], lay.off[t]
        layer(st.W_float, o, rows, cols)[:, :] = layer(st.Wt, o, cols, rows).T


@njit(cache=True)
def add_to_average(step, avg_start, lay, cfg, st):
    """After mini-batch ``step`` (global index): from ``avg_start`` on, every
    ``average_every``-th weight iterate is added into ``st.W_avg`` (model averaging)."""
    W_avg = st.W_avg
    every = cfg.train.average_every
    if W_avg.shape[0] > 0 and step >= avg_start and (step - avg_start) % every == 0:
        float_rows_from_copy(lay, cfg, st)
        n_total = lay.off[lay.shapes.shape[0]]
        Wn = visible_weights(cfg, st, n_total)
        for k in range(n_total):
            W_avg[k] += Wn[k]
        st.stats[2] += 1.0
