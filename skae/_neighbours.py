"""The score of a detector trained on trusted rows: the distance from a row to the
nearest denoised training point.

When the training rows are trusted, their *denoised points* (the decoder's
means ``D(E(x))``, each column divided by its spread over the training rows)
are a sample of the normal rows' manifold, cleaned of the noise that the
autoencoder does not reproduce. A new row is scored by its distance ``d`` to
the nearest of them, in the same units:

    score = -log d

(plus, for a table, the log-probability of categories never seen in
training). A row off the manifold is far from every point by its residual; a
row on the manifold but between or beyond the training rows is far along it;
both count in the units of the columns, with no weight to choose between the
two. ``-m log d`` is, up to a constant, the nearest-neighbour log-density of
points on an ``m``-dimensional manifold, so the score ranks rows as that
density does; it is not itself a log-likelihood. The search runs against the
denoised points, not the raw training rows: those are the learned part.
Numpy, torch and scikit-learn only.

Detectors saved by skae 0.1.0 before this score scored a row by its residual
log-density plus a nearest-neighbour density of its own denoised point
(:class:`ManifoldDensity`, kept so that they load and score as they did).
"""

import math
import warnings

import numpy as np
import torch
from sklearn.neighbors import NearestNeighbors
from sklearn.utils import _safe_indexing

from ._training import as_float32_tensor

__all__ = ["ManifoldDensity", "ManifoldNeighbours", "NearestDenoisedPoint",
           "manifold_dimension"]

#: Distances below this (duplicate points) count as this, so a density stays finite.
_MIN_DISTANCE = 1e-6
#: Neighbours behind the estimate of the manifold's dimension.
_DIMENSION_NEIGHBORS = 10
#: Training points whose neighbourhoods estimate the dimension (evenly spaced).
_DIMENSION_QUERIES = 1_000


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


class NearestDenoisedPoint:
    """The score of a ``novelty=True`` detector, for each of its members.

    Built from the fitted state the detector stores (each member's codes of
    its training rows, and each encoded column's spread over them), so that a
    fitted, pickled or loaded detector scores alike.
    """

    def __init__(self, members, codes, scales):
        self.members, self.scales = members, scales
        self.references = [denoised_points(member, member_codes, scale)
                           for member, member_codes, scale in zip(members, codes, scales)]
        # Two neighbours: a training row scored for the threshold skips its own point.
        self._indexes = [NearestNeighbors(n_neighbors=min(2, len(points))).fit(points)
                         for points in self.references]

    @staticmethod
    def fit(members, X, rows):
        """``(codes, scales)``: one array each, stacked over the members, from each
        member's training rows ``X[rows[i]]``."""
        codes, scales = [], []
        for member, own in zip(members, rows):
            values, _ = member._scored_rows(_safe_indexing(X, own))
            codes.append(member._map_batches(member.module_.encode, values,
                                             member.n_components_, np.float64))
            scales.append(point_scale(values))
        return np.stack(codes), np.stack(scales)

    def score_samples(self, i, X, rows=None):
        """Member ``i``'s score of ``X``: minus the log of each row's distance to the
        nearest training denoised point, plus the log-probability of unseen
        categories. ``rows``: the positions of ``X``'s rows among the member's
        training rows, whose own points are then skipped (held-out scores)."""
        member = self.members[i]
        values, unseen = member._scored_rows(X)
        missing = np.isnan(values)
        if missing.any():
            # A table's holes lie where the row's own denoised point puts them
            # (the forward pass refuses an array's NaN, as every score does).
            values = np.where(missing, member._means(values), values)
        else:  # no network needed: only the check every score makes
            member._codec_.checked(as_float32_tensor(values, "cpu"), values)
        distances, nearest = self._indexes[i].kneighbors(values / self.scales[i])
        distance = distances[:, 0]
        if rows is not None:
            distance = np.where(nearest[:, 0] == rows, distances[:, -1], distance)
        return unseen - np.log(np.maximum(distance, _MIN_DISTANCE))


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
        ``k``; at most ``n - 1`` is used (as when the detector was fitted).
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
        self._index = NearestNeighbors(n_neighbors=self.n_neighbors).fit(self.reference)

    def log_density(self, points):
        """Log-density of each point."""
        k = self.n_neighbors
        distance = np.maximum(self._index.kneighbors(points)[0][:, -1], _MIN_DISTANCE)
        return (math.log(k) - math.log(len(self.reference)) - self.log_ball
                - self.dimension * np.log(distance))


class ManifoldDensity:
    """The score of a ``novelty=True`` detector saved by skae 0.1.0 before
    :class:`NearestDenoisedPoint`: its residual log-density plus ``weight``
    times the neighbour log-density of its own denoised point.

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

    def score_samples(self, i, X):
        """Member ``i``'s score of ``X``: its residual's log-density, plus
        ``weight`` times the neighbour log-density of the rows' denoised points."""
        member = self.members[i]
        residual, codes, _ = residual_scores(member, X)
        points = denoised_points(member, codes, self.scales[i])
        return residual + self.weight * self.neighbours[i].log_density(points)

