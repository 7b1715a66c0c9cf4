"""A trusted-rows candidate chosen on the development tasks, checked on the ODDS sets.

``dev_novelty.py --round mixture`` tried, on its development tasks, a
log-likelihood as the score of ``OutlierDetector(novelty=True)``: the Cauchy
residual law around each training denoised point, averaged over them
(``dev_novelty.cauchy_mixture``). This script reports it on the 22 ODDS
sets beside the detector in the package and kNN (k=5), in the clean setting
of ``bench_novelty.py`` (fit on half of the normal rows; test on the other
half and every anomaly; StandardScaler on the training rows), 3 seeds.

Writes ``results/bench_novelty_mixture_candidate.{json,md}``. The earlier
check of the score now in the package (then a candidate) is
``results/bench_novelty_rowdist_candidate.{json,md}``, from this script at
commit 9fb4faf.

Usage::

    python benchmarks/check_novelty_candidate.py --data-dir DATA    # DATA/odds/*.mat
"""

import argparse
import json
import statistics
from pathlib import Path

from bench_anomaly import KNN, load_odds, measure, odds_paths
from bench_novelty import SKAE_TRUSTED, split
from dev_novelty import cauchy_mixture

RESULTS = Path(__file__).resolve().parent / "results"
CANDIDATE = "candidate: Cauchy mixture over the denoised points"


def detectors(seed):
    from skae import OutlierDetector

    return {SKAE_TRUSTED: OutlierDetector(novelty=True, random_state=seed),
            CANDIDATE: cauchy_mixture(seed),
            "kNN (k=5)": KNN(5)}


def markdown(runs, seeds):
    names = list(dict.fromkeys(r["detector"] for r in runs))
    sets = list(dict.fromkeys(r["set"] for r in runs))

    def mean(name, key="roc_auc", where=None):
        return statistics.fmean(r[key] for r in runs
                                if r["detector"] == name and where in (None, r["set"]))

    lines = [f"{len(sets)} ODDS sets, seeds {seeds}, clean setting (as in bench_novelty.md). "
             "The candidate tied with the package's score on the development tasks "
             "(dev_novelty_mixture.md).", "",
             "| detector | mean ROC-AUC | mean AP | median fit s |", "|---|---|---|---|"]
    for name in names:
        fits = [r["fit_seconds"] for r in runs if r["detector"] == name]
        lines.append(f"| {name} | {mean(name):.3f} | {mean(name, 'average_precision'):.3f} "
                     f"| {statistics.median(fits):.2f} |")
    lines += ["", "ROC-AUC per set (mean over seeds):", "",
              "| set | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for name_of_set in sets:
        lines.append(f"| {name_of_set} | " + " | ".join(
            f"{mean(name, where=name_of_set):.3f}" for name in names) + " |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2])
    parser.add_argument("--output", type=Path,
                        default=RESULTS / "bench_novelty_mixture_candidate.json")
    args = parser.parse_args(argv)
    runs = []
    for path in odds_paths(args.data_dir):
        X, y = load_odds(path)
        y = (y > 0).astype(int)
        for seed in args.seeds:
            X_train, X_test, y_test = split(X, y, "clean", seed)
            for name, detector in detectors(seed).items():
                runs.append({"set": path.stem, "seed": seed, "detector": name,
                             **measure(detector, X_train, X_test, y_test)})
        print(f"{path.stem:12s} " + "  ".join(
            f"{r['detector'][:24]} {r['roc_auc']:.3f}" for r in runs[-3:]), flush=True)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"benchmark": "check_novelty_candidate",
                                       "seeds": args.seeds, "runs": runs}, indent=1))
    text = markdown(runs, args.seeds)
    args.output.with_suffix(".md").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
