"""Co-simulation configs: an ``[rtl]`` table (:class:`PeripheryParams`) with the optional
``[device]`` (default: preset ``softbounds-20``), ``[io]``, ``[cosim]`` (the TTv2 operating
point) and ``[train]`` (the network around the co-simulated layer) tables."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, NamedTuple

from golden.errors import ConfigError
from golden.params.base import Params, spec
from golden.params.devices import DeviceParams, device_from_dict
from golden.params.files import apply_overrides, read_toml
from golden.params.io_update import IOParams
from golden.params.periphery import PeripheryParams
from golden.params.presets import DEVICE_PRESETS

__all__ = [
    "CosimConfig",
    "CosimParams",
    "TrainLoopParams",
    "load_cosim_config",
    "load_rtl_config",
    "rtl_tables",
]


@dataclass(frozen=True)
class CosimParams(Params):
    """The TTv2 operating point of a co-simulation (``[cosim]`` table of an rtl config)."""

    section: ClassVar[str] = "cosim"

    lr: float = spec(1.0, "learning rate of the pulsed updates of A", gt=0, le=1000)
    transfer_scale: float = spec(
        4.0, "H increment in thresholds per unit of the read value of A", gt=0
    )
    transfer_every: int = spec(2, "updates between transfers (TTv2 transfer_every)", ge=0)
    momentum: float = spec(0.0, "TTv2 momentum", ge=0, le=1)
    forget_buffer: bool = spec(False, "TTv2 forget_buffer")
    idle_p: float = spec(
        0.2, "probability of an idle cycle in the host's update stream", ge=0, lt=1
    )


@dataclass(frozen=True)
class TrainLoopParams(Params):
    """The network around the co-simulated layer (``[train]`` table of a cosim config)."""

    section: ClassVar[str] = "train"

    hidden: int = spec(16, "hidden units H (the crossbar layer is H -> 10: rtl.cols = H)", ge=1)
    float_lr: float = spec(0.1, "SGD learning rate of the float layer 64 -> H", gt=0, le=1000)
    n_test: int = spec(0, "test samples for the accuracy (0 = all)", ge=0)


class CosimConfig(NamedTuple):
    """Every table of a co-simulation config, validated."""

    rtl: PeripheryParams
    device: DeviceParams
    io: IOParams
    cosim: CosimParams
    train: TrainLoopParams


def rtl_tables(path: str | Path, overrides=()) -> tuple[PeripheryParams, dict]:
    """The ``[rtl]`` table as params and all tables raw, after the ``--set`` overrides (a bare
    key belongs to ``[rtl]``)."""
    data = apply_overrides(read_toml(path), list(overrides), default_section="rtl")
    if "rtl" not in data:
        raise ConfigError("rtl", None, f"{path} needs an [rtl] table")
    try:
        return PeripheryParams.from_dict(data["rtl"]), data
    except ConfigError as err:
        raise err.within("rtl") from None


def load_rtl_config(path: str | Path, overrides=()) -> PeripheryParams:
    """A :class:`PeripheryParams` from a TOML file with an ``[rtl]`` table."""
    return rtl_tables(path, overrides)[0]


def load_cosim_config(path: str | Path, overrides=()) -> CosimConfig:
    """All tables of a co-simulation config from one TOML file, each validated."""
    rtl, data = rtl_tables(path, overrides)
    parts = {}
    for section, build in (
        ("device", device_from_dict),
        ("io", IOParams.from_dict),
        ("cosim", CosimParams.from_dict),
        ("train", TrainLoopParams.from_dict),
    ):
        default = DEVICE_PRESETS["softbounds-20"] if section == "device" else {}
        try:
            parts[section] = build(data.get(section, default))
        except ConfigError as err:
            raise err.within(section) from None
    return CosimConfig(rtl=rtl, **parts)
