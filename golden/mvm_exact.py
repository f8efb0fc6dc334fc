"""The hardware-exact analog MVM of an emulated Lut array (the MAC engine of
``rtl/crossbar.py``, cycle model :mod:`golden.hw.crossbar`), and the host side around it: DAC
codes in, ADC codes out, noise and bound management on the host (as aihwkit's
``forwardVector``, :func:`golden.kernels.tile.analog_mvm`, does in floats).

The host scales and quantises its input ``x`` into DAC codes

    c_k = clip(rint(x_k / (alpha rho) / s_in), -n_in, n_in),   n_in = floor(inp_bound / s_in)

(``alpha`` from noise management, ``rho`` from bound management, ``s_in = io.inp_step``). The
array answers output o (row o of ``W x``, or column o of ``W^T d`` when transposed) with

    acc_o  = 2**(f - 1) + R[u_o] + sum_k M[s(o, k)] c_k               (f = mvm_frac)
    code_o = clip(acc_o >> f, -n_out, n_out),   n_out = min(round(out_bound / s_out),
                                                           2**(adc_bits - 1) - 1)

where ``M[s] = round(w(s) s_in / s_out 2**f)`` is the level of state s in ADC steps per DAC
step, ``R[u] = round(out_noise / s_out xi_u 2**f)`` the output noise (``xi_u`` the Gaussian
quantile of index u), and ``u_o`` the next ``noise_bits`` bits of the array's read LFSR (lane
:data:`golden.lut_exact.READ_LANE`), drawn once per output in ascending o. The host's result
is ``y_o = code_o s_out alpha rho out_scale``; iterative bound management doubles ``rho`` and
asks again while an output saturates (``|code_o| = n_out``), within ``max_bm_factor`` and
``max_bm_res``.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import NamedTuple

import numpy as np

from golden.encoding import BoundManagement
from golden.kernels.records import IOConfig, record
from golden.kernels.tile import nm_scale
from golden.lfsr import lfsr_word
from golden.lut_exact import fixed_point, gaussian_quantiles
from golden.params import EmulatorParams, IOParams, LutParams, check_emulated

__all__ = ["MvmTables", "host_mvm", "mvm_exact", "mvm_output", "mvm_tables"]


class MvmTables(NamedTuple):
    """The integer tables and widths of an array's MVMs."""

    level: np.ndarray  #: M[s], ``frac`` fraction bits (int64, n_states)
    noise: np.ndarray  #: R[u], ``frac`` fraction bits (int64, 2**noise_bits)
    frac: int
    noise_bits: int
    n_in: int  #: largest |DAC code|
    n_out: int  #: largest |ADC code|
    dac_bits: int  #: width of a signed DAC code
    level_bits: int  #: width of a signed M entry
    acc_bits: int  #: width of the signed accumulator (holds any sum of n terms)


def mvm_tables(
    device: LutParams, io: IOParams, em: EmulatorParams, adc_bits: int, n: int
) -> MvmTables:
    """The MVM tables of ``device`` behind ``io``'s DAC and ADC, for sums of up to ``n``
    terms (``max(rows, cols)``); an ADC of ``adc_bits`` saturates at ``out_bound`` or at its
    width, whichever comes first."""
    check_emulated(device, io)
    s_in, s_out = io.inp_step, io.out_step
    n_in = math.floor(io.inp_bound / s_in + 1e-9)
    n_out = min(round(io.out_bound / s_out), (1 << (adc_bits - 1)) - 1)
    f = em.mvm_frac
    w = [device.w_min + s * device.dw_min for s in range(device.n_states)]
    level = fixed_point([v * s_in / s_out for v in w], f, "device.w_max", 40, signed=True)
    noise = fixed_point(
        [io.out_noise / s_out * xi for xi in gaussian_quantiles(em.noise_bits)],
        f,
        "io.out_noise",
        40,
        signed=True,
    )
    bound = n * int(np.abs(level).max()) * n_in + int(np.abs(noise).max()) + (1 << f)
    return MvmTables(
        level=level,
        noise=noise,
        frac=f,
        noise_bits=em.noise_bits,
        n_in=n_in,
        n_out=n_out,
        dac_bits=n_in.bit_length() + 1,
        level_bits=int(np.abs(level).max()).bit_length() + 1,
        acc_bits=bound.bit_length() + 1,
    )


def mvm_output(acc: int, mt: MvmTables) -> int:
    """The ADC code of an accumulated output (its rounding half and noise included)."""
    return min(max(acc >> mt.frac, -mt.n_out), mt.n_out)


def mvm_exact(states, codes, transposed: bool, lfsr: int, lfsr_mask: int, mt: MvmTables):
    """The array's answer to DAC ``codes``: ``(ADC codes, read LFSR state after)``. ``states``
    is the rows x cols state array; ``codes`` has cols entries (rows when transposed)."""
    states = np.asarray(states)
    w = states.T if transposed else states
    half = 1 << (mt.frac - 1)
    out = []
    for o in range(w.shape[0]):
        lfsr, u = lfsr_word(np.uint64(lfsr), np.uint64(lfsr_mask), mt.noise_bits)
        acc = half + int(mt.noise[int(u)])
        acc += sum(int(mt.level[int(s)]) * int(c) for s, c in zip(w[o], codes, strict=True))
        out.append(mvm_output(acc, mt))
    return out, int(lfsr)


def host_mvm(
    x: np.ndarray, n_out: int, io: IOParams, mt: MvmTables
) -> Generator[list[int], list[int], np.ndarray]:
    """The host's side of one MVM with ``n_out`` outputs, as a generator: it yields the DAC
    codes of each pass, is sent the array's ADC codes, and returns ``y`` (module
    docstring). An input that noise management scales by 0 is answered y = 0 without a pass."""
    alpha = nm_scale(np.asarray(x, dtype=np.float64), record(IOConfig, io))
    if alpha <= 0:
        return np.zeros(n_out)
    s_in, s_out = io.inp_step, io.out_step
    bm = io.bound_management == BoundManagement.ITERATIVE
    rho = 1.0
    while True:
        codes = [min(max(int(np.rint(v / (alpha * rho) / s_in)), -mt.n_in), mt.n_in) for v in x]
        out = yield codes
        hit = any(c >= mt.n_out or (io.bm_test_negative_bound and c <= -mt.n_out) for c in out)
        if not bm or not hit or rho > io.max_bm_factor or rho > io.max_bm_res / s_in:
            break
        rho *= 2.0
    return np.array(out, dtype=np.float64) * (s_out * alpha * rho * io.out_scale)
