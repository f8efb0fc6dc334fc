"""Progress bars (rich) for training runs and sweeps."""

from __future__ import annotations

from collections.abc import Callable

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from golden.train import TrainingProgress

__all__ = ["RichTrainingProgress", "sweep_progress"]


class RichTrainingProgress(TrainingProgress):
    """A training run's progress as a rich bar: samples, samples/s, loss, accuracies, ETA;
    ``on_start`` is called as the first chunk starts."""

    def __init__(self, enabled: bool = True, on_start: Callable[[], None] | None = None):
        self.on_start = on_start
        self.stop_requested = False  # set by Ctrl-C (xbarkit.cmd_train.stop_on_sigint)
        self.bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]:>7.0f} samples/s"),
            TextColumn("loss {task.fields[loss]:.3f}"),
            TextColumn("train acc {task.fields[acc]:.1%}"),
            TextColumn("test acc {task.fields[test]}"),
            TimeRemainingColumn(),
            disable=not enabled,
        )
        self.task = None

    def start(self, description: str, total: int, completed: int, test: str) -> None:
        if self.on_start is not None:
            self.on_start()
        self.bar.start()
        self.task = self.bar.add_task(
            description, total=total, completed=completed, rate=0.0, loss=0.0, acc=0.0, test=test
        )

    def advance(self, completed: int, rate: float, loss: float, accuracy: float) -> None:
        self.bar.update(self.task, completed=completed, rate=rate, loss=loss, acc=accuracy)

    def epoch_done(self, test_accuracy: float) -> None:
        self.bar.update(self.task, test=f"{test_accuracy:.1%}")

    def stop(self) -> None:
        self.bar.stop()

    def should_stop(self) -> bool:
        return self.stop_requested


def sweep_progress(enabled: bool) -> Progress:
    """A sweep's progress bar: points done, running and failed, elapsed time, ETA."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("running {task.fields[running]}"),
        TextColumn("[red]failed {task.fields[failed]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        disable=not enabled,
    )
