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

__all__ = ["main"]

#: sub-command name -> module that implements it
COMMANDS = {
    "device": cmd_device,
    "train": cmd_train,
    "sweep": cmd_sweep,
    "rtl": cmd_rtl,
    "cosim": cmd_cosim,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="xbar", description="xbarkit: analog crossbar training accelerators"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module in COMMANDS.items():
        module.add_parser(sub, name)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except ConfigError as err:
        print(f"xbar {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
