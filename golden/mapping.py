"""aihwkit's tile mapping: a network's layers as arrays in one flat arena.

aihwkit (``MappingParameter.max_input_size`` / ``max_output_size``, 512 by default) builds a
layer wider or taller than that as a ``TileModuleArray``: the weight matrix cut into blocks of
near-equal size (:func:`golden.params.training.split_sizes`), each block an analog tile of its
own, with its own noise and bound management, DAC/ADC and output noise, its own update
management and, for the Tiki-Taka family, its own transfer state. The forward sums the outputs
of the blocks side by side in the input (in input order); the backward sums those of blocks
stacked in the output. :func:`network_layout` lays the arrays out for the kernels
(:class:`~golden.kernels.records.Layout`); :func:`split_layer` and :func:`join_layer` move a
layer's weight matrix into and out of its arrays.
"""

from __future__ import annotations

import numpy as np

from golden.kernels.records import Layout
from golden.params import NetworkParams

__all__ = ["join_layer", "network_layout", "split_layer"]


def _blocks(net: NetworkParams, k: int, cols: int) -> list[tuple[int, int, int, int]]:
    """Layer k's arrays as ``(row0, col0, rows, cols)``, input block by input block.
    ``cols`` is the layer's column count (its inputs, plus the analog bias column)."""
    ins, outs = net.array_split(k)
    ins[-1] += cols - net.sizes[k]  # an analog bias column (only on unsplit layers)
    blocks = []
    c0 = 0
    for c in ins:
        r0 = 0
        for r in outs:
            blocks.append((r0, c0, r, c))
            r0 += r
        c0 += c
    return blocks


def network_layout(net: NetworkParams) -> Layout:
    """The arena of the network's arrays (:class:`~golden.kernels.records.Layout`)."""
    sizes = net.sizes
    extra = 0 if net.digital_bias else 1  # analog bias: one more column
    n_layers = len(sizes) - 1
    lshape = np.array([(sizes[k + 1], sizes[k] + extra) for k in range(n_layers)], np.int64)
    blocks = [_blocks(net, k, int(lshape[k, 1])) for k in range(n_layers)]
    tlayer = np.array([k for k in range(n_layers) for _ in blocks[k]], np.int64)
    flat = [b for layer_blocks in blocks for b in layer_blocks]
    shapes = np.array([(r, c) for _, _, r, c in flat], np.int64).reshape(-1, 2)
    rows, cols = shapes[:, 0], shapes[:, 1]
    widths = np.array(sizes[:-1]) + 1  # each layer's input plus its bias input
    doff = np.concatenate([[0], np.cumsum(lshape[:, 0])]).astype(np.int64)
    return Layout(
        shapes=shapes,
        off=np.concatenate([[0], np.cumsum(rows * cols)]).astype(np.int64),
        roff=np.concatenate([[0], np.cumsum(rows)]).astype(np.int64),
        coff=np.concatenate([[0], np.cumsum(cols)]).astype(np.int64),
        aoff=np.concatenate([[0], np.cumsum(widths), [widths.sum() + sizes[-1]]]).astype(np.int64),
        doff=doff,
        tlayer=tlayer,
        tpos=np.array([(r0, c0) for r0, c0, _, _ in flat], np.int64).reshape(-1, 2),
        ltile=np.concatenate([[0], np.cumsum([len(b) for b in blocks])]).astype(np.int64),
        lshape=lshape,
    )


def split_layer(lay: Layout, k: int, W: np.ndarray) -> list[np.ndarray]:
    """Layer k's ``rows x cols`` matrix ``W`` cut into its arrays' blocks (copies)."""
    out = []
    for t in range(lay.ltile[k], lay.ltile[k + 1]):
        (r0, c0), (r, c) = lay.tpos[t], lay.shapes[t]
        out.append(np.ascontiguousarray(W[r0 : r0 + r, c0 : c0 + c]))
    return out


def join_layer(lay: Layout, k: int, flat: np.ndarray) -> np.ndarray:
    """Layer k's ``rows x cols`` matrix from its arrays in the flat arena ``flat``."""
    W = np.empty(tuple(lay.lshape[k]), dtype=flat.dtype)
    for t in range(lay.ltile[k], lay.ltile[k + 1]):
        (r0, c0), (r, c) = lay.tpos[t], lay.shapes[t]
        W[r0 : r0 + r, c0 : c0 + c] = flat[lay.off[t] : lay.off[t + 1]].reshape(r, c)
    return W
