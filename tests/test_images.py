"""Images: the conv architecture, ConditionalVAE, denoising and drawing, on digits (8x8)."""

import warnings

import matplotlib
import numpy as np
import torch
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression

from skae import (
    VAE,
    Autoencoder,
    ConditionalVAE,
    ContractiveAutoencoder,
    DenoisingAutoencoder,
    SparseAutoencoder,
    load,
    save,
)
from skae._corruption import Corruption

matplotlib.use("Agg")

TINY = dict(hidden_layer_sizes=(16,), conv_channels=(4, 8), max_iter=2, batch_size=64,
            device="cpu", random_state=0)
# Enough training for quality checks on digits, still a few seconds on a CPU.
TRAIN = dict(architecture="conv", image_shape=(1, 8, 8), conv_channels=(8, 16),
             hidden_layer_sizes=(32,), batch_size=32, learning_rate_init=3e-3, max_iter=20,
             device="cpu", random_state=0)
CONV_ESTIMATORS = [
    Autoencoder(**TINY),
    DenoisingAutoencoder(noise="salt_and_pepper", **TINY),
    SparseAutoencoder(n_components=8, **TINY),
    ContractiveAutoencoder(**TINY),
    ContractiveAutoencoder(jacobian="stochastic", **TINY),
    VAE(n_importance_samples=4, **TINY),
]


def quiet_fit(model, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(*args)


@pytest.fixture(scope="module")
def split(digits):
    X, y = digits
    rng = np.random.default_rng(0)
    order = rng.permutation(len(X))
    train, test = order[:1300], order[1300:]
    return X[train], X[test], y[train], y[test]


def psnr(clean, other):
    return 10 * np.log10(1.0 / np.mean((clean - other) ** 2))


@pytest.mark.parametrize("shape", [(1, 8, 8), (1, 7, 5), (3, 9, 11), (2, 1, 6)])
@pytest.mark.parametrize("estimator", CONV_ESTIMATORS, ids=lambda e: type(e).__name__)
def test_conv_shapes_for_any_image_size(estimator, shape):
    rng = np.random.default_rng(0)
    X = rng.random((40, int(np.prod(shape))))
    model = quiet_fit(clone(estimator).set_params(architecture="conv", image_shape=shape), X)
    Z = model.transform(X)
    assert Z.shape == (40, model.n_components_)
    assert model.inverse_transform(Z).shape == X.shape
    assert np.all(np.isfinite(model.score_samples(X)))
    assert model.module_.decoder[-1].image_shape == shape


def test_conv_network_is_convolutional():
    X = np.random.default_rng(0).random((30, 64))
    model = quiet_fit(Autoencoder(architecture="conv", image_shape=(1, 8, 8), **TINY), X)
    convolutions = [m for m in model.module_.modules()
                    if type(m).__name__ in ("Conv2d", "ConvTranspose2d")]
    assert [type(m).__name__ for m in convolutions] == ["Conv2d"] * 2 + ["ConvTranspose2d"] * 2
    # 8 -> 4, then the 4 x 4 map is kept (stride 1); the decoder mirrors it.
    assert [m.stride for m in convolutions] == [(2, 2), (1, 1), (1, 1), (2, 2)]


@pytest.mark.parametrize(
    "params, message",
    [
        ({"architecture": "conv"}, "needs image_shape"),
        ({"architecture": "conv", "image_shape": (1, 8, 7)}, "describes rows of 56 values"),
        ({"image_shape": (1, 8, 7)}, "but X has 64 features"),
        ({"architecture": "conv", "image_shape": (8, 8)}, "three positive integers"),
        ({"architecture": "conv", "image_shape": (1, 8, 8), "conv_channels": ()}, "conv_channels"),
        ({"architecture": "conv", "image_shape": (1, 8, 8), "conv_channels": (4, 0)},
         "conv_channels"),
        ({"architecture": "cnn"}, "architecture"),
    ],
)
def test_image_shape_mismatches_are_clear_errors(params, message):
    model = Autoencoder(**{**TINY, **params})
    with pytest.raises(ValueError, match=message):
        model.fit(np.zeros((10, 64)))
    assert not hasattr(model, "module_")


def test_image_corruptions_act_per_pixel():
    import torch

    x = torch.full((2000, 64), 0.5)
    generator = torch.Generator().manual_seed(0)
    salted = Corruption("salt_and_pepper", 0.2, np.zeros(64), np.ones(64))(x, generator)
    changed = salted != 0.5
    assert abs(changed.float().mean().item() - 0.2) < 0.01
    assert set(salted[changed].unique().tolist()) == {0.0, 1.0}
    masked = Corruption("masking", 0.3)(x, generator)
    assert abs((masked == 0).float().mean().item() - 0.3) < 0.01


@pytest.mark.parametrize("noise", ["salt_and_pepper"])
def test_conv_dae_denoises_held_out_digits(split, noise):
    X_train, X_test, _, _ = split
    model = quiet_fit(
        DenoisingAutoencoder(noise=noise, noise_level=0.2, n_components=16,
                             **{**TRAIN, "max_iter": 10}),
        X_train,
    )
    rng = np.random.default_rng(1)
    noisy = X_test.copy()
    hit = rng.random(X_test.shape) < 0.2
    noisy[hit] = rng.integers(0, 2, hit.sum()) if noise == "salt_and_pepper" else 0.0
    denoised = model.inverse_transform(model.transform(noisy))
    assert psnr(X_test, denoised) > psnr(X_test, noisy) + 1.0


@pytest.fixture(scope="module")
def cvae(split):
    X_train, _, y_train, _ = split
    return quiet_fit(ConditionalVAE(likelihood="bernoulli", **TRAIN), X_train, y_train)


def test_conditional_samples_are_of_the_requested_class(cvae, split):
    X_train, _, y_train, _ = split
    classifier = LogisticRegression(max_iter=2000).fit(X_train, y_train)
    for label in (0, 3, 7):
        samples, labels = cvae.sample(50, y=label, random_state=0)
        assert samples.shape == (50, 64) and np.all(labels == label)
        assert np.mean(classifier.predict(samples) == label) > 0.6
    samples, labels = cvae.sample(300, random_state=1)
    assert set(labels) == set(range(10))
    assert np.mean(classifier.predict(samples) == labels) > 0.6
    per_row = np.arange(10).repeat(3)
    assert np.array_equal(cvae.sample(30, y=per_row, random_state=0)[1], per_row)


def test_conditional_methods_without_labels_average_over_the_classes(cvae, split):
    # transform: sum_y p(y | x) mu(x, y); inverse_transform: sum_y p(y) D(z, y);
    # reconstruction_error: of sum_y p(y | x) D(mu(x, y), y).
    _, X_test, _, y_test = split
    n = 100
    X = X_test[:n]
    log_joint = np.column_stack([cvae.score_samples(X, np.full(n, c)) for c in cvae.classes_])
    log_joint += np.log(cvae.class_prior_)
    weights = np.exp(log_joint - log_joint.max(1, keepdims=True))
    weights /= weights.sum(1, keepdims=True)
    per_class = [cvae.transform(X, np.full(n, c)) for c in cvae.classes_]
    expected = sum(weights[:, [k]] * Z for k, Z in enumerate(per_class))
    np.testing.assert_allclose(cvae.transform(X), expected, rtol=1e-5, atol=1e-6)
    # The posterior over classes mostly picks the true digit (0.92 here).
    assert np.mean(weights.argmax(1) == y_test[:n]) > 0.8
    Z = cvae.transform(X, y_test[:n])
    decoded = sum(p * cvae.inverse_transform(Z, np.full(n, c))
                  for p, c in zip(cvae.class_prior_, cvae.classes_))
    np.testing.assert_allclose(cvae.inverse_transform(Z), decoded, rtol=1e-5, atol=1e-6)
    reconstruction = sum(
        weights[:, [k]] * cvae.inverse_transform(per_class[k], np.full(n, c))
        for k, c in enumerate(cvae.classes_)
    )
    np.testing.assert_allclose(cvae.reconstruction_error(X, per_feature=True),
                               (X - reconstruction) ** 2, rtol=1e-4, atol=1e-6)
    assert cvae.interpolate(X[0], X[1], n_steps=3).shape == (3, 64)


def test_conditional_likelihood_prefers_the_true_label(cvae, split):
    _, X_test, _, y_test = split
    true = cvae.score_samples(X_test[:100], y_test[:100])
    wrong = cvae.score_samples(X_test[:100], (y_test[:100] + 1) % 10)
    marginal = cvae.score_samples(X_test[:100])
    assert np.mean(true > wrong) > 0.9
    # log p(x) = log sum_y p(y) p(x|y) lies between its largest term and log of the sum.
    assert np.all(marginal >= true + np.log(cvae.class_prior_[y_test[:100]]) - 1e-6)


def test_conditional_methods_need_and_check_labels(cvae, split):
    _, X_test, _, y_test = split
    Z = cvae.transform(X_test[:5], y_test[:5])
    assert Z.shape == (5, 2)
    assert cvae.inverse_transform(Z, y_test[:5]).shape == (5, 64)
    assert cvae.reconstruction_error(X_test[:5], y_test[:5], per_feature=True).shape == (5, 64)
    assert cvae.interpolate(X_test[0], X_test[1], y=3, n_steps=4).shape == (4, 64)
    with pytest.raises(ValueError, match="not seen in fit: 11, 12"):
        cvae.transform(X_test[:3], [1, 11, 12])
    with pytest.raises(ValueError, match="3 rows but y has 2 labels"):
        cvae.transform(X_test[:3], [1, 2])
    with pytest.raises(ValueError, match="not seen in fit: cat"):
        cvae.sample(2, y="cat")
    with pytest.raises(ValueError, match="requires y to be passed"):
        ConditionalVAE(**TINY).fit(X_test)


def test_conditional_vae_with_string_labels_and_persistence(split, tmp_path):
    X_train, X_test, y_train, y_test = split
    names = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
                      "nine"])
    model = quiet_fit(ConditionalVAE(architecture="conv", image_shape=(1, 8, 8), **TINY),
                      X_train, names[y_train])
    assert set(model.classes_) == set(names)
    loaded = load(save(model, tmp_path / "cvae.safetensors"))
    np.testing.assert_array_equal(
        loaded.score_samples(X_test[:20], names[y_test[:20]]),
        model.score_samples(X_test[:20], names[y_test[:20]]),
    )
    assert loaded.sample(3, y="seven", random_state=0)[1].tolist() == ["seven"] * 3


def test_plots_draw_what_they_show(cvae, split, tmp_path):
    from skae import plotting

    X_train, X_test, y_train, y_test = split
    dae = quiet_fit(DenoisingAutoencoder(noise="salt_and_pepper", **TINY,
                                         architecture="conv", image_shape=(1, 8, 8)), X_train)
    figures = {
        "denoising": plotting.plot_denoising(dae, X_test[:6], image_shape=(8, 8),
                                             noise_level=0.2, random_state=0),
        "samples": plotting.plot_class_samples(cvae, n_per_class=4, image_shape=(8, 8),
                                               random_state=0),
        "latent": plotting.plot_latent(cvae, X_test, y_test),
        "interpolation": plotting.plot_interpolation(cvae, X_test[0], X_test[1],
                                                     image_shape=(8, 8), y=y_test[0]),
    }
    # Image grids: one image per cell, showing the decoded pixels.
    axes = figures["denoising"].axes
    assert len(axes) == 3 * 6
    np.testing.assert_allclose(axes[0].images[0].get_array(), X_test[0].reshape(8, 8))
    assert len(figures["samples"].axes) == 10 * 4
    assert [t.get_text() for t in figures["latent"].axes[0].get_legend().get_texts()] == [
        str(c) for c in range(10)
    ]
    assert len(figures["interpolation"].axes) == 8
    for name, figure in figures.items():
        figure.savefig(tmp_path / f"{name}.png")
        assert (tmp_path / f"{name}.png").stat().st_size > 1000


def test_conv_dae_with_its_defaults_denoises_digits_as_well_as_the_mlp(split):
    # The case: class defaults, 80 epochs. Before the convolutions
    # stopped halving at 4 x 4, the 8 x 8 digits were squeezed to 1 x 1 and
    # this gained 0.9 dB (the MLP: 4.5 dB); with a dense layer of 64 between
    # the convolutions and the code it still trailed the MLP.
    X_train, X_test, _, _ = split
    rng = np.random.default_rng(1)
    noisy = X_test.copy()
    hit = rng.random(X_test.shape) < 0.2
    noisy[hit] = rng.integers(0, 2, hit.sum())
    gains, losses = {}, {}
    for name, layers in {"mlp": {}, "conv": dict(architecture="conv", image_shape=(1, 8, 8))}.items():
        model = quiet_fit(
            DenoisingAutoencoder(noise="salt_and_pepper", noise_level=0.2, n_components=16,
                                 max_iter=80, tol=0.0, device="cpu", random_state=0, **layers),
            X_train,
        )
        denoised = model.inverse_transform(model.transform(noisy))
        gains[name] = psnr(X_test, denoised) - psnr(X_test, noisy)
        losses[name] = model.loss_curve_
    assert gains["conv"] > 3.0
    assert gains["conv"] >= gains["mlp"]
    # ... and reaches the MLP's final training loss in no more epochs.
    assert min(losses["conv"]) <= losses["mlp"][-1]


@pytest.mark.parametrize("estimator, mlp, conv", [
    (Autoencoder(), (64,), ()),
    (VAE(), (64,), ()),
    (ConditionalVAE(), (64,), (64,)),
    (Autoencoder(hidden_layer_sizes=(32, 16)), (32, 16), (32, 16)),
])
def test_auto_hidden_layers_depend_on_the_architecture(estimator, mlp, conv):
    # "auto" keeps the MLP's hidden layer of 64 and sends the convolutions
    # straight to the code, except where the ConditionalVAE's label joins.
    from skae._network import hidden_sizes

    assert hidden_sizes(estimator) == mlp
    assert hidden_sizes(clone(estimator).set_params(architecture="conv")) == conv


@pytest.mark.parametrize("size, maps", [(28, [14, 7, 4]), (8, [4, 4, 4]), (5, [3, 3, 3]),
                                        (4, [4, 4, 4]), (64, [32, 16, 8])])
def test_convolutions_stop_halving_at_four_pixels(size, maps):
    from skae._modules import ConvDecoder, ConvEncoder, conv_geometry

    assert [h for _, h, _ in conv_geometry(size, size, 3)] == maps
    encoder = ConvEncoder((1, size, size), (4, 8, 8), "relu")
    decoder = ConvDecoder((1, size, size), (4, 8, 8), "relu")
    x = torch.rand(3, size * size)
    assert encoder(x).shape == (3, 8 * maps[-1] ** 2)
    assert decoder(encoder(x)).shape == x.shape
