"""SparseAutoencoder: each sparsity does what it says, and the pieces behind it."""

import numpy as np
import pytest
import torch

from skae import SparseAutoencoder
from skae._losses import kl_sparsity
from skae._modules import TopK

TRAIN = dict(n_components=32, max_iter=60, random_state=0)


def test_kl_brings_the_mean_activation_near_the_target(digits):
    X, _ = digits
    sparse = SparseAutoencoder(sparsity="kl", sparsity_target=0.05, **TRAIN).fit(X)
    unpenalised = SparseAutoencoder(sparsity="kl", sparsity_weight=0.0, **TRAIN).fit(X)
    assert 0.025 < sparse.transform(X).mean() < 0.1
    # The same sigmoid code without the penalty is nowhere near 0.05.
    assert unpenalised.transform(X).mean() > 0.2


def test_topk_keeps_at_most_n_active_units_per_row(digits):
    X, _ = digits
    model = SparseAutoencoder(sparsity="topk", n_components=50, n_active=5, max_iter=5,
                              random_state=0).fit(X)
    nonzero = (model.transform(X) != 0).sum(axis=1)
    assert nonzero.max() <= 5
    assert nonzero.mean() > 4  # the kept units are not themselves zero


def test_topk_default_n_active_follows_sparsity_target(digits):
    X, _ = digits
    model = SparseAutoencoder(sparsity="topk", n_components=40, sparsity_target=0.1,
                              max_iter=2, random_state=0).fit(X)
    assert (model.transform(X) != 0).sum(axis=1).max() == 4


def test_l1_zero_fraction_grows_with_the_weight(digits):
    X, _ = digits
    fractions = [
        (SparseAutoencoder(sparsity="l1", sparsity_weight=w, **TRAIN).fit(X).transform(X) == 0).mean()
        for w in (0.01, 0.1, 1.0)
    ]
    assert fractions[0] < fractions[1] < fractions[2]
    assert fractions[2] > 0.8


def test_overcomplete_codes_do_not_warn(digits, recwarn):
    X, _ = digits
    SparseAutoencoder(n_components=100, max_iter=1).fit(X[:50])
    assert not [w for w in recwarn if "identity" in str(w.message)]


def test_n_active_above_n_components_is_named(digits):
    X, _ = digits
    with pytest.raises(ValueError, match="n_active=10 must be at most n_components=4"):
        SparseAutoencoder(sparsity="topk", n_components=4, n_active=10).fit(X)


def test_kl_sparsity_is_zero_at_the_target_and_positive_elsewhere():
    at_target = torch.full((8, 3), 0.05)
    assert kl_sparsity(at_target, 0.05).item() == pytest.approx(0.0, abs=1e-7)
    code = torch.tensor([[0.2, 0.9], [0.4, 0.5]])
    rho, rho_hat = 0.05, code.mean(0).numpy()
    expected = (rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat))).sum()
    assert kl_sparsity(code, rho).item() == pytest.approx(float(expected), rel=1e-6)


def test_kl_sparsity_stays_finite_for_saturated_units():
    code = torch.tensor([[0.0, 1.0], [0.0, 1.0]], requires_grad=True)
    value = kl_sparsity(code, 0.05)
    value.backward()
    assert torch.isfinite(value) and torch.isfinite(code.grad).all()


def test_topk_keeps_the_largest_magnitudes_and_routes_gradients_through_them():
    z = torch.tensor([[0.1, -3.0, 2.0, 0.5]], requires_grad=True)
    out = TopK(2)(z)
    assert out.tolist() == [[0.0, -3.0, 2.0, 0.0]]
    out.sum().backward()
    assert z.grad.tolist() == [[0.0, 1.0, 1.0, 0.0]]
