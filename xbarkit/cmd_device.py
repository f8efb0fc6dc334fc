"""``xbar device``: pulse-response curves of a device config, or its zero-shifting (JSON +
PNG)."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from golden.device_response import pulse_response, zero_shift_response
from golden.errors import ConfigError
from golden.params import (
    DEVICE_PRESETS,
    apply_overrides,
    device_from_dict,
    load_device_config,
)
from xbarkit.options import add_set_option, number

__all__ = ["add_parser", "parse_pulses", "run"]

_SEGMENT = re.compile(r"^([+-])(\d+)$")


def parse_pulses(text: str) -> list[int]:
    """``"+400,-400"`` -> ``[400, -400]``: segments of up (+) and down (-) pulses."""
    segments = []
    for part in text.split(","):
        m = _SEGMENT.match(part.strip())
        if not m or int(m.group(2)) == 0:
            raise ConfigError(
                "--pulses", text, 'expected signed counts such as "+400,-400" (each non-zero)'
            )
        n = int(m.group(2))
        segments.append(n if m.group(1) == "+" else -n)
    if sum(abs(n) for n in segments) > 1_000_000:
        raise ConfigError("--pulses", text, "at most 1,000,000 pulses in total")
    return segments


def add_parser(sub, name: str) -> None:
    p = sub.add_parser(
        name,
        help="pulse response of a device model",
        description="Apply single pulses to many independent devices and write the mean and "
        "std of the weight after every pulse (DIR/response.json, DIR/response.png); with "
        "--zero-shift N, N alternating up/down pulses drive every device to its symmetry "
        "point (DIR/zero_shift.json with the distribution of symmetry points, "
        "DIR/zero_shift.png).",
    )
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("config", nargs="?", type=Path, help="TOML file with a [device] table")
    src.add_argument("--preset", choices=sorted(DEVICE_PRESETS), help="a named device preset")
    add_set_option(p, "dw_min=0.01")
    p.add_argument(
        "--pulses",
        default="+400,-400",
        help='pulse segments, e.g. "+400,-400" = 400 up then 400 down',
    )
    p.add_argument(
        "--zero-shift",
        type=number(int, 2, 10**6),
        metavar="N",
        help="zero-shift instead: N alternating up/down pulses (up first), as SHD does to A",
    )
    p.add_argument(
        "--devices", type=number(int, 1, 10**7), default=2000, help="number of device instances"
    )
    p.add_argument(
        "--w-init", type=number(float), default=0.0, help="initial weight of every device"
    )
    p.add_argument(
        "--seed", type=number(int, 0, 2**62), default=0, help="seed of d2d and c2c draws"
    )
    p.add_argument("--out", type=Path, required=True, help="output directory")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.config is not None:
        params = load_device_config(args.config, args.overrides)
    else:
        data = apply_overrides(
            {"device": DEVICE_PRESETS[args.preset]}, args.overrides, default_section="device"
        )
        try:
            params = device_from_dict(data["device"])
        except ConfigError as err:
            raise err.within("device") from None
    if args.zero_shift is not None:
        return _zero_shift(args, params)
    segments = parse_pulses(args.pulses)
    resp = pulse_response(params, segments, args.devices, args.w_init, args.seed)

    from xbarkit.plots import plot_pulse_response  # matplotlib only when writing

    config = _config(args, params, pulses=segments)
    (args.out / "response.json").write_text(json.dumps(resp.to_dict(config)))
    title = (
        f"{params.type_name}: {args.devices} devices, pulses {args.pulses}, "
        f"dw_min={params.dw_min:g}, seed {args.seed}"
    )
    plot_pulse_response(resp, title, args.out / "response.png")
    print(
        f"wrote {args.out / 'response.json'} and {args.out / 'response.png'} "
        f"({resp.mean.size} pulses; final mean {resp.mean[-1]:+.4f}, std {resp.std[-1]:.4f})"
    )
    return 0


def _config(args: argparse.Namespace, params, **run) -> dict:
    """What the JSON records of the run: the device, what was applied, the devices, the seed."""
    return {
        "device": params.to_dict(),
        **run,
        "devices": args.devices,
        "w_init": args.w_init,
        "seed": args.seed,
    }


def _zero_shift(args: argparse.Namespace, params) -> int:
    resp = zero_shift_response(params, args.zero_shift, args.devices, args.w_init, args.seed)

    from xbarkit.plots import plot_zero_shift  # matplotlib only when writing

    config = _config(args, params, zero_shift_pulses=args.zero_shift)
    report = resp.to_dict(config)
    (args.out / "zero_shift.json").write_text(json.dumps(report))
    title = (
        f"{params.type_name}: {args.devices} devices from w = {args.w_init:g}, "
        f"{args.zero_shift} alternating pulses, seed {args.seed}"
    )
    plot_zero_shift(resp, title, args.out / "zero_shift.png")
    sp = report["symmetry_points"]
    q = sp["quantiles"]
    print(
        f"wrote {args.out / 'zero_shift.json'} and {args.out / 'zero_shift.png'}; symmetry "
        f"points: mean {sp['mean']:+.4f}, std {sp['std']:.4f}, "
        f"1/50/99 % quantiles {q['0.01']:+.4f} / {q['0.5']:+.4f} / {q['0.99']:+.4f}"
    )
    return 0
