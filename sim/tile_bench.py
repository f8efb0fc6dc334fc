"""Host stimulus for the whole tile and its golden expectations, as integers per Verilog port
(the bench protocol of :mod:`sim.block_benches`): the periphery's random stimulus (a useful
configuration first, then updates, register writes and rare resets) without an ADC responder,
since the tile answers its reads itself."""

from __future__ import annotations

import random

from golden.hw.tile import TileModel
from golden.lut_exact import ArrayImage, ExactLut, ReadTables
from golden.params import EmulatorParams, PeripheryParams
from sim.ports import pack_update
from sim.stimulus import PeripheryStimulus

__all__ = ["TileBench"]


class TileBench:
    """Every cycle: the host's inputs and the tile's expected status outputs."""

    block = "tile"
    strobes = ("i_update__valid", "cfg__we")

    def __init__(
        self,
        p: PeripheryParams,
        em: EmulatorParams,
        lut: ExactLut,
        rt: ReadTables,
        images: tuple[ArrayImage, ArrayImage],
        seed: int,
        reset_p: float = 0.0005,
    ):
        self.p, self.seed = p, seed
        self.digest = f"{p.digest()}:{em.digest()}"
        self.model = TileModel(p, em, lut, rt, *images)
        self.stimulus = PeripheryStimulus(p, random.Random(seed), reset_p)
        self.updates = 0  # updates the tile took: a bench that took none proved nothing
        self._inputs = None

    def next(self) -> tuple[dict, dict]:
        s = self.stimulus.next(0)
        out = self.model.outputs()
        self.updates += int(s.valid and out["ready"] and not s.reset)
        inputs = {
            "i_update__valid": s.valid,
            "i_update__payload": pack_update(s.x, s.d, self.p),
            "cfg__we": s.cfg_we,
            "cfg__addr": s.cfg_addr,
            "cfg__data": s.cfg_data,
            "rst": s.reset,
        }
        expected = {
            "i_update__ready": out["ready"],
            "gen_state": out["gen_state"],
            "xfer_state": out["xfer_state"],
            "col": out["col"],
            "a_state": out["a_state"],
            "c_state": out["c_state"],
        }
        self._inputs = s
        return inputs, expected

    def step(self) -> None:
        s = self._inputs
        self.model.tick(s.valid, s.x, s.d, s.cfg_we, s.cfg_addr, s.cfg_data, reset=s.reset)
