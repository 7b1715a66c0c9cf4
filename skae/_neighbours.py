"""A nearest-neighbour density on the learned manifold: the code term of a detector
trained on trusted rows.

A deterministic autoencoder's ``score_samples`` is the log-density of a row's
residual plus that of its whitened code under a standard normal
(:class:`~skae._density.ResidualCodeDensity`). A single Gaussian is a poor
model of codes that form clusters or curved bands: a row between two clusters
gets a code near the Gaussian's centre and a high score. When the training
rows are trusted, their *denoised points* (the decoder's means ``D(E(x))``,
each column divided by its spread over the training rows) are a sample of
the normal rows' manifold, and the k-nearest-neighbour estimate

    log p = log k - log n - log V_m - m * log d_k

(``d_k`` the distance from a row's denoised point to the k-th nearest
training point, ``V_m`` the volume of the unit ball in ``m`` dimensions,
``n`` the number of training points) follows its shape. ``m`` is the
manifold's dimension, estimated from the training points (Levina and
Bickel's maximum-likelihood estimate, averaged as MacKay and Ghahramani
propose), between 1 and the code width: the points fill fewer dimensions
than the code has, and the code width as exponent would let the noisy
distance term outweigh the residual. Distances are measured between
denoised points, in the units of the input's columns, not between codes,
whose scale and orientation the network chooses freely. Numpy, torch and
scikit-learn only.
"""

import math
import warnings

import numpy as np
import torch
from sklearn.neighbors import NearestNeighbors
from sklearn.utils import _safe_indexing

__all__ = ["NEIGHBOUR_WEIGHT", "ManifoldDensity", "ManifoldNeighbours", "manifold_dimension"]

#: Distances below this (duplicate points) count as this, so a density stays finite.
_MIN_DISTANCE = 1e-6
#: Neighbours behind the estimate of the manifold's dimension.
_DIMENSION_NEIGHBORS = 10
#: Training points whose neighbourhoods estimate the dimension (evenly spaced).
_DIMENSION_QUERIES = 1_000
#: How many times the neighbour term counts against the residual's. The residual
#: log-density of a normal row varies by about sqrt(d / 2) nats over d columns
#: (its chi-square spread), which swamps the neighbour term of a row that is
#: extreme along the manifold but ordinary off it. Chosen on the development
#: tasks (benchmarks/dev_novelty.py): 1, 1.5, 2, 2.5, 3 and 4 gave mean ROC-AUC
#: 0.939, 0.943, 0.945, 0.946, 0.947 and 0.946 over 16 tasks and six seeds.
NEIGHBOUR_WEIGHT = 3.0


def residual_scores(member, X):
    """Each row's log-density without the code term, its code and its encoded values.

    The residual part of ``member.score_samples(X)`` (a table's unseen
    categories included), computed in the same forward pass as the codes.
    """
    values, unseen = member._scored_rows(X)
    density = member._codec_.density(member)

    def both(xb):
        out = member.module_(xb)
        residual = density(out.reconstruction, xb, out.code) - density.code_term(out.code)
        return torch.cat([residual[:, None], out.code.double()], dim=1)

    result = member._map_batches(both, values, 1 + member.n_components_, np.float64)
    return result[:, 0] + unseen, result[:, 1:], values


def denoised_points(member, codes, scale):
    """The decoder's means of ``codes`` in the encoded space, divided by ``scale``."""
    codes = np.ascontiguousarray(codes, dtype=np.float32)
    means = member._map_batches(
        lambda zb: member._decoded_means(member.module_.decode(zb)),
        codes, member._n_inputs(), np.float64)
    return means / scale


def point_scale(values):
    """Each encoded column's standard deviation over the training rows (1 where it
    is 0 or undefined), so that no column's units decide the distances."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a column with no observed value
        spread = np.nanstd(values, axis=0)
    return np.where(np.isfinite(spread) & (spread > 0), spread, 1.0)


def manifold_dimension(points, limit):
    """Levina and Bickel's estimate of the dimension the points fill, within [1, limit].

    The inverse of the mean, over up to ``_DIMENSION_QUERIES`` evenly spaced
    points, of ``mean_j log(T_k / T_j)`` (``T_j`` a point's distance to its
    j-th nearest other point, ``j < k = 10``).
    """
    n = len(points)
    k = min(_DIMENSION_NEIGHBORS, n - 1)
    if k < 2:
        return 1.0
    queries = points[np.unique(np.linspace(0, n - 1, min(n, _DIMENSION_QUERIES)).astype(int))]
    distances, _ = NearestNeighbors(n_neighbors=k + 1).fit(points).kneighbors(queries)
    distances = np.maximum(distances[:, 1:], _MIN_DISTANCE)  # each query's own point dropped
    inverse = float(np.mean(np.log(distances[:, -1:] / distances[:, :-1])))
    return float(min(max(1.0 / inverse, 1.0), max(limit, 1.0))) if inverse > 0 else 1.0


class ManifoldNeighbours:
    """k-nearest-neighbour log-density of denoised points on an ``m``-dimensional manifold.

    Parameters
    ----------
    reference : ndarray of shape (n, d)
        The training rows' denoised points.
    n_neighbors : int
        ``k``; at most ``n - 1`` is used, so that a held-out row has k others.
    dimension : float
        ``m``, the manifold's dimension (see :func:`manifold_dimension`).
    """

    def __init__(self, reference, n_neighbors, dimension):
        self.reference = np.asarray(reference, dtype=np.float64)
        n = len(self.reference)
        self.n_neighbors = max(1, min(int(n_neighbors), n - 1))
        self.dimension = float(dimension)
        m = self.dimension
        self.log_ball = 0.5 * m * math.log(math.pi) - math.lgamma(0.5 * m + 1)
        self._index = NearestNeighbors(n_neighbors=self.n_neighbors + 1).fit(self.reference)

    def log_density(self, points, held_out=False):
        """Log-density of each point; ``held_out``: the points are the reference's
        own rows, each scored by the others (its own distance, 0, is skipped)."""
        k = self.n_neighbors
        distances, _ = self._index.kneighbors(points, n_neighbors=k + int(held_out))
        distance = np.maximum(distances[:, -1], _MIN_DISTANCE)
        n_others = len(self.reference) - int(held_out)
        return (math.log(k) - math.log(n_others) - self.log_ball
                - self.dimension * np.log(distance))


class ManifoldDensity:
    """The code term of a ``novelty=True`` detector, for each of its members.

    Built from the fitted state the detector stores (each member's codes of
    its training rows, the columns' spreads, the manifold's dimension and the
    weight of the neighbour term), so that a fitted, pickled or loaded
    detector scores alike.
    """

    def __init__(self, members, codes, scales, dimensions, n_neighbors, weight):
        self.members, self.scales, self.weight = members, scales, weight
        self.neighbours = [
            ManifoldNeighbours(denoised_points(member, member_codes, scale), n_neighbors, m)
            for member, member_codes, scale, m in zip(members, codes, scales, dimensions)]

    @staticmethod
    def fit(members, X, rows):
        """``(reference_codes, point_scale, manifold_dimension)``: one array each,
        stacked over the members, from each member's training rows ``X[rows[i]]``."""
        codes, scales, dimensions = [], [], []
        for member, own in zip(members, rows):
            _, member_codes, values = residual_scores(member, _safe_indexing(X, own))
            scale = point_scale(values)
            codes.append(member_codes)
            scales.append(scale)
            dimensions.append(manifold_dimension(denoised_points(member, member_codes, scale),
                                                 member.n_components_))
        return np.stack(codes), np.stack(scales), np.array(dimensions)

    def score_samples(self, i, X, held_out=False):
        """Member ``i``'s score of ``X``: its residual's log-density, plus
        ``weight`` times the neighbour log-density of the rows' denoised points
        (``held_out``: see ``log_density``)."""
        member = self.members[i]
        residual, codes, _ = residual_scores(member, X)
        points = denoised_points(member, codes, self.scales[i])
        return residual + self.weight * self.neighbours[i].log_density(points,
                                                                       held_out=held_out)

