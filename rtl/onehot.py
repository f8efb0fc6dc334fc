"""One-hot helpers of the array emulator's state machine: the lowest set bit of a mask (one
carry chain, or two levels of short ones), the index of a one-hot bit. The
golden cycle model (``golden/hw/crossbar.py``) does the same with Python integers."""

from __future__ import annotations

from amaranth.hdl import Cat, Module, Mux, Signal, Value

__all__ = [
    "SEARCH_GROUP",
    "group_any",
    "group_bits",
    "group_count",
    "lowest_grouped",
    "lowest_one_hot",
    "lowest_two_level",
    "one_hot_index",
]


def lowest_one_hot(m: Module, mask, name: str) -> Signal:
    """The lowest set bit of ``mask`` alone (0 for 0): ``mask & -mask``, one carry chain."""
    low = Signal(len(mask), name=f"{name}_low")
    m.d.comb += low.eq(mask & (~mask + 1))
    return low


def one_hot_index(m: Module, low, name: str) -> Signal:
    """The index of the set bit of the one-hot ``low`` (0 for 0): each index bit an OR of the
    one-hot bits whose position has it set (shallow at 64 bits)."""
    index = Signal(range(max(2, len(low))), name=name)
    m.d.comb += index.eq(
        Cat(Cat(low[k] for k in range(len(low)) if k >> b & 1).any() for b in range(len(index)))
    )
    return index


SEARCH_GROUP = 16
"""Bits per group of the two-level lowest-column search (one short carry chain per group)."""


def group_count(width: int) -> int:
    """How many :data:`SEARCH_GROUP`-bit groups a ``width``-bit mask has."""
    return -(-width // SEARCH_GROUP)


def group_any(mask) -> Value:
    """One bit per :data:`SEARCH_GROUP`-bit group of ``mask``: the group has a set bit."""
    return Cat(mask[k : k + SEARCH_GROUP].any() for k in range(0, len(mask), SEARCH_GROUP))


def group_bits(mask: int, width: int) -> int:
    """:func:`group_any` of an integer ``mask`` (what a bench packs into an operation)."""
    full = (1 << SEARCH_GROUP) - 1
    return sum(1 << g for g in range(group_count(width)) if mask >> (g * SEARCH_GROUP) & full)


def lowest_two_level(m: Module, mask, groups, name: str) -> tuple[Signal, Signal]:
    """The lowest set bit of ``mask`` (one-hot) and which groups of ``mask`` still hold a set bit
    once it is removed, given ``groups == group_any(mask)`` from a register. Each group's own
    carry chain runs in parallel, the lowest non-empty group (a chain as long as the group count)
    selects one; no chain spans the whole mask, and emptiness is a test of ``groups``."""
    first = lowest_one_hot(m, groups, f"{name}_group")
    bits, after = [], []
    for g, k in enumerate(range(0, len(mask), SEARCH_GROUP)):
        part = mask[k : k + SEARCH_GROUP]
        low = lowest_one_hot(m, part, f"{name}_{g}")
        bits.append(Mux(first[g], low, 0))
        after.append(Mux(first[g], (part & ~low).any(), groups[g]))
    one_hot = Signal(len(mask), name=f"{name}_bit")
    groups_after = Signal(len(groups), name=f"{name}_after")
    m.d.comb += [one_hot.eq(Cat(bits)), groups_after.eq(Cat(after))]
    return one_hot, groups_after


def lowest_grouped(m: Module, mask, name: str) -> Signal:
    """The lowest set bit of ``mask`` alone, as :func:`lowest_two_level` with the group mask
    formed in the same clock (an OR per group): chains of ``SEARCH_GROUP`` bits, not one chain
    across the whole mask, for a mask that arrives from afar with no register to hold groups."""
    groups = Signal(group_count(len(mask)), name=f"{name}_groups")
    m.d.comb += groups.eq(group_any(mask))
    return lowest_two_level(m, mask, groups, name)[0]
