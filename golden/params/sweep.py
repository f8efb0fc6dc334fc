"""Sweep files: a base training config, fixed settings, axes (grid or list), seeds, calibration.

A sweep file (TOML)::

    [sweep]
    base = "fmnist-ttv1.toml"      # training config, relative to the sweep file
    seeds = [0, 1]
    baseline = "float"             # float runs of the base config (one per seed), or a number

    [set]                          # applied to every point (dotted config keys)
    "data.name" = "digits"

    [[axis]]                       # grid axes: every combination of their values is a point
    name = "asymmetry_a"           # defaults to the single key
    keys = ["device_a.gamma_up", "device_a.gamma_down"]   # one value sets all of them
    values = [0.0, 0.5, 1.0]

    [[point]]                      # or a list of points instead of axes
    "algorithm.fast_lr" = 0.1

    [calibration]                  # Lee et al. 2022: the asymmetry specification
    asymmetry = ["asymmetry_a", "asymmetry_c"]
    hyper = ["fast_lr", "transfer_lr"]
    margin = 0.02

Every point (and the baseline) is built and validated as a full training config before any
run starts, so a bad key or value is reported at once, naming the point and the field.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golden.errors import ConfigError
from golden.params.files import read_toml, set_path
from golden.params.training import TrainParams

__all__ = ["Axis", "Calibration", "Point", "SweepConfig", "load_sweep"]


@dataclass(frozen=True)
class Axis:
    """One grid axis: a name, the config keys one value sets, the values, and its scale."""

    name: str
    keys: tuple[str, ...]
    values: tuple[Any, ...]

    @property
    def log_scale(self) -> bool:
        """Positive numbers spanning a factor of 10 or more are interpolated in log10."""
        nums = [v for v in self.values if isinstance(v, int | float) and not isinstance(v, bool)]
        return len(nums) == len(self.values) and min(nums) > 0 and max(nums) / min(nums) >= 10


@dataclass(frozen=True)
class Calibration:
    """Which axes are the (A, C) asymmetries and which the hyper-parameters to optimise."""

    asymmetry: tuple[str, str]
    hyper: tuple[str, ...]
    margin: float = 0.02
    sigma: float = 1.0
    upsample: int = 8


@dataclass(frozen=True)
class Point:
    """One training run of the sweep: its axis values, seed and full config."""

    values: dict[str, Any]
    seed: int
    params: TrainParams
    baseline: bool = False

    @property
    def digest(self) -> str:
        return self.params.digest()


@dataclass
class SweepConfig:
    """A parsed, validated sweep file."""

    path: Path
    base: Path
    seeds: tuple[int, ...]
    axes: tuple[Axis, ...]
    points: list[Point]
    baseline: str | float | None = None
    calibration: Calibration | None = None
    columns: tuple[str, ...] = field(default=())

    def all_points(self) -> list[Point]:
        """The grid's points, then the baseline's, each digest once (a grid whose values
        repeat a config is not run twice)."""
        seen, out = set(), []
        for p in self.points:
            if p.digest not in seen:
                seen.add(p.digest)
                out.append(p)
        return out


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}, "c.d": 2}`` -> ``{"a.b": 1, "c.d": 2}``."""
    out = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def _axes(raw: list[Any]) -> tuple[Axis, ...]:
    axes = []
    for k, table in enumerate(raw):
        where = f"axis[{k}]"
        if not isinstance(table, dict):
            raise ConfigError(where, table, "a table with keys and values")
        keys = table.get("keys", [table["key"]] if "key" in table else None)
        if not keys or not all(isinstance(s, str) for s in keys):
            raise ConfigError(f"{where}.keys", keys, "a non-empty list of dotted config keys")
        values = table.get("values")
        if not isinstance(values, list) or not values:
            raise ConfigError(f"{where}.values", values, "a non-empty list")
        name = table.get("name", keys[0] if len(keys) == 1 else None)
        if not isinstance(name, str):
            raise ConfigError(f"{where}.name", name, "a name (needed when an axis sets 2+ keys)")
        unknown = set(table) - {"name", "key", "keys", "values"}
        if unknown:
            raise ConfigError(where, sorted(unknown), "only name, key/keys and values")
        axes.append(Axis(name, tuple(keys), tuple(values)))
    names = [a.name for a in axes]
    if len(set(names)) != len(names):
        raise ConfigError("axis.name", names, "distinct names")
    return tuple(axes)


def _calibration(raw: dict[str, Any] | None, axes: tuple[Axis, ...]) -> Calibration | None:
    if raw is None:
        return None
    names = {a.name for a in axes}
    asym = raw.get("asymmetry")
    if not isinstance(asym, list) or len(asym) != 2 or not set(asym) <= names:
        raise ConfigError(
            "calibration.asymmetry", asym, f"two axis names (A, then C) out of {sorted(names)}"
        )
    hyper = raw.get("hyper", [])
    if not isinstance(hyper, list) or not set(hyper) <= names or set(hyper) & set(asym):
        raise ConfigError(
            "calibration.hyper", hyper, f"axis names out of {sorted(names - set(asym))}"
        )
    margin, sigma, up = raw.get("margin", 0.02), raw.get("sigma", 1.0), raw.get("upsample", 8)
    if not isinstance(margin, int | float) or not 0 <= margin <= 1:
        raise ConfigError("calibration.margin", margin, "an accuracy margin in [0, 1]")
    if not isinstance(sigma, int | float) or not 0 <= sigma <= 10:
        raise ConfigError("calibration.sigma", sigma, "grid steps in [0, 10]")
    if not isinstance(up, int) or not 1 <= up <= 64:
        raise ConfigError("calibration.upsample", up, "an integer in [1, 64]")
    unknown = set(raw) - {"asymmetry", "hyper", "margin", "sigma", "upsample"}
    if unknown:
        raise ConfigError(
            "calibration", sorted(unknown), "asymmetry, hyper, margin, sigma, upsample"
        )
    return Calibration(tuple(asym), tuple(hyper), float(margin), float(sigma), up)


def _build(base: dict, settings: dict[str, Any], seed: int, where: str) -> TrainParams:
    data = json.loads(json.dumps(base))
    for key, value in {**settings, "training.seed": seed}.items():
        set_path(data, key.split("."), value, field=f"{where}.{key}")
    try:
        return TrainParams.from_dict(data)
    except ConfigError as err:
        raise ConfigError(f"{where}: {err.field}", err.value, err.allowed) from None


def _baseline_data(base: dict, fixed: dict[str, Any]) -> tuple[dict, dict[str, Any]]:
    """The base config as a float run: no [algorithm] table, no algorithm keys."""
    data = {k: v for k, v in base.items() if k != "algorithm"}
    keep = {k: v for k, v in fixed.items() if not k.startswith("algorithm.")}
    return data, {**keep, "training.algorithm": "float"}


def load_sweep(path: str | Path) -> SweepConfig:
    """Read and validate a sweep file; every point's training config is built here."""
    path = Path(path)
    raw = read_toml(path, field="sweep")
    unknown = set(raw) - {"sweep", "set", "axis", "point", "calibration"}
    if unknown:
        raise ConfigError(
            "sweep file", sorted(unknown), "tables sweep, set, axis, point, calibration"
        )
    head = raw.get("sweep", {})
    if "base" not in head:
        raise ConfigError("sweep.base", None, "the training config every point starts from")
    base_path = (path.parent / head["base"]).resolve()
    base = read_toml(base_path, field="sweep.base")
    seeds = head.get("seeds", [0])
    if (
        not isinstance(seeds, list)
        or not seeds
        or not all(isinstance(s, int) and s >= 0 for s in seeds)
    ):
        raise ConfigError("sweep.seeds", seeds, "a non-empty list of integers >= 0")
    baseline = head.get("baseline")
    if (
        baseline is not None
        and baseline != "float"
        and not (isinstance(baseline, int | float) and 0 <= baseline <= 1)
    ):
        raise ConfigError("sweep.baseline", baseline, '"float" or an accuracy in [0, 1]')
    unknown = set(head) - {"base", "seeds", "baseline"}
    if unknown:
        raise ConfigError("sweep", sorted(unknown), "only base, seeds and baseline")

    fixed = _flatten(raw.get("set", {}))
    axes = _axes(raw.get("axis", []))
    listed = raw.get("point", [])
    if axes and listed:
        raise ConfigError("point", len(listed), "either [[axis]] (a grid) or [[point]], not both")
    if listed:
        columns = tuple(dict.fromkeys(k for p in listed for k in _flatten(p)))
        settings = [_flatten(p) for p in listed]
        labels = [dict(s) for s in settings]
    else:
        columns = tuple(a.name for a in axes)
        combos = itertools.product(*(a.values for a in axes)) if axes else [()]
        settings, labels = [], []
        for combo in combos:
            settings.append({k: v for a, v in zip(axes, combo, strict=True) for k in a.keys})
            labels.append({a.name: v for a, v in zip(axes, combo, strict=True)})
    cal = _calibration(raw.get("calibration"), axes)
    if cal and (baseline is None):
        raise ConfigError("sweep.baseline", None, 'calibration needs "float" or an accuracy')

    points = []
    for k, (s, label) in enumerate(zip(settings, labels, strict=True)):
        for seed in seeds:
            params = _build(base, {**fixed, **s}, seed, f"point {k} ({_label(label)})")
            points.append(Point(label, seed, params))
    if baseline == "float":
        data, fl = _baseline_data(base, fixed)
        for seed in seeds:
            points.append(Point({}, seed, _build(data, fl, seed, "baseline"), baseline=True))
    return SweepConfig(path, base_path, tuple(seeds), axes, points, baseline, cal, columns)


def _label(values: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in values.items()) or "base"
