"""A bank of per-lane Galois LFSRs (``golden/lfsr.py`` bits, ``golden/hw/lfsr.py`` timing)."""

from __future__ import annotations

from amaranth.hdl import C, Cat, Module, Mux, Signal
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from golden.lfsr import LFSR_TAPS, lfsr_mask

__all__ = ["Lfsr"]


class Lfsr(wiring.Component):
    """``len(seeds)`` LFSRs of ``width`` bits that advance ``nbits`` steps per enabled clock.

    Members
    -------
    en : In(1)
        Advance every lane by ``nbits`` steps at this clock edge.
    words : Out(ArrayLayout(nbits, lanes))
        Each lane's next ``nbits`` output bits (first bit in bit 0), from its current state.
    """

    def __init__(self, seeds, width: int, nbits: int):
        if width not in LFSR_TAPS:
            raise ValueError(f"LFSR width must be one of {sorted(LFSR_TAPS)}, not {width!r}")
        if not isinstance(nbits, int) or not 1 <= nbits <= width:
            raise ValueError(f"LFSR nbits must be an integer in 1..{width}, not {nbits!r}")
        seeds = tuple(seeds)
        if not seeds:
            raise ValueError("LFSR bank needs at least one lane seed")
        for k, seed in enumerate(seeds):
            if not isinstance(seed, int) or not 0 < seed < (1 << width):
                raise ValueError(
                    f"LFSR seed of lane {k} must be an integer in 1..{(1 << width) - 1}, "
                    f"not {seed!r}"
                )
        self._seeds, self._width, self._nbits = seeds, width, nbits
        super().__init__({"en": In(1), "words": Out(data.ArrayLayout(nbits, len(seeds)))})

    @property
    def width(self) -> int:
        return self._width

    @property
    def nbits(self) -> int:
        return self._nbits

    @property
    def seeds(self) -> tuple[int, ...]:
        return self._seeds

    def elaborate(self, platform):
        m = Module()
        mask = C(lfsr_mask(self._width), self._width)
        for k, seed in enumerate(self._seeds):
            state = Signal(self._width, init=seed, name=f"state_{k}")
            s, bits = state, []
            for b in range(self._nbits):  # one named wire per step keeps the netlist linear
                out = s[0]
                bits.append(out)
                step = Signal(self._width, name=f"state_{k}_step{b + 1}")
                m.d.comb += step.eq((s >> 1) ^ Mux(out, mask, 0))
                s = step
            m.d.comb += self.words[k].eq(Cat(*bits))
            with m.If(self.en):
                m.d.sync += state.eq(s)
        return m
