"""Command-line options every ``xbar`` sub-command shares."""

from __future__ import annotations

import argparse

__all__ = ["add_set_option", "number"]


def number(kind: type, lo: float | None = None, hi: float | None = None, strict: bool = False):
    """An argparse ``type`` that parses ``kind`` (int or float) and checks its range: a finite
    value ``>= lo`` (``> lo`` when ``strict``) and ``<= hi``; anything else is a one-line
    usage error (exit code 2)."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a{'n' if kind is int else ''} {kind.__name__}"
            ) from None
        if value != value or value in (float("inf"), float("-inf")):
            raise argparse.ArgumentTypeError(f"{text} is not a finite number")
        if lo is not None and (value <= lo if strict else value < lo):
            raise argparse.ArgumentTypeError(f"{text} must be {'>' if strict else '>='} {lo}")
        if hi is not None and value > hi:
            raise argparse.ArgumentTypeError(f"{text} must be <= {hi}")
        return value

    parse.__name__ = kind.__name__  # argparse names the type in its messages
    return parse


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
