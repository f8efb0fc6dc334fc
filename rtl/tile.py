"""The whole TTv2 tile: the periphery and two array emulators, A and C (model:
``golden/hw/tile.py``, which describes the glue)."""

from __future__ import annotations

from amaranth.hdl import Module, Signal
from amaranth.lib import stream, wiring
from amaranth.lib.fifo import SyncFIFO
from amaranth.lib.wiring import In, Out

from golden.encoding import ArrayOp, ArrayState, GeneratorState, TransferState
from golden.hw.tile import fifo_depths
from golden.lut_exact import ArrayImage, ExactLut, ReadTables
from golden.params import EmulatorParams, PeripheryParams
from rtl.crossbar import ArrayEmulator, op_layout
from rtl.periphery import CrossbarPeriphery, config_signature
from rtl.pulse_generator import check_params, update_layout

__all__ = ["Tile"]


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
    """

    def __init__(
        self,
        params: PeripheryParams,
        em: EmulatorParams,
        lut: ExactLut,
        rt: ReadTables,
        image_a: ArrayImage,
        image_c: ArrayImage,
    ):
        self._p = p = check_params(params)
        for name, image in (("A", image_a), ("C", image_c)):
            if image.states.shape != (p.rows, p.cols):
                raise ValueError(f"array {name} must be {p.rows} x {p.cols}")
        if rt.adc_bits != p.adc_bits:
            raise ValueError(f"read tables need adc_bits = {p.adc_bits}, not {rt.adc_bits}")
        self._periphery = CrossbarPeriphery(p)
        self._arrays = {
            "a": ArrayEmulator(em, lut, rt, image_a),
            "c": ArrayEmulator(em.replace(seed=em.seed + 1), lut, rt, image_c),
        }
        super().__init__(
            {
                "i_update": In(stream.Signature(update_layout(p))),
                "cfg": In(config_signature(p)),
                "gen_state": Out(GeneratorState),
                "xfer_state": Out(TransferState),
                "col": Out(range(p.cols)),
                "a_state": Out(ArrayState),
                "c_state": Out(ArrayState),
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
        for name, n in fifo_depths(p).items():
            m.submodules[f"fifo_{name}"] = fifos[name] = SyncFIFO(width=layout.size, depth=n)
            m.submodules[f"array_{name}"] = array = self._arrays[name]
            fifo = fifos[name]
            m.d.comb += [
                array.i_op.valid.eq(fifo.r_rdy),
                array.i_op.payload.eq(fifo.r_data),
                fifo.r_en.eq(array.i_op.ready),
            ]
            lines = getattr(per, f"o_{name}_pulse")
            pulses = Signal(layout, name=f"pulses_{name}")
            m.d.comb += [
                pulses.op.eq(ArrayOp.PULSES),
                pulses.x.eq(lines.x),
                pulses.x_neg.eq(lines.x_neg),
                pulses.d.eq(lines.d),
                pulses.d_neg.eq(lines.d_neg),
                fifo.w_en.eq(lines.valid & lines.x.any() & lines.d.any()),
                fifo.w_data.eq(pulses),
            ]

        # A's read request becomes one READ operation; A's codes answer the periphery
        a, fifo_a = self._arrays["a"], fifos["a"]
        read_sent = Signal()
        send_read = per.o_read.valid & ~read_sent
        read_op = Signal(layout)  # x_neg, d, d_neg stay 0
        m.d.comb += [read_op.op.eq(ArrayOp.READ), read_op.x.eq(per.o_read.onehot)]
        with m.If(send_read):
            m.d.comb += [fifo_a.w_en.eq(1), fifo_a.w_data.eq(read_op)]
        with m.If(a.read_valid):
            m.d.sync += read_sent.eq(0)
        with m.Elif(send_read):
            m.d.sync += read_sent.eq(1)
        m.d.comb += [per.i_adc.valid.eq(a.read_valid), per.i_adc.codes.eq(a.codes)]

        quiet = ~fifos["a"].r_rdy & ~fifos["c"].r_rdy
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
