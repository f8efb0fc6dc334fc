"""cocotb helpers of a host that talks to the exported tile (``xbar_tile``) in transactions:
inputs are driven on the falling edge, outputs sampled in the read-only phase after it, and
Python sleeps between transactions until the port it waits for changes."""

from __future__ import annotations

from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge
from cocotb.utils import get_sim_time

from golden.params import PeripheryParams
from rtl.tile import peek_layout
from sim.ports import pack_codes, pack_update
from sim.tb_periphery import CLOCK_NS

__all__ = ["clock_of", "mvm", "peek_arrays", "tile_h", "update"]


def clock_of(dut) -> int:
    """The index of the current clock (simulated time / period)."""
    return int(get_sim_time("ns") // CLOCK_NS)


async def _wait_high(dut, signal) -> None:
    """From a falling edge: return in the read-only phase of the first clock where
    ``signal`` is high (it is taken at that clock's end)."""
    await ReadOnly()
    while not int(signal.value):
        await RisingEdge(signal)
        await ReadOnly()


async def _offer(dut, port: str, payload: int) -> int:
    """Offer ``payload`` on the stream ``port`` from this falling edge until it is taken;
    returns the clock it was taken in, at the next falling edge with ``valid`` low."""
    getattr(dut, f"{port}__payload").value = payload
    getattr(dut, f"{port}__valid").value = 1
    await _wait_high(dut, getattr(dut, f"{port}__ready"))
    taken = clock_of(dut)
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    getattr(dut, f"{port}__valid").value = 0
    return taken


async def update(dut, x, d, p: PeripheryParams) -> int:
    """Offer one update until taken; returns the clock it was taken in."""
    return await _offer(dut, "i_update", pack_update(x, d, p))


async def mvm(dut, transposed: bool, codes, dac_bits: int, adc_bits: int, n_out: int):
    """One MVM on C from this falling edge: ``(ADC codes, the clock they came in)``; returns
    at the falling edge of the clock after that one."""
    await _offer(dut, "i_mvm", int(transposed) | pack_codes(codes, dac_bits) << 1)
    await _wait_high(dut, dut.o_mvm__valid)
    word, mask = int(dut.o_mvm__codes.value), (1 << adc_bits) - 1
    out = []
    for k in range(n_out):
        v = word >> (k * adc_bits) & mask
        out.append(v - (1 << adc_bits) if v >> (adc_bits - 1) else v)
    came = clock_of(dut)
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    return out, came


async def _peek(dut, array: int, row: int, col: int, at: tuple[int, int]) -> int:
    """Read one device's state through the peek port (from a falling edge)."""
    await _offer(dut, "i_peek", array | row << at[0] | col << at[1])
    await _wait_high(dut, dut.o_peek__valid)
    state = int(dut.o_peek__state.value)
    await FallingEdge(dut.clk)
    return state


async def peek_arrays(dut, p: PeripheryParams) -> dict[str, list[list[int]]]:
    """Every device state of A and C, through the peek port (from a falling edge)."""
    layout = peek_layout(p)
    at = (layout["row"].offset, layout["col"].offset)
    return {
        name: [[await _peek(dut, k, i, j, at) for j in range(p.cols)] for i in range(p.rows)]
        for k, name in enumerate(("a", "c"))
    }


def tile_h(dut, p: PeripheryParams) -> list[int]:
    """The tile's TTv2 buffer H, read from its memory."""
    h = dut.periphery.ctrl.filter.h_mem
    return [int(h[k].value.to_signed()) for k in range(p.h_depth)]
