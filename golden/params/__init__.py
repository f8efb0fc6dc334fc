"""THE configuration of xbarkit: frozen, validated dataclasses, split by concept and
re-exported flat (``from golden.params import TrainParams``).

Every number that golden, the RTL or a testbench uses comes from one of these objects. Field
names and defaults follow IBM aihwkit 1.2.0 wherever aihwkit has the concept, so a user ports an
aihwkit config by copying its numbers; fields that aihwkit lacks are marked "(xbarkit)".

Each field is declared with :func:`spec`, which records its documentation and its allowed range;
validation runs on construction and raises :class:`~golden.errors.ConfigError` naming the field,
the value and the allowed range. Configs round-trip through TOML and JSON and have a stable
content digest.

=================  ==================================================================
``base``           :func:`spec`, :class:`Params` (validation, TOML/JSON, digest)
``files``          reading TOML files, ``--set`` overrides
``devices``        the device models (aihwkit names) and ``[device]`` tables
``presets``        named device presets
``io_update``      analog IO, the pulsed update, one tile, the periphery's number formats
``algorithms``     the ``[algorithm]`` table of every training algorithm
``training``       data, network, training loop and the whole training run
``periphery``      the digital periphery (``[rtl]``) and its fixed-point formats
``cosim``          co-simulation configs: ``[rtl]`` with ``[device]``, ``[io]``, ``[cosim]``
``emulator``       the array emulator's number formats (``[emulator]``)
``tile``           configs of the emulated tile: ``[rtl]``, ``[device]``, ``[io]``, ``[emulator]``
``sweep``          sweep files: axes, points, seeds, calibration
=================  ==================================================================
"""

from golden.errors import ConfigError  # noqa: F401 (re-exported)
from golden.params.algorithms import *  # noqa: F403
from golden.params.algorithms import __all__ as _algorithms
from golden.params.base import *  # noqa: F403
from golden.params.base import __all__ as _base
from golden.params.cosim import *  # noqa: F403
from golden.params.cosim import __all__ as _cosim
from golden.params.devices import *  # noqa: F403
from golden.params.devices import __all__ as _devices
from golden.params.emulator import *  # noqa: F403
from golden.params.emulator import __all__ as _emulator
from golden.params.files import *  # noqa: F403
from golden.params.files import __all__ as _files
from golden.params.io_update import *  # noqa: F403
from golden.params.io_update import __all__ as _io_update
from golden.params.periphery import *  # noqa: F403
from golden.params.periphery import __all__ as _periphery
from golden.params.presets import *  # noqa: F403
from golden.params.presets import __all__ as _presets
from golden.params.tile import *  # noqa: F403
from golden.params.tile import __all__ as _tile
from golden.params.training import *  # noqa: F403
from golden.params.training import __all__ as _training

__all__ = sorted(
    {
        "ConfigError",
        *_algorithms,
        *_base,
        *_cosim,
        *_devices,
        *_emulator,
        *_files,
        *_io_update,
        *_periphery,
        *_presets,
        *_tile,
        *_training,
    }
)
