"""TTv2 digital filter with the H buffer memory
(model: ``golden/hw/ttv2_filter.py``, which states the arithmetic and the timing)."""

from __future__ import annotations

from amaranth.hdl import Module, Mux, Signal, signed, unsigned
from amaranth.lib import data, stream, wiring
from amaranth.lib.memory import Memory, MemoryData
from amaranth.lib.wiring import In, Out

from golden.encoding import FilterState
from golden.params import PeripheryParams
from rtl.fixedpoint import absolute, clamp_unsigned, saturate, shift_right
from rtl.pulse_generator import check_params
from rtl.replicate import kept_copies

__all__ = ["Ttv2Filter", "column_layout", "count_layout"]


def column_layout(p: PeripheryParams) -> data.StructLayout:
    """A column read of A: its index and the rows' ADC codes."""
    return data.StructLayout(
        {
            "col": unsigned(max(1, (p.cols - 1).bit_length())),
            "codes": data.ArrayLayout(signed(p.adc_bits), p.rows),
        }
    )


def count_layout(p: PeripheryParams) -> data.StructLayout:
    """One row's result: the row and its signed pulse count for C."""
    return data.StructLayout(
        {
            "row": unsigned(max(1, (p.rows - 1).bit_length())),
            "count": signed(p.count_bits),
        }
    )


class Ttv2Filter(wiring.Component):
    """H += code * TRANSFER_LR, threshold, pulse count, forget/momentum; one element per
    15 clocks (READ .. WRITE, EMIT), H in a ``rows * cols`` memory (column-major).

    Members
    -------
    i_column : In(stream.Signature(column_layout))
        The ADC codes of one column of A; accepted in state IDLE.
    o_count : Out(stream.Signature(count_layout))
        Each row's pulse count (positive: up pulses on C), rows in order, with back-pressure.
    transfer_lr, thres_shift, momentum, forget, max_pulses : In
        The filter's configuration registers (``golden.encoding.ConfigReg``).
    state : Out(FilterState)
        The state register.
    """

    def __init__(self, params: PeripheryParams):
        self._p = p = check_params(params)
        super().__init__(
            {
                "i_column": In(stream.Signature(column_layout(p))),
                "o_count": Out(stream.Signature(count_layout(p))),
                "transfer_lr": In(p.lr_bits),
                "thres_shift": In(p.thres_bits),
                "momentum": In(p.momentum_bits),
                "forget": In(1),
                "max_pulses": In(p.bl.bit_length()),
                "state": Out(FilterState),
            }
        )
        self._h_data = MemoryData(shape=signed(p.h_bits), depth=p.h_depth, init=[])

    @property
    def params(self) -> PeripheryParams:
        return self._p

    @property
    def h_data(self) -> MemoryData:
        """The H buffer memory (simulation reads it to compare with the golden buffer)."""
        return self._h_data

    def elaborate(self, platform):
        p = self._p
        S = FilterState
        m = Module()
        m.submodules.h_mem = mem = Memory(self._h_data)
        rd = mem.read_port()
        wr = mem.write_port()

        state = Signal(S)
        col = Signal.like(self.i_column.payload.col)
        row = Signal.like(self.o_count.payload.row)
        codes = Signal(self.i_column.payload.codes.shape())
        addr = Signal(range(p.h_depth))
        m.d.comb += [
            self.state.eq(state),
            self.i_column.ready.eq(state == S.IDLE),
            self.o_count.valid.eq(state == S.EMIT),
            addr.eq(col * p.rows + row),
            rd.addr.eq(addr),
            wr.addr.eq(addr),
        ]

        # one register per step (golden.hw.ttv2_filter.STEPS names the same values)
        mf, hb = p.momentum_frac, p.h_bits
        code = Signal(signed(p.adc_bits))
        h_reg = Signal(signed(hb))
        product = Signal(signed(p.adc_bits + p.lr_bits + 1))
        total = Signal(signed(max(hb, len(product)) + 1))
        h1 = Signal(signed(hb))
        h_abs = Signal(hb)
        mag = Signal(hb)
        k = Signal(signed(p.count_bits))
        prod_m = Signal(signed(hb + p.momentum_bits))
        prod_k = Signal(signed(p.count_bits + p.momentum_bits))
        shifted = Signal(signed(p.count_bits + p.momentum_bits + hb - 2))
        round_m = Signal(signed(len(prod_m)))
        round_k = Signal(signed(len(shifted)))
        forgotten = Signal(signed(hb))
        paid = Signal(signed(hb + 1))
        diff = Signal(signed(hb + 2))
        h2 = Signal(signed(hb))
        k_abs = clamp_unsigned(mag, self.max_pulses, p.bl.bit_length())
        keep = Signal(p.momentum_bits)  # 2**momentum_frac - momentum, registered in COUNT
        mom = Signal(p.momentum_bits)  # the multipliers' configuration operands, registered
        lr = Signal(p.lr_bits)  # a clock ahead (COUNT, READ) by the multipliers
        m.d.comb += [wr.data.eq(h2), wr.en.eq(state == S.WRITE)]
        new_h = Mux(k == 0, h1, Mux(self.forget, forgotten, saturate(diff, hb)))

        steps = {
            # READ's code is codes[0]: the codes shift down a row per element (_codes)
            S.READ: [code.eq(codes[0]), lr.eq(self.transfer_lr)],
            S.MULTIPLY: [h_reg.eq(rd.data), product.eq(code * lr)],
            S.SUM: [total.eq(h_reg + product)],
            S.ACCUMULATE: [h1.eq(saturate(total, hb))],
            S.ABSOLUTE: [h_abs.eq(absolute(h1))],
            S.MAGNITUDE: [mag.eq(h_abs >> self.thres_shift)],
            S.COUNT: [
                k.eq(Mux(h1[-1], -k_abs, k_abs)),
                keep.eq((1 << mf) - self.momentum),
                mom.eq(self.momentum),
            ],
            S.SCALE: [prod_m.eq(h1 * mom), prod_k.eq(k * keep)],
            S.SHIFT: [shifted.eq(prod_k << self.thres_shift)],
            S.ROUND: [
                round_m.eq(shift_right(prod_m, mf, p.rounding)),
                round_k.eq(shift_right(shifted, mf, p.rounding)),
            ],
            S.PAY: [forgotten.eq(saturate(round_m, hb)), paid.eq(saturate(round_k, hb + 1))],
            S.DIFF: [diff.eq(h1 - paid)],
            S.UPDATE: [h2.eq(new_h)],
            S.WRITE: [self.o_count.payload.row.eq(row), self.o_count.payload.count.eq(k)],
        }
        state_next = Signal(S)
        m.d.comb += state_next.eq(state)
        m.d.sync += state.eq(state_next)
        with m.Switch(state):
            with m.Case(S.IDLE):
                with m.If(self.i_column.valid):
                    m.d.sync += [col.eq(self.i_column.payload.col), row.eq(0)]
                    m.d.comb += state_next.eq(S.READ)
            for step, actions in steps.items():
                with m.Case(step):
                    m.d.sync += actions
                    m.d.comb += state_next.eq(S(step + 1))
            with m.Case(S.EMIT):
                with m.If(self.o_count.ready):
                    with m.If(row == p.rows - 1):
                        m.d.sync += row.eq(0)
                        m.d.comb += state_next.eq(S.IDLE)
                    with m.Else():
                        m.d.sync += row.eq(row + 1)
                        m.d.comb += state_next.eq(S.READ)
        self._codes(m, codes, state_next)
        return m

    def _codes(self, m, codes, state_next) -> None:
        """The column's codes: loaded in every IDLE clock (the one that takes a column keeps
        them), shifted down one row in READ, so READ's code is ``codes[0]`` without a 64:1 mux.
        Each group of ``lane_group`` rows has its own registered flags (made from the next
        state), so no state decode fans out to all the code registers."""
        p = self._p
        S = FilterState
        incoming = self.i_column.payload.codes
        flags = {"load": state_next == S.IDLE, "shift": state_next == S.READ}
        for g0 in range(0, p.rows, p.lane_group):
            at = kept_copies(m, flags, f"{{}}_codes{g0}", ("load",))
            for r in range(g0, min(p.rows, g0 + p.lane_group)):
                with m.If(at["load"]):
                    m.d.sync += codes[r].eq(incoming[r])
                with m.Elif(at["shift"]):
                    m.d.sync += codes[r].eq(codes[r + 1] if r + 1 < p.rows else 0)
