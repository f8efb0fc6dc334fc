"""In-order scoreboard shared by the amaranth.sim tests and the cocotb testbenches."""

from __future__ import annotations

__all__ = ["Mismatch", "Scoreboard"]


class Mismatch(AssertionError):
    """The first difference between the RTL and its golden model."""


class Scoreboard:
    """Counts comparisons; the first mismatch raises with the cycle, the signal (lane), the
    expected and actual values, the params digest and the seed, so it can be replayed."""

    def __init__(self, digest: str, seed: int, strict: bool = True):
        self.digest, self.seed, self.strict = digest, seed, strict
        self.compared = 0
        self.mismatches = 0
        self.first: str | None = None

    def check(self, cycle: int, name: str, expected: int, actual: int) -> None:
        """Compare one value; ``strict`` raises on the first mismatch, else counts them and
        keeps the first report in :attr:`first`."""
        self.compared += 1
        if int(expected) == int(actual):
            return
        self.mismatches += 1
        if self.first is None:
            self.first = (
                f"cycle {cycle}: {name} expected {int(expected)} ({int(expected):#x}), got "
                f"{int(actual)} ({int(actual):#x}); params digest {self.digest}, seed {self.seed}"
            )
        if self.strict:
            raise Mismatch(self.first)
