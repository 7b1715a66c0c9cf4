"""Convolutional vs dense networks on MNIST and Fashion-MNIST.

For each data set, at an equal latent size (``--latent``, default 16) and
the same epochs (``--epochs``), each of ``architecture="mlp"`` (hidden
512-128) and ``architecture="conv"`` (16-32-64 channels straight to the code, the
class default):

- Autoencoder: held-out reconstruction MSE (pixels in [0, 1]);
- DenoisingAutoencoder (salt and pepper, 20% of the pixels when training and
  testing): PSNR of the noisy test images and of their reconstructions, and
  the gain;
- VAE (Bernoulli, binarised images): test NLL by the importance-weighted
  bound with ``--k`` samples (default 1000) on ``--n-nll`` test images;
- ConditionalVAE (Bernoulli, binarised): ``--n-samples`` samples per class,
  labelled by a logistic regression trained on the real training images; the
  accuracy of those labels against the requested classes (and the
  classifier's accuracy on real test images, for reference);
- epochs and fit time of every model, on the device given (``--device``,
  default: CUDA when available). On a CUDA machine run it twice, with
  ``--device cpu`` and ``--device cuda``, for the speed-up.

Data: MNIST from ``--data-dir`` (``mnist/``: 10k training images, 10k test);
Fashion-MNIST from ``/usr/share/datasets/fashion-mnist`` (``apt-get install
dataset-fashion-mnist``), its first ``--n-train`` training images.

Writes ``results/bench_images[_DEVICE].json`` and ``.md``.

Usage::

    python benchmarks/bench_images.py --data-dir ../shared/data
    python benchmarks/bench_images.py --data-dir ../shared/data --epochs 2 --n-nll 100 --k 100
"""

import argparse
import json
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _data  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
ARCHITECTURES = {
    "mlp": dict(architecture="mlp", hidden_layer_sizes=(512, 128)),
    "conv": dict(architecture="conv", image_shape=(1, 28, 28), conv_channels=(16, 32, 64)),
}


def psnr(clean, other):
    return float(10 * np.log10(1.0 / np.mean((clean - other) ** 2)))


def binarise(X, seed):
    return (np.random.default_rng(seed).random(X.shape) < X).astype(np.float32)


def fit_timed(model, *args):
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(*args)
    return model, time.perf_counter() - start


def run(name, data, args, device):
    from sklearn.linear_model import LogisticRegression

    from skae import VAE, Autoencoder, ConditionalVAE, DenoisingAutoencoder
    from skae.plotting import corrupt

    X_train, y_train, X_test, y_test = data
    # The shared MNIST training file is sorted by label: shuffle before taking a subset.
    order = np.random.default_rng(0).permutation(len(X_train))[: args.n_train]
    X_train, y_train = X_train[order], y_train[order]
    X_train = X_train.astype(np.float32)
    X_test = X_test[: args.n_test].astype(np.float32)
    y_test = y_test[: args.n_test]
    B_train, B_test = binarise(X_train, 0), binarise(X_test, 1)
    noisy = corrupt(X_test, "salt_and_pepper", 0.2, random_state=2).astype(np.float32)
    classifier = LogisticRegression(max_iter=1000).fit(X_train, y_train)
    reference_accuracy = float(classifier.score(X_test, y_test))
    print(f"\n== {name}: train {X_train.shape}, test {X_test.shape}; classifier accuracy on "
          f"real test images {reference_accuracy:.3f}", flush=True)

    common = dict(n_components=args.latent, max_iter=args.epochs, batch_size=args.batch_size,
                  learning_rate_init=args.learning_rate, device=device, random_state=0, tol=0.0)
    rows = []
    for arch, layers in ARCHITECTURES.items():
        row = {"set": name, "architecture": arch}
        ae, row["ae_fit_s"] = fit_timed(Autoencoder(**common, **layers), X_train)
        row["ae_mse"] = float(ae.reconstruction_error(X_test).mean() / X_test.shape[1])

        dae, row["dae_fit_s"] = fit_timed(
            DenoisingAutoencoder(noise="salt_and_pepper", noise_level=0.2, **common, **layers),
            X_train,
        )
        row["psnr_noisy"] = psnr(X_test, noisy)
        row["psnr_denoised"] = psnr(X_test, dae.inverse_transform(dae.transform(noisy)))
        row["psnr_gain"] = row["psnr_denoised"] - row["psnr_noisy"]

        vae, row["vae_fit_s"] = fit_timed(
            VAE(likelihood="bernoulli", n_importance_samples=args.k, **common, **layers), B_train
        )
        start = time.perf_counter()
        row["vae_nll"] = float(-vae.score(B_test[: args.n_nll]))
        row["vae_nll_s"] = time.perf_counter() - start

        cvae, row["cvae_fit_s"] = fit_timed(
            ConditionalVAE(likelihood="bernoulli", **common, **layers), B_train, y_train
        )
        per_class = {}
        for label in cvae.classes_:
            samples, _ = cvae.sample(args.n_samples, y=label, random_state=int(label))
            per_class[int(label)] = float(np.mean(classifier.predict(samples) == label))
        row["cvae_sample_accuracy"] = float(np.mean(list(per_class.values())))
        row["cvae_sample_accuracy_per_class"] = per_class
        row["classifier_accuracy_real"] = reference_accuracy
        row["epochs"] = {m: est.n_iter_ for m, est in
                         (("ae", ae), ("dae", dae), ("vae", vae), ("cvae", cvae))}
        rows.append(row)
        print(f"  {arch:<4}: AE MSE {row['ae_mse']:.4f} ({row['ae_fit_s']:.0f} s) | DAE PSNR "
              f"{row['psnr_noisy']:.2f} -> {row['psnr_denoised']:.2f} dB | VAE NLL "
              f"{row['vae_nll']:.1f} | CVAE sample accuracy "
              f"{row['cvae_sample_accuracy']:.3f}", flush=True)
    return rows


def main(argv=None):
    import torch

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--sets", nargs="*", default=["mnist", "fashion"])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--latent", type=int, default=16)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--n-train", type=int, default=10_000)
    parser.add_argument("--n-test", type=int, default=10_000)
    parser.add_argument("--n-nll", type=int, default=500, help="test images for the NLL")
    parser.add_argument("--k", type=int, default=1000, help="importance samples for the NLL")
    parser.add_argument("--n-samples", type=int, default=100, help="CVAE samples per class")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args(argv)

    loaders = {"mnist": lambda: _data.load_mnist(args.data_dir), "fashion": _data.load_fashion}
    rows = []
    for name in args.sets:
        rows += run(name, loaders[name](), args, args.device)

    device_name = (torch.cuda.get_device_name() if args.device.startswith("cuda")
                   else f"CPU, {torch.get_num_threads()} threads")
    lines = [
        f"{args.epochs} epochs, latent {args.latent}, batch {args.batch_size}, {args.n_train} "
        f"training images; device: {device_name}. NLL: k={args.k} on {args.n_nll} test images.",
        "",
        "| set | net | AE test MSE | DAE PSNR noisy -> denoised (gain) | VAE NLL (nats) "
        "| CVAE samples classified as asked | s per epoch: AE / DAE / VAE / CVAE |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['set']} | {r['architecture']} | {r['ae_mse']:.4f} | {r['psnr_noisy']:.2f} -> "
            f"{r['psnr_denoised']:.2f} ({r['psnr_gain']:+.2f}) | {r['vae_nll']:.1f} | "
            f"{r['cvae_sample_accuracy']:.3f} (real: {r['classifier_accuracy_real']:.3f}) | "
            + " / ".join(f"{r[m + '_fit_s'] / r['epochs'][m]:.1f}"
                         for m in ("ae", "dae", "vae", "cvae")) + " |"
        )
    table = "\n".join(lines)
    print("\n" + table)
    suffix = "" if args.device == "cpu" else f"_{args.device.split(':')[0]}"
    output = args.output or RESULTS / f"bench_images{suffix}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()},
                                  "device": device_name, "python": platform.python_version(),
                                  "rows": rows}, indent=2))
    output.with_suffix(".md").write_text(table + "\n")


if __name__ == "__main__":
    main()
