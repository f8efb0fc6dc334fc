"""Slow, obvious pure-Python twins of the golden kernels (stumpy's ``tests/naive.py`` idea).

Each twin is written straight from the equations (aihwkit's, as documented on the params
classes), with Python ints and floats and plain loops. Random draws come from the kernels' own
RNG primitives (tested against their own twins in ``test_rng.py``), so a twin and its kernel
consume identical random numbers and their results can be compared exactly.
"""

from __future__ import annotations

import math

import numpy as np

from golden import rng as _rng

MASK64 = (1 << 64) - 1


def next_normal(state):
    """The kernels' normal draw, callable with the Python ints numba hands back."""
    return _rng.next_normal(np.uint64(state))


def next_uniform(state):
    return _rng.next_uniform(np.uint64(state))


def stream_key(seed, stream, counter, lane):
    return _rng.stream_key(seed, stream, counter, lane)


# ---- rng -------------------------------------------------------------------------------------
def mix64(z: int) -> int:
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def stream_key_naive(seed: int, stream: int, counter: int, lane: int) -> int:
    g = 0x9E3779B97F4A7C15
    s = mix64((seed + g * (stream + 1)) & MASK64)
    s = mix64(s ^ counter)
    return mix64((s + g * (lane + 1)) & MASK64)


def splitmix_draws(state: int, n: int) -> list[int]:
    out = []
    for _ in range(n):
        state = (state + 0x9E3779B97F4A7C15) & MASK64
        out.append(mix64(state))
    return out


# ---- lfsr ------------------------------------------------------------------------------------
def lfsr_bits(state: int, taps: tuple[int, ...], n: int) -> tuple[int, list[int]]:
    """``n`` output bits of the right-shifting Galois LFSR, one step at a time."""
    mask = 0
    for t in taps:
        mask |= 1 << (t - 1)
    bits = []
    for _ in range(n):
        bit = state & 1
        bits.append(bit)
        state >>= 1
        if bit:
            state ^= mask
    return state, bits


# ---- fixed point -----------------------------------------------------------------------------
def shift_right(x: int, n: int, half_up: bool) -> int:
    if n <= 0:
        return x * 2 ** (-n)
    return math.floor((x + (2 ** (n - 1) if half_up else 0)) / 2**n)


def resize(x: int, width: int, signed: bool, saturate: bool) -> int:
    lo, hi = (-(2 ** (width - 1)), 2 ** (width - 1) - 1) if signed else (0, 2**width - 1)
    if saturate:
        return min(max(x, lo), hi)
    return (x - lo) % 2**width + lo


# ---- update management -----------------------------------------------------------------------
def update_scales(lr, g, x_max, d_max, p) -> tuple[int, float, float]:
    """aihwkit calculateBlAB + performUpdateManagement, step by step."""
    lr = abs(lr)
    dm = d_max * p.um_grad_scale
    if lr == 0 or x_max == 0 or dm == 0:
        return 0, 0.0, 0.0
    bl = p.desired_bl
    if p.fixed_bl or p.update_bl_management or g * bl >= lr:
        a = b = math.sqrt(lr / (g * bl))
    else:
        bl = min(math.ceil(lr / g), 64)
        a = b = 1.0
    k = lr * x_max * dm / g
    if p.update_bl_management:
        bl = max(1, min(math.ceil(k), p.desired_bl))
        a = b = math.sqrt(lr / (g * bl))
    if p.update_management or p.update_bl_management:
        if k > p.desired_bl:
            dm = dm * p.desired_bl / k
        a = a * math.sqrt(x_max / dm)
        b = b * math.sqrt(dm / x_max)
    return bl, a, b


# ---- devices ---------------------------------------------------------------------------------
def device_pulse(dev, i: int, j: int, w: float, up: bool, rng):
    """One pulse on cell (i, j) of a DeviceArray, straight from the device equations."""
    p = dev.params
    kind = type(p).__name__
    step_up, step_down = dev.P[0, i, j], dev.P[1, i, j]
    b_max, b_min = dev.P[2, i, j], dev.P[3, i, j]
    std = p.dw_min_std
    xi = 0.0
    if std > 0:
        rng, xi = next_normal(rng)
    if kind == "LutParams":
        up_t, down_t = p.tables()
        s = int(w)
        k = (up_t[s] * step_up if up else down_t[s] * step_down) * (1 + std * xi)
        k = max(k, 0.0)
        moves = math.floor(k)
        rng, u = next_uniform(rng)
        if u < k - moves:
            moves += 1
        return (min(w + moves, p.n_states - 1) if up else max(w - moves, 0)), rng
    if kind in ("ConstantStepParams", "LinearStepParams", "SoftBoundsParams"):
        slope = dev.P[4, i, j] if up else dev.P[5, i, j]
        base = step_up if up else step_down
        if getattr(p, "mult_noise", True):
            dw = (base + slope * w) * (1 + std * xi)
        else:
            dw = base * (1 + std * xi) + slope * w
        w = w + dw if up else w - dw
    elif kind == "ExpStepParams":
        z = 2 * p.a * w / (b_max - b_min) + p.b
        if up:
            y = max(1 - p.A_up * math.exp(p.gamma_up * z), 0.0)
        else:
            y = max(1 - p.A_down * math.exp(-p.gamma_down * z), 0.0)
        dw = y * (step_up if up else step_down)
        if p.dw_min_std_add or p.dw_min_std_slope:
            noise = std * (dw + p.dw_min_std_add + p.dw_min_std_slope * abs(w)) * xi
            w = (w + dw if up else w - dw) + noise
        else:
            w = w + dw * (1 + std * xi) if up else w - dw * (1 + std * xi)
    elif kind == "PowStepParams":
        span = b_max - b_min
        if up:
            w = w + step_up * max((b_max - w) / span, 0) ** dev.P[4, i, j] * (1 + std * xi)
        else:
            w = w - step_down * max((w - b_min) / span, 0) ** dev.P[5, i, j] * (1 + std * xi)
    return min(max(w, b_min), b_max), rng


def visible(dev, i: int, j: int, w: float, rng):
    p = dev.params
    if type(p).__name__ == "LutParams":
        w = dev.P[3, i, j] + w * (dev.P[2, i, j] - dev.P[3, i, j]) / (p.n_states - 1)
    if p.write_noise_std > 0:
        rng, xi = next_normal(rng)
        w += p.write_noise_std * p.dw_min * xi
    return w, rng


def apply_trains(dev, xbits, xneg, dbits, dneg, lr_neg, bl, counter):
    """Coincidences of bit-packed trains, applied pulse by pulse in slot order; visible weights
    are redrawn afterwards for every coincidence, in the same order."""
    rows, cols = dev.shape
    for i in range(rows):
        rng = stream_key(dev.seed, 3, counter, i)
        touched = []
        for t in range(bl):
            if not (int(dbits[i]) >> t) & 1:
                continue
            for j in range(cols):
                if (int(xbits[j]) >> t) & 1:
                    up = (int(dneg[i]) + int(xneg[j]) + lr_neg) % 2 == 1
                    dev.hidden[i, j], rng = device_pulse(dev, i, j, dev.hidden[i, j], up, rng)
                    touched.append(j)
        if dev.separate_visible:
            wrng = stream_key(dev.seed, 5, counter, i)
            for j in touched:
                dev.visible[i, j], wrng = visible(dev, i, j, dev.hidden[i, j], wrng)


def coincidence_counts(xbits, dbits) -> np.ndarray:
    """n[i, j] = number of slots where both row i and column j fire (bit by bit)."""
    n = np.zeros((len(dbits), len(xbits)), dtype=np.int64)
    for i, db in enumerate(dbits):
        for j, xb in enumerate(xbits):
            n[i, j] = bin(int(db) & int(xb)).count("1")
    return n


# ---- analog MVM ------------------------------------------------------------------------------
def analog_mvm(W, x, transposed, io, use_bm, seed, counter):
    """aihwkit forwardVector: NM, iterative BM, DAC, MAC, noise, ADC, rescale."""
    W = W.T if transposed else W
    if io.is_perfect:
        return [
            sum(W[i, j] * x[j] for j in range(len(x))) * io.out_scale for i in range(W.shape[0])
        ], 1
    nm = io.noise_management.name
    if nm == "NONE":
        alpha = 1.0
    elif nm == "CONSTANT":
        alpha = io.nm_thres if io.nm_thres > 0 else 1.0
    elif nm == "ABS_MAX":
        alpha = max(abs(v) for v in x)
        if io.nm_thres > 0:
            alpha = min(alpha, io.nm_thres)
    else:
        alpha = max(x)
    if alpha <= 0 and io.inp_noise == 0:
        return [0.0] * W.shape[0], 1
    alpha = alpha if alpha > 0 else 1.0
    s_in, s_out = io.inp_step, io.out_step
    rho, passes = 1.0, 0
    while True:
        rng = stream_key(seed, 4, counter, passes)
        passes += 1
        v = []
        for xv in x:
            q = xv / (alpha * rho)
            q = float(np.rint(q / s_in) * s_in) if s_in > 0 else q
            q = min(max(q, -io.inp_bound), io.inp_bound)
            if io.inp_noise > 0:
                rng, xi = next_normal(rng)
                q += io.inp_noise * xi
            v.append(q)
        y, hit = [], False
        for i in range(W.shape[0]):
            if transposed:  # accumulate over rows in order, as the kernel does
                acc = 0.0
                for k in range(W.shape[1]):
                    acc += W[i, k] * v[k] if v[k] != 0.0 else 0.0
            else:
                acc = 0.0
                for k in range(W.shape[1]):
                    acc += W[i, k] * v[k]
            if io.out_noise > 0:
                rng, xi = next_normal(rng)
                acc += io.out_noise * xi
            acc = float(np.rint(acc / s_out) * s_out) if s_out > 0 else acc
            if acc >= io.out_bound:
                acc, hit = io.out_bound, True
            elif acc <= -io.out_bound:
                acc = -io.out_bound
                hit = hit or io.bm_test_negative_bound
            y.append(acc)
        bm = use_bm and io.bound_management.name == "ITERATIVE"
        if not bm or not hit or rho > io.max_bm_factor or (s_in > 0 and rho > io.max_bm_res / s_in):
            break
        rho *= 2
    return [v * alpha * rho * io.out_scale for v in y], passes


def hw_update_codes(x, d, lr: float, dw_min: float, up) -> tuple[list[int], list[int]]:
    """hw_exact comparator codes, re-derived the obvious way: power-of-two input scales,
    half-up input codes, gains sqrt(4 L) / sqrt(8 L), maxima by bit length, floor shifts."""

    def quantize(v, bits):
        m = max(abs(float(t)) for t in v)
        scale = 2.0 ** math.frexp(m)[1] if m > 0 else 1.0
        half = 1 << (bits - 1)
        return [min(max(math.floor(t / scale * half + 0.5), -half), half - 1) for t in v], scale

    qx, sx = quantize(x, up.x_bits)
    qd, sd = quantize(d, up.d_bits)
    ell = abs(lr) * sx * sd / (dw_min * up.desired_bl) * 4
    top = (1 << up.gain_bits) - 1
    gains = [min(math.floor(math.sqrt(k * ell) * 2**up.gain_frac + 0.5), top) for k in (1, 2)]
    ex = max(abs(q) for q in qx).bit_length()
    ed = max(abs(q) for q in qd).bit_length()
    deficit = up.x_bits + up.d_bits - ex - ed
    s, gain = -(-deficit // 2), gains[deficit % 2]

    def codes(q, e):
        shift = e + s + up.gain_frac - up.prob_bits
        return [min(abs(v) * gain // 2**shift, 2**up.prob_bits) for v in q]

    return codes(qx, ex), codes(qd, ed)


def lut_pulse_exact(s: int, up: bool, gain: int, lut, word: int) -> int:
    """The emulator's integer Lut pulse (golden.lut_exact), spelled out."""
    u = word % 2**lut.noise_bits
    r = (word // 2**lut.noise_bits) % 2**lut.step_frac
    table = lut.up if up else lut.down
    k = int(table[s]) * gain * int(lut.noise[u]) // 2**lut.product_shift
    moves = k // 2**lut.step_frac + (1 if r < k % 2**lut.step_frac else 0)
    return min(s + moves, lut.n_states - 1) if up else max(s - moves, 0)


def gram_schmidt(V) -> np.ndarray:
    """Modified Gram-Schmidt on the columns of V (golden.kernels.decomposition.orthonormalize):
    each column less its projections on the earlier ones, normalised; a column that vanishes
    (squared norm below 1e-24) is replaced by e_(r mod n) less its projections."""
    n, k = len(V), len(V[0])
    cols = [[float(V[i][r]) for i in range(n)] for r in range(k)]
    for r in range(k):
        for q in range(r):
            dot = sum(cols[q][i] * cols[r][i] for i in range(n))
            cols[r] = [cols[r][i] - dot * cols[q][i] for i in range(n)]
        if sum(v * v for v in cols[r]) < 1e-24:
            cols[r] = [1.0 if i == r % n else 0.0 for i in range(n)]
            for q in range(r):
                dot = cols[q][r % n]
                cols[r] = [cols[r][i] - dot * cols[q][i] for i in range(n)]
        norm = math.sqrt(sum(v * v for v in cols[r]))
        cols[r] = [v / norm for v in cols[r]]
    return np.array(cols).T


def nmf_batch(W, H, xs, ds, sign: float, iterations: int) -> tuple[np.ndarray, np.ndarray]:
    """Lee & Seung's multiplicative updates of ``G ~ W H^T`` for one mini-batch
    (golden.kernels.decomposition.nmf_factorize), with G written out:
    ``G = sum_b max(sign d_b, 0) x_b^T / B``; the factors first rescaled to equal norms per
    component, ``W <- W * (G H) / (W H^T H)``, then ``H <- H * (G^T W) / (H W^T W)``, both
    floored at 1e-12."""
    W, H = np.array(W, dtype=float), np.array(H, dtype=float)
    pairs = zip(xs, ds, strict=True)
    G = sum(np.outer(np.maximum(sign * np.asarray(d), 0.0), x) for x, d in pairs) / len(xs)
    for r in range(W.shape[1]):
        nw, nh = math.sqrt(W[:, r] @ W[:, r]), math.sqrt(H[:, r] @ H[:, r])
        if nw > 0 and nh > 0:
            s = math.sqrt(nh / nw)
            W[:, r], H[:, r] = W[:, r] * s, H[:, r] / s
    for _ in range(iterations):
        W = W * (G @ H) / (W @ (H.T @ H) + 1e-30)
        H = H * (G.T @ W) / (H @ (W.T @ W) + 1e-30)
        W, H = np.maximum(W, 1e-12), np.maximum(H, 1e-12)
    return W, H
