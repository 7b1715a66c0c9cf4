"""Unsupervised anomaly detection on the 22 ODDS data sets.

Protocol (PyOD's): for each set and seed, a stratified 60/40 split; every
detector is fitted on the 60% without labels (after a StandardScaler fitted
on the same rows) and ranks the 40% by ``-score_samples`` (skae, PCA) or the
detector's own anomaly score; ROC-AUC and average precision against the
labels. Detectors:

- skae's default detector, ``OutlierDetector()`` (an ensemble of trimmed
  autoencoders on subsamples);
- ``OutlierDetector(E(random_state=seed), n_estimators=1, max_samples=1.0)``
  (one model on all rows) for every skae estimator ``E`` with its default
  settings; the VAE was the default detector before the ensemble;
- scikit-learn's PCA keeping 95% of the variance (its probabilistic
  ``score_samples``, through OutlierDetector),
  IsolationForest and LocalOutlierFactor(novelty=True);
- PyOD's AutoEncoder and VAE when ``pyod`` is installed.

Writes the per-set, per-seed numbers to JSON and a markdown summary (mean
ROC-AUC, mean AP, mean rank, fit and score time per detector, and a per-set
table); results are saved after every set, so an interrupted run keeps what
it measured.

Usage::

    python benchmarks/bench_anomaly.py --data-dir ../shared/data
    python benchmarks/bench_anomaly.py --data-dir ../shared/data --sets glass wbc --seeds 0
    # re-measure one detector (e.g. after a speed-up), keeping the others' runs
    python benchmarks/bench_anomaly.py --data-dir ../shared/data --detectors ContractiveAutoencoder
"""

import argparse
import json
import platform
import statistics
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator

RESULTS = Path(__file__).resolve().parent / "results"
# The 17 sets of PyOD's published table (all but these five).
NOT_IN_PYOD_TABLE = {"annthyroid", "breastw", "mammography", "smtp", "thyroid"}


def load_odds(path):
    if path.stem == "smtp":
        import h5py

        with h5py.File(path, "r") as f:
            return np.array(f["X"]).T, np.array(f["y"]).ravel()
    from scipy.io import loadmat

    data = loadmat(path)
    return np.asarray(data["X"], dtype=np.float64), np.asarray(data["y"]).ravel()


def odds_paths(data_dir, sets=None):
    """The ODDS files under ``data_dir/odds``, smallest first, only ``sets`` if given."""
    paths = sorted((Path(data_dir) / "odds").glob("*.mat"), key=lambda p: p.stat().st_size)
    return [p for p in paths if p.stem in sets] if sets else paths


def _GaussianResiduals(**params):
    """The default ensemble until 2026-11-22: five members, Gaussian residuals,
    batches of 32, 30 epochs (also used by bench_contamination.py)."""
    from skae import OutlierDetector

    class GaussianResiduals(OutlierDetector):
        def _default_member(self, n_features, n_rows):
            return super()._default_member(n_features, n_rows).set_params(
                residual_likelihood="gaussian", batch_size=32, max_iter=30,
                learning_rate="constant", learning_rate_init=1e-3)

    return GaussianResiduals(**{"n_estimators": 5, **params})


class KNN(BaseEstimator):
    """The distance to the k-th nearest training row (PyOD's KNN, method="largest"); an
    estimator, so that it can end a pipeline."""

    def __init__(self, n_neighbors=5):
        self.n_neighbors = n_neighbors

    def fit(self, X, y=None):
        from sklearn.neighbors import NearestNeighbors

        self.index_ = NearestNeighbors(n_neighbors=self.n_neighbors).fit(X)
        return self

    def score_samples(self, X):
        return -self.index_.kneighbors(X)[0][:, -1]


def detectors(seed):
    from sklearn.decomposition import PCA
    from sklearn.ensemble import IsolationForest
    from sklearn.neighbors import LocalOutlierFactor

    from skae import (
        VAE,
        Autoencoder,
        ContractiveAutoencoder,
        DenoisingAutoencoder,
        OutlierDetector,
        SparseAutoencoder,
    )

    # One model on all training rows; the wrapper seeds it (it re-seeds members
    # from its own random_state, as scikit-learn's bagging does).
    one = dict(n_estimators=1, max_samples=1.0, random_state=seed)
    found = {
        # The default detector: ten trimmed autoencoders on 256-row subsamples.
        "skae default": OutlierDetector(random_state=seed),
        # The same ensemble with Gaussian residuals: the default until 2026-11-22.
        "skae default, Gaussian residuals (previous)": _GaussianResiduals(random_state=seed),
        "VAE (previous default)": OutlierDetector(VAE(random_state=seed), **one),
        "Autoencoder": OutlierDetector(Autoencoder(random_state=seed), **one),
        "DenoisingAutoencoder": OutlierDetector(DenoisingAutoencoder(random_state=seed), **one),
        "SparseAutoencoder": OutlierDetector(SparseAutoencoder(random_state=seed), **one),
        "ContractiveAutoencoder": OutlierDetector(
            ContractiveAutoencoder(random_state=seed), **one),
        # 95% of the variance: the rest is the noise model, so that the
        # Gaussian of score_samples is not singular (all components would be).
        "PCA": OutlierDetector(PCA(n_components=0.95, random_state=seed), **one),
        "IsolationForest": IsolationForest(random_state=seed),
        "LocalOutlierFactor": LocalOutlierFactor(novelty=True),
        "kNN (k=5)": KNN(5),
    }
    try:
        from pyod.models.auto_encoder import AutoEncoder as PyODAutoEncoder
        from pyod.models.vae import VAE as PyODVAE

        found["PyOD AutoEncoder"] = PyODAutoEncoder(random_state=seed, verbose=0)
        found["PyOD VAE"] = PyODVAE(random_state=seed, verbose=0)
    except ImportError:
        pass
    return found


def anomaly_scores(detector, X):
    """Higher = more abnormal, whatever the detector's own convention.

    Infinite scores (a density that is exactly zero somewhere) keep their
    order: they become the largest or smallest finite value; NaN counts as
    most abnormal.
    """
    if hasattr(detector, "decision_scores_"):  # PyOD
        scores = detector.decision_function(X)
    else:
        scores = -detector.score_samples(X)
    top = np.finfo(np.float64).max
    return np.nan_to_num(np.asarray(scores, dtype=np.float64), nan=top, posinf=top, neginf=-top)


def measure(detector, X_train, X_test, y_test):
    """Fit without labels, score the test rows: ROC-AUC, AP, fit and score seconds."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        detector.fit(X_train)
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    scores = anomaly_scores(detector, X_test)
    score_seconds = time.perf_counter() - start
    return {"roc_auc": float(roc_auc_score(y_test, scores)),
            "average_precision": float(average_precision_score(y_test, scores)),
            "fit_seconds": fit_seconds, "score_seconds": score_seconds}


def run_set(path, seeds, only=None):
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, y = load_odds(path)
    rows = []
    for seed in seeds:
        X_train, X_test, _, y_test = train_test_split(
            X, y, test_size=0.4, stratify=y, random_state=seed
        )
        scaler = StandardScaler().fit(X_train)  # zero-variance columns keep scale 1
        X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
        for name, detector in detectors(seed).items():
            if only is not None and name not in only:
                continue
            rows.append({"set": path.stem, "seed": seed, "detector": name,
                         **measure(detector, X_train, X_test, y_test)})
            print(f"  {path.stem:<12} seed {seed} {name:<34} AUC {rows[-1]['roc_auc']:.3f} "
                  f"AP {rows[-1]['average_precision']:.3f} fit {rows[-1]['fit_seconds']:6.1f}s",
                  flush=True)
    return {"set": path.stem, "n_samples": len(X), "n_features": X.shape[1],
            "n_outliers": int(y.sum()), "runs": rows}


def summarise(sets):
    runs = [r for s in sets for r in s["runs"]]
    names = list(dict.fromkeys(r["detector"] for r in runs))
    per_set = {}
    for s in sets:
        per_set[s["set"]] = {
            name: statistics.fmean(aucs) if (aucs := [
                r["roc_auc"] for r in s["runs"] if r["detector"] == name]) else float("nan")
            for name in names
        }
    ranks = {name: [] for name in names}
    for aucs in per_set.values():
        # While an interrupted --detectors run is partial, rank what was measured.
        present = [n for n in names if aucs[n] == aucs[n]]
        ordered = sorted(present, key=lambda n: -aucs[n])
        for name in present:
            # Average rank among ties.
            tied = [i + 1 for i, n in enumerate(ordered) if aucs[n] == aucs[name]]
            ranks[name].append(statistics.fmean(tied))

    def mean_of(key, name, only=None):
        chosen = [r[key] for r in runs if r["detector"] == name
                  and (only is None or r["set"] in only)]
        return statistics.fmean(chosen) if chosen else float("nan")

    pyod_sets = {s["set"] for s in sets} - NOT_IN_PYOD_TABLE
    summary = [
        {
            "detector": name,
            "mean_roc_auc": mean_of("roc_auc", name),
            "mean_roc_auc_pyod_17": mean_of("roc_auc", name, pyod_sets),
            "mean_average_precision": mean_of("average_precision", name),
            "mean_rank": statistics.fmean(ranks[name]) if ranks[name] else float("nan"),
            "mean_fit_seconds": mean_of("fit_seconds", name),
            "mean_score_seconds": mean_of("score_seconds", name),
        }
        for name in names
    ]
    return sorted(summary, key=lambda row: -row["mean_roc_auc"]), per_set, names


def markdown(sets, seeds):
    summary, per_set, names = summarise(sets)
    n_pyod = len({s["set"] for s in sets} - NOT_IN_PYOD_TABLE)
    lines = [
        f"{len(sets)} ODDS sets, seeds {list(seeds)}, stratified 60/40 splits, "
        "StandardScaler fitted on the training rows.",
        "",
        f"| detector | mean ROC-AUC | mean ROC-AUC ({n_pyod} sets of PyOD's table) | "
        "mean AP | mean rank | fit s | score s |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in summary:
        lines.append(
            f"| {row['detector']} | {row['mean_roc_auc']:.3f} | {row['mean_roc_auc_pyod_17']:.3f} | "
            f"{row['mean_average_precision']:.3f} | {row['mean_rank']:.2f} | "
            f"{row['mean_fit_seconds']:.2f} | {row['mean_score_seconds']:.3f} |"
        )
    # The two detectors a reader compares first, then the others by mean ROC-AUC.
    first = [n for n in ("skae default", "IsolationForest") if n in names]
    columns = first + [row["detector"] for row in summary if row["detector"] not in first]
    lines += ["", "ROC-AUC per set (mean over seeds):", "",
              "| set | " + " | ".join(columns) + " |",
              "|---|" + "---|" * len(columns)]
    for name_set, aucs in per_set.items():
        lines.append(f"| {name_set} | " + " | ".join(f"{aucs[n]:.3f}" for n in columns) + " |")
    return "\n".join(lines)


def resumed(output, seeds, paths):
    """``--resume``: the sets already measured in ``output`` (a run with the same
    seeds) and the paths of those still to run."""
    if not output.exists():
        return [], paths
    previous = json.loads(output.read_text())
    if previous["config"]["seeds"] != seeds:
        raise SystemExit("--resume needs the seeds of the previous run")
    sets = previous["sets"]
    done = {s["set"] for s in sets}
    print(f"resuming: {len(done)} sets already measured")
    return sets, [p for p in paths if p.stem not in done]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--sets", nargs="*", default=None, help="names of ODDS sets (default: all)")
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2])
    parser.add_argument("--output", type=Path, default=RESULTS / "bench_anomaly.json")
    parser.add_argument("--resume", action="store_true",
                        help="keep the sets already in --output and run only the others")
    parser.add_argument("--detectors", nargs="+", default=None,
                        help="re-measure only these detectors on the sets in --output, "
                             "replacing their runs and keeping the other detectors' runs")
    parser.add_argument("--tables-only", action="store_true",
                        help="only write the Markdown tables again from the runs in --output")
    args = parser.parse_args(argv)
    if args.detectors and args.resume:
        parser.error("--detectors and --resume do not combine")
    if args.tables_only:
        saved = json.loads(args.output.read_text())
        args.output.with_suffix(".md").write_text(
            markdown(saved["sets"], saved["config"]["seeds"]) + "\n")
        return

    paths = odds_paths(args.data_dir, args.sets)
    import torch

    args.output.parent.mkdir(parents=True, exist_ok=True)
    sets = []
    if args.resume:
        sets, paths = resumed(args.output, args.seeds, paths)
    if args.detectors:
        if not args.output.exists():
            raise SystemExit(f"--detectors updates an earlier run: {args.output} does not exist")
        previous = json.loads(args.output.read_text())
        if previous["config"]["seeds"] != args.seeds:
            raise SystemExit("--detectors needs the seeds of the previous run")
        known = {run["detector"] for s in previous["sets"] for run in s["runs"]}
        unknown = sorted(set(args.detectors) - known - set(detectors(0)))
        if unknown:
            raise SystemExit(f"unknown detectors {unknown}; the run has {sorted(known)}")
        sets = previous["sets"]
        by_name = {p.stem: p for p in paths}
        paths = [by_name[s["set"]] for s in sets if s["set"] in by_name]
    for path in paths:
        print(f"== {path.stem}", flush=True)
        if args.detectors:
            entry = next(s for s in sets if s["set"] == path.stem)
            fresh = run_set(path, args.seeds, only=set(args.detectors))["runs"]
            kept = [r for r in entry["runs"] if r["detector"] not in args.detectors]
            order = list(dict.fromkeys([*(r["detector"] for r in entry["runs"]),
                                        *args.detectors]))
            entry["runs"] = sorted(kept + fresh, key=lambda r: (r["seed"],
                                                                 order.index(r["detector"])))
        else:
            sets.append(run_set(path, args.seeds))
        report = {"benchmark": "bench_anomaly",
                  "config": {"seeds": args.seeds, "sets": [s["set"] for s in sets]},
                  "environment": {"python": platform.python_version(),
                                  "torch": torch.__version__,
                                  "threads": torch.get_num_threads()},
                  "sets": sets,
                  "summary": summarise(sets)[0]}
        args.output.write_text(json.dumps(report, indent=2) + "\n")
        args.output.with_suffix(".md").write_text(markdown(sets, args.seeds) + "\n")
    print("\n" + markdown(sets, args.seeds))
    print(f"wrote {args.output} and {args.output.with_suffix('.md')}")


if __name__ == "__main__":
    main()
