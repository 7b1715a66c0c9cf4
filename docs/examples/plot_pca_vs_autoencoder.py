"""
PCA vs autoencoders: 2-D embeddings of the digits
==================================================

The same pipeline, a scaler then a 2-component reducer, with PCA, an
:class:`~skae.Autoencoder` and a :class:`~skae.VAE`. The non-linear codes
separate the digit classes that PCA's linear projection piles on top of each
other; the nearest-neighbour accuracy in each 2-D embedding measures it.
"""

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skae import VAE, Autoencoder

X, y = load_digits(return_X_y=True)
reducers = {
    "PCA": PCA(n_components=2),
    "Autoencoder": Autoencoder(n_components=2, hidden_layer_sizes=(128, 32), max_iter=60,
                               random_state=0),
    "VAE": VAE(n_components=2, hidden_layer_sizes=(128, 32), max_iter=60, random_state=0),
}

fig, axes = plt.subplots(2, 2, figsize=(6.4, 6.4), layout="constrained")
axes[1, 1].set_axis_off()  # three maps in a 2 x 2 grid fit the text column
for ax, (name, reducer) in zip(axes.ravel(), reducers.items()):
    Z = make_pipeline(StandardScaler(), reducer).fit_transform(X)
    accuracy = cross_val_score(KNeighborsClassifier(), Z, y, cv=5).mean()
    points = ax.scatter(Z[:, 0], Z[:, 1], c=y, cmap="tab10", s=5)
    ax.set_title(f"{name}: 5-NN accuracy {accuracy:.2f}")
    ax.set_xticks([])
    ax.set_yticks([])
    print(f"{name:<12} 5-NN accuracy in 2-D: {accuracy:.3f}")
fig.colorbar(points, ax=axes[1, 1], label="digit", ticks=range(10), location="left")
plt.show()
