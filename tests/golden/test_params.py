"""Params: aihwkit defaults, validation messages, TOML/JSON round trip, digest, overrides."""

from __future__ import annotations

import math
import os
import subprocess
import sys

import pytest
import tomli_w

from golden.encoding import BoundManagement, NoiseManagement, PulseType, RngMode
from golden.params import (
    DEVICE_PRESETS,
    DEVICE_TYPES,
    ConfigError,
    ConstantStepParams,
    ExpStepParams,
    IOParams,
    LinearStepParams,
    LutParams,
    PowStepParams,
    SoftBoundsParams,
    TileParams,
    TrainParams,
    UpdateParams,
    apply_overrides,
    device_from_dict,
    device_preset,
    load_device_config,
    parse_override,
)


def test_aihwkit_defaults():
    d = ConstantStepParams()
    assert (d.dw_min, d.dw_min_dtod, d.dw_min_std, d.up_down, d.up_down_dtod) == (
        0.001,
        0.3,
        0.3,
        0.0,
        0.01,
    )
    assert (d.w_max, d.w_min, d.w_max_dtod, d.w_min_dtod) == (0.6, -0.6, 0.3, 0.3)
    assert LinearStepParams().gamma_up_dtod == 0.05
    e = ExpStepParams()
    assert (e.A_up, e.A_down, e.gamma_up, e.gamma_down, e.a, e.b) == (
        0.00081,
        0.36833,
        12.44625,
        12.78785,
        0.244,
        0.2425,
    )
    assert PowStepParams().pow_gamma_dtod == 0.1
    u = UpdateParams()
    assert (u.desired_bl, u.update_management, u.update_bl_management) == (31, True, True)
    assert u.pulse_type == PulseType.STOCHASTIC_COMPRESSED and u.rng_mode == RngMode.FAST
    io = IOParams()
    assert math.isclose(io.inp_res, 1 / 126) and math.isclose(io.out_res, 1 / 510)
    assert (io.out_bound, io.out_noise, io.inp_bound) == (12.0, 0.06, 1.0)
    assert io.noise_management == NoiseManagement.ABS_MAX
    assert io.bound_management == BoundManagement.ITERATIVE
    assert math.isclose(io.inp_step, 1 / 63) and math.isclose(io.out_step, 24 / 510)


def test_granularity_follows_aihwkit():
    assert ConstantStepParams(dw_min=0.01).granularity == 0.01
    assert PowStepParams(dw_min=0.01, pow_gamma=2.0).granularity == pytest.approx(0.0025)
    assert LutParams(n_states=21, w_max=1.0, w_min=-1.0).dw_min == pytest.approx(0.1)


@pytest.mark.parametrize(
    "kwargs, field, fragment",
    [
        ({"dw_min": -0.1}, "dw_min", "dw_min > 0"),
        ({"dw_min": 0.0}, "dw_min", "dw_min > 0"),
        ({"w_min": 0.6, "w_max": 0.6}, "w_min", "must be < w_max = 0.6"),
        ({"w_min": 0.5, "w_max": -0.1}, "w_min", "must be < w_max = -0.1"),
        ({"dw_min_std": -1.0}, "dw_min_std", ">= 0"),
        ({"up_down": 1.5}, "up_down", "<= 1.0"),
        ({"dw_min": float("nan")}, "dw_min", "finite"),
        ({"dw_min": "big"}, "dw_min", "a number"),
        ({"enforce_consistency": 1}, "enforce_consistency", "true or false"),
    ],
)
def test_device_validation_messages(kwargs, field, fragment):
    with pytest.raises(ConfigError) as info:
        ConstantStepParams(**kwargs)
    assert info.value.field == field
    assert fragment in str(info.value)
    assert field in str(info.value)


def test_wmin_ge_wmax_rejected():
    with pytest.raises(ConfigError, match="w_min"):
        LinearStepParams().replace(w_max=-0.7)
    with pytest.raises(ConfigError, match="must be < w_max"):
        device_from_dict({"type": "SoftBounds", "w_min": 0.2, "w_max": 0.1})


@pytest.mark.parametrize("bl", [0, 65, -3])
def test_bl_range(bl):
    with pytest.raises(
        ConfigError,
        match=r"desired_bl = -?\d+ is invalid: allowed range: desired_bl >= 1 and <= 64",
    ):
        UpdateParams(desired_bl=bl)


def test_unknown_field_and_type_and_enum():
    with pytest.raises(ConfigError, match="unknown field; known fields: .*dw_min"):
        device_from_dict({"type": "ConstantStep", "dw_mni": 0.1})
    with pytest.raises(ConfigError, match="one of ConstantStep, LinearStep, SoftBounds"):
        device_from_dict({"type": "Memristor"})
    with pytest.raises(ConfigError, match="one of NONE, STOCHASTIC_COMPRESSED"):
        UpdateParams.from_dict({"pulse_type": "sometimes"})
    with pytest.raises(ConfigError, match="lfsr_width"):
        UpdateParams(lfsr_width=33)


def test_nested_error_names_path():
    with pytest.raises(ConfigError) as info:
        TileParams.from_dict({"forward": {"out_noise": -1}})
    assert info.value.field == "forward.out_noise"
    with pytest.raises(ConfigError) as info:
        TileParams.from_dict({"device": {"type": "SoftBounds", "dw_min": -1}})
    assert info.value.field == "device.dw_min"


def test_io_nm_needs_unit_input_bound():
    with pytest.raises(ConfigError, match="inp_bound.*noise_management"):
        IOParams(inp_bound=2.0)
    assert IOParams(inp_bound=2.0, noise_management="NONE").inp_bound == 2.0


def test_lut_table_length():
    with pytest.raises(ConfigError, match="needs n_states = 4 entries"):
        LutParams(n_states=4, up_steps=(1.0, 1.0))
    with pytest.raises(ConfigError, match="every entry must be >= 0"):
        LutParams(n_states=2, up_steps=(1.0, -1.0))
    assert LutParams(n_states=3).tables() == ((1.0,) * 3, (1.0,) * 3)


@pytest.mark.parametrize("name", sorted(DEVICE_TYPES))
def test_device_round_trip(name):
    cls = DEVICE_TYPES[name]
    p = cls(dw_min_std=0.123) if name != "Lut" else cls(n_states=3, up_steps=(1, 0.5, 0))
    assert device_from_dict(p.to_dict()) == p
    assert cls.from_toml(p.to_toml().replace(f'type = "{name}"\n', "")) == p
    assert cls.from_json(p.to_json().replace(f'"type": "{name}", ', "")) == p
    assert device_from_dict(p.to_dict()).digest() == p.digest()


def test_tile_round_trip_and_digest():
    t = TileParams(device=SoftBoundsParams(dw_min=0.05), update=UpdateParams(desired_bl=7))
    assert TileParams.from_toml(t.to_toml()) == t
    assert TileParams.from_json(t.to_json()) == t
    assert t.digest() == TileParams.from_json(t.to_json()).digest()
    assert t.digest() != t.replace(update=UpdateParams(desired_bl=8)).digest()
    assert len(t.digest()) == 16


def test_digest_is_stable_across_processes():
    """The digest is a content hash: another interpreter with another string-hash seed (so
    another set and dict iteration order) computes the same one."""
    code = (
        "from golden.params import TileParams, UpdateParams;"
        "print(TileParams(update=UpdateParams(desired_bl=8)).digest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in ("1", "2")
    }
    assert digests == {TileParams(update=UpdateParams(desired_bl=8)).digest()}


def test_ints_are_accepted_for_floats_and_aihwkit_names_for_types():
    p = device_from_dict({"type": "SoftBoundsDevice", "w_max": 1, "w_min": -1})
    assert isinstance(p, SoftBoundsParams) and p.w_max == 1.0 and isinstance(p.w_max, float)


@pytest.mark.parametrize("name", sorted(DEVICE_PRESETS))
def test_presets_build(name):
    assert device_preset(name).to_dict()["type"] in DEVICE_TYPES


def test_unknown_preset():
    with pytest.raises(ConfigError, match="one of"):
        device_preset("nope")


def test_overrides():
    assert parse_override("device.dw_min=0.01") == (["device", "dw_min"], 0.01)
    assert parse_override("type=SoftBounds") == (["type"], "SoftBounds")
    assert parse_override("network.sizes=[64,32,10]") == (["network", "sizes"], [64, 32, 10])
    assert parse_override('data.name="digits"') == (["data", "name"], "digits")
    with pytest.raises(ConfigError, match="key=value"):
        parse_override("dw_min")
    with pytest.raises(ConfigError, match="TOML literal"):
        parse_override("dw_min=0.1.2 x")
    data = apply_overrides({"device": {"type": "ConstantStep"}}, ["dw_min=0.5"], "device")
    assert data == {"device": {"type": "ConstantStep", "dw_min": 0.5}}


def test_load_device_config(tmp_path):
    f = tmp_path / "d.toml"
    f.write_text('[device]\ntype = "LinearStep"\ngamma_up = 0.2\n')
    p = load_device_config(f, ["gamma_down=0.4"])
    assert isinstance(p, LinearStepParams) and (p.gamma_up, p.gamma_down) == (0.2, 0.4)
    with pytest.raises(ConfigError, match="file not found"):
        load_device_config(tmp_path / "missing.toml")
    f.write_text("[devices]\n")
    with pytest.raises(ConfigError, match=r"needs a \[device\] table"):
        load_device_config(f)
    f.write_text('[device]\ntype = "LinearStep"\ndw_min = -1\n')
    with pytest.raises(ConfigError) as info:
        load_device_config(f)
    assert info.value.field == "device.dw_min"


@pytest.mark.parametrize("name", sorted(DEVICE_PRESETS))
def test_presets_round_trip_through_device_files(tmp_path, name):
    """Presets live in code only; written as a ``[device]`` file they load back unchanged."""
    f = tmp_path / f"{name}.toml"
    f.write_text(tomli_w.dumps({"device": device_preset(name).to_dict()}))
    assert load_device_config(f) == device_preset(name)


def test_per_array_device_tables_start_from_device():
    common = {"type": "LinearStep", "dw_min": 0.01, "gamma_up": 0.2}
    p = TrainParams.from_dict(
        {
            "training": {"algorithm": "ttv1"},
            "device": common,
            "device_a": {"gamma_up": 2.0},
            "device_c": {"type": "LinearStepDevice"},
        }
    )
    assert (p.device_a.dw_min, p.device_a.gamma_up) == (0.01, 2.0)  # only gamma_up changed
    assert (p.device_c.dw_min, p.device_c.gamma_up) == (0.01, 0.2)  # same type, aihwkit name
    other = TrainParams.from_dict({"device": common, "device_a": {"type": "ConstantStep"}})
    assert other.device_a.dw_min == ConstantStepParams().dw_min  # another type starts afresh
    assert TrainParams.from_dict({"device": common}).device_c == p.device_c
