"""Figures for image models: denoising grids, class samples, latent maps, interpolations.

Needs matplotlib (``pip install "skae[docs]"``). Every function returns the
``matplotlib.figure.Figure`` it drew, so it can be saved or shown.
Images are rows of ``X`` laid out as ``image_shape``: ``(height, width)``
or ``(channels, height, width)`` with 1 (grey) or 3 (RGB) channels; by
default the estimator's own ``image_shape``. Figures are at most
``MAX_WIDTH`` inches wide, so that at matplotlib's 100 dpi they fit a
documentation page's or a notebook's column at full size, text included.
"""

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

__all__ = ["corrupt", "plot_class_samples", "plot_denoising", "plot_interpolation", "plot_latent"]

#: The widest figure drawn, in inches: image cells shrink to keep a row within it.
MAX_WIDTH = 6.4


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(
            "skae.plotting needs matplotlib: pip install matplotlib (or skae[docs])."
        ) from None
    return plt


def _shape(estimator, image_shape):
    shape = image_shape if image_shape is not None else getattr(estimator, "image_shape", None)
    if shape is None:
        raise ValueError(
            "Pass image_shape=(height, width) or (channels, height, width): the estimator "
            "has no image_shape of its own."
        )
    shape = tuple(int(s) for s in shape)
    if len(shape) == 2:
        shape = (1, *shape)
    if len(shape) != 3 or shape[0] not in (1, 3):
        raise ValueError(
            f"image_shape must be (height, width) or (channels, height, width) with 1 or 3 "
            f"channels, got {image_shape!r}."
        )
    return shape


def _show(ax, row, shape, cmap):
    channels, height, width = shape
    image = np.asarray(row, dtype=np.float64).reshape(shape)
    if channels == 1:
        ax.imshow(image[0], cmap=cmap, vmin=0.0, vmax=1.0, interpolation="nearest")
    else:
        ax.imshow(np.clip(image.transpose(1, 2, 0), 0.0, 1.0), interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])


def _grid(rows, shape, row_labels=(), cmap="gray_r", cell=1.0, title=None):
    plt = _pyplot()
    n_rows, n_cols = len(rows), len(rows[0])
    cell = min(cell, (MAX_WIDTH - 0.8) / n_cols)
    figure, axes = plt.subplots(
        n_rows, n_cols, figsize=(cell * n_cols + 0.8, cell * n_rows + 0.3),
        squeeze=False, layout="constrained",
    )
    for i, images in enumerate(rows):
        for j, image in enumerate(images):
            _show(axes[i, j], image, shape, cmap)
        if i < len(row_labels):
            axes[i, 0].set_ylabel(str(row_labels[i]), rotation=0, ha="right", va="center")
    if title:
        figure.suptitle(title)
    return figure


def corrupt(X, noise="salt_and_pepper", noise_level=0.2, random_state=None):
    """Corrupt image rows per pixel, as the denoising autoencoder's training does.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Images with values in [0, 1].
    noise : {"salt_and_pepper", "masking", "gaussian"}, default="salt_and_pepper"
        ``"salt_and_pepper"``: a fraction ``noise_level`` of the pixels set to
        0 or 1 at random; ``"masking"``: that fraction set to 0;
        ``"gaussian"``: noise of standard deviation ``noise_level`` added.
    noise_level : float, default=0.2
        Fraction of pixels, or standard deviation.
    random_state : int, RandomState instance or None, default=None
        Seeds the corruption.

    Returns
    -------
    X_noisy : ndarray of shape (n_samples, n_features)

    Examples
    --------
    >>> import numpy as np
    >>> from skae.plotting import corrupt
    >>> noisy = corrupt(np.full((100, 64), 0.5), noise_level=0.25, random_state=0)
    >>> round(float(np.mean(noisy != 0.5)), 2)
    0.25
    """
    rng = check_random_state(random_state)
    X = np.array(X, dtype=np.float64)
    if noise == "gaussian":
        return X + noise_level * rng.standard_normal(X.shape)
    hit = rng.random_sample(X.shape) < noise_level
    if noise == "masking":
        X[hit] = 0.0
    elif noise == "salt_and_pepper":
        X[hit] = (rng.random_sample(int(hit.sum())) < 0.5).astype(np.float64)
    else:
        raise ValueError(
            f"noise must be 'salt_and_pepper', 'masking' or 'gaussian', got {noise!r}."
        )
    return X


def plot_denoising(estimator, X, image_shape=None, noise="salt_and_pepper", noise_level=0.2,
                   X_noisy=None, random_state=None):
    """Three rows of images: originals, corrupted copies, and the model's reconstructions.

    Parameters
    ----------
    estimator : fitted skae estimator
        Usually a :class:`DenoisingAutoencoder`; any estimator with
        ``transform`` and ``inverse_transform``.
    X : array-like of shape (n_images, n_features)
        Clean images with values in [0, 1]; one column per image.
    image_shape : tuple or None, default=None
        ``(height, width)`` or ``(channels, height, width)``; None uses the
        estimator's ``image_shape``.
    noise : {"salt_and_pepper", "gaussian", "masking"}, default="salt_and_pepper"
        The corruption applied (see :func:`corrupt`), unless ``X_noisy`` is
        given.
    noise_level : float, default=0.2
        Its level (see :func:`corrupt`).
    X_noisy : array-like of shape (n_images, n_features) or None, default=None
        Corrupted images to use instead of corrupting ``X``.
    random_state : int, RandomState instance or None, default=None
        Seeds the corruption.

    Returns
    -------
    figure : matplotlib.figure.Figure

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae import DenoisingAutoencoder
    >>> from skae.plotting import plot_denoising
    >>> X = load_digits().data / 16
    >>> dae = DenoisingAutoencoder(noise="salt_and_pepper", max_iter=5, random_state=0).fit(X)
    >>> figure = plot_denoising(dae, X[:6], image_shape=(8, 8), random_state=0)
    >>> len(figure.axes)
    18
    """
    check_is_fitted(estimator)
    shape = _shape(estimator, image_shape)
    X = np.asarray(X, dtype=np.float64)
    if X_noisy is None:
        X_noisy = corrupt(X, noise, noise_level, random_state)
    X_noisy = np.asarray(X_noisy, dtype=np.float64)
    denoised = estimator.inverse_transform(estimator.transform(X_noisy))
    return _grid([X, X_noisy, denoised], shape, row_labels=["original", "noisy", "denoised"])


def plot_class_samples(estimator, n_per_class=8, image_shape=None, classes=None,
                       random_state=None):
    """A grid of generated images: one row per class of a :class:`ConditionalVAE`.

    Parameters
    ----------
    estimator : fitted ConditionalVAE
    n_per_class : int, default=8
        Images per row.
    image_shape : tuple or None, default=None
        As in :func:`plot_denoising`.
    classes : sequence or None, default=None
        The classes to draw, one row each; None draws every class in ``classes_``.
    random_state : int, RandomState instance or None, default=None
        Seeds the samples.

    Returns
    -------
    figure : matplotlib.figure.Figure

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae import ConditionalVAE
    >>> from skae.plotting import plot_class_samples
    >>> X, y = load_digits(return_X_y=True)
    >>> cvae = ConditionalVAE(likelihood="bernoulli", max_iter=5, random_state=0).fit(X / 16, y)
    >>> len(plot_class_samples(cvae, n_per_class=3, image_shape=(8, 8)).axes)
    30
    """
    check_is_fitted(estimator)
    shape = _shape(estimator, image_shape)
    classes = estimator.classes_ if classes is None else classes
    rng = check_random_state(random_state)
    rows = [estimator.sample(n_per_class, y=label, random_state=rng)[0] for label in classes]
    return _grid(rows, shape, row_labels=list(classes))


def plot_latent(estimator, X, y=None, ax=None, conditional_labels=None):
    """Scatter the codes of ``X`` in two dimensions, coloured by class.

    Parameters
    ----------
    estimator : fitted skae estimator
        Its ``transform`` gives the codes; with more than two components
        they are projected on their first two principal axes.
    X : array-like of shape (n_samples, n_features)
        Rows to encode.
    y : array-like of shape (n_samples,) or None, default=None
        Colours (class labels). For a :class:`ConditionalVAE` they are also
        the labels the rows are encoded with, unless ``conditional_labels``
        is given.
    ax : matplotlib Axes or None, default=None
        Where to draw; None makes a new figure.
    conditional_labels : array-like or None, default=None
        Labels passed to a conditional model's ``transform``.

    Returns
    -------
    figure : matplotlib.figure.Figure

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae import VAE
    >>> from skae.plotting import plot_latent
    >>> X, y = load_digits(return_X_y=True)
    >>> vae = VAE(max_iter=5, random_state=0).fit(X / 16)
    >>> figure = plot_latent(vae, X / 16, y)
    >>> len(figure.axes[0].get_legend().get_texts())
    10
    """
    check_is_fitted(estimator)
    plt = _pyplot()
    if hasattr(estimator, "classes_"):
        labels = y if conditional_labels is None else conditional_labels
        Z = estimator.transform(X, labels)
    else:
        Z = estimator.transform(X)
    xlabel, ylabel = "code 1", "code 2"
    if Z.shape[1] > 2:
        from sklearn.decomposition import PCA

        Z = PCA(n_components=2).fit_transform(Z)
        xlabel, ylabel = "first principal axis of the codes", "second principal axis"
    elif Z.shape[1] == 1:
        Z = np.column_stack([Z[:, 0], np.zeros(len(Z))])
    if ax is None:
        figure, ax = plt.subplots(figsize=(5.5, 4.5), layout="constrained")
    else:
        figure = ax.figure
    if y is None:
        ax.scatter(Z[:, 0], Z[:, 1], s=6, alpha=0.7)
    else:
        y = np.asarray(y)
        colours = plt.get_cmap("tab10" if len(np.unique(y)) <= 10 else "tab20")
        for i, label in enumerate(np.unique(y)):
            mask = y == label
            ax.scatter(Z[mask, 0], Z[mask, 1], s=6, alpha=0.7, color=colours(i % colours.N),
                       label=str(label))
        ax.legend(markerscale=3, frameon=False, loc="center left",
                  bbox_to_anchor=(1.0, 0.5))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return figure


def plot_interpolation(estimator, x_start, x_end, image_shape=None, y=None, n_steps=8):
    """A strip of images decoded along the straight line between two rows' codes.

    Parameters
    ----------
    estimator : fitted skae estimator
        Anything with ``transform`` and ``inverse_transform``
        (:class:`VAE`'s ``interpolate`` is the same computation).
    x_start, x_end : array-like of shape (n_features,)
        The two end points.
    image_shape : tuple or None, default=None
        As in :func:`plot_denoising`.
    y : label or None, default=None
        For a :class:`ConditionalVAE`: the class to encode and decode with.
    n_steps : int, default=8
        Images in the strip, ends included.

    Returns
    -------
    figure : matplotlib.figure.Figure

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae import Autoencoder
    >>> from skae.plotting import plot_interpolation
    >>> X = load_digits().data / 16
    >>> ae = Autoencoder(max_iter=5, random_state=0).fit(X)
    >>> len(plot_interpolation(ae, X[0], X[1], image_shape=(8, 8), n_steps=5).axes)
    5
    """
    check_is_fitted(estimator)
    shape = _shape(estimator, image_shape)
    ends = np.vstack([np.asarray(x_start, dtype=np.float64), np.asarray(x_end, np.float64)])
    t = np.linspace(0.0, 1.0, n_steps)[:, None]
    if hasattr(estimator, "classes_"):
        z_start, z_end = estimator.transform(ends, [y, y])
        images = estimator.inverse_transform((1 - t) * z_start + t * z_end, y)
    else:
        z_start, z_end = estimator.transform(ends)
        images = estimator.inverse_transform((1 - t) * z_start + t * z_end)
    return _grid([images], shape)
