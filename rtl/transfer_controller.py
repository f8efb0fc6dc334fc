"""TTv2 transfer controller: column selection, one-hot read of A, filter, pulsed write of C
(model: ``golden/hw/transfer_controller.py``, which states the protocol and the timing)."""

from __future__ import annotations

from amaranth.hdl import Module, Mux, Signal, signed
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from golden.encoding import FilterState, TransferState
from golden.params import PeripheryParams
from rtl.fixedpoint import absolute
from rtl.pulse_generator import check_params, pulse_lines_signature
from rtl.replicate import kept_copies
from rtl.ttv2_filter import Ttv2Filter

__all__ = ["TransferController", "adc_signature", "read_signature"]


def read_signature(p: PeripheryParams) -> wiring.Signature:
    """Forward-read request to array A: ``valid`` and the one-hot column lines."""
    return wiring.Signature({"valid": Out(1), "onehot": Out(p.cols)})


def adc_signature(p: PeripheryParams) -> wiring.Signature:
    """ADC response of a read (driven by the crossbar): ``valid`` for one cycle with the codes."""
    return wiring.Signature(
        {
            "valid": Out(1),
            "codes": Out(data.ArrayLayout(signed(p.adc_bits), p.rows)),
        }
    )


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
        super().__init__(
            {
                "i_update_done": In(1),
                "transfer_every": In(p.period_bits),
                **{name: In(self._filter.signature.members[name].shape) for name in FILTER_PORTS},
                "o_read": Out(read_signature(p)),
                "i_adc": In(adc_signature(p)),
                "o_c_pulse": Out(pulse_lines_signature(p)),
                "o_busy": Out(1),
                "state": Out(TransferState),
                "col": Out(range(p.cols)),
            }
        )

    @property
    def params(self) -> PeripheryParams:
        return self._p

    @property
    def filter(self) -> Ttv2Filter:
        return self._filter

    def elaborate(self, platform):
        p = self._p
        S = TransferState
        m = Module()
        m.submodules.filter = flt = self._filter
        state = Signal(S)
        # the model's update count plus one, kept as a register so that starting a transfer
        # is one compare and no adder (count + 1 <= TRANSFER_EVERY <= 2**period_bits - 1)
        counted = Signal(p.period_bits, init=1)
        col = Signal(range(p.cols))
        onehot = Signal(p.cols, init=1)  # 1 << col, kept as a register
        kmax = Signal(p.bl.bit_length())  # max_i |k_i| of the column, as in the model
        left = Signal(p.bl.bit_length())  # WRITE slots left, this one included
        next_col = Mux(col == p.cols - 1, 0, col + 1)
        # the column is done this clock (DECIDE with kmax == 0, or WRITE's last slot), told by a
        # register made a clock ahead: the read request's column lines load on a register alone
        ends = Signal()
        starts = Signal()
        m.d.comb += [
            starts.eq(
                (state == S.IDLE)
                & self.i_update_done
                & (self.transfer_every != 0)
                & (counted >= self.transfer_every)
            ),
            self.o_busy.eq((state != S.IDLE) | self.i_update_done),
            self.state.eq(state),
            self.col.eq(col),
            self.o_read.valid.eq(state == S.READ),
            self.o_read.onehot.eq(onehot),
            flt.i_column.valid.eq(self.i_adc.valid & (state == S.READ)),
            flt.i_column.payload.col.eq(col),
            flt.i_column.payload.codes.eq(self.i_adc.codes),
            flt.o_count.ready.eq(1),
        ]
        m.d.comb += [getattr(flt, name).eq(getattr(self, name)) for name in FILTER_PORTS]

        out = flt.o_count.payload
        count_abs = absolute(out.count)[: p.bl.bit_length()]
        count_pos = ~out.count[-1] & out.count.any()  # sign bit, not a carry-chain compare
        emits = flt.o_count.valid
        last_row = emits & (out.row == p.rows - 1)
        # the rows learn "a count is emitted" and "WRITE" through two registers, made two
        # clocks ahead (the filter emits two clocks after UPDATE; WRITE follows from kmax/left)
        ahead = {
            "emit": flt.state == FilterState.UPDATE,
            "write": (state == S.FILTER) & last_row & ((kmax != 0) | (count_abs != 0))
            | (state == S.DECIDE) & (kmax[1:] != 0)
            | (state == S.WRITE) & (left > 2),
        }
        told = kept_copies(m, ahead, "pre_{}")
        # the column lines' own copy of "write"
        writing = kept_copies(m, {"write": told["write"]}, "{}_lines")["write"]
        self._rows(m, told, count_abs, count_pos)
        m.d.sync += ends.eq(
            (state == S.FILTER) & last_row & (kmax == 0) & (count_abs == 0)
            | (state == S.DECIDE) & (kmax == 1)
            | (state == S.WRITE) & (left == 2)
        )
        c = self.o_c_pulse
        m.d.sync += [c.valid.eq(writing), c.x.eq(Mux(writing, onehot, 0))]

        with m.Switch(state):
            with m.Case(S.IDLE):
                with m.If(self.i_update_done & (self.transfer_every != 0)):
                    with m.If(starts):
                        m.d.sync += [counted.eq(1), state.eq(S.READ)]
                    with m.Else():
                        m.d.sync += counted.eq(counted + 1)
            with m.Case(S.READ):
                m.d.sync += kmax.eq(0)
                with m.If(self.i_adc.valid):
                    m.d.sync += state.eq(S.FILTER)
            with m.Case(S.FILTER):
                with m.If(emits):
                    m.d.sync += kmax.eq(Mux(count_abs > kmax, count_abs, kmax))
                with m.If(last_row):
                    m.d.sync += state.eq(S.DECIDE)
            with m.Case(S.DECIDE):
                m.d.sync += left.eq(kmax)
                with m.If(kmax != 0):
                    m.d.sync += state.eq(S.WRITE)
            with m.Case(S.WRITE):
                m.d.sync += left.eq(left - 1)
        with m.If(ends):
            m.d.sync += [col.eq(next_col), onehot.eq(onehot.rotate_left(1)), state.eq(S.IDLE)]
        return m

    def _rows(self, m, told, count_abs, count_pos) -> None:
        """The rows' pulse counts, in groups of ``lane_group`` with their own copies of the
        flags ``told``. Counts arrive in row order and shift in from the top (row ``rows -
        1``), so after the column row i holds ``|k_i|`` and ``k_i > 0`` with no row decoder;
        in WRITE a row fires while its count is non-zero and counts down, which is the model's
        ``slot < |k_i|``."""
        p = self._p
        c = self.o_c_pulse
        owed = [Signal(p.bl.bit_length(), name=f"owed{i}") for i in range(p.rows)]
        k_pos = [Signal(name=f"k_pos{i}") for i in range(p.rows)]
        for g0 in range(0, p.rows, p.lane_group):
            at = kept_copies(m, told, f"at_{{}}{g0}")
            for i in range(g0, min(p.rows, g0 + p.lane_group)):
                above = (owed[i + 1], k_pos[i + 1]) if i + 1 < p.rows else (count_abs, count_pos)
                with m.If(at["emit"]):
                    m.d.sync += [owed[i].eq(above[0]), k_pos[i].eq(above[1])]
                with m.If(at["write"] & (owed[i] != 0)):
                    m.d.sync += owed[i].eq(owed[i] - 1)
                m.d.sync += [
                    c.d[i].eq(at["write"] & (owed[i] != 0)),
                    c.d_neg[i].eq(at["write"] & k_pos[i]),
                ]
