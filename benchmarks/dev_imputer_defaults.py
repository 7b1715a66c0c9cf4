"""Choose AutoencoderImputer's defaults on development data (not the benchmark sets).

scikit-learn's bundled numeric tables (breast cancer, wine, diabetes, digits)
are standardised and 20% of their entries removed at random (MCAR); each
candidate imputes them and is scored by the RMSE on the removed entries
(standardised units), beside SimpleImputer, KNNImputer and IterativeImputer;
times are taken after one untimed warm-up fit.
Prints a table and writes ``results/dev_imputer_defaults.{json,md}``: by
default the chosen setting against the alternatives it was chosen over;
``--grid 1`` ... ``--grid 5`` are the earlier rounds of the search (constant
rate). ``--grid 6`` sizes the network by the table's width on eight tables:
the four above and four narrow ones (4-6 columns) that ship offline, because
the four above are all 10 columns or wider: iris (scikit-learn), the penguins'
four measurements (``palmerpenguins``), the cars' six numbers and Seattle's
daily weather (``vega_datasets``), complete rows only; ``--grid 7`` and ``8``
try fewer steps and batches of 64 there, ``--grid 9`` the masking level and a
wider code.

    python benchmarks/dev_imputer_defaults.py [--seeds 0 1 2] [--grid N]
"""

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import (load_breast_cancer, load_diabetes, load_digits, load_iris,
                              load_wine)
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer, KNNImputer, SimpleImputer
from sklearn.preprocessing import StandardScaler

from skae import AutoencoderImputer, DenoisingAutoencoder

from _data import punch

RESULTS = Path(__file__).parent / "results"
# Where the eight-table rounds write (the others: dev_imputer_defaults).
OUTPUTS = {6: "dev_imputer_width", 7: "dev_imputer_steps", 8: "dev_imputer_batch",
           9: "dev_imputer_noise"}


def dev_sets():
    digits = load_digits().data
    digits = digits[:, digits.std(axis=0) > 0]
    return {
        "breast_cancer": load_breast_cancer().data,
        "wine": load_wine().data,
        "diabetes": load_diabetes().data,
        "digits": digits,
    }


def narrow_sets():
    """Four narrow tables (4-6 numeric columns), complete rows only."""
    import palmerpenguins
    from vega_datasets import local_data

    penguins = palmerpenguins.load_penguins()[
        ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]]
    return {
        "iris": load_iris().data,
        "penguins": penguins.dropna().to_numpy(float),
        "cars": local_data.cars().select_dtypes("number").dropna().to_numpy(float),
        "seattle": local_data.seattle_weather().select_dtypes("number").to_numpy(float),
    }


def dae(code=0.5, hidden=(128,), level=0.2, steps=6000, batch=64, lr=1e-3,
        refinements=1, patience=10, min_epochs=30, max_epochs=300, schedule="constant"):
    def make(n_rows, n_columns, seed):
        batches = max(1, -(-n_rows // batch))
        epochs = int(np.clip(steps // batches, min_epochs, max_epochs))
        layers = hidden
        if isinstance(hidden, str):  # "scaled16": (16 d, 8 d), capped at (256, 128)
            factor = int(hidden.removeprefix("scaled") or 16)
            layers = (min(256, factor * n_columns), min(128, factor // 2 * n_columns))
        estimator = DenoisingAutoencoder(
            n_components=max(2, int(code * n_columns)), hidden_layer_sizes=layers,
            noise="masking", noise_level=level, batch_size=batch,
            max_iter=epochs, learning_rate_init=lr, learning_rate=schedule,
            # One-cycle runs its whole schedule (as the default does).
            n_iter_no_change=epochs if schedule == "onecycle" else patience)
        return AutoencoderImputer(estimator, n_refinements=refinements, random_state=seed)
    return make


def one_cycle(**changes):
    """The default's settings (one-cycle, 400 steps of 128, at most 80 epochs, layers 16
    and 8 times the width), changed."""
    settings = dict(code=1.0, hidden="scaled16", refinements=0, batch=128, lr=5e-3,
                    steps=400, min_epochs=3, max_epochs=80, schedule="onecycle")
    return dae(**{**settings, **changes})


CANDIDATES = {
    "SimpleImputer (mean)": lambda n, d, s: SimpleImputer(),
    "KNNImputer": lambda n, d, s: KNNImputer(),
    "IterativeImputer": lambda n, d, s: IterativeImputer(random_state=s),
    "skae default": lambda n, d, s: AutoencoderImputer(random_state=s),
}


def candidates(grid):
    out = dict(CANDIDATES)
    if not grid:  # the default against the alternatives it was chosen over
        out["first guess: (128,), code d/2, 1 refinement"] = dae(code=0.5, refinements=1)
        out["previous default: constant 1e-3, ~2,000 steps of 64"] = dae(
            code=1.0, hidden=(256, 128), refinements=0, steps=2000)
        out["default + 1 refinement pass"] = one_cycle(refinements=1)
        out["default, code d/2"] = one_cycle(code=0.5)
        out["default, (256, 128) at every width"] = one_cycle(hidden=(256, 128))
        out["default, (128, 64)"] = one_cycle(hidden=(128, 64))
        out["default, 500 steps, at most 100 epochs"] = one_cycle(steps=500, max_epochs=100)
        out["default, 500 steps, at most 50 epochs"] = one_cycle(steps=500, max_epochs=50)
        out["default, peak 1e-2"] = one_cycle(lr=1e-2)
        out["default, 300 steps of 256"] = one_cycle(batch=256, steps=300)
        out["default, constant 5e-3"] = one_cycle(schedule="constant", patience=10)
    if grid:
        for refinements in (0, 1, 3):
            out[f"DAE refinements={refinements}"] = dae(refinements=refinements)
        for level in (0.1, 0.3, 0.5):
            out[f"DAE level={level}"] = dae(level=level)
        out["DAE hidden=(64,)"] = dae(hidden=(64,))
        out["DAE hidden=(256, 128)"] = dae(hidden=(256, 128))
        out["DAE code d"] = dae(code=1.0)
    if grid == 2:
        for code in (0.5, 1.0, 2.0):
            for hidden in ((128,), (256, 128)):
                for level in (0.1, 0.2):
                    out[f"DAE r0 code {code}d {hidden} level {level}"] = dae(
                        code=code, hidden=hidden, level=level, refinements=0)
    if grid == 3:
        for refinements in (0, 1):
            out[f"DAE r{refinements} code d (256, 128)"] = dae(
                code=1.0, hidden=(256, 128), refinements=refinements)
        out["DAE r0 code d (256, 256)"] = dae(code=1.0, hidden=(256, 256), refinements=0)
        out["DAE r0 code d (256, 128) lr 2e-3"] = dae(code=1.0, hidden=(256, 128),
                                                      refinements=0, lr=2e-3)
        out["DAE r0 code d (256, 128) batch 32"] = dae(code=1.0, hidden=(256, 128),
                                                       refinements=0, batch=32)
        out["DAE r0 code d (256, 128) steps 3000"] = dae(code=1.0, hidden=(256, 128),
                                                         refinements=0, steps=3000)
        out["DAE r0 code d/2 (256, 128)"] = dae(code=0.5, hidden=(256, 128), refinements=0)
    if grid == 4:  # faster training: bigger batches, fewer steps
        for batch, steps, lr in ((256, 1500, 1e-3), (256, 1500, 3e-3), (128, 2000, 2e-3),
                                 (64, 2000, 1e-3)):
            out[f"DAE r0 code d (256, 128) batch {batch} steps {steps} lr {lr}"] = dae(
                code=1.0, hidden=(256, 128), refinements=0, batch=batch, steps=steps, lr=lr)
    if grid == 5:  # fewer steps still: a lower floor of epochs
        out = dict(CANDIDATES)
        for batch, steps, lr, floor in ((64, 2000, 1e-3, 30), (64, 1000, 1e-3, 10),
                                        (128, 1000, 2e-3, 10), (128, 600, 2e-3, 10)):
            out[f"DAE r0 code d (256, 128) b{batch} s{steps} lr{lr} min{floor}"] = dae(
                code=1.0, hidden=(256, 128), refinements=0, batch=batch, steps=steps,
                lr=lr, min_epochs=floor)
    if grid == 6:  # the network's width by the table's, on wide and narrow tables
        out = dict(CANDIDATES)
        out["previous default: (256, 128) at every width"] = one_cycle(hidden=(256, 128))
        for factor in (8, 32):
            out[f"default, layers {factor} and {factor // 2} times the width"] = (
                one_cycle(hidden=f"scaled{factor}"))
    if grid == 7:  # the step budget, with either width, on the same eight tables
        out = dict(CANDIDATES)
        for steps in (300, 200):
            out[f"default, {steps} steps"] = one_cycle(steps=steps)
        for steps in (400, 300, 200):
            out[f"(256, 128) at every width, {steps} steps"] = one_cycle(
                hidden=(256, 128), steps=steps)
    if grid == 8:  # half the rows per step: batches of 64 (with the scaled width)
        out = dict(CANDIDATES)
        for steps, lr in ((400, 5e-3), (400, 3e-3), (600, 3e-3)):
            out[f"batches of 64, {steps} steps, peak {lr:g}"] = one_cycle(
                batch=64, steps=steps, lr=lr)
    if grid == 9:  # the corruption and the code, again, under the one-cycle schedule
        out = dict(CANDIDATES)
        for level in (0.1, 0.3, 0.4):
            out[f"default, masking {level:g}"] = one_cycle(level=level)
        out["default, code 2d"] = one_cycle(code=2.0)
    if grid == 2:
        out["DAE r0 code d (128,) patience 1000"] = dae(code=1.0, refinements=0,
                                                        patience=1000)
        out["DAE r0 code d (128,) steps 2000 patience 1000"] = dae(
            code=1.0, refinements=0, patience=1000, steps=2000)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--fraction", type=float, default=0.2)
    parser.add_argument("--grid", type=int, default=0,
                        help="0: the default against its alternatives; 1-5: the earlier "
                        "rounds; 6-9: width, steps, batches of 64, masking and code on "
                        "eight tables")
    parser.add_argument("--out", default=None, help="default: results/" + ", ".join(
        f"{name}.json (--grid {grid})" for grid, name in OUTPUTS.items())
        + "; otherwise results/dev_imputer_defaults.json")
    args = parser.parse_args()
    if args.out is None:
        args.out = str(RESULTS / (OUTPUTS.get(args.grid, "dev_imputer_defaults") + ".json"))
    warnings.simplefilter("ignore")
    # One untimed fit first: a process's first torch optimizer step imports
    # torch._dynamo (about a second), which would land on the first candidate.
    AutoencoderImputer(random_state=0).fit_transform(punch(load_iris().data, 0.2, 0)[0])
    rows = []
    sets = dev_sets() if args.grid < 6 else {**dev_sets(), **narrow_sets()}
    for name, raw in sets.items():
        X = StandardScaler().fit_transform(raw)
        for seed in args.seeds:
            X_missing, holes = punch(X, args.fraction, seed)
            for label, make in candidates(args.grid).items():
                imputer = make(*X.shape, seed)
                start = time.perf_counter()
                filled = imputer.fit_transform(X_missing)
                seconds = time.perf_counter() - start
                rmse = float(np.sqrt(np.mean((filled[holes] - X[holes]) ** 2)))
                model = getattr(imputer, "estimator_", None)
                steps = None if model is None else model.n_iter_ * -(
                    -len(X) // (256 if model.batch_size == "auto" else model.batch_size))
                rows.append(dict(data=name, seed=seed, imputer=label, rmse=rmse,
                                 seconds=seconds, steps=steps))
                print(f"{name:14s} {seed} {label:28s} RMSE {rmse:.4f} {seconds:6.2f} s",
                      flush=True)
    labels = list(dict.fromkeys(r["imputer"] for r in rows))
    names = list(dict.fromkeys(r["data"] for r in rows))
    print(f"\n{'imputer':28s} " + " ".join(f"{n:>13s}" for n in names) + "    mean  time")
    title = {6: "Imputer network width", 7: "Imputer step budget",
             8: "Imputer batches of 64",
             9: "Imputer corruption and code"}.get(args.grid, "Imputer defaults")
    md = [f"# {title} (development data)", "",
          f"RMSE on {args.fraction:.0%} of entries removed at random (standardised units), "
          f"mean over seeds {args.seeds}; seconds per fit_transform (this machine, "
          "one run: compare within the table); gradient steps per fit.", "",
          "| imputer | " + " | ".join(names) + " | mean | seconds | steps |",
          "|---" * (len(names) + 4) + "|"]
    summary = {}
    for label in labels:
        per = [np.mean([r["rmse"] for r in rows if r["imputer"] == label and r["data"] == n])
               for n in names]
        secs = np.mean([r["seconds"] for r in rows if r["imputer"] == label])
        steps = [r["steps"] for r in rows if r["imputer"] == label]
        steps = None if None in steps else float(np.mean(steps))
        summary[label] = dict(rmse=dict(zip(names, per)), mean=float(np.mean(per)),
                              seconds=float(secs), steps=steps)
        print(f"{label:28s} " + " ".join(f"{v:13.4f}" for v in per)
              + f"  {np.mean(per):.4f} {secs:5.2f}")
        md.append(f"| {label} | " + " | ".join(f"{v:.3f}" for v in per)
                  + f" | **{np.mean(per):.3f}** | {secs:.2f} | "
                  + ("" if steps is None else f"{steps:.0f}") + " |")
    Path(args.out).parent.mkdir(exist_ok=True)
    Path(args.out).write_text(json.dumps(dict(rows=rows, summary=summary), indent=1))
    Path(args.out).with_suffix(".md").write_text("\n".join(md) + "\n")


if __name__ == "__main__":
    main()
