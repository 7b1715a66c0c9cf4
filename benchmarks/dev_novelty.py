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

seven more, added to check the choice on more kinds of table: the digits
3 and 8 as rare classes, iris' versicolor, wine's class 0, the Chinstrap
penguins (``palmerpenguins``, rows with holes dropped), a noisy ring in 10
columns with anomalies at its centre and outside it (ring10), and eight
tight clusters in 30 columns with anomalies that are too spread for their
cluster (mixture30); and three with anomalies in the tails of a single
population, the kind of set on which a 5-NN distance led on ODDS:

- tail_gauss: a rank-5 Gaussian in 20 columns plus noise; anomalies lie on
  it, beyond the normal rows' radius (extreme but not off the manifold);
- tail_skew: log-normal columns (counts, sizes); anomalies have two columns
  at 1.5 to 3 times the 99th percentile;
- tail_clinic: six correlated log-normal measurements and 15 sparse binary
  flags; anomalies have two measurements shifted in opposite directions.

Two settings per task and seed, as in ``bench_novelty.py``: ``clean`` (fit
on half of the normal rows; test on the other half and every anomaly) and
``contaminated`` (fit and test on all rows); StandardScaler on the training
rows; ROC-AUC of ``-score_samples``.

The default round (``--round nearest``) chose the current score: a row's
distance to the nearest training denoised point, against its 2nd and 3rd
nearest (``results/dev_novelty_rowdist.{json,md}``; that run, from this
script at commit 9fb4faf, also held the score it replaced, the residual
log-density plus 3 x the 5-NN density of the row's own denoised point,
0.942 against 0.950). The later ``--round mixture``
(``results/dev_novelty_mixture.{json,md}``) tried a log-likelihood in its
place: the Cauchy residual law around each training denoised point,
averaged over them (``cauchy_mixture``). The two tied on these tasks; on
ODDS the mixture lost (``check_novelty_candidate.py``,
``results/bench_novelty_mixture_candidate.md``), so the choice between
these two was informed by ODDS labels (the studies page says so).
``--round epochs`` (``results/dev_novelty_epochs.{json,md}``) asked whether
the member could train for less (its fit is nearly all training): 30, 25
or 20 epochs instead of 40 lost 0.002 to 0.008 on these tasks, so the
default was kept. ``--round speed`` (``results/dev_novelty_speed.{json,md}``,
run when the member still trained in batches of 64 for at most 2,000 steps)
tried cheaper steps: batches of 128 for as many epochs (at most 1,000
steps) fit in 0.62 times the time for 0.0012 less ROC-AUC (standard error
0.0006 over the 96 task-seed pairs), and became the default so that the
median fit on the benchmark stays below PyOD's AutoEncoder's (issue 28);
a peak of 1e-2 with them, layers of (128, 64) and a denoising member
(Gaussian noise 0.3) did not do better. ``--round mean``
(``results/dev_novelty_mean.{json,md}``) averaged the log distances to the
2, 3 or 5 nearest denoised points instead of the nearest alone: +0.001,
-0.000, -0.002 (standard errors 0.001-0.002), so the nearest alone stayed.
``--round width`` (``results/dev_novelty_width.{json,md}``, batches of 128)
asked whether narrow tables lose information in a code half their width
(kNN leads on ODDS' 3- to 8-column sets): codes of ``d - 1`` or ``3d/4``
columns lost 0.002 and 0.001, a cap of 32 instead of 16 gained 0.0006
(standard error 0.0004); the width was kept. ``--round bag``
(``results/dev_novelty_bag.{json,md}``): two members, each for 20 epochs in
batches of 128 (the fit time of one), -0.0096; two in batches of 256 (about
1.2 times it), +0.0010 (standard error 0.0013); not taken. ``--round levels``
(``results/dev_novelty_levels.{json,md}``): a denoising member whose noise level
is drawn per batch, a multi-level schedule after DDAE: Gaussian in (0, 0.5)
-0.0019, in (0, 1) -0.0071, masking in (0, 0.3) -0.0010; not taken.

Earlier rounds, from this script at the commits named:
``results/dev_novelty_weight.{json,md}`` (the weight of the neighbour
term against the residual's, 1 to 4, at commit 9fb4faf);
``results/dev_novelty_residual.{json,md}`` (a Gaussian with the training
residuals' full covariance as the residual term, at commit 2173a0a; on
ODDS it lost to the per-column residual,
``results/bench_novelty_residual_candidate.md``);
``results/dev_novelty_manifold.{json,md}`` (the manifold density of
denoised points against whitened codes, the (256, 128) member; at commit
a6beba8, without the tail tasks; other members tried there, six seeds,
clean, mean ROC-AUC 0.949 for the chosen one: (512, 256) 0.949, (256,
128, 64) 0.942, 80 epochs 0.949, peak learning rate 1e-2 0.946 or 2e-3
0.948, code width up to 24 0.950, weight decay 1e-3 0.945, batches of 128
0.942, two members on half the rows 0.940 or on all rows for half the
epochs 0.945) and ``results/dev_novelty.{json,md}`` (k, code width,
longer training, denoising members, DDAE-style errors; at commit
15fcd16).

Usage::

    # the round that chose the score: results/dev_novelty_rowdist.{json,md}
    python benchmarks/dev_novelty.py --seeds 0 1 2 3 4 5 --settings clean \
        --output results/dev_novelty_rowdist.json
    # the mixture round
    python benchmarks/dev_novelty.py --round mixture --seeds 0 1 2 3 4 5 \
        --settings clean --output results/dev_novelty_mixture.json
    # the later rounds: results/dev_novelty_<round>.{json,md}
    for round in speed mean width bag levels epochs; do
        python benchmarks/dev_novelty.py --round $round --seeds 0 1 2 3 4 5 \
            --settings clean --output results/dev_novelty_$round.json
    done
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
    yield from more_tasks(seed)
    yield from tail_tasks(seed)


def more_tasks(seed):
    from palmerpenguins import load_penguins
    from sklearn.datasets import load_digits, load_iris, load_wine

    rng = np.random.default_rng(200 + seed)

    def rare(X, is_rare, n_rare):
        idx = np.r_[np.flatnonzero(~is_rare),
                    rng.choice(np.flatnonzero(is_rare), n_rare, replace=False)]
        return X[idx], is_rare[idx].astype(int)

    X, y = load_digits(return_X_y=True)
    for digit in (3, 8):
        yield (f"digits{digit}", *rare(X, y == digit, 40))
    X, y = load_iris(return_X_y=True)
    yield ("iris1", *rare(X, y == 1, 8))
    X, y = load_wine(return_X_y=True)
    yield ("wine0", *rare(X, y == 0, 8))
    penguins = load_penguins().dropna()
    X = penguins[["bill_length_mm", "bill_depth_mm", "flipper_length_mm",
                  "body_mass_g"]].to_numpy(float)
    yield ("penguins", *rare(X, (penguins["species"] == "Chinstrap").to_numpy(), 10))
    n, k = 1500, 40
    angle = rng.uniform(0, 2 * np.pi, n)
    ring = np.c_[np.cos(angle), np.sin(angle)] * (3 + 0.1 * rng.normal(size=(n, 1)))
    odd = np.r_[rng.normal(size=(k // 2, 2)) * 0.5,
                np.c_[np.cos(angle[:k // 2]), np.sin(angle[:k // 2])] * 4.2]
    lift = rng.normal(size=(2, 10))
    yield ("ring10", np.r_[ring, odd] @ lift + 0.05 * rng.normal(size=(n + k, 10)),
           np.r_[np.zeros(n, int), np.ones(k, int)])
    d, n, k = 30, 2000, 40
    centres = rng.normal(size=(8, d)) * 3
    spread = rng.uniform(0.3, 1.0, 8)
    which = rng.integers(0, 8, n)
    normal = centres[which] + rng.normal(size=(n, d)) * spread[which, None]
    odd = centres[rng.integers(0, 8, k)] + rng.normal(size=(k, d)) * 1.6
    yield ("mixture30", np.r_[normal, odd], np.r_[np.zeros(n, int), np.ones(k, int)])


def tail_tasks(seed):
    rng = np.random.default_rng(300 + seed)
    n, k, d, r = 2000, 40, 20, 5
    lift = rng.normal(size=(r, d))
    odd = rng.normal(size=(k, r))
    odd *= ((3.2 + 0.5 * rng.random((k, 1))) * np.sqrt(r) / 2.2
            / np.linalg.norm(odd, axis=1, keepdims=True))
    X = np.r_[rng.normal(size=(n, r)), odd] @ lift + 0.3 * rng.normal(size=(n + k, d))
    yield "tail_gauss", X, np.r_[np.zeros(n, int), np.ones(k, int)]
    n, k, d, r = 2000, 40, 15, 4
    lift = rng.normal(size=(r, d)) * 0.5
    X = np.exp(rng.normal(size=(n + k, r)) @ lift + 0.2 * rng.normal(size=(n + k, d)))
    high = np.quantile(X[:n], 0.99, axis=0)
    for i in range(n, n + k):
        columns = rng.choice(d, 2, replace=False)
        X[i, columns] = high[columns] * rng.uniform(1.5, 3.0, 2)
    yield "tail_skew", X, np.r_[np.zeros(n, int), np.ones(k, int)]
    n, k = 3000, 60
    lift = rng.normal(size=(3, 6)) * 0.4
    labs = rng.normal(size=(n + k, 3)) @ lift + 0.3 * rng.normal(size=(n + k, 6))
    labs[n:, 0] -= rng.uniform(1.5, 2.5, k)
    labs[n:, 1] += rng.uniform(1.5, 2.5, k)
    flags = rng.random((n + k, 15)) < rng.uniform(0.01, 0.2, 15)
    yield ("tail_clinic", np.c_[np.exp(labs), flags.astype(float)],
           np.r_[np.zeros(n, int), np.ones(k, int)])


def nearest_log_distances(detector, X, k):
    """Each row's log distances to its ``k`` nearest training denoised points, per
    member of the fitted ``novelty=True`` ``detector``: a list of (n_rows, k) arrays."""
    from sklearn.neighbors import NearestNeighbors

    from skae._outlier import manifold_density

    score = manifold_density(detector)
    found = []
    for i, member in enumerate(score.members):
        values = member._scored_rows(X)[0] / score.scales[i]
        index = NearestNeighbors(n_neighbors=k).fit(score.references[i])
        found.append(np.log(np.maximum(index.kneighbors(values)[0], 1e-6)))
    return found


def kth_nearest(seed, k):
    """``novelty=True`` scored by the distance from each row to its ``k``-th nearest
    training denoised point (the package: ``k = 1``). Only ``score_samples`` is
    meaningful (``offset_`` is the package's)."""
    from skae import OutlierDetector

    class KthNearest(OutlierDetector):
        def score_samples(self, X):
            return -np.mean([logs[:, -1] for logs in nearest_log_distances(self, X, k)],
                            axis=0)

    return KthNearest(novelty=True, random_state=seed)


def mean_nearest(seed, k, batch_size=128):
    """``novelty=True`` scored by minus the mean log distance from each row to its
    ``k`` nearest training denoised points (the package: the nearest alone); with
    ``batch_size``, as in :func:`reshaped`. Only ``score_samples`` is meaningful."""
    base = type(reshaped(seed, batch_size=batch_size))

    class MeanNearest(base):
        def score_samples(self, X):
            return -np.mean([logs.mean(axis=1) for logs in nearest_log_distances(self, X, k)],
                            axis=0)

    return MeanNearest(novelty=True, random_state=seed)


def cauchy_mixture(seed, n_nearest=32):
    """``novelty=True`` scored by a log-likelihood: the row under the decoder's
    Cauchy residual law around each training denoised point, averaged over those
    points (the training codes as the prior), ``log (1/n) sum_j p(x | z_j)``,
    summed over the ``n_nearest`` nearest points (the rest add next to nothing);
    the residual scales from all the training rows. A candidate (issue 28), built
    on the fitted detector; only ``score_samples`` is meaningful.
    """
    from scipy.special import logsumexp
    from sklearn.neighbors import NearestNeighbors

    from skae import OutlierDetector
    from skae._outlier import manifold_density

    class CauchyMixture(OutlierDetector):
        def fit(self, X, y=None):
            super().fit(X)
            score = manifold_density(self)
            self.variances_ = [
                np.maximum(((values - member._means(values)) ** 2).mean(axis=0), 1e-12)
                for member in score.members for values in [member._scored_rows(X)[0]]]
            return self

        def score_samples(self, X):
            score = manifold_density(self)
            total = 0.0
            for i, member in enumerate(score.members):
                values = member._scored_rows(X)[0].astype(np.float64)
                points = score.references[i]
                k = min(n_nearest, len(points))
                near = NearestNeighbors(n_neighbors=k).fit(points).kneighbors(
                    values / score.scales[i], return_distance=False)
                squared = (values[:, None, :] - points[near] * score.scales[i]) ** 2
                log_p = -np.log1p(squared / self.variances_[i]).sum(axis=2)
                total = total + logsumexp(log_p, axis=1)
            return total / len(score.members)

    return CauchyMixture(novelty=True, random_state=seed)


def shorter(seed, epochs, steps):
    """``novelty=True`` whose default member trains for at most ``epochs`` epochs or
    ``steps`` steps (the package: 40 and 2,000)."""
    from skae import OutlierDetector

    class Shorter(OutlierDetector):
        def _default_member(self, n_features, n_rows):
            member = super()._default_member(n_features, n_rows)
            batches = max(1, -(-n_rows // 64))
            return member.set_params(max_iter=max(1, min(epochs, steps // batches)))

    return Shorter(novelty=True, random_state=seed)


def reshaped(seed, batch_size=64, peak=5e-3, hidden=(256, 128), noise_level=None,
             kind="gaussian", width=None, epochs=40, n_estimators="auto"):
    """``novelty=True`` whose default member trains in batches of ``batch_size``
    (at most 40 epochs and 128,000 rows seen, as the package's), peaks at ``peak``, has layers
    ``hidden``, with ``noise_level`` is a DenoisingAutoencoder (``kind`` noise), and
    with ``width`` (a function of the number of columns) has that code width; at
    most ``epochs`` epochs (and as many rows seen in proportion); ``n_estimators``
    members."""
    from skae import DenoisingAutoencoder, OutlierDetector

    class Reshaped(OutlierDetector):
        def _default_member(self, n_features, n_rows):
            member = super()._default_member(n_features, n_rows)
            batches = max(1, -(-n_rows // batch_size))
            steps = 2000 * 64 // batch_size * epochs // 40
            params = {**member.get_params(), "batch_size": batch_size,
                      "max_iter": max(1, min(epochs, steps // batches)),
                      "learning_rate_init": peak, "hidden_layer_sizes": hidden}
            if width is not None:
                params["n_components"] = width(n_features)
            if noise_level is None:
                return type(member)(**params)
            return DenoisingAutoencoder(noise=kind, noise_level=noise_level, **params)

    return Reshaped(novelty=True, n_estimators=n_estimators, random_state=seed)


def candidates(seed, n_rows, n_features, round="nearest"):
    from skae import OutlierDetector

    chosen = {"novelty=True: distance from the row to the nearest training denoised "
              "point (chosen)": OutlierDetector(novelty=True, random_state=seed)}
    if round == "epochs":
        return {**chosen, **{f"the same, at most {epochs} epochs or {steps} steps":
                             shorter(seed, epochs, steps)
                             for epochs, steps in ((30, 1500), (25, 1250), (20, 1000))}}
    # The speed and mean rounds ran when the package's member trained in batches
    # of 64: their first row (the "chosen" one in the results files) is that one.
    earlier = {"novelty=True as it was: batches of 64": reshaped(seed, batch_size=64)}
    if round == "speed":
        return {**earlier,
                "the same, batches of 128 (chosen)": reshaped(seed, batch_size=128),
                "the same, batches of 128, peak 1e-2": reshaped(seed, batch_size=128,
                                                                 peak=1e-2),
                "the same, layers (128, 64)": reshaped(seed, batch_size=64, hidden=(128, 64)),
                "denoising member (Gaussian noise 0.3)": reshaped(seed, batch_size=64,
                                                                  noise_level=0.3),
                "kNN (k=5) on the rows": KNN(5)}
    if round == "mean":
        return {**earlier,
                **{f"mean log distance to the {k} nearest training denoised points":
                   mean_nearest(seed, k, 64) for k in (2, 3, 5)},
                **{f"the same, batches of 128, mean log distance to the {k} nearest":
                   mean_nearest(seed, k, 128) for k in (1, 3)},
                "kNN (k=5) on the rows": KNN(5)}
    if round == "width":
        return {**chosen,
                **{f"code width {label}": reshaped(seed, batch_size=128, width=width)
                   for label, width in (
                       ("min(16, d - 1)", lambda d: min(16, max(1, d - 1))),
                       ("min(16, 3d / 4)", lambda d: min(16, max(1, 3 * d // 4))),
                       ("min(32, d / 2)", lambda d: min(32, max(1, d // 2))))},
                "kNN (k=5) on the rows": KNN(5)}
    if round == "levels":
        return {**chosen,
                **{f"denoising member, Gaussian noise level drawn in {levels} per batch":
                   reshaped(seed, batch_size=128, noise_level=levels)
                   for levels in ((0.0, 0.5), (0.0, 1.0))},
                "denoising member, masking drawn in (0, 0.3) per batch": reshaped(
                    seed, batch_size=128, noise_level=(0.0, 0.3), kind="masking"),
                "kNN (k=5) on the rows": KNN(5)}
    if round == "bag":
        return {**chosen,
                "two members, 20 epochs each (batches of 128)": reshaped(
                    seed, batch_size=128, epochs=20, n_estimators=2),
                "two members, batches of 256": reshaped(seed, batch_size=256, n_estimators=2),
                "kNN (k=5) on the rows": KNN(5)}
    if round == "mixture":
        return {**chosen,
                "Cauchy mixture over the training denoised points (log-likelihood)":
                    cauchy_mixture(seed),
                "kNN (k=5) on the rows": KNN(5)}
    return {**chosen,
            **{f"distance from the row to its {k}-NN training denoised point":
               kth_nearest(seed, k) for k in (2, 3)},
            "kNN (k=5) on the rows": KNN(5)}


def summary(runs):
    """Mean ROC-AUC per candidate and setting, over the (task, seed) pairs that
    every candidate finished in that setting; one column per task (clean)."""
    labels = list(dict.fromkeys(r["candidate"] for r in runs))
    names = list(dict.fromkeys(r["task"] for r in runs))
    done = {}
    for r in runs:
        done.setdefault((r["setting"], r["task"], r["seed"]), set()).add(r["candidate"])
    complete = {key for key, found in done.items() if found == set(labels)}

    def mean(setting, label, task=None):
        values = [r["roc_auc"] for r in runs if r["setting"] == setting
                  and r["candidate"] == label and task in (None, r["task"])
                  and (setting, r["task"], r["seed"]) in complete]
        return statistics.fmean(values) if values else float("nan")

    pairs = {setting: sum(key[0] == setting for key in complete)
             for setting in ("clean", "contaminated")}
    seeds = sorted({r["seed"] for r in runs})
    settings = [setting for setting, n in pairs.items() if n]
    lines = [f"Development tasks, seeds {seeds}, mean ROC-AUC over the (task, seed) pairs "
             f"that every candidate finished: "
             + ", ".join(f"{pairs[setting]} {setting}" for setting in settings) + ".", "",
             "| candidate | " + " | ".join(settings) + " | " + " | ".join(
                 f"{t} (clean)" for t in names) + " |",
             "|---|" + "---|" * (len(settings) + len(names))]
    for label in labels:
        lines.append(f"| {label} | "
                     + " | ".join(f"{mean(setting, label):.3f}" for setting in settings) + " | "
                     + " | ".join(f"{mean('clean', label, t):.3f}" for t in names) + " |")
    return "\n".join(lines)


def write(runs, seeds, output, note=None):
    record = {"benchmark": "dev_novelty", "seeds": seeds, "runs": runs}
    if note:
        record["note"] = note
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(record, indent=1))
    text = summary(runs) + (f"\n\n{note}" if note else "")
    output.with_suffix(".md").write_text(text + "\n")
    return text


def main(argv=None):
    from sklearn.metrics import roc_auc_score

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1])
    parser.add_argument("--settings", nargs="*", default=["clean", "contaminated"],
                        choices=["clean", "contaminated"])
    parser.add_argument("--output", type=Path, default=RESULTS / "dev_novelty.json")
    parser.add_argument("--round", choices=["nearest", "mixture", "epochs", "speed", "mean",
                                            "width", "bag", "levels"],
                        default="nearest",
                        help="the candidates: the round that chose the score "
                             "(results/dev_novelty_rowdist.{json,md}), the later "
                             "mixture round (results/dev_novelty_mixture.{json,md}) or "
                             "shorter training (results/dev_novelty_epochs.{json,md})")
    args = parser.parse_args(argv)
    runs = []
    for seed in args.seeds:
        for name, X, y in tasks(seed):
            for setting in args.settings:
                X_train, X_test, y_test = split(X, y, setting, seed)
                for label, detector in candidates(seed, len(X_train), X.shape[1],
                                                  args.round).items():
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        detector.fit(X_train)
                    auc = roc_auc_score(y_test, -detector.score_samples(X_test))
                    runs.append({"task": name, "setting": setting, "seed": seed,
                                 "candidate": label, "roc_auc": float(auc)})
                    print(f"{name:<14} {setting:<12} seed {seed} {auc:.3f} {label}", flush=True)
            # Written after every task: a run stopped early keeps what it measured.
            write(runs, args.seeds, args.output)
    print(write(runs, args.seeds, args.output))


if __name__ == "__main__":
    main()
