"""
Sparse codes: how the target sets the activity
==============================================

A :class:`~skae.SparseAutoencoder` with the KL penalty pushes the average
activation of each of its (sigmoid) code units towards ``sparsity_target``.
The histograms show the activations of a 32-unit code on the digits for three
targets, and without the penalty: the lower the target, the more activations
sit near zero.
"""

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

from skae import SparseAutoencoder

X = StandardScaler().fit_transform(load_digits().data)
settings = {"no penalty": dict(sparsity_weight=0.0, sparsity_target=0.05)}
settings.update({f"target {t}": dict(sparsity_target=t) for t in (0.02, 0.05, 0.2)})

fig, axes = plt.subplots(2, 2, figsize=(6.4, 5.6), sharey=True, sharex=True,
                         layout="constrained")
for ax, (name, params) in zip(axes.ravel(), settings.items()):
    sae = SparseAutoencoder(n_components=32, max_iter=40, random_state=0, **params).fit(X)
    codes = sae.transform(X)
    ax.hist(codes.ravel(), bins=40, range=(0, 1), color="C0")
    ax.set_title(f"{name}\nmean activation {codes.mean():.3f}")
    print(f"{name:<11} mean activation {codes.mean():.3f}")
for ax in axes[:, 0]:
    ax.set_ylabel("count (rows x units)")
for ax in axes[1]:
    ax.set_xlabel("code activation")
plt.show()
