"""The array emulator's MAC engine: the MVM port's input ring, the accumulator over an output's
terms (the pipeline's last stage) and the output ADC codes (``golden/hw/crossbar.py`` models it
clock by clock: ``mvm_exact`` is its arithmetic)."""

from __future__ import annotations

from amaranth.hdl import Array, Module, Mux, Signal, Value, signed

from golden.encoding import ArrayOp
from rtl.input_ring import input_ring

__all__ = ["mac_engine"]


def mac_engine(m: Module, array, last: dict, turns_next: Value, ready: Value, flags: dict) -> Value:
    """The MVM side of ``array`` (an :class:`rtl.crossbar.ArrayEmulator` with MVM tables):
    ``i_mvm.ready``, the accumulator fed by the ``last`` stage, ``mvm_codes`` and ``mvm_valid``.
    The inputs follow the port outside MVM, so they hold the request taken at the edge into MVM
    (no ready in their enable), and turn one term per clock in MVM (``turns_next``: the array
    is in MVM in the next clock; :func:`rtl.input_ring.input_ring`). ``flags`` holds
    the array's ``transposed`` register and the ``tail_valid`` / ``coded_valid`` registers it
    drives (an output's last term added / its code formed: the array is not idle while either
    is set). Returns the ring's head, the DAC code of the next term."""
    mt, rt = array.mvm_tables, array.read_tables
    rows, cols = array.shape
    n = max(rows, cols)
    transposed, tail_valid, coded_valid = (flags[k] for k in ("transposed", "tail", "coded"))
    m.d.comb += array.i_mvm.ready.eq(ready & ~array.i_op.valid)
    codes_in = array.i_mvm.payload.codes
    head = input_ring(m, codes_in, turns_next, transposed, rows, cols)
    acc = Signal(signed(mt.acc_bits))
    tail_o = Signal(range(max(2, n)))
    adding = last["valid"] & (last["op"] == ArrayOp.MVM)
    with m.If(adding):
        m.d.sync += acc.eq(Mux(last["first"], last["mnoise"], acc) + last["mterm"])
    m.d.sync += [
        tail_valid.eq(adding & last["last"]),
        tail_o.eq(Mux(transposed, last["j"], last["i"])),
    ]
    out = Array(Signal(signed(rt.adc_bits), name=f"mvm_out_{k}") for k in range(n))
    m.d.comb += [array.mvm_codes[k].eq(out[k]) for k in range(n)]
    # the code is formed (shift, saturate) into a register, and written a clock later
    whole = acc >> mt.frac
    top = mt.n_out
    code = Signal(signed(rt.adc_bits))
    code_o = Signal.like(tail_o)
    m.d.sync += [
        coded_valid.eq(tail_valid),
        code_o.eq(tail_o),
        code.eq(Mux(whole > top, top, Mux(whole < -top, -top, whole))),
    ]
    with m.If(coded_valid):
        m.d.sync += out[code_o].eq(code)
    n_out = Mux(transposed, cols, rows)
    m.d.sync += array.mvm_valid.eq(coded_valid & (code_o == n_out - 1))
    return head
