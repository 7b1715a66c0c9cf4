"""Your own encoder and decoder modules in place of skae's (the Architecture object)."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from torch import nn

from skae import VAE, Autoencoder, ConditionalVAE, ContractiveAutoencoder, SparseAutoencoder, save


@pytest.fixture(scope="module")
def X():
    rng = np.random.default_rng(0)
    latent = rng.normal(size=(200, 2))
    return np.tanh(latent @ rng.normal(size=(2, 6))) + 0.05 * rng.normal(size=(200, 6))


def encoder(n_out=2):
    return nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, n_out))


def decoder(n_in=2):
    return nn.Sequential(nn.Linear(n_in, 16), nn.Tanh(), nn.Linear(16, 6))


def test_an_autoencoder_trains_the_users_modules_and_leaves_the_originals(X):
    mine_encoder, mine_decoder = encoder(), decoder()
    before = {k: v.clone() for k, v in mine_encoder.state_dict().items()}
    model = Autoencoder(n_components=2, encoder=mine_encoder, decoder=mine_decoder,
                        batch_size=32, max_iter=200, random_state=0).fit(X)
    # fit trained copies: the user's objects are unchanged ...
    assert all(torch.equal(v, mine_encoder.state_dict()[k]) for k, v in before.items())
    assert model.module_.encoder is not mine_encoder
    # ... and learned: the reconstruction beats predicting the mean.
    error = model.reconstruction_error(X).mean()
    assert error < 0.2 * ((X - X.mean(0)) ** 2).sum(1).mean()
    assert model.transform(X).shape == (200, 2)
    # Same parameters, same data: the same model (clone copies the modules).
    again = clone(model).fit(X)
    np.testing.assert_allclose(again.transform(X), model.transform(X), rtol=1e-5, atol=1e-6)


def test_the_users_initial_weights_are_kept(X):
    # random_state re-draws skae's own layers, never the user's: with a step
    # too small to move them, the trained encoder still holds the given weights.
    mine = encoder()
    model = Autoencoder(n_components=2, encoder=mine, learning_rate_init=1e-12, max_iter=1,
                        random_state=0).fit(X)
    for key, value in mine.state_dict().items():
        torch.testing.assert_close(model.module_.encoder.state_dict()[key], value)
    other = Autoencoder(n_components=2, encoder=mine, learning_rate_init=1e-12, max_iter=1,
                        random_state=1).fit(X)
    # skae's decoder, on the other hand, follows random_state.
    assert not torch.equal(model.module_.decoder[0].weight, other.module_.decoder[0].weight)


def test_only_one_part_may_be_yours(X):
    model = Autoencoder(n_components=2, decoder=decoder(), hidden_layer_sizes=(8,),
                        max_iter=5, random_state=0).fit(X)
    assert model.inverse_transform(model.transform(X)).shape == X.shape
    assert isinstance(model.module_.encoder[0], nn.Linear)  # skae's dense stack


def test_variants_wrap_the_users_encoder(X):
    sparse = SparseAutoencoder(n_components=4, encoder=encoder(4), sparsity="kl",
                               max_iter=5, random_state=0).fit(X)
    codes = sparse.transform(X)
    assert codes.min() > 0 and codes.max() < 1  # the sigmoid code follows the user's encoder
    vae = VAE(n_components=2, encoder=encoder(5), decoder=decoder(2), max_iter=5,
              random_state=0).fit(X)
    assert vae.transform(X).shape == (200, 2)  # skae's heads after 5 features
    assert np.isfinite(vae.score_samples(X)).all()
    y = (X[:, 0] > 0).astype(int)
    cvae = ConditionalVAE(n_components=2, decoder=decoder(2 + 2), max_iter=5,
                          random_state=0).fit(X, y)
    assert cvae.sample(4, y=1)[0].shape == (4, 6)


def test_the_exact_contractive_penalty_takes_the_general_path_for_user_encoders(X, monkeypatch):
    from skae import _losses

    calls = []
    general = _losses._torch_func_norms
    monkeypatch.setattr(_losses, "_torch_func_norms",
                        lambda *args: calls.append(1) or general(*args))
    ContractiveAutoencoder(n_components=2, jacobian="exact", max_iter=2, tol=0.0,
                           random_state=0).fit(X)
    assert not calls  # skae's stack: products of the layers' Jacobians
    ContractiveAutoencoder(n_components=2, encoder=encoder(), jacobian="exact", max_iter=2,
                           tol=0.0, random_state=0).fit(X)
    assert calls


@pytest.mark.parametrize("params, message", [
    (dict(n_components=3, encoder=encoder(2)),
     "the encoder maps rows of 6 features to 2 values, but n_components=3"),
    (dict(n_components=2, decoder=decoder(3)),
     r"the decoder failed on a batch of rows of width 2 \(X has 6 features\)"),
    (dict(n_components=2, decoder=nn.Sequential(nn.Linear(2, 5))),
     "the decoder maps codes of 2 values to 5, but X has 6 features"),
    (dict(n_components=2, encoder=nn.Flatten(0)),
     r"must map a batch \(n, 6\) to a 2-D tensor"),
])
def test_modules_that_do_not_fit_the_data_are_refused_by_name(X, params, message):
    model = Autoencoder(max_iter=2, **params)
    with pytest.raises(ValueError, match=message):
        model.fit(X)
    assert not hasattr(model, "module_")


def test_models_with_user_modules_pickle_but_are_not_saved_as_code(X, tmp_path):
    model = Autoencoder(n_components=2, encoder=encoder(), max_iter=3, random_state=0).fit(X)
    copy = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(copy.transform(X), model.transform(X))
    with pytest.raises(TypeError, match="Autoencoder.encoder is your own Sequential module"):
        save(model, tmp_path / "model.safetensors")
    assert not (tmp_path / "model.safetensors").exists()


def test_inference_does_not_probe_the_users_modules_again(X, monkeypatch):
    """The widest layer (which sizes inference chunks) is found once per fit: a
    probe copies and runs your modules, which costs more than a small transform."""
    import skae._architecture as architecture

    model = Autoencoder(n_components=2, encoder=encoder(), decoder=decoder(), max_iter=2,
                        random_state=0).fit(X)
    expected = model.transform(X)
    probes = []
    original = architecture._widest_activation
    monkeypatch.setattr(architecture, "_widest_activation",
                        lambda *args: probes.append(args) or original(*args))
    for _ in range(3):
        np.testing.assert_array_equal(model.transform(X), expected)
        model.score_samples(X[:5])
    assert probes == []
    model.set_params(max_iter=1).fit(X[:, ::-1].copy())  # a refit finds it again
    assert len(probes) == 2
