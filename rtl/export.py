"""Verilog export of the periphery with its JSON sidecars (params and ports)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from amaranth.back import verilog
from amaranth.hdl import Value
from amaranth.lib import wiring

from golden.hw.tile import fifo_depths, tile_parts
from golden.params import PeripheryParams, TileConfig
from rtl.periphery import PORT_MEANINGS, CrossbarPeriphery
from rtl.pulse_generator import PulseGenerator
from rtl.tile import TILE_PORT_MEANINGS, Tile
from rtl.transfer_controller import TransferController
from rtl.ttv2_filter import Ttv2Filter

__all__ = [
    "BLOCKS",
    "TILE_NAME",
    "TOP_NAME",
    "export",
    "export_tile",
    "make_tile",
    "module_name",
    "port_table",
    "verilog_text",
]

TOP_NAME = "xbar_periphery"
TILE_NAME = "xbar_tile"

#: block name -> component; each can be exported as a Verilog module of its own (the top for
#: vendor flows, the blocks for their own co-simulation testbenches)
BLOCKS = {
    "periphery": CrossbarPeriphery,
    "pulse_generator": PulseGenerator,
    "ttv2_filter": Ttv2Filter,
    "transfer_controller": TransferController,
}


def module_name(block: str) -> str:
    """The Verilog module name of a block: ``xbar_periphery``, ``xbar_pulse_generator``, ..."""
    return f"xbar_{block}"


def verilog_text(top: wiring.Component, name: str = TOP_NAME) -> str:
    """Verilog of a component as module ``name`` (Amaranth's bundled Yosys, no source paths,
    so the text depends on the params only)."""
    os.environ.setdefault("AMARANTH_USE_YOSYS", "builtin")
    return verilog.convert(top, name=name, emit_src=False)


def port_table(top: wiring.Component, meanings: dict[str, str] = PORT_MEANINGS) -> list[dict]:
    """Every Verilog port: name (member path joined with ``__``), direction, width, meaning."""
    rows = [
        {"name": "clk", "direction": "input", "width": 1, "meaning": meanings["clk"]},
        {"name": "rst", "direction": "input", "width": 1, "meaning": meanings["rst"]},
    ]
    for path, member, value in top.signature.flatten(top):
        name = "__".join(str(part) for part in path)
        rows.append(
            {
                "name": name,
                "direction": "input" if member.flow == wiring.In else "output",
                "width": len(Value.cast(value)),
                "meaning": meanings[name],
            }
        )
    return rows


def export(params: PeripheryParams, out: Path) -> dict[str, Path]:
    """Write ``xbar_periphery.v``, ``params.json`` and ``ports.json`` into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "verilog": out / f"{TOP_NAME}.v",
        "params": out / "params.json",
        "ports": out / "ports.json",
    }
    top = CrossbarPeriphery(params)
    paths["verilog"].write_text(verilog_text(top))
    derived = {
        "register_widths": {r.name: w for r, w in params.register_widths().items()},
        "register_resets": {r.name: v for r, v in params.register_resets().items()},
        "cfg_data_bits": params.cfg_data_bits,
        "h_depth": params.h_depth,
    }
    sidecar = {"params": params.to_dict(), "digest": params.digest(), "derived": derived}
    paths["params"].write_text(json.dumps(sidecar, indent=2) + "\n")
    ports = port_table(top)
    paths["ports"].write_text(json.dumps({"top": TOP_NAME, "ports": ports}, indent=2) + "\n")
    return paths


def make_tile(cfg: TileConfig) -> Tile:
    """The tile of a config (a fresh component each call)."""
    return Tile(cfg.rtl, tile_parts(cfg))


def tile_design(cfg: TileConfig) -> tuple[str, str, str]:
    """``(module name, Verilog text, build tag)`` of a config's tile, as
    ``sim.runner.build_verilog`` and ``run_testbench(design=...)`` take it."""
    return TILE_NAME, verilog_text(make_tile(cfg), TILE_NAME), f"tile-{cfg.digest()}"


def export_tile(cfg: TileConfig, out: Path) -> dict[str, Path]:
    """Write ``xbar_tile.v``, ``params.json`` (every table of the config and the emulator's
    derived sizes) and ``ports.json`` into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "verilog": out / f"{TILE_NAME}.v",
        "params": out / "params.json",
        "ports": out / "ports.json",
    }
    top = make_tile(cfg)
    paths["verilog"].write_text(verilog_text(top, TILE_NAME))
    array = top.arrays["a"]
    derived = {
        "state_bits": array.state_bits,
        "device_word_bits": array.state_bits + 2 * cfg.emulator.d2d_bits,
        "devices_per_array": cfg.rtl.rows * cfg.rtl.cols,
        "fifo_depths": fifo_depths(cfg.rtl),
        "register_widths": {r.name: w for r, w in cfg.rtl.register_widths().items()},
    }
    sidecar = {"tables": cfg.tables(), "digest": cfg.digest(), "derived": derived}
    paths["params"].write_text(json.dumps(sidecar, indent=2) + "\n")
    ports = port_table(top, TILE_PORT_MEANINGS)
    paths["ports"].write_text(json.dumps({"top": TILE_NAME, "ports": ports}, indent=2) + "\n")
    return paths
