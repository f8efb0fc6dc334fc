"""``xbar``: the one command-line interface. A thin layer: parse, validate, call the packages.

Each sub-command lives in its own module exposing ``add_parser(subparsers, name)``; the parser
it adds sets ``run(args) -> int``. Heavy packages (Amaranth, cocotb, Dask, matplotlib) are
imported only when their command runs.
"""

from __future__ import annotations

import argparse
import sys

from golden.errors import ConfigError
from xbarkit import cmd_cosim, cmd_device, cmd_rtl, cmd_sweep, cmd_train
from xbarkit.outdir import claim_out

__all__ = ["main"]

#: sub-command name -> module that implements it
COMMANDS = {
    "device": cmd_device,
    "train": cmd_train,
    "sweep": cmd_sweep,
    "rtl": cmd_rtl,
    "cosim": cmd_cosim,
}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("xbarkit")
    except PackageNotFoundError:  # run from a source tree that was not installed
        return "unknown (not installed)"


class XbarParser(argparse.ArgumentParser):
    """argparse with one-line usage errors (``xbar CMD: error: ...``, exit code 2), like every
    other error of the CLI; ``--help`` shows the usage."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = XbarParser(prog="xbar", description="xbarkit: analog crossbar training accelerators")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module in COMMANDS.items():
        module.add_parser(sub, name)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # usage errors (2), --help and --version (0): one exit code
        return int(stop.code or 0)
    try:
        if getattr(args, "out", None) is None:
            return int(args.run(args) or 0)
        with claim_out(args.out):  # checked, created and locked before any work
            return int(args.run(args) or 0)
    except ConfigError as err:
        print(f"xbar {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\nxbar {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
