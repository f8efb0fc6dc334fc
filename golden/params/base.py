"""Base machinery of every config: :func:`spec` fields that document and validate, the
:class:`Params` base with its dict/TOML/JSON round trip and content digest."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import tomllib
import typing
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, ClassVar

import tomli_w

from golden.errors import ConfigError

__all__ = ["ConfigError", "Params", "spec"]


def spec(
    default: Any,
    doc: str,
    *,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    lt: float | None = None,
) -> Any:
    """A dataclass field with its documentation and allowed range (inclusive ``ge``/``le``,
    exclusive ``gt``/``lt``)."""
    meta = {"doc": doc, "ge": ge, "gt": gt, "le": le, "lt": lt}
    if isinstance(default, Params):
        return field(default_factory=lambda: default, metadata=meta)
    return field(default=default, metadata=meta)


def _range_text(meta: dict) -> str:
    parts = []
    if meta["ge"] is not None:
        parts.append(f">= {meta['ge']}")
    if meta["gt"] is not None:
        parts.append(f"> {meta['gt']}")
    if meta["le"] is not None:
        parts.append(f"<= {meta['le']}")
    if meta["lt"] is not None:
        parts.append(f"< {meta['lt']}")
    return " and ".join(parts)


def _in_range(value: float, meta: dict) -> bool:
    return not (
        (meta["ge"] is not None and value < meta["ge"])
        or (meta["gt"] is not None and value <= meta["gt"])
        or (meta["le"] is not None and value > meta["le"])
        or (meta["lt"] is not None and value >= meta["lt"])
    )


@dataclass(frozen=True)
class Params:
    """Base of every config dataclass: validation, dict/TOML/JSON round trip, digest."""

    #: the TOML table name of this section, used in error messages
    section: ClassVar[str] = ""

    def __post_init__(self) -> None:
        hints = typing.get_type_hints(type(self))
        for f in dataclasses.fields(self):
            value = _coerce(f.name, getattr(self, f.name), hints[f.name], f.metadata)
            object.__setattr__(self, f.name, value)
        self.check()

    def check(self) -> None:
        """Cross-field rules; subclasses extend it and raise :class:`ConfigError`."""

    # ---- dict / TOML / JSON -------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Params:
        """Build from a plain dict; unknown keys and bad values raise :class:`ConfigError`."""
        if not isinstance(data, dict):
            raise ConfigError(cls.section or cls.__name__, data, "expected a table of fields")
        known = {f.name: f for f in dataclasses.fields(cls)}
        hints = typing.get_type_hints(cls)
        kwargs = {}
        for key, value in data.items():
            if key not in known:
                raise ConfigError(key, value, f"unknown field; known fields: {', '.join(known)}")
            kind = hints[key]
            try:
                if isinstance(value, Params):
                    pass
                elif isinstance(kind, type) and issubclass(kind, Params):
                    value = kind.from_table(value, known[key])
            except ConfigError as err:
                raise err.within(key) from None
            kwargs[key] = value
        return cls(**kwargs)

    @classmethod
    def from_table(cls, value: Any, f: dataclasses.Field) -> Params:
        """The value of a nested table for field ``f``: a partial table keeps the field's own
        defaults for what it leaves out."""
        if f.default_factory is not dataclasses.MISSING and isinstance(value, dict):
            value = {**f.default_factory().to_dict(), **value}
        return cls.from_dict(value)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of TOML/JSON-compatible values (enums by name, tuples as lists)."""
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}

    def to_toml(self) -> str:
        return tomli_w.dumps(self.to_dict())

    @classmethod
    def from_toml(cls, text: str) -> Params:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            raise ConfigError("toml", text[:40], f"not valid TOML ({err})") from None
        return cls.from_dict(data)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Params:
        return cls.from_dict(json.loads(text))

    def digest(self) -> str:
        """Stable content hash (16 hex digits) of the class name and every field value."""
        canon = json.dumps([type(self).__name__, self.to_dict()], sort_keys=True)
        return hashlib.sha256(canon.encode()).hexdigest()[:16]

    def replace(self, **changes: Any) -> Params:
        """A validated copy with some fields changed."""
        return dataclasses.replace(self, **changes)


def _plain(value: Any) -> Any:
    if isinstance(value, Params):
        return value.to_dict()
    if isinstance(value, IntEnum):
        return value.name
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def _coerce(name: str, value: Any, kind: Any, meta: Any) -> Any:
    """Check ``value`` against the annotated type and range; return the normalised value."""
    if isinstance(kind, type) and issubclass(kind, IntEnum):
        if isinstance(value, kind):
            return value
        if isinstance(value, str) and value.upper() in kind.__members__:
            return kind[value.upper()]
        raise ConfigError(name, value, f"one of {', '.join(kind.__members__)}")
    if kind is bool:
        if not isinstance(value, bool):
            raise ConfigError(name, value, "expected true or false")
        return value
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(name, value, "expected an integer")
    elif kind is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(name, value, "expected a number")
        value = float(value)
        if not math.isfinite(value):
            raise ConfigError(name, value, "expected a finite number")
    elif kind is str:
        if not isinstance(value, str):
            raise ConfigError(name, value, "expected a string")
        return value
    elif typing.get_origin(kind) is tuple:
        item_type = typing.get_args(kind)[0]
        noun = "integers" if item_type is int else "finite numbers"
        if not isinstance(value, list | tuple):
            raise ConfigError(name, value, f"expected a list of {noun}")
        items = []
        for v in value:
            ok = isinstance(v, int) if item_type is int else isinstance(v, int | float)
            if isinstance(v, bool) or not ok or not math.isfinite(v):
                raise ConfigError(name, value, f"expected a list of {noun}")
            if not _in_range(float(v), meta):
                raise ConfigError(name, value, f"every entry must be {_range_text(meta)}")
            items.append(item_type(v))
        return tuple(items)
    elif isinstance(kind, type) and issubclass(kind, Params):
        if not isinstance(value, kind):
            raise ConfigError(name, value, f"expected {kind.__name__}")
        return value
    if meta and not _in_range(value, meta):
        raise ConfigError(name, value, f"allowed range: {name} {_range_text(meta)}")
    return value
