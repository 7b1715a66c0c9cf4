"""Scaling out on Dask: a real LocalCluster (worker processes on loopback).

Hyper-parameter search through joblib's dask backend, and batch scoring with
dask.array / dask.dataframe. Skipped when dask.distributed is not installed
(the ``dask`` extra; the ``test`` extra installs it).
"""

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from skae import Autoencoder, OutlierDetector

distributed = pytest.importorskip("distributed")
da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")

SMALL = dict(hidden_layer_sizes=(8,), max_iter=3, batch_size=32, device="cpu", random_state=0)


def _torch_threads():
    import torch

    return torch.get_num_threads()


def _limit_torch_threads(n):
    import torch

    torch.set_num_threads(n)


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=40,
    )
    client = distributed.Client(cluster)
    # One torch thread per dask thread: two workers on two cores must not
    # each start a thread per core.
    client.run(_limit_torch_threads, 1)
    yield client
    client.close()
    cluster.close()


def test_workers_run_one_torch_thread_each(client):
    threads = client.run(_torch_threads)
    assert len(threads) == 2 and set(threads.values()) == {1}


def test_grid_search_on_the_cluster_matches_a_local_one(client, tabular):
    search = GridSearchCV(
        Autoencoder(**SMALL), {"n_components": [1, 2, 3], "activation": ["relu", "tanh"]}, cv=3
    )
    local = clone(search).fit(tabular)
    with distributed.get_task_stream(client) as stream, joblib.parallel_backend("dask"):
        distributed_search = clone(search).set_params(n_jobs=-1).fit(tabular)
    # The 18 fits (6 candidates x 3 folds) and the refit ran on the workers.
    assert len(stream.data) >= 18
    assert {task["worker"] for task in stream.data} <= set(client.scheduler_info()["workers"])
    assert distributed_search.best_params_ == local.best_params_
    np.testing.assert_allclose(
        distributed_search.cv_results_["mean_test_score"],
        local.cv_results_["mean_test_score"],
        rtol=1e-5,
    )
    np.testing.assert_allclose(
        distributed_search.best_estimator_.transform(tabular),
        local.best_estimator_.transform(tabular),
        rtol=1e-5,
    )


def test_batch_scoring_with_dask_array(client, tabular):
    model = Autoencoder(n_components=2, **SMALL).fit(tabular)
    X = np.tile(tabular, (10, 1))  # 3000 rows in 12 blocks
    blocks = da.from_array(X, chunks=(250, X.shape[1]))
    scores = blocks.map_blocks(model.score_samples, drop_axis=1, dtype=np.float64)
    result = client.compute(scores).result()
    np.testing.assert_allclose(result, model.score_samples(X), rtol=1e-6)


def test_batch_scoring_with_dask_dataframe(client, tabular):
    frame = pd.DataFrame(np.tile(tabular, (10, 1)), columns=[f"f{i}" for i in range(10)])
    detector = OutlierDetector(Autoencoder(n_components=2, **SMALL)).fit(frame)
    parts = dd.from_pandas(frame, npartitions=6)

    def label(part):
        return pd.DataFrame(
            {"score": detector.score_samples(part), "outlier": detector.predict(part) == -1},
            index=part.index,
        )

    labelled = parts.map_partitions(label, meta={"score": "f8", "outlier": "bool"})
    result = client.compute(labelled).result().sort_index()
    np.testing.assert_allclose(result["score"], detector.score_samples(frame), rtol=1e-6)
    assert result["outlier"].mean() == pytest.approx(detector.contamination, abs=0.01)
