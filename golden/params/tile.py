"""Configs of the emulated tile (``xbar rtl --tile``, ``xbar cosim --tile``): the ``[rtl]``
periphery with ``[device]`` (a Lut device, default preset ``lut-softbounds-21`` without bound
variation), ``[io]`` (the ADC of the column reads) and ``[emulator]`` (number formats, seeds,
initial weights)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import NamedTuple

from golden.errors import ConfigError
from golden.params.cosim import CosimParams, TrainLoopParams, rtl_tables
from golden.params.devices import LutParams, device_from_dict
from golden.params.emulator import EmulatorParams
from golden.params.io_update import IOParams
from golden.params.periphery import PeripheryParams
from golden.params.presets import DEVICE_PRESETS

__all__ = [
    "TileConfig",
    "check_emulated",
    "check_lut",
    "load_tile_config",
    "load_tile_training",
    "tile_config_from_tables",
]

#: the device of a tile config without a [device] table
DEFAULT_TILE_DEVICE = {**DEVICE_PRESETS["lut-softbounds-21"], "w_max_dtod": 0.0, "w_min_dtod": 0.0}


class TileConfig(NamedTuple):
    """Every table of a tile config, validated."""

    rtl: PeripheryParams
    device: LutParams
    io: IOParams
    emulator: EmulatorParams

    def tables(self) -> dict:
        """Every table as a plain dict (JSON/TOML; :func:`tile_config_from_tables` reads it)."""
        return {name: table.to_dict() for name, table in self._asdict().items()}

    def digest(self) -> str:
        """Content hash (16 hex digits) of every table."""
        canon = json.dumps(self.tables(), sort_keys=True)
        return hashlib.sha256(canon.encode()).hexdigest()[:16]


def load_tile_config(path: str | Path, overrides=()) -> TileConfig:
    """All tables of a tile config from one TOML file, each validated (also together:
    :func:`check_emulated`)."""
    rtl, data = rtl_tables(path, overrides)
    return _tile_config(rtl, data)


def load_tile_training(
    path: str | Path, overrides=()
) -> tuple[TileConfig, CosimParams, TrainLoopParams]:
    """A tile config with its training tables: ``[cosim]`` (the TTv2 operating point) and
    ``[train]`` (the network around the tile), each validated."""
    rtl, data = rtl_tables(path, overrides)
    cfg = _tile_config(rtl, data)
    loops = []
    for cls in (CosimParams, TrainLoopParams):
        try:
            loops.append(cls.from_dict(data.get(cls.section, {})))
        except ConfigError as err:
            raise err.within(cls.section) from None
    return cfg, *loops


def tile_config_from_tables(tables: dict) -> TileConfig:
    """A tile config from its tables as plain dicts (``TileConfig._asdict`` of ``to_dict``s,
    the form co-simulation testbenches receive)."""
    try:
        rtl = PeripheryParams.from_dict(tables["rtl"])
    except ConfigError as err:
        raise err.within("rtl") from None
    return _tile_config(rtl, tables)


def _tile_config(rtl: PeripheryParams, data: dict) -> TileConfig:
    parts = {}
    for section, build, default in (
        ("device", device_from_dict, DEFAULT_TILE_DEVICE),
        ("io", IOParams.from_dict, {}),
        ("emulator", EmulatorParams.from_dict, {}),
    ):
        try:
            parts[section] = build(data.get(section, default))
        except ConfigError as err:
            raise err.within(section) from None
    check_emulated(parts["device"], parts["io"])
    return TileConfig(rtl=rtl, **parts)


def check_lut(device) -> None:
    """The array emulator holds Lut devices only."""
    if not isinstance(device, LutParams):
        raise ConfigError(
            "device.type", device.type_name, "Lut (the array emulator holds Lut devices)"
        )


def check_emulated(device, io: IOParams) -> None:
    """What the emulator's reads need: a Lut device whose bounds have no d2d spread and that
    has no write noise (one level table per array), an ADC with a step, and for the MVMs a DAC
    with a step and no input noise."""
    check_lut(device)
    for name in ("w_max_dtod", "w_min_dtod", "write_noise_std"):
        if getattr(device, name) != 0:
            raise ConfigError(
                f"device.{name}", getattr(device, name), "must be 0 for the array emulator"
            )
    if io.out_step <= 0:
        raise ConfigError("io.out_res", io.out_res, "the emulator's ADC needs out_res > 0")
    if io.inp_step <= 0:
        raise ConfigError("io.inp_res", io.inp_res, "the emulator's DAC needs inp_res > 0")
    if io.inp_noise != 0:
        raise ConfigError("io.inp_noise", io.inp_noise, "must be 0 for the array emulator")
    if io.is_perfect:
        raise ConfigError("io.is_perfect", True, "false: the emulator's MVM has an ADC and DAC")
