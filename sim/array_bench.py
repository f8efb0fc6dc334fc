"""Random operations for the array emulator and its golden expectations, as integers per
Verilog port (the bench protocol of :mod:`sim.block_benches`: ``next()`` gives this cycle's
inputs and expected outputs, ``step()`` clocks the model)."""

from __future__ import annotations

import random

from golden.encoding import ArrayOp
from golden.hw.crossbar import ArrayEmulatorModel
from golden.lut_exact import ArrayImage, ExactLut, ReadTables
from golden.mvm_exact import MvmTables
from golden.params import EmulatorParams
from rtl.onehot import group_bits, group_count
from sim.ports import pack_codes

__all__ = ["ArrayBench", "pack_mvm", "pack_op"]


def pack_op(op: int, x: int, x_neg: int, d: int, d_neg: int, rows: int, cols: int) -> int:
    """``i_op__payload``: op, then x, x_neg (cols bits each), d, d_neg and d's lowest set bit
    ``d_first`` (rows bits each), then ``x_groups`` (one bit per ``SEARCH_GROUP`` columns: the
    group holds a set bit of x), then x's lowest set bit ``x_first`` (cols bits)."""
    width = max(ArrayOp).bit_length()
    groups = group_bits(x, cols)
    lines = x | x_neg << cols | d << 2 * cols | d_neg << (2 * cols + rows)
    summaries = (d & -d) | groups << rows | (x & -x) << (rows + group_count(cols))
    return op | (lines | summaries << (2 * cols + 2 * rows)) << width


def pack_mvm(transposed: bool, codes, mt: MvmTables) -> int:
    """``i_mvm__payload``: transposed, then the DAC codes."""
    return int(transposed) | pack_codes(codes, mt.dac_bits) << 1


class ArrayBench:
    """Operations 60 % of the cycles (pulse slots with lines firing with probability
    ``density``; one read in five, some with several bits set; one peek in ten), with MVM
    tables fewer operations (45 %) and an MVM request (random DAC codes, either direction) 30 %
    of the cycles; mid-stream resets."""

    block = "crossbar"

    def __init__(
        self,
        em: EmulatorParams,
        lut: ExactLut,
        rt: ReadTables,
        image: ArrayImage,
        seed: int,
        mt: MvmTables | None = None,
        reset_p: float = 0.001,
        density: float = 0.4,
    ):
        self.rows, self.cols = image.states.shape
        self.model = ArrayEmulatorModel(em, lut, rt, image, mt)
        self.mt = mt
        self.strobes = ("i_op__valid",) + (("i_mvm__valid",) if mt else ())
        self.rng = random.Random(seed)
        self.seed, self.reset_p, self.density = seed, reset_p, density
        self.digest = f"{em.digest()}:{self.rows}x{self.cols}"
        # what the model did: a bench that did nothing proved nothing
        self.pulses = self.reads = self.mvms = 0
        self._args, self._reset, self._mvm = (), 0, (0, False, ())

    def _mask(self, n: int) -> int:
        return sum(1 << k for k in range(n) if self.rng.random() < self.density)

    def next(self) -> tuple[dict, dict]:
        rng, rows, cols = self.rng, self.rows, self.cols
        valid = int(rng.random() < (0.6 if self.mt is None else 0.45))
        kind = rng.random()
        if kind < 0.2:
            op = ArrayOp.READ
            x = 1 << rng.randrange(cols) if rng.random() < 0.8 else self._mask(cols)
        elif kind < 0.3:
            op, x = ArrayOp.PEEK, self._mask(cols)
        else:
            op = ArrayOp.PULSES
            x = self._mask(cols)
        x_neg, d, d_neg = rng.getrandbits(cols), self._mask(rows), rng.getrandbits(rows)
        self._reset = int(rng.random() < self.reset_p)
        out = self.model.outputs(valid)
        if valid and out["ready"] and not self._reset:
            self.pulses += bin(x).count("1") * bin(d).count("1") if op == ArrayOp.PULSES else 0
            self.reads += int(op == ArrayOp.READ)
        inputs = {
            "i_op__valid": valid,
            "i_op__payload": pack_op(op, x, x_neg, d, d_neg, rows, cols),
            "rst": self._reset,
        }
        expected = {
            "i_op__ready": out["ready"],
            "state": out["state"],
            "read_valid": out["read_valid"],
            "codes": pack_codes(out["codes"], self.model.rt.adc_bits),
            "peek_valid": out["peek_valid"],
            "peek_state": out["peek_state"],
        }
        self._args = (valid, op, x, x_neg, d, d_neg)
        if self.mt is not None:
            mt, n = self.mt, max(rows, cols)
            transposed = rng.random() < 0.5
            codes = [rng.randint(-mt.n_in, mt.n_in) for _ in range(n)]
            self._mvm = (int(rng.random() < 0.3), transposed, codes)
            self.mvms += int(self._mvm[0] and out["mvm_ready"] and not self._reset)
            inputs |= {
                "i_mvm__valid": self._mvm[0],
                "i_mvm__payload": pack_mvm(transposed, codes, mt),
            }
            expected |= {
                "i_mvm__ready": out["mvm_ready"],
                "mvm_valid": out["mvm_valid"],
                "mvm_codes": pack_codes(out["mvm_codes"], self.model.rt.adc_bits),
            }
        return inputs, expected

    def step(self) -> None:
        self.model.tick(*self._args, reset=self._reset, mvm=self._mvm)
