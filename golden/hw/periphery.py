"""The periphery top: configuration registers, pulse generator and transfer controller
(``rtl/periphery.py``).

Host side: a stream of updates (x, d) with valid/ready, and a register write port (``cfg_we``,
``cfg_addr`` a :class:`~golden.encoding.ConfigReg`, ``cfg_data``; a write takes effect the next
cycle and saturates at :meth:`~golden.params.PeripheryParams.register_limit`). Crossbar side:
the pulse lines of A (from the pulse generator) and of C (from the transfer controller), the
one-hot read request of A and the ADC response. The host is stalled (``ready`` low) while a
transfer runs.
"""

from __future__ import annotations

from golden.encoding import ConfigReg
from golden.hw.pulse_generator import PulseGeneratorModel
from golden.hw.transfer_controller import TransferControllerModel
from golden.hw.ttv2_filter import FilterConfig
from golden.params import PeripheryParams

__all__ = ["PeripheryModel"]


class PeripheryModel:
    """Cycle model of ``rtl.periphery.CrossbarPeriphery``.

    Inputs per cycle: ``valid``, ``x``, ``d``, ``cfg_we``, ``cfg_addr``, ``cfg_data``,
    ``adc_valid``, ``adc_codes``. Outputs: ``ready``, ``a_pulse``, ``c_pulse``, ``read_valid``,
    ``read_onehot``, ``gen_state``, ``xfer_state``, ``col``.
    """

    def __init__(self, p: PeripheryParams):
        self.p = p
        self.gen = PulseGeneratorModel(p)
        self.ctrl = TransferControllerModel(p)
        self.reset()

    def reset(self) -> None:
        self.regs = self.p.register_resets()
        self.gen.reset()
        self.ctrl.reset()

    def filter_config(self) -> FilterConfig:
        r = self.regs
        return FilterConfig(
            transfer_lr=r[ConfigReg.TRANSFER_LR],
            thres_shift=r[ConfigReg.THRES_SHIFT],
            momentum=r[ConfigReg.MOMENTUM],
            forget=r[ConfigReg.FORGET],
            max_pulses=r[ConfigReg.MAX_PULSES],
        )

    def outputs(self) -> dict:
        g = self.gen.outputs()
        c = self.ctrl.outputs(g["done"])
        return {
            "ready": int(g["ready"] and not c["busy"]),
            "a_pulse": g["pulse"],
            "c_pulse": c["c_pulse"],
            "read_valid": c["read_valid"],
            "read_onehot": c["read_onehot"],
            "gen_state": g["state"],
            "xfer_state": c["state"],
            "col": c["col"],
        }

    def tick(self, valid, x, d, cfg_we, cfg_addr, cfg_data, adc_valid, adc_codes, reset=0):
        """The clock edge; with ``reset`` everything resets but the H memory."""
        g = self.gen.outputs()
        regs = self.regs
        every = regs[ConfigReg.TRANSFER_EVERY]
        if reset:
            self.ctrl.tick(g["done"], adc_valid, adc_codes, every, self.filter_config(), 1)
            self.gen.reset()
            self.regs = self.p.register_resets()
            return
        busy = self.ctrl.outputs(g["done"])["busy"]
        self.gen.tick(
            int(valid and not busy), x, d, regs[ConfigReg.GAIN_EVEN], regs[ConfigReg.GAIN_ODD]
        )
        self.ctrl.tick(g["done"], adc_valid, adc_codes, every, self.filter_config())
        if cfg_we:
            reg = ConfigReg(cfg_addr)
            self.regs = {**regs, reg: min(cfg_data, self.p.register_limit(reg))}
