"""Pulsed update of a 512 x 512 SoftBounds tile (BL = 31, fast mode) vs. a float rank-1 update.

Both are timed in the same run on the same shape; the script prints both times and the ratio
(target: pulsed <= 2x float). Usage: ``python bench/update.py [--size 512] [--repeats 200]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from golden.devices import DeviceArray
from golden.params import SoftBoundsParams, UpdateParams
from golden.pulses import PulsedUpdater


def best_of(fn, repeats: int) -> float:
    """Median wall time of ``fn()`` over ``repeats`` calls (after one warm-up call)."""
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--repeats", type=int, default=200)
    ap.add_argument("--lr", type=float, default=0.01)
    args = ap.parse_args()
    n = args.size
    rng = np.random.default_rng(0)
    # a training-like sample: activations in [0, 1), small back-propagated errors
    xs = rng.uniform(0.0, 1.0, (args.repeats + 1, n))
    ds = rng.normal(0.0, 0.05, (args.repeats + 1, n))

    W = rng.uniform(-0.3, 0.3, (n, n))
    k = iter(range(10**9))

    def float_update():
        i = next(k) % xs.shape[0]
        W.__iadd__(args.lr * np.outer(ds[i], xs[i]))

    devices = DeviceArray(SoftBoundsParams(), (n, n), seed=1)
    devices.set_weights(W)
    updater = PulsedUpdater(
        UpdateParams(desired_bl=31, update_bl_management=False, update_management=True),
        devices,
    )
    before = devices.hidden.copy()
    j = iter(range(10**9))

    def pulsed_update():
        i = next(j) % xs.shape[0]
        updater.update(xs[i], ds[i], args.lr)

    t_float = best_of(float_update, args.repeats)
    t_pulsed = best_of(pulsed_update, args.repeats)
    changed = float(np.mean(devices.hidden != before))
    print(f"shape {n} x {n}, BL 31, lr {args.lr}, SoftBounds (dw_min 0.001), fast mode")
    print(f"float rank-1 update  W += lr*outer(d, x): {t_float * 1e3:8.3f} ms")
    print(f"pulsed update (golden, fast mode):         {t_pulsed * 1e3:8.3f} ms")
    print(f"ratio pulsed / float: {t_pulsed / t_float:.2f}  (target <= 2.00)")
    print(f"cells changed over the run: {changed:.1%}")


if __name__ == "__main__":
    main()
