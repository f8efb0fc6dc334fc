"""The same training job in golden and, when it is installed, in IBM aihwkit, side by side.

For each algorithm and seed: ``configs/fmnist-<algorithm>.toml`` (with ``--set`` overrides)
trained on the first ``--samples`` Fashion-MNIST training images for one pass, in golden's
shuffled order, then tested on the whole test set; golden's final weights (not its model
average: aihwkit has none), and aihwkit's. aihwkit is optional (``pip install aihwkit`` builds
it from source; never needed by ``make test``): without it only golden's column is printed.

The aihwkit model is built from the same config by aihwkit's names, which golden keeps:
``build_config(algorithm, <Device>(**[device]))`` (the preset golden's configs follow), then
every ``[update]``, ``[io]`` and ``[algorithm]`` field that aihwkit's objects have, and the
mapping (``max_input_size``, ``max_output_size``, ``digital_bias``). Fields aihwkit lacks are
listed once. ``--json FILE`` writes every number.

    python bench/aihwkit_side_by_side.py --algorithms sgd agad --seeds 0 1 2
    python bench/aihwkit_side_by_side.py --algorithms ttv2 --set training.batch_size=16
"""

from __future__ import annotations

import argparse
import dataclasses
import enum
import json
from pathlib import Path

import numpy as np

from golden.data import load_dataset
from golden.network import Network
from golden.params import TrainParams, load_train_config
from golden.train import shuffled_order

ROOT = Path(__file__).resolve().parents[1]
#: golden's algorithm -> aihwkit's build_config name (float: FloatingPointRPUConfig)
AIHWKIT_NAMES = {
    "sgd": "sgd",
    "ttv1": "ttv1",
    "ttv2": "ttv2",
    "cttv2": "c-ttv2",
    "agad": "agad",
    "mp": "mp",
    "float": None,
}


def golden_accuracy(params: TrainParams, data, order: np.ndarray) -> float:
    """Train golden on ``order`` (one pass, whole mini-batches) and test on the test set."""
    net = Network(params, data.n_features, data.n_classes)
    B = params.training.batch_size
    stop = len(order) // B * B
    net.train(data.x_train, data.y_train, order.astype(np.int64), 0, stop, 0, 10**12)
    return net.accuracy(data.x_test, data.y_test, net.weights(), 0)


def _copy_fields(section, target, skipped: set[str], where: str) -> None:
    """Set every field of the params object ``section`` that ``target`` has."""
    _copy_dict(section.to_dict(), target, skipped, where)


def _copy_dict(values: dict, target, skipped: set[str], where: str) -> None:
    """:func:`_copy_fields` of a params dict: golden's enums by aihwkit's member names, nested
    tables (an algorithm's ``transfer_forward``, ``transfer_update``) into aihwkit's objects."""
    for name, value in values.items():
        if name == "type":
            continue
        if not hasattr(target, name):
            skipped.add(f"{where}.{name}")
            continue
        current = getattr(target, name)
        if isinstance(value, dict) and dataclasses.is_dataclass(current):
            _copy_dict(value, current, skipped, f"{where}.{name}")
        elif isinstance(current, enum.Enum):
            setattr(target, name, type(current)[str(value)])
        else:
            setattr(target, name, getattr(value, "value", value))


def aihwkit_config(params: TrainParams, seed: int, skipped: set[str]):
    """aihwkit's RPU config for ``params`` (see the module docstring)."""
    from aihwkit.simulator import configs

    algo = params.training.algorithm
    if AIHWKIT_NAMES[algo] is None:
        rpu = configs.FloatingPointRPUConfig()
    else:
        device = getattr(configs, f"{params.device.type_name}Device")()
        _copy_fields(params.device, device, skipped, "device")
        rpu = configs.build_config(AIHWKIT_NAMES[algo], device, construction_seed=seed + 1)
        _copy_fields(params.update, rpu.update, skipped, "update")
        for io in (rpu.forward, rpu.backward):
            _copy_fields(params.io, io, skipped, "io")
        _copy_fields(params.algorithm, rpu.device, skipped, "algorithm")  # the compound
    net = params.network
    rpu.mapping.max_input_size = net.max_input_size
    rpu.mapping.max_output_size = net.max_output_size
    rpu.mapping.digital_bias = net.digital_bias
    return rpu


def aihwkit_accuracy(
    params: TrainParams, data, order: np.ndarray, skipped: set[str], output_mask: bool = True
) -> float:
    """The same job in aihwkit: an AnalogSequential MLP, AnalogSGD, cross-entropy (mean over
    the mini-batch), the same samples in the same order. ``output_mask=False`` turns off
    aihwkit's zeroing of the backward error of outputs at or beyond ``0.999 out_scale
    out_bound`` (``handle_output_bound``; golden's ``[network] handle_output_bound``, off by
    default: README, issue 17)."""
    import torch
    from aihwkit.nn import AnalogLinear, AnalogSequential
    from aihwkit.optim import AnalogSGD

    seed = params.training.seed
    torch.manual_seed(seed)
    rpu = aihwkit_config(params, seed, skipped)
    sizes = params.network.sizes
    act = {"sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}
    layers = []
    for k in range(len(sizes) - 1):
        layers.append(AnalogLinear(sizes[k], sizes[k + 1], bias=True, rpu_config=rpu))
        if k < len(sizes) - 2:
            layers.append(act[params.network.activation]())
    model = AnalogSequential(*layers)
    if not output_mask:
        for tile in model.analog_tiles():
            tile.handle_output_bound = False
    opt = AnalogSGD(model.parameters(), lr=params.training.lr)
    opt.regroup_param_groups(model)
    loss_fn = torch.nn.CrossEntropyLoss()
    X = torch.tensor(data.x_train, dtype=torch.float32)
    Y = torch.tensor(data.y_train, dtype=torch.long)
    B = params.training.batch_size
    model.train()
    for b0 in range(0, len(order) // B * B, B):
        idx = torch.tensor(order[b0 : b0 + B], dtype=torch.long)
        opt.zero_grad()
        loss_fn(model(X[idx]), Y[idx]).backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        pred = model(torch.tensor(data.x_test, dtype=torch.float32)).argmax(dim=1).numpy()
    return float(np.mean(pred == data.y_test))


def _have_aihwkit() -> bool:
    try:
        import aihwkit  # noqa: F401
    except ImportError:
        return False
    return True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--algorithms", nargs="+", default=list(AIHWKIT_NAMES), metavar="ALGO")
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    ap.add_argument("--samples", type=int, default=10000, help="first N training images")
    ap.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE")
    ap.add_argument("--json", type=Path, help="also write every number here")
    ap.add_argument(
        "--no-output-mask",
        action="store_true",
        help="aihwkit without its output-bound gradient mask (handle_output_bound)",
    )
    args = ap.parse_args()
    unknown = sorted(set(args.algorithms) - set(AIHWKIT_NAMES))
    if unknown:
        ap.error(f"--algorithms: {unknown} unknown; one of {', '.join(AIHWKIT_NAMES)}")
    with_aihwkit = _have_aihwkit()
    data = load_dataset("fashion-mnist", n_train=args.samples)
    skipped: set[str] = set()
    results = {}
    print("| algorithm | golden (seeds) | aihwkit (seeds) |\n|---|---|---|")
    for algo in args.algorithms:
        config = ROOT / "configs" / f"fmnist-{algo}.toml"
        row = {"golden": [], "aihwkit": []}
        for seed in args.seeds:
            params = load_train_config(config, [*args.set, f"training.seed={seed}"])
            order = shuffled_order(seed, 0, len(data.x_train))
            row["golden"].append(golden_accuracy(params, data, order))
            if with_aihwkit:
                row["aihwkit"].append(
                    aihwkit_accuracy(params, data, order, skipped, not args.no_output_mask)
                )
        results[algo] = row
        cells = [
            ", ".join(f"{100 * a:.1f}" for a in row[k]) if row[k] else "(not installed)"
            for k in ("golden", "aihwkit")
        ]
        print(f"| {algo} | {cells[0]} | {cells[1]} |", flush=True)
    if skipped:
        print("\nnot in aihwkit's objects (left at aihwkit's values):", ", ".join(sorted(skipped)))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
