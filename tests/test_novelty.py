"""OutlierDetector(novelty=True): trusted training rows, a nearest-neighbour density of\ndenoised points."""

import pickle

import numpy as np
import pandas as pd
import pytest
from scipy.special import gammaln
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import skae
from skae import VAE, Autoencoder, OutlierDetector
from skae._neighbours import manifold_dimension
from skae._outlier import manifold_density

from .conftest import FAST

EXPECTED_FAILED_CHECKS = {
    "check_methods_subset_invariance": (
        "float32 network: a row scored alone or in a batch agrees to ~1e-5 relative "
        "(BLAS kernels differ with the row count), not to the check's 1e-7"
    ),
}


@parametrize_with_checks(
    [OutlierDetector(Autoencoder(n_components=1, **FAST), novelty=True)],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def knn_scores(X_train, X_test, k=5):
    """The 5-line baseline: distance to the k-th nearest training row."""
    return NearestNeighbors(n_neighbors=k).fit(X_train).kneighbors(X_test)[0][:, -1]


def digits_without_zeros(seed=0):
    """Trusted rows: half of the digits 1-9; test: the other half and 40 zeros."""
    X, y = load_digits(return_X_y=True)
    rng = np.random.default_rng(seed)
    normal = rng.permutation(np.flatnonzero(y != 0))
    zeros = rng.choice(np.flatnonzero(y == 0), 40, replace=False)
    train, test = normal[: len(normal) // 2], np.r_[normal[len(normal) // 2:], zeros]
    scaler = StandardScaler().fit(X[train])
    return scaler.transform(X[train]), scaler.transform(X[test]), np.isin(test, zeros)


def test_on_trusted_rows_it_beats_the_knn_that_beats_the_default():
    X_train, X_test, y_test = digits_without_zeros()
    knn = roc_auc_score(y_test, knn_scores(X_train, X_test))
    default = roc_auc_score(
        y_test, -OutlierDetector(random_state=0).fit(X_train).score_samples(X_test))
    novelty = roc_auc_score(
        y_test, -OutlierDetector(novelty=True, random_state=0).fit(X_train)
        .score_samples(X_test))
    assert knn > default + 0.05  # the case: kNN wins against the default
    assert novelty >= knn


def test_a_row_between_two_clusters_ranks_first_beside_a_near_constant_column():
    # Two clusters; the fifth column is 0 but for 5% of the rows. A Gaussian
    # code prior puts the gap between the clusters at its centre (high
    # density); the neighbours of the training codes do not.
    rng = np.random.default_rng(0)
    side = rng.integers(0, 2, 800)
    normal = rng.normal(scale=0.5, size=(800, 4)) + np.where(side[:, None] == 1, 2.0, -2.0)
    X = np.c_[normal, (rng.random(800) < 0.05).astype(float)]
    X_train, X_test = X[:600], X[600:]
    odd = np.r_[rng.normal(scale=0.3, size=4), 0.0]
    scaler = StandardScaler().fit(X_train)
    detector = OutlierDetector(novelty=True, random_state=0).fit(scaler.transform(X_train))
    scores = detector.score_samples(scaler.transform(np.vstack([X_test, odd])))
    assert np.argmin(scores) == len(X_test)


def test_a_random_row_ranks_first_in_a_sparse_binary_table():
    # 300 binary columns, rows drawn from five sparse prototypes; the planted
    # row has as many ones, at random places.
    rng = np.random.default_rng(0)
    prototypes = rng.random((5, 300)) < 0.05
    which = rng.integers(0, 5, 700)
    X = ((prototypes[which] & (rng.random((700, 300)) < 0.8))
         | (rng.random((700, 300)) < 0.005)).astype(float)
    odd = (rng.random(300) < 0.045).astype(float)
    detector = OutlierDetector(novelty=True, random_state=0).fit(X[:500])
    scores = detector.score_samples(np.vstack([X[500:], odd]))
    assert np.argmin(scores) == 200


def test_the_threshold_is_a_false_alarm_rate_on_new_normal_rows():
    X_train, X_test, y_test = digits_without_zeros()
    detector = OutlierDetector(novelty=True, contamination=0.05, random_state=0).fit(X_train)
    # Held-out scores of the training rows set the threshold: about 5% of new
    # normal rows are flagged (not ~0%, as scoring rows against themselves would).
    false_alarms = np.mean(detector.predict(X_test[~y_test]) == -1)
    assert 0.02 < false_alarms < 0.10
    assert np.mean(detector.predict(X_test[y_test]) == -1) > 0.5


def test_it_is_reproducible_and_survives_pickle_and_save(tmp_path):
    X_train, X_test, _ = digits_without_zeros()
    X_train, X_test = X_train[:300], X_test[:100]
    make = dict(estimator=Autoencoder(n_components=4, **FAST), novelty=True, random_state=3)
    first = OutlierDetector(**make).fit(X_train)
    again = OutlierDetector(**make).fit(X_train)
    np.testing.assert_array_equal(first.score_samples(X_test), again.score_samples(X_test))
    assert first.reference_codes_.shape == (1, 300, 4)
    copy = pickle.loads(pickle.dumps(first))
    np.testing.assert_array_equal(copy.score_samples(X_test), first.score_samples(X_test))
    skae.save(first, tmp_path / "detector.skae")
    loaded = skae.load(tmp_path / "detector.skae")
    np.testing.assert_allclose(loaded.score_samples(X_test), first.score_samples(X_test),
                               rtol=1e-6)
    assert loaded.offset_ == first.offset_


def test_the_score_is_the_residual_density_plus_a_neighbour_density_of_denoised_points():
    X_train, X_test, _ = digits_without_zeros()
    detector = OutlierDetector(Autoencoder(n_components=3, **FAST), novelty=True,
                               random_state=0).fit(X_train[:200])
    member = detector.estimators_[0]
    codes = member.transform(X_test[:20]).astype(np.float64)
    L = np.linalg.cholesky(member.code_covariance_)
    w = np.linalg.solve(L, (codes - member.code_mean_).T).T
    # Denoised points: reconstructions, each column divided by its training spread.
    spread = X_train[:200].std(axis=0)
    spread[spread == 0] = 1.0
    np.testing.assert_allclose(detector.point_scale_[0], spread, rtol=1e-6)
    points = member.inverse_transform(codes) / spread
    reference = member.inverse_transform(detector.reference_codes_[0]) / spread
    d5 = np.sort(np.linalg.norm(points[:, None] - reference[None], axis=2), axis=1)[:, 4]
    m = detector.manifold_dimension_[0]
    assert 1.0 <= m <= 3.0
    # log k - log n - log(volume of the unit m-ball) - m log d5
    log_ball = m / 2 * np.log(np.pi) - gammaln(m / 2 + 1)
    neighbour = np.log(5) - np.log(200) - log_ball - m * np.log(d5)
    gaussian = -0.5 * ((w ** 2).sum(1) + 3 * np.log(2 * np.pi))
    assert detector.neighbour_weight_ == 3.0
    expected = member.score_samples(X_test[:20]) - gaussian + 3.0 * neighbour
    np.testing.assert_allclose(detector.score_samples(X_test[:20]), expected, rtol=1e-5)


def manifold_points(member, X, scale):
    from skae._neighbours import denoised_points

    return denoised_points(member, member.transform(X).astype(np.float64), scale)


@pytest.mark.parametrize("dimension", [1, 2, 3])
def test_the_manifold_dimension_is_that_of_the_points(dimension):
    # Points filling a `dimension`-cube, rotated into 12 columns.
    rng = np.random.default_rng(dimension)
    rotation = np.linalg.qr(rng.normal(size=(12, 12)))[0][:dimension]
    points = rng.random((2000, dimension)) @ rotation
    assert abs(manifold_dimension(points, limit=8) - dimension) < 0.4
    assert manifold_dimension(points, limit=0.5 * dimension) == max(1.0, 0.5 * dimension)


def saved_without(attribute):
    """A fitted novelty detector, and a copy as saved before ``attribute`` existed."""
    X_train, X_test, _ = digits_without_zeros()
    detector = OutlierDetector(Autoencoder(n_components=2, **FAST), novelty=True,
                               random_state=0).fit(X_train[:100])
    old = pickle.loads(pickle.dumps(detector))
    delattr(old, attribute)
    old._neighbours = None
    return detector, old, X_test


def test_a_score_saved_before_the_manifold_density_asks_for_a_refit():
    _, old, X_test = saved_without("manifold_dimension_")
    with pytest.raises(ValueError, match="saved by an earlier skae.*Fit it again"):
        old.score_samples(X_test[:3])


def test_a_detector_saved_before_the_neighbour_weight_keeps_its_own_scores():
    # Files written before neighbour_weight_ existed scored with weight 1, and
    # their offset_ was set by those scores: they load and score as before.
    detector, old, X_test = saved_without("neighbour_weight_")
    manifold = manifold_density(detector)
    neighbour = manifold.neighbours[0].log_density(
        manifold_points(detector.estimators_[0], X_test[:5], detector.point_scale_[0]))
    unweighted = manifold.score_samples(0, X_test[:5]) - 2.0 * neighbour
    np.testing.assert_allclose(old.score_samples(X_test[:5]), unweighted, rtol=1e-6)


def test_the_default_member_for_trusted_rows_is_one_wider_autoencoder_on_all_rows():
    X_train, _, _ = digits_without_zeros()
    detector = OutlierDetector(novelty=True, random_state=0).fit(X_train[:640])
    (member,) = detector.estimators_
    params = member.get_params()
    assert params["hidden_layer_sizes"] == (256, 128) and params["n_components"] == 16
    assert params["trim"] == 0.0 and params["residual_likelihood"] == "cauchy"
    # 80% of the rows train the network; the codes of all of them are kept.
    assert params["max_iter"] == 40 and detector.reference_codes_.shape[:2] == (1, 640)


def test_a_raw_table_with_text_and_holes_works():
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"size": rng.normal(10, 2, 300), "weight": rng.normal(5, 1, 300),
                          "colour": rng.choice(["red", "blue"], 300)})
    table.loc[::17, "weight"] = np.nan
    odd = pd.DataFrame({"size": [30.0], "weight": [5.0], "colour": ["red"]})
    detector = OutlierDetector(Autoencoder(n_components=2, **FAST), novelty=True,
                               random_state=0).fit(table)
    scores = detector.score_samples(pd.concat([table.iloc[:50], odd]))
    assert np.isfinite(scores).all() and np.argmin(scores) == 50


@pytest.mark.parametrize("estimator", [VAE(**FAST), PCA(n_components=2)],
                         ids=["VAE", "PCA"])
def test_only_deterministic_autoencoders_have_a_code_density_to_swap(estimator):
    X = np.random.default_rng(0).normal(size=(100, 4))
    with pytest.raises(ValueError, match="novelty=True replaces the Gaussian code prior"):
        OutlierDetector(estimator, novelty=True).fit(X)
