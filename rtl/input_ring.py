"""The MAC engine's input codes as a ring of registers: the term issued each clock reads the
ring's head, and the ring turns by one, so no counter-indexed select spans the inputs (a 64:1
select of DAC codes, indexed by a counter placed across the chip, was a critical path)."""

from __future__ import annotations

from amaranth.hdl import Module, Mux, Signal, Value

from rtl.replicate import kept_copies

__all__ = ["RING_GROUP", "input_ring"]


#: inputs per copy of the ring's "turning" flag
RING_GROUP = 8


def input_ring(m: Module, codes, turns_next: Value, transposed: Value, rows: int, cols: int):
    """Registers that follow ``codes`` (``max(rows, cols)`` values) while not turning and turn
    by one each clock while turning: the head then shows inputs 0, 1, .. n_in - 1, 0, .. with
    ``n_in = rows`` when ``transposed``, else ``cols`` (entries past ``n_in`` turn along,
    unread). ``turns_next``: the ring turns in the next clock; it is registered in kept copies,
    one per :data:`RING_GROUP` entries and placed by them (no decode fans out to the ring).
    Returns the head (input 0 at the first clock of turning)."""
    n = max(rows, cols)
    flags = kept_copies(m, {g: turns_next for g in range(0, n, RING_GROUP)}, "turning_{}")
    turning = [flags[k - k % RING_GROUP] for k in range(n)]
    ring = [Signal(codes[k].shape(), name=f"mvm_in_{k}") for k in range(n)]
    turned = [*ring[1:], ring[0]]
    small = min(rows, cols)
    if small < n:  # the shorter side closes its ring early
        short = transposed if rows < cols else ~transposed
        turned[small - 1] = Mux(short, ring[0], ring[small])
    for k in range(n):
        m.d.sync += ring[k].eq(Mux(turning[k], turned[k], codes[k]))
    return ring[0]
