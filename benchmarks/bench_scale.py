"""How fit time and memory grow with the number of rows.

For n = 10k, 100k and 1M rows x 50 features (float64, as users usually hold
data), each in a fresh subprocess: an ``Autoencoder`` (hidden 64, code 8,
batch 256) is fitted for a few epochs, then ``score_samples`` runs over all
rows. Reported per n:

- seconds per epoch (median over the epochs, from the training history) and
  per row-epoch, whose constancy across n is the linear-growth check;
- memory: the input's size, the peak resident memory added by ``fit`` and by
  ``score_samples`` over the process's resident memory once the data exists.
  ``fit`` makes one float32 copy of float64 input (half the input's size)
  and nothing proportional to n besides; inference runs in bounded chunks.

Writes ``results/bench_scale.json`` and ``results/bench_scale.md``.

Usage::

    python benchmarks/bench_scale.py
    python benchmarks/bench_scale.py --sizes 10000 100000 --epochs 2
"""

import argparse
import json
import platform
import subprocess
import sys
from pathlib import Path

RESULTS = Path(__file__).parent / "results"
N_FEATURES = 50

CHILD = r"""
import json, resource, sys, time, threading
import numpy as np
import torch
from skae import Autoencoder

n, epochs = int(sys.argv[1]), int(sys.argv[2])

def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()

class Peak:
    # Samples resident memory every 5 ms: the peak above a baseline.
    def __enter__(self):
        self.base, self.peak, self.stop = rss(), rss(), False
        def watch():
            while not self.stop:
                self.peak = max(self.peak, rss())
                time.sleep(0.005)
        self.thread = threading.Thread(target=watch, daemon=True)
        self.thread.start()
        return self
    def __exit__(self, *exc):
        self.stop = True
        self.thread.join()
        self.peak = max(self.peak, rss())
        self.extra = self.peak - self.base

rng = np.random.default_rng(0)
latent = rng.normal(size=(n, 8))
X = np.tanh(latent @ rng.normal(size=(8, 50))) + 0.1 * rng.normal(size=(n, 50))
del latent
model = Autoencoder(n_components=8, hidden_layer_sizes=(64,), max_iter=epochs, tol=0.0,
                    random_state=0, device="cpu")
# Warm up torch's kernels on a few rows so the first epoch is not penalised.
Autoencoder(n_components=8, max_iter=1, random_state=0).fit(X[:512])
with Peak() as fit_mem:
    start = time.perf_counter()
    model.fit(X)
    fit_seconds = time.perf_counter() - start
with Peak() as score_mem:
    start = time.perf_counter()
    scores = model.score_samples(X)
    score_seconds = time.perf_counter() - start
durations = model._trainer_.epoch_seconds
print(json.dumps({
    "n": n, "input_bytes": X.nbytes, "epochs": epochs,
    "epoch_seconds": durations, "fit_seconds": fit_seconds,
    "fit_peak_extra_bytes": fit_mem.extra, "score_seconds": score_seconds,
    "score_peak_extra_bytes": score_mem.extra, "threads": torch.get_num_threads(),
    "final_loss": model.loss_curve_[-1], "scores_finite": bool(np.isfinite(scores).all()),
}))
"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--output", type=Path, default=RESULTS / "bench_scale.json")
    args = parser.parse_args(argv)

    rows = []
    for n in args.sizes:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(n), str(args.epochs)],
            check=True, capture_output=True, text=True,
        ).stdout
        row = json.loads(out.strip().splitlines()[-1])
        epoch = sorted(row["epoch_seconds"])[len(row["epoch_seconds"]) // 2]
        row["median_epoch_seconds"] = epoch
        row["microseconds_per_row_epoch"] = 1e6 * epoch / n
        rows.append(row)
        print(f"n={n:>9,}: {epoch:7.3f} s/epoch ({row['microseconds_per_row_epoch']:.2f} us "
              f"per row-epoch), fit +{row['fit_peak_extra_bytes'] / 2**20:7.1f} MiB "
              f"(input {row['input_bytes'] / 2**20:7.1f} MiB), score_samples "
              f"{row['score_seconds']:.2f} s +{row['score_peak_extra_bytes'] / 2**20:.1f} MiB",
              flush=True)

    base = rows[0]["microseconds_per_row_epoch"]
    lines = [
        f"Autoencoder(50 -> 64 -> 8), batch 256, {args.epochs} epochs, float64 input, "
        f"CPU ({rows[0]['threads']} threads), {platform.processor() or platform.machine()}.",
        "",
        "| rows | s / epoch | us / row-epoch | vs smallest | input MiB | fit peak +MiB "
        "| fit extra / input | score_samples s | score peak +MiB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        mib = row["input_bytes"] / 2**20
        fit_extra = row["fit_peak_extra_bytes"] / 2**20
        lines.append(
            f"| {row['n']:,} | {row['median_epoch_seconds']:.3f} | "
            f"{row['microseconds_per_row_epoch']:.2f} | "
            f"{row['microseconds_per_row_epoch'] / base:.2f}x | {mib:.1f} | {fit_extra:.1f} | "
            f"{fit_extra / mib:.2f} | {row['score_seconds']:.2f} | "
            f"{row['score_peak_extra_bytes'] / 2**20:.1f} |"
        )
    table = "\n".join(lines)
    print("\n" + table)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"rows": rows, "python": platform.python_version()},
                                      indent=2))
    args.output.with_suffix(".md").write_text(table + "\n")


if __name__ == "__main__":
    main()
