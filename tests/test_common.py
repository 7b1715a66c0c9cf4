"""Behaviour every public estimator shares: the scikit-learn contract and the base's plumbing."""

import pickle
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from scipy.stats import multivariate_normal
from sklearn.base import clone
from sklearn.covariance import ledoit_wolf
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skae._net import AutoencoderNet

from .conftest import ESTIMATORS, estimator_id, fit_args

pytestmark = pytest.mark.parametrize("estimator", ESTIMATORS, ids=estimator_id)


def fitted(estimator, X, **params):
    return clone(estimator).set_params(**{"n_components": 2, **params}).fit(*fit_args(estimator, X))


# ----------------------------------------------------------------- outputs
def test_transform_inverse_transform_shapes(estimator, tabular):
    model = fitted(estimator, tabular, n_components=3)
    Z = model.transform(tabular)
    assert Z.shape == (300, 3)
    assert model.inverse_transform(Z).shape == tabular.shape
    assert model.n_components_ == 3
    assert np.all(np.isfinite(Z))


def test_fit_transform_equals_fit_then_transform(estimator, tabular):
    Z1 = clone(estimator).set_params(n_components=2).fit_transform(*fit_args(estimator, tabular))
    Z2 = fitted(estimator, tabular).transform(*fit_args(estimator, tabular))
    np.testing.assert_array_equal(Z1, Z2)


def test_score_is_mean_of_score_samples(estimator, tabular):
    model = fitted(estimator, tabular)
    scores = model.score_samples(tabular)
    assert scores.shape == (300,) and scores.dtype == np.float64
    assert model.score(tabular) == pytest.approx(scores.mean())


def test_score_samples_is_code_plus_residual_log_likelihood(estimator, tabular):
    model = fitted(estimator, tabular)
    if not hasattr(model, "residual_variance_"):
        pytest.skip("scored by its own likelihood bound (tests/test_vae.py)")
    codes = model.transform(tabular)
    residual = tabular - model.inverse_transform(codes)
    var = model.residual_variance_
    expected = -0.5 * ((residual**2 / var).sum(1) + np.log(2 * np.pi * var).sum())
    # The code density, from the training codes' mean and covariance (of the
    # rows that trimming keeps: those whose error is at most its 1 - trim quantile).
    kept = tabular
    if model.trim:
        errors = model.reconstruction_error(tabular)
        kept = tabular[errors <= np.quantile(errors, 1 - model.trim)]
    train_codes = model.transform(kept).astype(np.float64)
    np.testing.assert_allclose(model.code_mean_, train_codes.mean(0), rtol=1e-4, atol=1e-6)
    shrunk, _ = ledoit_wolf(train_codes)
    np.testing.assert_allclose(model.code_covariance_, shrunk, rtol=1e-3, atol=1e-5)
    whitened = np.linalg.solve(
        np.linalg.cholesky(model.code_covariance_), (codes - model.code_mean_).T
    ).T
    expected += multivariate_normal(np.zeros(codes.shape[1])).logpdf(whitened)
    np.testing.assert_allclose(model.score_samples(tabular), expected, rtol=1e-4)
    # With heavy-tailed residuals: the same code term, Cauchy residuals of
    # scale sqrt(residual_variance_) (the statistics do not depend on the choice).
    from scipy.stats import cauchy

    heavy = model.set_params(residual_likelihood="cauchy")
    cauchy_residual = cauchy(scale=np.sqrt(var)).logpdf(residual).sum(1)
    expected_heavy = expected + 0.5 * ((residual**2 / var).sum(1)
                                       + np.log(2 * np.pi * var).sum()) + cauchy_residual
    np.testing.assert_allclose(heavy.score_samples(tabular), expected_heavy, rtol=1e-4)


def test_code_extremes_score_lower_than_typical_rows(estimator, tabular):
    # A row whose code is far out along the learned manifold but which is
    # reconstructed as well as typical rows still scores lower (PCA-like).
    model = fitted(estimator, tabular)
    if not hasattr(model, "code_mean_"):
        pytest.skip("scored by its own likelihood bound (tests/test_vae.py)")
    scores = model.score_samples(tabular)
    codes = model.transform(tabular)
    distance = ((codes - model.code_mean_) ** 2 / np.diag(model.code_covariance_)).sum(1)
    error = model.reconstruction_error(tabular)
    typical = error <= np.median(error)
    far = typical & (distance >= np.quantile(distance[typical], 0.9))
    near = typical & (distance <= np.quantile(distance[typical], 0.5))
    assert scores[far].mean() < scores[near].mean()


def test_score_samples_is_deterministic_and_batch_independent(estimator, tabular):
    model = fitted(estimator, tabular)
    full = model.score_samples(tabular)
    np.testing.assert_array_equal(full, model.score_samples(tabular))
    np.testing.assert_allclose(full[:7], model.score_samples(tabular[:7]), rtol=1e-5)
    order = np.random.default_rng(0).permutation(len(tabular))
    np.testing.assert_allclose(full[order], model.score_samples(tabular[order]), rtol=1e-5)


def test_shifted_rows_score_lower(estimator, tabular):
    model = fitted(estimator, tabular, max_iter=30)
    outliers = tabular[:20] + 4.0 * np.sign(np.random.default_rng(1).normal(size=(20, 10)))
    assert np.median(model.score_samples(outliers)) < np.median(model.score_samples(tabular))


def test_reconstruction_error_per_row_and_per_feature(estimator, tabular):
    model = fitted(estimator, tabular)
    labels = fit_args(estimator, tabular)[1:]  # a conditional model's, given throughout
    per_feature = model.reconstruction_error(tabular, *labels, per_feature=True)
    assert per_feature.shape == tabular.shape
    expected = (tabular - model.inverse_transform(model.transform(tabular, *labels), *labels)) ** 2
    np.testing.assert_allclose(per_feature, expected, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(model.reconstruction_error(tabular, *labels), per_feature.sum(1),
                               rtol=1e-5)


def test_loss_decreases(estimator, tabular):
    model = fitted(estimator, tabular, max_iter=20)
    assert len(model.loss_curve_) == model.n_iter_ == 20
    first, last = model.loss_curve_[0], model.loss_curve_[-1]
    assert last < first - 0.02 * abs(first)  # a VAE loss can be negative


# ------------------------------------------------------------------ dtypes
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_dtypes_are_preserved(estimator, tabular, dtype):
    model = fitted(estimator, tabular.astype(dtype))
    Z = model.transform(tabular.astype(dtype))
    assert Z.dtype == dtype
    assert model.inverse_transform(Z).dtype == dtype


def test_integer_input_gives_float64(estimator):
    X = np.random.default_rng(0).integers(0, 5, size=(50, 6))
    model = fitted(estimator, X)
    assert model.transform(X).dtype == np.float64


def test_non_contiguous_and_read_only_input(estimator, tabular):
    model = fitted(estimator, tabular)
    y = (fit_args(estimator, tabular)[1:] or [None])[0]

    def labels(rows):  # a conditional model's labels for those rows
        return () if y is None else (y[rows],)

    everything = slice(None)
    expected = model.transform(tabular, *labels(everything))
    fortran = np.asfortranarray(tabular)
    read_only = tabular.copy()
    read_only.flags.writeable = False
    np.testing.assert_allclose(model.transform(fortran, *labels(everything)), expected, rtol=1e-6)
    np.testing.assert_allclose(model.transform(read_only, *labels(everything)), expected,
                               rtol=1e-6)
    for rows in (slice(None, None, 2), slice(None, None, -1)):
        np.testing.assert_allclose(model.transform(tabular[rows], *labels(rows)),
                                   expected[rows], rtol=1e-6)


# ------------------------------------------------------------------ pandas
def test_pandas_feature_names_and_output(estimator, tabular):
    columns = [f"col_{i}" for i in range(tabular.shape[1])]
    df = pd.DataFrame(tabular, columns=columns)
    model = fitted(estimator, df)
    np.testing.assert_array_equal(model.feature_names_in_, columns)
    prefix = type(estimator).__name__.lower()
    names = model.get_feature_names_out()
    np.testing.assert_array_equal(names, [f"{prefix}0", f"{prefix}1"][: model.n_components_])
    out = model.set_output(transform="pandas").transform(df)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == list(names)
    assert list(out.index) == list(df.index)


def test_mismatched_feature_names_are_rejected(estimator, tabular):
    df = pd.DataFrame(tabular, columns=[f"col_{i}" for i in range(10)])
    model = fitted(estimator, df)
    renamed = df.rename(columns={"col_0": "other"})
    with pytest.raises(ValueError, match="feature names"):
        model.transform(renamed)


# --------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "bad, message",
    [
        (np.full((20, 3), np.nan), "no observed value .*NaN"),
        (np.full((20, 3), np.inf), "infinity"),
        (np.empty((0, 3)), "0 sample"),
        (np.zeros((20, 3, 2)), "3"),
        (np.array([["a", 1], [2, "d"]], dtype=object), "mixed Python types"),
        (sp.random(20, 3, density=0.5, format="csr", random_state=0), "[Ss]parse"),
        (np.full((20, 3), 1e39), "float32"),
    ],
    ids=["nan", "inf", "empty", "3d", "strings", "sparse", "float32-overflow"],
)
def test_bad_input_raises_a_clear_error(estimator, bad, message):
    with pytest.raises((ValueError, TypeError), match=message):
        clone(estimator).fit(*fit_args(estimator, bad))


def test_wrong_feature_count_at_transform(estimator, tabular):
    model = fitted(estimator, tabular)
    with pytest.raises(ValueError, match="X has 4 features, but .* is expecting 10"):
        model.transform(tabular[:, :4])
    with pytest.raises(ValueError, match="X has 4 features"):
        model.score_samples(tabular[:, :4])


@pytest.mark.parametrize("value, message", [(np.nan, "NaN"), (np.inf, "infinity")])
@pytest.mark.parametrize("method", ["transform", "score_samples", "reconstruction_error"])
def test_non_finite_values_at_inference_are_named(estimator, tabular, value, message, method):
    model = fitted(estimator, tabular)
    bad = tabular.copy()
    bad[7, 1] = value
    with pytest.raises(ValueError, match=message):
        getattr(model, method)(bad)


def test_float32_overflow_at_transform_is_named(estimator, tabular):
    model = fitted(estimator, tabular)
    huge = tabular.copy()
    huge[3, 2] = 1e39
    with pytest.raises(ValueError, match="overflow float32"):
        model.transform(huge)
    big_but_representable = np.full((5, 10), 1e37)
    assert model.transform(big_but_representable).shape == (5, 2)


def test_wrong_code_width_at_inverse_transform(estimator, tabular):
    model = fitted(estimator, tabular)
    with pytest.raises(ValueError, match="n_components_=2"):
        model.inverse_transform(np.zeros((3, 5)))


def test_unfitted_estimator_raises_not_fitted(estimator, tabular):
    for method in ("transform", "score_samples", "reconstruction_error", "score"):
        with pytest.raises(NotFittedError):
            getattr(clone(estimator), method)(tabular)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"n_components": 0}, "n_components"),
        ({"hidden_layer_sizes": (8, -1)}, "hidden_layer_sizes"),
        ({"activation": "swish"}, "activation"),
        ({"optimizer": "lbfgs"}, "optimizer"),
        ({"validation_fraction": 1.5}, "validation_fraction"),
        ({"device": "tpu"}, "device"),
    ],
)
def test_invalid_parameters_are_named(estimator, tabular, params, message):
    with pytest.raises(ValueError, match=message):
        fitted(estimator, tabular, **params)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-CUDA error")
def test_cuda_without_cuda_is_a_clear_error(estimator, tabular):
    with pytest.raises(ValueError, match="CUDA is not available"):
        fitted(estimator, tabular, device="cuda")


def test_early_stopping_needs_two_rows(estimator):
    with pytest.raises(ValueError, match="at least 2 samples"):
        fitted(estimator, np.ones((1, 3)), early_stopping=True)


def test_fewer_rows_than_a_batch(estimator):
    X = np.random.default_rng(0).normal(size=(5, 4))
    model = fitted(estimator, X, batch_size=64, n_components=1)
    assert model.transform(X).shape == (5, 1)


# ------------------------------------------------- atomic fit and failures
def test_divergence_is_reported_and_previous_state_kept(estimator, tabular):
    model = fitted(estimator, tabular)
    before = model.transform(tabular)
    with pytest.raises(ValueError, match="diverged.*learning_rate_init"):
        model.set_params(optimizer="sgd", learning_rate_init=1e6).fit(*fit_args(estimator, tabular * 1e3))
    np.testing.assert_array_equal(model.transform(tabular), before)
    assert model.n_iter_ == 5


def test_failed_first_fit_leaves_no_fitted_state(estimator):
    model = clone(estimator)
    with pytest.raises(ValueError):
        model.fit(*fit_args(estimator, np.full((10, 3), np.nan)))
    assert not [k for k in vars(model) if k.endswith("_") and not k.startswith("__")]


def test_interrupt_keeps_the_last_finished_epoch(estimator, tabular, monkeypatch):
    reference = fitted(estimator, tabular, max_iter=3)
    calls = {"n": 0}
    original = AutoencoderNet.train_step

    def interrupt_in_epoch_4(self, batch, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3 * 5 + 2:  # 300 rows / batch 64 = 5 batches per epoch
            raise KeyboardInterrupt
        return original(self, batch, **kwargs)

    monkeypatch.setattr(AutoencoderNet, "train_step", interrupt_in_epoch_4)
    with pytest.warns(UserWarning, match="interrupted during epoch 4") as record:
        model = fitted(estimator, tabular, max_iter=10)
    # Raised in a callback inside skorch's loop, reported at the caller's line.
    assert {w.filename for w in record if "interrupted" in str(w.message)} == {__file__}
    assert model.n_iter_ == 3
    np.testing.assert_allclose(model.transform(tabular), reference.transform(tabular), rtol=1e-6)


def test_interrupt_in_first_epoch_propagates_and_keeps_previous_fit(
    estimator, tabular, monkeypatch
):
    model = fitted(estimator, tabular)
    before = model.transform(tabular)

    def interrupt(self, batch, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(AutoencoderNet, "train_step", interrupt)
    with pytest.raises(KeyboardInterrupt):
        model.fit(*fit_args(estimator, tabular[:, :5]))
    assert model.n_features_in_ == 10
    np.testing.assert_array_equal(model.transform(tabular), before)


@pytest.mark.parametrize("how", ["partial_fit", "warm_start"])
def test_failed_continued_training_is_undone(estimator, tabular, monkeypatch, how):
    """A call that fails after some optimizer steps leaves no trace: the weights,
    the optimizer's moments and the history are those from before it, so the
    next call trains exactly as if the failed one had not happened."""

    def prepared():
        model = fitted(estimator, tabular, warm_start=how == "warm_start", max_iter=2)
        return model.partial_fit(*fit_args(estimator, tabular)) if how == "partial_fit" \
            else model

    def go(model):
        if how == "partial_fit":
            return model.partial_fit(*fit_args(estimator, tabular))
        return model.fit(*fit_args(estimator, tabular))

    model, twin = prepared(), prepared()
    original = AutoencoderNet.train_step

    def fail_after_two_steps():
        calls = {"n": 0}

        def step(self, batch, **kwargs):
            calls["n"] += 1
            if calls["n"] == 3:
                raise RuntimeError("boom")
            return original(self, batch, **kwargs)

        monkeypatch.setattr(AutoencoderNet, "train_step", step)
        with pytest.raises(RuntimeError, match="boom"):
            go(model)
        monkeypatch.setattr(AutoencoderNet, "train_step", original)
        assert calls["n"] == 3

    # Twice, with a good call between: a restored state must not share memory
    # with the copies the next checkpoint writes into.
    for _ in range(2):
        fail_after_two_steps()
        np.testing.assert_array_equal(go(model).transform(tabular),
                                      go(twin).transform(tabular))
        assert model.loss_curve_ == twin.loss_curve_ and model.n_iter_ == twin.n_iter_


# ------------------------------------------------ randomness and training
def test_same_random_state_gives_identical_results(estimator, tabular):
    a = fitted(estimator, tabular, random_state=3)
    b = fitted(estimator, tabular, random_state=3)
    c = fitted(estimator, tabular, random_state=4)
    np.testing.assert_array_equal(a.transform(tabular), b.transform(tabular))
    assert a.loss_curve_ == b.loss_curve_
    assert not np.allclose(a.transform(tabular), c.transform(tabular))


def test_torch_global_generator_is_left_alone(estimator, tabular):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    fitted(estimator, tabular, random_state=None)
    np.testing.assert_array_equal(torch.rand(3), expected)


def test_early_stopping_records_validation_scores(estimator, tabular):
    model = fitted(
        estimator, tabular, early_stopping=True, max_iter=200, n_iter_no_change=3, tol=0.5
    )
    assert model.n_iter_ < 200
    assert len(model.validation_scores_) == model.n_iter_
    assert model.best_validation_score_ == max(model.validation_scores_)
    refit = model.set_params(early_stopping=False, max_iter=2).fit(*fit_args(estimator, tabular))
    assert not hasattr(refit, "validation_scores_")


def test_training_stops_when_loss_plateaus(estimator, tabular):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = fitted(estimator, tabular, max_iter=500, tol=1.0, n_iter_no_change=2)
    assert model.n_iter_ < 500


def test_max_iter_reached_warns(estimator, tabular):
    from sklearn.exceptions import ConvergenceWarning

    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        fitted(estimator, tabular, max_iter=2, tol=0.0)



def test_warm_start_continues_training(estimator, tabular):
    model = fitted(estimator, tabular, max_iter=4)
    first = model.loss_curve_[-1]
    model.set_params(warm_start=True, max_iter=6).fit(*fit_args(estimator, tabular))
    assert model.n_iter_ == 10 and len(model.loss_curve_) == 10
    assert model.loss_curve_[-1] < first
    with pytest.raises(ValueError, match="X has 4 features"):
        model.fit(*fit_args(estimator, tabular[:, :4]))


# ------------------------------------------------ ecosystem: pipelines etc.
def test_pipeline_with_scaler(estimator, tabular):
    pipe = make_pipeline(StandardScaler(), clone(estimator).set_params(n_components=2))
    Z = pipe.fit_transform(*fit_args(estimator, tabular * 10 + 3))
    assert Z.shape == (300, 2)
    assert pipe.score_samples(tabular * 10 + 3).shape == (300,)
    X_hat = pipe[-1].inverse_transform(Z)
    assert X_hat.shape == (300, 10)


@pytest.mark.parametrize("with_y", [False, True])
def test_grid_search_uses_score(estimator, tabular, with_y):
    if not with_y and estimator.__sklearn_tags__().target_tags.required:
        pytest.skip("a conditional model needs labels to fit")
    y = (tabular[:, 0] > 0).astype(int) if with_y else None
    search = GridSearchCV(
        clone(estimator).set_params(n_components=2, tol=0.0),
        {"max_iter": [1, 60]},
        cv=3,
        n_jobs=2,
    )
    search.fit(tabular, y)
    # A trained model explains held-out folds better than a barely trained one.
    assert search.best_params_ == {"max_iter": 60}
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


def test_row_methods_ignore_y_unless_the_model_is_conditional(estimator, tabular):
    model = fitted(estimator, tabular)
    if estimator.__sklearn_tags__().target_tags.required:
        labels = fit_args(estimator, tabular)[1]
        # Without labels a conditional model averages over its classes: not the same.
        assert not np.allclose(model.transform(tabular), model.transform(tabular, labels))
        return
    y = np.arange(len(tabular)) % 3
    codes = model.transform(tabular)
    np.testing.assert_array_equal(model.transform(tabular, y), codes)
    np.testing.assert_array_equal(model.inverse_transform(codes, y), model.inverse_transform(codes))
    np.testing.assert_array_equal(model.reconstruction_error(tabular, y, per_feature=True),
                                  model.reconstruction_error(tabular, per_feature=True))
    np.testing.assert_array_equal(model.score_samples(tabular, y), model.score_samples(tabular))
    assert model.score(tabular, y) == model.score(tabular)


def test_clone_copies_parameters_not_fitted_state(estimator, tabular):
    model = fitted(estimator, tabular)
    copy = clone(model)
    assert copy.get_params() == model.get_params()
    assert not hasattr(copy, "module_")


@pytest.mark.parametrize("dump", ["pickle", "joblib"])
def test_pickle_round_trip_gives_identical_output(estimator, tabular, dump, tmp_path):
    model = fitted(estimator, tabular)
    if dump == "pickle":
        loaded = pickle.loads(pickle.dumps(model))
    else:
        joblib.dump(model, tmp_path / "model.joblib")
        loaded = joblib.load(tmp_path / "model.joblib")
    np.testing.assert_array_equal(loaded.transform(tabular), model.transform(tabular))
    np.testing.assert_array_equal(loaded.score_samples(tabular), model.score_samples(tabular))
    np.testing.assert_array_equal(
        loaded.inverse_transform(model.transform(tabular)),
        model.inverse_transform(model.transform(tabular)),
    )


def test_verbose_prints_one_line_per_epoch(estimator, tabular, capsys):
    fitted(estimator, tabular, max_iter=3, verbose=1)
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == ["Epoch 1", "Epoch 2", "Epoch 3"]
    fitted(estimator, tabular, max_iter=3, verbose=0)
    assert capsys.readouterr().out == ""


# ------------------------------------------------------------------ partial_fit
def test_partial_fit_by_chunks_reaches_a_loss_comparable_to_fit(estimator, tabular):
    epochs = 15
    full = fitted(estimator, tabular, max_iter=epochs)
    chunked = clone(estimator).set_params(n_components=2)
    for _ in range(epochs):
        for chunk in np.array_split(tabular, 2):
            chunked.partial_fit(*fit_args(estimator, chunk))
    assert chunked.n_iter_ == 2 * epochs
    assert chunked.loss_curve_[-1] < chunked.loss_curve_[0]
    ratio = chunked.reconstruction_error(tabular).mean() / full.reconstruction_error(tabular).mean()
    assert ratio < 1.5
    assert np.all(np.isfinite(chunked.score_samples(tabular)))


def test_partial_fit_is_reproducible_and_continues_a_fit(estimator, tabular):
    runs = []
    for _ in range(2):
        model = clone(estimator)
        for chunk in np.array_split(tabular, 3):
            model.partial_fit(*fit_args(estimator, chunk))
        runs.append(model.transform(tabular))
    np.testing.assert_array_equal(*runs)
    model = fitted(estimator, tabular, early_stopping=True)
    n_iter = model.n_iter_
    model.partial_fit(*fit_args(estimator, tabular[:50]))
    assert model.n_iter_ == n_iter + 1
    assert not hasattr(model, "validation_scores_")


def test_partial_fit_scoring_statistics_are_those_of_the_last_chunk(estimator, tabular,
                                                                   tmp_path):
    """They are computed when first needed, from a copy of the chunk: the same
    values as computed at once, whatever the caller does to its array after."""
    import skae

    first, last = tabular[:60], tabular[60:].copy()
    model = clone(estimator).partial_fit(*fit_args(estimator, first))
    model.partial_fit(*fit_args(estimator, last))
    eager = model._fit_scoring(last) if model._scoring_attributes else {}
    copied = pickle.loads(pickle.dumps(model))
    last[:] = 0.0  # the caller reuses its buffer
    scores = model.score_samples(tabular)
    for name, value in eager.items():  # none for a VAE (its score is its own bound)
        np.testing.assert_array_equal(getattr(model, name), value)
        np.testing.assert_array_equal(getattr(copied, name), value)
    np.testing.assert_array_equal(copied.score_samples(tabular), scores)
    fresh = clone(estimator).partial_fit(*fit_args(estimator, first))
    skae.save(fresh, tmp_path / "model.safetensors")
    loaded = skae.load(tmp_path / "model.safetensors")
    np.testing.assert_array_equal(loaded.score_samples(tabular), fresh.score_samples(tabular))
    with pytest.raises(AttributeError, match="no attribute 'not_an_attribute_'"):
        model.not_an_attribute_


def test_failed_partial_fit_keeps_the_model(estimator, tabular):
    model = clone(estimator).partial_fit(*fit_args(estimator, tabular))
    before = model.transform(tabular)
    state = dict(vars(model))
    bad = tabular[:20].copy()
    bad[3, 2] = np.nan
    for chunk in (bad, tabular[:, :4]):
        with pytest.raises(ValueError):
            model.partial_fit(*fit_args(estimator, chunk))
        assert model.n_iter_ == 1 and model._trainer_ is state["_trainer_"]
        np.testing.assert_array_equal(model.transform(tabular), before)
