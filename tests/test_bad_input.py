"""The bad- and awkward-input catalogue, run through every public estimator.

Each case either gives a correct result (the right shapes, finite outputs)
or a clear error that names the problem; a failed fit or partial_fit never
leaves a half-fitted estimator behind: a fitted estimator keeps its previous
state and a new one stays unfitted. ``CASES`` is the catalogue; the docs'
"Bad input" table lists what each case gets.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from skae import (
    VAE,
    Autoencoder,
    ConditionalVAE,
    ContractiveAutoencoder,
    DenoisingAutoencoder,
    OutlierDetector,
    SparseAutoencoder,
)

from .conftest import fit_args

SMALL = dict(n_components=2, hidden_layer_sizes=(8,), max_iter=3, batch_size=32, device="cpu",
             random_state=0)
PUBLIC = [
    Autoencoder(**SMALL),
    DenoisingAutoencoder(**SMALL),
    SparseAutoencoder(**SMALL),
    ContractiveAutoencoder(**SMALL),
    VAE(n_importance_samples=4, **SMALL),
    ConditionalVAE(n_importance_samples=4, **SMALL),
    OutlierDetector(Autoencoder(**SMALL)),
]
IDS = [type(e).__name__ for e in PUBLIC]
RNG = np.random.default_rng(0)
GOOD = RNG.normal(size=(40, 5))


def _with(value, where=(3, 1)):
    X = GOOD.copy()
    X[where] = value
    return X


def _frame(**columns):
    n = 40
    base = {"a": RNG.normal(size=n), "b": RNG.integers(0, 5, size=n)}
    return pd.DataFrame({**base, **columns})


OK = "ok"
# name -> (builder, expected): expected is OK or (exception type, message regex).
CASES = {
    # Missing values and string columns make a table (see tests/test_tables.py).
    "nan": (lambda: _with(np.nan), OK),
    "inf": (lambda: _with(np.inf), (ValueError, "infinity|inf")),
    "-inf": (lambda: _with(-np.inf), (ValueError, "infinity|inf")),
    "float32 overflow (1e300)": (lambda: _with(1e300), (ValueError, "float32")),
    "1e30-scaled values": (lambda: GOOD * 1e30, (ValueError, "diverged|float32|scale")),
    "empty (0 rows)": (lambda: GOOD[:0], (ValueError, "0 sample")),
    "no features (0 columns)": (lambda: GOOD[:, :0], (ValueError, "0 feature")),
    "one row": (lambda: GOOD[:1], OK),
    "one feature": (lambda: GOOD[:, :1], OK),
    "constant column": (lambda: np.column_stack([GOOD, np.full(40, 3.0)]), OK),
    "all columns constant": (lambda: np.ones((40, 5)), OK),
    "duplicated rows": (lambda: np.repeat(GOOD[:4], 10, axis=0), OK),
    "tiny values (1e-30)": (lambda: GOOD * 1e-30, OK),
    "booleans": (lambda: GOOD > 0, OK),
    "int8": (lambda: (GOOD * 10).astype(np.int8), OK),
    "int64": (lambda: (GOOD * 10).astype(np.int64), OK),
    "uint8 image-like": (lambda: RNG.integers(0, 256, size=(40, 5)).astype(np.uint8), OK),
    "float16": (lambda: GOOD.astype(np.float16), OK),
    "list of lists": (lambda: GOOD.tolist(), OK),
    "object array of numbers": (lambda: GOOD.astype(object), OK),
    "object array with strings": (
        lambda: np.column_stack([GOOD, np.array(["x", "y"] * 20, dtype=object)]), OK),
    "complex": (lambda: GOOD + 1j, (ValueError, "[Cc]omplex")),
    "1-D array": (lambda: GOOD[:, 0], (ValueError, "Expected a 2-dimensional|2D array")),
    "3-D array": (lambda: GOOD.reshape(40, 5, 1), (ValueError, "dim 3|2-dimensional")),
    "scalar": (lambda: 3.0, (ValueError, "2D array|2-dimensional")),
    "sparse CSR": (lambda: sp.csr_matrix(GOOD), (TypeError, "[Ss]parse|dense data is required")),
    "sparse COO": (lambda: sp.coo_matrix(GOOD), (TypeError, "[Ss]parse|dense data is required")),
    "non-contiguous (strided)": (lambda: np.hstack([GOOD, GOOD])[:, ::2], OK),
    "Fortran order": (lambda: np.asfortranarray(GOOD), OK),
    "negative strides": (lambda: GOOD[::-1, ::-1], OK),
    "read-only": (lambda: _read_only(GOOD), OK),
    "pandas float/int/bool": (lambda: _frame(c=RNG.normal(size=40) > 0), OK),
    "pandas nullable Int64 without NA": (lambda: _frame(c=pd.array(range(40), dtype="Int64")), OK),
    "pandas nullable Int64 with NA": (
        lambda: _frame(c=pd.array([None] + list(range(39)), dtype="Int64")), OK),
    "pandas string column": (lambda: _frame(c=["x"] * 40), OK),
    "pandas categorical column": (lambda: _frame(c=pd.Categorical(["x", "y"] * 20)), OK),
    "pandas bool column with NA": (
        lambda: _frame(c=pd.array([True, None, False, True] * 10, dtype="boolean")), OK),
    "pandas all-missing column": (
        lambda: _frame(c=[np.nan] * 40), (ValueError, "no observed value")),
    "pandas column of mixed Python objects": (
        lambda: _frame(c=["x", 1, 2.5, "y"] * 10), (ValueError, "mixed Python types")),
    "pandas category column with 2,000 levels": (
        lambda: pd.DataFrame({"a": RNG.normal(size=2000),
                              "id": [f"user{i}" for i in range(2000)]}),
        (ValueError, "2000 distinct values")),
    "pandas datetime column": (
        lambda: _frame(c=pd.date_range("2026-01-01", periods=40)),
        (TypeError, "dtype .* not supported"),
    ),
    "pandas integer column names": (lambda: pd.DataFrame(GOOD), OK),
    "pandas mixed-type column names": (
        lambda: pd.DataFrame(GOOD, columns=["a", "b", 3, "d", "e"]),
        (TypeError, "Feature names are only supported if all input features"),
    ),
}


def _read_only(X):
    X = X.copy()
    X.flags.writeable = False
    return X


def _fit(estimator, X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return estimator.fit(*fit_args(estimator, X))


def _check_result(model, X):
    n = len(X) if not np.isscalar(X) else 1
    scores = model.score_samples(X)
    assert scores.shape == (n,) and np.all(np.isfinite(scores))
    if hasattr(model, "transform"):
        Z = model.transform(X)
        assert Z.shape == (n, model.n_components_) and np.all(np.isfinite(Z))
    else:
        assert set(np.unique(model.predict(X))) <= {-1, 1}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("estimator", PUBLIC, ids=IDS)
def test_catalogue_case(estimator, case):
    build, expected = CASES[case]
    # A fitted model that a failing re-fit must leave untouched.
    model = _fit(clone(estimator), GOOD)
    before = model.score_samples(GOOD)
    fitted_names = sorted(k for k in vars(model) if k.endswith("_"))
    fresh = clone(estimator)
    if expected == OK:
        _check_result(_fit(fresh, build()), build())
        return
    error, message = expected
    with pytest.raises(error, match=message):
        _fit(fresh, build())
    assert not [k for k in vars(fresh) if k.endswith("_") and not k.startswith("_")], (
        "a failed first fit left fitted attributes"
    )
    with pytest.raises(NotFittedError):
        fresh.score_samples(GOOD)
    with pytest.raises(error, match=message):
        _fit(model, build())
    assert sorted(k for k in vars(model) if k.endswith("_")) == fitted_names
    np.testing.assert_array_equal(model.score_samples(GOOD), before)
    if hasattr(model, "partial_fit") and np.shape(build())[1:] == (5,):
        with pytest.raises(error, match=message):
            model.partial_fit(*fit_args(model, build()))
        np.testing.assert_array_equal(model.score_samples(GOOD), before)


# Cases for a fitted model: its methods get bad input.
INFERENCE_CASES = {
    "more features": (lambda: np.hstack([GOOD, GOOD]), "10 features, but .* is expecting 5"),
    "fewer features": (lambda: GOOD[:, :3], "3 features, but .* is expecting 5"),
    "nan": (lambda: _with(np.nan), "NaN"),
    "inf": (lambda: _with(np.inf), "inf"),
    "float32 overflow": (lambda: _with(1e300), "float32"),
    "3-D": (lambda: GOOD.reshape(40, 5, 1), "dim 3|2-dimensional"),
    "strings": (lambda: np.array([["a"] * 5] * 3, dtype=object), "convert string to float"),
}


@pytest.mark.parametrize("case", list(INFERENCE_CASES))
@pytest.mark.parametrize("estimator", PUBLIC, ids=IDS)
def test_inference_on_bad_input(estimator, case):
    build, message = INFERENCE_CASES[case]
    model = _fit(clone(estimator), GOOD)
    methods = ["score_samples", "transform", "reconstruction_error", "predict",
               "decision_function"]
    for method in [m for m in methods if hasattr(model, m)]:
        with pytest.raises(ValueError, match=message):
            getattr(model, method)(build())


@pytest.mark.parametrize("estimator", PUBLIC, ids=IDS)
def test_renamed_columns_at_inference(estimator):
    frame = pd.DataFrame(GOOD, columns=list("abcde"))
    model = _fit(clone(estimator), frame)
    with pytest.raises(ValueError, match="feature names"):
        model.score_samples(frame.rename(columns={"a": "z"}))
    with pytest.raises(ValueError, match="feature names"):
        model.score_samples(frame[list("edcba")])
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        model.score_samples(GOOD)


# Invalid parameter values: each is named in the error, at fit, before any work.
INVALID_PARAMS = [
    (Autoencoder, {"n_components": 0}, "n_components"),
    (Autoencoder, {"hidden_layer_sizes": (8, 0)}, "hidden_layer_sizes"),
    (Autoencoder, {"activation": "swish?"}, "activation"),
    (Autoencoder, {"max_iter": 0}, "max_iter"),
    (Autoencoder, {"batch_size": 0}, "batch_size"),
    (Autoencoder, {"learning_rate_init": -1.0}, "learning_rate_init"),
    (Autoencoder, {"learning_rate": "cosine?"}, "learning_rate"),
    (Autoencoder, {"optimizer": "adamax?"}, "optimizer"),
    (Autoencoder, {"validation_fraction": 1.0}, "validation_fraction"),
    (Autoencoder, {"device": "tpu?"}, "device"),
    (DenoisingAutoencoder, {"noise": "pink"}, "noise"),
    (DenoisingAutoencoder, {"noise_level": -0.1}, "noise_level"),
    (SparseAutoencoder, {"sparsity": "l0"}, "sparsity"),
    (SparseAutoencoder, {"sparsity_target": 1.5}, "sparsity_target"),
    (SparseAutoencoder, {"sparsity": "topk", "n_active": 5}, "n_active"),
    (ContractiveAutoencoder, {"contractive_weight": -1.0}, "contractive_weight"),
    (ContractiveAutoencoder, {"jacobian": "approx"}, "jacobian"),
    (VAE, {"likelihood": "poisson"}, "likelihood"),
    (VAE, {"beta": -1.0}, "beta"),
    (VAE, {"decoder_std": 0.0}, "decoder_std"),
    (OutlierDetector, {"contamination": 0.7}, "contamination"),
    (OutlierDetector, {"estimator": "pca"}, "estimator"),
]


@pytest.mark.parametrize(
    "cls, params, name", INVALID_PARAMS, ids=[f"{c.__name__}-{n}" for c, p, n in INVALID_PARAMS]
)
def test_invalid_parameter_values_are_named(cls, params, name):
    base = {} if cls is OutlierDetector else SMALL
    estimator = cls(**{**base, **params})
    with pytest.raises((InvalidParameterError, ValueError), match=name):
        _fit(estimator, GOOD)
    assert not hasattr(estimator, "n_features_in_")


@pytest.mark.parametrize("estimator", PUBLIC[:4], ids=IDS[:4])
def test_n_components_at_or_above_n_features(estimator):
    model = clone(estimator).set_params(n_components=8)
    if type(model) is Autoencoder:
        with pytest.warns(UserWarning, match="can learn the identity"):
            model.fit(GOOD)
    else:  # regularised variants allow over-complete codes
        _fit(model, GOOD)
    assert model.transform(GOOD).shape == (40, 8)


def test_vae_bernoulli_rejects_data_outside_the_unit_interval():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        VAE(likelihood="bernoulli", **SMALL).fit(GOOD)


@pytest.mark.parametrize("estimator", PUBLIC, ids=IDS)
def test_divergence_is_detected_and_reported(estimator):
    model = _fit(clone(estimator), GOOD)
    before = model.score_samples(GOOD)
    params = {"optimizer": "sgd", "learning_rate_init": 1e12, "max_iter": 5}
    if isinstance(model, OutlierDetector):
        diverging = clone(model).set_params(**{f"estimator__{k}": v for k, v in params.items()})
    else:
        diverging = clone(model).set_params(**params)
    with pytest.raises(ValueError, match="diverged"):
        _fit(diverging, GOOD * 100)
    with pytest.raises(ValueError, match="diverged"):
        model.set_params(**diverging.get_params())
        _fit(model, GOOD * 100)
    np.testing.assert_array_equal(model.score_samples(GOOD), before)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    X=arrays(
        np.float64,
        st.tuples(st.integers(1, 30), st.integers(1, 6)),
        elements=st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
    )
)
def test_any_finite_table_fits_or_fails_cleanly(X):
    # Any finite table of moderate magnitude trains to finite outputs.
    model = Autoencoder(**SMALL)
    try:
        _fit(model, X)
    except ValueError as exc:  # the only acceptable failure: named divergence
        assert "diverged" in str(exc)
        assert not hasattr(model, "module_")
        return
    scores = model.score_samples(X)
    assert scores.shape == (len(X),) and not np.any(np.isnan(scores))
    assert np.all(np.isfinite(model.transform(X)))
