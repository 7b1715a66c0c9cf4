"""skae in two minutes: autoencoders next to PCA on data that ships with scikit-learn.

1. Dimensionality reduction on the digits (1797 images of 8x8 pixels): for
   the same code width, held-out reconstruction error and the accuracy of a
   logistic regression trained on the codes.
2. Anomaly scoring on the breast-cancer table: fitted on benign tumours only,
   how well ``score_samples`` ranks held-out malignant ones as abnormal
   (ROC-AUC; the malignant rows play the rare class).
3. Figures: 2-D embeddings of the digits (PCA vs Autoencoder) and the anomaly
   ROC curves, written to ``--output-dir``.

Run with ``make demo`` or ``python docs/demo.py [--output-dir DIR] [--quick]``.
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skae import Autoencoder, DenoisingAutoencoder


def reducers(n_components, max_iter, verbose=0):
    common = dict(
        n_components=n_components,
        hidden_layer_sizes=(128,),
        max_iter=max_iter,
        early_stopping=True,
        random_state=0,
    )
    return {
        "PCA": PCA(n_components=n_components, random_state=0),
        "Autoencoder": Autoencoder(verbose=verbose, **common),
        "DenoisingAutoencoder": DenoisingAutoencoder(
            noise="masking", noise_level=0.2, **common
        ),
    }


def reduction(max_iter):
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, random_state=0, stratify=y
    )
    print("1. Digits (1797 x 64), 8 components, 70/30 split")
    print("   Autoencoder training, one line per epoch (early stopping on 10% held out):")
    rows = []
    for name, reducer in reducers(8, max_iter, verbose=1).items():
        pipe = make_pipeline(StandardScaler(), reducer)
        start = time.perf_counter()
        Z_train = pipe.fit_transform(X_train)
        seconds = time.perf_counter() - start
        Z_test = pipe.transform(X_test)
        scaled_test = pipe[0].transform(X_test)
        error = np.mean((scaled_test - reducer.inverse_transform(Z_test)) ** 2)
        clf = LogisticRegression(max_iter=2000).fit(Z_train, y_train)
        accuracy = clf.score(Z_test, y_test)
        epochs = getattr(reducer, "n_iter_", "-")
        rows.append((name, error, accuracy, seconds, epochs))
    print()
    print(f"   {'model':<22}{'recon. MSE':>11}{'accuracy':>10}{'fit s':>8}{'epochs':>8}")
    for name, error, accuracy, seconds, epochs in rows:
        print(f"   {name:<22}{error:>11.3f}{accuracy:>10.3f}{seconds:>8.2f}{epochs:>8}")
    print("   (reconstruction MSE per standardised pixel on held-out images; accuracy of")
    print("    a logistic regression trained on the 8-D codes)")
    return X, y


def anomalies(max_iter):
    X, y = load_breast_cancer(return_X_y=True)
    benign, malignant = X[y == 1], X[y == 0]
    train, test_benign = train_test_split(benign, test_size=0.4, random_state=0)
    rare = malignant[np.random.default_rng(0).choice(len(malignant), 30, replace=False)]
    X_test = np.vstack([test_benign, rare])
    is_outlier = np.r_[np.zeros(len(test_benign)), np.ones(len(rare))]
    print()
    print(f"2. Breast cancer (30 features): fit on {len(train)} benign rows; score "
          f"{len(test_benign)} held-out benign + {len(rare)} malignant")
    print(f"   {'model':<22}{'ROC-AUC':>9}{'fit s':>8}")
    scores = {}
    for name, reducer in reducers(4, max_iter).items():
        pipe = make_pipeline(StandardScaler(), reducer)
        start = time.perf_counter()
        pipe.fit(train)
        seconds = time.perf_counter() - start
        scores[name] = pipe.score_samples(X_test)
        auc = roc_auc_score(is_outlier, -scores[name])
        print(f"   {name:<22}{auc:>9.3f}{seconds:>8.2f}")
    print("   (score_samples: higher = more normal, so -score ranks outliers first)")
    return scores, is_outlier


def figures(digits, scores, is_outlier, output_dir, max_iter):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("\n3. matplotlib is not installed: no figures (pip install matplotlib).")
        return
    output_dir.mkdir(parents=True, exist_ok=True)
    X, y = digits
    # check_site.py, beside this file, saves a figure with its smallest text size,
    # which the documentation's build checks for legibility.
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from check_site import save_figure

    # At most 6.4 inches wide: the figures fit the documentation's text column.
    fig, axes = plt.subplots(1, 2, figsize=(6.4, 3.2))
    for ax, (name, reducer) in zip(axes, list(reducers(2, max_iter).items())[:2]):
        Z = make_pipeline(StandardScaler(), reducer).fit_transform(X)
        points = ax.scatter(Z[:, 0], Z[:, 1], c=y, cmap="tab10", s=6)
        # A few far-out codes would squash the rest: frame the central 99%.
        low, high = np.percentile(Z, [0.5, 99.5], axis=0)
        pad = 0.05 * (high - low)
        ax.set_xlim(low[0] - pad[0], high[0] + pad[0])
        ax.set_ylim(low[1] - pad[1], high[1] + pad[1])
        ax.set_title(f"{name}: digits in 2-D")
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(points, ax=axes, label="digit")
    embedding = output_dir / "demo_digits_embedding.png"
    save_figure(fig, embedding, dpi=110, bbox_inches="tight")
    plt.close(fig)

    from sklearn.metrics import RocCurveDisplay

    fig, ax = plt.subplots(figsize=(4.8, 4.2))
    for name, score in scores.items():
        RocCurveDisplay.from_predictions(is_outlier, -score, name=name, ax=ax)
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1)
    ax.set_title("Malignant rows ranked by -score_samples")
    hist = output_dir / "demo_anomaly_roc.png"
    save_figure(fig, hist, dpi=110, bbox_inches="tight")
    plt.close(fig)
    print(f"\n3. Figures: {embedding}, {hist}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output-dir", type=Path, default=Path("demo_output"))
    parser.add_argument("--quick", action="store_true", help="few epochs, for smoke tests")
    args = parser.parse_args(argv)
    max_iter = 3 if args.quick else 300
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    digits = reduction(max_iter)
    scores, is_outlier = anomalies(max_iter)
    figures(digits, scores, is_outlier, args.output_dir, max_iter)


if __name__ == "__main__":
    main()
