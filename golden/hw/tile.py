"""The whole TTv2 tile in hardware (``rtl/tile.py``): the periphery and two array emulators,
fast array A and slow array C, with nothing outside but the host.

The periphery's pulse slots become ``PULSES`` operations of their array and its read request
a ``READ`` operation of A (sent once per request), staged in registers for two clocks before
they enter their FIFO (the lines as they come, then the operation with its summaries: no logic
between the periphery's registers, spread over the chip, and the first stage); each array takes
its operations from a FIFO
in block RAM with a registered output (:class:`FifoModel`: an operation written at a clock
edge can be taken two clocks later) and A's column-read codes answer the periphery's ADC
input. Slots where no line fires are not queued. The host's update stream is stalled while
either FIFO holds or is about to take an operation, so the ``BL`` slots and the read that one
update causes always fit (A's FIFO holds ``BL + 1`` operations, C's ``BL``). C's LFSRs are
seeded from ``EmulatorParams.seed + 1``.

The host reads device states back through the peek port: a request (array 0 = A, 1 = C, row,
column) is taken when the tile was *host-ready* at the clock before and nothing was taken
then (a register, so no logic sits between the periphery's state and the host's enables);
host-ready means both FIFOs empty, the periphery idle, nothing staged and no peek or MVM
outstanding. It
becomes a ``PEEK`` operation of that array, and ``peek_valid`` with ``peek_state`` answer.
(The pulse lines are registered, so "idle" also asks that no slot is on the lines.) The host's
forward and backward MVMs run on C (:mod:`golden.mvm_exact`): a request (``transposed``, DAC
codes) is taken under the same conditions with C idle, goes straight to
C's MVM port, and ``mvm_valid`` with ``mvm_codes`` answer. Updates are not held back by an
MVM: a transfer's writes into C wait in C's FIFO until it is done.
"""

from __future__ import annotations

from collections import deque
from typing import NamedTuple

import numpy as np

from golden.devices import DeviceArray
from golden.encoding import ArrayOp, GeneratorState, TransferState
from golden.hw.crossbar import ArrayEmulatorModel
from golden.hw.periphery import PeripheryModel
from golden.lut_exact import (
    ArrayImage,
    ExactLut,
    ReadTables,
    array_image,
    exact_tables,
    read_tables,
)
from golden.mvm_exact import MvmTables, mvm_tables
from golden.params import EmulatorParams, PeripheryParams, TileConfig

__all__ = ["FifoModel", "TileModel", "TileParts", "fifo_depths", "tile_parts"]


class TileParts(NamedTuple):
    """Everything a tile is built from: formats, tables, and the initial images of A and C."""

    em: EmulatorParams
    lut: ExactLut
    rt: ReadTables
    images: tuple[ArrayImage, ArrayImage]
    mt: MvmTables  #: C's MVMs


def tile_parts(cfg: TileConfig) -> TileParts:
    """The tables and initial images of a tile config: the d2d draws of A and C from the
    emulator's seed (A: ``seed``, C: ``seed + 1``), A at w = 0, C uniform in ``+-c_init``."""
    em, p = cfg.emulator, cfg.rtl
    shape = (p.rows, p.cols)
    a = DeviceArray(cfg.device, shape, seed=em.seed)
    c = DeviceArray(cfg.device, shape, seed=em.seed + 1)
    c.set_weights(np.random.default_rng([em.seed, 0xC1]).uniform(-em.c_init, em.c_init, shape))
    return TileParts(
        em,
        exact_tables(cfg.device, em),
        read_tables(cfg.device, cfg.io, em, p.adc_bits),
        (array_image(a, em), array_image(c, em)),
        mvm_tables(cfg.device, cfg.io, em, p.adc_bits, max(p.rows, p.cols)),
    )


def fifo_depths(p: PeripheryParams) -> dict[str, int]:
    """Operations each array's FIFO holds: one update's slots and read (A), one column's
    writes (C); at least 2 (a buffered FIFO of one entry takes a write every other clock)."""
    return {"a": p.bl + 1, "c": max(p.bl, 2)}


class FifoModel:
    """Amaranth's ``SyncFIFOBuffered`` (block RAM, registered output): ``depth - 1`` entries
    in memory behind a synchronous read port, plus the output register. An entry written to
    an empty FIFO can be taken two clocks after its write."""

    def __init__(self, depth: int):
        self.depth = depth
        self.reset()

    def reset(self) -> None:
        self.inner: deque = deque()
        self.head = None  # the output register's entry (r_rdy when not None)

    @property
    def level(self) -> int:
        return len(self.inner) + (self.head is not None)

    def tick(self, push=None, pop: bool = False) -> None:
        """The clock edge: take the head if ``pop``, write ``push`` if not None."""
        if push is not None and len(self.inner) == self.depth - 1:
            raise OverflowError("array FIFO overflow: the host was not stalled")
        if self.inner and (self.head is None or pop):
            self.head = self.inner.popleft()
        elif pop:
            self.head = None
        if push is not None:
            self.inner.append(push)


class TileModel:
    """Cycle model of ``rtl.tile.Tile``.

    Inputs per cycle: ``valid``, ``x``, ``d``, ``cfg_we``, ``cfg_addr``, ``cfg_data``, the
    peek request ``peek`` = (valid, array, row, col) and the MVM request ``mvm`` = (valid,
    transposed, codes). Outputs: ``ready``, ``gen_state``, ``xfer_state``, ``col``,
    ``a_state``, ``c_state``, ``peek_ready``, ``peek_valid``, ``peek_state``, ``mvm_ready``,
    ``mvm_valid``, ``mvm_codes``.
    """

    def __init__(self, p: PeripheryParams, parts: TileParts):
        self.p = p
        em, lut, rt = parts.em, parts.lut, parts.rt
        self.periphery = PeripheryModel(p)
        self.arrays = {
            "a": ArrayEmulatorModel(em, lut, rt, parts.images[0]),
            "c": ArrayEmulatorModel(
                em.replace(seed=em.seed + 1), lut, rt, parts.images[1], parts.mt
            ),
        }
        self.fifos = {name: FifoModel(n) for name, n in fifo_depths(p).items()}
        self.read_sent = self.peek_pending = self.mvm_pending = 0
        self.host_ready = 0  # the register: host-ready a clock ago, nothing taken since
        # the two staging registers: the raw lines of every valid slot (and A's read request
        # apart), then the operations with a line firing
        self.raw: dict[str, tuple | None] = {"a": None, "c": None}
        self.raw_read: tuple | None = None
        self.staged: dict[str, tuple | None] = {"a": None, "c": None}

    @property
    def quiet(self) -> bool:
        """Both FIFOs empty and nothing staged for them."""
        fifos_empty = self.fifos["a"].level == 0 and self.fifos["c"].level == 0
        raw = any(self.raw.values()) or self.raw_read is not None
        return fifos_empty and not raw and not any(self.staged.values())

    @property
    def settled(self) -> bool:
        """Everything done: the peek port would take a request now and both arrays are idle
        with empty pipelines."""
        return bool(self.host_ready) and all(a.ready for a in self.arrays.values())

    def _host_ready_now(self, po: dict) -> bool:
        """Host-ready in this clock, before the register (module docstring)."""
        idle = po["gen_state"] == GeneratorState.IDLE and po["xfer_state"] == TransferState.IDLE
        lines = po["a_pulse"].valid or po["c_pulse"].valid  # registered: a clock after the state
        pending = self.peek_pending or self.mvm_pending
        return self.quiet and idle and not lines and not pending

    def _mvm_ready(self) -> bool:
        return bool(self.host_ready) and self.arrays["c"].ready

    def outputs(self) -> dict:
        po = self.periphery.outputs()
        a, c = self.arrays["a"], self.arrays["c"]
        return {
            "ready": int(po["ready"] and self.quiet),
            "gen_state": po["gen_state"],
            "xfer_state": po["xfer_state"],
            "col": po["col"],
            "a_state": int(a.state),
            "c_state": int(c.state),
            "peek_ready": self.host_ready,
            "peek_valid": int(a.peek_valid or c.peek_valid),
            "peek_state": a.peek_state if a.peek_valid else c.peek_state,
            "mvm_ready": int(self._mvm_ready()),
            "mvm_valid": c.mvm_valid,
            "mvm_codes": list(c.mvm_codes),
        }

    def tick(
        self,
        valid,
        x,
        d,
        cfg_we,
        cfg_addr,
        cfg_data,
        peek=(0, 0, 0, 0),
        reset=0,
        mvm=(0, False, ()),
    ) -> None:
        """The clock edge; ``reset`` restarts everything but the memories (H, A, C)."""
        po = self.periphery.outputs()
        a, c = self.arrays["a"], self.arrays["c"]
        peek_valid, peek_array, peek_row, peek_col = peek
        ready_now = self._host_ready_now(po)
        if self.host_ready and not ready_now:  # the register may only lag, never lead
            raise RuntimeError("host-ready register set while the tile is busy")
        take_peek = peek_valid and self.host_ready
        take_mvm = bool(mvm[0]) and self._mvm_ready()
        take_update = valid and po["ready"] and self.quiet
        mvm_done, answered = c.mvm_valid, a.peek_valid or c.peek_valid
        a_read = (a.resp_valid, list(a.codes))
        raw = {"a": None, "c": None}  # registered at this edge as they come
        for name in ("a", "c"):
            lines = po[f"{name}_pulse"]
            if lines.valid:
                raw[name] = (ArrayOp.PULSES, lines.x, lines.x_neg, lines.d, lines.d_neg)
        send_read = po["read_valid"] and not self.read_sent
        raw_read = (ArrayOp.READ, po["read_onehot"], 0, 0, 0) if send_read else None
        staging = {"a": None, "c": None}  # staged at this edge, in the FIFO at the next
        for name, op in self.raw.items():
            if op is not None and op[1] and op[3]:  # a line fires on both sides
                staging[name] = op
        if self.raw_read is not None:
            if staging["a"] is not None:
                raise RuntimeError("a read request and a pulse slot of A in one clock")
            staging["a"] = self.raw_read
        pushes = dict(self.staged)
        if take_peek:
            name = "c" if peek_array else "a"
            if pushes[name] is not None:
                raise RuntimeError("a peek and an operation of the periphery in one clock")
            pushes[name] = (ArrayOp.PEEK, 1 << peek_col, 0, 1 << peek_row, 0)
        quiet = self.quiet
        self.staged = {"a": None, "c": None} if reset else staging
        self.raw = {"a": None, "c": None} if reset else raw
        self.raw_read = None if reset else raw_read
        self.periphery.tick(int(valid and quiet), x, d, cfg_we, cfg_addr, cfg_data, *a_read, reset)
        for name, array in self.arrays.items():
            fifo = self.fifos[name]
            head = fifo.head
            take = head is not None and array.ready
            request = mvm if take_mvm and name == "c" else (0, False, ())
            array.tick(int(head is not None), *(head or (0, 0, 0, 0, 0)), reset=reset, mvm=request)
            if reset:
                fifo.reset()
            else:
                fifo.tick(pushes[name], bool(take))
        if reset or a_read[0]:
            self.read_sent = 0
        elif send_read:
            self.read_sent = 1
        if reset or answered:
            self.peek_pending = 0
        elif take_peek:
            self.peek_pending = 1
        if reset or mvm_done:
            self.mvm_pending = 0
        elif take_mvm:
            self.mvm_pending = 1
        took = take_peek or take_mvm or take_update
        self.host_ready = int(not reset and ready_now and not took)
