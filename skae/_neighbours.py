"""A k-nearest-neighbour density of codes: the code prior of a detector trained on trusted rows.

A deterministic autoencoder's ``score_samples`` is the log-density of a row's
residual plus that of its whitened code under a standard normal
(:class:`~skae._density.ResidualCodeDensity`). A single Gaussian is a poor
model of codes that form clusters or curved bands: a row between two clusters
gets a code near the Gaussian's centre and a high score. When the training
rows are trusted, the codes of those rows are a sample of the normal code
distribution, and the k-nearest-neighbour estimate

    log p(w) = log k - log n - log V_m - m * log d_k(w)

(``d_k`` the distance from ``w`` to its k-th nearest training code, ``V_m`` the
volume of the unit ball in the code's ``m`` dimensions, ``n`` the number of
training codes) follows their shape. Numpy and scikit-learn only.
"""

import math

import numpy as np
from sklearn.neighbors import NearestNeighbors

__all__ = ["CodeNeighbours", "whitened_codes"]

#: Distances below this (duplicate codes) count as this, so a density stays finite.
_MIN_DISTANCE = 1e-6


def whitened_codes(estimator, X):
    """Codes of ``X`` whitened by the training codes' mean and covariance, and
    their log-density under the standard normal that ``score_samples`` uses."""
    codes = np.asarray(estimator.transform(X), dtype=np.float64)
    cholesky = np.linalg.cholesky(estimator.code_covariance_)
    whitened = np.linalg.solve(cholesky, (codes - estimator.code_mean_).T).T
    gaussian = -0.5 * (np.square(whitened).sum(axis=1)
                       + whitened.shape[1] * math.log(2 * math.pi))
    return whitened, gaussian


class CodeNeighbours:
    """k-nearest-neighbour log-density of whitened codes, from reference codes.

    Parameters
    ----------
    reference : ndarray of shape (n, m)
        The training rows' whitened codes.
    n_neighbors : int
        ``k``; at most ``n - 1`` is used, so that a held-out row has k others.
    """

    def __init__(self, reference, n_neighbors):
        self.reference = np.asarray(reference, dtype=np.float64)
        n, m = self.reference.shape
        self.n_neighbors = max(1, min(int(n_neighbors), n - 1))
        self.log_ball = 0.5 * m * math.log(math.pi) - math.lgamma(0.5 * m + 1)
        self._index = NearestNeighbors(n_neighbors=self.n_neighbors + 1).fit(self.reference)

    def log_density(self, codes, held_out=False):
        """Log-density of each code; ``held_out``: the codes are the reference's
        own rows, each scored by the others (its own distance, 0, is skipped)."""
        k = self.n_neighbors
        n, m = self.reference.shape
        distances, _ = self._index.kneighbors(codes, n_neighbors=k + int(held_out))
        distance = np.maximum(distances[:, -1], _MIN_DISTANCE)
        n_others = n - int(held_out)
        return math.log(k) - math.log(n_others) - self.log_ball - m * np.log(distance)
