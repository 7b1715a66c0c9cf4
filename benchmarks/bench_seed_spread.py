"""How much a detector's ODDS score moves with its own ``random_state`` alone.

``bench_anomaly.py`` changes the train/test split with each seed, so the
spread of its per-seed means mixes the split's luck (shared by every
detector) with the detector's own randomness. Here the split is held fixed
and only the detector's ``random_state`` changes: for each split seed, each
detector is fitted with ``random_state`` 0, 1, ..., and we report

- ``sd of mean``: the standard deviation, over detector seeds, of the mean
  ROC-AUC over the sets (what a user comparing two settings with one seed
  sees), averaged over the split seeds;
- ``mean per-set sd``: the standard deviation over detector seeds of one
  set's ROC-AUC, averaged over sets and splits (the "single sets move by up
  to 0.08" of one model);
- ``max per-set range``: the largest max - min over detector seeds on one set.

Same protocol as ``bench_anomaly.py`` otherwise (stratified 60/40 split,
StandardScaler on the training rows, outliers left in the training rows).
Writes ``results/bench_seed_spread.{json,md}``.

Usage::

    python benchmarks/bench_seed_spread.py --data-dir ../shared/data
    python benchmarks/bench_seed_spread.py --data-dir ../shared/data --splits 0 --seeds 0 1 2
"""

import argparse
import json
import statistics
import sys
import warnings
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_anomaly import anomaly_scores, load_odds, odds_paths  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def detectors(seed):
    from sklearn.ensemble import IsolationForest

    from skae import OutlierDetector

    return {
        "skae default": OutlierDetector(random_state=seed),
        "IsolationForest": IsolationForest(random_state=seed),
    }


def run(paths, splits, seeds, only=None):
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    rows = []
    for path in paths:
        X, y = load_odds(path)
        for split in splits:
            X_train, X_test, _, y_test = train_test_split(
                X, y, test_size=0.4, stratify=y, random_state=split)
            scaler = StandardScaler().fit(X_train)
            X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
            for seed in seeds:
                for name, detector in detectors(seed).items():
                    if only is not None and name not in only:
                        continue
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        detector.fit(X_train)
                    rows.append({"set": path.stem, "split": split, "seed": seed,
                                 "detector": name, "roc_auc": float(
                                     roc_auc_score(y_test, anomaly_scores(detector, X_test)))})
        print(f"  {path.stem} done", flush=True)
    return rows


def summarise(rows):
    names = list(dict.fromkeys(r["detector"] for r in rows))
    sets = list(dict.fromkeys(r["set"] for r in rows))
    splits = sorted({r["split"] for r in rows})
    seeds = sorted({r["seed"] for r in rows})
    auc = {(r["detector"], r["set"], r["split"], r["seed"]): r["roc_auc"] for r in rows}
    summary = []
    for name in names:
        sd_of_mean, per_set_sd, ranges, means = [], [], [], []
        for split in splits:
            by_seed = [statistics.fmean(auc[name, s, split, seed] for s in sets)
                       for seed in seeds]
            means += by_seed
            sd_of_mean.append(statistics.stdev(by_seed))
            for s in sets:
                values = [auc[name, s, split, seed] for seed in seeds]
                per_set_sd.append(statistics.stdev(values))
                ranges.append(max(values) - min(values))
        summary.append({"detector": name, "mean_roc_auc": statistics.fmean(means),
                        "sd_of_mean": statistics.fmean(sd_of_mean),
                        "mean_per_set_sd": statistics.fmean(per_set_sd),
                        "max_per_set_range": max(ranges)})
    return summary, sets, splits, seeds


def markdown(rows):
    summary, sets, splits, seeds = summarise(rows)
    lines = [f"{len(sets)} ODDS sets, splits {splits}, detector seeds {seeds}: the split is "
             "fixed, only the detector's random_state changes.", "",
             "| detector | mean ROC-AUC | sd of mean | mean per-set sd | max per-set range |",
             "|---|---|---|---|---|"]
    for row in summary:
        lines.append(f"| {row['detector']} | {row['mean_roc_auc']:.3f} | "
                     f"{row['sd_of_mean']:.4f} | {row['mean_per_set_sd']:.4f} | "
                     f"{row['max_per_set_range']:.3f} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--sets", nargs="*", default=None, help="names of ODDS sets (default: all)")
    parser.add_argument("--splits", type=int, nargs="*", default=[0, 1, 2])
    parser.add_argument("--seeds", type=int, nargs="*", default=list(range(10)))
    parser.add_argument("--detectors", nargs="+", default=None)
    parser.add_argument("--output", type=Path, default=RESULTS / "bench_seed_spread.json")
    args = parser.parse_args(argv)
    if len(args.seeds) < 2:
        parser.error("--seeds needs at least two detector seeds")
    paths = odds_paths(args.data_dir, args.sets)
    if not paths:
        raise SystemExit(f"no ODDS sets found under {args.data_dir / 'odds'}")
    rows = run(paths, args.splits, args.seeds, args.detectors)
    table = markdown(rows)
    print("\n" + table)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"benchmark": "bench_seed_spread",
                                       "splits": args.splits, "seeds": args.seeds,
                                       "summary": summarise(rows)[0], "rows": rows},
                                      indent=2) + "\n")
    args.output.with_suffix(".md").write_text(table + "\n")
    print(f"wrote {args.output} and {args.output.with_suffix('.md')}")


if __name__ == "__main__":
    main()
