"""OutlierDetector(novelty=True): trusted training rows, scored by the distance to the\nnearest denoised training point."""

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
from sklearn.utils import check_random_state
from sklearn.utils.estimator_checks import parametrize_with_checks

import skae
from skae import VAE, Autoencoder, OutlierDetector
from skae._neighbours import manifold_dimension
from skae._outlier import _TRUSTED, _draw_members

from .conftest import FAST

@parametrize_with_checks(
    # No expected failure: a row's score is a distance in float64, the same
    # whether it is scored alone or in a batch.
    [OutlierDetector(Autoencoder(n_components=1, **FAST), novelty=True)],
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
    assert first.denoised_codes_.shape == (1, 300, 4)
    copy = pickle.loads(pickle.dumps(first))
    np.testing.assert_array_equal(copy.score_samples(X_test), first.score_samples(X_test))
    skae.save(first, tmp_path / "detector.skae")
    loaded = skae.load(tmp_path / "detector.skae")
    np.testing.assert_allclose(loaded.score_samples(X_test), first.score_samples(X_test),
                               rtol=1e-6)
    assert loaded.offset_ == first.offset_


def test_the_score_is_minus_the_log_distance_to_the_nearest_denoised_point():
    X_train, X_test, _ = digits_without_zeros()
    detector = OutlierDetector(Autoencoder(n_components=3, **FAST), novelty=True,
                               random_state=0).fit(X_train[:200])
    member = detector.estimators_[0]
    # Denoised points: the training rows' reconstructions, each column divided
    # by its spread over the training rows, as is the row measured against them.
    spread = X_train[:200].std(axis=0)
    spread[spread == 0] = 1.0
    np.testing.assert_allclose(detector.point_scale_[0], spread, rtol=1e-6)
    np.testing.assert_allclose(detector.denoised_codes_[0], member.transform(X_train[:200]),
                               rtol=1e-5, atol=1e-6)
    points = member.inverse_transform(detector.denoised_codes_[0]) / spread
    nearest = np.linalg.norm(X_test[:20, None] / spread - points[None], axis=2).min(axis=1)
    np.testing.assert_allclose(detector.score_samples(X_test[:20]), -np.log(nearest),
                               rtol=1e-5)


def test_the_threshold_comes_from_held_out_rows_each_measured_without_its_own_point():
    X_train, _, _ = digits_without_zeros()
    X_train = X_train[:200]
    detector = OutlierDetector(Autoencoder(n_components=3, **FAST), novelty=True,
                               contamination=0.1, random_state=0).fit(X_train)
    member = detector.estimators_[0]
    points = member.inverse_transform(detector.denoised_codes_[0]) / detector.point_scale_[0]
    distances = np.linalg.norm(X_train[:, None] / detector.point_scale_[0] - points[None],
                               axis=2)
    np.fill_diagonal(distances, np.inf)  # each row's own point is skipped
    held_out = -np.log(distances.min(axis=1))
    # The rows held out of the network's training (20%, drawn as fit draws
    # them) set offset_: the 10% quantile of their scores.
    rng = check_random_state(0)
    _, subsets = _draw_members(detector, _TRUSTED, X_train, rng)
    _, (calibration,) = _TRUSTED.hold_out(subsets, len(X_train), rng)
    assert len(calibration) == 40
    np.testing.assert_allclose(detector.offset_, np.percentile(held_out[calibration], 10.0),
                               rtol=1e-6)


@pytest.mark.parametrize("dimension", [1, 2, 3])
def test_the_manifold_dimension_is_that_of_the_points(dimension):
    # Points filling a `dimension`-cube, rotated into 12 columns (the score of
    # detectors saved by skae 0.1.0 uses this estimate).
    rng = np.random.default_rng(dimension)
    rotation = np.linalg.qr(rng.normal(size=(12, 12)))[0][:dimension]
    points = rng.random((2000, dimension)) @ rotation
    assert abs(manifold_dimension(points, limit=8) - dimension) < 0.4
    assert manifold_dimension(points, limit=0.5 * dimension) == max(1.0, 0.5 * dimension)


def saved_by_0_1_0():
    """A fitted novelty detector, as skae 0.1.0 saved it: its training codes in
    ``reference_codes_`` (and, since a later 0.1.0, ``manifold_dimension_``)."""
    X_train, X_test, _ = digits_without_zeros()
    detector = OutlierDetector(Autoencoder(n_components=3, **FAST), novelty=True,
                               random_state=0).fit(X_train[:200])
    old = pickle.loads(pickle.dumps(detector))
    old.reference_codes_ = vars(old).pop("denoised_codes_")
    old._neighbours = None
    return old, X_test[:20]


def test_a_detector_saved_by_0_1_0_keeps_its_own_scores():
    # Its score: the residual log-density plus `neighbour_weight_` times the
    # 5-NN log-density of the row's denoised point on an m-dimensional
    # manifold; its offset_ was set by that score.
    old, X_test = saved_by_0_1_0()
    old.manifold_dimension_, old.neighbour_weight_ = np.array([2.0]), 3.0
    member, spread = old.estimators_[0], old.point_scale_[0]
    codes = member.transform(X_test).astype(np.float64)
    w = np.linalg.solve(np.linalg.cholesky(member.code_covariance_),
                        (codes - member.code_mean_).T).T
    gaussian = -0.5 * ((w ** 2).sum(1) + 3 * np.log(2 * np.pi))
    points = member.inverse_transform(codes) / spread
    reference = member.inverse_transform(old.reference_codes_[0]) / spread
    d5 = np.sort(np.linalg.norm(points[:, None] - reference[None], axis=2), axis=1)[:, 4]
    log_ball = np.log(np.pi) - gammaln(2.0)  # the unit disc, m = 2
    neighbour = np.log(5) - np.log(200) - log_ball - 2.0 * np.log(d5)
    residual = member.score_samples(X_test) - gaussian
    np.testing.assert_allclose(old.score_samples(X_test), residual + 3.0 * neighbour,
                               rtol=1e-5)
    # Saved before the weight was stored: weight 1.
    del old.neighbour_weight_
    old._neighbours = None
    np.testing.assert_allclose(old.score_samples(X_test), residual + neighbour, rtol=1e-5)


def test_a_detector_saved_with_whitened_codes_asks_for_a_refit():
    old, X_test = saved_by_0_1_0()
    with pytest.raises(ValueError, match="saved by an earlier skae.*Fit it again"):
        old.score_samples(X_test[:3])


def test_the_default_member_for_trusted_rows_is_one_wider_autoencoder_on_all_rows():
    X_train, _, _ = digits_without_zeros()
    detector = OutlierDetector(novelty=True, random_state=0).fit(X_train[:640])
    (member,) = detector.estimators_
    params = member.get_params()
    assert params["hidden_layer_sizes"] == (256, 128) and params["n_components"] == 16
    assert params["trim"] == 0.0 and params["residual_likelihood"] == "cauchy"
    # 80% of the rows train the network; the codes of all of them are kept.
    assert params["max_iter"] == 40 and detector.denoised_codes_.shape[:2] == (1, 640)
    assert params["batch_size"] == 128


def test_the_default_trusted_member_trains_for_at_most_a_thousand_steps():
    detector = OutlierDetector(novelty=True)
    # 512 rows: 4 batches of 128, so 40 epochs (160 steps) come first.
    assert detector._default_member(8, 512).max_iter == 40
    # 10,000 rows: 79 batches; 1,000 // 79 = 12 epochs (948 steps) come first.
    assert detector._default_member(8, 10_000).max_iter == 12


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
    # A hole is filled where the row's own denoised point puts it; a colour
    # never seen in training is entered as a hole and costs its
    # log-probability, 1 / (n_rows + 1): such a row ranks below every normal one.
    row = table.iloc[[1]]
    holed, missing, new = row.copy(), row.copy(), row.copy()
    holed["weight"], missing["colour"], new["colour"] = np.nan, None, "green"
    with_hole, with_missing, with_new = detector.score_samples(
        pd.concat([holed, missing, new]))
    assert np.isfinite(with_hole)
    np.testing.assert_allclose(with_missing - with_new, np.log(301), rtol=1e-6)
    assert with_new < scores[:50].min()


@pytest.mark.parametrize("estimator", [VAE(**FAST), PCA(n_components=2)],
                         ids=["VAE", "PCA"])
def test_only_deterministic_autoencoders_have_a_code_density_to_swap(estimator):
    X = np.random.default_rng(0).normal(size=(100, 4))
    with pytest.raises(ValueError, match="novelty=True scores rows by their distance"):
        OutlierDetector(estimator, novelty=True).fit(X)


@pytest.mark.parametrize("bad, message", [
    (np.nan, "Input X contains NaN, but this model was fitted on data without missing"),
    (np.inf, "Input X contains infinity"),
    (1e39, "overflow float32"),
])
def test_bad_rows_get_the_models_own_message(bad, message):
    # The distance needs no network, but every scored row still goes through the
    # member's checks, so a trusted-rows detector refuses what the model refuses.
    X = np.random.default_rng(0).normal(size=(120, 4))
    detector = OutlierDetector(Autoencoder(n_components=2, **FAST), novelty=True,
                               random_state=0).fit(X)
    rows = X[:3].copy()
    rows[1, 2] = bad
    with pytest.raises(ValueError, match=message):
        detector.score_samples(rows)
    with pytest.raises(ValueError, match=message):
        detector.predict(rows)
