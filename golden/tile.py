"""An analog tile: a device array with analog forward/backward MVMs and the pulsed update.

Forward ``y = W x`` and backward ``z = W^T d`` run through the IO model of
:class:`~golden.params.IOParams` (DAC/ADC quantisation, output noise, bounds, noise and bound
management; the backward pass never uses bound management, as in aihwkit). The update is the
pulsed rank-1 update of :mod:`golden.pulses`, or an exact one for ``pulse_type = NONE``.
"""

from __future__ import annotations

import numpy as np

from golden.devices import DeviceArray, check_matrix
from golden.encoding import PulseType
from golden.errors import ConfigError
from golden.kernels.records import IOConfig, record
from golden.kernels.tile import analog_mvm, analog_mvm_batch
from golden.params import IOParams, LutParams, TileParams
from golden.pulses import PulsedUpdater, check_vector

__all__ = ["AnalogTile", "io_record"]


def io_record(params: IOParams) -> IOConfig:
    """The IO parameters as the record the kernels take."""
    return record(IOConfig, params)


class AnalogTile:
    """One crossbar of ``out_size x in_size`` devices (aihwkit ``AnalogTile``).

    Parameters
    ----------
    params : TileParams
        Device, forward/backward IO and update parameters.
    out_size, in_size : int
        Rows (outputs, d side) and columns (inputs, x side).
    seed : int
        Seeds everything: d2d draws (unless the device sets ``construction_seed``), c2c noise,
        IO noise, pulse bits and the LFSR lane seeds. Same seed, same results.
    """

    def __init__(self, params: TileParams, out_size: int, in_size: int, seed: int = 0):
        self.params = params
        self.devices = DeviceArray(params.device, (out_size, in_size), seed=seed)
        self.seed = int(seed)
        self._io_counter = 0
        self._fwd = io_record(params.forward)
        self._bwd = io_record(params.backward)
        ptype = params.update.pulse_type
        if ptype in (PulseType.NONE, PulseType.NONE_WITH_DEVICE):
            if isinstance(params.device, LutParams):
                raise ConfigError(
                    "update.pulse_type", ptype.name, "a Lut device needs a pulsed update type"
                )
            self.updater = None
        else:
            self.updater = PulsedUpdater(params.update, self.devices, lfsr_seed=seed)

    @property
    def out_size(self) -> int:
        return self.devices.shape[0]

    @property
    def in_size(self) -> int:
        return self.devices.shape[1]

    def get_weights(self) -> np.ndarray:
        """The visible weights (a copy)."""
        return self.devices.weights()

    def set_weights(self, w: np.ndarray) -> None:
        """Program the weights (clipped to the device bounds)."""
        self.devices.set_weights(w)

    def _mvm(self, v, transposed: bool, io: IOConfig, use_bm: bool) -> np.ndarray:
        n_in = self.out_size if transposed else self.in_size
        n_out = self.in_size if transposed else self.out_size
        name = "d" if transposed else "x"
        W = self.devices.visible
        v = np.asarray(v, dtype=np.float64)
        if v.ndim == 1:
            v = check_vector(name, v, n_in)
            y = np.empty(n_out)
            analog_mvm(W, v, transposed, io, use_bm, self.seed, self._io_counter, np.empty(n_in), y)
            self._io_counter += 1
            return y
        if v.ndim != 2 or v.shape[1] != n_in:
            raise ConfigError(
                name, f"<array of shape {v.shape}>", f"expected shape ({n_in},) or (batch, {n_in})"
            )
        if not np.all(np.isfinite(v)):
            raise ConfigError(name, "<array with NaN/inf>", "every entry must be finite")
        v = np.ascontiguousarray(v)
        y = np.empty((v.shape[0], n_out))
        analog_mvm_batch(W, v, transposed, io, use_bm, self.seed, self._io_counter, y)
        self._io_counter += v.shape[0]
        return y

    def forward(self, x) -> np.ndarray:
        """Analog ``y = W x`` for a vector ``(in_size,)`` or a batch ``(B, in_size)``."""
        return self._mvm(x, False, self._fwd, True)

    def backward(self, d) -> np.ndarray:
        """Analog ``z = W^T d`` for a vector ``(out_size,)`` or a batch ``(B, out_size)``;
        noise management only, never bound management (aihwkit)."""
        return self._mvm(d, True, self._bwd, False)

    def update(self, x, d, lr: float) -> None:
        """``W <- W - lr d x^T``: pulsed, one rank-1 update per sample of a batch in order (as
        aihwkit; no division by the batch size), or exact for ``pulse_type = NONE``."""
        x = np.asarray(x, dtype=np.float64)
        d = np.asarray(d, dtype=np.float64)
        if x.ndim == 1 and d.ndim == 1:
            x, d = x[None, :], d[None, :]
        if x.ndim != 2 or d.ndim != 2 or x.shape[0] != d.shape[0]:
            raise ConfigError(
                "x, d",
                f"<shapes {x.shape}, {d.shape}>",
                "expected two vectors or two batches of the same length",
            )
        for b in range(x.shape[0]):
            check_vector("x", x[b], self.in_size)
            check_vector("d", d[b], self.out_size)
        if self.updater is None:
            self._exact_update(x, d, lr)
            return
        for b in range(x.shape[0]):
            self.updater.update(x[b], d[b], lr)

    def _exact_update(self, x: np.ndarray, d: np.ndarray, lr: float) -> None:
        dev = self.devices
        w = dev.hidden - lr * (d.T @ x)
        if self.params.update.pulse_type == PulseType.NONE_WITH_DEVICE:
            w = np.clip(w, dev.b_min, dev.b_max)
        dev.hidden[:] = check_matrix("weights", w, dev.shape)
        dev.refresh()
