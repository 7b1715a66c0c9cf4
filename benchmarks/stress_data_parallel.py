"""Stress check of data-parallel jobs: do they always end cleanly?

Runs ``tests/data_parallel_job.py`` (every estimator fitted inside
``skae.data_parallel()`` by two CPU processes under ``torchrun``, then two
refused fits) ``--runs`` times in a row, optionally with ``--load`` busy
processes competing for the CPU, and counts the runs that exited non-zero and
those in which a process aborted (``terminate called ...``, SIGABRT). Python's
fault handler is on in the workers, which made the old exit race show up more
often. Writes JSON and a markdown table to ``benchmarks/results/``.

Usage::

    python benchmarks/stress_data_parallel.py --runs 30
    python benchmarks/stress_data_parallel.py --runs 10 --load 1
"""

import argparse
import json
import multiprocessing
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
JOB = ROOT / "tests" / "data_parallel_job.py"


def spin(seconds):
    """A CPU-heavy competitor: a pure-Python loop for ``seconds``."""
    stop = time.monotonic() + seconds
    x = 0
    while time.monotonic() < stop:
        x = (x * 1103515245 + 12345) % 2147483648


def run_once(timeout):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore",
           "PYTHONFAULTHANDLER": "1"}
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
                   "--nproc_per_node=2", str(JOB), out, "cpu"]
        start = time.perf_counter()
        try:
            done = subprocess.run(command, env=env, capture_output=True, text=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"code": None, "aborted": False, "hung": True,
                    "seconds": time.perf_counter() - start}
    text = done.stdout + done.stderr
    return {
        "code": done.returncode,
        "aborted": "terminate called" in text or "SIGABRT" in text,
        "hung": False,
        "seconds": time.perf_counter() - start,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--load", type=int, default=0,
                        help="busy processes running beside the job")
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--output", type=Path, default=None,
                        help="JSON file (default: results/stress_data_parallel_load<N>.json)")
    args = parser.parse_args(argv)

    competitors = [multiprocessing.Process(target=spin, args=(1e9,), daemon=True)
                   for _ in range(args.load)]
    for process in competitors:
        process.start()
    runs = []
    try:
        for i in range(args.runs):
            result = run_once(args.timeout)
            runs.append(result)
            print(f"run {i + 1:3d}: exit {result['code']}, aborted={result['aborted']}, "
                  f"hung={result['hung']}, {result['seconds']:.1f} s", flush=True)
    finally:
        for process in competitors:
            process.terminate()
    summary = {
        "runs": len(runs),
        "load": args.load,
        "nonzero_exit": sum(r["code"] != 0 for r in runs),
        "aborted": sum(r["aborted"] for r in runs),
        "hung": sum(r["hung"] for r in runs),
        "median_seconds": sorted(r["seconds"] for r in runs)[len(runs) // 2] if runs else None,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }
    line = (f"| {summary['load']} | {summary['runs']} | {summary['nonzero_exit']} | "
            f"{summary['aborted']} | {summary['hung']} | {summary['median_seconds']:.1f} |")
    print("\n| busy processes beside | runs | non-zero exits | aborts | hangs | median s |")
    print("|---|---|---|---|---|---|")
    print(line)
    output = args.output or RESULTS / f"stress_data_parallel_load{args.load}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps({"summary": summary, "runs": runs}, indent=2))
    return 0 if summary["nonzero_exit"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
