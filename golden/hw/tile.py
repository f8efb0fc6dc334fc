"""The whole TTv2 tile in hardware (``rtl/tile.py``): the periphery and two array emulators,
fast array A and slow array C, with nothing outside but the host.

The periphery's pulse slots become ``PULSES`` operations of their array and its read request
a ``READ`` operation of A (sent once per request); each array takes its operations from a FIFO
(first word fall-through: an operation written at a clock edge can be taken in the next clock)
and A's column-read codes answer the periphery's ADC input. Slots where no line fires are not
queued. The host's update stream is stalled while either FIFO holds an operation, so the
``BL`` slots and the read that one update causes always fit (A's FIFO holds ``BL + 1``
operations, C's ``BL``). C's LFSRs are seeded from ``EmulatorParams.seed + 1``.
"""

from __future__ import annotations

from collections import deque

from golden.encoding import ArrayOp
from golden.hw.crossbar import ArrayEmulatorModel
from golden.hw.periphery import PeripheryModel
from golden.lut_exact import ArrayImage, ExactLut, ReadTables
from golden.params import EmulatorParams, PeripheryParams

__all__ = ["FifoModel", "TileModel", "fifo_depths"]


def fifo_depths(p: PeripheryParams) -> dict[str, int]:
    """Operations each array's FIFO holds: one update's slots and read (A), one column's
    writes (C)."""
    return {"a": p.bl + 1, "c": p.bl}


class FifoModel:
    """A synchronous first-word-fall-through FIFO (Amaranth ``SyncFIFO``)."""

    def __init__(self, depth: int):
        self.depth = depth
        self.items: deque = deque()

    def tick(self, push=None, pop: bool = False) -> None:
        """The clock edge: take the head if ``pop``, append ``push`` if not None."""
        if pop:
            self.items.popleft()
        if push is not None:
            if len(self.items) >= self.depth + int(pop):
                raise OverflowError("array FIFO overflow: the host was not stalled")
            self.items.append(push)


class TileModel:
    """Cycle model of ``rtl.tile.Tile``.

    Inputs per cycle: ``valid``, ``x``, ``d``, ``cfg_we``, ``cfg_addr``, ``cfg_data``.
    Outputs: ``ready``, ``gen_state``, ``xfer_state``, ``col``, ``a_state``, ``c_state``.
    """

    def __init__(
        self,
        p: PeripheryParams,
        em: EmulatorParams,
        lut: ExactLut,
        rt: ReadTables,
        image_a: ArrayImage,
        image_c: ArrayImage,
    ):
        self.p = p
        self.periphery = PeripheryModel(p)
        self.arrays = {
            "a": ArrayEmulatorModel(em, lut, rt, image_a),
            "c": ArrayEmulatorModel(em.replace(seed=em.seed + 1), lut, rt, image_c),
        }
        self.fifos = {name: FifoModel(n) for name, n in fifo_depths(p).items()}
        self.read_sent = 0

    @property
    def quiet(self) -> bool:
        return not self.fifos["a"].items and not self.fifos["c"].items

    def outputs(self) -> dict:
        po = self.periphery.outputs()
        return {
            "ready": int(po["ready"] and self.quiet),
            "gen_state": po["gen_state"],
            "xfer_state": po["xfer_state"],
            "col": po["col"],
            "a_state": self.arrays["a"].outputs()["state"],
            "c_state": self.arrays["c"].outputs()["state"],
        }

    def tick(self, valid, x, d, cfg_we, cfg_addr, cfg_data, reset=0) -> None:
        """The clock edge; ``reset`` restarts everything but the memories (H, A, C)."""
        po = self.periphery.outputs()
        a_out = self.arrays["a"].outputs()
        pushes = {"a": None, "c": None}
        for name in ("a", "c"):
            lines = po[f"{name}_pulse"]
            if lines.valid and lines.x and lines.d:
                pushes[name] = (ArrayOp.PULSES, lines.x, lines.x_neg, lines.d, lines.d_neg)
        send_read = po["read_valid"] and not self.read_sent
        if send_read:
            if pushes["a"] is not None:
                raise RuntimeError("a read request and a pulse slot of A in one clock")
            pushes["a"] = (ArrayOp.READ, po["read_onehot"], 0, 0, 0)
        quiet = self.quiet
        adc = (a_out["read_valid"], a_out["codes"])
        self.periphery.tick(int(valid and quiet), x, d, cfg_we, cfg_addr, cfg_data, *adc, reset)
        for name, array in self.arrays.items():
            fifo = self.fifos[name]
            head = fifo.items[0] if fifo.items else None
            take = head is not None and array.outputs()["ready"]
            array.tick(int(head is not None), *(head or (0, 0, 0, 0, 0)), reset=reset)
            if reset:
                fifo.items.clear()
            else:
                fifo.tick(pushes[name], bool(take))
        if reset or a_out["read_valid"]:
            self.read_sent = 0
        elif send_read:
            self.read_sent = 1
