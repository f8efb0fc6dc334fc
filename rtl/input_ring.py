"""The MAC engine's input codes as a ring of registers: the term issued each clock reads the
ring's head, and the ring turns by one, so no counter-indexed select spans the inputs (a 64:1
select of DAC codes, indexed by a counter placed across the chip, was a critical path)."""

from __future__ import annotations

from amaranth.hdl import Module, Mux, Signal, Value

__all__ = ["input_ring"]


def input_ring(m: Module, codes, turning: Value, transposed: Value, rows: int, cols: int):
    """Registers that follow ``codes`` (``max(rows, cols)`` values) while ``turning`` is low and
    turn by one each clock while it is high: the head then shows inputs 0, 1, .. n_in - 1, 0, ..
    with ``n_in = rows`` when ``transposed``, else ``cols`` (entries past ``n_in`` turn along,
    unread). Returns the head (input 0 at the first clock of turning)."""
    n = max(rows, cols)
    ring = [Signal(codes[k].shape(), name=f"mvm_in_{k}") for k in range(n)]
    turned = [*ring[1:], ring[0]]
    small = min(rows, cols)
    if small < n:  # the shorter side closes its ring early
        short = transposed if rows < cols else ~transposed
        turned[small - 1] = Mux(short, ring[0], ring[small])
    for k in range(n):
        m.d.sync += ring[k].eq(Mux(turning, turned[k], codes[k]))
    return ring[0]
