"""Development tasks for choosing OutlierDetector's default, kept apart from the benchmark.

The ODDS sets of ``bench_anomaly.py`` are the test: their labels must not
pick the defaults. These tasks are built from scikit-learn's bundled tables
and a synthetic manifold instead (no downloads):

- cancer: breast cancer, benign rows plus 20 malignant ones;
- digits0: digits 1-9 plus 40 zeros;
- wine: classes 0 and 1 plus 8 rows of class 2;
- manifold: 20 features on a curved 3-D manifold, 30 rows extreme along it
  and 30 off it.

Three conditions per task, 3 seeds, StandardScaler on the training rows,
ROC-AUC of ``-score_samples`` on held-out rows:

- ``clean``: 60% of the normal rows train; the other 40% and half of the
  rare rows are the test;
- ``mixed 5%``: the same, with 5% of the training rows drawn from the other
  half of the rare rows;
- ``repeated 5%``: 5% of the training rows are three rare rows repeated
  with 1% jitter (the dense patterns of, e.g., an attack).

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


def candidates(seed, n_features):
    from sklearn.ensemble import IsolationForest

    from skae import VAE, Autoencoder, OutlierDetector

    code = max(1, min(8, n_features // 2))

    def ae(n, m, epochs, trim=0.1, k=code, batch=32, residual="gaussian"):
        member = Autoencoder(n_components=k, hidden_layer_sizes=(32,), max_iter=epochs,
                             batch_size=batch, trim=trim, residual_likelihood=residual)
        return OutlierDetector(member, n_estimators=n, max_samples=m, random_state=seed)

    def vae(n, m, epochs, k=2):
        member = VAE(n_components=k, max_iter=epochs, batch_size=32, trim=0.1)
        return OutlierDetector(member, n_estimators=n, max_samples=m, random_state=seed)

    class Tuned(OutlierDetector):
        """The default ensemble with its members changed by ``member`` (set_params)."""

        def __init__(self, member=None, n_estimators=5, max_samples="auto",
                     random_state=None):
            super().__init__(n_estimators=n_estimators, max_samples=max_samples,
                             random_state=random_state)
            self.member = member

        def _default_member(self, n_features, n_rows):
            params = self.member(n_features) if callable(self.member) else self.member
            return super()._default_member(n_features, n_rows).set_params(**(params or {}))

    class Median(Tuned):
        """Members' scores combined by their median instead of their mean."""

        def _mean_score(self, X):
            return np.median([m.score_samples(X) for m in self.estimators_], axis=0)

    class Refit(Tuned):
        """Two rounds: fit, leave out the rows the ensemble scores in its lowest
        ``contamination`` share, fit fresh untrimmed members on the rest."""

        def fit(self, X, y=None):
            self._second_round = False
            super().fit(X)
            scores = self.score_samples(X)
            self._second_round = True
            return super().fit(X[scores > np.quantile(scores, self.contamination)])

        def _default_member(self, n_features, n_rows):
            member = super()._default_member(n_features, n_rows)
            return member.set_params(trim=0.0) if self._second_round else member

    # The default before the one-cycle schedule: 40 epochs at a constant 1e-3.
    previous = {"max_iter": 40, "learning_rate": "constant", "learning_rate_init": 1e-3}

    def one_cycle(peak, epochs):
        return {"max_iter": epochs, "learning_rate": "onecycle", "learning_rate_init": peak}

    return {
        "VAE() on all rows (default before the ensemble)": VAE(random_state=seed),
        "10 AE x 256 rows, batch 64, 20 epochs one-cycle to 5e-3, trim 0.1, Cauchy residuals "
        "(default)": OutlierDetector(random_state=seed),
        # Five members until the seed-spread study (dev_anomaly_spread.py).
        "the same with 5 members (the default before ten)": Tuned(random_state=seed),
        "5 AE x 256 rows, batch 64, 40 epochs, trim 0.1, Cauchy residuals (previous default)":
            Tuned(previous, random_state=seed),
        "5 AE x 256 rows, batch 64, 30 epochs, trim 0.1, Cauchy residuals": ae(
            5, 256, 30, batch=64, residual="cauchy"),
        "5 AE x 256 rows, 30 epochs, trim 0.1, Cauchy residuals": ae(
            5, 256, 30, residual="cauchy"),
        "5 AE x 256 rows, 30 epochs, trim 0.1, Gaussian residuals": ae(5, 256, 30),
        "5 AE x 256 rows, 30 epochs, no trim": ae(5, 256, 30, trim=0.0),
        "5 AE x 512 rows, 20 epochs, trim 0.1": ae(5, 512, 20),
        "5 AE x 1024 rows, 10 epochs, trim 0.1": ae(5, 1024, 10),
        "5 AE x 256 rows, code 2": ae(5, 256, 30, k=2),
        "10 AE x 256 rows, 30 epochs, trim 0.1": ae(10, 256, 30),
        "5 VAE x 256 rows, 30 epochs, trim 0.1": vae(5, 256, 30),
        # Tried on the previous default (2026-11-23); none kept.
        "previous default, 80 epochs": Tuned({**previous, "max_iter": 80}, random_state=seed),
        "previous default, 160 epochs": Tuned({**previous, "max_iter": 160},
                                              random_state=seed),
        "previous default, two rounds (refit without the lowest 10%)": Refit(
            previous, random_state=seed),
        "previous default, median of the members": Median(previous, random_state=seed),
        "previous default, 10 members x 128 rows": Tuned(previous, n_estimators=10,
                                                         max_samples=128, random_state=seed),
        "previous default, code width d // 3": Tuned(
            lambda d: {**previous, "n_components": min(8, max(1, d // 3))},
            random_state=seed),
        # The one-cycle schedule (2026-11-23, second session): the default's
        # neighbours.
        "one-cycle to 5e-3, 15 epochs": Tuned(one_cycle(5e-3, 15), random_state=seed),
        "one-cycle to 5e-3, 25 epochs": Tuned(one_cycle(5e-3, 25), random_state=seed),
        "one-cycle to 5e-3, 40 epochs": Tuned(one_cycle(5e-3, 40), random_state=seed),
        "one-cycle to 3e-3, 40 epochs": Tuned(one_cycle(3e-3, 40), random_state=seed),
        "one-cycle to 2e-3, 20 epochs": Tuned(one_cycle(2e-3, 20), random_state=seed),
        "one-cycle to 1e-2, 20 epochs": Tuned(one_cycle(1e-2, 20), random_state=seed),
        "IsolationForest": IsolationForest(random_state=seed),
    }


def split(X, y, condition, seed, scale=True):
    """Training rows (normal + planted rare rows) and held-out test rows, scaled
    with a StandardScaler fitted on the training rows unless ``scale=False``."""
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(seed)
    normal, rare = rng.permutation(np.flatnonzero(y == 0)), rng.permutation(np.flatnonzero(y == 1))
    n_train = int(0.6 * len(normal))
    pool, test_rare = rare[: len(rare) // 2], rare[len(rare) // 2 :]
    k = 0 if condition == "clean" else int(round(0.05 * n_train / 0.95))
    if condition == "repeated 5%":
        patterns = X[rng.choice(pool, 3, replace=False)]
        jitter = 0.01 * X[normal].std(axis=0) * rng.normal(size=(k, X.shape[1]))
        planted = patterns[rng.integers(3, size=k)] + jitter
    else:
        planted = X[rng.choice(pool, k, replace=k > len(pool))]
    X_train = np.vstack([X[normal[:n_train]], planted])
    X_test = np.vstack([X[normal[n_train:]], X[test_rare]])
    y_test = np.r_[np.zeros(len(normal) - n_train), np.ones(len(test_rare))]
    if not scale:
        return X_train, X_test, y_test
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_test


CONDITIONS = ["clean", "mixed 5%", "repeated 5%"]


def main(argv=None):
    from sklearn.metrics import roc_auc_score

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2])
    parser.add_argument("--output", type=Path, default=RESULTS / "dev_anomaly_defaults.json")
    args = parser.parse_args(argv)

    auc = {}
    for seed in args.seeds:
        for task, X, y in tasks(seed):
            for condition in CONDITIONS:
                X_train, X_test, y_test = split(X, y, condition, seed)
                for name, model in candidates(seed, X.shape[1]).items():
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        model.fit(X_train)
                    auc.setdefault(name, {}).setdefault(f"{task}/{condition}", []).append(
                        float(roc_auc_score(y_test, -model.score_samples(X_test)))
                    )
            print(f"seed {seed} {task} done", flush=True)

    columns = [f"{t}/{c}" for c in CONDITIONS for t in TASKS]
    lines = ["| candidate | " + " | ".join(CONDITIONS) + " | "
             + " | ".join(f"{t} clean" for t in TASKS) + " |",
             "|---|" + "---|" * (len(CONDITIONS) + len(TASKS))]
    for name, per in auc.items():
        by_condition = [np.mean([np.mean(per[f"{t}/{c}"]) for t in TASKS]) for c in CONDITIONS]
        by_task = [np.mean(per[f"{t}/clean"]) for t in TASKS]
        lines.append(f"| {name} | " + " | ".join(f"{m:.3f}" for m in by_condition + by_task)
                     + " |")
    table = "\n".join(lines)
    print(table)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"seeds": args.seeds, "columns": columns,
                                       "roc_auc": auc}, indent=2))
    args.output.with_suffix(".md").write_text(
        f"Development tasks (not ODDS), seeds {args.seeds}: mean ROC-AUC over the "
        f"{len(TASKS)} tasks per condition, then per task without contamination.\n\n"
        f"{table}\n"
    )


if __name__ == "__main__":
    main()
