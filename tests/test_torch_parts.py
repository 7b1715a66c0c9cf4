"""Pure-PyTorch pieces, tested without scikit-learn or skorch: modules, losses, batching."""

import math

import numpy as np
import pytest
import torch
from scipy.stats import norm

from skae._losses import ReconstructionLoss, gaussian_log_likelihood, squared_error
from skae._modules import (
    AutoencoderOutput,
    MLPAutoencoder,
    init_parameters,
    make_activation,
)
from skae._net import HoldoutSplit, TensorBatches, TensorData


def test_mlp_autoencoder_mirrors_its_encoder():
    module = MLPAutoencoder(10, (32, 16), 3, activation="tanh")
    widths = [layer.out_features for layer in module.encoder if isinstance(layer, torch.nn.Linear)]
    assert widths == [32, 16, 3]
    widths = [layer.out_features for layer in module.decoder if isinstance(layer, torch.nn.Linear)]
    assert widths == [16, 32, 10]
    x = torch.randn(4, 10)
    out = module(x)
    assert isinstance(out, AutoencoderOutput)
    assert out.reconstruction.shape == (4, 10) and out.code.shape == (4, 3)
    assert torch.equal(out.code, module.encode(x))
    assert torch.equal(out.reconstruction, module.decode(out.code))


def test_no_hidden_layers_gives_linear_maps():
    module = MLPAutoencoder(6, (), 2)
    assert len(module.encoder) == 1 and len(module.decoder) == 1


def test_unknown_activation_is_named():
    with pytest.raises(ValueError, match="swish"):
        make_activation("swish")


def test_init_parameters_is_reproducible_and_seed_dependent():
    a = init_parameters(MLPAutoencoder(8, (5,), 2), torch.Generator().manual_seed(1))
    b = init_parameters(MLPAutoencoder(8, (5,), 2), torch.Generator().manual_seed(1))
    c = init_parameters(MLPAutoencoder(8, (5,), 2), torch.Generator().manual_seed(2))
    for pa, pb, pc in zip(a.parameters(), b.parameters(), c.parameters()):
        assert torch.equal(pa, pb)
        assert not torch.equal(pa, pc)


def test_init_parameters_follows_pytorch_default_bounds():
    module = init_parameters(MLPAutoencoder(400, (), 300), torch.Generator().manual_seed(0))
    layer = module.encoder[0]
    bound = 1 / math.sqrt(400)  # kaiming_uniform(a=sqrt(5)) and the bias share it
    assert layer.weight.abs().max() <= bound and layer.weight.abs().max() > 0.99 * bound
    assert layer.bias.abs().max() <= bound


def test_squared_error_sums_features_per_row():
    recon = torch.tensor([[1.0, 2.0], [0.0, 0.0]])
    target = torch.tensor([[0.0, 0.0], [3.0, 4.0]])
    assert torch.equal(squared_error(recon, target), torch.tensor([5.0, 25.0]))
    output = AutoencoderOutput(recon, torch.zeros(2, 1))
    assert ReconstructionLoss()(output, target).item() == 15.0


def test_gaussian_log_likelihood_matches_scipy():
    rng = np.random.default_rng(0)
    residual = rng.normal(size=(5, 3))
    variance = np.array([0.5, 1.0, 2.0])
    expected = norm.logpdf(residual, scale=np.sqrt(variance)).sum(axis=1)
    got = gaussian_log_likelihood(torch.tensor(residual**2), torch.tensor(variance))
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12)


def collect(batches):
    return [b for b, _ in batches]


def test_batches_cover_every_row_once_and_keep_the_last_partial_batch():
    X = torch.arange(10.0).reshape(10, 1)
    batches = collect(TensorBatches(TensorData(X), 4, shuffle=True,
                                    generator=torch.Generator().manual_seed(0)))
    assert [len(b) for b in batches] == [4, 4, 2]
    assert sorted(torch.cat(batches).ravel().tolist()) == list(range(10))


def test_batches_reshuffle_every_epoch_and_keep_order_without_shuffle():
    X = torch.arange(50.0).reshape(50, 1)
    shuffled = TensorBatches(TensorData(X), 50, shuffle=True,
                             generator=torch.Generator().manual_seed(0))
    first, second = collect(shuffled)[0], collect(shuffled)[0]
    assert not torch.equal(first, second)
    ordered = TensorBatches(TensorData(X), 7)
    assert torch.equal(torch.cat(collect(ordered)), X)


def test_fewer_rows_than_batch_size_is_one_batch():
    X = torch.ones(3, 2)
    assert [len(b) for b in collect(TensorBatches(TensorData(X), 256))] == [3]


def test_holdout_split_is_disjoint_seeded_and_covers_all_rows():
    data = TensorData(torch.arange(20.0).reshape(20, 1))
    train, valid = HoldoutSplit(0.25, seed=0)(data)
    assert len(valid) == 5 and len(train) == 15
    rows = torch.cat([train.indices, valid.indices]).sort().values
    assert torch.equal(rows, torch.arange(20))
    again, _ = HoldoutSplit(0.25, seed=0)(data)
    assert torch.equal(again.indices, train.indices)
    assert torch.equal(collect(TensorBatches(valid, 10))[0].ravel(), valid.indices.float())


def test_objectives_get_the_context_of_the_batch(monkeypatch):
    # Inputs, module, generator, number of training rows and epoch reach
    # every objective (a beta-TCVAE's penalty, say, needs the data set size).
    from skae import DenoisingAutoencoder
    from skae._losses import ObjectiveContext

    seen = []

    class Recording(ReconstructionLoss):
        def forward(self, output, target, context=None):
            seen.append(context)
            return super().forward(output, target, context)

    monkeypatch.setattr(DenoisingAutoencoder, "_build_criterion", lambda self: Recording())
    X = np.random.default_rng(0).normal(size=(100, 5))
    model = DenoisingAutoencoder(n_components=2, batch_size=50, max_iter=2, tol=0.0,
                                 random_state=0).fit(X)
    assert all(isinstance(c, ObjectiveContext) for c in seen)
    assert [c.epoch for c in seen] == [1, 1, 2, 2]
    assert {c.n_rows for c in seen} == {100}
    assert all(c.module is model.module_ for c in seen)
    assert all(isinstance(c.generator, torch.Generator) for c in seen)
    # The module saw corrupted inputs, not the clean batch.
    assert all(c.inputs.shape == (50, 5) for c in seen)


def test_the_vae_objective_takes_a_replaceable_divergence():
    from skae._losses import ObjectiveContext, VAELoss, gaussian_kl
    from skae._modules import VAEModule

    torch.manual_seed(0)
    module = VAEModule(4, (8,), 2)
    x = torch.randn(6, 4)
    output = module(x)

    def loss(objective):
        return objective(output, x, ObjectiveContext(module=module,
                                                     generator=torch.Generator().manual_seed(1)))

    no_divergence = loss(VAELoss(beta=3.0, divergence=lambda mean, log_var: mean.sum(-1) * 0))
    kl = gaussian_kl(output.code, output.log_var).mean()
    assert loss(VAELoss(beta=3.0)).item() == pytest.approx(no_divergence.item() + 3.0 * kl.item(),
                                                           rel=1e-5)


def test_each_likelihood_family_owns_density_mean_sampling_and_check():
    import pickle

    from skae._likelihoods import LIKELIHOODS

    gaussian, bernoulli = LIKELIHOODS["gaussian"], LIKELIHOODS["bernoulli"]
    out, x, log_std = torch.tensor([[0.0, 2.0]]), torch.tensor([[1.0, 2.0]]), torch.zeros(2)
    assert gaussian.log_density(out, x, log_std).item() == pytest.approx(
        -0.5 * (1.0 + 2 * math.log(2 * math.pi)))
    assert gaussian.mean(out) is out
    assert bernoulli.log_density(torch.tensor([[0.0]]), torch.tensor([[1.0]])).item() \
        == pytest.approx(math.log(0.5))
    assert bernoulli.mean(torch.tensor([0.0])).item() == 0.5
    draws = bernoulli.sample(torch.full((20000,), 0.3), None, torch.Generator().manual_seed(0))
    assert set(draws.unique().tolist()) == {0.0, 1.0} and abs(draws.mean().item() - 0.3) < 0.02
    draws = gaussian.sample(torch.zeros(20000), torch.tensor(math.log(2.0)),
                            torch.Generator().manual_seed(0))
    assert draws.std().item() == pytest.approx(2.0, rel=0.03)
    with pytest.raises(ValueError, match=r"needs data in \[0, 1\], but X ranges over \[0, 2\]"):
        bernoulli.check(np.array([[0.0, 2.0]]))
    gaussian.check(np.array([[0.0, 2.0]]))
    # One object per family, also through pickling (saved and copied modules).
    assert pickle.loads(pickle.dumps(bernoulli)) is bernoulli


def test_table_gaussian_heads_leave_holes_out_with_and_without_a_scale():
    from types import SimpleNamespace

    from skae._likelihoods import TableLikelihood

    likelihood = TableLikelihood(SimpleNamespace(n_numeric=3, n_binary=0, categorical=[]))
    x = torch.tensor([[1.0, float("nan"), -1.0], [0.5, 2.0, float("nan")]])
    out = torch.tensor([[0.0, 9.0, 1.0], [0.0, 1.0, 7.0]], requires_grad=True)
    unit = likelihood.log_density(out, x)  # autoencoders: unit variance
    # Observed entries only: row 1 has residuals 1 and -2, row 2 has 0.5 and 1.
    expected = [norm.logpdf([1.0, -2.0]).sum(), norm.logpdf([0.5, 1.0]).sum()]
    np.testing.assert_allclose(unit.detach().numpy(), expected, rtol=1e-6)
    scaled = likelihood.log_density(out, x, torch.full((3,), math.log(2.0)))
    expected = [norm.logpdf([1.0, -2.0], scale=2).sum(), norm.logpdf([0.5, 1.0], scale=2).sum()]
    np.testing.assert_allclose(scaled.detach().numpy(), expected, rtol=1e-6)
    # No gradient reaches (or leaks NaN into) the decoder outputs of holes.
    unit.sum().backward()
    assert torch.isfinite(out.grad).all()
    assert out.grad[0, 1] == 0 and out.grad[1, 2] == 0 and out.grad[0, 0] != 0
