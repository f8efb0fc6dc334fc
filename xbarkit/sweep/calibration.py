"""Calibration and asymmetry specification (Lee et al. 2022) from a sweep's results.

For every pair of asymmetries (A of the fast array, C of the slow array) the sweep holds the
test accuracy on a grid of Tiki-Taka hyper-parameters ``h`` (mean over seeds). Calibration
finds the best operating point on a smooth surface rather than on the noisy grid:

1. interpolate ``acc(h)`` multilinearly onto a grid ``upsample`` times finer, in log10 for
   axes of positive values spanning a factor >= 10 (learning rates), linearly otherwise;
2. smooth it with a Gaussian filter of ``sigma`` original grid steps
   (``scipy.ndimage.gaussian_filter``, edges by nearest value);
3. the optimum ``h*`` is the arg-max of the smoothed surface and the calibrated accuracy
   ``acc*(A, C)`` its value there.

The asymmetry specification is the set of (A, C) pairs with
``acc*(A, C) >= baseline - margin``, the baseline being the float network's accuracy. Axes
that are neither asymmetry nor hyper-parameter (e.g. the algorithm) split the results into
groups, each calibrated on its own. Missing or failed grid points count as the worst accuracy
seen for that pair (pessimistic), so they never create an optimum.
"""

from __future__ import annotations

import itertools
import json
import math
from typing import Any

import numpy as np

from golden.errors import ConfigError
from golden.params.sweep import Axis, SweepConfig

__all__ = ["calibrate", "smoothed_optimum", "baseline_accuracy"]


def baseline_accuracy(sweep: SweepConfig, rows: list[dict]) -> float:
    """The float baseline: mean over the baseline runs, or the number in the sweep file."""
    if sweep.baseline != "float":
        return float(sweep.baseline)
    accs = [r["test_accuracy"] for r in rows if r["baseline"] and r["status"] == "done"]
    if not accs:
        raise ConfigError("sweep.baseline", "float", "no finished float baseline run to compare")
    return float(np.mean(accs))


def _coords(axis: Axis) -> np.ndarray:
    """Interpolation coordinates of an axis: log10 for wide positive ranges, the values for
    other numbers, the index for anything else (strings, booleans)."""
    vals = axis.values
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in vals):
        x = np.asarray(vals, dtype=float)
        return np.log10(x) if axis.log_scale else x
    return np.arange(len(vals), dtype=float)


def _from_coord(axis: Axis, c: float) -> Any:
    vals = axis.values
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in vals):
        v = 10.0**c if axis.log_scale else c
        return int(round(v)) if all(isinstance(x, int) for x in vals) else float(v)
    return vals[int(round(c))]


def smoothed_optimum(
    acc: np.ndarray, axes: list[Axis], upsample: int, sigma: float
) -> tuple[float, list[Any], np.ndarray]:
    """Calibrated accuracy, the optimal hyper-parameter values and the smoothed fine surface
    of one asymmetry pair's accuracy grid ``acc`` (shape = the hyper axes' lengths)."""
    from scipy.interpolate import RegularGridInterpolator
    from scipy.ndimage import gaussian_filter

    acc = np.array(acc, dtype=float)
    if np.all(np.isnan(acc)):
        return math.nan, [None] * len(axes), acc
    acc[np.isnan(acc)] = np.nanmin(acc)
    if not axes:
        return float(acc), [], acc
    coords, fine = [], []
    for ax in axes:
        c = _coords(ax)
        order = np.argsort(c)
        coords.append(c[order])
        fine.append(np.linspace(c.min(), c.max(), (len(c) - 1) * upsample + 1) if len(c) > 1 else c)
    # sort every axis ascending for the interpolator
    for k, ax in enumerate(axes):
        acc = np.take(acc, np.argsort(_coords(ax)), axis=k)
    wide = [k for k, c in enumerate(coords) if len(c) > 1]
    surface = acc
    if wide:
        interp = RegularGridInterpolator(
            [coords[k] for k in wide], acc.reshape([len(coords[k]) for k in wide])
        )
        mesh = np.meshgrid(*[fine[k] for k in wide], indexing="ij")
        surface = interp(np.stack([m.ravel() for m in mesh], axis=-1)).reshape(mesh[0].shape)
        surface = gaussian_filter(surface, sigma=sigma * upsample, mode="nearest")
    best = np.unravel_index(int(np.argmax(surface)), surface.shape)
    optimum, w = [], 0
    for k, ax in enumerate(axes):
        if k in wide:
            optimum.append(_from_coord(ax, fine[k][best[w]]))
            w += 1
        else:
            optimum.append(ax.values[0])
    return float(surface[best]), optimum, surface


def calibrate(sweep: SweepConfig, rows: list[dict]) -> dict:
    """The calibration of a sweep (see the module docstring) as a JSON-ready dict."""
    cal = sweep.calibration
    if cal is None:
        raise ConfigError("calibration", None, "the sweep file has no [calibration] table")
    by_name = {a.name: a for a in sweep.axes}
    ax_a, ax_c = by_name[cal.asymmetry[0]], by_name[cal.asymmetry[1]]
    hyper = [by_name[h] for h in cal.hyper]
    groups = [a for a in sweep.axes if a.name not in (*cal.asymmetry, *cal.hyper)]
    base = baseline_accuracy(sweep, rows)

    # mean accuracy over seeds per grid point
    sums: dict[str, list[float]] = {}
    for r in rows:
        if r["baseline"] or r["status"] != "done":
            continue
        key = json.dumps(r["values"], sort_keys=True)
        sums.setdefault(key, []).append(r["test_accuracy"])
    mean = {k: float(np.mean(v)) for k, v in sums.items()}

    out_groups = []
    for gvals in itertools.product(*(g.values for g in groups)):
        gfix = {g.name: v for g, v in zip(groups, gvals, strict=True)}
        shape = (len(ax_a.values), len(ax_c.values))
        calibrated = np.full(shape, np.nan)
        raw_best = np.full(shape, np.nan)
        optimum = {h.name: [[None] * shape[1] for _ in range(shape[0])] for h in hyper}
        for i, a in enumerate(ax_a.values):
            for j, c in enumerate(ax_c.values):
                grid = np.full([len(h.values) for h in hyper] or [1], np.nan)
                for idx in itertools.product(*(range(len(h.values)) for h in hyper)):
                    values = {**gfix, ax_a.name: a, ax_c.name: c}
                    values.update({h.name: h.values[k] for h, k in zip(hyper, idx, strict=True)})
                    grid[idx or (0,)] = mean.get(json.dumps(values, sort_keys=True), np.nan)
                if not hyper:
                    grid = grid.reshape(())
                acc, best, _ = smoothed_optimum(grid, hyper, cal.upsample, cal.sigma)
                calibrated[i, j] = acc
                raw_best[i, j] = np.nanmax(grid) if not np.all(np.isnan(grid)) else np.nan
                for h, v in zip(hyper, best, strict=True):
                    optimum[h.name][i][j] = v
        in_spec = calibrated >= base - cal.margin
        out_groups.append(
            {
                "group": gfix,
                "calibrated_accuracy": _nan_to_none(calibrated),
                "best_grid_accuracy": _nan_to_none(raw_best),
                "optimum": optimum,
                "in_spec": in_spec.tolist(),
                "spec": _spec_summary(ax_a, ax_c, in_spec),
            }
        )
    return {
        "asymmetry_a": {"axis": ax_a.name, "keys": list(ax_a.keys), "values": list(ax_a.values)},
        "asymmetry_c": {"axis": ax_c.name, "keys": list(ax_c.keys), "values": list(ax_c.values)},
        "hyper": {h.name: list(h.values) for h in hyper},
        "baseline_accuracy": base,
        "margin": cal.margin,
        "sigma": cal.sigma,
        "upsample": cal.upsample,
        "groups": out_groups,
    }


def _spec_summary(ax_a: Axis, ax_c: Axis, in_spec: np.ndarray) -> dict:
    """The spec region in words a device engineer reads: the pairs inside it, and for each A
    asymmetry the largest C asymmetry still inside (and vice versa)."""
    pairs = [[ax_a.values[i], ax_c.values[j]] for i, j in zip(*np.nonzero(in_spec), strict=True)]
    max_c = {
        str(a): (
            max(ax_c.values[j] for j in np.nonzero(in_spec[i])[0]) if in_spec[i].any() else None
        )
        for i, a in enumerate(ax_a.values)
    }
    max_a = {
        str(c): (
            max(ax_a.values[i] for i in np.nonzero(in_spec[:, j])[0])
            if in_spec[:, j].any()
            else None
        )
        for j, c in enumerate(ax_c.values)
    }
    return {"pairs": pairs, "max_c_for_a": max_c, "max_a_for_c": max_a}


def _nan_to_none(x: np.ndarray) -> list:
    return [[None if math.isnan(v) else float(v) for v in row] for row in x]
