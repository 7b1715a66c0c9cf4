"""Shared fixtures: small, seeded data sets that every test file can use."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

from skae import (
    VAE,
    Autoencoder,
    AutoencoderImputer,
    ConditionalVAE,
    ContractiveAutoencoder,
    DenoisingAutoencoder,
    OutlierDetector,
    SparseAutoencoder,
)

#: Every public estimator, with settings small enough for fast tests.
FAST = dict(hidden_layer_sizes=(16,), max_iter=5, batch_size=64, device="cpu", random_state=0)
ESTIMATORS = [
    Autoencoder(n_components=1, **FAST),
    Autoencoder(n_components=1, trim=0.2, **FAST),
    DenoisingAutoencoder(n_components=2, noise="masking", noise_level=0.2, **FAST),
    SparseAutoencoder(n_components=2, sparsity="kl", **FAST),
    SparseAutoencoder(n_components=2, sparsity="topk", n_active=1, **FAST),
    ContractiveAutoencoder(n_components=2, **FAST),
    ContractiveAutoencoder(n_components=2, jacobian="stochastic", **FAST),
    VAE(n_components=2, n_importance_samples=5, **FAST),
    ConditionalVAE(n_components=2, n_importance_samples=5, **FAST),
]
#: The autoencoders above and the estimators built around one: every class skae exports
#: (test_common checks that none is missing).
PUBLIC = [
    *ESTIMATORS,
    OutlierDetector(Autoencoder(n_components=1, **FAST), n_estimators=2, random_state=0),
    AutoencoderImputer(Autoencoder(n_components=1, **FAST), random_state=0),
]


def fit_args(estimator, X):
    """What ``fit`` takes: the rows, and labels for a model that requires them.

    A conditional model gets two classes that alternate with the row index:
    arbitrary labels, which it must handle like any others.
    """
    if isinstance(estimator, ConditionalVAE):
        return X, np.arange(len(X) if hasattr(X, "__len__") else 0) % 2
    return (X,)


def estimator_id(estimator):
    params = estimator.get_params()
    variant = (params.get("sparsity") or params.get("jacobian") or params.get("likelihood")
               or ("trimmed" if params.get("trim") else None))
    return type(estimator).__name__ + (f"-{variant}" if variant else "")


@pytest.fixture(scope="session")
def digits():
    """Digits scaled to [0, 1]: 1797 x 64 float64."""
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


@pytest.fixture(scope="session")
def tabular():
    """Standardised 300 x 10 rows near a curved 2-D manifold, plus noise."""
    rng = np.random.default_rng(0)
    t = rng.uniform(-2, 2, size=(300, 2))
    features = np.column_stack(
        [t[:, 0], t[:, 1], t[:, 0] ** 2, np.sin(t[:, 1]), t[:, 0] * t[:, 1]]
    )
    X = np.hstack([features, features @ rng.normal(size=(5, 5))])
    X += 0.05 * rng.normal(size=X.shape)
    return StandardScaler().fit_transform(X)
