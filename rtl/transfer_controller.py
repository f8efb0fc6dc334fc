"""TTv2 transfer controller: column selection, one-hot read of A, filter, pulsed write of C
(model: ``golden/hw/transfer_controller.py``, which states the protocol and the timing)."""

from __future__ import annotations

from amaranth.hdl import Cat, Module, Mux, Signal, signed
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from golden.encoding import TransferState
from golden.hw.params import PeripheryParams
from rtl.fixedpoint import absolute
from rtl.pulse_generator import check_params, pulse_lines_signature
from rtl.ttv2_filter import Ttv2Filter

__all__ = ["TransferController", "adc_signature", "read_signature"]


def read_signature(p: PeripheryParams) -> wiring.Signature:
    """Forward-read request to array A: ``valid`` and the one-hot column lines."""
    return wiring.Signature({"valid": Out(1), "onehot": Out(p.cols)})


def adc_signature(p: PeripheryParams) -> wiring.Signature:
    """ADC response of a read (driven by the crossbar): ``valid`` for one cycle with the codes."""
    return wiring.Signature({
        "valid": Out(1),
        "codes": Out(data.ArrayLayout(signed(p.adc_bits), p.rows)),
    })  # fmt: skip


FILTER_PORTS = ("transfer_lr", "thres_shift", "momentum", "forget", "max_pulses")


class TransferController(wiring.Component):
    """Every TRANSFER_EVERY updates: read the next column of A, filter it, write C.

    Members
    -------
    i_update_done : In(1)
        One finished update of A (the pulse generator's ``o_done``).
    transfer_every : In(period_bits)
        ``ConfigReg.TRANSFER_EVERY`` (0: never transfer).
    transfer_lr, thres_shift, momentum, forget, max_pulses : In
        Passed to the TTv2 filter.
    o_read : Out(read_signature)
        One-hot read request, held in state READ until the ADC answers.
    i_adc : In(adc_signature)
        The ADC codes of the requested column.
    o_c_pulse : Out(pulse_lines_signature)
        Registered pulse lines of C.
    o_busy : Out(1)
        An update just finished (a transfer may start) or a transfer runs; the host must not
        update A.
    state : Out(TransferState)
        The state register.
    col : Out(range(cols))
        The column the next (or current) transfer works on.
    """

    def __init__(self, params: PeripheryParams):
        self._p = p = check_params(params)
        self._filter = Ttv2Filter(p)
        super().__init__({
            "i_update_done": In(1),
            "transfer_every": In(p.period_bits),
            **{name: In(self._filter.signature.members[name].shape) for name in FILTER_PORTS},
            "o_read": Out(read_signature(p)),
            "i_adc": In(adc_signature(p)),
            "o_c_pulse": Out(pulse_lines_signature(p)),
            "o_busy": Out(1),
            "state": Out(TransferState),
            "col": Out(range(p.cols)),
        })  # fmt: skip

    @property
    def params(self) -> PeripheryParams:
        return self._p

    @property
    def filter(self) -> Ttv2Filter:
        return self._filter

    def elaborate(self, platform):
        p = self._p
        m = Module()
        m.submodules.filter = flt = self._filter
        state = Signal(TransferState)
        count = Signal(p.period_bits)
        col = Signal(range(p.cols))
        # each row keeps the pulses it still owes C, |k_i| counted down one per WRITE slot, and
        # k_i > 0; the model's slot counter and max_i |k_i| are never formed: a row fires while
        # its count is non-zero, DECIDE asks whether any count is non-zero, and the last slot
        # is the one in which no count exceeds 1 (the same cycles, with no adder or comparator
        # on the way to the state register)
        owed = [Signal(p.bl.bit_length(), name=f"owed{i}") for i in range(p.rows)]
        k_pos = [Signal(name=f"k_pos{i}") for i in range(p.rows)]
        any_pulse = Cat(k != 0 for k in owed).any()
        more = Cat(k[1:] != 0 for k in owed).any()
        next_col = Mux(col == p.cols - 1, 0, col + 1)
        starts = Signal()
        m.d.comb += [
            starts.eq((state == TransferState.IDLE) & self.i_update_done
                      & (self.transfer_every != 0) & (count + 1 >= self.transfer_every)),
            self.o_busy.eq((state != TransferState.IDLE) | self.i_update_done),
            self.state.eq(state),
            self.col.eq(col),
            self.o_read.valid.eq(state == TransferState.READ),
            self.o_read.onehot.eq(1 << col),
            flt.i_column.valid.eq(self.i_adc.valid & (state == TransferState.READ)),
            flt.i_column.payload.col.eq(col),
            flt.i_column.payload.codes.eq(self.i_adc.codes),
            flt.o_count.ready.eq(1),
        ]  # fmt: skip
        m.d.comb += [getattr(flt, name).eq(getattr(self, name)) for name in FILTER_PORTS]
        c = self.o_c_pulse
        m.d.sync += [c.valid.eq(0), c.x.eq(0), c.x_neg.eq(0), c.d.eq(0), c.d_neg.eq(0)]

        out = flt.o_count.payload
        count_abs = absolute(out.count)[: p.bl.bit_length()]
        count_pos = ~out.count[-1] & out.count.any()  # sign bit, not a carry-chain compare
        with m.Switch(state):
            with m.Case(TransferState.IDLE):
                with m.If(self.i_update_done & (self.transfer_every != 0)):
                    with m.If(starts):
                        m.d.sync += [count.eq(0), state.eq(TransferState.READ)]
                    with m.Else():
                        m.d.sync += count.eq(count + 1)
            with m.Case(TransferState.READ):
                with m.If(self.i_adc.valid):
                    m.d.sync += state.eq(TransferState.FILTER)
            with m.Case(TransferState.FILTER):
                with m.If(flt.o_count.valid):
                    for i in range(p.rows):
                        with m.If(out.row == i):
                            m.d.sync += [owed[i].eq(count_abs), k_pos[i].eq(count_pos)]
                    with m.If(out.row == p.rows - 1):
                        m.d.sync += state.eq(TransferState.DECIDE)
            with m.Case(TransferState.DECIDE):
                with m.If(any_pulse):
                    m.d.sync += state.eq(TransferState.WRITE)
                with m.Else():
                    m.d.sync += [col.eq(next_col), state.eq(TransferState.IDLE)]
            with m.Case(TransferState.WRITE):
                m.d.sync += [
                    c.valid.eq(1),
                    c.x.eq(1 << col),
                    c.d.eq(Cat(k != 0 for k in owed)),
                    c.d_neg.eq(Cat(k_pos)),
                    *[k.eq(Mux(k != 0, k - 1, 0)) for k in owed],
                ]
                with m.If(~more):
                    m.d.sync += [col.eq(next_col), state.eq(TransferState.IDLE)]
        return m
