"""Behavioral crossbar behind the periphery: arrays A and C as golden device arrays.

Every clock the pulse lines of A and of C are applied slot by slot with golden's kernels
(:func:`golden.kernels.pulses.apply_coincidences`: one pulse per coincidence, up when
``x_neg != d_neg``, c2c noise from the array's seeded streams); a one-hot read of column j of A
goes through golden's tile IO model (:func:`golden.kernels.tile.analog_mvm`: DAC, output noise,
ADC, bounds) and is answered with the ADC codes ``round(y / out_step)``. Two instances built
with the same arguments and driven with the same lines evolve bit for bit alike.
"""

from __future__ import annotations

import numpy as np

from golden.devices import DeviceArray
from golden.errors import ConfigError
from golden.hw.pulse_generator import PulseLines
from golden.kernels.pulses import MAX_BL, apply_coincidences, slot_columns
from golden.kernels.tile import analog_mvm
from golden.params import DeviceParams, IOParams, PeripheryParams
from golden.tile import io_record

__all__ = ["BehavioralCrossbar"]

#: first noise counter of forward MVMs (column reads count from 0): the streams never meet
FORWARD_COUNTER = 1 << 40


def _lanes(mask: int, n: int, dtype) -> np.ndarray:
    return np.array([(mask >> k) & 1 for k in range(n)], dtype=dtype)


class BehavioralCrossbar:
    """Arrays A (seed ``seed``) and C (seed ``seed + 1``) of ``rows x cols`` devices."""

    def __init__(self, p: PeripheryParams, device: DeviceParams, io: IOParams, seed: int):
        self.p = p
        shape = (p.rows, p.cols)
        self.arrays = {
            "a": DeviceArray(device, shape, seed=seed),
            "c": DeviceArray(device, shape, seed=seed + 1),
        }
        self.io = io_record(io)
        self.out_step = self.io.out_step
        if self.out_step <= 0:
            raise ConfigError("io.out_res", io.out_res, "the ADC needs out_res > 0")
        self.seed = seed
        self.reads = 0
        self.forwards = 0
        self._slot_idx = np.zeros((MAX_BL, p.cols), dtype=np.int64)
        self._slot_cnt = np.zeros(MAX_BL, dtype=np.int64)
        self.pulses = {"a": 0, "c": 0}

    def apply(self, which: str, lines: PulseLines) -> None:
        """One slot of pulse lines on array ``which`` (``"a"`` or ``"c"``)."""
        if not lines.valid or not lines.x or not lines.d:
            return
        p, arr = self.p, self.arrays[which]
        xbits = _lanes(lines.x, p.cols, np.uint64)
        dbits = _lanes(lines.d, p.rows, np.uint64)
        slot_columns(xbits, 1, self._slot_idx, self._slot_cnt)
        apply_coincidences(
            arr.view(),
            1,
            self._slot_idx,
            self._slot_cnt,
            _lanes(lines.x_neg, p.cols, np.uint8),
            dbits,
            _lanes(lines.d_neg, p.rows, np.uint8),
            np.uint8(0),
            arr.seed,
            arr.next_counter(),
        )
        self.pulses[which] += bin(lines.x).count("1") * bin(lines.d).count("1")

    def read(self, onehot: int) -> list[int]:
        """ADC codes of the forward read of A with input lines ``onehot``."""
        p = self.p
        x = _lanes(onehot, p.cols, np.float64)
        y = np.empty(p.rows)
        a = self.arrays["a"]
        analog_mvm(a.visible, x, False, self.io, False, self.seed, self.reads, np.empty(p.cols), y)
        self.reads += 1
        top = (1 << (p.adc_bits - 1)) - 1
        return [int(min(max(round(v / self.out_step), -top - 1), top)) for v in y]

    def forward(self, which: str, x: np.ndarray) -> np.ndarray:
        """The analog forward MVM ``y = W x`` of array ``which`` through the tile's IO model
        (noise from a stream of its own, apart from the column reads')."""
        arr = self.arrays[which]
        y = np.empty(self.p.rows)
        x = np.ascontiguousarray(x, dtype=np.float64)
        counter, work = FORWARD_COUNTER + self.forwards, np.empty(self.p.cols)
        analog_mvm(arr.visible, x, False, self.io, False, self.seed, counter, work, y)
        self.forwards += 1
        return y

    def weights(self, which: str) -> np.ndarray:
        return self.arrays[which].weights()
