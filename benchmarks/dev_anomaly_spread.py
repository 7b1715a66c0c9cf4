"""How many members OutlierDetector's default needs: accuracy and seed spread on the development tasks.

``dev_anomaly_defaults.py`` fits each candidate once per split, with the
split's seed as the detector's ``random_state``, so a difference of 0.005
between two candidates may be one detector seed's luck. Here each split
(the same tasks, conditions and seeds as there: 4 tasks x 3 conditions x 3
seeds, no ODDS labels) is scored by each detector fitted with several of its
own seeds, and we report, per detector:

- ``mean``: the mean ROC-AUC over the 36 splits and the detector seeds;
- ``sd of mean``: the standard deviation, over detector seeds, of the mean
  ROC-AUC over the 36 splits (what a user comparing two settings with one
  seed sees);
- ``mean per-split sd``: the standard deviation over detector seeds of one
  split's ROC-AUC, averaged over the splits;
- ``fit s``: the median fit time.

Writes ``results/dev_anomaly_spread.{json,md}``.

Usage::

    python benchmarks/dev_anomaly_spread.py [--members 5 8 10] [--detector-seeds 10 11 ...]
                                           [--tasks cancer digits0 wine manifold]
"""

import argparse
import json
import statistics
import time
import warnings
from pathlib import Path

import numpy as np

from dev_anomaly_defaults import CONDITIONS, TASKS, split, tasks

RESULTS = Path(__file__).parent / "results"


def detectors(members):
    from sklearn.ensemble import IsolationForest

    from skae import OutlierDetector

    made = {f"OutlierDetector(n_estimators={n})":
            (lambda n: lambda seed: OutlierDetector(n_estimators=n, random_state=seed))(n)
            for n in members}
    made["IsolationForest"] = lambda seed: IsolationForest(random_state=seed)
    return made


def main(argv=None):
    from sklearn.metrics import roc_auc_score

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2],
                        help="split seeds (as in dev_anomaly_defaults.py)")
    parser.add_argument("--detector-seeds", type=int, nargs="*", default=list(range(10, 16)))
    parser.add_argument("--members", type=int, nargs="*", default=[5, 8, 10])
    parser.add_argument("--tasks", nargs="*", default=TASKS, choices=TASKS)
    parser.add_argument("--output", type=Path, default=RESULTS / "dev_anomaly_spread.json")
    args = parser.parse_args(argv)

    made = detectors(args.members)
    auc = {name: [] for name in made}  # name -> one list per split, one AUC per detector seed
    seconds = {name: [] for name in made}
    for seed in args.seeds:
        for task, X, y in tasks(seed):
            if task not in args.tasks:
                continue
            for condition in CONDITIONS:
                X_train, X_test, y_test = split(X, y, condition, seed)
                for name, make in made.items():
                    row = []
                    for detector_seed in args.detector_seeds:
                        model = make(detector_seed)
                        start = time.perf_counter()
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore")
                            model.fit(X_train)
                        seconds[name].append(time.perf_counter() - start)
                        row.append(float(roc_auc_score(y_test, -model.score_samples(X_test))))
                    auc[name].append(row)
            print(f"seed {seed} {task} done", flush=True)

    lines = ["| detector | mean ROC-AUC | sd of mean | mean per-split sd | fit s |",
             "|---|---|---|---|---|"]
    summary = {}
    for name, rows in auc.items():
        a = np.array(rows)  # splits x detector seeds
        summary[name] = dict(mean=float(a.mean()), sd_of_mean=float(a.mean(0).std(ddof=1)),
                             per_split_sd=float(a.std(1, ddof=1).mean()),
                             fit_seconds=statistics.median(seconds[name]))
        s = summary[name]
        lines.append(f"| {name} | {s['mean']:.4f} | {s['sd_of_mean']:.4f} | "
                     f"{s['per_split_sd']:.4f} | {s['fit_seconds']:.2f} |")
    table = "\n".join(lines)
    print(table)
    n_splits = len(next(iter(auc.values())))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"seeds": args.seeds,
                                       "detector_seeds": args.detector_seeds,
                                       "summary": summary, "roc_auc": auc}, indent=2))
    args.output.with_suffix(".md").write_text(
        f"Development tasks (not ODDS; see dev_anomaly_defaults.py): {n_splits} splits "
        f"(split seeds {args.seeds}), each detector fitted with detector seeds "
        f"{args.detector_seeds}.\n\n{table}\n"
    )


if __name__ == "__main__":
    main()
