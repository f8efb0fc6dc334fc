"""Command-line options every ``xbar`` sub-command shares."""

from __future__ import annotations

import argparse

__all__ = ["add_set_option"]


def add_set_option(parser: argparse.ArgumentParser, example: str, metavar: str = "KEY=VALUE"):
    """The ``--set`` option: repeated ``key=value`` overrides (TOML literals) collected in
    ``args.overrides``."""
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar=metavar,
        help=f"override a field, e.g. --set {example} (TOML literal)",
    )
