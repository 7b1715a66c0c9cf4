"""Real tables: mixed column types and missing values, natively (issue 16)."""

import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.impute import SimpleImputer
from sklearn.metrics import roc_auc_score

import skae
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
from skae._losses import ReconstructionLoss
from skae._modules import AutoencoderOutput
from skae._likelihoods import TableLikelihood
from skae._tabular import Table

SMALL = dict(n_components=3, hidden_layer_sizes=(16,), max_iter=15, batch_size=32,
             device="cpu", random_state=0)


def make_table(n=240, seed=0, holes=0.1):
    """Numbers, a nullable int, a bool, a string and a categorical column, with holes."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=n)
    df = pd.DataFrame({
        "amount": np.exp(latent + 0.3 * rng.normal(size=n)),
        "score": 2 * latent + 0.2 * rng.normal(size=n),
        "count": pd.array(rng.poisson(3, size=n), dtype="Int64"),
        "flag": latent > 0,
        "colour": np.where(latent > 0.5, "red", np.where(latent < -0.5, "blue", "green")),
        "size": pd.Categorical(rng.choice(["S", "M", "L"], size=n), categories=["S", "M", "L"]),
    })
    df["colour"] = df["colour"].astype("str")
    hit = rng.random((n, df.shape[1])) < holes
    for j, name in enumerate(df.columns):
        if name == "flag":
            df[name] = df[name].astype("boolean")
        df.loc[hit[:, j], name] = None
    return df


def quiet_fit(estimator, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return estimator.fit(*args)


ESTIMATORS = [Autoencoder(**SMALL), DenoisingAutoencoder(**SMALL), SparseAutoencoder(**SMALL),
              ContractiveAutoencoder(**SMALL), VAE(n_importance_samples=4, **SMALL)]


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_every_estimator_models_a_raw_table(estimator):
    df = make_table()
    model = quiet_fit(estimator, df)
    assert model.column_kinds_ == {"amount": "numeric", "score": "numeric", "count": "numeric",
                                   "flag": "binary", "colour": "categorical",
                                   "size": "categorical"}
    assert model.n_features_in_ == 6
    assert list(model.feature_names_in_) == list(df.columns)
    Z = model.transform(df)
    assert Z.shape == (len(df), 3) and np.isfinite(Z).all()
    scores = model.score_samples(df)
    assert scores.shape == (len(df),) and np.isfinite(scores).all()
    # Dtypes round trip: the reconstruction is a table like the input.
    out = model.inverse_transform(Z)
    assert list(out.columns) == list(df.columns)
    assert (out.dtypes == df.dtypes).all(), (out.dtypes, df.dtypes)
    assert set(out["colour"]) <= {"red", "blue", "green"}
    assert set(out["size"].cat.categories) == {"S", "M", "L"}
    assert not out.isna().any().any()
    errors = model.reconstruction_error(df, per_feature=True)
    assert errors.shape == (len(df), 6) and (errors >= 0).all()


def test_training_reduces_the_table_loss_and_learns_the_categories():
    df = make_table(n=400, holes=0.0)
    model = quiet_fit(Autoencoder(**{**SMALL, "max_iter": 60}), df)
    assert model.loss_curve_[-1] < 0.7 * model.loss_curve_[0]
    out = model.inverse_transform(model.transform(df))
    # colour is a function of the latent factor the code can carry.
    assert (out["colour"] == df["colour"]).mean() > 0.8
    assert (out["flag"] == df["flag"]).mean() > 0.8


def test_the_loss_leaves_missing_entries_out():
    df = make_table(n=50)
    table = Table.learn(df)
    values = torch.tensor(table.encode(df)[0])
    output = torch.randn(values.shape, requires_grad=True)
    loss = ReconstructionLoss()
    loss.use_likelihood(TableLikelihood(table))
    loss(AutoencoderOutput(output, None), values).backward()
    missing = torch.isnan(values)
    assert missing.any()
    assert torch.isfinite(output.grad).all()
    numeric_and_binary = missing.clone()
    numeric_and_binary[:, table.n_numeric + table.n_binary:] = False
    assert (output.grad[numeric_and_binary] == 0).all()
    # A missing categorical entry: no gradient on any of its category logits.
    colour = next(c for c in table.columns if c.name == "colour")
    span = slice(colour.start, colour.start + colour.width)
    absent = missing[:, colour.start]
    assert (output.grad[absent][:, span] == 0).all()
    assert (output.grad[~absent][:, span] != 0).any()


def test_a_missing_entry_is_left_out_of_the_score():
    df = make_table(n=300, holes=0.0)
    model = quiet_fit(Autoencoder(**SMALL), df)
    row = df.iloc[[0]].copy()
    wild = row.copy()
    wild["score"] = 1e3
    hole = row.copy()
    hole["score"] = np.nan
    base, bad, missing = (model.score_samples(r)[0] for r in (row, wild, hole))
    assert bad < base - 100  # a wild value is very unlikely
    assert missing > bad  # the same row without it is scored on the rest
    assert model.reconstruction_error(hole, per_feature=True)[0, 1] == 0.0


def test_an_unseen_category_is_scored_below_any_seen_one():
    df = make_table(n=300, holes=0.0)
    model = quiet_fit(Autoencoder(**SMALL), df)
    rows = df.iloc[:20].copy()
    odd = rows.copy()
    odd["colour"] = "purple"
    assert np.isfinite(model.transform(odd)).all()
    assert (model.score_samples(odd) < model.score_samples(rows)).all()
    # It counts as a category of its own in the per-column error.
    errors = model.reconstruction_error(odd, per_feature=True)[:, 4]
    assert (errors > 1.0).all()


def test_explain_names_the_tables_own_columns():
    df = make_table(n=600, holes=0.05, seed=1)
    det = OutlierDetector(contamination=0.02, random_state=0).fit(df)
    # Clearly red rows (a high score) said to be blue: the colour is what is odd.
    odd = df.dropna()
    odd = odd[(odd["colour"] == "red") & odd["score"].between(1.3, 2.5)].copy()
    odd["colour"] = "blue"
    top = det.explain(odd, n_top=1, outliers_only=False)
    assert len(top) == len(odd) >= 5
    assert set(top["feature"]) <= set(df.columns)
    assert (top["feature"] == "colour").mean() >= 0.8, top


def test_detection_on_a_raw_table_finds_planted_anomalies():
    df = make_table(n=600, holes=0.05, seed=2)
    # Rows far from the centre whose colour and score say the opposite of the rest.
    anomalies = df.dropna()
    anomalies = anomalies[anomalies["score"].abs() > 1.5].iloc[:30].copy()
    anomalies["colour"] = np.where(anomalies["colour"] == "red", "blue", "red")
    anomalies["score"] = -anomalies["score"]
    test = pd.concat([make_table(n=200, holes=0.05, seed=4), anomalies], ignore_index=True)
    labels = np.r_[np.zeros(200), np.ones(len(anomalies))]
    det = OutlierDetector(contamination=0.05, random_state=0).fit(df)
    auc = roc_auc_score(labels, -det.score_samples(test))
    assert auc > 0.9, auc


def test_members_fitted_in_worker_processes_model_the_same_table():
    # n_jobs ships each member, with the table learned on all rows, to a worker
    # process and back: the same members as a sequential fit.
    df = make_table(n=300, holes=0.05, seed=5)
    params = dict(n_estimators=3, max_samples=100, contamination=0.05, random_state=0)
    sequential = OutlierDetector(**params).fit(df)
    parallel = OutlierDetector(**params, n_jobs=2).fit(df)
    np.testing.assert_allclose(parallel.score_samples(df), sequential.score_samples(df),
                               rtol=1e-6)
    assert [m.column_kinds_ for m in parallel.estimators_] == \
        [m.column_kinds_ for m in sequential.estimators_]
    assert set(parallel.explain(df)["feature"]) <= set(df.columns)


def test_numeric_arrays_with_holes_round_trip_as_arrays():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2)) @ rng.normal(size=(2, 5))
    X[rng.random(X.shape) < 0.1] = np.nan
    model = quiet_fit(Autoencoder(**SMALL), X)
    assert set(model.column_kinds_.values()) == {"numeric"}
    out = model.inverse_transform(model.transform(X))
    assert isinstance(out, np.ndarray) and out.shape == X.shape
    assert np.isfinite(model.score_samples(X)).all()


def test_complete_numeric_arrays_are_modelled_as_before():
    X = np.random.default_rng(0).normal(size=(100, 4))
    model = quiet_fit(Autoencoder(**SMALL), X)
    assert model._codec_.table is None
    with pytest.raises(AttributeError, match="only for models fitted on a table"):
        model.column_kinds_
    same = quiet_fit(Autoencoder(**SMALL), pd.DataFrame(X, columns=list("abcd")))
    assert same._codec_.table is None
    np.testing.assert_array_equal(model.transform(X), same.transform(
        pd.DataFrame(X, columns=list("abcd"))))
    # Nullable integers without a hole are numbers too: no table.
    nullable = pd.DataFrame({"a": X[:, 0], "b": pd.array(np.arange(100), dtype="Int64")})
    assert quiet_fit(Autoencoder(**SMALL), nullable)._codec_.table is None
    with pytest.raises(ValueError, match="fitted on complete numeric data"):
        same.transform(make_table().iloc[:, :4].set_axis(list("abcd"), axis=1))


def test_categorical_features_overrides_the_dtypes():
    df = make_table(n=120, holes=0.0)
    # An explicit list is the whole list of categorical columns (as scikit-learn's).
    model = quiet_fit(Autoencoder(**{**SMALL, "categorical_features": ["count", "colour",
                                                                       "size"]}), df)
    assert model.column_kinds_["count"] == "categorical"
    assert model.column_kinds_["amount"] == "numeric"
    by_mask = quiet_fit(Autoencoder(**{**SMALL, "categorical_features": [False, False, True, False, True, True]}),
                        df.astype({"size": "str"}))
    assert by_mask.column_kinds_["count"] == "categorical"
    with pytest.raises(ValueError, match="'nope', which is not a column"):
        quiet_fit(Autoencoder(**{**SMALL, "categorical_features": ["nope"]}), df)
    with pytest.raises(ValueError, match="'colour' is treated as numeric"):
        quiet_fit(Autoencoder(**{**SMALL, "categorical_features": ["size"]}), df)


def test_a_table_model_round_trips_through_skae_save(tmp_path):
    df = make_table()
    for model in (quiet_fit(Autoencoder(**SMALL), df), quiet_fit(VAE(**SMALL), df)):
        path = tmp_path / f"{type(model).__name__}.skae"
        skae.save(model, path)
        restored = skae.load(path)
        np.testing.assert_allclose(restored.score_samples(df), model.score_samples(df),
                                   rtol=1e-6)
        pd.testing.assert_frame_equal(restored.inverse_transform(restored.transform(df)),
                                      model.inverse_transform(model.transform(df)))
        assert restored.column_kinds_ == model.column_kinds_


def test_vae_samples_are_tables_and_refuse_bernoulli():
    df = make_table(n=200)
    vae = quiet_fit(VAE(**SMALL), df)
    samples = vae.sample(5, random_state=0, noise=True)
    assert list(samples.columns) == list(df.columns) and len(samples) == 5
    assert set(samples["colour"]) <= {"red", "blue", "green"}
    with pytest.raises(ValueError, match="likelihood='bernoulli' applies to numeric arrays"):
        quiet_fit(VAE(likelihood="bernoulli", **SMALL), df)


def test_conditional_vae_on_a_table():
    df = make_table(n=200)
    y = np.arange(200) % 2
    model = quiet_fit(ConditionalVAE(**SMALL), df, y)
    assert model.transform(df, y).shape == (200, 3)
    assert np.isfinite(model.score_samples(df, y)).all()
    assert list(model.inverse_transform(model.transform(df, y), y).columns) == list(df.columns)


def test_imputation_beats_the_mean_and_knn_on_a_planted_task():
    from sklearn.impute import KNNImputer

    rng = np.random.default_rng(0)
    X = np.tanh(rng.normal(size=(600, 3)) @ rng.normal(size=(3, 8)))
    holes = rng.random(X.shape) < 0.2
    X_missing = np.where(holes, np.nan, X)
    filled = AutoencoderImputer(random_state=0).fit_transform(X_missing)

    def rmse(values):
        return np.sqrt(np.mean((values[holes] - X[holes]) ** 2))

    mean, knn = (rmse(imputer.fit_transform(X_missing)) for imputer in (SimpleImputer(),
                                                                          KNNImputer()))
    assert rmse(filled) < 0.6 * mean, (rmse(filled), mean)
    # 0.92x KNNImputer's here; 0.84-0.92x over data seeds 0-2.
    assert rmse(filled) < 0.97 * knn, (rmse(filled), knn)
    np.testing.assert_array_equal(filled[~holes], X[~holes])


def test_the_imputer_fills_categorical_holes_and_keeps_dtypes():
    df = make_table(n=300, holes=0.15)
    out = AutoencoderImputer(random_state=0).fit(df).transform(df)
    assert not out.isna().any().any()
    assert (out.dtypes == df.dtypes).all()
    observed = df.notna()
    for name in df.columns:
        pd.testing.assert_series_equal(out[name][observed[name]], df[name][observed[name]])
    assert list(out.index) == list(df.index)


def test_the_default_imputers_network_is_sized_by_the_width_it_sees():
    def layers(X):
        return AutoencoderImputer(random_state=0).fit(X).estimator_.hidden_layer_sizes

    rng = np.random.default_rng(0)
    narrow = rng.normal(size=(60, 4))
    narrow[::5, 0] = np.nan
    assert layers(narrow) == (64, 32)
    wide = rng.normal(size=(60, 40))
    wide[::5, 0] = np.nan
    assert layers(wide) == (256, 128)  # capped
    # Three numbers, a bool and two three-level categories: ten inputs, not six.
    assert layers(make_table(n=120)) == (160, 80)


def test_the_imputer_is_reproducible_and_refuses_other_estimators():
    X = np.random.default_rng(0).normal(size=(80, 4))
    X[::4, 1] = np.nan
    a = AutoencoderImputer(random_state=0).fit_transform(X)
    b = AutoencoderImputer(random_state=0).fit_transform(X)
    np.testing.assert_array_equal(a, b)
    from sklearn.decomposition import PCA
    with pytest.raises(TypeError, match="one of skae's autoencoders"):
        AutoencoderImputer(PCA()).fit(X)


def test_detector_members_share_the_table_of_all_rows():
    df = make_table(n=600, holes=0.05)
    df.loc[7, "colour"] = "purple"  # one row: most members never see it
    det = OutlierDetector(contamination=0.05, random_state=0).fit(df)
    tables = [member._codec_.table for member in det.estimators_]
    assert all(t is tables[0] for t in tables)
    assert tables[0].n_rows == 600
    colour = next(c for c in tables[0].columns if c.name == "colour")
    assert "purple" in colour.categories
    # Refitting a member on its own learns its own table again.
    member = det.estimators_[0]
    quiet_fit(member, df.iloc[:100])
    assert member._codec_.table.n_rows == 100


def traffic_like(n, seed):
    """Connections: a protocol, skewed byte counts (zero for icmp), counts and a rate."""
    rng = np.random.default_rng(seed)
    protocol = rng.choice(["tcp", "udp", "icmp"], n, p=[0.7, 0.25, 0.05])
    src_bytes = np.round(np.exp(rng.normal(6, 1.0, n))) * (protocol != "icmp")
    return pd.DataFrame({
        "protocol": protocol,
        "duration": np.round(rng.exponential(2.0, n)),
        "src_bytes": src_bytes,
        "dst_bytes": np.round(src_bytes * np.exp(rng.normal(1, 0.3, n))),
        "count": rng.poisson(5, n).astype(float),
        "error_rate": rng.beta(1, 20, n),
    })


def test_an_oversized_transfer_ranks_first_natively_as_through_the_route():
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    frame = traffic_like(600, seed=0)
    odd = frame.iloc[[0]].copy()
    odd[["protocol", "src_bytes", "dst_bytes"]] = ["tcp", 5e7, 10.0]  # a huge upload
    test = pd.concat([frame.iloc[1:200], odd], ignore_index=True)
    route = make_pipeline(
        ColumnTransformer([("text", OneHotEncoder(handle_unknown="ignore"), ["protocol"])],
                          remainder=StandardScaler()),
        OutlierDetector(n_estimators=3, random_state=0))
    for model in (OutlierDetector(n_estimators=3, random_state=0), route):
        scores = model.fit(frame).score_samples(test)
        assert np.argmin(scores) == len(test) - 1, type(model).__name__
