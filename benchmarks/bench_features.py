"""Quality of the learned codes: PCA and every skae autoencoder at the same code width.

For each data set and seed, fits each model on the training images and
reports, on held-out images:

- reconstruction MSE per pixel (pixels in [0, 1]);
- the accuracy of a logistic regression trained on the codes of the
  training images (codes standardised first);
- fit time and epochs.

Then the cost of the contractive penalty: ContractiveAutoencoder fit time
divided by the fit time of an Autoencoder of the same shape and epochs, for
``jacobian="exact"`` and ``"stochastic"``, per seed.

Usage::

    python benchmarks/bench_features.py                             # digits only
    python benchmarks/bench_features.py --data-dir ../shared/data   # + MNIST, Fashion-MNIST
"""

import argparse
import json
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _data  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def models(n_components, hidden, max_iter, seed):
    from sklearn.decomposition import PCA

    from skae import (
        Autoencoder,
        ContractiveAutoencoder,
        DenoisingAutoencoder,
        SparseAutoencoder,
    )

    common = dict(
        n_components=n_components,
        hidden_layer_sizes=hidden,
        max_iter=max_iter,
        tol=0.0,  # a fixed number of epochs, so that fit times compare
        random_state=seed,
    )
    return {
        "PCA": PCA(n_components=n_components, random_state=seed),
        "Autoencoder": Autoencoder(**common),
        "DenoisingAutoencoder (masking 0.3)": DenoisingAutoencoder(
            noise="masking", noise_level=0.3, **common
        ),
        "SparseAutoencoder (kl)": SparseAutoencoder(sparsity="kl", **common),
        "SparseAutoencoder (l1, weight 0.1)": SparseAutoencoder(
            sparsity="l1", sparsity_weight=0.1, **common
        ),
        "SparseAutoencoder (topk, 25%)": SparseAutoencoder(
            sparsity="topk", n_active=max(1, n_components // 4), **common
        ),
        "ContractiveAutoencoder (exact)": ContractiveAutoencoder(**common),
        "ContractiveAutoencoder (stochastic)": ContractiveAutoencoder(
            jacobian="stochastic", **common
        ),
    }


def evaluate(model, X_train, y_train, X_test, y_test):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X_train)
    seconds = time.perf_counter() - start
    Z_train, Z_test = model.transform(X_train), model.transform(X_test)
    error = float(np.mean((X_test - model.inverse_transform(Z_test)) ** 2))
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        accuracy = float(clf.fit(Z_train, y_train).score(Z_test, y_test))
    return {
        "reconstruction_mse": error,
        "accuracy": accuracy,
        "fit_seconds": seconds,
        "epochs": int(getattr(model, "n_iter_", 0)),
    }


def summarise(values):
    return {
        "mean": statistics.fmean(values),
        "std": statistics.stdev(values) if len(values) > 1 else 0.0,
        "values": values,
    }


def run_dataset(name, data, args):
    X_train, y_train, X_test, y_test = data
    print(f"\n== {name}: train {X_train.shape}, test {X_test.shape}, "
          f"{args.n_components} components, {len(args.seeds)} seeds ==", flush=True)
    # The first fit in a process pays torch's one-off start-up; keep it out of
    # the timings.
    step = max(1, len(X_train) // 300)  # a spread-out subset: some files are sorted by label
    evaluate(models(args.n_components, tuple(args.hidden), 1, 0)["Autoencoder"],
             X_train[::step], y_train[::step], X_test[::step], y_test[::step])
    per_model = {}
    for seed in args.seeds:
        for label, model in models(args.n_components, tuple(args.hidden),
                                   args.max_iter, seed).items():
            result = evaluate(model, X_train, y_train, X_test, y_test)
            per_model.setdefault(label, []).append(result)
            print(f"  seed {seed} {label:<38} mse {result['reconstruction_mse']:.4f} "
                  f"acc {result['accuracy']:.3f} fit {result['fit_seconds']:.1f}s", flush=True)
    rows = []
    for label, results in per_model.items():
        row = {"model": label, "epochs": results[0]["epochs"]}
        for key in ("reconstruction_mse", "accuracy", "fit_seconds"):
            row[key] = summarise([r[key] for r in results])
        rows.append(row)
    ae_times = [r["fit_seconds"] for r in per_model["Autoencoder"]]
    cost = {
        mode: summarise([
            r["fit_seconds"] / t
            for r, t in zip(per_model[f"ContractiveAutoencoder ({mode})"], ae_times)
        ])
        for mode in ("exact", "stochastic")
    }
    return {"dataset": name, "n_train": len(X_train), "n_test": len(X_test),
            "n_features": X_train.shape[1], "rows": rows, "contractive_cost": cost}


def markdown(report):
    lines = []
    for ds in report["datasets"]:
        lines.append(f"### {ds['dataset']} ({ds['n_train']} train / {ds['n_test']} test, "
                     f"{ds['n_features']} features, {report['config']['n_components']} "
                     f"components, {len(report['config']['seeds'])} seeds)")
        lines.append("")
        lines.append("| model | held-out MSE | logistic accuracy | fit s | epochs |")
        lines.append("|---|---|---|---|---|")
        for row in ds["rows"]:
            m, a, t = row["reconstruction_mse"], row["accuracy"], row["fit_seconds"]
            lines.append(
                f"| {row['model']} | {m['mean']:.4f} ± {m['std']:.4f} | "
                f"{a['mean']:.3f} ± {a['std']:.3f} | {t['mean']:.2f} ± {t['std']:.2f} | "
                f"{row['epochs'] or '-'} |"
            )
        cost = ds["contractive_cost"]
        lines.append("")
        lines.append(
            f"Contractive penalty cost (fit time / Autoencoder fit time, same shape and "
            f"epochs): exact {cost['exact']['mean']:.2f}x ± {cost['exact']['std']:.2f}, "
            f"stochastic {cost['stochastic']['mean']:.2f}x ± {cost['stochastic']['std']:.2f}."
        )
        lines.append("")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="the shared data folder (adds MNIST; Fashion-MNIST if installed)")
    parser.add_argument("--n-components", type=int, default=16)
    parser.add_argument("--hidden", type=int, nargs="*", default=[128])
    parser.add_argument("--max-iter", type=int, default=30)
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2])
    parser.add_argument("--fashion-train", type=int, default=10000,
                        help="training images of Fashion-MNIST to use (test: all 10k)")
    parser.add_argument("--datasets", nargs="*", default=None,
                        help="subset of: digits mnist fashion")
    parser.add_argument("--output", type=Path, default=RESULTS / "bench_features.json")
    args = parser.parse_args(argv)

    loaders = {"digits": _data.load_digits01}
    if args.data_dir is not None:
        loaders["mnist"] = lambda: _data.load_mnist(args.data_dir)
        if _data.FASHION_DIR.exists():
            loaders["fashion"] = lambda: _data.load_fashion(args.fashion_train)
        else:
            print(f"Fashion-MNIST skipped: {_data.FASHION_DIR} not found "
                  "(apt-get install dataset-fashion-mnist)")
    if args.datasets:
        loaders = {k: v for k, v in loaders.items() if k in args.datasets}

    import torch

    report = {
        "benchmark": "bench_features",
        "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "environment": {"python": platform.python_version(), "torch": torch.__version__,
                        "threads": torch.get_num_threads()},
        "datasets": [run_dataset(name, load(), args) for name, load in loaders.items()],
    }
    table = markdown(report)
    print("\n" + table)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    args.output.with_suffix(".md").write_text(table + "\n")
    print(f"wrote {args.output} and {args.output.with_suffix('.md')}")
    return report


if __name__ == "__main__":
    main()
