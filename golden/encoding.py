"""Enums shared by golden, the RTL and the testbenches.

Plain :class:`enum.IntEnum` classes: they serialise to TOML/JSON by name and are valid Amaranth
shapes, so the RTL uses these very classes and never retypes a value.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = [
    "ArrayOp",
    "ArrayState",
    "BoundManagement",
    "ConfigReg",
    "DeviceModel",
    "FilterState",
    "GeneratorState",
    "NoiseManagement",
    "Overflow",
    "PulseType",
    "Rounding",
    "RngMode",
    "TransferState",
]


class PulseType(IntEnum):
    """How an update becomes device pulses (aihwkit ``PulseType``)."""

    NONE = 0  #: exact floating-point update, no device
    STOCHASTIC_COMPRESSED = 1  #: stochastic pulse trains, one train per line with its sign
    DETERMINISTIC_IMPLICIT = 2  #: deterministic pulse counts rint(BL * q_d * q_x)
    NONE_WITH_DEVICE = 3  #: exact update, then clipped to the device bounds


class RngMode(IntEnum):
    """Where the pulse-train random bits come from (xbarkit)."""

    FAST = 0  #: counter-based SplitMix64 streams, one per line (training runs)
    HW_EXACT = 1  #: the per-lane LFSRs of golden.lfsr, compared in fixed point as the RTL does


class NoiseManagement(IntEnum):
    """Input scaling before the DAC (aihwkit ``NoiseManagementType``)."""

    NONE = 0
    ABS_MAX = 1  #: alpha = max|x|
    MAX = 2  #: alpha = max x
    CONSTANT = 3  #: alpha = nm_thres (or 1 if nm_thres is 0)


class BoundManagement(IntEnum):
    """Handling of saturated outputs (aihwkit ``BoundManagementType``)."""

    NONE = 0
    ITERATIVE = 1  #: repeat with the input halved while an output saturates


class DeviceModel(IntEnum):
    """The per-pulse rule a device kernel applies (one rule may serve several device types)."""

    LINEAR = 0  #: ConstantStep, LinearStep, SoftBounds: step + slope * w
    EXP = 1  #: ExpStep
    POW = 2  #: PowStep
    LUT = 3  #: discrete states with per-state step tables
    LUT_EXACT = 4  #: the same in the array emulator's integers (golden.lut_exact), hw_exact mode


class ArrayOp(IntEnum):
    """What an operation asks of the array emulator (``golden.hw.crossbar``)."""

    PULSES = 0  #: one slot of pulse lines: a pulse on every coincident device
    READ = 1  #: a one-hot read of one column: an ADC code per row
    PEEK = 2  #: the raw state of one device (row: lowest bit of d, column: of x)
    MVM = 3  #: one term of an MVM (internal: MVMs come on their own port; dropped on i_op)


class ArrayState(IntEnum):
    """States of the array emulator (``golden.hw.crossbar``)."""

    IDLE = 0  #: takes the next operation (once the pipeline is empty)
    ROW = 1  #: picks the next row with a pulse and loads its LFSR
    CELL = 2  #: one coincident device of the row per clock
    READ = 3  #: one row of the read column per clock
    PEEK = 4  #: the device of a PEEK is read
    MVM = 5  #: one device of an MVM per clock (outputs ascending, inputs ascending)
    DECODE = 6  #: the operation taken in IDLE is decoded (registered first: no FIFO-to-logic path)


class Rounding(IntEnum):
    """Fixed-point rounding of a right shift."""

    FLOOR = 0  #: arithmetic shift (toward -inf)
    HALF_UP = 1  #: add half an LSB, then shift


class Overflow(IntEnum):
    """Fixed-point overflow handling."""

    WRAP = 0  #: keep the low bits (two's complement)
    SATURATE = 1  #: clamp to the representable range


# ---- hardware (golden.hw models and rtl/ blocks share these) ----------------------------------


class GeneratorState(IntEnum):
    """States of the pulse generator (golden.hw.pulse_generator, rtl.pulse_generator)."""

    IDLE = 0  #: ready for the next (x, d) update
    CAPTURE = 1  #: every lane loads |code| and sign of the update registered at its input
    GATHER = 2  #: every lane group ORs its magnitudes
    REDUCE = 3  #: OR of all |x_j| and of all |d_i| (of the group ORs)
    EXPONENT = 4  #: their bit lengths e_x, e_d
    DEFICIT = 5  #: the exponent deficit x_bits + d_bits - e_x - e_d
    GAIN = 6  #: gain register and the two sides' shifts selected from the deficit
    ALIGN = 7  #: aligned gains A = gain << (mult_steps - shift), one per side
    BROADCAST = 8  #: every lane group copies its side's aligned gain
    PRIME = 9  #: every lane forms its first addend (bit 0 of its magnitude ? A : 0)
    MULT = 10  #: (|x_j| A) >> mult_steps, shift-add over mult_steps clocks (LSB first)
    CODE = 11  #: comparator codes = the products clipped to 2**prob_bits
    SLOTS = 12  #: BL slots, one per clock, every lane compared with its LFSR word


class FilterState(IntEnum):
    """States of the TTv2 filter (golden.hw.ttv2_filter, rtl.ttv2_filter): one element of the
    column walks through READ .. WRITE, one short step per clock (at most one multiply, one
    carry chain or one shifter per clock), then EMIT."""

    IDLE = 0  #: ready for the next column of ADC codes
    READ = 1  #: H of the current row is read from the buffer memory; its ADC code selected
    MULTIPLY = 2  #: H latched; product = code * TRANSFER_LR
    SUM = 3  #: H + product
    ACCUMULATE = 4  #: H1 = sat(H + product)
    ABSOLUTE = 5  #: |H1|
    MAGNITUDE = 6  #: |H1| >> THRES_SHIFT
    COUNT = 7  #: k = sign(H1) min(magnitude, MAX_PULSES); 1 - MOMENTUM
    SCALE = 8  #: H1 * MOMENTUM and k * (1 - MOMENTUM)
    SHIFT = 9  #: k * (1 - MOMENTUM) << THRES_SHIFT
    ROUND = 10  #: both products rounded back to H units
    PAY = 11  #: both saturated: forgotten H1 and the paid-back amount
    DIFF = 12  #: H1 - paid
    UPDATE = 13  #: H2 = H1, the forgotten H1 or sat(H1 - paid)
    WRITE = 14  #: H2 written back; k offered downstream from the next cycle
    EMIT = 15  #: the row's pulse count is offered downstream (waits for ready)


class TransferState(IntEnum):
    """States of the transfer controller (golden.hw.transfer_controller,
    rtl.transfer_controller)."""

    IDLE = 0  #: counting finished updates of A
    READ = 1  #: one-hot read of the current column of A requested, waiting for the ADC codes
    FILTER = 2  #: the TTv2 filter turns the codes into pulse counts, row by row
    DECIDE = 3  #: all counts in: write C if any count is non-zero, else next column
    WRITE = 4  #: the pulse counts are written to the same column of C, one slot per clock


class ConfigReg(IntEnum):
    """Addresses of the periphery's configuration registers
    (:meth:`golden.params.PeripheryParams.register_widths` gives their widths)."""

    GAIN_EVEN = 0  #: update gain sqrt(L) (gain_frac fraction bits) for even exponent deficits
    GAIN_ODD = 1  #: update gain sqrt(2 L) for odd exponent deficits
    TRANSFER_LR = 2  #: TTv2 transfer_lr per ADC code, in H units (unsigned, lr_bits)
    THRES_SHIFT = 3  #: the TTv2 threshold is 2**THRES_SHIFT in H units
    MOMENTUM = 4  #: TTv2 momentum with momentum_frac fraction bits (<= 1.0)
    FORGET = 5  #: 1: TTv2 forget_buffer (H *= momentum after a write), 0: H -= (1 - m) k thres
    MAX_PULSES = 6  #: largest pulse count one transfer writes per element (<= BL)
    TRANSFER_EVERY = 7  #: updates between transfers (0: no transfers)
