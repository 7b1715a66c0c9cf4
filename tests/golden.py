"""Values recorded from fixed seeds, to check that a refactor changes no behaviour.

``compute()`` fits every public estimator (the shared list in ``conftest``)
and the code paths around them (warm start, ``partial_fit``, sampling, the
outlier detector in both settings, a table with text and holes, the imputer)
and returns what they output. ``tests/golden.json`` holds those outputs as
recorded before the base was restructured (the conditional VAE's outputs given
labels and the reconstruction errors were added when its methods moved to the
base, with values checked equal to those before the move; the trusted-rows detector's
``novelty/*`` entries were recorded again when its score became the distance to the
nearest denoised point, and when its default member moved to batches of 128; the
table detector's scores when it began to count holes at their column's median term, and
when its members' code width began to follow the table's encoded width), as
text (each float's shortest repr, which reads back to the same bits); ``test_golden.py`` compares.

Usage (from the repository root)::

    python -m tests.golden --check     # exact comparison, prints the largest difference
    python -m tests.golden --record    # only when a change of behaviour is intended
"""

import argparse
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

FILE = Path(__file__).resolve().parent / "golden.json"
#: The entry that names the torch build the values were recorded with.
TORCH = "meta/torch"


def _data():
    rng = np.random.default_rng(0)
    latent = rng.normal(size=(160, 2))
    X = np.tanh(latent @ rng.normal(size=(2, 6))) + 0.1 * rng.normal(size=(160, 6))
    return X[:120], X[120:]


def _table():
    rng = np.random.default_rng(1)
    n = 150
    size = rng.normal(size=n)
    frame = pd.DataFrame({
        "size": size,
        "weight": 2 * size + 0.3 * rng.normal(size=n),
        "colour": np.where(size > 0, "red", np.where(size > -1, "blue", "green")),
        "count": rng.poisson(3, n).astype(float),
    })
    frame.loc[::7, "weight"] = np.nan
    frame.loc[3::11, "colour"] = None
    return frame


def compute():
    """Every recorded output, by name."""
    from sklearn.base import clone

    from skae import VAE, Autoencoder, AutoencoderImputer, ConditionalVAE, OutlierDetector

    from .conftest import ESTIMATORS, estimator_id, fit_args

    X, X_new = _data()
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for estimator in ESTIMATORS:
            key = estimator_id(estimator)
            model = clone(estimator).fit(*fit_args(estimator, X))
            codes = model.transform(X_new)
            out[f"{key}/transform"] = codes
            out[f"{key}/inverse_transform"] = model.inverse_transform(codes)
            out[f"{key}/score_samples"] = model.score_samples(X_new)
            out[f"{key}/loss_curve"] = np.asarray(model.loss_curve_)
        fast = dict(n_components=2, hidden_layer_sizes=(16,), batch_size=32, device="cpu",
                    random_state=0)
        warm = Autoencoder(max_iter=3, warm_start=True, **fast).fit(X).fit(X)
        out["warm_start/loss_curve"] = np.asarray(warm.loss_curve_)
        out["warm_start/transform"] = warm.transform(X_new)
        incremental = Autoencoder(**fast)
        for chunk in np.array_split(X, 3):
            incremental.partial_fit(chunk)
        out["partial_fit/transform"] = incremental.transform(X_new)
        out["partial_fit/score_samples"] = incremental.score_samples(X_new)
        vae = VAE(max_iter=5, **fast).fit(X)
        out["vae/sample"] = np.asarray(vae.sample(5, random_state=0))
        out["vae/sample_noise"] = np.asarray(vae.sample(5, random_state=1, noise=True))
        cvae = ConditionalVAE(max_iter=5, **fast).fit(X, np.arange(len(X)) % 2)
        out["cvae/sample"] = np.asarray(cvae.sample(4, y=[0, 1, 0, 1], random_state=0)[0])
        labels = np.arange(len(X_new)) % 2
        given = cvae.transform(X_new, labels)
        out["cvae/transform_given"] = given
        out["cvae/inverse_transform_given"] = cvae.inverse_transform(given, labels)
        out["cvae/errors_given"] = cvae.reconstruction_error(X_new, labels, per_feature=True)
        out["cvae/errors"] = cvae.reconstruction_error(X_new, per_feature=True)
        out["cvae/score_samples_given"] = cvae.score_samples(X_new, labels)
        detector = OutlierDetector(n_estimators=3, random_state=0).fit(X)
        out["detector/score_samples"] = detector.score_samples(X_new)
        out["detector/offset"] = np.asarray([detector.offset_])
        novelty = OutlierDetector(novelty=True, random_state=0).fit(X)
        out["novelty/score_samples"] = novelty.score_samples(X_new)
        out["novelty/offset"] = np.asarray([novelty.offset_])
        frame = _table()
        table_model = Autoencoder(max_iter=5, **fast).fit(frame)
        out["table/transform"] = table_model.transform(frame)
        out["table/score_samples"] = table_model.score_samples(frame)
        out["table/errors"] = table_model.reconstruction_error(frame, per_feature=True)
        decoded = table_model.inverse_transform(table_model.transform(frame))
        out["table/inverse_numeric"] = decoded[["size", "weight", "count"]].to_numpy(float)
        out["table/inverse_colour"] = decoded["colour"].astype(str).to_numpy()
        table_detector = OutlierDetector(n_estimators=2, random_state=0).fit(frame)
        out["table_detector/score_samples"] = table_detector.score_samples(frame)
        filled = AutoencoderImputer(random_state=0).fit(frame).transform(frame)
        out["imputer/weight"] = filled["weight"].to_numpy(float)
        out["imputer/colour"] = filled["colour"].astype(str).to_numpy()
    return {name: np.asarray(value, dtype=str if np.asarray(value).dtype == object else None)
            for name, value in out.items()}


def differences(recorded, now):
    """Largest absolute difference per name (inf where shapes or kinds differ)."""
    found = {}
    for name in sorted(set(recorded) | set(now)):
        a, b = recorded.get(name), now.get(name)
        if a is None or b is None or np.shape(a) != np.shape(b):
            found[name] = np.inf
        elif a.dtype.kind in "US" or b.dtype.kind in "US":
            found[name] = 0.0 if np.array_equal(a, b) else np.inf
        else:
            found[name] = float(np.max(np.abs(np.asarray(a, float) - np.asarray(b, float)),
                                       initial=0.0))
    return found


def write(outputs, path):
    """Save ``name -> array`` as JSON: dtype, shape and the values as a flat list."""
    path.write_text(json.dumps(
        {name: {"dtype": value.dtype.str, "shape": list(value.shape),
                "values": value.ravel().tolist()} for name, value in outputs.items()},
        indent=0, sort_keys=True) + "\n")


def read(path):
    """The ``name -> array`` that :func:`write` saved."""
    return {name: np.array(entry["values"], dtype=entry["dtype"]).reshape(entry["shape"])
            for name, entry in json.loads(path.read_text()).items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--record", action="store_true")
    action.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    now = compute()
    if args.record:
        import torch

        write({**now, TORCH: np.asarray(torch.__version__)}, FILE)
        print(f"recorded {len(now)} outputs in {FILE}")
        return 0
    recorded = read(FILE)
    recorded.pop(TORCH)
    found = differences(recorded, now)
    for name, difference in found.items():
        print(f"{difference:10.3g}  {name}")
    changed = [name for name, difference in found.items() if difference != 0.0]
    print(f"{len(found) - len(changed)} of {len(found)} outputs bit-identical")
    return 1 if changed else 0


if __name__ == "__main__":
    raise SystemExit(main())
