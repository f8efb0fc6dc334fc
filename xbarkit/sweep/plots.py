"""Heatmaps of a calibration: accuracy vs. (A, C) asymmetry with the spec region, and the
optimal hyper-parameters vs. asymmetry."""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["plot_calibration"]


def _suffix(group: dict) -> str:
    return "".join(f"-{k.split('.')[-1]}_{v}" for k, v in group.items())


def _heatmap(ax, data, cal, title, fmt, cmap, spec=None, log=False):
    from matplotlib.colors import LogNorm
    from matplotlib.patches import Rectangle

    arr = np.array([[np.nan if v is None else float(v) for v in row] for row in data])
    positive = np.isfinite(arr) & (arr > 0)
    norm = LogNorm() if log and positive.all() and np.nanmax(arr) > np.nanmin(arr) else None
    im = ax.imshow(arr, origin="lower", cmap=cmap, norm=norm, aspect="auto")
    ax.figure.colorbar(im, ax=ax, shrink=0.85)
    a, c = cal["asymmetry_a"], cal["asymmetry_c"]
    ax.set_xticks(range(len(c["values"])), [str(v) for v in c["values"]])
    ax.set_yticks(range(len(a["values"])), [str(v) for v in a["values"]])
    ax.set_xlabel(f"C asymmetry ({c['axis']})")
    ax.set_ylabel(f"A asymmetry ({a['axis']})")
    ax.set_title(title, fontsize=10)
    for i in range(arr.shape[0]):
        for j in range(arr.shape[1]):
            if np.isfinite(arr[i, j]):
                dark = float(im.norm(arr[i, j])) < 0.5  # white text on the dark half
                ax.text(
                    j,
                    i,
                    fmt(arr[i, j]),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if dark else "black",
                )
            if spec is not None and spec[i][j]:
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, lw=2, ec="black"))


def plot_calibration(cal: dict, out_dir: Path) -> list[Path]:
    """``accuracy*.png`` and ``optimum*.png`` per group; returns the files written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    for group in cal["groups"]:
        sfx = _suffix(group["group"])
        fig, ax = plt.subplots(figsize=(6.4, 5.0))
        _heatmap(
            ax,
            group["calibrated_accuracy"],
            cal,
            f"calibrated test accuracy{' ' + str(group['group']) if group['group'] else ''}\n"
            f"boxed: spec (>= float {cal['baseline_accuracy']:.3f} - {cal['margin']})",
            lambda v: f"{v:.3f}",
            "viridis",
            spec=group["in_spec"],
        )
        fig.tight_layout()
        path = Path(out_dir) / f"accuracy{sfx}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
        hyper = list(group["optimum"])
        if not hyper:
            continue
        fig, axes = plt.subplots(1, len(hyper), figsize=(5.6 * len(hyper), 4.6), squeeze=False)
        for ax, name in zip(axes[0], hyper, strict=True):
            values = cal["hyper"][name]
            log = all(isinstance(v, int | float) and v > 0 for v in values) and (
                max(values) / min(values) >= 10
            )
            _heatmap(
                ax,
                group["optimum"][name],
                cal,
                f"optimal {name}",
                lambda v: f"{v:.3g}",
                "magma",
                log=log,
            )
        fig.tight_layout()
        path = Path(out_dir) / f"optimum{sfx}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    return written
