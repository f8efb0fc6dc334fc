"""Host stimulus for the whole tile and its golden expectations, as integers per Verilog port
(the bench protocol of :mod:`sim.block_benches`): until the tile took ``updates`` updates,
the periphery's random stimulus (a useful configuration first, then updates, register writes
and rare resets; no ADC responder, since the tile answers its reads itself) with a random peek
and a random MVM on C now and then; then every device of A and C is peeked in turn, so the
final arrays are compared through the ports."""

from __future__ import annotations

import random

from golden.hw.tile import TileModel, TileParts
from golden.params import PeripheryParams
from rtl.tile import peek_layout
from sim.array_bench import pack_mvm
from sim.ports import pack_codes, pack_update
from sim.stimulus import PeripheryStimulus, random_codes

__all__ = ["ModelClock", "TileBench", "TileHost", "cycle_bound", "model_transactions"]


def cycle_bound(p: PeripheryParams, updates: int) -> int:
    """A bound on the clocks of a bench: per update the generator's steps, BL slots of at most
    ``rows (cols + 1)`` clocks each in A, a transfer (a read of every row, the filter, BL slots
    in C) and idle host cycles; then a peek of every device of A and C (eight clocks each)."""
    per_update = 2 * (p.bl * p.rows * (p.cols + 1) + 20 * p.rows + 4 * p.bl + 100)
    return updates * per_update + 16 * p.rows * p.cols + 200


class TileBench:
    """Every cycle: the host's inputs and the tile's expected status outputs."""

    block = "tile"
    strobes = ("i_update__valid", "cfg__we", "i_peek__valid", "i_mvm__valid")

    def __init__(
        self,
        p: PeripheryParams,
        parts: TileParts,
        seed: int,
        updates: int,
        reset_p: float = 0.0005,
    ):
        self.p, self.seed, self.target, self.mt = p, seed, updates, parts.mt
        self.digest = f"{p.digest()}:{parts.em.digest()}"
        self.model = TileModel(p, parts)
        self.stimulus = PeripheryStimulus(p, random.Random(seed), reset_p)
        self.updates = 0  # updates the tile took: a bench that took none proved nothing
        self.peeked = 0  # peeks answered in the final sweep
        self.mvms = 0  # MVMs answered
        self.sweeping = False
        self._next = 0  # the next device of the sweep to ask for
        layout = peek_layout(p)
        self._row_at, self._col_at = layout["row"].offset, layout["col"].offset
        self._sweep = [(a, i, j) for a in (0, 1) for i in range(p.rows) for j in range(p.cols)]
        self._rng = random.Random(seed + 1)
        self._inputs = self._peek = None
        self._mvm, self._mvm_ready = (0, False, ()), 0

    @property
    def done(self) -> bool:
        """Every device of A and C was peeked and answered."""
        return self.peeked == len(self._sweep)

    def _peek_request(self) -> tuple[int, int, int, int]:
        p = self.p
        if not self.sweeping:
            if self._rng.random() < 0.05:
                return (
                    1,
                    self._rng.randrange(2),
                    self._rng.randrange(p.rows),
                    self._rng.randrange(p.cols),
                )
            return 0, 0, 0, 0
        k = min(self._next, len(self._sweep) - 1)
        return int(self._next < len(self._sweep)), *self._sweep[k]

    def _mvm_request(self, taken: bool) -> tuple[int, bool, list[int]]:
        """An MVM on C (random direction and codes), offered until taken; a new one starts in
        5 % of the cycles before the sweep."""
        if self._mvm[0] and not taken:
            return self._mvm
        rng, n = self._rng, max(self.p.rows, self.p.cols)
        valid = int(not self.sweeping and rng.random() < 0.05)
        codes = [rng.randint(-self.mt.n_in, self.mt.n_in) for _ in range(n)] if valid else [0] * n
        return valid, bool(valid and rng.random() < 0.5), codes

    def next(self) -> tuple[dict, dict]:
        s = self.stimulus.next(0)
        if self.updates >= self.target:  # the final sweep: nothing but peeks
            self.sweeping = True
            s.valid = s.cfg_we = s.reset = 0
        out = self.model.outputs()
        self.updates += int(s.valid and out["ready"] and not s.reset)
        self._peek = self._peek_request()
        self._mvm = self._mvm_request(taken=bool(self._mvm[0] and self._mvm_ready))
        self._mvm_ready = out["mvm_ready"]
        self.mvms += out["mvm_valid"]
        if self.sweeping:
            self._next += int(self._peek[0] and out["peek_ready"])
            self.peeked += out["peek_valid"]
        inputs = {
            "i_update__valid": s.valid,
            "i_update__payload": pack_update(s.x, s.d, self.p),
            "cfg__we": s.cfg_we,
            "cfg__addr": s.cfg_addr,
            "cfg__data": s.cfg_data,
            "i_peek__valid": self._peek[0],
            "i_peek__payload": self._peek[1]
            | self._peek[2] << self._row_at
            | self._peek[3] << self._col_at,
            "i_mvm__valid": self._mvm[0],
            "i_mvm__payload": pack_mvm(self._mvm[1], self._mvm[2], self.mt),
            "rst": s.reset,
        }
        expected = {
            "i_update__ready": out["ready"],
            "gen_state": out["gen_state"],
            "xfer_state": out["xfer_state"],
            "col": out["col"],
            "a_state": out["a_state"],
            "c_state": out["c_state"],
            "i_peek__ready": out["peek_ready"],
            "o_peek__valid": out["peek_valid"],
            "o_peek__state": out["peek_state"],
            "i_mvm__ready": out["mvm_ready"],
            "o_mvm__valid": out["mvm_valid"],
            "o_mvm__codes": pack_codes(out["mvm_codes"], self.p.adc_bits),
        }
        self._inputs = s
        return inputs, expected

    def step(self) -> None:
        s = self._inputs
        self.model.tick(
            s.valid,
            s.x,
            s.d,
            s.cfg_we,
            s.cfg_addr,
            s.cfg_data,
            self._peek,
            reset=s.reset,
            mvm=self._mvm,
        )


class TileHost:
    """A host that streams updates back to back: the periphery stimulus's configuration
    writes, one per clock, then ``updates`` random (x, d) updates, each offered until taken."""

    def __init__(self, p: PeripheryParams, seed: int, updates: int):
        stim = PeripheryStimulus(p, random.Random(seed), 0.0)
        self.prelude = [(int(addr), data) for addr, data in stim.prelude]
        rng = random.Random(seed + 7)
        self.updates = [
            (random_codes(rng, p.cols, p.x_bits), random_codes(rng, p.rows, p.d_bits))
            for _ in range(updates)
        ]


class ModelClock:
    """Clocks a :class:`TileModel` for a host and counts the clocks; more than ``limit`` is a
    hang (RuntimeError). Inputs not given are idle (no update, no write, no request)."""

    def __init__(self, model: TileModel, limit: int):
        self.model, self.limit, self.cycle = model, limit, 0
        p = model.p
        self._zeros = ([0] * p.cols, [0] * p.rows)

    def tick(self, valid=0, x=None, d=None, cfg=(0, 0, 0), mvm=(0, False, ())) -> None:
        if self.cycle >= self.limit:
            raise RuntimeError(f"the tile model did not finish within {self.limit} clocks")
        zx, zd = self._zeros
        self.model.tick(valid, x or zx, d or zd, *cfg, mvm=mvm)
        self.cycle += 1

    def write_registers(self, writes) -> None:
        """One configuration write (address, value) per clock."""
        for addr, data in writes:
            self.tick(cfg=(1, int(addr), data))

    def settle(self) -> None:
        """Idle clocks until the model is :attr:`TileModel.settled`."""
        while not self.model.settled:
            self.tick()


def model_transactions(model: TileModel, host: TileHost, limit: int) -> list[int]:
    """Run the tile model with ``host``: the configuration writes, then every update offered
    from the clock after them until taken, then idle until both arrays, both queues and the
    periphery are quiet. Returns the clock of every update's acceptance (clock 0 = the first
    configuration write); raises if ``limit`` clocks are not enough."""
    clock, taken = ModelClock(model, limit), []
    clock.write_registers(host.prelude)
    for x, d in host.updates:
        while not model.outputs()["ready"]:
            clock.tick(1, x, d)
        taken.append(clock.cycle)
        clock.tick(1, x, d)
    clock.settle()
    return taken
