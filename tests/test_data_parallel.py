"""Data-parallel training (``skae.data_parallel``) across real processes.

The job runs under ``torchrun`` with two CPU processes (the ``gloo`` backend:
the same code path as GPUs, with another transport), and with two GPUs
(``nccl``) on a machine that has them.
"""

import os
import pickle
import socket
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.distributed as dist

import skae
from skae import _parallel

sys.path.insert(0, str(Path(__file__).parent))
import data_parallel_job as job  # noqa: E402

JOB = Path(__file__).parent / "data_parallel_job.py"
NAMES = list(job.estimators())
# Objectives that are means over rows and draw no noise: the 2-process fit
# equals the single-process one up to rounding.
EXACT = ["Autoencoder", "EarlyStopping", "ContractiveAutoencoder", "Conv"]

needs_gloo = pytest.mark.skipif(
    not (dist.is_available() and dist.is_gloo_available()),
    reason="this PyTorch build has no torch.distributed gloo backend",
)


def run_job(out, n_processes, device):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone",
        f"--nproc_per_node={n_processes}", str(JOB), str(out), device,
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    return {
        name: [np.load(out / f"{name}_rank{r}.npz") for r in range(n_processes)]
        for name in NAMES
    }


def single_process_fits(device="cpu"):
    X, y = job.dataset()
    fits = job.estimators(device)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for estimator in fits.values():
            job.fit_and_score(estimator, X, y)
    return fits


@pytest.fixture(scope="module")
def cpu_job(tmp_path_factory):
    out = tmp_path_factory.mktemp("data_parallel")
    return out, run_job(out, 2, "cpu")


@pytest.fixture(scope="module")
def reference():
    return single_process_fits()


@needs_gloo
@pytest.mark.parametrize("name", NAMES)
def test_processes_end_with_the_same_model(cpu_job, name):
    _, results = cpu_job
    first, second = results[name]
    assert int(first["world_size"]) == 2
    np.testing.assert_array_equal(first["weights"], second["weights"])
    np.testing.assert_array_equal(first["loss"], second["loss"])
    np.testing.assert_array_equal(first["scores"], second["scores"])


@needs_gloo
@pytest.mark.parametrize("name", NAMES)
def test_each_process_trains_on_its_share_of_every_epoch(cpu_job, reference, name):
    _, results = cpu_job
    X, _ = job.dataset()
    early = reference[name].early_stopping
    n_train = len(X) - (round(0.1 * len(X)) if early else 0)
    for result in results[name]:
        np.testing.assert_array_equal(result["rows"], n_train // 2)


@needs_gloo
@pytest.mark.parametrize("name", EXACT)
def test_two_processes_equal_one(cpu_job, reference, name):
    _, results = cpu_job
    single = reference[name]
    parallel = results[name][0]
    assert len(parallel["loss"]) == single.n_iter_  # early stopping agrees too
    np.testing.assert_allclose(parallel["loss"], single.loss_curve_, rtol=1e-5)
    np.testing.assert_allclose(parallel["weights"], job.flat_weights(single), atol=1e-5)


@needs_gloo
@pytest.mark.parametrize("name", sorted(set(NAMES) - set(EXACT)))
def test_noisy_variants_train_as_well_as_one_process(cpu_job, reference, name):
    _, results = cpu_job
    loss = results[name][0]["loss"]
    assert loss[-1] < 0.9 * loss[0]
    assert loss[-1] == pytest.approx(reference[name].loss_curve_[-1], rel=0.05)


@needs_gloo
def test_different_data_on_the_processes_is_refused_everywhere(cpu_job):
    out, _ = cpu_job
    for rank in range(2):
        message = (out / f"mismatch_rank{rank}.txt").read_text()
        assert "every process to fit on the same data" in message
        assert "process 0: 100 x 64" in message and "process 1: 101 x 64" in message
        reordered = (out / f"order_rank{rank}.txt").read_text()
        assert "same data, in the same order" in reordered


@needs_gloo
def test_a_data_parallel_fit_pickles_and_reloads_in_one_process(cpu_job, reference):
    out, results = cpu_job
    model = pickle.loads((out / "Autoencoder.pkl").read_bytes())
    X, _ = job.dataset()
    np.testing.assert_array_equal(model.score_samples(X), results["Autoencoder"][0]["scores"])
    np.testing.assert_allclose(
        model.transform(X), reference["Autoencoder"].transform(X), atol=1e-4
    )
    model.partial_fit(X)  # keeps training, now in this single process


@pytest.mark.skipif(
    torch.cuda.device_count() < 2, reason="needs a machine with at least 2 CUDA GPUs"
)
def test_two_gpus_train_one_model(tmp_path):
    results = run_job(tmp_path, 2, "cuda")
    reference = single_process_fits("cuda")
    for name in NAMES:
        first, second = results[name]
        np.testing.assert_array_equal(first["weights"], second["weights"])
        assert first["loss"][-1] < 0.9 * first["loss"][0]
        assert first["loss"][-1] == pytest.approx(reference[name].loss_curve_[-1], rel=0.05)


# ------------------------------------------------------------------ in process
def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_outside_a_distributed_launch_the_error_says_how_to_launch(monkeypatch):
    for var in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(RuntimeError, match="torchrun --nproc_per_node=N"):
        with skae.data_parallel():
            pass


@needs_gloo
def test_a_one_process_job_trains_as_a_plain_fit(monkeypatch):
    monkeypatch.setenv("RANK", "0")
    monkeypatch.setenv("WORLD_SIZE", "1")
    monkeypatch.setenv("MASTER_ADDR", "127.0.0.1")
    monkeypatch.setenv("MASTER_PORT", str(free_port()))
    X, _ = job.dataset()
    plain = skae.Autoencoder(n_components=3, max_iter=3, random_state=0).fit(X)
    with skae.data_parallel(backend="gloo") as ctx:
        assert (ctx.rank, ctx.world_size, ctx.is_main, ctx.backend) == (0, 1, True, "gloo")
        with pytest.raises(RuntimeError, match="cannot be nested"):
            with skae.data_parallel():
                pass
        inside = skae.Autoencoder(n_components=3, max_iter=3, random_state=0).fit(X)
    assert not dist.is_initialized()  # the block cleans up the group it started
    np.testing.assert_array_equal(inside.transform(X), plain.transform(X))


@pytest.mark.parametrize("batch, world", [(10, 2), (7, 3), (1, 2), (2, 4)])
def test_shards_cover_each_batch_and_none_is_empty(batch, world):
    indices = torch.randperm(100)[:batch]
    shards = [
        _parallel.shard(indices, _parallel.DataParallelContext(r, world, r, "gloo"))
        for r in range(world)
    ]
    assert all(len(s) >= 1 for s in shards)
    assert max(map(len, shards)) - min(map(len, shards)) <= 1
    assert set(torch.cat(shards).tolist()) == set(indices.tolist())
    if batch >= world:
        assert sum(map(len, shards)) == batch
