"""What ``OutlierDetector(n_jobs=...)`` buys: fit time of the members in one process, in threads, in worker processes.

Two detectors on a synthetic table (a curved 4-D structure in 20 columns,
5,000 rows): the default ``OutlierDetector()`` (ten small members on 256 rows
each) and four ``Autoencoder(max_iter=30)`` members on all rows. Each is
fitted with ``n_jobs=None`` (one process), ``n_jobs=2`` under
``joblib.parallel_config(backend="threading")`` (threads, what
``OutlierDetector`` used before 2026-11-23) and ``n_jobs=2`` with joblib's
default worker processes, first with the workers not yet started ("cold",
which includes importing torch in each) and then with them running ("warm",
the median of the repeats). Every run's scores are checked to agree.

Prints a table and writes ``results/bench_detector_jobs.{json,md}``.

    python benchmarks/bench_detector_jobs.py [--repeats 3] [--jobs 2] [--rows 5000]
"""

import argparse
import contextlib
import json
import os
import platform
import statistics
import time
import warnings
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"


def data(n=5000, d=20, seed=0):
    rng = np.random.default_rng(seed)
    return np.tanh(rng.normal(size=(n, 4)) @ rng.normal(size=(4, d))) \
        + 0.05 * rng.normal(size=(n, d))


def detectors():
    from skae import Autoencoder, OutlierDetector

    return {
        "OutlierDetector()": lambda jobs: OutlierDetector(n_jobs=jobs, random_state=0),
        "4 x Autoencoder(max_iter=30) on all rows": lambda jobs: OutlierDetector(
            Autoencoder(max_iter=30), n_estimators=4, max_samples=1.0, n_jobs=jobs,
            random_state=0),
    }


def timed_fit(make, jobs, X, backend=None):
    from joblib import parallel_config

    detector = make(jobs)
    start = time.perf_counter()
    context = parallel_config(backend=backend) if backend else contextlib.nullcontext()
    with warnings.catch_warnings(), context:
        warnings.simplefilter("ignore")
        detector.fit(X)
    return time.perf_counter() - start, detector.score_samples(X[:200])


def main(argv=None):
    from joblib.externals.loky import get_reusable_executor

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--output", type=Path, default=RESULTS / "bench_detector_jobs.json")
    args = parser.parse_args(argv)

    X = data(n=args.rows)
    rows = []
    for name, make in detectors().items():
        timed_fit(make, None, X)  # warm this process (first-call costs)
        reference = None
        times = {}
        for mode, jobs, backend in [("one process", None, None),
                                    (f"{args.jobs} threads", args.jobs, "threading"),
                                    (f"{args.jobs} processes, cold", args.jobs, "loky"),
                                    (f"{args.jobs} processes, warm", args.jobs, "loky")]:
            if mode.endswith("cold"):
                get_reusable_executor().shutdown(wait=True)  # no workers running
                repeats = 1
            else:
                repeats = args.repeats
            seconds = []
            for _ in range(repeats):
                elapsed, scores = timed_fit(make, jobs, X, backend)
                seconds.append(elapsed)
                if reference is None:
                    reference = scores
                np.testing.assert_allclose(scores, reference, rtol=1e-5)
            times[mode] = statistics.median(seconds)
            print(f"{name:42s} {mode:22s} {times[mode]:6.2f} s", flush=True)
        rows.append(dict(detector=name, seconds=times))

    modes = list(rows[0]["seconds"])
    lines = ["| detector | " + " | ".join(f"{m} (s)" for m in modes) + " |",
             "|---|" + "---|" * len(modes)]
    for row in rows:
        lines.append(f"| {row['detector']} | "
                     + " | ".join(f"{row['seconds'][m]:.2f}" for m in modes) + " |")
    table = "\n".join(lines)
    print(table)
    meta = dict(cores=os.cpu_count(), machine=platform.platform(), repeats=args.repeats,
                rows=X.shape[0], columns=X.shape[1])
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"meta": meta, "rows": rows}, indent=2))
    args.output.with_suffix(".md").write_text(
        f"Fit time of `OutlierDetector` by `n_jobs` ({X.shape[0]} x {X.shape[1]} synthetic "
        f"table, {os.cpu_count()} cores; median of {args.repeats} fits, one for a cold "
        f"start).\n\n{table}\n")


if __name__ == "__main__":
    main()
