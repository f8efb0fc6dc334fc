"""Registered copies of control flags that synthesis keeps apart (bounded fan-out)."""

from __future__ import annotations

from amaranth.hdl import Module, Signal

__all__ = ["KEEP", "kept_copies"]

#: attributes of a register that must stay a copy of its own (``rtl.synth`` marks such
#: flip-flops kept, so Yosys' ``opt_merge`` does not fold identical copies back into one)
KEEP = {"keep": 1}


def kept_copies(
    m: Module, values: dict, name: str, high_after_reset=(), reset_less: bool = False
) -> dict:
    """One 1-bit register per entry of ``values``, loaded with it every clock and marked
    :data:`KEEP`; named ``name.format(key)``, reset high for the keys in ``high_after_reset``.
    Chained (copies of copies), they carry a flag to many places a clock per level.
    ``reset_less``: no reset (no logic before the copies, which synthesis would share between
    them); the copies then follow their source from the second clock after a reset."""
    regs = {
        key: Signal(
            name=name.format(key),
            init=key in high_after_reset,
            attrs=KEEP,
            reset_less=reset_less,
        )
        for key in values
    }
    m.d.sync += [regs[key].eq(value) for key, value in values.items()]
    return regs
