"""Gradient decomposition's numba kernels against their pure-Python twins (tests/golden/naive.py):
the Gram-Schmidt of the PCA bases and the NMF multiplicative updates."""

from __future__ import annotations

import numpy as np
import pytest

from golden.kernels.decomposition import dec_views, nmf_factorize, orthonormalize
from golden.network import Network
from tests.golden import naive
from tests.golden.test_train import small


@pytest.mark.kernel
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_orthonormalize_matches_its_twin(seed):
    """Random bases, one with a column that vanishes (a copy of an earlier one), which restarts
    from a unit vector: the same columns as the twin, and orthonormal."""
    rng = np.random.default_rng(seed)
    V = rng.normal(size=(7, 4))
    if seed == 1:
        V[:, 2] = 3.0 * V[:, 0]
    want = naive.gram_schmidt(V.tolist())
    got = V.copy()
    orthonormalize(got)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    np.testing.assert_allclose(got.T @ got, np.eye(4), atol=1e-12)


@pytest.mark.kernel
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_nmf_factorize_matches_its_twin(sign):
    """Rank 2 on a batch of 4 (inputs >= 0, deltas of both signs), from unbalanced factors:
    the kernel's factors equal the twin's written-out Lee & Seung updates (summation order
    differs: 1e-9 relative)."""
    params = small(
        "nmf", network={"digital_bias": True}, algorithm={"rank": 2}, training={"batch_size": 4}
    )
    net = Network(params, 6, 3)
    rng = np.random.default_rng(5)
    xs, ds = rng.random((4, 6)), rng.normal(size=(4, 4))
    net.scratch.acts[:4, :6], net.scratch.deltas[:4, :4] = xs, ds
    Wp, _, Hp, _ = dec_views(net.state.digital.DEC, 0, 2, net.lay)
    Wp[:, :] = rng.random(Wp.shape) * [1e-3, 10.0]
    Hp[:, :] = rng.random(Hp.shape) * [1e3, 0.1]
    want_w, want_h = naive.nmf_batch(Wp, Hp, xs, ds, sign, 20)
    nmf_factorize(0, 4, sign, net.lay, 20, Wp, Hp, net.scratch.acts, net.scratch.deltas)
    np.testing.assert_allclose(Wp, want_w, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(Hp, want_h, rtol=1e-9, atol=1e-15)
