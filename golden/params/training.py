"""A training run: data, network, training loop, and the whole-run config."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from golden.errors import ConfigError
from golden.params.algorithms import (
    ALGORITHM_PARAMS,
    ALGORITHMS,
    AlgorithmParams,
    BufferedTransferParams,
)
from golden.params.base import Params, spec
from golden.params.devices import DeviceParams, canonical_type, default_device
from golden.params.emulator import EmulatorParams
from golden.params.files import apply_overrides, read_toml
from golden.params.io_update import IOParams, UpdateParams

__all__ = [
    "ACTIVATIONS",
    "DataParams",
    "NetworkParams",
    "TrainParams",
    "TrainingParams",
    "load_train_config",
    "split_sizes",
]


@dataclass(frozen=True)
class DataParams(Params):
    """The data set (xbarkit): ``digits`` (sklearn), ``fashion-mnist`` (Debian package
    ``dataset-fashion-mnist``) or ``idx`` (IDX files in ``path``, e.g. MNIST)."""

    section: ClassVar[str] = "data"

    name: str = spec("fashion-mnist", "fashion-mnist | digits | idx")
    n_train: int = spec(0, "first n training samples (0 = all)", ge=0)
    n_test: int = spec(0, "first n test samples (0 = all)", ge=0)
    path: str = spec("", "directory of the IDX files (idx; optional for fashion-mnist)")

    def check(self) -> None:
        if self.name not in ("fashion-mnist", "digits", "idx"):
            raise ConfigError("name", self.name, "one of fashion-mnist, digits, idx")
        if self.path and self.name == "digits":
            raise ConfigError("path", self.path, "empty for digits (sklearn ships it)")


ACTIVATIONS = ("sigmoid", "tanh", "relu")


@dataclass(frozen=True)
class NetworkParams(Params):
    """An MLP of analog tiles: ``sizes = [inputs, hidden..., classes]``. Each layer's bias is
    an extra, always-on input column of its array (aihwkit's analog bias), or, with
    ``digital_bias``, a digital vector trained by plain SGD (aihwkit's
    ``MappingParameter.digital_bias``, True by default there). A layer wider than
    ``max_input_size`` or taller than ``max_output_size`` is split into several arrays as
    aihwkit's ``MappingParameter`` splits it (``TileModuleArray``): each array has its own IO,
    update management and transfer state; the outputs of arrays side by side in the input are
    summed (digitally, in input order), a split layer's bias is digital.

    ``handle_output_bound`` is aihwkit's tile option of that name (on in its simulator tiles):
    the backward pass of an array sends no error back through any output whose forward value
    (before a digital bias) was at or beyond ``0.999 io.out_scale io.out_bound``, as if the
    ADC had clipped it, also when bound management made the value exact; the array's own
    update still gets the whole error; never for float (aihwkit's floating-point tiles have
    no forward IO). Off in golden by default (such an output is a measured value): with it,
    unsplit TTv2 collapses as aihwkit's does (README)."""

    section: ClassVar[str] = "network"

    sizes: tuple[int, ...] = spec((784, 256, 128, 10), "layer widths, input first", ge=1)
    activation: str = spec("sigmoid", "hidden activation: sigmoid | tanh | relu")
    digital_bias: bool = spec(
        True,
        "bias in digital (True, aihwkit's default) or as an analog column of the array (False)",
    )
    max_input_size: int = spec(
        512,
        "inputs per array; a wider layer is split into arrays (aihwkit's mapping; 0 = any)",
        ge=0,
    )
    max_output_size: int = spec(
        512, "outputs per array; a taller layer is split into arrays (0 = any)", ge=0
    )
    handle_output_bound: bool = spec(
        False,
        "zero the backward error of an array's output at or beyond 0.999 io.out_scale "
        "io.out_bound (aihwkit's simulator tiles: True; golden: False, see the docstring)",
    )

    def check(self) -> None:
        if len(self.sizes) < 2:
            raise ConfigError("sizes", list(self.sizes), "at least [inputs, classes]")
        if self.activation not in ACTIVATIONS:
            raise ConfigError("activation", self.activation, f"one of {', '.join(ACTIVATIONS)}")
        split = [
            k
            for k in range(len(self.sizes) - 1)
            if len(split_sizes(self.sizes[k], self.max_input_size)) > 1
            or len(split_sizes(self.sizes[k + 1], self.max_output_size)) > 1
        ]
        if split and not self.digital_bias:  # aihwkit adds a split layer's bias digitally
            raise ConfigError(
                "digital_bias",
                False,
                f"true where a layer is split into arrays (layers {split}; or raise "
                "max_input_size / max_output_size, 0 = no split)",
            )

    def array_split(self, k: int) -> tuple[list[int], list[int]]:
        """Layer k's arrays as aihwkit maps them: the input sizes and the output sizes of
        the split (its analog bias column, if any, is not split: the layer is one array)."""
        return (
            split_sizes(self.sizes[k], self.max_input_size),
            split_sizes(self.sizes[k + 1], self.max_output_size),
        )


def split_sizes(size: int, max_size: int) -> list[int]:
    """aihwkit's ``TileModuleArray.get_split_sizes``: ``ceil(size / max_size)`` parts as even
    as they can be, the larger ones first; one part for ``max_size`` 0."""
    if max_size <= 0:
        return [size]
    n = -(-size // max_size)
    base, extra = divmod(size, n)
    return [base + (i < extra) for i in range(n)]


@dataclass(frozen=True)
class TrainingParams(Params):
    """The training loop: algorithm, SGD learning rate, batch, epochs, seed."""

    section: ClassVar[str] = "training"

    algorithm: str = spec("ttv2", " | ".join(ALGORITHMS))
    lr: float = spec(
        0.1,
        "SGD learning rate (aihwkit: not divided by the batch size; the mean "
        "loss gives each sample 1/batch)",
        gt=0,
        le=1000,
    )
    batch_size: int = spec(1, "samples per mini-batch (1 = per-sample pulsed updates)", ge=1)
    epochs: int = spec(1, "passes over the training set", ge=1)
    seed: int = spec(0, "seeds everything: init, shuffling, d2d, noise, pulses", ge=0, lt=2**62)
    checkpoint_every: int = spec(10000, "samples between checkpoints", ge=1)
    average_last: float = spec(
        0.05, "model averaging over this last fraction of training (0 = off)", ge=0, le=1
    )
    average_every: int = spec(20, "mini-batches between averaged weight iterates", ge=1)

    def check(self) -> None:
        if self.algorithm not in ALGORITHMS:
            raise ConfigError("algorithm", self.algorithm, f"one of {', '.join(ALGORITHMS)}")


@dataclass(frozen=True)
class TrainParams(Params):
    """A whole training run: what ``xbar train`` reads from its TOML file.

    ``[device]`` is every array's device; two-array algorithms may override it per array
    with ``[device_a]`` (fast array A) and ``[device_c]`` (slow array C). ``[io]`` is the
    forward and backward IO, ``[update]`` the pulsed update of the (fast) array."""

    section: ClassVar[str] = "train"

    data: DataParams = field(default_factory=DataParams, metadata={"doc": "data set"})
    network: NetworkParams = field(default_factory=NetworkParams, metadata={"doc": "MLP"})
    training: TrainingParams = field(
        default_factory=TrainingParams, metadata={"doc": "training loop"}
    )
    device: DeviceParams = field(
        default_factory=default_device, metadata={"doc": "device of every array"}
    )
    device_a: DeviceParams = field(
        default_factory=default_device, metadata={"doc": "device of A (defaults to [device])"}
    )
    device_c: DeviceParams = field(
        default_factory=default_device, metadata={"doc": "device of C (defaults to [device])"}
    )
    io: IOParams = field(default_factory=IOParams, metadata={"doc": "forward/backward IO"})
    update: UpdateParams = field(
        default_factory=UpdateParams, metadata={"doc": "pulsed update of the (fast) array"}
    )
    algorithm: AlgorithmParams = field(
        default_factory=BufferedTransferParams, metadata={"doc": "the algorithm's parameters"}
    )
    emulator: EmulatorParams = field(
        default_factory=EmulatorParams,
        metadata={"doc": "formats of Lut arrays in rng_mode = hw_exact (the array emulator's)"},
    )

    def check(self) -> None:
        rank = getattr(self.algorithm, "rank", 0)
        sizes = self.network.sizes
        smallest = min(min(sizes[k], sizes[k + 1]) for k in range(len(sizes) - 1))
        if rank > smallest:
            raise ConfigError(
                "algorithm.rank",
                rank,
                f"at most {smallest}, the smallest layer dimension of network.sizes",
            )
        if self.training.algorithm == "nmf" and self.network.activation == "tanh":
            raise ConfigError(
                "network.activation", "tanh", "nmf needs non-negative layer inputs: sigmoid or relu"
            )
        expected = ALGORITHM_PARAMS[self.training.algorithm]
        if type(self.algorithm) is not expected:
            raise ConfigError(
                "algorithm",
                type(self.algorithm).__name__,
                f"training.algorithm = {self.training.algorithm!r} needs {expected.__name__}",
            )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainParams:
        data = dict(data)
        name = data.get("training", {}).get("algorithm", TrainingParams().algorithm)
        if name not in ALGORITHM_PARAMS:
            raise ConfigError("training.algorithm", name, f"one of {', '.join(ALGORITHMS)}")
        try:
            algo = ALGORITHM_PARAMS[name].from_dict(data.pop("algorithm", {}))
        except ConfigError as err:
            raise err.within("algorithm") from None
        # [device_a] / [device_c] start from [device]: a table that names no other type only
        # changes the fields it lists (e.g. asymmetry of A alone); another type starts afresh
        common = data.get("device", default_device().to_dict())
        for key in ("device_a", "device_c"):
            own = data.get(key, {})
            if isinstance(common, dict) and isinstance(own, dict):
                same = canonical_type(own.get("type", common.get("type"))) == canonical_type(
                    common.get("type")
                )
                data[key] = {**common, **own} if same else own
            else:
                data.setdefault(key, common)
        data["algorithm"] = algo
        return super().from_dict(data)


def load_train_config(path: str | Path, overrides: list[str] = ()) -> TrainParams:
    """A training run from a TOML file, with ``section.key=value`` overrides."""
    data = apply_overrides(read_toml(path), overrides)
    return TrainParams.from_dict(data)
