"""Training and inference speed of skae against a plain PyTorch loop.

For one MLP autoencoder (same module, initial weights, epochs, batch size and
optimizer), times three ways of fitting it:

- ``torch``: a hand-written PyTorch loop over slices of in-memory tensors
  (the reference, ratio 1.0);
- ``skae``: ``Autoencoder.fit`` (validation, skorch loop, callbacks, history);
- ``skorch-dataloader``: skorch's default path, a ``torch.utils.data.DataLoader``
  that collates rows one ``__getitem__`` at a time;

and two ways of encoding the same data (numpy float64 in, numpy out): a
plain ``torch.no_grad`` loop and ``Autoencoder.transform``. Each measurement
runs in a fresh subprocess (so peak memory is its own), ``--repeats`` times in
interleaved order; the table gives medians and ratios to the plain loop
measured in the same run.

Usage::

    python benchmarks/bench_training.py                  # 20000 x 64, 10 epochs
    python benchmarks/bench_training.py --n-samples 2000 --epochs 2 --repeats 1
"""

import argparse
import json
import multiprocessing as mp
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"


def make_data(n_samples, n_features, seed=0):
    """Rows near a 6-dimensional curved manifold, plus noise (float64)."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n_samples, 6))
    mixing = rng.normal(size=(6, n_features))
    X = np.tanh(latent @ mixing / 2) + 0.05 * rng.normal(size=(n_samples, n_features))
    return (X - X.mean(0)) / X.std(0)


def _reset_peak_rss():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def _rss_mib(field):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _run(method, args, queue):
    """Warm up ``method`` on a small problem, then measure it on the real one."""
    import argparse

    warm = argparse.Namespace(**{**vars(args), "n_samples": 1000, "epochs": 1,
                                 "transform_repeats": 1})
    _measure(method, warm)
    queue.put(_measure(method, args))


def _measure(method, args):
    import torch

    from skae import Autoencoder
    from skae._losses import squared_error
    from skae._modules import MLPAutoencoder, init_parameters

    torch.set_num_threads(args.threads)
    X = make_data(args.n_samples, args.n_features)
    hidden = tuple(args.hidden)
    params = dict(
        n_components=args.n_components,
        hidden_layer_sizes=hidden,
        batch_size=args.batch_size,
        max_iter=args.epochs,
        learning_rate_init=1e-3,
        tol=0.0,
        n_iter_no_change=args.epochs + 1,
        device="cpu",
        random_state=0,
    )

    def fresh_module():
        module = MLPAutoencoder(X.shape[1], hidden, args.n_components)
        return init_parameters(module, torch.Generator().manual_seed(0))

    _reset_peak_rss()
    rss_before = _rss_mib("VmRSS")
    loss = float("nan")
    start = time.perf_counter()
    if method == "fit/torch":
        module = fresh_module()
        optimizer = torch.optim.Adam(module.parameters(), lr=1e-3)
        data = torch.tensor(X, dtype=torch.float32)
        generator = torch.Generator().manual_seed(0)
        n = len(data)
        for _ in range(args.epochs):
            module.train()
            order = torch.randperm(n, generator=generator)
            total = 0.0
            for i in range(0, n, args.batch_size):
                xb = data[order[i : i + args.batch_size]]
                optimizer.zero_grad()
                batch_loss = squared_error(module(xb).reconstruction, xb).mean()
                batch_loss.backward()
                optimizer.step()
                total += batch_loss.item() * len(xb)
            loss = total / n
    elif method == "fit/skae":
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            loss = Autoencoder(**params).fit(X).loss_curve_[-1]
    elif method == "fit/skorch-dataloader":
        from skorch import NeuralNet

        from skae._losses import ReconstructionLoss

        class Objective(ReconstructionLoss):
            def forward(self, output, target):
                return super().forward(output, target)

        net = NeuralNet(
            fresh_module(),
            criterion=Objective(),
            optimizer=torch.optim.Adam,
            lr=1e-3,
            max_epochs=args.epochs,
            batch_size=args.batch_size,
            iterator_train__shuffle=True,
            train_split=None,
            verbose=0,
        )
        Xf = X.astype(np.float32)
        net.fit(Xf, Xf)
        loss = net.history[-1, "train_loss"]
    elif method.startswith("transform/"):
        if method == "transform/torch":
            module = fresh_module().eval()

            def encode(X):
                with torch.no_grad():
                    data = torch.from_numpy(X.astype(np.float32))
                    out = [module.encode(data[i : i + 65536]) for i in range(0, len(data), 65536)]
                    return torch.cat(out).numpy().astype(np.float64)
        else:
            import warnings

            ae = Autoencoder(**{**params, "max_iter": 1})
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ae.fit(X[:10])
            ae.module_.load_state_dict(fresh_module().state_dict())
            encode = ae.transform
        _reset_peak_rss()
        rss_before = _rss_mib("VmRSS")
        start = time.perf_counter()
        # Repeated so that the timing is not at the timer's resolution.
        for _ in range(args.transform_repeats):
            encode(X)
    elapsed = time.perf_counter() - start
    if method.startswith("transform/"):
        elapsed /= args.transform_repeats
    return {
        "method": method,
        "seconds": elapsed,
        "final_loss": float(loss),
        "rss_before_mib": rss_before,
        "peak_rss_mib": _rss_mib("VmHWM"),
        "peak_rss_increase_mib": _rss_mib("VmHWM") - rss_before,
    }


def measure(method, args):
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_run, args=(method, args, queue))
    proc.start()
    proc.join()
    if proc.exitcode != 0:
        raise RuntimeError(f"{method} failed in its subprocess (exit code {proc.exitcode})")
    return queue.get(timeout=10)


METHODS = [
    "fit/torch",
    "fit/skae",
    "fit/skorch-dataloader",
    "transform/torch",
    "transform/skae",
]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=20000)
    parser.add_argument("--n-features", type=int, default=64)
    parser.add_argument("--n-components", type=int, default=8)
    parser.add_argument("--hidden", type=int, nargs="*", default=[64])
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--transform-repeats", type=int, default=20)
    parser.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--skip-dataloader", action="store_true",
                        help="leave out skorch's slow DataLoader path")
    parser.add_argument("--output", type=Path, default=RESULTS / "bench_training.json")
    args = parser.parse_args(argv)

    methods = [m for m in METHODS if not (args.skip_dataloader and "dataloader" in m)]
    runs = {m: [] for m in methods}
    for repeat in range(args.repeats):
        # Alternate the order so drift in machine speed hits every method alike.
        for method in methods if repeat % 2 == 0 else methods[::-1]:
            runs[method].append(measure(method, args))

    rows = []
    for method in methods:
        seconds = [r["seconds"] for r in runs[method]]
        reference = "fit/torch" if method.startswith("fit/") else "transform/torch"
        ref = statistics.median(r["seconds"] for r in runs[reference])
        rows.append(
            {
                "method": method,
                "median_seconds": statistics.median(seconds),
                "min_seconds": min(seconds),
                "max_seconds": max(seconds),
                "ratio_to_torch": statistics.median(seconds) / ref,
                "final_loss": runs[method][-1]["final_loss"],
                "rss_before_mib": statistics.median(r["rss_before_mib"] for r in runs[method]),
                "peak_rss_mib": max(r["peak_rss_mib"] for r in runs[method]),
                "peak_rss_increase_mib": max(r["peak_rss_increase_mib"] for r in runs[method]),
            }
        )

    import torch

    report = {
        "benchmark": "bench_training",
        "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "environment": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "machine": platform.machine(),
            "cpu_count": os.cpu_count(),
        },
        "results": rows,
    }
    header = (f"{'method':<24}{'median s':>10}{'min s':>9}{'max s':>9}{'ratio':>8}"
              f"{'final loss':>12}{'RSS before':>12}{'peak RSS':>10}{'increase':>10}")
    print(f"{args.n_samples} x {args.n_features}, hidden {tuple(args.hidden)}, "
          f"code {args.n_components}, batch {args.batch_size}, {args.epochs} epochs, "
          f"{args.threads} threads, {args.repeats} repeats")
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row['method']:<24}{row['median_seconds']:>10.4f}{row['min_seconds']:>9.4f}"
            f"{row['max_seconds']:>9.4f}{row['ratio_to_torch']:>8.2f}{row['final_loss']:>12.4f}"
            f"{row['rss_before_mib']:>12.1f}{row['peak_rss_mib']:>10.1f}"
            f"{row['peak_rss_increase_mib']:>10.1f}"
        )
    print("(seconds per fit, or per transform call; RSS in MiB of the measuring process; "
          "'increase' is a lower bound, as freed heap is reused)")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.output}")
    return report


if __name__ == "__main__":
    sys.exit(main() and 0)
