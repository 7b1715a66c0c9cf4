"""Autoencoder: what it adds over PCA, and its own warnings."""

import numpy as np
import pytest
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


def test_warnings_point_at_the_users_line(tabular):
    # Not at skae's internals, however deep the call: directly, through a
    # Pipeline, or from a callback inside skorch's training loop.
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.pipeline import make_pipeline


    for fit in (lambda m: m.fit(tabular), lambda m: make_pipeline(m).fit(tabular)):
        with pytest.warns(ConvergenceWarning) as record:
            fit(Autoencoder(max_iter=2, tol=0.0, random_state=0))
        assert [w.filename for w in record if w.category is ConvergenceWarning] == [__file__]
