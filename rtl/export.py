"""Verilog export of the periphery with its JSON sidecars (params and ports)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from amaranth.back import verilog
from amaranth.hdl import Value
from amaranth.lib import wiring

from golden.params import PeripheryParams
from rtl.periphery import PORT_MEANINGS, CrossbarPeriphery
from rtl.pulse_generator import PulseGenerator
from rtl.transfer_controller import TransferController
from rtl.ttv2_filter import Ttv2Filter

__all__ = ["BLOCKS", "TOP_NAME", "export", "module_name", "port_table", "verilog_text"]

TOP_NAME = "xbar_periphery"

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


def port_table(top: wiring.Component) -> list[dict]:
    """Every Verilog port: name (member path joined with ``__``), direction, width, meaning."""
    rows = [
        {"name": "clk", "direction": "input", "width": 1, "meaning": PORT_MEANINGS["clk"]},
        {"name": "rst", "direction": "input", "width": 1, "meaning": PORT_MEANINGS["rst"]},
    ]
    for path, member, value in top.signature.flatten(top):
        name = "__".join(str(part) for part in path)
        rows.append(
            {
                "name": name,
                "direction": "input" if member.flow == wiring.In else "output",
                "width": len(Value.cast(value)),
                "meaning": PORT_MEANINGS[name],
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
