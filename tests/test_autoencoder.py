"""Autoencoder: what it adds over PCA, and its own warnings."""

import numpy as np
import pytest
import torch
from sklearn.datasets import load_breast_cancer
from sklearn.decomposition import PCA
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skae import Autoencoder


def curved_data(n, seed=0):
    """Standardised 10-D rows on a curved 2-D manifold."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(-2, 2, size=(n, 2))
    f = np.column_stack([t[:, 0], t[:, 1], t[:, 0] ** 2, np.sin(t[:, 1]), t[:, 0] * t[:, 1]])
    X = np.hstack([f, f @ np.random.default_rng(99).normal(size=(5, 5))])
    return StandardScaler().fit_transform(X + 0.05 * rng.normal(size=X.shape))


def test_reconstructs_a_curved_manifold_better_than_pca():
    X = curved_data(1000)
    X_train, X_test = X[:700], X[700:]
    pca = PCA(n_components=2).fit(X_train)
    pca_error = np.sum((X_test - pca.inverse_transform(pca.transform(X_test))) ** 2, axis=1)
    ae = Autoencoder(n_components=2, hidden_layer_sizes=(32,), max_iter=150, random_state=0)
    ae_error = ae.fit(X_train).reconstruction_error(X_test)
    assert ae_error.mean() < 0.5 * pca_error.mean()


def test_scores_the_rare_class_of_breast_cancer_as_abnormal():
    X, y = load_breast_cancer(return_X_y=True)
    benign, malignant = X[y == 1], X[y == 0]
    train, test_benign = train_test_split(benign, test_size=0.4, random_state=0)
    rare = malignant[np.random.default_rng(0).choice(len(malignant), 30, replace=False)]
    X_test = np.vstack([test_benign, rare])
    is_outlier = np.r_[np.zeros(len(test_benign)), np.ones(len(rare))]
    model = make_pipeline(
        StandardScaler(), Autoencoder(n_components=4, max_iter=100, random_state=0)
    ).fit(train)
    assert roc_auc_score(is_outlier, -model.score_samples(X_test)) > 0.9


def test_code_as_wide_as_the_input_warns():
    X = curved_data(50)
    with pytest.warns(UserWarning, match="identity"):
        Autoencoder(n_components=10, max_iter=1).fit(X)


@pytest.mark.parametrize(
    "name, cls",
    [("adam", "Adam"), ("adamw", "AdamW"), ("sgd", "SGD"), ("rmsprop", "RMSprop")],
)
def test_named_optimizers_take_fast_steps_with_the_same_result(name, cls):
    import torch

    X = curved_data(300)
    params = dict(n_components=2, hidden_layer_sizes=(16,), max_iter=5, random_state=0)
    named = Autoencoder(optimizer=name, **params).fit(X)
    from skae._training import _fused_devices

    fused = name.startswith("adam") and "cpu" in _fused_devices()  # CPU: torch 2.4 on
    assert named._trainer_.step_kind == ("fused" if fused else "foreach")
    # A class is passed through untouched: torch's own per-parameter loop on CPU.
    looped = Autoencoder(optimizer=getattr(torch.optim, cls), **params).fit(X)
    assert looped._trainer_.step_kind == "loop"
    np.testing.assert_allclose(named.transform(X), looped.transform(X), rtol=1e-5, atol=1e-6)


class RecordingAdam(torch.optim.Adam):
    """Adam that records the learning rate and beta1 of every step (module
    level: a fitted estimator's optimizer class must pickle)."""

    seen = []

    def step(self, closure=None):
        group = self.param_groups[0]
        RecordingAdam.seen.append((group["lr"], group["betas"][0]))
        return super().step(closure)


def test_one_cycle_schedule_rises_then_anneals_over_the_fit():
    import warnings

    X = curved_data(50)
    optimizer = RecordingAdam
    optimizer.seen.clear()
    model = Autoencoder(n_components=2, hidden_layer_sizes=(8,), batch_size=10, max_iter=6,
                        learning_rate="onecycle", learning_rate_init=0.01,
                        optimizer=optimizer, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the schedule's end is no ConvergenceWarning
        model.fit(X)
    rates = np.array([lr for lr, _ in optimizer.seen])
    betas = np.array([b for _, b in optimizer.seen])
    assert len(rates) == 5 * 6  # every step of every epoch, none past the end
    np.testing.assert_allclose(rates[0], 0.01 / 25)
    peak = int(np.argmax(rates))
    assert 0.2 * len(rates) <= peak <= 0.4 * len(rates) and rates.max() > 0.0095
    assert np.all(np.diff(rates[: peak + 1]) > 0) and np.all(np.diff(rates[peak:]) < 0)
    assert rates[-1] < 0.01 / 100
    assert betas[0] > 0.94 and betas[peak] < 0.86  # beta1 moves the other way
    # Incremental epochs afterwards run at the constant rate and betas.
    optimizer.seen.clear()
    model.partial_fit(X)
    assert optimizer.seen == [(0.01, 0.9)] * 5
    # A constant rate stays at learning_rate_init.
    optimizer.seen.clear()
    model.set_params(learning_rate="constant", max_iter=2).fit(X)
    assert optimizer.seen == [(0.01, 0.9)] * 10


def test_one_cycle_counts_the_steps_after_the_hold_out_and_on_warm_start():
    X = curved_data(50)
    optimizer = RecordingAdam
    optimizer.seen.clear()
    params = dict(n_components=2, hidden_layer_sizes=(8,), batch_size=10, max_iter=4,
                  learning_rate="onecycle", optimizer=optimizer, random_state=0)
    # 20% held out: 40 training rows, 4 batches an epoch, the schedule ends on time.
    model = Autoencoder(early_stopping=True, validation_fraction=0.2, n_iter_no_change=50,
                        **params).fit(X)
    assert len(optimizer.seen) == 4 * 4 and optimizer.seen[-1][0] < 1e-5
    # warm_start: each fit runs its own schedule over its max_iter epochs.
    optimizer.seen.clear()
    model = Autoencoder(warm_start=True, **params).fit(X)
    model.set_params(max_iter=2).fit(X)
    rates = [lr for lr, _ in optimizer.seen]
    assert len(rates) == 5 * 4 + 5 * 2 and rates[20] < rates[22] and rates[-1] < 1e-5


def test_warnings_point_at_the_users_line(tabular):
    # Not at skae's internals, however deep the call: directly, through a
    # Pipeline, or from a callback inside skorch's training loop.
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.pipeline import make_pipeline


    for fit in (lambda m: m.fit(tabular), lambda m: make_pipeline(m).fit(tabular)):
        with pytest.warns(ConvergenceWarning) as record:
            fit(Autoencoder(max_iter=2, tol=0.0, random_state=0))
        assert [w.filename for w in record if w.category is ConvergenceWarning] == [__file__]
