"""PNG plots (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from golden.device_response import PulseResponse  # noqa: E402

__all__ = ["plot_pulse_response"]


def plot_pulse_response(resp: PulseResponse, title: str, path: Path) -> None:
    """Mean weight +- std over devices versus pulse number; up and down branches coloured."""
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=120)
    n = resp.mean.size
    x = range(1, n + 1)
    ax.fill_between(
        x, resp.mean - resp.std, resp.mean + resp.std, color="0.85", label="mean ± std over devices"
    )
    for direction, colour, label in ((1, "tab:red", "up pulses"), (-1, "tab:blue", "down pulses")):
        sel = resp.directions == direction
        if sel.any():
            ax.plot(
                [k + 1 for k in range(n) if sel[k]],
                resp.mean[sel],
                ".",
                ms=2.5,
                color=colour,
                label=label,
            )
    ax.set_xlabel("pulse number")
    ax.set_ylabel("weight")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
