"""Random stimulus and golden expectations for the periphery's blocks, as integers per Verilog
port, shared by the amaranth.sim tests (``tests/rtl/test_blocks.py``) and the cocotb
testbench (``sim/tb_blocks.py``) so both simulators drive and compare the same things.

A bench is used once per clock cycle: ``inputs, expected = bench.next()`` gives the value of
every input port (``rst`` included) and of every output port to compare in this cycle (a
stream payload only while its valid is high); ``bench.step()`` then clocks the golden model.
"""

from __future__ import annotations

import random

from golden.hw.pulse_generator import PULSE_FIELDS, PulseGeneratorModel, PulseLines
from golden.hw.transfer_controller import TransferControllerModel
from golden.hw.ttv2_filter import FilterConfig, Ttv2FilterModel
from golden.params import PeripheryParams
from sim.ports import pack_codes, pack_update
from sim.stimulus import AdcResponder, random_codes

__all__ = [
    "BENCHES",
    "FilterBench",
    "PulseGeneratorBench",
    "TransferControllerBench",
    "random_filter_config",
]

#: probability of a reset in any cycle (mid-stream resets)
RESET_P = 0.001


def random_filter_config(rng, p: PeripheryParams) -> FilterConfig:
    return FilterConfig(
        transfer_lr=rng.randrange(1 << p.lr_bits),
        thres_shift=rng.randint(0, p.h_bits - 2),
        momentum=rng.randint(0, 1 << p.momentum_frac),
        forget=rng.randint(0, 1),
        max_pulses=rng.randint(0, p.bl),
    )


def filter_ports(cfg: FilterConfig) -> dict[str, int]:
    """The filter's configuration inputs (same names on the filter and the controller)."""
    names = ("transfer_lr", "thres_shift", "momentum", "forget", "max_pulses")
    return {name: int(getattr(cfg, name)) for name in names}


def pulse_ports(prefix: str, lines: PulseLines) -> dict[str, int]:
    return {f"{prefix}__{f}": getattr(lines, f) for f in PULSE_FIELDS}


def _fired(lines: PulseLines) -> int:
    return bin(lines.x).count("1") + bin(lines.d).count("1")


class _Bench:
    """Common state: params, seeded stimulus, the last cycle's arguments, activity count."""

    block = ""
    strobes: tuple[str, ...] = ()  # valid/strobe inputs held low during the reset

    def __init__(self, p: PeripheryParams, seed: int, reset_p: float = RESET_P):
        self.p, self.seed, self.reset_p = p, seed, reset_p
        self.rng = random.Random(seed)
        self.activity = 0  # pulses or writes seen: a bench that saw none proved nothing
        self._reset, self._args = 0, ()

    @property
    def digest(self) -> str:
        """Names the design in mismatch reports."""
        return self.p.digest()

    def _draw_reset(self) -> int:
        self._reset = int(self.rng.random() < self.reset_p)
        return self._reset


class PulseGeneratorBench(_Bench):
    """Updates 60 % of the cycles, rare gain changes, mid-stream resets."""

    block = "pulse_generator"
    strobes = ("i_update__valid",)

    def __init__(self, p: PeripheryParams, seed: int, reset_p: float = RESET_P):
        super().__init__(p, seed, reset_p)
        self.model = PulseGeneratorModel(p)
        self.gains = self._gains()

    def _gains(self) -> tuple[int, int]:
        return (
            self.rng.randrange(1 << self.p.gain_bits),
            self.rng.randrange(1 << self.p.gain_bits),
        )

    def next(self) -> tuple[dict, dict]:
        p, rng = self.p, self.rng
        valid = int(rng.random() < 0.6)
        x, d = random_codes(rng, p.cols, p.x_bits), random_codes(rng, p.rows, p.d_bits)
        if rng.random() < 0.01:
            self.gains = self._gains()
        inputs = {
            "i_update__valid": valid,
            "i_update__payload": pack_update(x, d, p),
            "gain_even": self.gains[0],
            "gain_odd": self.gains[1],
            "rst": self._draw_reset(),
        }
        out = self.model.outputs()
        expected = {
            "i_update__ready": out["ready"],
            "state": out["state"],
            "o_done": out["done"],
            **pulse_ports("o_pulse", out["pulse"]),
        }
        self.activity += _fired(out["pulse"])
        self._args = (valid, x, d, *self.gains)
        return inputs, expected

    def step(self) -> None:
        if self._reset:
            self.model.reset()
        else:
            self.model.tick(*self._args)


class FilterBench(_Bench):
    """Columns 50 % of the cycles, back-pressure on the output 30 %, rare configuration
    changes, mid-stream resets; ``config(rng)`` and ``codes_of(col)`` may be replaced."""

    block = "ttv2_filter"
    strobes = ("i_column__valid",)

    def __init__(self, p, seed, reset_p=RESET_P, config=None, codes_of=None):
        super().__init__(p, seed, reset_p)
        self.model = Ttv2FilterModel(p)
        self.config = config or (lambda rng: random_filter_config(rng, p))
        self.codes_of = codes_of
        self.cfg = self.config(self.rng)
        self.col_bits = max(1, (p.cols - 1).bit_length())
        self.row_bits = max(1, (p.rows - 1).bit_length())

    def next(self) -> tuple[dict, dict]:
        p, rng = self.p, self.rng
        valid, col = int(rng.random() < 0.5), rng.randrange(p.cols)
        codes = (
            random_codes(rng, p.rows, p.adc_bits) if self.codes_of is None else self.codes_of(col)
        )
        ready = int(rng.random() < 0.7)
        if rng.random() < 0.003:
            self.cfg = self.config(rng)
        payload = col | pack_codes(codes, p.adc_bits) << self.col_bits
        inputs = {
            "i_column__valid": valid,
            "i_column__payload": payload,
            "o_count__ready": ready,
            **filter_ports(self.cfg),
            "rst": self._draw_reset(),
        }
        out = self.model.outputs()
        expected = {
            "i_column__ready": out["ready"],
            "state": out["state"],
            "o_count__valid": out["out_valid"],
        }
        if out["out_valid"]:
            count = pack_codes([out["out_count"]], p.count_bits)
            expected["o_count__payload"] = out["out_row"] | count << self.row_bits
            self.activity += out["out_count"] != 0
        self._args = (valid, col, codes, ready, self.cfg, self._reset)
        return inputs, expected

    def step(self) -> None:
        self.model.tick(*self._args)


class TransferControllerBench(_Bench):
    """Update-done strobes 30 % of the cycles, ADC answers after 0..3 cycles, rare changes of
    the configuration and of TRANSFER_EVERY (0 = never), mid-stream resets."""

    block = "transfer_controller"
    strobes = ("i_update_done", "i_adc__valid")

    def __init__(self, p: PeripheryParams, seed: int, reset_p: float = RESET_P):
        super().__init__(p, seed, reset_p)
        self.model = TransferControllerModel(p)
        self.adc = AdcResponder(self.rng, p)
        self.cfg, self.every = random_filter_config(self.rng, p), 2

    def next(self) -> tuple[dict, dict]:
        p, rng = self.p, self.rng
        done = int(rng.random() < 0.3)
        if rng.random() < 0.005:
            self.cfg, self.every = random_filter_config(rng, p), rng.choice((0, 1, 2, 3, 5))
        out = self.model.outputs(done)
        adc_valid, codes = self.adc.drive(out["read_valid"])
        inputs = {
            "i_update_done": done,
            "transfer_every": self.every,
            **filter_ports(self.cfg),
            "i_adc__valid": adc_valid,
            "i_adc__codes": pack_codes(codes, p.adc_bits),
            "rst": self._draw_reset(),
        }
        expected = {
            "o_busy": out["busy"],
            "state": out["state"],
            "col": out["col"],
            "o_read__valid": out["read_valid"],
            "o_read__onehot": out["read_onehot"],
            **pulse_ports("o_c_pulse", out["c_pulse"]),
        }
        self.activity += out["c_pulse"].valid
        self._args = (done, adc_valid, codes, self.every, self.cfg, self._reset)
        return inputs, expected

    def step(self) -> None:
        self.model.tick(*self._args)


#: block name -> its bench (the names of rtl.export.BLOCKS)
BENCHES = {b.block: b for b in (PulseGeneratorBench, FilterBench, TransferControllerBench)}
