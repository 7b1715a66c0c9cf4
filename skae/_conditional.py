"""The conditional VAE: encoder and decoder also receive the class label."""

import numpy as np
import torch
from sklearn.utils import check_random_state

from ._base import store_parameters
from ._condition import ClassCondition
from ._docstrings import fill_doc
from ._vae import VAE

__all__ = ["ConditionalVAE"]


@fill_doc
class ConditionalVAE(VAE):
    """Conditional variational autoencoder: ``q(z | x, y)`` and ``p(x | z, y)``.

    A :class:`VAE` whose encoder and decoder also receive the one-hot class
    label ``y`` (theory, section 5): the latent code is left to describe what
    the label does not (style, thickness, slant), and new rows can be drawn
    for a chosen class. The label joins the input of the dense layers (after
    the convolutions with ``architecture="conv"``) and the decoder's input
    next to the code. Training minimises ``-E_q[log p(x | z, y)] + beta *
    KL(q(z | x, y) || N(0, I))``.

    ``fit(X, y)`` needs the labels. The other methods that look at rows take
    them too (``transform(X, y)``, ``inverse_transform(Z, y)``,
    ``reconstruction_error(X, y)``, ``score_samples(X, y)``) and, without
    them, average over the classes under the model: ``score_samples`` bounds
    the marginal ``log p(x) = log sum_y p(y) p(x | y)`` (the training class
    frequencies as ``p(y)``); ``transform`` returns ``sum_y p(y | x) mu(x, y)``
    with ``p(y | x)`` from the per-class bounds; ``inverse_transform`` returns
    ``E[x | z] = sum_y p(y) D(z, y)`` (the code is independent of the class a
    priori). Without labels each of these does the work once per class.

    Parameters
    ----------
    likelihood : {"gaussian", "bernoulli"}, default="gaussian"
        As for :class:`VAE`.
    decoder_std : float or None, default=None
        As for :class:`VAE`.
    beta : float, default=1.0
        Weight of the KL term.
    n_importance_samples : int, default=50
        ``k`` of the importance-weighted bound in ``score_samples``.
    n_components : int, default=2
        Number of latent dimensions.
%(common_parameters)s

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels seen in ``fit``, in the order of the one-hot columns.
    class_prior_ : ndarray of shape (n_classes,)
        Their frequencies in the training data.
%(common_attributes)s

    See Also
    --------
    VAE : The unconditional model.

    References
    ----------
    .. [1] K. Sohn, H. Lee and X. Yan, "Learning Structured Output
       Representation using Deep Conditional Generative Models", NeurIPS 2015.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae import ConditionalVAE
    >>> X, y = load_digits(return_X_y=True)
    >>> cvae = ConditionalVAE(likelihood="bernoulli", max_iter=10, random_state=0)
    >>> cvae = cvae.fit(X / 16, y)
    >>> cvae.transform(X[:3] / 16, y[:3]).shape
    (3, 2)
    >>> samples, labels = cvae.sample(4, y=7, random_state=0)
    >>> samples.shape, labels.tolist()
    ((4, 64), [7, 7, 7, 7])
    """

    # The label joins the dense layers: without one between the convolutions
    # and the code it could only shift the decoder's first feature map, and
    # 10-epoch MNIST samples were of the asked class 39% of the time against
    # 55-80% with one hidden layer of 64.
    _auto_conv_hidden = (64,)

    #: The label, one-hot beside each row; without it, an average over the classes.
    _condition = ClassCondition()

    def __init__(
        self,
        *,
        likelihood="gaussian",
        decoder_std=None,
        beta=1.0,
        n_importance_samples=50,
        n_components=2,
        hidden_layer_sizes="auto",
        activation="relu",
        architecture="mlp",
        image_shape=None,
        conv_channels=(16, 32, 64),
        encoder=None,
        decoder=None,
        batch_size="auto",
        max_iter=200,
        learning_rate_init=1e-3,
        learning_rate="constant",
        optimizer="adam",
        weight_decay=0.0,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        trim=0.0,
        warm_start=False,
        device="auto",
        random_state=None,
        verbose=0,
        categorical_features="from_dtype",
    ):
        store_parameters(self, locals())

    def sample(self, n_samples=1, y=None, random_state=None, noise=False):
        """Draw rows: labels (given or from ``class_prior_``), ``z ~ N(0, I)``, the decoder.

        Parameters
        ----------
        n_samples : int, default=1
            Number of rows to draw.
        y : label, array-like of shape (n_samples,), or None, default=None
            The class of the rows: one label for all of them, one per row, or
            None to draw the labels from the training frequencies.
        random_state : int, RandomState instance or None, default=None
            Seeds the draw (local generators only).
        noise : bool, default=False
            Add the observation noise, as in :meth:`VAE.sample`.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features_in)
            The samples, float64.
        y : ndarray of shape (n_samples,)
            Their labels (as ``GaussianMixture.sample`` returns its
            components).

        Examples
        --------
        >>> from sklearn.datasets import load_digits
        >>> from skae import ConditionalVAE
        >>> X, y = load_digits(return_X_y=True)
        >>> cvae = ConditionalVAE(max_iter=3, random_state=0).fit(X / 16, y)
        >>> samples, labels = cvae.sample(6, random_state=0)
        >>> samples.shape, labels.shape
        ((6, 64), (6,))
        """
        self._check_n_samples(n_samples)
        rng = check_random_state(random_state)
        if y is None:
            y = self.classes_[rng.choice(len(self.classes_), n_samples, p=self.class_prior_)]
        one_hot = self._condition.one_hot(self, y, n_samples)
        generator = torch.Generator().manual_seed(int(rng.randint(2**31 - 1)))
        samples = self._draw(n_samples, generator, noise, torch.from_numpy(one_hot))
        return samples, self.classes_[np.argmax(one_hot, axis=1)]

    def interpolate(self, x_start, x_end, y=None, n_steps=8):
        """Decode the straight line between two rows' codes, as class ``y``.

        Parameters
        ----------
        x_start, x_end : array-like of shape (n_features,)
            The two end points.
        y : label or None
            The class both rows are encoded and decoded as; None uses the
            label-free ``transform`` and ``inverse_transform``.
        n_steps : int, default=8
            Number of points, ends included.

        Returns
        -------
        X : ndarray of shape (n_steps, n_features_in)
            Decoded points, float64.

        Examples
        --------
        >>> from sklearn.datasets import load_digits
        >>> from skae import ConditionalVAE
        >>> X, y = load_digits(return_X_y=True)
        >>> cvae = ConditionalVAE(max_iter=3, random_state=0).fit(X / 16, y)
        >>> cvae.interpolate(X[0] / 16, X[10] / 16, y=0, n_steps=4).shape
        (4, 64)
        """
        return self._interpolate(x_start, x_end, n_steps, y)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags
