"""skae.save / skae.load: exact round trips, and clear errors for files that must not load."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file
from sklearn.base import BaseEstimator
from sklearn.decomposition import PCA
from sklearn.exceptions import NotFittedError

import skae
from skae import Autoencoder, OutlierDetector, load, save
from skae._persistence import _digest

from .conftest import ESTIMATORS, FAST, PUBLIC, estimator_id, fit_args


def fitted(estimator, X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return estimator.fit(*fit_args(estimator, X))


def read(path):
    with safe_open(str(path), framework="pt") as f:
        return dict(f.metadata()), {k: f.get_tensor(k) for k in f.keys()}


def rewrite(path, metadata, tensors, fix_digest=True):
    if fix_digest:
        metadata["sha256"] = _digest(metadata["estimator"], tensors)
    save_file(tensors, str(path), metadata=metadata)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=estimator_id)
def test_round_trip_gives_identical_outputs(estimator, tabular, tmp_path):
    model = fitted(estimator, tabular)
    loaded = load(save(model, tmp_path / "model.safetensors"))
    assert type(loaded) is type(model)
    assert loaded.get_params() == model.get_params()
    for method in ("transform", "score_samples", "reconstruction_error"):
        np.testing.assert_array_equal(
            getattr(loaded, method)(tabular), getattr(model, method)(tabular)
        )
    Z = model.transform(tabular[:5])
    np.testing.assert_array_equal(loaded.inverse_transform(Z), model.inverse_transform(Z))
    assert loaded.n_iter_ == model.n_iter_ and loaded.loss_curve_ == model.loss_curve_


def test_the_shared_estimator_list_covers_every_exported_estimator():
    exported = {getattr(skae, name) for name in skae.__all__}
    estimators = {cls for cls in exported if isinstance(cls, type)
                  and issubclass(cls, BaseEstimator)}
    assert {type(e) for e in PUBLIC} == estimators


@pytest.mark.parametrize("estimator", PUBLIC, ids=estimator_id)
def test_every_exported_estimator_saves_and_loads(estimator, tabular, tmp_path):
    model = fitted(estimator, tabular)
    loaded = load(save(model, tmp_path / "model.safetensors"))
    assert type(loaded) is type(model)

    def plain(params):  # a nested estimator compares by its own (deep) parameters
        return {k: v for k, v in params.items() if not isinstance(v, BaseEstimator)}

    assert plain(loaded.get_params()) == plain(model.get_params())
    method = "score_samples" if hasattr(model, "score_samples") else "transform"
    np.testing.assert_array_equal(getattr(loaded, method)(tabular),
                                  getattr(model, method)(tabular))


def test_a_saved_imputer_fills_a_table_as_before(tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"size": rng.normal(size=80),
                          "colour": rng.choice(["red", "blue"], size=80)})
    frame.loc[::5, "size"] = np.nan
    frame.loc[2::7, "colour"] = None
    imputer = fitted(skae.AutoencoderImputer(Autoencoder(n_components=1, **FAST)), frame)
    loaded = load(save(imputer, tmp_path / "imputer.safetensors"))
    pd.testing.assert_frame_equal(loaded.transform(frame), imputer.transform(frame))
    assert loaded.transform(frame).notna().all().all()


def test_the_checkpoint_copies_are_not_pickled(tabular):
    import pickle

    model = Autoencoder(n_components=2, **FAST).partial_fit(tabular).partial_fit(tabular)
    assert model._trainer_._spare is not None  # kept for the next partial_fit
    restored = pickle.loads(pickle.dumps(model))
    assert restored._trainer_._spare is None
    np.testing.assert_array_equal(restored.partial_fit(tabular).transform(tabular),
                                  model.partial_fit(tabular).transform(tabular))


def test_set_output_is_saved(tmp_path):
    X = np.random.default_rng(0).normal(size=(60, 3))
    X[::6, 2] = np.nan
    imputer = skae.AutoencoderImputer(Autoencoder(n_components=1, **FAST))
    imputer = fitted(imputer.set_output(transform="pandas"), X)
    loaded = load(save(imputer, tmp_path / "imputer.safetensors"))
    pd.testing.assert_frame_equal(loaded.transform(X), imputer.transform(X))


def test_outlier_detector_round_trip_keeps_threshold_and_names(tabular, tmp_path):
    frame = pd.DataFrame(tabular, columns=[f"c{i}" for i in range(10)])
    det = fitted(OutlierDetector(Autoencoder(n_components=2, **FAST), contamination=0.05), frame)
    loaded = load(save(det, tmp_path / "det.safetensors"))
    assert loaded.offset_ == det.offset_
    assert list(loaded.feature_names_in_) == list(frame.columns)
    np.testing.assert_array_equal(loaded.predict(frame), det.predict(frame))
    pd.testing.assert_frame_equal(loaded.explain(frame), det.explain(frame))
    with pytest.raises(ValueError, match="feature names"):
        loaded.score_samples(frame.rename(columns={"c0": "other"}))


def test_an_ensemble_detector_round_trips_with_every_member(tabular, tmp_path):
    det = OutlierDetector(Autoencoder(n_components=2, trim=0.1, **FAST), n_estimators=3,
                          max_samples=100, random_state=0).fit(tabular)
    loaded = load(save(det, tmp_path / "ensemble.safetensors"))
    assert len(loaded.estimators_) == 3
    assert [m.random_state for m in loaded.estimators_] == [m.random_state for m in det.estimators_]
    assert loaded.estimators_[0].trim == 0.1
    np.testing.assert_array_equal(loaded.score_samples(tabular), det.score_samples(tabular))
    np.testing.assert_array_equal(loaded.predict(tabular), det.predict(tabular))


def test_loaded_model_can_be_refitted(tabular, tmp_path):
    model = fitted(Autoencoder(n_components=2, **FAST), tabular)
    loaded = load(save(model, tmp_path / "m.safetensors"))
    refit = fitted(loaded, tabular)
    np.testing.assert_allclose(refit.transform(tabular), model.transform(tabular), rtol=1e-5)


@pytest.mark.parametrize("early_stopping", [False, True])
def test_loaded_model_extends_its_loss_curve(tabular, tmp_path, early_stopping):
    # Saved state is not lost: epochs after load (partial_fit, warm start)
    # continue the count and the curves, as they do without the round trip.
    params = dict(n_components=2, **FAST, early_stopping=early_stopping,
                  n_iter_no_change=100)
    model = fitted(Autoencoder(**params), tabular)
    path = save(model, tmp_path / "m.safetensors")
    loaded = load(path)
    loaded.partial_fit(tabular)
    assert loaded.n_iter_ == model.n_iter_ + 1
    assert loaded.loss_curve_[: model.n_iter_] == model.loss_curve_
    warm = fitted(load(path).set_params(warm_start=True, max_iter=2), tabular)
    assert warm.n_iter_ == model.n_iter_ + 2
    assert warm.loss_curve_[: model.n_iter_] == model.loss_curve_
    if early_stopping:
        assert warm.validation_scores_[: model.n_iter_] == model.validation_scores_
        assert len(warm.validation_scores_) == warm.n_iter_


def test_saving_replaces_a_file_only_when_complete(tabular, tmp_path, monkeypatch):
    path = tmp_path / "m.safetensors"
    model = fitted(Autoencoder(n_components=2, **FAST), tabular)
    save(model, path)
    before = path.read_bytes()

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(skae._persistence, "save_file", fail)
    with pytest.raises(OSError, match="disk full"):
        save(model, path)
    assert path.read_bytes() == before
    assert list(tmp_path.iterdir()) == [path]


def test_unfitted_foreign_and_unsafe_estimators_are_refused(tabular, tmp_path):
    with pytest.raises(NotFittedError):
        save(Autoencoder(), tmp_path / "m.safetensors")
    with pytest.raises(TypeError, match="skae's estimators only"):
        save(PCA().fit(tabular), tmp_path / "m.safetensors")
    with pytest.raises(TypeError, match="not a skae estimator"):
        save(fitted(OutlierDetector(PCA(2)), tabular), tmp_path / "m.safetensors")
    model = fitted(Autoencoder(n_components=2, optimizer=torch.optim.Adam, **FAST), tabular)
    with pytest.raises(TypeError, match="optimizer=.*cannot be saved safely"):
        save(model, tmp_path / "m.safetensors")
    assert not list(tmp_path.iterdir())


@pytest.fixture
def saved(tabular, tmp_path):
    path = tmp_path / "m.safetensors"
    save(fitted(Autoencoder(n_components=2, **FAST), tabular), path)
    return path


def test_truncated_file_is_refused(saved):
    data = saved.read_bytes()
    for keep in (0, 7, 100, len(data) // 2, len(data) - 1):
        saved.write_bytes(data[:keep])
        with pytest.raises(ValueError, match="not a readable skae file"):
            load(saved)


def test_tampered_weights_are_refused(saved):
    data = bytearray(saved.read_bytes())
    data[-3] ^= 0xFF  # a byte inside the last tensor
    saved.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="integrity check"):
        load(saved)


def test_tampered_header_is_refused(saved):
    metadata, tensors = read(saved)
    record = json.loads(metadata["estimator"])
    record["attributes"]["n_iter_"] = 999
    metadata["estimator"] = json.dumps(record)
    rewrite(saved, metadata, tensors, fix_digest=False)
    with pytest.raises(ValueError, match="integrity check"):
        load(saved)


def test_unknown_class_is_refused_even_with_a_valid_digest(saved):
    metadata, tensors = read(saved)
    # DataParallelContext is public but not an estimator: never loadable.
    for name in ("PCA", "os.system", "BaseAutoencoder", "DataParallelContext"):
        record = json.loads(metadata["estimator"])
        record["class"] = name
        metadata["estimator"] = json.dumps(record)
        rewrite(saved, metadata, tensors)
        with pytest.raises(ValueError, match=f"{name!r}, which is not one of skae's"):
            load(saved)


def test_other_format_version_is_refused_and_other_skae_version_warns(saved):
    metadata, tensors = read(saved)
    rewrite(saved, dict(metadata, format_version="99"), tensors)
    with pytest.raises(ValueError, match="format version '99'"):
        load(saved)
    rewrite(saved, dict(metadata, skae_version="0.0.1"), tensors)
    with pytest.warns(UserWarning, match="written by skae 0.0.1"):
        load(saved)


def test_weights_that_do_not_fit_the_parameters_are_refused(saved):
    metadata, tensors = read(saved)
    record = json.loads(metadata["estimator"])
    record["params"]["hidden_layer_sizes"] = {"__tuple__": [32]}
    metadata["estimator"] = json.dumps(record)
    rewrite(saved, metadata, tensors)
    with pytest.raises(ValueError, match="saved weights do not fit"):
        load(saved)


def test_foreign_files_are_refused(tmp_path):
    path = tmp_path / "x.safetensors"
    save_file({"w": torch.zeros(3)}, str(path), metadata={"format": "pt"})
    with pytest.raises(ValueError, match="not one written by skae.save"):
        load(path)
    path.write_bytes(b"\x80\x04\x95 a pickle, not safetensors")
    with pytest.raises(ValueError, match="not a readable skae file"):
        load(path)
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.safetensors")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_model_trained_on_gpu_loads_on_cpu(tabular, tmp_path):
    model = fitted(Autoencoder(n_components=2, **dict(FAST, device="cuda")), tabular)
    loaded = load(save(model, tmp_path / "m.safetensors"), device="cpu")
    assert loaded._trainer_.device == "cpu"
    np.testing.assert_allclose(loaded.transform(tabular), model.transform(tabular), rtol=1e-4)
