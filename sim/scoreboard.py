"""In-order scoreboard shared by the amaranth.sim tests and the cocotb testbenches."""

from __future__ import annotations

__all__ = ["Mismatch", "Scoreboard"]


class Mismatch(AssertionError):
    """The first difference between the RTL and its golden model."""


class Scoreboard:
    """Counts comparisons; the first mismatch raises with the cycle, the signal (lane), the
    expected and actual values, the params digest and the seed, so it can be replayed."""

    def __init__(self, digest: str, seed: int):
        self.digest, self.seed = digest, seed
        self.compared = 0

    def check(self, cycle: int, name: str, expected: int, actual: int) -> None:
        self.compared += 1
        if int(expected) != int(actual):
            raise Mismatch(
                f"cycle {cycle}: {name} expected {int(expected)} ({int(expected):#x}), got "
                f"{int(actual)} ({int(actual):#x}); params digest {self.digest}, seed {self.seed}"
            )
