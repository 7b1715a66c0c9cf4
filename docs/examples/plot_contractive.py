"""
Contractive vs plain autoencoder: sensitivity of the code
=========================================================

The :class:`~skae.ContractiveAutoencoder` penalises the Frobenius norm of the
encoder's Jacobian, so its code moves less when the input moves. We measure
it from the outside, as a user would: the change of ``transform`` under small
random input perturbations, per row, for both models, next to their held-out
reconstruction error.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skae import Autoencoder, ContractiveAutoencoder

X = StandardScaler().fit_transform(load_digits().data)
X_train, X_test = train_test_split(X, test_size=0.3, random_state=0)
common = dict(n_components=8, hidden_layer_sizes=(64,), activation="tanh", max_iter=40,
              random_state=0)
models = {
    "Autoencoder": Autoencoder(**common),
    "Contractive (weight 1.0)": ContractiveAutoencoder(contractive_weight=1.0, **common),
}

rng = np.random.default_rng(0)
step = 1e-2 * rng.standard_normal(X_test.shape)
fig, ax = plt.subplots(figsize=(6, 3.8), layout="constrained")
for name, model in models.items():
    model.fit(X_train)
    change = np.linalg.norm(model.transform(X_test + step) - model.transform(X_test), axis=1)
    sensitivity = change / np.linalg.norm(step, axis=1)
    error = model.reconstruction_error(X_test).mean() / X.shape[1]
    ax.hist(sensitivity, bins=40, alpha=0.6, label=f"{name}: recon. MSE {error:.2f}")
    print(f"{name:<25} median sensitivity {np.median(sensitivity):.3f}, "
          f"held-out MSE {error:.3f}")
ax.set_xlabel("|change of code| / |change of input|")
ax.set_ylabel("held-out rows")
ax.legend(frameon=False)
plt.show()
