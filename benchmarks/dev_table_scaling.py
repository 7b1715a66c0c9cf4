"""Choose how a table's numeric columns are scaled inside the estimators (development data).

Candidates: plain standardisation, or standardisation after ``log1p`` for the
columns of non-negative values whose skewness exceeds 1 or 2 (counts,
amounts, areas). Data: scikit-learn's bundled tables only (the benchmark's
ODDS sets and mixed tables are kept apart), fed in their raw units, where
the skew is:

- imputation: breast cancer, wine, diabetes, digits with 20% of entries
  removed at random; ``AutoencoderImputer()``'s RMSE on them (standardised
  units);
- detection: the rare-class tasks of ``dev_anomaly_defaults.py`` (cancer,
  digits0, wine, manifold; "clean" and "mixed 5%"), unscaled, as tables with
  5% of entries removed; ``OutlierDetector()``'s ROC-AUC on held-out rows.

Writes ``results/dev_table_scaling.{json,md}``.

    python benchmarks/dev_table_scaling.py [--seeds 0 1 2]
"""

import argparse
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

import skae._tabular
from skae import AutoencoderImputer, OutlierDetector

from _data import punch
from dev_anomaly_defaults import split, tasks
from dev_imputer_defaults import dev_sets

RESULTS = Path(__file__).parent / "results"
CANDIDATES = {"standardise": None, "log1p if skew > 2": 2.0, "log1p if skew > 1": 1.0}


def with_holes(X, seed):
    X_missing, _ = punch(X, 0.05, seed)
    return pd.DataFrame(X_missing, columns=[f"c{j}" for j in range(X.shape[1])])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    rows = []
    for label, threshold in CANDIDATES.items():
        skae._tabular.LOG_SKEWED = threshold
        for seed in args.seeds:
            for name, X in dev_sets().items():
                X_missing, holes = punch(X, 0.2, seed)
                filled = AutoencoderImputer(random_state=seed).fit_transform(X_missing)
                std = X.std(axis=0)
                error = (filled - X) / np.where(std > 0, std, 1.0)
                rmse = float(np.sqrt(np.mean(error[holes] ** 2)))
                rows.append(dict(candidate=label, seed=seed, task=f"impute {name}",
                                 metric="RMSE", value=rmse))
                print(f"{label:20s} {seed} impute {name:14s} RMSE {rmse:.4f}", flush=True)
            for name, X, y in tasks(seed):
                for condition in ("clean", "mixed 5%"):
                    # Unscaled: the table scales itself.
                    X_train, X_test, y_test = split(X, y, condition, seed, scale=False)
                    det = OutlierDetector(random_state=seed).fit(with_holes(X_train, seed))
                    auc = float(roc_auc_score(
                        y_test, -det.score_samples(with_holes(X_test, seed + 100))))
                    rows.append(dict(candidate=label, seed=seed, task=f"{name} {condition}",
                                     metric="ROC-AUC", value=auc))
                    print(f"{label:20s} {seed} {name} {condition:10s} ROC-AUC {auc:.3f}",
                          flush=True)
    summary = {}
    lines = ["| scaling | mean imputation RMSE | mean detection ROC-AUC |", "|---|---|---|"]
    for label in CANDIDATES:
        rmse = np.mean([r["value"] for r in rows if r["candidate"] == label
                        and r["metric"] == "RMSE"])
        auc = np.mean([r["value"] for r in rows if r["candidate"] == label
                       and r["metric"] == "ROC-AUC"])
        summary[label] = dict(rmse=float(rmse), roc_auc=float(auc))
        lines.append(f"| {label} | {rmse:.4f} | {auc:.4f} |")
    text = "\n".join(["# Scaling of a table's numeric columns (development data)", "",
                      f"Seeds {args.seeds}.", "", *lines, ""])
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "dev_table_scaling.json").write_text(json.dumps(
        dict(rows=rows, summary=summary), indent=1))
    (RESULTS / "dev_table_scaling.md").write_text(text)


if __name__ == "__main__":
    main()
