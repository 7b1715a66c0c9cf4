"""Real tables: imputation on ODDS sets with holes, detection on raw mixed tables.

Part 1, imputation. Every ODDS set of at most 10,000 rows and 50 columns
(15 of the 22: KNNImputer is quadratic in the rows, and IterativeImputer took
86-100 s per fit on arrhythmia's 274 columns), standardised, constant
columns dropped; entries removed under each ``--conditions``: ``mcar10``,
``mcar20``, ``mcar40`` (10, 20 or 40% completely at random) and ``mnar20``
(20% not at random: the larger values of a column more often, see
``_data.punch_mnar``); every row keeps one. Each imputer fills them; RMSE
on the removed entries (standardised units) and wall-clock time of
``fit_transform`` (the median of ``--repeats`` fits, 3 by default, taken in
turns): SimpleImputer (mean), KNNImputer, IterativeImputer, the
MissForest-style ``IterativeImputer(estimator=ExtraTreesRegressor())``
(HyperImpute's "missforest"; ``--missforest-trees`` trees, 100 by default
as in ExtraTreesRegressor) and skae's ``AutoencoderImputer()``. Each table
also gives skae's RMSE over the best of KNNImputer, IterativeImputer and the
MissForest-style imputer on each set, and the mean of that ratio.

Part 2, detection on raw mixed tables (strings, ints, floats, holes) that
install from the package registry: ``palmerpenguins`` (344 penguins: island
and sex as text, four measurements and the year, holes in five columns) and
``vega_datasets``' cars (406 cars: seven numbers with holes; the name, an
identifier, is dropped, and the model year kept as a number). Rare-class
tasks as in ``dev_anomaly_defaults.py``: each class (species, origin) in turn
is the anomaly; all rows of the other classes plus 5% as many of that class
(at random) form the data, split 60/40 (stratified); fitted on the 60%
without labels, ROC-AUC on the 40%. The class column is not a feature.
``OutlierDetector()`` on the raw DataFrame against the same detector behind
the usual ``ColumnTransformer`` (median imputation and standardisation of
numbers, most-frequent imputation and one-hot encoding of text), and
IsolationForest, kNN (k=5), LocalOutlierFactor and PCA behind it.

Part 3, imputation on the raw mixed tables (with the detection part): the
same two tables, each with its class column as one more text column (the
penguins: species, island, sex; the cars: origin), 20% of their observed
entries removed at random. Text holes: the share filled with the true level
by the most frequent level, by ``IterativeImputer`` on one-hot columns (the
level with the largest filled value; numbers standardised) and by skae's
``AutoencoderImputer`` on the raw DataFrame; number holes: RMSE in units of
the column's standard deviation.

Prints the tables and writes ``results/bench_mixed.json`` and ``.md``.

    python benchmarks/bench_mixed.py --data-dir ../shared/data [--seeds 0 1 2]
    # one missingness condition, a faster MissForest
    python benchmarks/bench_mixed.py --data-dir ../shared/data --conditions mnar20 \
        --missforest-trees 20 --skip-detection
    # the detection part again, keeping the committed imputation results
    python benchmarks/bench_mixed.py --data-dir ../shared/data --skip-imputation --keep
"""

import argparse
import json
import platform
import time
import warnings
from pathlib import Path

import numpy as np

from _data import punch, punch_mnar
from bench_anomaly import KNN, load_odds

RESULTS = Path(__file__).resolve().parent / "results"
MAX_ROWS, MAX_COLUMNS = 10_000, 50
#: Missingness conditions: name -> (fraction, punch function).
CONDITIONS = {"mcar10": (0.1, punch), "mcar20": (0.2, punch), "mcar40": (0.4, punch),
              "mnar20": (0.2, punch_mnar)}
SKAE, MISSFOREST = "skae AutoencoderImputer", "MissForest-style IterativeImputer"
#: The imputers a user would pick instead, whose best on each set skae is held to.
RIVALS = ("KNNImputer", "IterativeImputer", MISSFOREST)


def imputers(seed, missforest_trees=100):
    from sklearn.ensemble import ExtraTreesRegressor
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401
    from sklearn.impute import IterativeImputer, KNNImputer, SimpleImputer

    from skae import AutoencoderImputer

    return {
        "SimpleImputer (mean)": SimpleImputer(),
        "KNNImputer": KNNImputer(),
        "IterativeImputer": IterativeImputer(random_state=seed),
        MISSFOREST: IterativeImputer(
            estimator=ExtraTreesRegressor(n_estimators=missforest_trees, random_state=seed),
            random_state=seed),
        SKAE: AutoencoderImputer(random_state=seed),
    }


def warm_up(fraction, missforest_trees=100):
    """Fit each imputer once on a small table before anything is timed.

    A process's first torch optimizer step imports ``torch._dynamo`` (about a
    second, once per process, whatever the model); without this it would land
    in whichever fit comes first. Returns each imputer's warm-up seconds,
    which are printed and saved, not counted in the totals.
    """
    X_missing, _ = punch(np.random.default_rng(0).normal(size=(200, 5)), fraction, 0)
    seconds = {}
    for name, imputer in imputers(0, missforest_trees).items():
        start = time.perf_counter()
        imputer.fit_transform(X_missing)
        seconds[name] = time.perf_counter() - start
        print(f"warm-up      {name:26s} {seconds[name]:7.2f} s (not counted)", flush=True)
    return seconds


def run_imputation(data_dir, seeds, conditions, repeats=1, missforest_trees=100):
    from sklearn.base import clone
    from sklearn.preprocessing import StandardScaler

    rows = []
    for path in sorted((Path(data_dir) / "odds").glob("*.mat")):
        X, _ = load_odds(path)
        if X.shape[0] > MAX_ROWS or X.shape[1] > MAX_COLUMNS:
            continue
        X = StandardScaler().fit_transform(X[:, X.std(axis=0) > 0])
        for condition, seed in ((c, s) for c in conditions for s in seeds):
            fraction, make_holes = CONDITIONS[condition]
            X_missing, holes = make_holes(X, fraction, seed)
            models = imputers(seed, missforest_trees)
            times = {name: [] for name in models}
            rmse = {}
            # Rounds in turn (each imputer once per round), so that a slow spell of
            # the machine does not fall on one imputer's repeats only.
            for _ in range(repeats):
                for name, imputer in models.items():
                    start = time.perf_counter()
                    filled = clone(imputer).fit_transform(X_missing)
                    times[name].append(time.perf_counter() - start)
                    error = float(np.sqrt(np.mean((filled[holes] - X[holes]) ** 2)))
                    rmse.setdefault(name, error)
                    if not np.isclose(error, rmse[name], rtol=1e-6):
                        raise RuntimeError(f"{name} is not reproducible on {path.stem}: "
                                           f"RMSE {error} after {rmse[name]}")
            for name in models:
                seconds = float(np.median(times[name]))
                rows.append(dict(data=path.stem, condition=condition, seed=seed,
                                 imputer=name, rmse=rmse[name], seconds=seconds,
                                 seconds_all=times[name]))
                print(f"{path.stem:12s} {condition} {seed} {name:34s} RMSE "
                      f"{rmse[name]:.4f} {seconds:7.2f} s", flush=True)
    return rows


# ------------------------------------------------------------ mixed tables
def mixed_tables():
    """``name -> (features DataFrame, class labels)`` of the registry's mixed tables."""
    import palmerpenguins
    from vega_datasets import local_data

    penguins = palmerpenguins.load_penguins()
    cars = local_data.cars()
    cars = cars.assign(Year=cars["Year"].dt.year).drop(columns=["Name"])
    return {
        "penguins": (penguins.drop(columns=["species"]), penguins["species"].to_numpy()),
        "cars": (cars.drop(columns=["Origin"]), cars["Origin"].to_numpy()),
    }


def rare_class_tasks(frame, labels, seed):
    rng = np.random.default_rng(seed)
    for rare in sorted(set(labels)):
        normal = np.flatnonzero(labels != rare)
        pool = np.flatnonzero(labels == rare)
        n_rare = max(2, int(round(0.05 * len(normal))))
        chosen = rng.choice(pool, size=min(n_rare, len(pool)), replace=False)
        index = np.r_[normal, chosen]
        yield rare, frame.iloc[index].reset_index(drop=True), (labels[index] == rare) * 1


def column_route(detector):
    from sklearn.compose import ColumnTransformer, make_column_selector
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    prepare = ColumnTransformer([
        ("numbers", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
         make_column_selector(dtype_include="number")),
        ("text", make_pipeline(SimpleImputer(strategy="most_frequent"),
                               OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
         make_column_selector(dtype_exclude="number")),
    ])
    return make_pipeline(prepare, detector)


def detectors(seed):
    from sklearn.decomposition import PCA
    from sklearn.ensemble import IsolationForest
    from sklearn.neighbors import LocalOutlierFactor

    from skae import OutlierDetector

    return {
        "skae OutlierDetector, raw table": OutlierDetector(random_state=seed),
        "skae OutlierDetector, ColumnTransformer": column_route(
            OutlierDetector(random_state=seed)),
        "IsolationForest, ColumnTransformer": column_route(IsolationForest(random_state=seed)),
        "kNN (k=5), ColumnTransformer": column_route(KNN(5)),
        "LocalOutlierFactor, ColumnTransformer": column_route(LocalOutlierFactor(novelty=True)),
        "PCA, ColumnTransformer": column_route(OutlierDetector(
            PCA(n_components=0.95, random_state=seed), n_estimators=1, max_samples=1.0)),
    }


def run_detection(seeds):
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split

    rows = []
    for name, (frame, labels) in mixed_tables().items():
        for seed in seeds:
            for rare, data, y in rare_class_tasks(frame, labels, seed):
                train, test, _, y_test = train_test_split(
                    data, y, test_size=0.4, stratify=y, random_state=seed)
                for label, detector in detectors(seed).items():
                    start = time.perf_counter()
                    detector.fit(train)
                    seconds = time.perf_counter() - start
                    auc = float(roc_auc_score(y_test, -detector.score_samples(test)))
                    rows.append(dict(data=name, rare=str(rare), seed=seed, detector=label,
                                     roc_auc=auc, seconds=seconds))
                    print(f"{name:9s} rare={rare:10s} {seed} {label:42s} ROC-AUC {auc:.3f} "
                          f"{seconds:5.2f} s", flush=True)
    return rows


def imputation_tables():
    """``name -> DataFrame`` of the registry's mixed tables, class columns included."""
    return {name: frame.assign(**{"class": labels})
            for name, (frame, labels) in mixed_tables().items()}


def one_hot_iterative(frame, seed):
    """``frame`` filled by IterativeImputer on one-hot columns: each text column
    becomes one column per level (all NaN where the text is missing), numbers are
    standardised; a text hole gets the level whose column is filled highest."""
    import pandas as pd
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401
    from sklearn.impute import IterativeImputer

    numbers = frame.select_dtypes("number").columns
    texts = [c for c in frame.columns if c not in numbers]
    blocks, levels = [], {}
    center, scale = frame[numbers].mean(), frame[numbers].std()
    blocks.append(((frame[numbers] - center) / scale).to_numpy(float))
    for column in texts:
        levels[column] = sorted(frame[column].dropna().unique())
        dummies = pd.get_dummies(frame[column]).reindex(columns=levels[column]).to_numpy(
            float, copy=True)
        dummies[frame[column].isna().to_numpy()] = np.nan
        blocks.append(dummies)
    filled = IterativeImputer(random_state=seed).fit_transform(np.hstack(blocks))
    out = frame.copy()
    out[numbers] = filled[:, :len(numbers)] * scale.to_numpy() + center.to_numpy()
    start = len(numbers)
    for column in texts:
        width = len(levels[column])
        choice = np.asarray(levels[column], dtype=object)[
            filled[:, start:start + width].argmax(axis=1)]
        out[column] = out[column].astype(object).where(frame[column].notna(), choice)
        start += width
    return out


def run_mixed_imputation(seeds, fraction=0.2):
    """Text accuracy and number RMSE of each imputer on holes punched in the raw
    mixed tables."""
    import pandas as pd
    from sklearn.compose import ColumnTransformer, make_column_selector
    from sklearn.impute import SimpleImputer

    from skae import AutoencoderImputer

    def simple(frame, seed):
        columns = list(frame.columns)
        fill = ColumnTransformer([
            ("numbers", SimpleImputer(), make_column_selector(dtype_include="number")),
            ("text", SimpleImputer(strategy="most_frequent"),
             make_column_selector(dtype_exclude="number")),
        ], verbose_feature_names_out=False).set_output(transform="pandas")
        return fill.fit_transform(frame)[columns]

    methods = {
        "mean / most frequent level": simple,
        "IterativeImputer, one-hot columns": one_hot_iterative,
        SKAE: lambda frame, seed: AutoencoderImputer(random_state=seed).fit_transform(frame),
    }
    rows = []
    for name, frame in imputation_tables().items():
        frame = frame.astype({c: object for c in frame.columns
                              if not pd.api.types.is_numeric_dtype(frame[c])})
        numbers = frame.select_dtypes("number").columns
        spread = frame[numbers].std()
        for seed in seeds:
            rng = np.random.default_rng(seed)
            holes = (rng.random(frame.shape) < fraction) & frame.notna().to_numpy()
            punched = frame.mask(holes)
            for label, method in methods.items():
                filled = method(punched, seed)
                texts = [j for j, c in enumerate(frame.columns) if c not in numbers]
                numeric = [j for j, c in enumerate(frame.columns) if c in numbers]
                truth, guess = frame.to_numpy(object), filled.to_numpy(object)
                text_holes = holes[:, texts]
                accuracy = float(np.mean(truth[:, texts][text_holes]
                                         == guess[:, texts][text_holes]))
                error = ((guess[:, numeric].astype(float) - truth[:, numeric].astype(float))
                         / spread.to_numpy())[holes[:, numeric]]
                rmse = float(np.sqrt(np.mean(error ** 2)))
                rows.append(dict(data=name, seed=seed, imputer=label, text_accuracy=accuracy,
                                 number_rmse=rmse, text_holes=int(text_holes.sum())))
                print(f"{name:9s} {seed} {label:36s} text {accuracy:.3f} numbers "
                      f"{rmse:.3f}", flush=True)
    return rows


# ---------------------------------------------------------------- reports
def imputation_table(rows):
    """One condition's table: mean RMSE per set and imputer (the best in bold),
    skae's ratio to the best rival on each set, means, wins and seconds."""
    names = list(dict.fromkeys(r["imputer"] for r in rows))
    sets = list(dict.fromkeys(r["data"] for r in rows))
    rmse = {(d, n): np.mean([r["rmse"] for r in rows if r["data"] == d and r["imputer"] == n])
            for d in sets for n in names}
    rivals = [n for n in RIVALS if n in names]
    ratio = {d: rmse[d, SKAE] / min(rmse[d, n] for n in rivals) for d in sets} if (
        SKAE in names and rivals) else None
    lines = ["| data | " + " | ".join(names) + (" | skae / best rival |" if ratio else " |"),
             "|---" * (len(names) + 1 + bool(ratio)) + "|"]
    for data in sets:
        cells = [rmse[data, n] for n in names]
        lines.append(f"| {data} | " + " | ".join(
            f"**{c:.3f}**" if c == min(cells) else f"{c:.3f}" for c in cells)
            + (f" | {ratio[data]:.2f} |" if ratio else " |"))
    means = [np.mean([rmse[d, n] for d in sets]) for n in names]
    wins = [sum(rmse[d, n] == min(rmse[d, m] for m in names) for d in sets) for n in names]
    seconds = [sum(r["seconds"] for r in rows if r["imputer"] == n)
               / len({r["seed"] for r in rows}) for n in names]
    lines.append("| **mean RMSE** | " + " | ".join(f"**{m:.3f}**" for m in means)
                 + (f" | **{np.mean(list(ratio.values())):.3f}** |" if ratio else " |"))
    lines.append("| sets best | " + " | ".join(str(w) for w in wins) + (" | |" if ratio else " |"))
    lines.append("| total seconds (per seed) | " + " | ".join(f"{s:.1f}" for s in seconds)
                 + (" | |" if ratio else " |"))
    return "\n".join(lines)


def condition_of(row, fraction=0.2):
    """A row's missingness condition (results saved before conditions: MCAR)."""
    return row["condition"] if "condition" in row else f"mcar{round(100 * (fraction or 0.2))}"


def detection_table(rows):
    names = list(dict.fromkeys(r["detector"] for r in rows))
    tasks = list(dict.fromkeys((r["data"], r["rare"]) for r in rows))
    lines = ["| data | rare class | " + " | ".join(names) + " |",
             "|---|---" + "|---" * len(names) + "|"]
    for data, rare in tasks:
        cells = [np.mean([r["roc_auc"] for r in rows
                          if (r["data"], r["rare"]) == (data, rare) and r["detector"] == n])
                 for n in names]
        lines.append(f"| {data} | {rare} | " + " | ".join(f"{c:.3f}" for c in cells) + " |")
    means = [np.mean([r["roc_auc"] for r in rows if r["detector"] == n]) for n in names]
    lines.append("| **mean** | | " + " | ".join(f"**{m:.3f}**" for m in means) + " |")
    return "\n".join(lines)


def mixed_imputation_table(rows):
    names = list(dict.fromkeys(r["imputer"] for r in rows))
    sets = list(dict.fromkeys(r["data"] for r in rows))
    lines = ["| data | " + " | ".join(f"{n}: text right" for n in names) + " | "
             + " | ".join(f"{n}: number RMSE" for n in names) + " |",
             "|---" * (2 * len(names) + 1) + "|"]
    for data in sets:
        def mean(name, key):
            return np.mean([r[key] for r in rows if r["data"] == data and r["imputer"] == name])
        lines.append(f"| {data} | " + " | ".join(f"{mean(n, 'text_accuracy'):.3f}" for n in names)
                     + " | " + " | ".join(f"{mean(n, 'number_rmse'):.3f}" for n in names) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--conditions", nargs="+", default=list(CONDITIONS),
                        choices=list(CONDITIONS), help="missingness conditions to impute")
    parser.add_argument("--missforest-trees", type=int, default=100,
                        help="trees of the MissForest-style imputer's ExtraTreesRegressor")
    parser.add_argument("--skip-imputation", action="store_true")
    parser.add_argument("--skip-detection", action="store_true")
    parser.add_argument("--repeats", type=int, default=3,
                        help="timed fits per imputer, set and seed (the median counts)")
    parser.add_argument("--out", default=str(RESULTS / "bench_mixed"))
    parser.add_argument("--keep", action="store_true",
                        help="keep the part skipped (--skip-imputation or --skip-detection) "
                             "from the existing --out files instead of dropping it")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    warm = {} if args.skip_imputation else warm_up(0.2, args.missforest_trees)
    imputation = [] if args.skip_imputation else run_imputation(
        args.data_dir, args.seeds, args.conditions, args.repeats, args.missforest_trees)
    detection = [] if args.skip_detection else run_detection(args.seeds)
    mixed = [] if args.skip_detection else run_mixed_imputation(args.seeds)
    out = Path(args.out)
    out.parent.mkdir(exist_ok=True)
    kept_machine = None
    if args.keep:
        saved = json.loads(out.with_suffix(".json").read_text())
        if saved["meta"]["seeds"] != args.seeds:
            parser.error(f"--keep needs the seeds of {out}.json: {saved['meta']['seeds']}")
        if args.skip_imputation:
            kept_machine = saved["meta"].get("imputation_machine", saved["meta"]["machine"])
            imputation, warm = saved["imputation"], saved["meta"]["warm_up_seconds"]
            args.repeats = saved["meta"]["repeats"]
            args.missforest_trees = saved["meta"].get("missforest_trees")
            imputation = [dict(row, condition=condition_of(row, saved["meta"].get("fraction")))
                          for row in imputation]
        if args.skip_detection:
            detection, mixed = saved["detection"], saved.get("mixed_imputation", [])
    meta = dict(seeds=args.seeds, machine=platform.platform(),
                python=platform.python_version(), warm_up_seconds=warm,
                repeats=args.repeats, missforest_trees=args.missforest_trees,
                imputation_machine=kept_machine or platform.platform())
    out.with_suffix(".json").write_text(json.dumps(
        dict(meta=meta, imputation=imputation, detection=detection,
             mixed_imputation=mixed), indent=1))
    text = ["# Real tables (`bench_mixed.py`)", "",
            f"Seeds {args.seeds}; {platform.platform()}.", ""]
    for condition in dict.fromkeys(r["condition"] for r in imputation):
        fraction, make_holes = CONDITIONS[condition]
        how = ("completely at random" if make_holes is punch
               else "not at random (larger values more often)")
        text += [f"## Imputation: RMSE on {fraction:.0%} of entries removed {how} "
                 "(standardised units; lower is better)", "",
                 imputation_table([r for r in imputation if r["condition"] == condition]), ""]
    if imputation:
        text += [f"Seconds are medians of {args.repeats} wall-clock `fit_transform` times "
                 "(the imputers in turn), after one untimed warm-up fit of each imputer "
                 "(warm-up: " + ", ".join(
                     f"{name} {sec:.2f} s" for name, sec in warm.items()) + "). "
                 + (f"The MissForest-style imputer has {args.missforest_trees} trees. "
                    if any(r["imputer"] == MISSFOREST for r in imputation) else "")
                 + "\"skae / best rival\": skae's RMSE over the lowest of the rivals in "
                 "the table (KNNImputer, IterativeImputer and, where present, the "
                 "MissForest-style imputer) on that set (below 1: skae is better)."
                 + (" The imputation part was kept from an earlier run (--keep), on "
                    "another machine (the JSON file names both)."
                    if kept_machine and kept_machine != platform.platform() else ""), ""]
    if detection:
        text += ["## Detection on raw mixed tables: ROC-AUC (rare-class tasks)", "",
                 detection_table(detection), ""]
    if mixed:
        text += ["## Imputation on raw mixed tables: 20% of the observed entries removed "
                 "at random", "", mixed_imputation_table(mixed), "",
                 "Text right: the share of text holes filled with the true level "
                 f"({sum(r['text_holes'] for r in mixed if r['imputer'] == SKAE)} holes "
                 "over the seeds); number RMSE in units of each column's standard "
                 "deviation.", ""]
    out.with_suffix(".md").write_text("\n".join(text))
    print("\n".join(text))


if __name__ == "__main__":
    main()
