"""
VAE: new digits and a walk through the latent space
===================================================

A :class:`~skae.VAE` with a Bernoulli decoder is a generative model of the
digits: :meth:`~skae.VAE.sample` decodes codes drawn from the prior, and
:meth:`~skae.VAE.interpolate` decodes the straight line between two digits'
codes. :meth:`~skae.VAE.score_samples` gives each held-out digit a
log-likelihood bound in nats.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits

from skae import VAE

X, y = load_digits(return_X_y=True)
X = X / 16.0
vae = VAE(likelihood="bernoulli", n_components=4, hidden_layer_sizes=(128,), max_iter=80,
          random_state=0).fit(X[:1400])
print(f"held-out log-likelihood bound: {vae.score(X[1400:]):.1f} nats per digit")

samples = vae.sample(16, random_state=0)
path = vae.interpolate(X[y == 0][0], X[y == 6][0], n_steps=8)

fig, axes = plt.subplots(3, 8, figsize=(6.4, 2.8), layout="constrained")
for ax, image in zip(axes.ravel(), np.vstack([samples, path])):
    ax.imshow(image.reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
    ax.set_axis_off()
axes[0, 0].set_title("samples", loc="left")
axes[2, 0].set_title("0 to 6", loc="left")
plt.show()
