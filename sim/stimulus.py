"""Random stimulus for the periphery top and its observable outputs, shared by the
amaranth.sim tests and the cocotb testbenches so both drive and compare the same things."""

from __future__ import annotations

from dataclasses import dataclass

from golden.encoding import ConfigReg
from golden.hw.pulse_generator import PULSE_FIELDS, PulseLines
from golden.params import PeripheryParams

__all__ = [
    "AdcResponder",
    "OUTPUT_PORTS",
    "PeripheryInputs",
    "PeripheryStimulus",
    "flat_outputs",
    "random_codes",
    "structured",
]

#: flat output name -> Verilog port of rtl.periphery.CrossbarPeriphery
OUTPUT_PORTS = {
    "ready": "i_update__ready",
    "gen_state": "gen_state",
    "xfer_state": "xfer_state",
    "col": "col",
    "read_valid": "o_read__valid",
    "read_onehot": "o_read__onehot",
    **{f"a_pulse.{f}": f"o_a_pulse__{f}" for f in PULSE_FIELDS},
    **{f"c_pulse.{f}": f"o_c_pulse__{f}" for f in PULSE_FIELDS},
}


def flat_outputs(out: dict) -> dict[str, int]:
    """``golden.hw.periphery.PeripheryModel.outputs()`` as ``{OUTPUT_PORTS key: int}``."""
    flat = {
        k: out[k] for k in ("ready", "gen_state", "xfer_state", "col", "read_valid", "read_onehot")
    }
    for side in ("a_pulse", "c_pulse"):
        for f in PULSE_FIELDS:
            flat[f"{side}.{f}"] = getattr(out[side], f)
    return flat


def random_codes(rng, n: int, bits: int) -> list[int]:
    """Signed codes with magnitudes spread over every exponent (and some zeros)."""
    top = 1 << (bits - 1)
    return [rng.randint(-top, top - 1) >> rng.randint(0, bits) for _ in range(n)]


class AdcResponder:
    """Answers a held read request after 0..3 idle cycles with random codes for one cycle."""

    def __init__(self, rng, p: PeripheryParams):
        self.rng, self.p = rng, p
        self.wait = None

    def drive(self, read_valid: int) -> tuple[int, list[int]]:
        codes = random_codes(self.rng, self.p.rows, self.p.adc_bits)
        if not read_valid:
            self.wait = None
            return 0, codes
        if self.wait is None:
            self.wait = self.rng.randint(0, 3)
        if self.wait == 0:
            self.wait = None
            return 1, codes
        self.wait -= 1
        return 0, codes


@dataclass
class PeripheryInputs:
    """Everything the top's inputs carry in one cycle."""

    valid: int
    x: list
    d: list
    cfg_we: int
    cfg_addr: int
    cfg_data: int
    adc_valid: int
    adc_codes: list
    reset: int

    def model_args(self) -> tuple:
        """Arguments of ``PeripheryModel.tick``."""
        return (
            self.valid,
            self.x,
            self.d,
            self.cfg_we,
            self.cfg_addr,
            self.cfg_data,
            self.adc_valid,
            self.adc_codes,
            self.reset,
        )


class PeripheryStimulus:
    """Random updates (70 % valid), rare register writes (sometimes above the limit), ADC
    answers with random latency, and rare resets; it writes a useful configuration first and
    after every reset."""

    def __init__(self, p: PeripheryParams, rng, reset_p: float = 0.0005):
        self.p, self.rng, self.reset_p = p, rng, reset_p
        self.adc = AdcResponder(rng, p)
        self.widths = p.register_widths()
        even, odd = p.update_gains(0.05, 0.01)
        self.prelude = [
            (ConfigReg.GAIN_EVEN, even),
            (ConfigReg.GAIN_ODD, odd),
            (ConfigReg.TRANSFER_LR, 24),
            (ConfigReg.THRES_SHIFT, 2),
            (ConfigReg.TRANSFER_EVERY, 2),
        ]
        self.cycle = 0

    def next(self, read_valid: int) -> PeripheryInputs:
        p, rng = self.p, self.rng
        valid = int(rng.random() < 0.7)
        x = random_codes(rng, p.cols, p.x_bits)
        d = random_codes(rng, p.rows, p.d_bits)
        if self.cycle < len(self.prelude):
            we, (addr, data) = 1, self.prelude[self.cycle]
        else:
            we, addr = int(rng.random() < 0.002), rng.choice(list(ConfigReg))
            data = rng.randrange(1 << self.widths[addr]) + rng.choice((0, 0, 0, 3))
        adc_valid, codes = self.adc.drive(read_valid)
        reset = int(self.cycle >= len(self.prelude) and rng.random() < self.reset_p)
        self.cycle = 0 if reset else self.cycle + 1  # the configuration again after a reset
        return PeripheryInputs(valid, x, d, we, int(addr), data, adc_valid, codes, reset)


def structured(flat: dict[str, int]) -> dict:
    """The inverse of :func:`flat_outputs`: pulse lines as ``PulseLines`` again."""
    out = {k: v for k, v in flat.items() if "." not in k}
    for side in ("a_pulse", "c_pulse"):
        out[side] = PulseLines(*(flat[f"{side}.{f}"] for f in PULSE_FIELDS))
    return out
