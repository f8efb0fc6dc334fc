"""The one error type for bad configuration or bad input."""

from __future__ import annotations

__all__ = ["ConfigError", "TrainingInterrupted"]


class ConfigError(ValueError):
    """A configuration field or an input is invalid.

    The message always names the field (as a dotted path such as ``device.dw_min``), the value
    that was given and what is allowed, so a user can fix the file without reading code.
    """

    def __init__(self, field: str, value: object, allowed: str):
        self.field = field
        self.value = value
        self.allowed = allowed
        super().__init__(f"{field} = {value!r} is invalid: {allowed}")

    def within(self, section: str) -> ConfigError:
        """The same error with ``section.`` put in front of the field path."""
        return ConfigError(f"{section}.{self.field}", self.value, self.allowed)


class TrainingInterrupted(Exception):
    """A training run stopped on request after writing a checkpoint (resume it with
    ``--resume``)."""

    def __init__(self, out: str, samples: int):
        self.out, self.samples = out, samples
        super().__init__(f"stopped after {samples} samples; checkpoint in {out}")
