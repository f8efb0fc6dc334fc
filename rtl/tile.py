"""The whole TTv2 tile: the periphery and two array emulators, A and C (model:
``golden/hw/tile.py``, which describes the glue)."""

from __future__ import annotations

from amaranth.hdl import Cat, Module, Mux, Signal
from amaranth.lib import data, stream, wiring
from amaranth.lib.fifo import SyncFIFOBuffered
from amaranth.lib.wiring import In, Out

from golden.encoding import ArrayOp, ArrayState, GeneratorState, TransferState
from golden.hw.tile import TileParts, fifo_depths
from golden.params import PeripheryParams
from rtl.crossbar import ArrayEmulator, mvm_layout, op_layout
from rtl.onehot import group_any, lowest_grouped
from rtl.periphery import PORT_MEANINGS, CrossbarPeriphery, config_signature
from rtl.pulse_generator import check_params, update_layout

__all__ = ["TILE_PORT_MEANINGS", "BlockRamFifo", "Tile", "peek_layout"]


class BlockRamFifo(SyncFIFOBuffered):
    """``SyncFIFOBuffered`` whose storage is asked to be block RAM: a shallow, wide queue (258
    bits x 31 at 64 x 64) would otherwise become distributed RAM, whose read (the address
    fanned out to every bit, then a mux tree) was the 64 x 64 tile's critical path."""

    def elaborate(self, platform):
        m = super().elaborate(platform)
        m.submodules.storage.attrs["ram_style"] = "block"
        return m


def peek_layout(p: PeripheryParams) -> data.StructLayout:
    """A host peek request: which array (0 = A, 1 = C), row and column."""
    return data.StructLayout({"array": 1, "row": range(p.rows), "col": range(p.cols)})


#: what each port of the tile means (ports.json)
TILE_PORT_MEANINGS = {
    name: PORT_MEANINGS[name]
    for name in (
        "clk",
        "i_update__valid",
        "i_update__payload",
        "cfg__we",
        "cfg__addr",
        "cfg__data",
        "gen_state",
        "xfer_state",
        "col",
    )
} | {
    "rst": "synchronous reset (registers to their reset values; H, A and C memories are kept)",
    "i_update__ready": "tile: the update is taken this cycle (low during a transfer and while "
    "an array has queued operations)",
    "a_state": "array A's state machine (golden.encoding.ArrayState)",
    "c_state": "array C's state machine (golden.encoding.ArrayState)",
    "i_peek__valid": "host: read back one device's state",
    "i_peek__ready": "tile: the peek is taken (both arrays' queues empty, periphery idle, no "
    "peek or MVM outstanding)",
    "i_peek__payload": "host: array (bit 0: 0 = A, 1 = C), then row, then column",
    "o_peek__valid": "tile: o_peek__state holds the state of the peeked device (one cycle)",
    "o_peek__state": "tile: the peeked device's state (0 .. n_states - 1)",
    "i_mvm__valid": "host: an MVM on C, y = W x (or z = W^T d when transposed)",
    "i_mvm__ready": "tile: the MVM is taken (as i_peek__ready, and C idle)",
    "i_mvm__payload": "host: transposed (bit 0), then max(rows, cols) signed DAC codes "
    "(cols used, rows when transposed; element 0 in the low bits)",
    "o_mvm__valid": "tile: o_mvm__codes hold the MVM's answer (one cycle)",
    "o_mvm__codes": "tile: the signed ADC codes of the outputs (rows of them, cols when "
    "transposed; element 0 in the low bits)",
}


class Tile(wiring.Component):
    """Periphery + array A + array C: one TTv2 tile that needs only a host.

    Members
    -------
    i_update : In(stream.Signature(update_layout))
        Host stream of (x, d) updates (stalled while an array has queued operations).
    cfg : In(config_signature)
        Configuration register writes (the periphery's).
    gen_state, xfer_state, col : Out
        The periphery's status.
    a_state, c_state : Out(ArrayState)
        The arrays' state machines.
    i_peek : In(stream.Signature(peek_layout))
        Host request for one device's state (``array`` 0 = A, 1 = C, ``row``, ``col``).
    o_peek : Out(peek_signature)
        ``valid`` for one clock with the ``state`` of the requested device.
    i_mvm : In(stream.Signature(mvm_layout))
        Host MVM request on C (``transposed``, DAC codes).
    o_mvm : Out(mvm_signature)
        ``valid`` for one clock with the ADC ``codes`` of the MVM.
    """

    def __init__(self, params: PeripheryParams, parts: TileParts):
        self._p = p = check_params(params)
        em, lut, rt = parts.em, parts.lut, parts.rt
        for name, image in zip("AC", parts.images, strict=True):
            if image.states.shape != (p.rows, p.cols):
                raise ValueError(f"array {name} must be {p.rows} x {p.cols}")
        if rt.adc_bits != p.adc_bits:
            raise ValueError(f"read tables need adc_bits = {p.adc_bits}, not {rt.adc_bits}")
        self._periphery = CrossbarPeriphery(p)
        self._arrays = {
            "a": ArrayEmulator(em, lut, rt, parts.images[0]),
            "c": ArrayEmulator(em.replace(seed=em.seed + 1), lut, rt, parts.images[1], parts.mt),
        }
        c = self._arrays["c"]
        super().__init__(
            {
                "i_update": In(stream.Signature(update_layout(p))),
                "cfg": In(config_signature(p)),
                "gen_state": Out(GeneratorState),
                "xfer_state": Out(TransferState),
                "col": Out(range(p.cols)),
                "a_state": Out(ArrayState),
                "c_state": Out(ArrayState),
                "i_peek": In(stream.Signature(peek_layout(p))),
                "o_peek": Out(
                    wiring.Signature({"valid": Out(1), "state": Out(self._arrays["a"].state_bits)})
                ),
                "i_mvm": In(stream.Signature(mvm_layout(parts.mt, max(p.rows, p.cols)))),
                "o_mvm": Out(
                    wiring.Signature({"valid": Out(1), "codes": Out(c.mvm_codes.shape())})
                ),
            }
        )

    @property
    def arrays(self) -> dict[str, ArrayEmulator]:
        return self._arrays

    @property
    def periphery(self) -> CrossbarPeriphery:
        return self._periphery

    def elaborate(self, platform):
        p = self._p
        m = Module()
        m.submodules.periphery = per = self._periphery
        layout = op_layout(p.rows, p.cols)
        fifos = {}
        # host peeks and MVMs: taken while the periphery is idle, both queues are empty and no
        # peek or MVM is outstanding, so they never meet an operation of the periphery; the
        # condition is registered (host_ready: true a clock ago and nothing taken since, which
        # implies it is true now), so no logic sits between the periphery's state and the
        # host's enables
        peek = self.i_peek.payload
        peek_pending, mvm_pending = Signal(), Signal()
        quiet = Signal(init=1)  # both FIFOs empty, nothing staged: a register, exact
        host_ready = Signal()
        # the periphery's operations for each FIFO (pulse slots with a line firing, A's read
        # request) are staged in two levels of registers (no enables: nothing fans out to
        # them): `raw` takes the lines as they come from the periphery's registers, spread
        # over the chip, with no logic between; `staged` the operation formed from `raw` (the
        # lines' ORs, d_first, x_groups, x_first); no OR over the lines feeds a FIFO
        raw = {name: Signal(layout, name=f"raw_{name}") for name in ("a", "c")}
        raw_valid = {name: Signal(name=f"raw_valid_{name}") for name in ("a", "c")}
        staged = {name: Signal(layout, name=f"staged_{name}") for name in ("a", "c")}
        staged_valid = {name: Signal(name=f"staged_valid_{name}") for name in ("a", "c")}
        read_raw, read_raw_valid = Signal(layout), Signal()
        read_staged, read_staged_valid = Signal(layout), Signal()
        idle = (
            (per.gen_state == GeneratorState.IDLE)
            & (per.xfer_state == TransferState.IDLE)
            & ~per.o_a_pulse.valid
            & ~per.o_c_pulse.valid
            & ~Cat(*raw_valid.values(), *staged_valid.values()).any()
            & ~read_raw_valid
            & ~read_staged_valid
        )
        m.d.comb += self.i_peek.ready.eq(host_ready)
        take_peek = self.i_peek.valid & self.i_peek.ready
        peek_op = Signal(layout)
        m.d.comb += [
            peek_op.op.eq(ArrayOp.PEEK),
            peek_op.x.eq(1 << peek.col),
            peek_op.d.eq(1 << peek.row),
            peek_op.d_first.eq(1 << peek.row),
            peek_op.x_groups.eq(group_any(peek_op.x)),
            peek_op.x_first.eq(peek_op.x),
        ]
        # A's read request becomes one READ operation (sent once); A's codes answer the
        # periphery
        a = self._arrays["a"]
        read_sent = Signal()
        send_read = per.o_read.valid & ~read_sent
        read_op = Signal(layout)  # x_neg, d, d_neg, d_first stay 0
        m.d.sync += read_raw.x.eq(per.o_read.onehot)
        m.d.comb += [
            read_op.op.eq(ArrayOp.READ),
            read_op.x.eq(read_raw.x),
            read_op.x_groups.eq(group_any(read_raw.x)),
            read_op.x_first.eq(read_raw.x),  # the controller's request is one-hot
        ]
        # each FIFO's level (entries written and not yet taken) kept in a register of its own:
        # the FIFO's `level` is a sum, and "quiet" feeds the periphery's update enables
        fills, stage_next = {}, []
        for name, n in fifo_depths(p).items():
            m.submodules[f"fifo_{name}"] = fifos[name] = BlockRamFifo(width=layout.size, depth=n)
            fills[name] = Signal(range(n + 1), name=f"fill_{name}")
            m.submodules[f"array_{name}"] = array = self._arrays[name]
            fifo = fifos[name]
            m.d.comb += [
                array.i_op.valid.eq(fifo.r_rdy),
                array.i_op.payload.eq(fifo.r_data),
                fifo.r_en.eq(array.i_op.ready),
            ]
            lines, r = getattr(per, f"o_{name}_pulse"), raw[name]
            m.d.sync += [raw_valid[name].eq(lines.valid)] + [
                getattr(r, f).eq(getattr(lines, f)) for f in ("x", "x_neg", "d", "d_neg")
            ]
            pulses = Signal(layout, name=f"pulses_{name}")
            m.d.comb += [
                pulses.eq(r),
                pulses.op.eq(ArrayOp.PULSES),
                pulses.d_first.eq(lowest_grouped(m, r.d, f"d_first_{name}")),
                pulses.x_groups.eq(group_any(r.x)),
                pulses.x_first.eq(lowest_grouped(m, r.x, f"x_first_{name}")),
            ]
            staging = Signal(name=f"staging_{name}")
            m.d.comb += staging.eq(raw_valid[name] & r.x.any() & r.d.any())
            m.d.sync += [staged_valid[name].eq(staging), staged[name].eq(pulses)]
            stage_next += [lines.valid, staging]
            m.d.comb += [fifo.w_en.eq(staged_valid[name]), fifo.w_data.eq(staged[name])]
            if name == "a":  # A's read request, staged apart (never in the clock of a slot of A)
                m.d.sync += [read_raw_valid.eq(send_read), read_staged_valid.eq(read_raw_valid)]
                m.d.sync += read_staged.eq(read_op)
                stage_next += [send_read, read_raw_valid]
                with m.If(read_staged_valid):
                    m.d.comb += [fifo.w_en.eq(1), fifo.w_data.eq(read_staged)]
            with m.If(take_peek & (peek.array == int(name == "c"))):
                m.d.comb += [fifo.w_en.eq(1), fifo.w_data.eq(peek_op)]

        empty_next = []
        for name, fifo in fifos.items():
            # the host never lets a FIFO fill up (the model raises if it would), so a write
            # is a push: no FIFO level in this sum
            pushed, taken = fifo.w_en, fifo.r_en & fifo.r_rdy
            fill = fills[name]
            m.d.sync += fill.eq(fill + pushed - taken)
            # empty after this clock, without the adder: nothing pushed, and empty or the last
            # entry taken
            empty_next.append(~pushed & ((fill == 0) | ((fill == 1) & taken)))
        m.d.sync += quiet.eq(Cat(empty_next).all() & ~Cat(stage_next).any())
        with m.If(a.read_valid):
            m.d.sync += read_sent.eq(0)
        with m.Elif(send_read):
            m.d.sync += read_sent.eq(1)
        m.d.comb += [per.i_adc.valid.eq(a.read_valid), per.i_adc.codes.eq(a.codes)]

        a_arr, c_arr = self._arrays["a"], self._arrays["c"]
        # host MVMs go straight to C's MAC engine
        m.d.comb += [
            self.i_mvm.ready.eq(host_ready & c_arr.i_mvm.ready),
            c_arr.i_mvm.valid.eq(self.i_mvm.valid & host_ready),
            c_arr.i_mvm.payload.eq(self.i_mvm.payload),
            self.o_mvm.valid.eq(c_arr.mvm_valid),
            self.o_mvm.codes.eq(c_arr.mvm_codes),
        ]
        with m.If(c_arr.mvm_valid):
            m.d.sync += mvm_pending.eq(0)
        with m.Elif(self.i_mvm.valid & self.i_mvm.ready):
            m.d.sync += mvm_pending.eq(1)
        answered = a_arr.peek_valid | c_arr.peek_valid
        with m.If(answered):
            m.d.sync += peek_pending.eq(0)
        with m.Elif(take_peek):
            m.d.sync += peek_pending.eq(1)
        took = (
            take_peek
            | (self.i_mvm.valid & self.i_mvm.ready)
            | (self.i_update.valid & self.i_update.ready)
        )
        m.d.sync += host_ready.eq(quiet & idle & ~peek_pending & ~mvm_pending & ~took)
        m.d.comb += [
            self.o_peek.valid.eq(answered),
            self.o_peek.state.eq(Mux(a_arr.peek_valid, a_arr.peek_state, c_arr.peek_state)),
        ]
        m.d.comb += [
            per.i_update.payload.eq(self.i_update.payload),
            per.i_update.valid.eq(self.i_update.valid & quiet),
            self.i_update.ready.eq(per.i_update.ready & quiet),
            per.cfg.we.eq(self.cfg.we),
            per.cfg.addr.eq(self.cfg.addr),
            per.cfg.data.eq(self.cfg.data),
            self.gen_state.eq(per.gen_state),
            self.xfer_state.eq(per.xfer_state),
            self.col.eq(per.col),
            self.a_state.eq(self._arrays["a"].state),
            self.c_state.eq(self._arrays["c"].state),
        ]
        return m
