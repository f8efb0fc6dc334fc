"""numba kernels of one sample's weight update, per algorithm (private; see
:mod:`golden.kernels.loop`)."""

from __future__ import annotations

from numba import njit

from golden.kernels.arena import S_CNT_C, S_UPDATES, array_update, layer
from golden.kernels.decomposition import pca_accumulate
from golden.kernels.mixed_precision import mp_update
from golden.kernels.transfer import A_FLOAT, A_MP, A_NMF, A_PCA, A_SGD, transfer_update

__all__ = ["update_bias", "update_layer"]


@njit(cache=True)
def update_bias(l, d, lay, lr, bias):
    """Layer l's digital bias (if any) learns by plain SGD (aihwkit: the torch optimizer)."""
    if bias.shape[0] > 0:
        for i in range(lay.lshape[l, 0]):
            bias[lay.doff[l] + i] -= lr * d[i]


@njit(cache=True)
def update_layer(l, x, d, lay, cfg, st, buf, work, row_major=True):
    """Every algorithm's per-sample update of array l (x its input block, with the bias input
    where the bias is analog; d its block of the delta). ``row_major=False``: float's
    row-major weights of this array are left to :func:`float_rows_from_copy` (the copy
    ``st.Wt`` alone is updated)."""
    tr = cfg.train
    algo = tr.algo
    rows, cols = lay.shapes[l, 0], lay.shapes[l, 1]
    lr = tr.lr
    if algo == A_FLOAT:
        Wl = layer(st.W_float, lay.off[l], rows, cols)
        if row_major or st.Wt.shape[0] == 0:
            for i in range(rows):
                g = lr * d[i]
                if g != 0.0:
                    for j in range(cols):
                        Wl[i, j] -= g * x[j]
        if st.Wt.shape[0] > 0:  # the same update of the column-major copy (mirror_weights)
            Wtl = layer(st.Wt, lay.off[l], cols, rows)
            g = buf[5, :rows]
            for i in range(rows):
                g[i] = lr * d[i]
            for j in range(cols):
                xj = x[j]
                if xj == 0.0:  # w - (+-0) changes at most the sign of a zero w, which no
                    continue  # product sum can tell
                for i in range(rows):
                    w = Wtl[j, i]
                    Wtl[j, i] = w - g[i] * xj if g[i] != 0.0 else w
    elif algo == A_PCA:
        pca_accumulate(l, x, d, lay, cfg.dec.rank, st.digital)
    elif algo == A_NMF:  # streamed from the stored batch at its end (nmf_write)
        pass
    elif algo == A_MP:
        mp_update(l, x, d, lay, cfg, st, buf, work)
    elif algo == A_SGD:
        S = st.S
        array_update(
            st.arr_c, l, lay, x, d, lr, tr.gran_c, cfg.u_a, st.seeds[l, 2], S[l, S_CNT_C], work
        )
        S[l, S_CNT_C] += 1
        S[l, S_UPDATES] += 1
    else:
        transfer_update(l, x, d, lay, cfg, st, buf, work)
