"""Named device presets (values of aihwkit's presets where one exists)."""

from __future__ import annotations

from typing import Any

from golden.errors import ConfigError
from golden.params.devices import DeviceParams, device_from_dict

__all__ = ["DEVICE_PRESETS", "device_preset"]


_SB20 = {
    "dw_min": 0.1,
    "w_max": 1.0,
    "w_min": -1.0,
    "dw_min_dtod": 0.3,
    "w_max_dtod": 0.3,
    "w_min_dtod": 0.3,
    "up_down_dtod": 0.01,
    "dw_min_std": 0.3,
}

#: named device presets (values of aihwkit's presets where one exists)
DEVICE_PRESETS: dict[str, dict[str, Any]] = {
    "constant-step": {"type": "ConstantStep"},
    "linear-step": {"type": "LinearStep"},
    "soft-bounds": {"type": "SoftBounds"},
    "exp-step": {"type": "ExpStep"},
    "pow-step": {"type": "PowStep"},
    # the 20-state reference device of the Fashion-MNIST comparison with aihwkit
    "softbounds-20": {"type": "SoftBounds", **_SB20},
    # aihwkit GokmenVlasovPresetDevice
    "gokmen-vlasov": {
        "type": "ConstantStep",
        "dw_min": 0.0016,
        "w_max": 1.0,
        "w_min": -1.0,
        "dw_min_dtod": 0.3,
        "dw_min_std": 0.3,
        "up_down_dtod": 0.01,
    },
    # aihwkit IdealizedPresetDevice
    "idealized": {
        "type": "ConstantStep",
        "dw_min": 0.0002,
        "w_max": 1.0,
        "w_min": -1.0,
        "up_down_dtod": 0.0,
    },
    # aihwkit EcRamPresetDevice / EcRamMOPresetDevice / CapacitorPresetDevice (no lifetime)
    "ecram": {
        "type": "LinearStep",
        "dw_min": 0.002,
        "w_max": 1.1724,
        "w_min": -0.8276,
        "gamma_up": 0.1153,
        "gamma_down": 0.5085,
    },
    "ecram-mo": {
        "type": "LinearStep",
        "dw_min": 2.8214e-4,
        "w_max": 1.1714,
        "w_min": -0.8286,
        "gamma_up": 0.4152,
        "gamma_down": 0.7342,
        "dw_min_std": 2.0,
    },
    "capacitor": {
        "type": "LinearStep",
        "dw_min": 0.005,
        "w_max": 1.0,
        "w_min": -1.0,
        "gamma_up": 0.05,
        "gamma_down": 0.05,
    },
    # aihwkit ReRamESPresetDevice (ExpStep fit to Gong et al. 2018)
    "reram-es": {
        "type": "ExpStep",
        "dw_min": 0.00135,
        "up_down": 0.259359,
        "w_max": 1.0,
        "w_min": -1.0,
        "a": -0.5,
        "b": -0.5,
        "gamma_up": 5.0,
        "gamma_down": 5.0,
        "A_up": -1.18445,
        "A_down": -0.081404,
        "dw_min_dtod": 0.2,
        "up_down_dtod": 0.05,
        "dw_min_std": 5.0,
        "write_noise_std": 75.0,
    },
    # a 21-level table device whose steps shrink toward the bounds like SoftBounds
    "lut-softbounds-21": {
        "type": "Lut",
        "n_states": 21,
        "w_max": 1.0,
        "w_min": -1.0,
        "up_steps": [round(2.0 - s / 10, 6) for s in range(21)],
        "down_steps": [round(s / 10, 6) for s in range(21)],
    },
}


def device_preset(name: str) -> DeviceParams:
    """The named device preset; unknown names list the known ones."""
    if name not in DEVICE_PRESETS:
        raise ConfigError("preset", name, f"one of {', '.join(DEVICE_PRESETS)}")
    return device_from_dict(DEVICE_PRESETS[name])
