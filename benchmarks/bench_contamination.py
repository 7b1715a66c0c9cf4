"""Planted contamination: does a detector stay good when anomalies are among its training rows?

For each ODDS set, the inliers are split 60/40 and the outliers 50/50. A
detector is fitted on the 60% of inliers plus a fraction ``c`` of outlier rows
(``c`` of the training rows: 0, 1, 2, 5, 10%) drawn from the first half of
the outliers, in two ways:

- ``mixed``: distinct outlier rows, drawn at random (with replacement only
  when the half runs out);
- ``repeated``: three outlier rows repeated, each copy with a little noise
  (1% of each feature's spread): the dense, repeated patterns of, e.g.,
  an attack in network traffic, which a model of "normal" learns first;

and scored on the held-out 40% of inliers and the other half of the outliers
(ROC-AUC of ``-score_samples``; StandardScaler fitted on the training rows).
Every detector runs with its defaults as a user would call it; none is told
``c``. Writes ``results/bench_contamination.{json,md}`` and the figure
``docs/figures/bench_contamination.png``.

Usage::

    python benchmarks/bench_contamination.py --data-dir ../shared/data
    python benchmarks/bench_contamination.py --data-dir DIR --sets cardio thyroid --seeds 0
    python benchmarks/bench_contamination.py --data-dir DIR --detectors IsolationForest PCA
    # add two detectors to the committed run without running the others again
    python benchmarks/bench_contamination.py --data-dir DIR --seeds 0 1 \
        --detectors "kNN (k=5)" LocalOutlierFactor --add
"""

import argparse
import json
import platform
import time
import warnings
from pathlib import Path

import numpy as np

from _data import docs_figure_saver
from bench_anomaly import KNN, _GaussianResiduals, anomaly_scores, load_odds

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "results"
FIGURE = ROOT.parent / "docs" / "figures" / "bench_contamination.png"
SETS = ["cardio", "thyroid", "satellite", "pendigits", "annthyroid"]
LEVELS = [0.0, 0.01, 0.02, 0.05, 0.1]


def detectors(seed):
    from sklearn.decomposition import PCA
    from sklearn.ensemble import IsolationForest
    from sklearn.neighbors import LocalOutlierFactor

    from skae import VAE, Autoencoder, OutlierDetector

    one = dict(n_estimators=1, max_samples=1.0, random_state=seed)  # seeds the member
    return {
        "skae default (OutlierDetector())": OutlierDetector(random_state=seed),
        "default with Gaussian residuals (previous)": _GaussianResiduals(random_state=seed),
        "previous default (one VAE)": OutlierDetector(VAE(random_state=seed), **one),
        "Autoencoder": OutlierDetector(Autoencoder(random_state=seed), **one),
        "Autoencoder(trim=0.1)": OutlierDetector(Autoencoder(trim=0.1, random_state=seed), **one),
        "IsolationForest": IsolationForest(random_state=seed),
        "PCA": OutlierDetector(PCA(n_components=0.95, random_state=seed), **one),
        "kNN (k=5)": KNN(5),
        # Fitted on the training rows, scoring new ones: novelty=True is LOF's mode for that.
        "LocalOutlierFactor": LocalOutlierFactor(novelty=True),
    }


def planted_split(X, y, c, kind, seed):
    """Training rows (inliers + planted outliers) and held-out test rows, scaled."""
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(seed)
    inliers, outliers = rng.permutation(np.flatnonzero(y == 0)), rng.permutation(np.flatnonzero(y == 1))
    n_train = int(0.6 * len(inliers))
    train_in, test_in = inliers[:n_train], inliers[n_train:]
    pool, test_out = outliers[: len(outliers) // 2], outliers[len(outliers) // 2 :]
    k = int(round(c * n_train / (1 - c)))
    if k == 0:
        planted = np.empty((0, X.shape[1]))
    elif kind == "repeated":
        patterns = X[rng.choice(pool, min(3, len(pool)), replace=False)]
        jitter = 0.01 * X[train_in].std(axis=0) * rng.normal(size=(k, X.shape[1]))
        planted = patterns[rng.integers(len(patterns), size=k)] + jitter
    else:
        planted = X[rng.choice(pool, k, replace=k > len(pool))]
    X_train = np.vstack([X[train_in], planted])
    X_test = np.vstack([X[test_in], X[test_out]])
    y_test = np.r_[np.zeros(len(test_in)), np.ones(len(test_out))]
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_test


def figure(rows, names, sets, path):
    """Mean ROC-AUC against the planted share, one panel per kind of outlier, drawn
    at a documentation column's width (6.4 inches at 100 dpi) with 10-point text."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with plt.rc_context({"font.size": 10}):
        fig, axes = plt.subplots(1, 2, figsize=(6.4, 4.8), sharey=True)
        for ax, kind in zip(axes, ["mixed", "repeated"]):
            for name in names:
                means = []
                for c in LEVELS:
                    picked = [r["roc_auc"] for r in rows if r["detector"] == name
                              and r["c"] == c and (r["kind"] == kind or c == 0)]
                    means.append(np.mean(picked))
                ax.plot([100 * c for c in LEVELS], means, marker="o", label=name)
            ax.set_title(f"{kind} outliers planted")
            ax.set_xlabel("planted share (% of training rows)")
            ax.grid(alpha=0.3)
        axes[0].set_ylabel(f"mean ROC-AUC, {len(sets)} ODDS sets")
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower center", ncol=2, frameon=False)
        fig.tight_layout(rect=(0, 0.24, 1, 1))
        path.parent.mkdir(parents=True, exist_ok=True)
        docs_figure_saver()(fig, path, dpi=100)
        plt.close(fig)


def main(argv=None):
    from sklearn.metrics import roc_auc_score

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--sets", nargs="*", default=SETS)
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2])
    parser.add_argument("--output", type=Path, default=RESULTS / "bench_contamination.json")
    parser.add_argument("--figure", type=Path, default=FIGURE)
    parser.add_argument("--redraw", action="store_true",
                        help="only draw the figure again from the rows in --output")
    parser.add_argument("--detectors", nargs="+", default=None,
                        help="names of the detectors to run (default: all)")
    parser.add_argument("--add", action="store_true",
                        help="keep the other detectors' rows in --output (same sets and seeds) "
                             "and add or replace those of --detectors")
    args = parser.parse_args(argv)
    known = list(detectors(0))
    unknown = sorted(set(args.detectors or ()) - set(known))
    if unknown:
        parser.error(f"unknown detectors {unknown}; choose from {known}")
    if args.redraw:
        saved = json.loads(args.output.read_text())
        names = list(dict.fromkeys(r["detector"] for r in saved["rows"]))
        figure(saved["rows"], names, saved["sets"], args.figure)
        return

    rows = []
    for name in args.sets:
        X, y = load_odds(args.data_dir / "odds" / f"{name}.mat")
        for seed in args.seeds:
            for c in LEVELS:
                for kind in (["mixed"] if c == 0 else ["mixed", "repeated"]):
                    X_train, X_test, y_test = planted_split(X, y, c, kind, seed)
                    for detector_name, detector in detectors(seed).items():
                        if args.detectors and detector_name not in args.detectors:
                            continue
                        start = time.perf_counter()
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore")
                            detector.fit(X_train)
                        seconds = time.perf_counter() - start
                        auc = float(roc_auc_score(y_test, anomaly_scores(detector, X_test)))
                        rows.append({"set": name, "seed": seed, "c": c, "kind": kind,
                                     "detector": detector_name, "roc_auc": auc,
                                     "fit_seconds": seconds})
            print(f"{name} seed {seed} done", flush=True)

    if args.add:
        saved = json.loads(args.output.read_text())
        if saved["sets"] != args.sets or saved["seeds"] != args.seeds:
            parser.error(f"--add needs the sets and seeds of {args.output}: "
                         f"{saved['sets']} and {saved['seeds']}")
        ran = {r["detector"] for r in rows}
        rows = [r for r in saved["rows"] if r["detector"] not in ran] + rows
        # The order of a full run: set, seed, level, kind, then the detectors' order.
        order = list(detectors(0))
        rows.sort(key=lambda r: (args.sets.index(r["set"]), args.seeds.index(r["seed"]), r["c"],
                                 r["kind"] != "mixed", order.index(r["detector"])))
    names = list(dict.fromkeys(r["detector"] for r in rows))
    header = ["detector"] + [f"c={100 * c:g}%" for c in LEVELS] + ["drop 0->10%"]
    lines = []
    for kind in ["mixed", "repeated"]:
        lines += [f"\n{kind} outliers planted; mean ROC-AUC over {len(args.sets)} sets x "
                  f"{len(args.seeds)} seeds\n", "| " + " | ".join(header) + " |",
                  "|---" * len(header) + "|"]
        for name in names:
            means = [np.mean([r["roc_auc"] for r in rows if r["detector"] == name
                              and r["c"] == c and (r["kind"] == kind or c == 0)])
                     for c in LEVELS]
            lines.append(f"| {name} | " + " | ".join(f"{m:.3f}" for m in means)
                         + f" | {means[0] - means[-1]:+.3f} |")
    lines += [f"\nPer set, repeated outliers, c=0% -> c=10% (mean over seeds)\n",
              "| detector | " + " | ".join(args.sets) + " |",
              "|---" * (len(args.sets) + 1) + "|"]
    for name in names:
        cells = []
        for s in args.sets:
            a = np.mean([r["roc_auc"] for r in rows if r["detector"] == name and r["set"] == s
                         and r["c"] == 0])
            b = np.mean([r["roc_auc"] for r in rows if r["detector"] == name and r["set"] == s
                         and r["c"] == 0.1 and r["kind"] == "repeated"])
            cells.append(f"{a:.3f} -> {b:.3f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    times = {n: float(np.median([r["fit_seconds"] for r in rows if r["detector"] == n]))
             for n in names}
    lines += ["\nMedian fit time (s): " + ", ".join(f"{n} {t:.2f}" for n, t in times.items())]
    table = "\n".join(lines)
    print(table)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({
        "sets": args.sets, "seeds": args.seeds, "levels": LEVELS, "rows": rows,
        "machine": {"python": platform.python_version(), "processor": platform.machine()},
    }, indent=1))
    args.output.with_suffix(".md").write_text(
        "Planted contamination (benchmarks/bench_contamination.py).\n" + table + "\n")
    figure(rows, names, args.sets, args.figure)


if __name__ == "__main__":
    main()
