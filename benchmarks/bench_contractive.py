"""Cost of the contractive penalty: batched Jacobian products against torch.func.

For MLP encoders of typical shapes (ODDS-like tables, the digits, MNIST-sized
images), times one training step (forward and backward) of the exact penalty
``mean_i ||J_E(x_i)||_F^2`` computed three ways, side by side in one run:

- ``products``: skae's exact path for Linear + elementwise stacks, the per-row
  Jacobians ``W_K A_{K-1} ... A_1 W_1`` by batched matrix products;
- ``torch.func``: the general exact path (``vmap`` of ``jacfwd`` / ``jacrev``),
  which skae used for every multi-layer encoder before and still uses for conv,
  GELU or top-k encoders;
- ``stochastic``: one random projection, ``||J v||^2`` (``jacobian="stochastic"``);

and, for scale, one reconstruction step of the same autoencoder without the
penalty. Times are medians over repetitions, after warm-up. Writes JSON and a
markdown table to ``benchmarks/results/``.

Usage::

    python benchmarks/bench_contractive.py
    python benchmarks/bench_contractive.py --batch-size 256 --repeats 50 --threads 2
"""

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import torch

RESULTS = Path(__file__).resolve().parent / "results"

# (name, n_features, hidden layers, n_components)
SHAPES = [
    ("smtp-like table", 3, (64,), 2),
    ("cardio-like table", 21, (64,), 2),
    ("arrhythmia-like table", 274, (64,), 2),
    ("digits, 2 hidden", 64, (128, 64), 16),
    ("MNIST-sized", 784, (256,), 16),
]


def step_seconds(loss_fn, parameters, repeats):
    for _ in range(3):  # warm-up
        loss_fn().backward()
    times = []
    for _ in range(repeats):
        for p in parameters:
            p.grad = None
        start = time.perf_counter()
        loss_fn().backward()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(shape, batch_size, repeats):
    from skae._losses import _torch_func_norms, jacobian_frobenius_squared
    from skae._modules import MLPAutoencoder

    name, n_features, hidden, n_components = shape
    torch.manual_seed(0)
    module = MLPAutoencoder(n_features, hidden, n_components, "relu")
    encoder, parameters = module.encoder, list(module.parameters())
    x = torch.randn(batch_size, n_features)
    generator = torch.Generator().manual_seed(0)

    def reconstruction():
        return (module(x).reconstruction - x).square().sum(dim=1).mean()

    ways = {
        "reconstruction only": reconstruction,
        "products": lambda: jacobian_frobenius_squared(encoder, x).mean(),
        "torch.func": lambda: _torch_func_norms(encoder, x).mean(),
        "stochastic": lambda: jacobian_frobenius_squared(
            encoder, x, "stochastic", generator=generator
        ).mean(),
    }
    exact, general = ways["products"](), ways["torch.func"]()
    torch.testing.assert_close(exact, general, rtol=1e-4, atol=1e-6)  # same quantity
    row = {"shape": name, "n_features": n_features, "hidden": list(hidden),
           "n_components": n_components}
    for way, fn in ways.items():
        row[f"{way} ms"] = 1e3 * step_seconds(fn, parameters, repeats)
    row["speed-up over torch.func"] = row["torch.func ms"] / row["products ms"]
    return row


def markdown(rows, config):
    lines = [
        f"Batch of {config['batch_size']} rows, {config['threads']} torch thread(s), "
        f"median of {config['repeats']} steps (forward + backward), milliseconds.",
        "",
        "| encoder shape | D -> hidden -> L | reconstruction only | penalty: products | "
        "penalty: torch.func | penalty: stochastic | products vs torch.func |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        widths = " -> ".join(map(str, [r["n_features"], *r["hidden"], r["n_components"]]))
        lines.append(
            f"| {r['shape']} | {widths} | {r['reconstruction only ms']:.2f} | "
            f"{r['products ms']:.2f} | {r['torch.func ms']:.2f} | {r['stochastic ms']:.2f} | "
            f"{r['speed-up over torch.func']:.1f}x |"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--shapes", nargs="*", default=None,
                        help="names of the shapes to run (default: all)")
    parser.add_argument("--output", type=Path, default=RESULTS / "bench_contractive.json")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    shapes = [s for s in SHAPES if args.shapes is None or s[0] in args.shapes]
    rows = []
    for shape in shapes:
        rows.append(measure(shape, args.batch_size, args.repeats))
        print(f"{shape[0]:<24} products {rows[-1]['products ms']:8.2f} ms   torch.func "
              f"{rows[-1]['torch.func ms']:8.2f} ms", flush=True)
    config = {"batch_size": args.batch_size, "repeats": args.repeats, "threads": args.threads}
    report = {"benchmark": "bench_contractive", "config": config,
              "environment": {"python": platform.python_version(), "torch": torch.__version__},
              "rows": rows}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    args.output.with_suffix(".md").write_text(markdown(rows, config) + "\n")
    print("\n" + markdown(rows, config))
    print(f"wrote {args.output} and {args.output.with_suffix('.md')}")


if __name__ == "__main__":
    main()
