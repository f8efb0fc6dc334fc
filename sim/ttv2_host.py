"""The host and crossbar side of a TTv2 co-simulation, identical for the RTL and for golden.

A :class:`Ttv2Host` writes the configuration registers, streams ``steps`` random (x, d) updates
(seeded; random idle cycles; it waits while ``ready`` is low), answers each read request after
two cycles with the behavioral crossbar's ADC codes, and applies every slot of pulse lines to
the crossbar. Run once against the RTL and once against ``golden.hw.periphery.PeripheryModel``
with the same seed, both sides see the same inputs as long as the outputs agree.
"""

from __future__ import annotations

import math
import random

from golden.encoding import ConfigReg, GeneratorState, TransferState
from golden.params.cosim import CosimParams
from golden.params.periphery import PeripheryParams
from sim.crossbar import BehavioralCrossbar
from sim.stimulus import PeripheryInputs, random_codes

__all__ = ["Ttv2Host", "register_values"]

READ_LATENCY = 2


def register_values(p: PeripheryParams, c: CosimParams, dw_min: float, out_step: float):
    """``[(ConfigReg, value), ...]`` that realise ``c`` on the periphery ``p``.

    ``H / thres += transfer_scale * v`` with ``v = code * out_step`` needs
    ``TRANSFER_LR / 2**THRES_SHIFT = transfer_scale * out_step``; THRES_SHIFT is the largest
    that keeps TRANSFER_LR inside its ``lr_bits``.
    """
    even, odd = p.update_gains(c.lr, dw_min)
    per_code = c.transfer_scale * out_step
    shift = max(0, min(p.h_bits - 2, math.floor(math.log2(((1 << p.lr_bits) - 1) / per_code))))
    transfer_lr = min(round(per_code * 2**shift), (1 << p.lr_bits) - 1)
    return [
        (ConfigReg.GAIN_EVEN, even),
        (ConfigReg.GAIN_ODD, odd),
        (ConfigReg.TRANSFER_LR, transfer_lr),
        (ConfigReg.THRES_SHIFT, shift),
        (ConfigReg.MOMENTUM, round(c.momentum * 2**p.momentum_frac)),
        (ConfigReg.FORGET, int(c.forget_buffer)),
        (ConfigReg.MAX_PULSES, p.bl),
        (ConfigReg.TRANSFER_EVERY, min(c.transfer_every, (1 << p.period_bits) - 1)),
    ]


class Ttv2Host:
    """Drives one periphery (RTL or model) and its crossbar for ``steps`` updates.

    The updates are random codes, or come from ``source()`` (e.g. a training loop that reads
    the crossbar's weights); with ``settle`` the next update is only asked for once the
    periphery is idle, so it sees every pulse of the previous update and its transfer."""

    def __init__(
        self,
        p: PeripheryParams,
        crossbar: BehavioralCrossbar,
        registers,
        steps: int,
        seed: int,
        idle_p: float,
        source=None,
        settle: bool = False,
    ):
        self.p, self.crossbar, self.steps = p, crossbar, steps
        self.rng = random.Random(seed)
        self.registers = list(registers)
        self.idle_p = idle_p
        self.source = source or self._draw
        self.settle = settle
        self.accepted = 0
        self.update = None
        self.wait: int | None = None
        self.quiet = 0

    def _draw(self):
        p = self.p
        return random_codes(self.rng, p.cols, p.x_bits), random_codes(self.rng, p.rows, p.d_bits)

    def next(self, out: dict) -> PeripheryInputs:
        """The inputs of this cycle, from the outputs the periphery shows in it."""
        self.crossbar.apply("a", out["a_pulse"])
        self.crossbar.apply("c", out["c_pulse"])
        idle = out["gen_state"] == GeneratorState.IDLE and out["xfer_state"] == TransferState.IDLE
        we, addr, data = 0, 0, 0
        if self.registers:
            we, (addr, data) = 1, self.registers.pop(0)
        if self.update is None and self.accepted < self.steps and (idle or not self.settle):
            self.update = self.source()
        valid = int(
            not self.registers and self.update is not None and self.rng.random() >= self.idle_p
        )
        x, d = self.update or ([0] * self.p.cols, [0] * self.p.rows)
        if valid and out["ready"]:
            self.accepted += 1
            self.update = None
        adc_valid, codes = 0, [0] * self.p.rows
        if out["read_valid"]:
            self.wait = READ_LATENCY if self.wait is None else self.wait
            if self.wait == 0:
                adc_valid, codes, self.wait = 1, self.crossbar.read(out["read_onehot"]), None
            else:
                self.wait -= 1
        self.quiet = self.quiet + 1 if idle and self.accepted == self.steps else 0
        return PeripheryInputs(valid, x, d, we, int(addr), data, adc_valid, codes, 0)

    @property
    def finished(self) -> bool:
        """All updates taken and the periphery idle for a few cycles."""
        return self.quiet > 3
