"""VAE: the ELBO's pieces, the likelihood bound, beta, sampling and the Bernoulli decoder."""

import warnings

import numpy as np
import pytest
import torch
from scipy.stats import multivariate_normal
from sklearn.datasets import make_swiss_roll
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.preprocessing import StandardScaler

from skae import VAE, Autoencoder, _vae
from skae._losses import gaussian_kl, importance_weighted_bound, log_likelihood
from skae._modules import VAEModule


# ------------------------------------------------------------- pure torch
def test_kl_is_zero_when_the_posterior_is_the_prior():
    assert gaussian_kl(torch.zeros(4, 3), torch.zeros(4, 3)).abs().max().item() == 0.0


def test_kl_closed_form_matches_monte_carlo():
    generator = torch.Generator().manual_seed(0)
    mean = torch.tensor([[0.5, -1.0, 0.2]], dtype=torch.float64)
    log_var = torch.tensor([[-0.5, 0.3, 0.0]], dtype=torch.float64)
    std = torch.exp(0.5 * log_var)
    z = mean + std * torch.randn(200_000, 3, generator=generator, dtype=torch.float64)
    log_q = torch.distributions.Normal(mean, std).log_prob(z).sum(1)
    log_p = torch.distributions.Normal(0.0, 1.0).log_prob(z).sum(1)
    assert (log_q - log_p).mean().item() == pytest.approx(gaussian_kl(mean, log_var).item(), rel=0.01)


def test_gaussian_log_likelihood_has_all_constants():
    module = VAEModule(3, (), 2, decoder_std=0.5)
    z = torch.zeros(1, 2)
    x = torch.randn(1, 3)
    mean = module.decoder_output(z)
    expected = torch.distributions.Normal(mean, 0.5).log_prob(x).sum()
    torch.testing.assert_close(log_likelihood(module, z, x)[0], expected)


def test_bernoulli_log_likelihood_is_stable_from_logits():
    module = VAEModule(2, (), 1, likelihood="bernoulli")
    with torch.no_grad():
        module.decoder[0].weight.fill_(0.0)
        module.decoder[0].bias.copy_(torch.tensor([200.0, -200.0]))
    value = log_likelihood(module, torch.zeros(1, 1), torch.tensor([[0.0, 1.0]]))
    assert torch.isfinite(value).all() and value.item() == pytest.approx(-400.0)


def test_one_sample_bound_is_log_likelihood_plus_log_prior_minus_log_posterior():
    torch.manual_seed(0)
    module = VAEModule(4, (8,), 2)
    x = torch.randn(3, 4)
    eps = torch.randn(1, 3, 2)
    mean, log_var = module.posterior(x)
    z = mean + torch.exp(0.5 * log_var) * eps[0]
    normal = torch.distributions.Normal
    expected = (
        log_likelihood(module, z, x)
        + normal(0.0, 1.0).log_prob(z).sum(1)
        - normal(mean, torch.exp(0.5 * log_var)).log_prob(z).sum(1)
    )
    torch.testing.assert_close(importance_weighted_bound(module, x, eps), expected)


# ------------------------------------------------------------- estimator
@pytest.fixture(scope="module")
def linear_gaussian():
    """Data from a known Gaussian N(0, W W^T + 0.1 I): log p(x) in closed form."""
    rng = np.random.default_rng(0)
    W = rng.normal(size=(5, 2))
    cov = W @ W.T + 0.1 * np.eye(5)
    X = rng.multivariate_normal(np.zeros(5), cov, size=3000)
    true = multivariate_normal(np.zeros(5), cov).logpdf(X[2000:])
    model = VAE(n_components=2, hidden_layer_sizes=(32,), max_iter=150, random_state=0)
    return model.fit(X[:2000]), X[2000:], true


def test_bound_grows_with_k_and_stays_below_the_true_likelihood(linear_gaussian):
    model, X_test, true = linear_gaussian
    bounds = [model.set_params(n_importance_samples=k).score(X_test) for k in (1, 10, 100)]
    noise = 0.01
    assert bounds[0] <= bounds[1] + noise and bounds[1] <= bounds[2] + noise
    # E_true[log p_model] <= E_true[log p_true] (Gibbs), and a good fit is close.
    assert bounds[2] < true.mean()
    assert bounds[2] > true.mean() - 0.5


def test_chunking_the_importance_samples_changes_nothing_but_the_draws(
    linear_gaussian, monkeypatch
):
    model, X_test, _ = linear_gaussian
    model.set_params(n_importance_samples=1000)
    whole = model.score_samples(X_test[:20])
    monkeypatch.setattr(_vae, "_MAX_SAMPLES_PER_CHUNK", 7)
    chunked = model.score_samples(X_test[:20])
    np.testing.assert_allclose(chunked, whole, atol=0.05)


def test_larger_beta_trades_reconstruction_for_a_smaller_kl(linear_gaussian):
    _, X, _ = linear_gaussian
    kl, error = {}, {}
    for beta in (0.25, 4.0):
        model = VAE(n_components=2, hidden_layer_sizes=(32,), max_iter=60, beta=beta,
                    random_state=0).fit(X)
        with torch.no_grad():
            mean, log_var = model.module_.posterior(torch.tensor(X, dtype=torch.float32))
        kl[beta] = gaussian_kl(mean, log_var).mean().item()
        error[beta] = model.reconstruction_error(X).mean()
    assert kl[4.0] < 0.5 * kl[0.25]
    assert error[4.0] > error[0.25]


def mmd(A, B, bandwidth=0.5):
    gamma = 1 / (2 * bandwidth**2)
    return (rbf_kernel(A, A, gamma=gamma).mean() + rbf_kernel(B, B, gamma=gamma).mean()
            - 2 * rbf_kernel(A, B, gamma=gamma).mean())


def test_samples_cover_a_swiss_roll_better_than_an_autoencoder_decoder():
    R = StandardScaler().fit_transform(
        make_swiss_roll(2000, noise=0.2, random_state=0)[0][:, [0, 2]]
    )
    params = dict(n_components=2, hidden_layer_sizes=(64, 64), max_iter=200, tol=0.0,
                  batch_size=128, random_state=0)
    vae = VAE(decoder_std=0.2, **params).fit(R)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # n_components == n_features
        ae = Autoencoder(**params).fit(R)
    vae_samples = vae.sample(1000, random_state=1)
    ae_samples = ae.inverse_transform(np.random.default_rng(1).normal(size=(1000, 2)))
    assert mmd(vae_samples, R[:1000]) < 0.5 * mmd(ae_samples, R[:1000])


def test_bernoulli_vae_on_unit_interval_data(digits):
    X, _ = digits
    model = VAE(likelihood="bernoulli", n_components=4, max_iter=10, random_state=0).fit(X)
    assert model.score_samples(X[:20]).max() < 0
    reconstruction = model.inverse_transform(model.transform(X[:20]))
    assert reconstruction.min() >= 0 and reconstruction.max() <= 1
    binary = model.sample(50, random_state=0, noise=True)
    assert set(np.unique(binary)) <= {0.0, 1.0}
    with pytest.raises(ValueError, match=r"needs data in \[0, 1\]"):
        model.score_samples(X[:5] * 16)
    with pytest.raises(ValueError, match=r"needs data in \[0, 1\]"):
        VAE(likelihood="bernoulli").fit(X - 0.5)


def test_sample_is_reproducible_and_shaped(linear_gaussian):
    model, _, _ = linear_gaussian
    a = model.sample(5, random_state=3)
    np.testing.assert_array_equal(a, model.sample(5, random_state=3))
    assert not np.allclose(a, model.sample(5, random_state=4))
    assert a.shape == (5, 5) and a.dtype == np.float64
    with pytest.raises(ValueError, match="n_samples"):
        model.sample(0)


def test_interpolation_runs_between_the_two_reconstructions(linear_gaussian):
    model, X, _ = linear_gaussian
    path = model.interpolate(X[0], X[1], n_steps=6)
    ends = model.inverse_transform(model.transform(X[:2]))
    assert path.shape == (6, 5)
    np.testing.assert_allclose(path[[0, -1]], ends, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="n_steps"):
        model.interpolate(X[0], X[1], n_steps=1)


def test_fixed_decoder_std_is_not_learned(linear_gaussian):
    _, X, _ = linear_gaussian
    model = VAE(decoder_std=0.3, max_iter=3, random_state=0).fit(X)
    module = model.module_
    assert "log_std" not in dict(module.named_parameters())
    np.testing.assert_allclose(module.log_std.exp().numpy(), 0.3, rtol=1e-6)
