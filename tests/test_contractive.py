"""ContractiveAutoencoder: the Jacobian penalty is exact, its estimate unbiased, and it contracts."""

import numpy as np
import pytest
import torch
from torch import nn

from skae import Autoencoder, ContractiveAutoencoder
from skae._losses import jacobian_frobenius_squared
from skae._modules import mlp


def reference(encoder, x):
    """Squared Frobenius norms from torch.autograd.functional.jacobian, row by row."""
    rows = []
    for row in x:
        jac = torch.autograd.functional.jacobian(lambda r: encoder(r.unsqueeze(0)).squeeze(0), row)
        rows.append(jac.square().sum())
    return torch.stack(rows)


ENCODERS = {
    "linear": lambda: nn.Linear(6, 3),
    "linear+sigmoid": lambda: nn.Sequential(nn.Linear(6, 3), nn.Sigmoid()),
    "linear+tanh": lambda: nn.Sequential(nn.Linear(6, 3), nn.Tanh()),
    "linear+relu": lambda: nn.Sequential(nn.Linear(6, 3), nn.ReLU()),
    "linear+gelu (autograd path)": lambda: nn.Sequential(nn.Linear(6, 3), nn.GELU()),
    "deep, narrow code (reverse mode)": lambda: mlp([6, 10, 8, 2], "tanh"),
    "deep, wide code (forward mode)": lambda: mlp([3, 10, 9], "relu"),
    "three sigmoid layers, code activation": lambda: mlp([7, 12, 5, 3], "logistic", nn.Sigmoid()),
    "relu stack into tanh code, wide": lambda: mlp([2, 6, 4], "relu", nn.Tanh()),
    "identity activations": lambda: mlp([5, 4, 3], "identity"),
    "elu stack": lambda: mlp([6, 8, 5, 2], "elu"),
    "leaky relu stack, wide": lambda: mlp([2, 7, 5], "leaky_relu"),
    "two linear layers, no activation": lambda: nn.Sequential(nn.Linear(6, 4), nn.Linear(4, 2)),
}
ELEMENTWISE = [name for name in ENCODERS if "gelu" not in name]


def check_against_autograd(name, n_rows=5):
    torch.manual_seed(0)
    encoder = ENCODERS[name]()
    n_in = next(m for m in encoder.modules() if isinstance(m, nn.Linear)).in_features
    x = torch.randn(n_rows, n_in)
    np.testing.assert_allclose(
        jacobian_frobenius_squared(encoder, x).detach().numpy(),
        reference(encoder, x).numpy(),
        rtol=1e-5,
        atol=1e-6,
    )


@pytest.mark.parametrize("name", ENCODERS)
def test_exact_penalty_equals_autograd_jacobian(name):
    check_against_autograd(name)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_mlp_encoders_take_the_batched_product_not_torch_func(name, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("torch.func was used")

    monkeypatch.setattr(torch.func, "vmap", refuse)
    check_against_autograd(name)


def test_closed_form_for_one_sigmoid_layer():
    torch.manual_seed(0)
    layer = nn.Linear(4, 3)
    x = torch.randn(7, 4)
    h = torch.sigmoid(layer(x))
    expected = ((h * (1 - h)) ** 2) @ (layer.weight**2).sum(dim=1)
    got = jacobian_frobenius_squared(nn.Sequential(layer, nn.Sigmoid()), x)
    torch.testing.assert_close(got, expected)


@pytest.mark.parametrize("name", ["linear+sigmoid", "deep, narrow code (reverse mode)"])
def test_stochastic_estimate_averages_to_the_exact_value(name):
    torch.manual_seed(0)
    encoder = ENCODERS[name]()
    x = torch.randn(4, 6)
    exact = jacobian_frobenius_squared(encoder, x)
    generator = torch.Generator().manual_seed(0)
    estimate = jacobian_frobenius_squared(
        encoder, x, "stochastic", n_projections=2000, generator=generator
    )
    torch.testing.assert_close(estimate, exact, rtol=0.08, atol=1e-6)


@pytest.mark.parametrize("method", ["exact", "stochastic"])
def test_penalty_is_differentiable_in_the_weights(method):
    encoder = mlp([5, 7, 2], "tanh")
    value = jacobian_frobenius_squared(
        encoder, torch.randn(3, 5), method, generator=torch.Generator().manual_seed(0)
    ).sum()
    value.backward()
    # Every weight matrix shapes the Jacobian (the last bias does not).
    weights = [p for name, p in encoder.named_parameters() if name.endswith("weight")]
    assert all(w.grad is not None and w.grad.abs().sum() > 0 for w in weights)


def finite_difference_jacobian_norm(model, X, eps=1e-3):
    """Mean squared Frobenius norm of transform's Jacobian, from outside the model."""
    total = np.zeros(len(X))
    for d in range(X.shape[1]):
        step = np.zeros_like(X)
        step[:, d] = eps
        total += (((model.transform(X + step) - model.transform(X - step)) / (2 * eps)) ** 2).sum(1)
    return total.mean()


@pytest.mark.parametrize("jacobian", ["exact", "stochastic"])
def test_training_contracts_the_encoder(digits, jacobian):
    X, _ = digits
    params = dict(n_components=8, max_iter=40, random_state=0)
    plain = Autoencoder(**params).fit(X)
    contractive = ContractiveAutoencoder(contractive_weight=1.0, jacobian=jacobian, **params).fit(X)
    probe = X[:200]
    assert finite_difference_jacobian_norm(contractive, probe) < 0.2 * (
        finite_difference_jacobian_norm(plain, probe)
    )


def test_early_stopping_evaluates_the_penalty_without_gradients(digits):
    X, _ = digits
    model = ContractiveAutoencoder(early_stopping=True, max_iter=3, random_state=0).fit(X)
    assert len(model.validation_scores_) == 3
    assert np.isfinite(model.validation_scores_).all()
