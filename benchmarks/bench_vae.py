"""VAE test log-likelihood on binarised MNIST and Fashion-MNIST.

The literature architecture (Burda et al., 2016): two hidden layers of 200
tanh units, 50 latent dimensions, Bernoulli decoder. Images are binarised
once with a fixed seed (each pixel is 1 with probability its grey level:
"static" stochastic binarisation). For each data set: training epochs (early
stopping on 10% of the training images), fit time, the test ELBO
(``n_importance_samples=1``), and the test negative log-likelihood estimated
by the importance-weighted bound with ``k`` samples (default 1000), with the
time that took.

Literature anchors (60k training images): about 86.8 nats with dynamic
binarisation (VAE, k=5000), 89.9 with static binarisation. This script
trains on the 10k MNIST training images of the shared data, so expect more.

Usage::

    python benchmarks/bench_vae.py --data-dir ../shared/data
    python benchmarks/bench_vae.py --data-dir ../shared/data --k 5000 --max-iter 500
"""

import argparse
import json
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _data  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def binarise(X, seed):
    return (np.random.default_rng(seed).random(X.shape) < X).astype(np.float32)


def run(name, data, args):
    import torch

    from skae import VAE

    X_train, _, X_test, _ = data
    X_train, X_test = binarise(X_train, 0), binarise(X_test, 1)
    if args.n_test:
        X_test = X_test[: args.n_test]
    print(f"\n== {name}: train {X_train.shape}, test {X_test.shape} ==", flush=True)
    model = VAE(
        likelihood="bernoulli",
        n_components=50,
        hidden_layer_sizes=(200, 200),
        activation="tanh",
        batch_size=args.batch_size,
        max_iter=args.max_iter,
        learning_rate_init=args.learning_rate,
        early_stopping=True,
        n_iter_no_change=args.patience,
        random_state=0,
        verbose=args.verbose,
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X_train)
    fit_seconds = time.perf_counter() - start
    result = {"dataset": name, "n_train": len(X_train), "n_test": len(X_test),
              "epochs": model.n_iter_, "fit_seconds": fit_seconds,
              "train_loss_last_epoch": model.loss_curve_[-1],
              "best_validation_score": model.best_validation_score_,
              "torch_threads": torch.get_num_threads()}
    for k in sorted({1, *args.k_values, args.k}):
        start = time.perf_counter()
        bound = model.set_params(n_importance_samples=k).score(X_test)
        result[f"test_bound_k{k}"] = bound
        result[f"score_seconds_k{k}"] = time.perf_counter() - start
        print(f"  k={k:<5} test bound {bound:9.2f} nats  "
              f"({result[f'score_seconds_k{k}']:.1f} s)", flush=True)
    result["test_elbo"] = result["test_bound_k1"]
    result["test_nll"] = -result[f"test_bound_k{args.k}"]
    print(f"  epochs {model.n_iter_}, fit {fit_seconds:.1f} s, test NLL (k={args.k}) "
          f"{result['test_nll']:.2f} nats, test ELBO {result['test_elbo']:.2f}", flush=True)
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--datasets", nargs="*", default=["mnist", "fashion"])
    parser.add_argument("--max-iter", type=int, default=300)
    parser.add_argument("--patience", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--k", type=int, default=1000, help="importance samples for the NLL")
    parser.add_argument("--k-values", type=int, nargs="*", default=[10, 100],
                        help="other k to report, showing the bound tighten")
    parser.add_argument("--n-test", type=int, default=None, help="use only this many test images")
    parser.add_argument("--fashion-train", type=int, default=None,
                        help="training images of Fashion-MNIST (default: all 60k)")
    parser.add_argument("--verbose", type=int, default=0)
    parser.add_argument("--output", type=Path, default=RESULTS / "bench_vae.json")
    args = parser.parse_args(argv)

    loaders = {
        "mnist (binarised, 10k train)": lambda: _data.load_mnist(args.data_dir),
        "fashion-mnist (binarised)": lambda: _data.load_fashion(args.fashion_train),
    }
    chosen = {k: v for k, v in loaders.items() if k.split()[0].split("-")[0] in args.datasets}
    results = []
    for name, load in chosen.items():
        try:
            data = load()
        except FileNotFoundError as exc:
            print(f"{name} skipped: {exc}")
            continue
        results.append(run(name, data, args))

    import torch

    report = {"benchmark": "bench_vae",
              "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
              "environment": {"python": platform.python_version(), "torch": torch.__version__},
              "results": results}
    print(f"\n| data | epochs | fit s | test ELBO | test NLL (k={args.k}) | scoring s |")
    print("|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['dataset']} | {r['epochs']} | {r['fit_seconds']:.0f} | "
              f"{r['test_elbo']:.2f} | {r['test_nll']:.2f} | "
              f"{r[f'score_seconds_k{args.k}']:.0f} |")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.output}")
    return report


if __name__ == "__main__":
    main()
