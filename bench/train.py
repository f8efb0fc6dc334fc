"""Training speed: TTv2 (golden, fast mode) vs. the float SGD reference, and Stochastic
Hamiltonian Descent vs. TTv1, same run, same data.

Trains the reference MLP (784-256-128-10, batch 1) on Fashion-MNIST for ``--samples`` samples
with ``configs/fmnist-{float,ttv2,ttv1,hd}.toml`` (after compiling, so JIT time is not
counted; SHD's zero-shifting is part of building the network, also not counted), and prints
samples/s and the ratios. Targets: TTv2 >= 5,000 samples/s on 2 cores (aihwkit 1.2.0:
1,224) and within 2x of the float reference; hd within 1.3x of ttv1. Then TTv2 once more
beside a busy process (a Python busy loop on one core): at most 2x slower than alone.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from golden.data import load_dataset
from golden.network import Network
from golden.params import load_train_config

ROOT = Path(__file__).resolve().parents[1]
AIHWKIT_TTV2 = 1224.0  # samples/s, aihwkit 1.2.0 on this reference setting (ALGORITHMS.md)


def samples_per_second(algorithm: str, data, n: int, repeats: int) -> float:
    params = load_train_config(ROOT / "configs" / f"fmnist-{algorithm}.toml")
    best = 0.0
    for r in range(repeats):
        net = Network(params, data.n_features, data.n_classes)
        order = np.random.default_rng(r).permutation(len(data.x_train))[:n].astype(np.int64)
        net.train(data.x_train, data.y_train, order, 0, 0, 0, 10**9)  # compile / load cache
        t0 = time.perf_counter()
        net.train(data.x_train, data.y_train, order, 0, n, 0, 10**9)
        best = max(best, n / (time.perf_counter() - t0))
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--samples", type=int, default=20000)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    data = load_dataset("fashion-mnist", n_train=args.samples, n_test=1)
    flt = samples_per_second("float", data, args.samples, args.repeats)
    ttv2 = samples_per_second("ttv2", data, args.samples, args.repeats)
    print(
        f"reference MLP 784-256-128-10, batch 1, {args.samples} Fashion-MNIST samples, "
        f"best of {args.repeats}"
    )
    print(f"float SGD reference: {flt:8.0f} samples/s")
    print(
        f"TTv2 (golden, fast): {ttv2:8.0f} samples/s  (target >= 5000; "
        f"{ttv2 / AIHWKIT_TTV2:.1f}x aihwkit's {AIHWKIT_TTV2:.0f})"
    )
    print(f"ratio float / TTv2: {flt / ttv2:.2f}  (target <= 2.00)")
    ttv1 = samples_per_second("ttv1", data, args.samples, args.repeats)
    hd = samples_per_second("hd", data, args.samples, args.repeats)
    print(f"TTv1: {ttv1:8.0f} samples/s, hd (SHD): {hd:8.0f} samples/s")
    print(f"ratio ttv1 / hd: {ttv1 / hd:.2f}  (target <= 1.30)")
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        beside = samples_per_second("ttv2", data, args.samples, args.repeats)
    finally:
        busy.kill()
    print(f"TTv2 beside a busy process: {beside:8.0f} samples/s")
    print(f"ratio alone / beside: {ttv2 / beside:.2f}  (target <= 2.00)")


if __name__ == "__main__":
    main()
