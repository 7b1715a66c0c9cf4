"""OutlierDetector: the scikit-learn outlier-detector contract and detection quality."""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import RobustScaler, StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from skae import VAE, Autoencoder, OutlierDetector

from .conftest import FAST

EXPECTED_FAILED_CHECKS = {
    "check_methods_subset_invariance": (
        "float32 network: a row scored alone or in a batch agrees to ~1e-5 relative "
        "(BLAS kernels differ with the row count), not to the check's 1e-7"
    ),
}


@parametrize_with_checks(
    [
        OutlierDetector(Autoencoder(n_components=1, **FAST), contamination=0.1),
        OutlierDetector(Autoencoder(n_components=1, trim=0.2, **FAST), n_estimators=2,
                        max_samples=0.5),
        OutlierDetector(random_state=0),
    ],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def planted(seed=0):
    """Rows near a 3-D subspace of 12-D, plus 5% rows off it."""
    rng = np.random.default_rng(seed)
    basis = rng.normal(size=(3, 12))
    normal = rng.normal(size=(600, 3)) @ basis + 0.1 * rng.normal(size=(600, 12))
    odd = rng.normal(size=(30, 12)) * normal.std(0) * 1.5
    X = np.vstack([normal, odd])
    return X, np.r_[np.zeros(600), np.ones(30)]


@pytest.mark.parametrize(
    "estimator",
    [None, Autoencoder(n_components=3, max_iter=100, random_state=0),
     VAE(n_components=3, max_iter=100, random_state=0)],
    ids=["default", "Autoencoder", "VAE"],
)
def test_planted_outliers_are_found(estimator):
    X, is_outlier = planted()
    X_train, X_test, _, y_test = train_test_split(X, is_outlier, test_size=0.4, random_state=0,
                                                  stratify=is_outlier)
    det = make_pipeline(StandardScaler(),
                        OutlierDetector(estimator, contamination=0.05, random_state=0))
    det.fit(X_train)
    assert roc_auc_score(y_test, -det.score_samples(X_test)) > 0.95


def test_breast_cancer_rare_class():
    X, y = load_breast_cancer(return_X_y=True)
    benign, malignant = X[y == 1], X[y == 0]
    train, test_benign = train_test_split(benign, test_size=0.4, random_state=0)
    rare = malignant[np.random.default_rng(0).choice(len(malignant), 30, replace=False)]
    X_test = np.vstack([test_benign, rare])
    y_test = np.r_[np.zeros(len(test_benign)), np.ones(len(rare))]
    det = make_pipeline(RobustScaler(), OutlierDetector(random_state=0)).fit(train)
    assert roc_auc_score(y_test, -det.decision_function(X_test)) > 0.9


@pytest.mark.parametrize("contamination", [0.05, 0.1, 0.25])
def test_predict_flags_the_contamination_fraction_of_training_rows(contamination):
    X, _ = planted()
    det = OutlierDetector(PCA(n_components=3), contamination=contamination).fit(X)
    assert np.mean(det.predict(X) == -1) == pytest.approx(contamination, abs=1 / len(X))


def test_sign_conventions_match_isolation_forest():
    X, is_outlier = planted()
    ours = OutlierDetector(PCA(n_components=3), contamination=0.05).fit(X)
    forest = IsolationForest(contamination=0.05, random_state=0).fit(X)
    for det in (ours, forest):
        decision, labels = det.decision_function(X), det.predict(X)
        np.testing.assert_array_equal(labels, np.where(decision < 0, -1, 1))
        np.testing.assert_allclose(decision, det.score_samples(X) - det.offset_)
        # Planted outliers score lower (more abnormal) on average.
        assert det.score_samples(X)[is_outlier == 1].mean() < det.score_samples(X)[is_outlier == 0].mean()
    np.testing.assert_array_equal(ours.fit_predict(X), ours.predict(X))


def test_works_with_any_score_samples_estimator():
    X, is_outlier = planted()
    det = OutlierDetector(GaussianMixture(n_components=2, random_state=0), contamination=0.05)
    assert roc_auc_score(is_outlier, -det.fit(X).score_samples(X)) > 0.9


def test_explain_names_the_feature_that_was_tampered_with():
    X, _ = planted()
    columns = [f"f{i}" for i in range(12)]
    df = pd.DataFrame(StandardScaler().fit_transform(X[:600]), columns=columns)
    det = OutlierDetector(Autoencoder(n_components=3, max_iter=100, random_state=0)).fit(df)
    odd = df.iloc[[5, 9]].copy()
    odd["f7"] += 12
    table = det.explain(odd, n_top=2)
    first = table[table["rank"] == 1]
    assert list(first["row"]) == [5, 9]
    assert list(first["feature"]) == ["f7", "f7"]
    assert (first["share"] > 0.5).all()
    everything = det.explain(df.iloc[:4], n_top=3, outliers_only=False)
    assert len(everything) == 12 and set(everything["rank"]) == {1, 2, 3}


def test_explain_needs_per_feature_errors():
    X, _ = planted()
    det = OutlierDetector(GaussianMixture(random_state=0)).fit(X)
    with pytest.raises(TypeError, match="per-feature errors"):
        det.explain(X)


# ------------------------------------------------------------ contaminated training
def attacks(seed=0, n=600, share=0.1):
    """Rows on a curved 2-D manifold in 10-D; ``share`` of the training rows are three
    repeated "attack" patterns off it (with a little jitter), which recur in the test rows."""
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(2, 10))

    def normal(m):
        return np.tanh(rng.normal(size=(m, 2)) @ W) + 0.05 * rng.normal(size=(m, 10))

    patterns = rng.uniform(-1, 1, size=(3, 10))

    def attack(m):
        return patterns[rng.integers(3, size=m)] + 0.02 * rng.normal(size=(m, 10))

    k = int(share * n)
    scaler = StandardScaler().fit(X_train := np.vstack([normal(n - k), attack(k)]))
    X_test = np.vstack([normal(300), attack(30)])
    return scaler.transform(X_train), scaler.transform(X_test), np.r_[np.zeros(300), np.ones(30)]


@pytest.mark.parametrize("seed", [0, 1])
def test_trimmed_training_does_not_learn_repeated_attacks(seed):
    X_train, X_test, y_test = attacks(seed)
    common = dict(n_components=6, max_iter=100, device="cpu", random_state=0)
    plain = Autoencoder(**common).fit(X_train)
    robust = Autoencoder(**common, trim=0.1).fit(X_train)
    plain_auc = roc_auc_score(y_test, -plain.score_samples(X_test))
    robust_auc = roc_auc_score(y_test, -robust.score_samples(X_test))
    # The plain model reconstructs the attacks it was trained on; the trimmed one does not.
    assert plain_auc < 0.95
    assert robust_auc > 0.99
    attack_error = robust.reconstruction_error(X_test[y_test == 1]).mean()
    assert attack_error > 10 * robust.reconstruction_error(X_test[y_test == 0]).mean()


def test_the_default_detector_flags_repeated_attacks_it_was_trained_with():
    X_train, X_test, y_test = attacks(seed=0)
    det = OutlierDetector(random_state=0).fit(X_train)
    assert roc_auc_score(y_test, -det.score_samples(X_test)) > 0.99
    # Its members are robust autoencoders, trimmed at the contamination.
    assert all(m.trim == det.contamination for m in det.estimators_)


def test_trimmed_statistics_leave_the_worst_rows_out():
    X_train, _, _ = attacks(seed=0)
    model = Autoencoder(n_components=6, max_iter=30, trim=0.1, device="cpu", random_state=0)
    model.fit(X_train)
    errors = model.reconstruction_error(X_train)
    kept = X_train[errors <= np.quantile(errors, 0.9)]
    expected = model.reconstruction_error(kept, per_feature=True).mean(axis=0)
    np.testing.assert_allclose(model.residual_variance_, expected, rtol=1e-4)


def test_members_see_different_rows_and_differ():
    X, _ = planted()
    det = OutlierDetector(Autoencoder(n_components=3, **FAST), n_estimators=3, max_samples=100,
                          random_state=0).fit(X)
    assert len(det.estimators_) == 3 and det.estimator_ is det.estimators_[0]
    seeds = {m.random_state for m in det.estimators_}
    assert len(seeds) == 3
    codes = [m.transform(X[:20]) for m in det.estimators_]
    assert not np.allclose(codes[0], codes[1]) and not np.allclose(codes[1], codes[2])
    np.testing.assert_allclose(
        det.score_samples(X), np.mean([m.score_samples(X) for m in det.estimators_], axis=0)
    )


def test_the_ensemble_is_reproducible_and_parallel_fits_agree():
    X, _ = planted()
    make = dict(estimator=Autoencoder(n_components=3, **FAST), n_estimators=3, random_state=7)
    first = OutlierDetector(**make).fit(X).score_samples(X)
    again = OutlierDetector(**make).fit(X).score_samples(X)
    parallel = OutlierDetector(**make, n_jobs=2).fit(X).score_samples(X)
    np.testing.assert_array_equal(first, again)
    np.testing.assert_allclose(first, parallel, rtol=1e-6)


@pytest.mark.parametrize("max_samples, rows", [("auto", 256), (100, 100), (0.5, 315), (1.0, 630)])
def test_max_samples_sets_each_members_rows(max_samples, rows):
    X, _ = planted()
    det = OutlierDetector(PCA(n_components=2), n_estimators=2, max_samples=max_samples).fit(X)
    assert all(m.n_samples_ == rows for m in det.estimators_)


def test_the_default_detector_does_not_warn_about_its_fixed_epochs():
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    X, _ = planted()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        OutlierDetector(random_state=0).fit(X)


def test_the_default_members_are_trimmed_small_autoencoders_with_cauchy_residuals():
    X, _ = planted()
    detector = OutlierDetector(contamination=0.05, random_state=0).fit(X)
    for member in detector.estimators_:
        params = member.get_params()
        assert params["residual_likelihood"] == "cauchy" and params["trim"] == 0.05
        assert params["hidden_layer_sizes"] == (32,) and params["max_iter"] == 20
        assert params["learning_rate"] == "onecycle"
    # Mean of the members' Cauchy-residual log-likelihoods.
    np.testing.assert_allclose(
        detector.score_samples(X[:5]),
        np.mean([m.score_samples(X[:5]) for m in detector.estimators_], axis=0),
    )


class _ScoresOnlySmallSets(PCA):
    """A member that fits anything but refuses to score more than 100 rows."""

    def score_samples(self, X):
        if len(X) > 100:
            raise RuntimeError("too many rows to score")
        return super().score_samples(X)


def test_a_fit_that_fails_after_the_members_are_trained_keeps_the_fitted_detector():
    rng = np.random.default_rng(0)
    detector = OutlierDetector(_ScoresOnlySmallSets(n_components=2), n_estimators=2,
                               random_state=0).fit(rng.normal(size=(80, 4)))
    members, offset = detector.estimators_, detector.offset_
    with pytest.raises(RuntimeError, match="too many rows"):
        detector.fit(rng.normal(size=(150, 4)))  # members fit; the threshold cannot be set
    assert detector.estimators_ is members and detector.offset_ == offset
    assert detector.estimators_[0].n_samples_ == 80
