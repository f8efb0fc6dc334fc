"""``xbar``: the one command-line interface. A thin layer: parse, validate, call the packages.

Each sub-command lives in its own module exposing ``add_parser(subparsers)`` and
``run(args) -> int``; modules are named here by string so that golden never imports the RTL
or simulation packages unless their command is used.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from golden.errors import ConfigError

__all__ = ["add_set_option", "main"]

#: sub-command name -> module that implements it
COMMANDS: dict[str, str] = {
    "device": "golden.cmd_device",
    "train": "golden.cmd_train",
    "sweep": "golden.sweep.cmd",
    "rtl": "rtl.cmd_rtl",
    "cosim": "sim.cmd_cosim",
}


def add_set_option(parser: argparse.ArgumentParser, example: str, metavar: str = "KEY=VALUE"):
    """The ``--set`` option every command shares: repeated ``key=value`` overrides (TOML
    literals) collected in ``args.overrides``."""
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar=metavar,
        help=f"override a field, e.g. --set {example} (TOML literal)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="xbar", description="xbarkit: analog crossbar training accelerators"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module in COMMANDS.items():
        importlib.import_module(module).add_parser(sub, name)
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
