"""Config files and ``--set`` overrides: reading TOML, applying ``section.key=value``."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

from golden.errors import ConfigError

__all__ = ["apply_overrides", "parse_override", "read_toml", "set_path"]


def read_toml(path: str | Path, field: str = "config") -> dict[str, Any]:
    """The tables of a TOML file; a missing file or bad TOML is a :class:`ConfigError`
    naming ``field``."""
    path = Path(path)
    if path.is_dir():
        raise ConfigError(field, str(path), "is a directory: give a TOML file")
    if not path.exists():
        raise ConfigError(field, str(path), "file not found")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise ConfigError(field, str(path), f"is not UTF-8 text ({err.reason})") from None
    except OSError as err:
        raise ConfigError(field, str(path), f"cannot be read ({err.strerror})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(field, str(path), f"not valid TOML ({err})") from None


_BAREWORD = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


def parse_override(text: str) -> tuple[list[str], Any]:
    """Split ``section.key=value`` into its key path and value (a TOML literal; a bare word
    such as ``SoftBounds`` is read as a string)."""
    if "=" not in text:
        raise ConfigError("--set", text, "expected key=value, e.g. device.dw_min=0.01")
    key, raw = text.split("=", 1)
    key, raw = key.strip(), raw.strip()
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        if not _BAREWORD.match(raw) or raw in ("true", "false"):
            raise ConfigError(
                f"--set {key}",
                raw,
                'value must be a TOML literal (numbers, true/false, "strings", [lists])',
            ) from None
        value = raw
    return key.split("."), value


def apply_overrides(
    data: dict[str, Any], overrides: list[str], default_section: str | None = None
) -> dict[str, Any]:
    """A copy of a config dict with ``--set`` overrides applied (before validation)."""
    out = json.loads(json.dumps(data))
    for text in overrides:
        path, value = parse_override(text)
        if len(path) == 1 and default_section is not None:
            path = [default_section, *path]
        set_path(out, path, value, field="--set")
    return out


def set_path(data: dict[str, Any], path: list[str], value: Any, field: str = "key") -> None:
    """``data[path[0]]...[path[-1]] = value`` in a nested config dict, making tables on the
    way; ``field`` names the input in the error when a step of the path is not a table."""
    node = data
    for part in path[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ConfigError(field, ".".join(path), f"{part} is not a table")
    node[path[-1]] = value
