"""One process of a data-parallel training job, launched by test_data_parallel.py.

Run as ``python -m torch.distributed.run --standalone --nproc_per_node=N
tests/data_parallel_job.py OUT_DIR [cuda]``. Every process fits each estimator of
``estimators()`` inside ``skae.data_parallel()`` and writes what it ended
with to ``OUT_DIR/<name>_rank<R>.npz``; the test compares the processes with
each other and with a single-process fit.
"""

import pickle
import sys
from pathlib import Path

import numpy as np
import torch

import skae


def dataset():
    """The same small data on every process (and in the test)."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    X, y = digits.data[:360] / 16, digits.target[:360] % 3
    return X, y


def estimators(device="cpu"):
    """Name -> unfitted estimator; ``batch_size`` is the global batch."""
    common = dict(
        n_components=4,
        hidden_layer_sizes=(32,),
        batch_size=32,
        max_iter=6,
        random_state=0,
        device=device,
    )
    return {
        "Autoencoder": skae.Autoencoder(**common),
        "EarlyStopping": skae.Autoencoder(
            **{**common, "max_iter": 40}, early_stopping=True, n_iter_no_change=2, tol=0.5
        ),
        "ContractiveAutoencoder": skae.ContractiveAutoencoder(**common),
        "DenoisingAutoencoder": skae.DenoisingAutoencoder(**common),
        "SparseAutoencoder": skae.SparseAutoencoder(**common),
        "VAE": skae.VAE(**common),
        "ConditionalVAE": skae.ConditionalVAE(**common),
        "Conv": skae.Autoencoder(
            **common, architecture="conv", image_shape=(1, 8, 8), conv_channels=(4, 8)
        ),
    }


def fit_and_score(estimator, X, y):
    """Fit on ``(X, y)`` (``y`` is ignored but by the ConditionalVAE); the training scores."""
    estimator.fit(X, y)
    if isinstance(estimator, skae.ConditionalVAE):
        return estimator.score_samples(X, y)
    return estimator.score_samples(X)


def flat_weights(estimator):
    state = estimator.module_.state_dict()
    return torch.cat([v.detach().flatten().double().cpu() for v in state.values()]).numpy()


def main(out, device):
    X, y = dataset()
    with skae.data_parallel() as ctx:
        for name, estimator in estimators(device).items():
            scores = fit_and_score(estimator, X, y)
            np.savez(
                out / f"{name}_rank{ctx.rank}.npz",
                weights=flat_weights(estimator),
                loss=np.array(estimator.loss_curve_),
                rows=np.array(estimator._trainer_.rows_per_epoch),
                scores=scores,
                world_size=ctx.world_size,
            )
            if ctx.is_main and name == "Autoencoder":  # a fitted model to reload
                (out / "Autoencoder.pkl").write_bytes(pickle.dumps(estimator))
        # Each process passing different data is refused on every process.
        try:
            skae.Autoencoder(max_iter=1, device=device).fit(X[: 100 + ctx.rank])
        except ValueError as exc:
            (out / f"mismatch_rank{ctx.rank}.txt").write_text(str(exc))
        # The same rows in another order are refused too.
        try:
            skae.Autoencoder(max_iter=1, device=device).fit(X[::-1] if ctx.rank else X)
        except ValueError as exc:
            (out / f"order_rank{ctx.rank}.txt").write_text(str(exc))


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "cpu")
