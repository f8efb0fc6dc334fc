"""The periphery top: configuration registers, pulse generator and transfer controller
(model: ``golden/hw/periphery.py``)."""

from __future__ import annotations

from amaranth.hdl import Module, Mux, Signal
from amaranth.lib import stream, wiring
from amaranth.lib.wiring import In, Out

from golden.encoding import ConfigReg, GeneratorState, TransferState
from golden.params import PeripheryParams
from rtl.pulse_generator import PulseGenerator, check_params, pulse_lines_signature, update_layout
from rtl.transfer_controller import (
    FILTER_PORTS,
    TransferController,
    adc_signature,
    read_signature,
)

__all__ = ["CrossbarPeriphery", "PORT_MEANINGS", "config_signature"]


def config_signature(p: PeripheryParams) -> wiring.Signature:
    """Register write port: ``we``, ``addr`` (a ConfigReg), ``data``."""
    return wiring.Signature(
        {
            "we": Out(1),
            "addr": Out(ConfigReg),
            "data": Out(p.cfg_data_bits),
        }
    )


#: what each top-level port means (ports.json and the README)
PORT_MEANINGS = {
    "clk": "clock; every register is on its rising edge",
    "rst": "synchronous reset (registers to their reset values; the H memory is kept)",
    "i_update__valid": "host: an (x, d) update is offered",
    "i_update__ready": "periphery: the update is taken this cycle (low during a transfer)",
    "i_update__payload": "host: x (cols signed x_bits codes, column 0 in the low bits) then d "
    "(rows signed d_bits codes)",
    "cfg__we": "host: write cfg__data into register cfg__addr at this clock edge",
    "cfg__addr": "host: register address (golden.encoding.ConfigReg)",
    "cfg__data": "host: register value (saturated at the register's limit)",
    "o_a_pulse__valid": "array A: a pulse slot is on the lines this cycle",
    "o_a_pulse__x": "array A: column lines that pulse in this slot (bit j = column j)",
    "o_a_pulse__x_neg": "array A: sign of x_j (1 = negative)",
    "o_a_pulse__d": "array A: row lines that pulse in this slot (bit i = row i)",
    "o_a_pulse__d_neg": "array A: sign of d_i; a coincidence is an up pulse iff x_neg != d_neg",
    "o_c_pulse__valid": "array C: a pulse slot is on the lines this cycle",
    "o_c_pulse__x": "array C: the one-hot column being written",
    "o_c_pulse__x_neg": "array C: always 0",
    "o_c_pulse__d": "array C: row lines that pulse in this slot",
    "o_c_pulse__d_neg": "array C: 1 = up pulses on this row (positive TTv2 count)",
    "o_read__valid": "array A: forward read requested (held until i_adc__valid)",
    "o_read__onehot": "array A: one-hot input lines of the read (bit j = column j)",
    "i_adc__valid": "array A: ADC codes of the requested read are valid (one cycle)",
    "i_adc__codes": "array A: rows signed adc_bits ADC codes (row 0 in the low bits)",
    "gen_state": "pulse generator state (golden.encoding.GeneratorState)",
    "xfer_state": "transfer controller state (golden.encoding.TransferState)",
    "col": "column of the next or current transfer",
}


class CrossbarPeriphery(wiring.Component):
    """The digital periphery of one TTv2 tile pair (A, C), rows x cols x BL.

    Members
    -------
    i_update : In(stream.Signature(update_layout))
        Host stream of (x, d) updates.
    cfg : In(config_signature)
        Configuration register writes.
    o_a_pulse, o_c_pulse : Out(pulse_lines_signature)
        Pulse lines of arrays A and C.
    o_read : Out(read_signature)
        One-hot read request to A.
    i_adc : In(adc_signature)
        ADC response of A.
    gen_state, xfer_state, col : Out
        Status: the two state registers and the transfer column.
    """

    def __init__(self, params: PeripheryParams):
        self._p = p = check_params(params)
        self._gen = PulseGenerator(p)
        self._ctrl = TransferController(p)
        super().__init__(
            {
                "i_update": In(stream.Signature(update_layout(p))),
                "cfg": In(config_signature(p)),
                "o_a_pulse": Out(pulse_lines_signature(p)),
                "o_c_pulse": Out(pulse_lines_signature(p)),
                "o_read": Out(read_signature(p)),
                "i_adc": In(adc_signature(p)),
                "gen_state": Out(GeneratorState),
                "xfer_state": Out(TransferState),
                "col": Out(range(p.cols)),
            }
        )

    @property
    def params(self) -> PeripheryParams:
        return self._p

    @property
    def controller(self) -> TransferController:
        return self._ctrl

    def elaborate(self, platform):
        p = self._p
        m = Module()
        m.submodules.gen = gen = self._gen
        m.submodules.ctrl = ctrl = self._ctrl
        widths, resets = p.register_widths(), p.register_resets()
        regs = {
            r: Signal(widths[r], init=resets[r], name=f"reg_{r.name.lower()}") for r in ConfigReg
        }
        with m.If(self.cfg.we):
            with m.Switch(self.cfg.addr):
                for r, reg in regs.items():
                    with m.Case(r):
                        limit = p.register_limit(r)
                        m.d.sync += reg.eq(Mux(self.cfg.data > limit, limit, self.cfg.data))

        busy = ctrl.o_busy
        m.d.comb += [
            gen.i_update.payload.eq(self.i_update.payload),
            gen.i_update.valid.eq(self.i_update.valid & ~busy),
            self.i_update.ready.eq(gen.i_update.ready & ~busy),
            gen.gain_even.eq(regs[ConfigReg.GAIN_EVEN]),
            gen.gain_odd.eq(regs[ConfigReg.GAIN_ODD]),
            ctrl.i_update_done.eq(gen.o_done),
            ctrl.transfer_every.eq(regs[ConfigReg.TRANSFER_EVERY]),
            self.gen_state.eq(gen.state),
            self.xfer_state.eq(ctrl.state),
            self.col.eq(ctrl.col),
        ]
        m.d.comb += [getattr(ctrl, n).eq(regs[ConfigReg[n.upper()]]) for n in FILTER_PORTS]
        wiring.connect(m, wiring.flipped(self.o_a_pulse), gen.o_pulse)
        wiring.connect(m, wiring.flipped(self.o_c_pulse), ctrl.o_c_pulse)
        wiring.connect(m, wiring.flipped(self.o_read), ctrl.o_read)
        wiring.connect(m, wiring.flipped(self.i_adc), ctrl.i_adc)
        return m
