"""A bank of per-lane Galois LFSRs (``golden/lfsr.py`` bits, ``golden/hw/lfsr.py`` timing)."""

from __future__ import annotations

from amaranth.hdl import Cat, Module, Signal, Value
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from golden.hw.lfsr import lfsr_word_int
from golden.lfsr import LFSR_TAPS, lfsr_mask

__all__ = ["Lfsr", "lfsr_step", "transition_masks"]


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
        for k, seed in enumerate(self._seeds):
            state = Signal(self._width, init=seed, name=f"state_{k}")
            nxt, word = lfsr_step(state, self._width, self._nbits)
            m.d.comb += self.words[k].eq(word)
            with m.If(self.en):
                m.d.sync += state.eq(nxt)
        return m


def lfsr_step(state, width: int, nbits: int) -> tuple[Value, Value]:
    """(next state, output word) of ``nbits`` Galois steps of ``state`` (``lfsr_word``)."""
    next_masks, word_masks = transition_masks(width, nbits)
    nxt = Cat((state & mask).xor() for mask in next_masks)
    word = Cat((state & mask).xor() for mask in word_masks)
    return nxt, word


def transition_masks(width: int, nbits: int) -> tuple[list[int], list[int]]:
    """``nbits`` Galois steps as GF(2)-linear maps of the state, taken from golden's
    :func:`golden.hw.lfsr.lfsr_word_int` on the basis states: bit b of the next state is the
    parity of ``state & next_masks[b]``, output bit k that of ``state & word_masks[k]``. One
    XOR level per bit instead of ``nbits`` chained steps (shallow logic, and no cascade of
    re-evaluations in event-driven simulators)."""
    mask = lfsr_mask(width)
    images = [lfsr_word_int(1 << i, mask, nbits) for i in range(width)]
    next_masks = [
        sum(1 << i for i, (st, _) in enumerate(images) if st >> b & 1) for b in range(width)
    ]
    word_masks = [
        sum(1 << i for i, (_, w) in enumerate(images) if w >> k & 1) for k in range(nbits)
    ]
    return next_masks, word_masks
