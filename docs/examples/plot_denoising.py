"""
Denoising digits with a convolutional denoising autoencoder
===========================================================

A :class:`~skae.DenoisingAutoencoder` with ``architecture="conv"`` learns to
undo salt-and-pepper noise (20% of the pixels set to black or white). The
grid shows held-out digits, their noisy copies and the model's
reconstructions; the PSNR says by how much the noise was removed.
"""

import numpy as np
from sklearn.datasets import load_digits

from skae import DenoisingAutoencoder
from skae.plotting import corrupt, plot_denoising

X = load_digits().data / 16.0
rng = np.random.default_rng(0)
order = rng.permutation(len(X))
X_train, X_test = X[order[:1400]], X[order[1400:]]

dae = DenoisingAutoencoder(
    noise="salt_and_pepper", noise_level=0.2, n_components=16,
    architecture="conv", image_shape=(1, 8, 8), conv_channels=(16, 32),
    hidden_layer_sizes=(64,), batch_size=32, learning_rate_init=2e-3, max_iter=40,
    random_state=0,
).fit(X_train)

noisy = corrupt(X_test, "salt_and_pepper", 0.2, random_state=1)
denoised = dae.inverse_transform(dae.transform(noisy))


def psnr(clean, other):
    return 10 * np.log10(1.0 / np.mean((clean - other) ** 2))


print(f"PSNR noisy {psnr(X_test, noisy):.2f} dB, denoised {psnr(X_test, denoised):.2f} dB")
plot_denoising(dae, X_test[:10], X_noisy=noisy[:10])
