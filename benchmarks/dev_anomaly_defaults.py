"""Development tasks for choosing OutlierDetector's default, kept apart from the benchmark.

The ODDS sets of ``bench_anomaly.py`` are the test: their labels must not
pick the defaults. These tasks are built from scikit-learn's bundled tables
and a synthetic manifold instead (no downloads):

- cancer: breast cancer, benign rows plus 20 malignant ones;
- digits0: digits 1-9 plus 40 zeros;
- wine: classes 0 and 1 plus 8 rows of class 2;
- manifold: 20 features on a curved 3-D manifold, 30 rows extreme along it
  and 30 off it.

Protocol as in ``bench_anomaly.py``: 3 seeds, stratified 60/40 split,
StandardScaler on the training rows, ROC-AUC of ``-score_samples`` on the 40%.
Writes ``results/dev_anomaly_defaults.{json,md}``.

Usage::

    python benchmarks/dev_anomaly_defaults.py
"""

import argparse
import json
import warnings
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).parent / "results"
TASKS = ["cancer", "digits0", "wine", "manifold"]


def tasks(seed):
    from sklearn.datasets import load_breast_cancer, load_digits, load_wine

    rng = np.random.default_rng(seed)
    X, y = load_breast_cancer(return_X_y=True)
    idx = np.r_[np.flatnonzero(y == 1), rng.choice(np.flatnonzero(y == 0), 20, replace=False)]
    yield "cancer", X[idx], (y[idx] == 0).astype(int)
    X, y = load_digits(return_X_y=True)
    idx = np.r_[np.flatnonzero(y != 0), rng.choice(np.flatnonzero(y == 0), 40, replace=False)]
    yield "digits0", X[idx], (y[idx] == 0).astype(int)
    X, y = load_wine(return_X_y=True)
    idx = np.r_[np.flatnonzero(y != 2), rng.choice(np.flatnonzero(y == 2), 8, replace=False)]
    yield "wine", X[idx], (y[idx] == 2).astype(int)
    n, d, k = 1500, 20, 30
    W = rng.normal(size=(3, d))
    normal = np.tanh(rng.normal(size=(n, 3)) @ W) + 0.05 * rng.normal(size=(n, d))
    extreme = np.tanh(4 * rng.normal(size=(k, 3)) @ W) + 0.05 * rng.normal(size=(k, d))
    off = np.tanh(rng.normal(size=(k, 3)) @ W) + 0.5 * rng.normal(size=(k, d))
    yield "manifold", np.r_[normal, extreme, off], np.r_[np.zeros(n, int), np.ones(2 * k, int)]


def residual_only(model, X):
    """The score before the code term was added: the residual's Gaussian log-likelihood."""
    r2 = model.reconstruction_error(X, per_feature=True)
    var = model.residual_variance_
    return -0.5 * ((r2 / var).sum(1) + np.log(2 * np.pi * var).sum())


def candidates(seed, n_features):
    from sklearn.decomposition import PCA
    from sklearn.ensemble import IsolationForest

    from skae import VAE, Autoencoder

    small = dict(n_components=max(1, min(8, n_features // 2)), early_stopping=True,
                 random_state=seed)
    return {
        "Autoencoder(code min(8, d/2), early stopping), residual only":
            (Autoencoder(**small), residual_only),
        "Autoencoder(code min(8, d/2), early stopping)": (Autoencoder(**small), None),
        "Autoencoder()": (Autoencoder(random_state=seed), None),
        "VAE() (the default)": (VAE(random_state=seed), None),
        "PCA(0.95)": (PCA(0.95, random_state=seed), None),
        "IsolationForest": (IsolationForest(random_state=seed), None),
    }


def main(argv=None):
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2])
    parser.add_argument("--output", type=Path, default=RESULTS / "dev_anomaly_defaults.json")
    args = parser.parse_args(argv)

    auc = {}
    for seed in args.seeds:
        for task, X, y in tasks(seed):
            X_train, X_test, _, y_test = train_test_split(
                X, y, test_size=0.4, stratify=y, random_state=seed
            )
            scaler = StandardScaler().fit(X_train)
            X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
            for name, (model, score) in candidates(seed, X.shape[1]).items():
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    model.fit(X_train)
                scores = score(model, X_test) if score else model.score_samples(X_test)
                auc.setdefault(name, {}).setdefault(task, []).append(
                    float(roc_auc_score(y_test, -scores))
                )
            print(f"seed {seed} {task} done", flush=True)

    lines = ["| candidate | " + " | ".join(TASKS) + " | mean |",
             "|---|" + "---|" * (len(TASKS) + 1)]
    for name, per_task in auc.items():
        means = [float(np.mean(per_task[t])) for t in TASKS]
        lines.append(f"| {name} | " + " | ".join(f"{m:.3f}" for m in means)
                     + f" | {np.mean(means):.3f} |")
    table = "\n".join(lines)
    print(table)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"seeds": args.seeds, "roc_auc": auc}, indent=2))
    args.output.with_suffix(".md").write_text(
        f"Development tasks (not ODDS), seeds {args.seeds}, mean ROC-AUC.\n\n{table}\n"
    )


if __name__ == "__main__":
    main()
