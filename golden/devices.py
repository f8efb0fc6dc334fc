"""Arrays of non-ideal devices: d2d draws at construction, per-pulse response, visible weights.

:class:`DeviceArray` is what a crossbar holds: one device per cell, each with its own bounds,
step sizes and slopes drawn once from a seed (aihwkit ``PulsedRPUDevice::populate``), and a
per-pulse rule from :mod:`golden.kernels.device`.
"""

from __future__ import annotations

import numpy as np

from golden.encoding import DeviceModel
from golden.errors import ConfigError
from golden.kernels.device import (
    G_A,
    G_A_DOWN,
    G_A_UP,
    G_B,
    G_GAMMA_DOWN,
    G_GAMMA_UP,
    G_LFSR_MASK,
    G_MULT_NOISE,
    G_N_STATES,
    G_NOISE_BITS,
    G_PRODUCT_SHIFT,
    G_REFRESH_EVERY,
    G_REFRESH_LOWER,
    G_REFRESH_STEP,
    G_REFRESH_UPPER,
    G_REFRESH_WMAX,
    G_STD,
    G_STD_ADD,
    G_STD_SLOPE,
    G_STEP_FRAC,
    G_TABLES,
    G_WORD_BITS,
    G_WRITE_NOISE,
    N_P,
    P_B_MAX,
    P_B_MIN,
    P_SLOPE_DOWN,
    P_SLOPE_UP,
    P_STEP_DOWN,
    P_STEP_UP,
    empty_globals,
    refresh_visible,
)
from golden.kernels.pair import apply_counts, refresh_pair
from golden.kernels.records import DeviceView
from golden.lut_exact import device_gains, exact_tables, row_seeds
from golden.params import (
    ConstantStepParams,
    DeviceParams,
    EmulatorParams,
    ExpStepParams,
    LinearStepParams,
    LutParams,
    PowStepParams,
    SoftBoundsParams,
)
from golden.rng import mix64_py

__all__ = ["DeviceArray", "check_matrix", "construction_seed", "device_model"]

_MODELS = {
    ConstantStepParams: DeviceModel.LINEAR,
    LinearStepParams: DeviceModel.LINEAR,
    SoftBoundsParams: DeviceModel.LINEAR,
    ExpStepParams: DeviceModel.EXP,
    PowStepParams: DeviceModel.POW,
    LutParams: DeviceModel.LUT,
}


def device_model(params: DeviceParams) -> DeviceModel:
    """The per-pulse rule that serves this device type."""
    return _MODELS[type(params)]


def construction_seed(params: DeviceParams, seed: int) -> int:
    """The seed of the d2d draws: ``construction_seed`` if set, else derived from ``seed``."""
    if params.construction_seed:
        return params.construction_seed
    return mix64_py(seed ^ 0xD2D0D2D0D2D0D2D0) >> 1


def _draw_common(params: DeviceParams, shape, rng: np.random.Generator, dw_min: float):
    """Bounds and up/down steps per device (aihwkit ``PulsedRPUDevice::populate``)."""
    b_max = params.w_max * (1.0 + params.w_max_dtod * rng.standard_normal(shape))
    b_min = params.w_min * (1.0 + params.w_min_dtod * rng.standard_normal(shape))
    gain = 1.0 + params.dw_min_dtod * rng.standard_normal(shape)
    r = params.up_down_dtod * rng.standard_normal(shape)
    step_up = dw_min * (gain + min(params.up_down, 0.0) + r)
    step_down = dw_min * (gain - max(params.up_down, 0.0) - r)
    if params.enforce_consistency:
        step_up, step_down = np.abs(step_up), np.abs(step_down)
        lo, hi = np.minimum(b_min, b_max), np.maximum(b_min, b_max)
        b_max, b_min = np.maximum(hi, 0.0), np.minimum(lo, 0.0)
    else:
        off = b_min > b_max
        mid = 0.5 * (b_min + b_max)
        b_max = np.where(off, mid, b_max)
        b_min = np.where(off, mid, b_min)
    return step_up, step_down, b_max, b_min


def _slopes(params: DeviceParams, P: np.ndarray, rng: np.random.Generator, shape) -> None:
    """Model-specific per-device slopes (LinearStep, SoftBounds) or exponents (PowStep)."""
    if isinstance(params, LinearStepParams):
        g_up = params.gamma_up + params.gamma_up_dtod * rng.standard_normal(shape)
        g_down = params.gamma_down + params.gamma_down_dtod * rng.standard_normal(shape)
        if not params.allow_increasing:
            g_up, g_down = np.abs(g_up), np.abs(g_down)
        if params.mean_bound_reference:
            ref_up, ref_down = params.w_max, params.w_min
        else:
            ref_up, ref_down = P[P_B_MAX], P[P_B_MIN]
        P[P_SLOPE_UP] = -g_up * P[P_STEP_UP] / ref_up
        P[P_SLOPE_DOWN] = -g_down * P[P_STEP_DOWN] / ref_down
    elif isinstance(params, SoftBoundsParams):
        tiny = np.finfo(np.float64).tiny
        P[P_SLOPE_UP] = -P[P_STEP_UP] / np.where(P[P_B_MAX] == 0, tiny, P[P_B_MAX])
        P[P_SLOPE_DOWN] = -P[P_STEP_DOWN] / np.where(P[P_B_MIN] == 0, -tiny, P[P_B_MIN])
    elif isinstance(params, PowStepParams):
        gain = 1.0 + params.pow_gamma_dtod * rng.standard_normal(shape)
        r = params.pow_up_down_dtod * rng.standard_normal(shape)
        g_up = params.pow_gamma * (gain + min(params.pow_up_down, 0.0) + r)
        g_down = params.pow_gamma * (gain - max(params.pow_up_down, 0.0) - r)
        if params.enforce_consistency:
            g_up, g_down = np.abs(g_up), np.abs(g_down)
        P[P_SLOPE_UP] = g_up
        P[P_SLOPE_DOWN] = g_down


def _globals(params: DeviceParams) -> np.ndarray:
    if isinstance(params, LutParams):
        G = empty_globals(params.n_states)
        up, down = params.tables()
        G[G_N_STATES] = params.n_states
        G[G_TABLES : G_TABLES + params.n_states] = up
        G[G_TABLES + params.n_states :] = down
    else:
        G = empty_globals()
    G[G_STD] = params.dw_min_std
    G[G_MULT_NOISE] = float(getattr(params, "mult_noise", True))
    G[G_WRITE_NOISE] = params.write_noise_std * params.dw_min
    if isinstance(params, ExpStepParams):
        G[G_A_UP], G[G_A_DOWN] = params.A_up, params.A_down
        G[G_GAMMA_UP], G[G_GAMMA_DOWN] = params.gamma_up, params.gamma_down
        G[G_A], G[G_B] = params.a, params.b
        G[G_STD_ADD], G[G_STD_SLOPE] = params.dw_min_std_add, params.dw_min_std_slope
    G[G_REFRESH_EVERY] = params.refresh_every if params.pair else 0
    G[G_REFRESH_UPPER], G[G_REFRESH_LOWER] = params.refresh_upper_thres, params.refresh_lower_thres
    G[G_REFRESH_WMAX], G[G_REFRESH_STEP] = params.w_max, params.granularity
    return G


class DeviceArray:
    """A ``rows x cols`` array of devices of one type.

    Parameters
    ----------
    params : DeviceParams
        The device type and its parameters (aihwkit names).
    shape : (rows, cols)
        Array shape; rows are outputs (d side), columns are inputs (x side).
    seed : int
        Run seed: the d2d draws use :func:`construction_seed`, the c2c and write noise use
        counter-based streams keyed by this seed.
    """

    def __init__(
        self,
        params: DeviceParams,
        shape: tuple[int, int],
        seed: int = 0,
        exact: EmulatorParams | None = None,
    ):
        rows, cols = _check_shape(shape)
        self.params = params
        self.model = int(device_model(params))
        self.seed = int(seed)
        self.counter = 0  # advances on every call that draws noise
        rng = np.random.default_rng(construction_seed(params, seed))
        unit = 1.0 if isinstance(params, LutParams) else params.dw_min
        n_dev = 2 * cols if params.pair else cols  # a pair: G+ and G- side by side
        # P[k, i, j], stored device by device (golden.kernels.arena.layer_p)
        self.P = np.zeros((rows, n_dev, N_P), dtype=np.float64).transpose(2, 0, 1)
        (self.P[P_STEP_UP], self.P[P_STEP_DOWN], self.P[P_B_MAX], self.P[P_B_MIN]) = _draw_common(
            params, (rows, n_dev), rng, unit
        )
        _slopes(params, self.P, rng, (rows, n_dev))
        self.G = _globals(params)
        self.row_lfsr = np.zeros(0, dtype=np.uint64)
        if exact is not None:
            self._make_exact(exact)
        self.hidden = np.zeros((rows, n_dev), dtype=np.float64)
        # visible weights are the hidden state itself unless Lut levels, write noise or a
        # pair's difference differ
        separate = isinstance(params, LutParams) or params.write_noise_std > 0 or params.pair
        self.visible = np.zeros((rows, cols)) if separate else self.hidden
        self.set_weights(np.zeros((rows, cols)))

    def _make_exact(self, em: EmulatorParams) -> None:
        """Become the array emulator's form of a Lut array (:mod:`golden.lut_exact`): gains and
        tables in its fixed point, one device-noise LFSR per row seeded from this array's
        seed."""
        lut = exact_tables(self.params, em)  # checks that the device is a Lut
        self.model = int(DeviceModel.LUT_EXACT)
        self.P[P_STEP_UP], self.P[P_STEP_DOWN] = device_gains(
            self.P[P_STEP_UP], self.P[P_STEP_DOWN], em
        )
        n = lut.n_states
        G = empty_globals(n)
        G[G_N_STATES] = n
        G[G_STEP_FRAC], G[G_NOISE_BITS] = lut.step_frac, lut.noise_bits
        G[G_PRODUCT_SHIFT], G[G_WORD_BITS] = lut.product_shift, lut.word_bits
        G[G_LFSR_MASK] = float(lut.lfsr_mask)
        self.G = np.concatenate([G, lut.noise.astype(np.float64)])
        self.G[G_TABLES : G_TABLES + n], self.G[G_TABLES + n : G_TABLES + 2 * n] = lut.up, lut.down
        self.row_lfsr = row_seeds(self.P.shape[1], em.replace(seed=self.seed))

    @property
    def shape(self) -> tuple[int, int]:
        """``(rows, cols)`` of the weights (a pair has two devices per weight)."""
        return self.visible.shape

    @property
    def is_lut(self) -> bool:
        return self.model in (int(DeviceModel.LUT), int(DeviceModel.LUT_EXACT))

    @property
    def b_max(self) -> np.ndarray:
        return self.P[P_B_MAX]

    @property
    def b_min(self) -> np.ndarray:
        return self.P[P_B_MIN]

    def next_counter(self) -> int:
        """The counter value for the next noise-drawing call (then advanced)."""
        self.counter += 1
        return self.counter - 1

    @property
    def separate_visible(self) -> bool:
        """Whether ``visible`` is an array of its own (Lut levels or write noise)."""
        return self.visible is not self.hidden

    def weights(self) -> np.ndarray:
        """The visible weights (a copy)."""
        return self.visible.copy()

    def set_weights(self, w: np.ndarray) -> None:
        """Program the weights: clipped to each device's bounds (Lut: nearest state); write
        noise, if any, is drawn afresh (aihwkit ``apply_write_noise_on_set``)."""
        w = check_matrix("weights", w, self.shape)
        if self.is_lut:
            n = self.params.n_states
            spacing = (self.b_max - self.b_min) / (n - 1)
            safe = np.where(spacing > 0, spacing, 1.0)
            self.hidden[:] = np.clip(np.rint((w - self.b_min) / safe), 0, n - 1)
        elif self.params.pair:  # G+ = max(w, 0), G- = max(-w, 0) (aihwkit's onSetWeights)
            both = np.concatenate([np.maximum(w, 0.0), np.maximum(-w, 0.0)], axis=1)
            self.hidden[:] = np.clip(both, self.b_min, self.b_max)
        else:
            self.hidden[:] = np.clip(w, self.b_min, self.b_max)
        self.refresh()

    def view(self) -> DeviceView:
        """The arrays as the device kernels take them (views, not copies)."""
        return DeviceView(self.model, self.P, self.G, self.hidden, self.visible, self.row_lfsr)

    def refresh(self) -> None:
        """Recompute the visible weights from the hidden state."""
        if self.params.pair:
            cols = self.visible.shape[1]
            self.visible[:] = self.hidden[:, :cols] - self.hidden[:, cols:]
            return
        refresh_visible(self.view(), self.seed, self.next_counter())

    def refresh_pairs(self) -> int:
        """A pair array's refresh now (:func:`golden.kernels.pair.refresh_pair`); returns the
        number of pairs rewritten."""
        if not self.params.pair:
            raise ConfigError("device.pair", False, "true to refresh pairs")
        return int(refresh_pair(self.view(), self.seed, self.next_counter()))

    def apply_pulses(self, counts: np.ndarray) -> None:
        """Apply ``counts[i, j]`` single pulses to each cell (> 0 up, < 0 down)."""
        counts = np.ascontiguousarray(counts, dtype=np.int64)
        if counts.shape != self.shape:
            raise ConfigError("counts", counts.shape, f"expected shape {self.shape}")
        apply_counts(self.view(), counts, self.seed, self.next_counter())


def _check_shape(shape) -> tuple[int, int]:
    if (
        not isinstance(shape, tuple | list)
        or len(shape) != 2
        or not all(isinstance(n, int | np.integer) and n >= 1 for n in shape)
    ):
        raise ConfigError("shape", shape, "expected (rows, cols) with rows, cols >= 1")
    return int(shape[0]), int(shape[1])


def check_matrix(name: str, w, shape) -> np.ndarray:
    w = np.asarray(w, dtype=np.float64)
    if w.shape != tuple(shape):
        raise ConfigError(name, f"<array of shape {w.shape}>", f"expected shape {tuple(shape)}")
    if not np.all(np.isfinite(w)):
        raise ConfigError(name, "<array with NaN/inf>", "every entry must be finite")
    return w
