"""Make the image figures of the user guide from scikit-learn's digits (no downloads).

Trains small convolutional models on the 8x8 digits and writes, under
``--output-dir`` (default ``docs/figures``):

- ``images_denoising.png``: original / salt-and-pepper noisy / denoised test digits;
- ``images_class_samples.png``: ConditionalVAE samples, one row per class;
- ``images_latent.png``: the 2-D latent space of a VAE, coloured by digit;
- ``images_interpolation.png``: a decoded straight line between two digits' codes.

Usage::

    python docs/image_figures.py
"""

import argparse
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

from check_site import save_figure  # noqa: E402  (the figure records its text size)
from skae import VAE, ConditionalVAE, DenoisingAutoencoder  # noqa: E402
from skae.plotting import (  # noqa: E402
    corrupt,
    plot_class_samples,
    plot_denoising,
    plot_interpolation,
    plot_latent,
)

CONV = dict(architecture="conv", image_shape=(1, 8, 8), conv_channels=(16, 32),
            hidden_layer_sizes=(64,), batch_size=32, learning_rate_init=2e-3, random_state=0)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output-dir", type=Path, default=Path(__file__).parent / "figures")
    parser.add_argument("--max-iter", type=int, default=60)
    args = parser.parse_args(argv)
    args.output_dir.mkdir(parents=True, exist_ok=True)

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    order = np.random.default_rng(0).permutation(len(X))
    train, test = order[:1400], order[1400:]
    warnings.simplefilter("ignore")

    dae = DenoisingAutoencoder(noise="salt_and_pepper", noise_level=0.2, n_components=16,
                               max_iter=args.max_iter, **CONV).fit(X[train])
    noisy = corrupt(X[test], "salt_and_pepper", 0.2, random_state=1)
    figure = plot_denoising(dae, X[test][:10], X_noisy=noisy[:10])
    save_figure(figure, args.output_dir / "images_denoising.png", dpi=100)
    gain = _psnr(X[test], dae.inverse_transform(dae.transform(noisy))) - _psnr(X[test], noisy)
    print(f"conv DAE, held-out digits with 20% salt and pepper: PSNR gain {gain:+.2f} dB")

    cvae = ConditionalVAE(likelihood="bernoulli", n_components=4, max_iter=args.max_iter,
                          **CONV).fit(X[train], y[train])
    figure = plot_class_samples(cvae, n_per_class=10, random_state=0)
    save_figure(figure, args.output_dir / "images_class_samples.png", dpi=100)

    vae = VAE(likelihood="bernoulli", n_components=2, max_iter=args.max_iter,
              **CONV).fit(X[train])
    figure = plot_latent(vae, X[test], y[test])
    figure.axes[0].set_title("VAE latent space of held-out digits")
    save_figure(figure, args.output_dir / "images_latent.png", dpi=100)

    start, end = X[test][y[test] == 1][0], X[test][y[test] == 7][0]
    figure = plot_interpolation(vae, start, end, n_steps=10)
    save_figure(figure, args.output_dir / "images_interpolation.png", dpi=100)
    print(f"wrote figures to {args.output_dir}")


def _psnr(clean, other):
    return 10 * np.log10(1.0 / np.mean((clean - other) ** 2))


if __name__ == "__main__":
    main()
