"""PNG plots (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from golden.device_response import PulseResponse, ZeroShiftResponse

__all__ = ["plot_curves", "plot_pulse_response", "plot_weights", "plot_zero_shift"]


def _figure(nrows: int, ncols: int, figsize: tuple[float, float], squeeze: bool = True):
    """A figure and its axes, drawn by Agg when saved as PNG: no pyplot (whose import alone
    takes longer than drawing these plots) and no figure left open."""
    fig = Figure(figsize=figsize, dpi=120)
    return fig, fig.subplots(nrows, ncols, squeeze=squeeze)


def plot_pulse_response(resp: PulseResponse, title: str, path: Path) -> None:
    """Mean weight +- std over devices versus pulse number; up and down branches coloured."""
    fig, ax = _figure(1, 1, (7, 4.2))
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


def plot_zero_shift(resp: ZeroShiftResponse, title: str, path: Path) -> None:
    """Left: some devices' weights and the mean +- std over all of them under alternating
    pulses (after each down pulse); right: the histogram of the symmetry points found."""
    fig, (ax1, ax2) = _figure(1, 2, (11, 4.2))
    n = resp.mean.size
    x = range(2, n + 1, 2)  # after each down pulse: one point per up/down pair
    sel = slice(1, None, 2)
    lo, hi = resp.mean[sel] - resp.std[sel], resp.mean[sel] + resp.std[sel]
    ax1.fill_between(x, lo, hi, color="0.85", label="mean ± std over devices")
    ax1.plot(x, resp.traces[sel], lw=0.7, alpha=0.8)
    ax1.plot(x, resp.mean[sel], "k-", lw=1.5, label="mean")
    ax1.set_xlabel("pulse number (after each down pulse)")
    ax1.set_ylabel("weight")
    ax1.legend(loc="best", fontsize=8)
    sp = resp.symmetry_points
    ax2.hist(sp, bins=60, color="tab:blue", alpha=0.8)
    ax2.axvline(sp.mean(), color="k", ls="--", label=f"mean {sp.mean():+.3f}, std {sp.std():.3f}")
    ax2.set_xlabel("symmetry point (middle of the last up/down swing)")
    ax2.set_ylabel("devices")
    ax2.legend(loc="best", fontsize=8)
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path)


def plot_curves(epochs: list[dict], metrics: dict, path: Path) -> None:
    """Training loss and accuracy per chunk of samples, test accuracy after every epoch (and of
    the model average), all against the number of training samples seen; for Stochastic
    Hamiltonian Descent a third panel with its energy terms (E, |p|^2, H)."""
    prog = metrics.get("progress", [])
    energy = bool(prog) and "H" in prog[0]
    fig, axes = _figure(1, 3 if energy else 2, (14 if energy else 9.5, 3.8))
    ax1, ax2 = axes[:2]
    xs = [p["samples"] for p in prog]
    ax1.plot(xs, [p["train_loss"] for p in prog], "-", color="tab:red", lw=1.2)
    ax1.set_ylabel("train loss (cross-entropy, per chunk)")
    ax2.plot(xs, [100 * p["train_accuracy"] for p in prog], "-", lw=1.2, label="train (chunk)")
    ax2.plot(
        [e["samples"] for e in epochs],
        [100 * e["test_accuracy"] for e in epochs],
        "s",
        ms=7,
        label="test (end of epoch)",
    )
    if "averaged_test_accuracy" in metrics:
        ax2.axhline(
            100 * metrics["averaged_test_accuracy"],
            ls="--",
            color="tab:green",
            label="test, model average",
        )
    ax2.set_ylabel("accuracy (%)")
    ax2.legend(fontsize=8, loc="lower right")
    if energy:
        _energy_panel(axes[2], xs, prog)
    for ax in axes:
        ax.set_xlabel("training samples seen")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v / 1000:g}k"))
        ax.grid(alpha=0.3)
    fig.suptitle(
        f"{metrics['algorithm']} on {metrics['data']}: test accuracy "
        f"{100 * metrics['test_accuracy']:.1f}%",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path)


def _energy_panel(ax, xs: list, prog: list[dict]) -> None:
    """SHD's energy terms per chunk on a log axis (golden.hamiltonian defines them)."""
    for key, label, style in (
        ("E", "E (train loss)", "-"),
        ("p2", "|p|² = |A - R|²", "-"),
        ("H", "H = E + |p|²/(2 λ η)  (§8)", "--"),
        ("H_conserved", "E + λ|p|²/(2 η)", ":"),
    ):
        ax.plot(xs, [max(p[key], 1e-12) for p in prog], style, lw=1.2, label=label)
    ax.set_yscale("log")
    ax.set_ylabel("energy terms (per chunk)")
    ax.legend(fontsize=7, loc="best")


def plot_weights(layers: list, path: Path, title: str) -> None:
    """Histogram of the visible weights of each layer."""
    fig, axes = _figure(1, len(layers), (3.2 * len(layers), 3.0), squeeze=False)
    for k, (ax, w) in enumerate(zip(axes[0], layers, strict=True)):
        ax.hist(w.ravel(), bins=60, color="tab:blue", histtype="stepfilled")  # one patch
        ax.set_title(f"layer {k}: {w.shape[0]} x {w.shape[1]}", fontsize=9)
        ax.set_xlabel("weight")
    axes[0][0].set_ylabel("count")
    fig.suptitle(f"{title}: weights after training", fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
