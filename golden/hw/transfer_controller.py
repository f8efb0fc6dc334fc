"""The TTv2 transfer controller (``rtl/transfer_controller.py``).

Every ``TRANSFER_EVERY`` finished updates of A (0: never) it transfers the next column j
(cyclically 0, 1, ..., cols - 1, as aihwkit's sequential column transfer):

1. READ: requests a one-hot forward read of column j of A (``read_valid``, ``read_onehot``)
   and waits for the ADC codes (``adc_valid``, ``adc_codes``).
2. FILTER: the codes go through the TTv2 filter (:mod:`golden.hw.ttv2_filter`); the controller
   collects each row's pulse count k_i and the largest |k_i|; DECIDE (one clock) chooses
   between writing C and going on to the next column.
3. WRITE: if any k_i != 0, ``max|k_i|`` slots of pulses on the C lines, one per clock: column j
   fires every slot, row i fires in slots ``t < |k_i|`` with ``d_neg_i = (k_i > 0)``, so cell
   (i, j) of C gets exactly |k_i| pulses, up for k_i > 0 (the sign rule of
   :class:`golden.hw.pulse_generator.PulseLines`).

``busy`` is high in every cycle with ``update_done`` (a transfer may start there, and the
start is decided at the clock edge, too late to gate the host in the same clock) and until a
transfer ends; the top stalls the host meanwhile, so A is never updated while it is read.

The RTL computes the same lines with cheaper logic: it keeps the update count plus one as its
register (a transfer starts after one compare against ``TRANSFER_EVERY``, no adder), shifts
the filter's counts into the rows in row order, and in WRITE each row counts its owed pulses
down while a countdown from ``max|k_i|`` ends the state.
"""

from __future__ import annotations

from golden.encoding import TransferState
from golden.hw.pulse_generator import PulseLines
from golden.hw.ttv2_filter import FilterConfig, Ttv2FilterModel
from golden.params import PeripheryParams

__all__ = ["TransferControllerModel"]


class TransferControllerModel:
    """Cycle model of ``rtl.transfer_controller.TransferController``.

    Inputs per cycle: ``update_done``, ``adc_valid``, ``adc_codes`` (rows signed ints),
    ``transfer_every`` and the :class:`~golden.hw.ttv2_filter.FilterConfig`. Outputs:
    ``busy``, ``state``, ``col``, ``read_valid``, ``read_onehot``, ``c_pulse``.
    """

    def __init__(self, p: PeripheryParams):
        self.p = p
        self.filter = Ttv2FilterModel(p)
        self.reset()

    def reset(self) -> None:
        self.state = TransferState.IDLE
        self.count = 0
        self.col = 0
        self.k = [0] * self.p.rows
        self.kmax = 0
        self.slot = 0
        self.c_pulse = PulseLines()
        self.filter.reset()

    def _starts(self, update_done: int, transfer_every: int) -> bool:
        return (
            self.state == TransferState.IDLE
            and bool(update_done)
            and transfer_every != 0
            and self.count + 1 >= transfer_every
        )

    def outputs(self, update_done: int) -> dict:
        return {
            "busy": int(self.state != TransferState.IDLE or bool(update_done)),
            "state": int(self.state),
            "col": self.col,
            "read_valid": int(self.state == TransferState.READ),
            "read_onehot": 1 << self.col,
            "c_pulse": self.c_pulse,
        }

    def tick(
        self, update_done, adc_valid, adc_codes, transfer_every, cfg: FilterConfig, reset=0
    ) -> None:
        """The clock edge; with ``reset`` everything resets but the filter's H memory."""
        p, st = self.p, self.state
        fout = self.filter.outputs()
        filter_valid = int(adc_valid and st == TransferState.READ)
        self.filter.tick(filter_valid, self.col, adc_codes, 1, cfg, reset)
        if reset:
            self.reset()
            return
        self.c_pulse = PulseLines()
        next_col = 0 if self.col == p.cols - 1 else self.col + 1
        if st == TransferState.IDLE:
            if update_done and transfer_every != 0:
                if self._starts(update_done, transfer_every):
                    self.count = 0
                    self.state = TransferState.READ
                else:
                    self.count += 1
        elif st == TransferState.READ:
            if adc_valid:
                self.kmax = 0
                self.state = TransferState.FILTER
        elif st == TransferState.FILTER:
            if fout["out_valid"]:
                k = fout["out_count"]
                self.k[fout["out_row"]] = k
                self.kmax = max(self.kmax, abs(k))
                if fout["out_row"] == p.rows - 1:
                    self.state = TransferState.DECIDE
        elif st == TransferState.DECIDE:
            if self.kmax:
                self.slot = 0
                self.state = TransferState.WRITE
            else:
                self.col = next_col
                self.state = TransferState.IDLE
        else:  # WRITE
            self.c_pulse = PulseLines(
                valid=1,
                x=1 << self.col,
                x_neg=0,
                d=sum(1 << i for i, k in enumerate(self.k) if self.slot < abs(k)),
                d_neg=sum(1 << i for i, k in enumerate(self.k) if k > 0),
            )
            if self.slot == self.kmax - 1:
                self.col = next_col
                self.state = TransferState.IDLE
            else:
                self.slot += 1
