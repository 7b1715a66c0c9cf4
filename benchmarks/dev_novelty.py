"""Development study that chose ``OutlierDetector(novelty=True)``, apart from the benchmark.

The ODDS sets of ``bench_novelty.py`` are the test: their labels chose
nothing. These tasks are scikit-learn's bundled tables with a rare class,
a synthetic manifold (those of ``dev_anomaly_defaults.py``), and two tables
built for the failure modes seen on held-out data:

- sparse_binary: 400 binary columns, rows drawn from five sparse prototypes;
  anomalies have as many ones, at random places;
- gap_nearconst: two clusters in 4 columns plus a column that is 0 but for
  1% of the rows; anomalies lie in the gap between the clusters (a single
  Gaussian over the codes puts its peak there).

Two settings per task and seed, as in ``bench_novelty.py``: ``clean`` (fit
on half of the normal rows; test on the other half and every anomaly) and
``contaminated`` (fit and test on all rows); StandardScaler on the training
rows; ROC-AUC of ``-score_samples``.

Writes ``results/dev_novelty.{json,md}``.

Usage::

    python benchmarks/dev_novelty.py --seeds 0   # as committed; default 2 seeds
"""

import argparse
import json
import statistics
import warnings
from pathlib import Path

import numpy as np

from bench_novelty import KNN, split
from dev_anomaly_defaults import tasks as bundled_tasks

RESULTS = Path(__file__).resolve().parent / "results"


def tasks(seed):
    yield from bundled_tasks(seed)
    rng = np.random.default_rng(100 + seed)
    d, n, k = 400, 1500, 40
    prototypes = rng.random((5, d)) < 0.03
    which = rng.integers(0, 5, n)
    normal = (prototypes[which] & (rng.random((n, d)) < 0.8)) | (rng.random((n, d)) < 0.005)
    odd = (rng.random((k, d)) < 0.03) | (rng.random((k, d)) < 0.005)
    yield ("sparse_binary", np.r_[normal, odd].astype(float),
           np.r_[np.zeros(n, int), np.ones(k, int)])
    n, k = 2000, 60
    side = rng.integers(0, 2, n)
    blobs = rng.normal(size=(n, 4)) * 0.5 + np.where(side[:, None] == 1, 2.0, -2.0)
    rare = np.where(rng.random(n) < 0.01, 1.0, 0.0)
    gap = rng.normal(size=(k, 4)) * 0.5
    yield ("gap_nearconst", np.c_[np.r_[blobs, gap], np.r_[rare, np.zeros(k)]],
           np.r_[np.zeros(n, int), np.ones(k, int)])


class LearnedSpaceKNN:
    """A candidate: kNN distance among [code, residual / residual sd] of one network."""

    def __init__(self, member):
        self.member = member

    def _embed(self, X):
        codes = self.member.transform(X)
        residual = X - self.member.inverse_transform(codes)
        return np.c_[codes, residual / np.sqrt(self.member.residual_variance_)]

    def fit(self, X):
        self.member.fit(X)
        self.knn_ = KNN(5).fit(self._embed(X))
        return self

    def score_samples(self, X):
        return self.knn_.score_samples(self._embed(X))


def candidates(seed, n_rows, n_features):
    from skae import OutlierDetector, _outlier

    class Neighbours10(OutlierDetector):
        """novelty=True with the code density of the 10th nearest neighbour."""

        def fit(self, X, y=None):
            _outlier.N_NEIGHBORS = 10
            try:
                return super().fit(X)
            finally:
                _outlier.N_NEIGHBORS = 5

        def score_samples(self, X):
            _outlier.N_NEIGHBORS = 10
            try:
                self._neighbours = None  # rebuilt with k = 10
                return super().score_samples(X)
            finally:
                _outlier.N_NEIGHBORS = 5

    def wide_member():
        return OutlierDetector(novelty=True)._novelty_estimator(n_features, n_rows)

    one = dict(n_estimators=1, max_samples=1.0, random_state=seed)
    return {
        "novelty=True: wide AE, residual density + 5-NN code density (chosen)":
            OutlierDetector(novelty=True, random_state=seed),
        "the same with code width min(8, d // 2)": OutlierDetector(
            wide_member().set_params(n_components=min(8, max(1, n_features // 2))), novelty=True,
            random_state=seed),
        "the same with k = 10 neighbours": Neighbours10(novelty=True, random_state=seed),
        "the same wide AE, Gaussian code prior": OutlierDetector(wide_member(), **one),
        "5-NN in the wide AE's [code, residual / sd]":
            LearnedSpaceKNN(wide_member().set_params(random_state=seed)),
        "OutlierDetector() (novelty=False)": OutlierDetector(random_state=seed),
        "kNN (k=5) on the rows": KNN(5),
    }


def main(argv=None):
    from sklearn.metrics import roc_auc_score

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1])
    parser.add_argument("--output", type=Path, default=RESULTS / "dev_novelty.json")
    args = parser.parse_args(argv)
    runs = []
    for seed in args.seeds:
        for name, X, y in tasks(seed):
            for setting in ("clean", "contaminated"):
                X_train, X_test, y_test = split(X, y, setting, seed)
                for label, detector in candidates(seed, len(X_train), X.shape[1]).items():
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        detector.fit(X_train)
                    auc = roc_auc_score(y_test, -detector.score_samples(X_test))
                    runs.append({"task": name, "setting": setting, "seed": seed,
                                 "candidate": label, "roc_auc": float(auc)})
                    print(f"{name:<14} {setting:<12} seed {seed} {auc:.3f} {label}", flush=True)
    labels = list(dict.fromkeys(r["candidate"] for r in runs))
    names = list(dict.fromkeys(r["task"] for r in runs))

    def mean(setting, label, task=None):
        return statistics.fmean(r["roc_auc"] for r in runs if r["setting"] == setting
                                and r["candidate"] == label and task in (None, r["task"]))

    lines = [f"Development tasks, seeds {args.seeds}, mean ROC-AUC.", "",
             "| candidate | clean | contaminated | " + " | ".join(
                 f"{t} (clean)" for t in names) + " |",
             "|---|---|---|" + "---|" * len(names)]
    for label in labels:
        lines.append(f"| {label} | {mean('clean', label):.3f} | "
                     f"{mean('contaminated', label):.3f} | "
                     + " | ".join(f"{mean('clean', label, t):.3f}" for t in names) + " |")
    text = "\n".join(lines)
    print(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"benchmark": "dev_novelty", "seeds": args.seeds,
                                       "runs": runs}, indent=1))
    args.output.with_suffix(".md").write_text(text + "\n")


if __name__ == "__main__":
    main()
