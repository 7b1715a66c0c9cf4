"""Anomaly detection in both settings: trusted training rows and contaminated ones.

Protocol of ADBench and the DTE paper (Livernoche et al., ICLR 2024), on the
22 ODDS sets, for each seed:

- ``clean`` (novelty detection): fit on a random half of the normal rows;
  test on the other half plus every anomaly;
- ``contaminated`` (outlier detection): fit on all rows, anomalies included;
  test on all rows.

A StandardScaler is fitted on the training rows for every detector. Each
detector ranks the test rows by ``-score_samples`` (PyOD: its
``decision_function``); ROC-AUC and average precision against the labels.

Detectors: skae's ``OutlierDetector(novelty=True)`` (for trusted rows, also
with ``n_estimators=2``) and ``OutlierDetector()`` (for unlabeled rows), each
in both settings; kNN (the
distance to the 5th nearest training row, PyOD's KNN default, written with
scikit-learn's NearestNeighbors); LocalOutlierFactor(novelty=True); PCA
(95% of the variance, its probabilistic score); IsolationForest; PyOD's
AutoEncoder when ``pyod`` is installed. Fit and score seconds are measured
in the same run, so their ratios are comparable.

Writes ``results/bench_novelty.{json,md}`` and, with ``--figure``, a figure
of clean against contaminated mean ROC-AUC per detector. Results are saved
after every set.

Usage::

    python benchmarks/bench_novelty.py --data-dir DATA       # DATA/odds/*.mat
    python benchmarks/bench_novelty.py --data-dir DATA --sets glass wbc --seeds 0
"""

import argparse
import json
import platform
import statistics
import warnings
from pathlib import Path

import numpy as np

from _data import docs_figure_saver
from bench_anomaly import KNN, load_odds, measure, odds_paths, resumed

RESULTS = Path(__file__).resolve().parent / "results"
FIGURE = Path(__file__).resolve().parents[1] / "docs" / "figures" / "bench_novelty.png"
SETTINGS = ("clean", "contaminated")
SKAE_TRUSTED = "skae, novelty=True"
SKAE_TRUSTED_2 = "skae, novelty=True, 2 members"
SKAE_DEFAULT = "skae default"


def detectors(seed):
    from sklearn.decomposition import PCA
    from sklearn.ensemble import IsolationForest
    from sklearn.neighbors import LocalOutlierFactor

    from skae import OutlierDetector

    found = {
        SKAE_TRUSTED: OutlierDetector(novelty=True, random_state=seed),
        SKAE_TRUSTED_2: OutlierDetector(novelty=True, n_estimators=2, random_state=seed),
        SKAE_DEFAULT: OutlierDetector(random_state=seed),
        "kNN (k=5)": KNN(5),
        "LocalOutlierFactor": LocalOutlierFactor(novelty=True),
        "PCA": OutlierDetector(PCA(n_components=0.95, random_state=seed), n_estimators=1,
                               max_samples=1.0),
        "IsolationForest": IsolationForest(random_state=seed),
    }
    try:
        from pyod.models.auto_encoder import AutoEncoder as PyODAutoEncoder

        found["PyOD AutoEncoder"] = PyODAutoEncoder(random_state=seed, verbose=0)
    except ImportError:
        pass
    return found


def split(X, y, setting, seed):
    """Training rows, test rows and test labels of one setting, standardised."""
    from sklearn.preprocessing import StandardScaler

    if setting == "clean":
        normal = np.random.default_rng(seed).permutation(np.flatnonzero(y == 0))
        half = len(normal) // 2
        train, test = normal[:half], np.r_[normal[half:], np.flatnonzero(y == 1)]
    else:
        train = test = np.arange(len(y))
    scaler = StandardScaler().fit(X[train])  # zero-variance columns keep scale 1
    return scaler.transform(X[train]), scaler.transform(X[test]), y[test]


def run_set(path, seeds, only=None):
    X, y = load_odds(path)
    y = (y > 0).astype(int)
    rows = []
    for seed in seeds:
        for setting in SETTINGS:
            X_train, X_test, y_test = split(X, y, setting, seed)
            for name, detector in detectors(seed).items():
                if only is not None and name not in only:
                    continue
                rows.append({"set": path.stem, "setting": setting, "seed": seed,
                             "detector": name, **measure(detector, X_train, X_test, y_test)})
                print(f"  {path.stem:<12} {setting:<12} seed {seed} {name:<20} "
                      f"AUC {rows[-1]['roc_auc']:.3f} fit {rows[-1]['fit_seconds']:6.2f}s "
                      f"score {rows[-1]['score_seconds']:6.3f}s", flush=True)
    return {"set": path.stem, "n_samples": len(X), "n_features": X.shape[1],
            "n_outliers": int(y.sum()), "runs": rows}


def summarise(sets):
    """Per setting and detector: mean ROC-AUC and AP, times; per set: mean ROC-AUC."""
    runs = [r for s in sets for r in s["runs"]]
    names = list(dict.fromkeys(r["detector"] for r in runs))
    summary, per_set = {}, {}
    for setting in SETTINGS:
        mine = [r for r in runs if r["setting"] == setting]
        per_set[setting] = {
            s["set"]: {name: statistics.fmean(v) if (v := [
                r["roc_auc"] for r in mine if r["set"] == s["set"] and r["detector"] == name])
                else float("nan") for name in names}
            for s in sets
        }
        if_total = sum(r["fit_seconds"] + r["score_seconds"] for r in mine
                       if r["detector"] == "IsolationForest")
        rows = []
        for name in names:
            own = [r for r in mine if r["detector"] == name]
            if not own:
                continue
            total = sum(r["fit_seconds"] + r["score_seconds"] for r in own)
            # Worst shortfall against the best of IsolationForest, kNN and PCA.
            gaps = [max(aucs[b] for b in ("IsolationForest", "kNN (k=5)", "PCA")
                        if b in aucs) - aucs[name] for aucs in per_set[setting].values()]
            rows.append({
                "detector": name,
                "mean_roc_auc": statistics.fmean(r["roc_auc"] for r in own),
                "mean_average_precision": statistics.fmean(r["average_precision"]
                                                           for r in own),
                "worst_gap_to_best_baseline": max(gaps),
                "median_fit_seconds": statistics.median(r["fit_seconds"] for r in own),
                "total_seconds": total,
                "total_over_isolation_forest": total / if_total if if_total else float("nan"),
                "peak_score_seconds": max(r["score_seconds"] for r in own),
            })
        summary[setting] = sorted(rows, key=lambda row: -row["mean_roc_auc"])
    return summary, per_set, names


def markdown(sets, seeds):
    summary, per_set, names = summarise(sets)
    lines = [f"{len(sets)} ODDS sets, seeds {list(seeds)}. clean: fit on half of the normal "
             "rows, test on the other half and every anomaly; contaminated: fit and test on "
             "all rows. StandardScaler fitted on the training rows.", ""]
    for setting in SETTINGS:
        lines += [f"**{setting} training rows**", "",
                  "| detector | mean ROC-AUC | mean AP | worst gap to best of IF/kNN/PCA | "
                  "median fit s | total s | total / IsolationForest |",
                  "|---|---|---|---|---|---|---|"]
        for row in summary[setting]:
            lines.append(
                f"| {row['detector']} | {row['mean_roc_auc']:.3f} | "
                f"{row['mean_average_precision']:.3f} | "
                f"{row['worst_gap_to_best_baseline']:+.3f} | {row['median_fit_seconds']:.2f} | "
                f"{row['total_seconds']:.1f} | {row['total_over_isolation_forest']:.1f}x |")
        lines += ["", f"ROC-AUC per set, {setting} (mean over seeds):", "",
                  "| set | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
        for name_set, aucs in per_set[setting].items():
            lines.append(f"| {name_set} | " + " | ".join(f"{aucs[n]:.3f}" for n in names)
                         + " |")
        lines.append("")
    return "\n".join(lines)


def figure(sets, path):
    """Clean against contaminated mean ROC-AUC, one point per detector."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    save_figure = docs_figure_saver()
    summary, _, _ = summarise(sets)
    clean = {r["detector"]: r["mean_roc_auc"] for r in summary["clean"]}
    dirty = {r["detector"]: r["mean_roc_auc"] for r in summary["contaminated"]}
    fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=110)
    names = [n for n in clean if n in dirty]
    ax.margins(x=0.25, y=0.1)
    for name in names:
        skae = name.startswith("skae")
        ax.scatter(clean[name], dirty[name], s=90 if skae else 45,
                   marker="*" if skae else "o", color="C3" if skae else "C0", zorder=3)
    ax.set_xlabel("clean training rows: mean ROC-AUC")
    ax.set_ylabel("contaminated training rows: mean ROC-AUC")
    seeds = len({r["seed"] for s in sets for r in s["runs"]})
    ax.set_title(f"{len(sets)} ODDS sets, {seeds} seeds", fontsize=11)
    fig.tight_layout()
    # Each label takes the first of eight places around its point where its box
    # (estimated from the text's length) stays inside the axes and overlaps no
    # label or point drawn before.
    to_data = ax.transData.inverted()

    def around(name, pixels):
        """The data-space box of ``pixels`` either side of the point of ``name``."""
        at = ax.transData.transform((clean[name], dirty[name]))
        return to_data.transform(at - pixels), to_data.transform(at + pixels)

    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    taken = [around(n, 12) for n in names]  # the points first, then the labels
    for name in sorted(names, key=lambda n: -dirty[n]):
        at = ax.transData.transform((clean[name], dirty[name]))
        width, height = 6.2 * len(name) * fig.dpi / 72, 13 * fig.dpi / 72
        for dx, dy in ((8, 4), (-8, 4), (8, -4 - height), (-8, -4 - height),
                       (16, 10 + height), (-16, 10 + height), (16, -10 - 2 * height),
                       (-16, -10 - 2 * height)):
            corner = at + [dx if dx > 0 else dx - width, dy]
            low, high = to_data.transform(corner), to_data.transform(corner + [width, height])
            inside = x0 <= low[0] and high[0] <= x1 and y0 <= low[1] and high[1] <= y1
            free = all(high[0] < a[0] or b[0] < low[0] or high[1] < a[1] or b[1] < low[1]
                       for i, (a, b) in enumerate(taken) if i != names.index(name))
            if inside and free:
                break
        taken.append((low, high))
        ax.text(low[0], low[1], name, fontsize=10, ha="left", va="bottom")
        # A thin line from the point to the middle of the label's near side.
        side = low[0] if dx > 0 else high[0]
        ax.plot([clean[name], side], [dirty[name], (low[1] + high[1]) / 2], color="0.55",
                lw=0.7, zorder=2)
    ax.grid(alpha=0.3)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_figure(fig, path)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True,
                        help="folder holding odds/*.mat")
    parser.add_argument("--sets", nargs="*", default=None, help="names of ODDS sets (default: all)")
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2])
    parser.add_argument("--output", type=Path, default=RESULTS / "bench_novelty.json")
    parser.add_argument("--figure", type=Path, default=None,
                        help=f"write the figure there (e.g. {FIGURE.relative_to(FIGURE.parents[2])})")
    parser.add_argument("--resume", action="store_true",
                        help="keep the sets already in --output and run only the others")
    args = parser.parse_args(argv)
    import torch

    paths = odds_paths(args.data_dir, args.sets)
    if not paths:
        raise SystemExit(f"no ODDS sets found under {args.data_dir / 'odds'}")
    sets = []
    if args.resume:
        sets, paths = resumed(args.output, args.seeds, paths)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    # Untimed warm-up: the process's first torch optimizer step imports more of
    # torch (about 1 s), which would land on whichever detector runs first.
    warm = np.random.default_rng(0).normal(size=(200, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for detector in detectors(0).values():
            detector.fit(warm)
    for path in paths:
        print(f"== {path.stem}", flush=True)
        sets.append(run_set(path, args.seeds))
        report = {"benchmark": "bench_novelty",
                  "config": {"seeds": args.seeds, "sets": [s["set"] for s in sets]},
                  "environment": {"python": platform.python_version(),
                                  "torch": torch.__version__,
                                  "threads": torch.get_num_threads()},
                  "sets": sets,
                  "summary": summarise(sets)[0]}
        args.output.write_text(json.dumps(report, indent=1))
        args.output.with_suffix(".md").write_text(markdown(sets, args.seeds) + "\n")
    print(markdown(sets, args.seeds))
    if args.figure is not None:
        figure(sets, args.figure)


if __name__ == "__main__":
    main()
