"""Registered copies of control flags that synthesis keeps apart (bounded fan-out)."""

from __future__ import annotations

from amaranth.hdl import Module, Signal

__all__ = ["KEEP", "kept_copies", "kept_registers"]

#: attributes of a register that must stay a copy of its own (``rtl.synth`` marks such
#: flip-flops kept, so Yosys' ``opt_merge`` does not fold identical copies back into one)
KEEP = {"keep": 1}


def kept_copies(m: Module, values: dict, name: str, high_after_reset=()) -> dict:
    """One 1-bit register per entry of ``values``, loaded with it every clock and marked
    :data:`KEEP`; named ``name.format(key)``, reset high for the keys in ``high_after_reset``.
    Chained (copies of copies), they carry a flag to many places a clock per level."""
    regs = {
        key: Signal(name=name.format(key), init=key in high_after_reset, attrs=KEEP)
        for key in values
    }
    m.d.sync += [regs[key].eq(value) for key, value in values.items()]
    return regs


def kept_registers(m: Module, value, keys, name: str) -> dict:
    """Registers shaped as ``value`` (a signal), one per key, all loaded with it every clock and
    marked :data:`KEEP`; named ``name.format(key)``, reset as ``value``. Each copy steers its
    own group of registers, placed by them (a state machine's state, decoded per group)."""
    regs = {key: Signal.like(value, name=name.format(key), attrs=KEEP) for key in keys}
    m.d.sync += [reg.eq(value) for reg in regs.values()]
    return regs
