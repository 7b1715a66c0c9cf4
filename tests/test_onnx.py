"""ONNX export: onnxruntime's outputs against skae's own, on rows the model did not see."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skae
from skae import (
    VAE,
    Autoencoder,
    AutoencoderImputer,
    ConditionalVAE,
    OutlierDetector,
    to_onnx,
)

from .conftest import ESTIMATORS, FAST, estimator_id, fit_args

ort = pytest.importorskip("onnxruntime")
skl2onnx = pytest.importorskip("skl2onnx")

#: onnxruntime against torch: float32 networks, float64 densities.
CODES = dict(rtol=1e-4, atol=1e-5)
SCORES = dict(rtol=1e-3, atol=1e-3)  # nats


def run(onx, X):
    session = ort.InferenceSession(onx.SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: X})


@pytest.fixture(scope="module")
def split(tabular):
    return tabular[:200], tabular[200:]


EXPORTABLE = [e for e in ESTIMATORS if not isinstance(e, ConditionalVAE)]


@pytest.mark.parametrize("estimator", EXPORTABLE, ids=estimator_id)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_each_method_matches_the_estimator(estimator, dtype, split):
    train, test = (part.astype(dtype) for part in split)
    model = clone(estimator).set_params(n_components=2).fit(train)
    codes = model.transform(test)
    out = run(to_onnx(model, test[:1]), test)[0]
    assert out.dtype == dtype and out.shape == codes.shape
    np.testing.assert_allclose(out, codes, **CODES)
    out = run(to_onnx(model, codes[:1], method="inverse_transform"), codes)[0]
    np.testing.assert_allclose(out, model.inverse_transform(codes), **CODES)
    if isinstance(model, VAE):
        with pytest.raises(ValueError, match="Monte Carlo bound"):
            to_onnx(model, test[:1], method="score_samples")
        return
    out = run(to_onnx(model, test[:1], method="score_samples"), test)[0]
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, model.score_samples(test), **SCORES)


def test_convolutional_autoencoder(digits):
    X = digits[0].astype(np.float32)
    model = Autoencoder(architecture="conv", image_shape=(1, 8, 8), conv_channels=(4, 8),
                        n_components=4, max_iter=2, random_state=0).fit(X[:300])
    test = X[300:400]
    np.testing.assert_allclose(run(to_onnx(model, test[:1]), test)[0],
                               model.transform(test), **CODES)
    np.testing.assert_allclose(run(to_onnx(model, test[:1], method="score_samples"), test)[0],
                               model.score_samples(test), **SCORES)


@pytest.mark.parametrize("novelty", [False, True])
def test_outlier_detector_gives_labels_and_decision(novelty, split):
    train, test = split
    planted = np.vstack([test, np.full((3, test.shape[1]), 6.0)])
    detector = OutlierDetector(novelty=novelty, n_estimators=2, max_samples=150,
                               random_state=0).fit(train)
    label, scores = run(to_onnx(detector, planted[:1]), planted)
    assert label.dtype == np.int64 and label.shape == scores.shape == (len(planted), 1)
    np.testing.assert_allclose(scores.ravel(), detector.decision_function(planted), **SCORES)
    assert np.mean(label.ravel() == detector.predict(planted)) >= 0.995
    assert (label.ravel()[-3:] == -1).all()


def test_a_novelty_detector_saved_by_0_1_0_scores_but_does_not_export(split):
    train, test = split
    detector = OutlierDetector(Autoencoder(n_components=2, **FAST), novelty=True,
                               random_state=0).fit(train[:200])
    old = pickle.loads(pickle.dumps(detector))
    old.reference_codes_ = vars(old).pop("denoised_codes_")
    old.manifold_dimension_, old._neighbours = np.array([2.0]), None
    assert np.isfinite(old.score_samples(test[:5])).all()
    with pytest.raises(ValueError, match="saved by skae 0.1.0.*fit it again"):
        to_onnx(old, test[:1])


def test_pipeline_with_a_classifier_gives_labels_and_probabilities(digits):
    X, y = digits[0].astype(np.float32), digits[1]
    pipe = make_pipeline(StandardScaler(), Autoencoder(n_components=8, **FAST),
                         LogisticRegression(max_iter=300)).fit(X[:1000], y[:1000])
    onx = to_onnx(pipe, X[:1])
    labels, probabilities = run(onx, X[1000:])
    assert np.mean(labels == pipe.predict(X[1000:])) >= 0.999
    expected = pipe.predict_proba(X[1000:])
    got = np.array([[row[k] for k in range(10)] for row in probabilities])
    np.testing.assert_allclose(got, expected, rtol=1e-3, atol=1e-4)


def test_skl2onnx_converts_pipelines_after_import_skae(split):
    train, test = (part.astype(np.float32) for part in split)
    pipe = make_pipeline(StandardScaler(), OutlierDetector(novelty=True, n_estimators=1,
                                                           random_state=0)).fit(train)
    onx = skl2onnx.to_onnx(pipe, train[:1])  # skl2onnx's own, no skae.to_onnx
    label, scores = run(onx, test)
    np.testing.assert_allclose(scores.ravel(), pipe.decision_function(test), **SCORES)
    assert np.mean(label.ravel() == pipe.predict(test)) >= 0.995


CONVERT_A_PIPELINE = """
import sys
import numpy as np
import onnxruntime
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
{imports}
X = np.random.default_rng(0).normal(size=(60, 4)).astype(np.float32)
pipe = make_pipeline(StandardScaler(), skae.Autoencoder(n_components=2, max_iter=2,
                                                        random_state=0)).fit(X)
session = onnxruntime.InferenceSession(skl2onnx.to_onnx(pipe, X[:1]).SerializeToString())
codes = session.run(None, {{"X": X}})[0]
print(np.abs(codes - pipe.transform(X)).max() < 1e-4)
"""


@pytest.mark.parametrize("imports", [
    # import skae alone does not import skl2onnx (about 2 s): the converters
    # are registered when skl2onnx is imported afterwards.
    "import skae\nassert 'skl2onnx' not in sys.modules\nimport skl2onnx",
    "import skl2onnx\nimport skae",
], ids=["skae first", "skl2onnx first"])
def test_skl2onnx_finds_the_converters_whichever_was_imported_first(imports):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", CONVERT_A_PIPELINE.format(imports=imports)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"


def test_column_transformer_route_for_a_table():
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"size": rng.normal(size=300), "count": rng.poisson(3, 300),
                          "kind": rng.choice(["a", "b", "c"], 300)})
    numeric = table[["size", "count"]].astype(np.float64)
    route = make_pipeline(
        ColumnTransformer([("scale", StandardScaler(), [0, 1])]),
        Autoencoder(n_components=1, **FAST)).fit(numeric.to_numpy())
    X = numeric.to_numpy()[:20]
    np.testing.assert_allclose(run(to_onnx(route, X[:1]), X)[0], route.transform(X),
                               **CODES)
    native = Autoencoder(n_components=1, **FAST).fit(table)
    with pytest.raises(ValueError, match="fitted on a table.*categorical.*ColumnTransformer"):
        to_onnx(native, X[:1])


def test_conditional_vae_is_refused_with_what_to_do(split):
    train, test = split
    model = ConditionalVAE(n_components=2, **FAST).fit(*fit_args(ConditionalVAE(), train))
    with pytest.raises(ValueError, match="cannot be exported to ONNX yet: .*Export a VAE"):
        to_onnx(model, test[:1])
    pipe = make_pipeline(StandardScaler(), ConditionalVAE(n_components=2, **FAST))
    pipe.fit(*fit_args(ConditionalVAE(), train))
    with pytest.raises(ValueError, match="cannot be exported"):
        skl2onnx.to_onnx(pipe, test[:1].astype(np.float32))


def holes(X, share, seed):
    X = X.copy()
    X[np.random.default_rng(seed).random(X.shape) < share] = np.nan
    return X


@pytest.mark.parametrize("n_refinements", [0, 2])
def test_imputer_fills_holes_as_skae_does(n_refinements):
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(400, 2))
    # Four linear columns and a skewed positive one, which the table log-scales.
    X = holes(np.c_[Z @ rng.normal(size=(2, 4)), 3 * np.exp(Z[:, 0])], 0.15, 1)
    imputer = AutoencoderImputer(Autoencoder(n_components=2, **FAST),
                                 n_refinements=n_refinements, random_state=0).fit(X[:300])
    assert imputer.estimator_._codec_.table.numeric[-1].log
    filled = run(to_onnx(imputer, X[:1]), X[300:])[0]
    expected = imputer.transform(X[300:])
    assert not np.isnan(filled).any()
    np.testing.assert_allclose(filled, expected, rtol=1e-4, atol=1e-5)
    observed = ~np.isnan(X[300:])
    np.testing.assert_array_equal(filled[observed], X[300:][observed])
    # In a pipeline, through skl2onnx's own converter.
    pipe = make_pipeline(AutoencoderImputer(Autoencoder(n_components=2, **FAST),
                                            random_state=0), StandardScaler()).fit(X[:300])
    np.testing.assert_allclose(run(skl2onnx.to_onnx(pipe, X[:1]), X[300:])[0],
                               pipe.transform(X[300:]), rtol=1e-4, atol=1e-5)


def test_imputer_of_a_dataframe_is_refused_with_what_to_do():
    frame = pd.DataFrame({"size": holes(np.random.default_rng(0).normal(size=(200, 1)),
                                        0.1, 0)[:, 0],
                          "kind": np.random.default_rng(1).choice(["a", "b"], 200)})
    imputer = AutoencoderImputer(Autoencoder(n_components=1, **FAST), random_state=0)
    imputer.fit(frame)
    with pytest.raises(ValueError, match="fitted on a numeric array.*scikit-learn imputer"):
        to_onnx(imputer, np.zeros((1, 2)))


def test_a_detector_over_other_members_is_refused(split):
    from sklearn.decomposition import PCA

    train, test = split
    detector = OutlierDetector(PCA(n_components=2), n_estimators=2, random_state=0).fit(train)
    with pytest.raises(ValueError, match="members are skae's deterministic autoencoders; "
                                         "this one has a PCA"):
        to_onnx(detector, test[:1])


def test_bad_arguments(split):
    train, test = split
    model = Autoencoder(n_components=2, **FAST).fit(train)
    with pytest.raises(ValueError, match="method must be one of"):
        to_onnx(model, test[:1], method="predict")
    with pytest.raises(ValueError, match="target_opset must be an int between 14 and 20"):
        to_onnx(model, test[:1], target_opset=9)
    with pytest.raises(ValueError, match="2-D float32 or float64"):
        to_onnx(model, test[:1].astype(int))
    with pytest.raises(ValueError, match="X has 3 columns.*n_features_in_=10"):
        to_onnx(model, test[:1, :3])
    with pytest.raises(ValueError, match="codes of width n_components_=2"):
        to_onnx(model, test[:1], method="inverse_transform")
    with pytest.raises(ValueError, match="method applies to a skae autoencoder"):
        to_onnx(make_pipeline(StandardScaler(), model), test[:1], method="score_samples")


@pytest.mark.parametrize("opset", [14, 17, 20])
def test_opset_choice(opset, split):
    train, test = split
    model = Autoencoder(n_components=2, **FAST).fit(train)
    onx = to_onnx(model, test[:1], target_opset=opset)
    assert {o.version for o in onx.opset_import if o.domain in ("", "ai.onnx")} == {opset}
    np.testing.assert_allclose(run(onx, test)[0], model.transform(test), **CODES)
    pipe = make_pipeline(StandardScaler(), model).fit(train)
    onx = to_onnx(pipe, test[:1], target_opset=opset)
    assert max(o.version for o in onx.opset_import if o.domain in ("", "ai.onnx")) <= opset
    np.testing.assert_allclose(run(onx, test)[0], pipe.transform(test), **CODES)


def test_to_onnx_is_exported():
    assert "to_onnx" in skae.__all__ and skae.to_onnx is to_onnx
