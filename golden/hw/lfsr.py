"""Cycle model of a bank of per-lane LFSRs (``rtl/lfsr.py``).

Each lane is the Galois LFSR of :mod:`golden.lfsr` seeded with ``lane_seed(seed, lane)``. Every
cycle the bank offers, for each lane, the word of the next ``nbits`` output bits of its current
state (:func:`golden.lfsr.lfsr_word`, first bit in bit 0); when ``en`` is high at the clock edge
every lane advances by ``nbits`` steps.
"""

from __future__ import annotations

from golden.lfsr import lane_seed, lfsr_mask

__all__ = ["LfsrBank", "lfsr_word_int"]


def lfsr_word_int(state: int, mask: int, nbits: int) -> tuple[int, int]:
    """:func:`golden.lfsr.lfsr_word` on Python ints: (new state, word)."""
    word = 0
    for k in range(nbits):
        out = state & 1
        state >>= 1
        if out:
            state ^= mask
        word |= out << k
    return state, word


class LfsrBank:
    """``len(lanes)`` LFSRs of ``width`` bits, ``nbits`` bits per step.

    Parameters
    ----------
    lanes : sequence of int
        The lane numbers (:func:`golden.lfsr.col_lane`, :func:`golden.lfsr.row_lane`); they pick
        the seeds.
    """

    def __init__(self, lanes, width: int, nbits: int, seed: int):
        self.width, self.nbits = width, nbits
        self.mask = lfsr_mask(width)
        self.seeds = [lane_seed(seed, lane, width) for lane in lanes]
        self.reset()

    def reset(self) -> None:
        self.states = list(self.seeds)
        self._cache = None

    def words(self) -> list[int]:
        """This cycle's word of every lane."""
        if self._cache is None:
            self._cache = [lfsr_word_int(s, self.mask, self.nbits) for s in self.states]
        return [w for _, w in self._cache]

    def tick(self, en: bool) -> None:
        if en:
            self.words()
            self.states = [s for s, _ in self._cache]
            self._cache = None
