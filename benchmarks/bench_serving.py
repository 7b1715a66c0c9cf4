"""Serving latency: onnxruntime on the exported graph against skae's own methods.

Each model is fitted once on the digits (64 columns, scaled to [0, 1],
float32), exported with ``skae.to_onnx`` and run by onnxruntime (CPU, one
thread per call as a serving process would be configured: ``--threads``).
For 1 row and for 10,000 rows, skae's ``transform`` / ``score_samples`` /
``decision_function`` and the onnxruntime session are timed side by side,
interleaved, ``--repeats`` times (medians reported; the 1-row times are
each the median of 200 calls). Also written: each exported file's size
against the ``skae.save`` file of the same model, and the largest
difference between the two outputs.

Models: the default ``Autoencoder`` (transform, score_samples) and the two
``OutlierDetector`` defaults (unlabeled rows: ten small members;
``novelty=True``: one wider member and a neighbour search over up to
10,000 reference rows), whose exported output is ``decision_function``.

Writes ``results/bench_serving.{json,md}``.

Usage::

    python benchmarks/bench_serving.py              # as committed
    python benchmarks/bench_serving.py --repeats 3  # a quick look
"""

import argparse
import json
import platform
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"


def timed(fn, calls):
    """Median seconds of one call over ``calls`` calls."""
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cases(X, seed, max_iter=None):
    from skae import Autoencoder, OutlierDetector

    ae = Autoencoder(random_state=seed, **({"max_iter": max_iter} if max_iter else {})).fit(X)
    yield "Autoencoder", "transform", ae, ae.transform
    yield "Autoencoder", "score_samples", ae, ae.score_samples
    detector = OutlierDetector(random_state=seed).fit(X)
    yield "OutlierDetector()", "decision_function", detector, detector.decision_function
    novelty = OutlierDetector(novelty=True, random_state=seed).fit(X)
    yield ("OutlierDetector(novelty=True)", "decision_function", novelty,
           novelty.decision_function)


def measure(X_train, X_big, repeats, threads, one_row_calls=200, seed=0, max_iter=None):
    import onnxruntime as ort

    import skae

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    rows = []
    for name, method, model, own in cases(X_train, seed, max_iter):
        onx = skae.to_onnx(model, X_big[:1], method=None if method == "decision_function"
                           else method)
        session = ort.InferenceSession(onx.SerializeToString(), options,
                                       providers=["CPUExecutionProvider"])
        output = 1 if method == "decision_function" else 0

        def onnx(X):
            return session.run(None, {"X": X})[output].ravel()

        difference = float(np.max(np.abs(onnx(X_big) - np.ravel(own(X_big)))))
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "model.skae"
            skae.save(model, path)
            saved = path.stat().st_size
        one, many = {"skae": [], "onnxruntime": []}, {"skae": [], "onnxruntime": []}
        for _ in range(repeats):
            for label, fn in (("skae", own), ("onnxruntime", onnx)):
                one[label].append(timed(lambda: fn(X_big[:1]), one_row_calls))
                many[label].append(timed(lambda: fn(X_big), 1))
        row = {"model": name, "method": method,
               "onnx_bytes": len(onx.SerializeToString()), "skae_save_bytes": saved,
               "max_abs_difference": difference}
        for size, found in (("1_row", one), ("many_rows", many)):
            for label in found:
                row[f"{label}_{size}_s"] = statistics.median(found[label])
            row[f"speedup_{size}"] = row[f"skae_{size}_s"] / row[f"onnxruntime_{size}_s"]
        rows.append(row)
        print(f"{name:<30} {method:<18} 1 row {row['speedup_1_row']:.1f}x, "
              f"{len(X_big)} rows {row['speedup_many_rows']:.1f}x", flush=True)
    return rows


def table(rows, n_rows):
    many = f"{n_rows:,} rows"
    lines = ["| model | method | 1 row: skae | 1 row: onnxruntime | speed-up | "
             f"{many}: skae | {many}: onnxruntime | speed-up | ONNX file | "
             "skae.save file | largest difference |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r['model']} | {r['method']} | {r['skae_1_row_s'] * 1e3:.2f} ms | "
            f"{r['onnxruntime_1_row_s'] * 1e3:.3f} ms | {r['speedup_1_row']:.1f}x | "
            f"{r['skae_many_rows_s'] * 1e3:.0f} ms | {r['onnxruntime_many_rows_s'] * 1e3:.0f} ms"
            f" | {r['speedup_many_rows']:.1f}x | {r['onnx_bytes'] / 1e3:.0f} kB | "
            f"{r['skae_save_bytes'] / 1e3:.0f} kB | {r['max_abs_difference']:.1e} |")
    return "\n".join(lines)


def main(argv=None):
    import torch
    from sklearn.datasets import load_digits

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rows", type=int, default=10_000, help="rows of the large batch")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads of both torch and onnxruntime (default: 1)")
    parser.add_argument("--output", type=Path, default=RESULTS / "bench_serving.json")
    parser.add_argument("--calls", type=int, default=200,
                        help="calls behind each 1-row time (their median)")
    parser.add_argument("--max-iter", type=int, default=None,
                        help="epochs of the Autoencoder (default: its own, 200); for a quick look")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    X = (load_digits().data / 16).astype(np.float32)
    rng = np.random.default_rng(0)
    big = X[rng.integers(0, len(X), args.rows)] + rng.normal(0, 0.01, (args.rows, 64))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = measure(X, big.astype(np.float32), args.repeats, args.threads,
                       one_row_calls=args.calls, max_iter=args.max_iter)
    record = {"benchmark": "bench_serving", "machine": platform.machine(),
              "python": platform.python_version(), "threads": args.threads,
              "rows": args.rows, "repeats": args.repeats, "results": rows}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(record, indent=1))
    text = (f"Digits (64 columns, float32), {args.threads} thread(s) for torch and "
            f"onnxruntime, medians of {args.repeats} interleaved repeats (1 row: median of "
            f"{args.calls} calls each). Speed-up: skae's time / onnxruntime's.\n\n"
            + table(rows, args.rows))
    args.output.with_suffix(".md").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
