"""Data-parallel training (``skae.data_parallel``) across real processes.

The job runs under ``torchrun`` with two CPU processes (the ``gloo`` backend:
the same code path as GPUs, with another transport), and with two GPUs
(``nccl``) on a machine that has them.
"""

import os
import pickle
import re
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


# ------------------------------------------------------------ ways out of the block
EXITS = Path(__file__).parent / "data_parallel_exits.py"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_exit_scenario(scenario, n_processes=2, timeout=20):
    """Start the processes of ``data_parallel_exits.py SCENARIO`` (as a launcher would);
    return each one's (exit code, stdout, stderr)."""
    port = free_port()
    processes = []
    for rank in range(n_processes):
        env = {
            **os.environ, "RANK": str(rank), "LOCAL_RANK": str(rank),
            "WORLD_SIZE": str(n_processes), "MASTER_ADDR": "127.0.0.1",
            "MASTER_PORT": str(port), "OMP_NUM_THREADS": "1",
            "PYTHONWARNINGS": "ignore", "SKAE_TEST_TIMEOUT": str(timeout),
        }
        processes.append(subprocess.Popen(
            [sys.executable, str(EXITS), scenario], env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        ))
    results = []
    for process in processes:
        # Far above any wait of the protocol: a hang fails here, not forever.
        out, err = process.communicate(timeout=240)
        results.append((process.returncode, out, err))
    for code, out, err in results:
        assert "terminate called" not in err, err[-3000:]
        assert code in (0, 1, -2), err[-3000:]  # no abort, no crash
    return results


def last_error(err):
    """The last line of a process's standard error, without torch's ``[rankN]:`` prefix."""
    lines = [line for line in err.strip().splitlines() if line.strip()]
    return re.sub(r"^\[rank\d+\]:\s*", "", lines[-1]) if lines else ""


@needs_gloo
def test_a_normal_exit_ends_cleanly_on_every_process():
    for rank, (code, out, err) in enumerate(run_exit_scenario("ok")):
        assert code == 0, err[-3000:]
        assert f"process {rank} left the block" in out


@needs_gloo
@pytest.mark.parametrize("scenario, n_processes", [
    ("refuse-one", 2), ("refuse-order", 2), ("refuse-some", 3),
])
def test_refused_data_raises_the_same_error_on_every_process(scenario, n_processes):
    results = run_exit_scenario(scenario, n_processes)
    messages = {last_error(err) for _, _, err in results}
    assert len(messages) == 1  # the same words everywhere
    message = messages.pop()
    assert "ValueError: data_parallel() needs every process to fit on the same data" in message
    assert [code for code, _, _ in results] == [1] * n_processes


@needs_gloo
def test_a_refusal_caught_inside_the_block_lets_the_job_go_on():
    for code, out, err in run_exit_scenario("refuse-caught"):
        assert code == 0, err[-3000:]
        assert "left the block" in out


@needs_gloo
def test_an_error_on_one_process_is_reraised_there_and_named_on_the_others():
    (code0, _, err0), (code1, _, err1) = run_exit_scenario("error")
    assert code1 == 1 and "RuntimeError: boom on purpose in process 1" in last_error(err1)
    assert code0 == 1
    assert ("process 1 of the data_parallel() job failed inside the block: "
            "RuntimeError: boom on purpose in process 1") in last_error(err0)


@needs_gloo
def test_ctrl_c_on_one_process_in_training_ends_every_process():
    (code0, _, err0), (code1, _, err1) = run_exit_scenario("interrupt")
    assert code1 != 0 and last_error(err1).endswith("KeyboardInterrupt")
    assert code0 == 1
    assert "process 1 of the data_parallel() job failed inside the block: " \
        "KeyboardInterrupt" in last_error(err0)


@needs_gloo
def test_a_process_that_never_arrives_is_named_after_the_timeout():
    (code0, _, err0), (code1, _, err1) = run_exit_scenario("skip", timeout=3)
    assert code0 == 1 and code1 == 1
    # Process 1 waits 3 s at the end of the block; process 0's collective times
    # out after 3 s too. Whichever comes first, process 1 names process 0.
    assert ("process 0 of the data_parallel() job did not reach the end of the block "
            "within timeout=3.0 s" in last_error(err1)
            or "process 0 of the data_parallel() job failed inside the block: "
            "RuntimeError" in last_error(err1))
    assert "process 0 waited in vain for process 1, which had left the " \
        "data_parallel() block" in last_error(err0)


def test_timeout_must_be_a_positive_number():
    with pytest.raises(ValueError, match="timeout must be a positive number"):
        with skae.data_parallel(timeout=0):
            pass


# ------------------------------------------------------------------ in process


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
