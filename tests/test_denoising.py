"""DenoisingAutoencoder: its corruptions, and that it actually denoises."""

import numpy as np
import pytest
import torch

from skae import Autoencoder, DenoisingAutoencoder
from skae._corruption import Corruption


def draw(noise, level, n=20000, d=10, **kwargs):
    # Strictly inside every feature range and never 0, so each hit changes x.
    x = torch.linspace(0.1, 0.5, d).repeat(n, 1)
    corruption = Corruption(noise, level, **kwargs)
    return x, corruption(x, torch.Generator().manual_seed(0))


def test_gaussian_noise_has_the_requested_std():
    x, x_tilde = draw("gaussian", 0.3)
    noise = x_tilde - x
    assert abs(noise.mean().item()) < 0.01
    assert noise.std().item() == pytest.approx(0.3, rel=0.02)


def test_masking_zeroes_the_requested_fraction():
    x, x_tilde = draw("masking", 0.25)
    changed = x_tilde != x
    assert changed.float().mean().item() == pytest.approx(0.25, abs=0.01)
    assert torch.all(x_tilde[changed] == 0)


def test_salt_and_pepper_uses_the_feature_range_half_and_half():
    low, high = -torch.arange(1.0, 11.0), torch.arange(1.0, 11.0)
    x, x_tilde = draw("salt_and_pepper", 0.4, feature_min=low, feature_max=high)
    changed = x_tilde != x
    assert changed.float().mean().item() == pytest.approx(0.4, abs=0.01)
    is_low = x_tilde == low
    is_high = x_tilde == high
    assert torch.all((is_low | is_high)[changed])
    assert is_high.float().sum() / (is_low | is_high).float().sum() == pytest.approx(0.5, abs=0.02)


def test_level_range_draws_one_level_per_batch():
    corruption = Corruption("masking", (0.1, 0.5))
    generator = torch.Generator().manual_seed(0)
    x = torch.ones(5000, 20)
    fractions = [(corruption(x, generator) == 0).float().mean().item() for _ in range(200)]
    assert min(fractions) == pytest.approx(0.1, abs=0.03)
    assert max(fractions) == pytest.approx(0.5, abs=0.03)
    assert np.std(fractions) > 0.08  # spread over the range, not a constant level


def test_corruption_never_modifies_its_input():
    x = torch.randn(50, 4)
    before = x.clone()
    Corruption("gaussian", 0.5)(x, torch.Generator().manual_seed(0))
    assert torch.equal(x, before)


def test_salt_and_pepper_needs_the_feature_range():
    with pytest.raises(ValueError, match="feature_min"):
        Corruption("salt_and_pepper", 0.1)


@pytest.mark.parametrize("noise", ["gaussian", "masking", "salt_and_pepper"])
def test_each_noise_type_trains_and_transform_sees_clean_input(noise, tabular):
    model = DenoisingAutoencoder(
        noise=noise, noise_level=0.2, hidden_layer_sizes=(16,), max_iter=10, random_state=0
    ).fit(tabular)
    assert model.loss_curve_[-1] < model.loss_curve_[0]
    # No corruption at inference: repeated calls agree exactly.
    np.testing.assert_array_equal(model.transform(tabular), model.transform(tabular))
    np.testing.assert_array_equal(model.score_samples(tabular), model.score_samples(tabular))


@pytest.mark.parametrize(
    "noise, level, message",
    [
        ("masking", 1.5, "at most 1"),
        ("salt_and_pepper", (0.1, 2.0), "at most 1"),
        ("gaussian", (0.5, 0.1), "low <= high"),
        ("gaussian", (0.1, 0.2, 0.3), "pair"),
        ("gaussian", -0.1, "noise_level"),
        ("speckle", 0.1, "noise"),
    ],
)
def test_invalid_noise_settings_are_named(noise, level, message, tabular):
    with pytest.raises(ValueError, match=message):
        DenoisingAutoencoder(noise=noise, noise_level=level, max_iter=1).fit(tabular)


def test_denoises_held_out_rows_better_than_a_plain_autoencoder(digits):
    X, _ = digits
    X_train, X_test = X[:1400], X[1400:]
    rng = np.random.default_rng(0)
    X_noisy = np.where(rng.random(X_test.shape) < 0.3, 0.0, X_test)
    params = dict(n_components=32, hidden_layer_sizes=(128,), max_iter=40, random_state=0)
    errors = {}
    for name, model in {
        "ae": Autoencoder(**params),
        "dae": DenoisingAutoencoder(noise="masking", noise_level=0.3, **params),
    }.items():
        model.fit(X_train)
        denoised = model.inverse_transform(model.transform(X_noisy))
        errors[name] = np.mean((denoised - X_test) ** 2)
    noisy_error = np.mean((X_noisy - X_test) ** 2)
    assert errors["dae"] < 0.6 * noisy_error
    assert errors["dae"] < 0.8 * errors["ae"]
