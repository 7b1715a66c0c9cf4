"""The conditional VAE: encoder and decoder also receive the class label."""

import numpy as np
import torch
from scipy.special import logsumexp
from sklearn.utils import check_array, check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ._base import store_parameters
from ._codec import check_finite
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

    # ------------------------------------------------------------------ hooks
    def _condition_width(self):
        return len(self.classes_)

    def _condition_input(self, X, y, device, reset):
        if y is None:
            raise ValueError(
                "ConditionalVAE requires y to be passed, but the target y is None: "
                "fit(X, y) with the class labels. Use VAE for data without labels."
            )
        y = column_or_1d(y, warn=True)
        if len(y) != len(X):
            raise ValueError(f"X has {len(X)} rows but y has {len(y)} labels.")
        if reset:
            check_classification_targets(y)
            self.classes_, counts = np.unique(y, return_counts=True)
            self.class_prior_ = counts / counts.sum()
        return torch.from_numpy(self._one_hot(y, len(X))).to(device)

    # ---------------------------------------------------------------- helpers
    def _one_hot(self, y, n_rows):
        """One-hot rows for labels ``y`` (a single label applies to all ``n_rows``)."""
        y = np.asarray(y)
        y = np.repeat(y, n_rows) if y.ndim == 0 else column_or_1d(y, warn=True)
        if len(y) != n_rows:
            raise ValueError(f"X has {n_rows} rows but y has {len(y)} labels.")
        lookup = {label: i for i, label in enumerate(self.classes_.tolist())}
        index = [lookup.get(label, -1) for label in y.tolist()]
        unknown = sorted({str(label) for label, i in zip(y.tolist(), index) if i < 0})
        if unknown:
            raise ValueError(
                f"y contains labels not seen in fit: {', '.join(unknown[:10])}; "
                f"the known classes are {self.classes_.tolist()}."
            )
        return np.eye(len(self.classes_), dtype=np.float32)[np.asarray(index, dtype=int)]

    # -------------------------------------------------------------- inference
    def transform(self, X, y=None):
        """Posterior means ``mu(x, y)`` of the rows given their labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to encode.
        y : array-like of shape (n_samples,), a single label, or None
            Their class labels; None averages over the classes with the
            weights ``p(y | x)`` (once per class the work).

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_components)
            Codes, float32 for float32 input and float64 otherwise.

        Examples
        --------
        >>> from sklearn.datasets import load_digits
        >>> from skae import ConditionalVAE
        >>> X, y = load_digits(return_X_y=True)
        >>> cvae = ConditionalVAE(max_iter=3, random_state=0).fit(X / 16, y)
        >>> cvae.transform(X[:2] / 16, y[:2]).shape
        (2, 2)
        """
        X = self._validate_X(X)
        if y is not None:
            return self._encode(X, self._one_hot(y, len(X)))
        weights = self._class_posterior(X)
        codes = sum(weights[:, [k]] * self._encode(X, self._one_hot(label, len(X)))
                    for k, label in enumerate(self.classes_))
        return codes.astype(X.dtype, copy=False)

    def _encode(self, X, C):
        return self._map_batches(self.module_.encode, X, self.n_components_, X.dtype, C=C)

    def _class_posterior(self, X):
        """``p(y | x)`` for each class (columns in ``classes_`` order), from the bounds."""
        log_joint = self._log_joint(X)
        return np.exp(log_joint - logsumexp(log_joint, axis=1, keepdims=True))

    def _log_joint(self, X):
        """Bounds on ``log p(x, y) = log p(y) + log p(x | y)`` for every class."""
        per_class = np.column_stack(
            [self._bound(X, self._one_hot(label, len(X))) for label in self.classes_]
        )
        return per_class + np.log(self.class_prior_)

    def inverse_transform(self, X, y=None):
        """Decoder means ``D(z, y)`` for codes ``X`` and labels ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Codes.
        y : array-like of shape (n_samples,), a single label, or None
            The classes to decode them as; None returns ``E[x | z] = sum_y
            p(y) D(z, y)`` with the training class frequencies.

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_features_in)
            Decoder means (probabilities for the Bernoulli likelihood).

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.datasets import load_digits
        >>> from skae import ConditionalVAE
        >>> X, y = load_digits(return_X_y=True)
        >>> cvae = ConditionalVAE(max_iter=3, random_state=0).fit(X / 16, y)
        >>> cvae.inverse_transform(np.zeros((10, 2)), np.arange(10)).shape
        (10, 64)
        """
        check_is_fitted(self)
        Z = check_array(X, dtype=[np.float64, np.float32], input_name="X")
        if Z.shape[1] != self.n_components_:
            raise ValueError(
                f"X has {Z.shape[1]} columns, but ConditionalVAE.inverse_transform "
                f"expects codes of width n_components_={self.n_components_}."
            )
        if y is not None:
            return self._codec_.decode(self._decode(Z, self._one_hot(y, len(Z))))
        check_finite(torch.from_numpy(np.asarray(Z, dtype=np.float32)), Z)
        means = sum(prior * self._decode(Z, self._one_hot(label, len(Z)))
                    for prior, label in zip(self.class_prior_, self.classes_))
        return self._codec_.decode(means.astype(Z.dtype, copy=False))

    def _decode(self, Z, C):
        return self._map_batches(self.module_.decode, Z, self._n_inputs(), Z.dtype, C=C)

    def reconstruction_error(self, X, y=None, per_feature=False):
        """Squared error of ``inverse_transform(transform(X, y), y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to reconstruct.
        y : array-like of shape (n_samples,), a single label, or None
            Their class labels; None averages over the classes with the
            weights ``p(y | x)`` (once per class the work).
        per_feature : bool, default=False
            Return the error per feature instead of its sum.

        Returns
        -------
        error : ndarray of shape (n_samples,) or (n_samples, n_features)
            Squared errors, float64.

        Examples
        --------
        >>> from sklearn.datasets import load_digits
        >>> from skae import ConditionalVAE
        >>> X, y = load_digits(return_X_y=True)
        >>> cvae = ConditionalVAE(max_iter=3, random_state=0).fit(X / 16, y)
        >>> cvae.reconstruction_error(X[:3] / 16, y[:3]).shape
        (3,)
        """
        check_is_fitted(self)
        if self._codec_.table is not None:
            return self._table_errors(X, y, per_feature)
        X = self._validate_X(X)
        module = self.module_
        if y is not None:
            labels = self._one_hot(y, len(X))

            def squared(rows, condition):
                return (module(rows, condition).reconstruction - rows).square()

            if per_feature:
                return self._map_batches(squared, X, self.n_features_in_, np.float64, C=labels)
            return self._map_batches(
                lambda rows, condition: squared(rows, condition).sum(dim=1), X, 1, np.float64,
                C=labels,
            ).ravel()
        weights = self._class_posterior(X)
        reconstruction = sum(
            weights[:, [k]] * self._map_batches(
                lambda rows, c: module(rows, c).reconstruction, X, self.n_features_in_,
                np.float64, C=self._one_hot(label, len(X)))
            for k, label in enumerate(self.classes_)
        )
        squared = (np.asarray(X, dtype=np.float64) - reconstruction) ** 2
        return squared if per_feature else squared.sum(axis=1)

    def _table_errors(self, X, y, per_feature):
        """A table's per-column errors (see ``Table.column_errors``) given ``y`` or
        averaged over the classes with the weights ``p(y | x)``."""
        values, unseen = self._codec_.encode(self, X)
        module, width = self.module_, self._n_inputs()

        def means(labels):
            return self._map_batches(lambda rows, c: module(rows, c).reconstruction, values,
                                     width, np.float64, C=labels)

        if y is not None:
            reconstruction = means(self._one_hot(y, len(values)))
        else:
            weights = self._class_posterior(values)
            reconstruction = sum(weights[:, [k]] * means(self._one_hot(label, len(values)))
                                 for k, label in enumerate(self.classes_))
        errors = self._codec_.table.column_errors(reconstruction, values, unseen)
        return errors if per_feature else errors.sum(axis=1)

    def score_samples(self, X, y=None):
        """Importance-weighted bound on ``log p(x | y)``, or on ``log p(x)`` without ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.
        y : array-like of shape (n_samples,), a single label, or None
            Their labels. None scores ``log p(x) = log sum_y p(y) p(x | y)``
            with the training class frequencies ``class_prior_`` (one bound
            per class, so ``n_classes`` times the work).

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Log-likelihood bounds in nats, float64; the lower, the more
            abnormal.

        Examples
        --------
        >>> from sklearn.datasets import load_digits
        >>> from skae import ConditionalVAE
        >>> X, y = load_digits(return_X_y=True)
        >>> cvae = ConditionalVAE(likelihood="bernoulli", max_iter=5, random_state=0)
        >>> cvae = cvae.fit(X / 16, y)
        >>> given = cvae.score_samples(X[:3] / 16, y[:3])
        >>> marginal = cvae.score_samples(X[:3] / 16)
        >>> given.shape, marginal.shape
        ((3,), (3,))
        """
        X, unseen = self._scored_rows(X)
        if y is not None:
            return self._bound(X, self._one_hot(y, len(X))) + unseen
        return logsumexp(self._log_joint(X), axis=1) + unseen

    def score(self, X, y=None):
        """Mean of ``score_samples(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.
        y : array-like of shape (n_samples,) or None
            Their labels, or None for the marginal likelihood.

        Returns
        -------
        score : float
            Average log-likelihood bound per row, in nats.

        Examples
        --------
        >>> from sklearn.datasets import load_digits
        >>> from skae import ConditionalVAE
        >>> X, y = load_digits(return_X_y=True)
        >>> cvae = ConditionalVAE(max_iter=3, random_state=0).fit(X / 16, y)
        >>> isinstance(cvae.score(X / 16, y), float)
        True
        """
        return float(np.mean(self.score_samples(X, y)))

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
        one_hot = self._one_hot(y, n_samples)
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

    def fit(self, X, y=None):
        """Train on rows ``X`` with their class labels ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels (any hashable, sortable values); required.

        Returns
        -------
        self : object
            The fitted estimator.

        Examples
        --------
        >>> from sklearn.datasets import load_digits
        >>> from skae import ConditionalVAE
        >>> X, y = load_digits(return_X_y=True)
        >>> ConditionalVAE(max_iter=3, random_state=0).fit(X / 16, y).classes_.tolist()
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
        """
        return super().fit(X, y)

    def partial_fit(self, X, y=None):
        """One epoch over a chunk of rows ``X`` with labels ``y``.

        The first call fixes the classes to those in its ``y``: give it rows
        of every class. See :meth:`Autoencoder.partial_fit`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            One chunk of training data.
        y : array-like of shape (n_samples,)
            Its class labels; required.

        Returns
        -------
        self : object
            The updated estimator.

        Examples
        --------
        >>> from sklearn.datasets import load_digits
        >>> from skae import ConditionalVAE
        >>> X, y = load_digits(return_X_y=True)
        >>> cvae = ConditionalVAE(random_state=0)
        >>> cvae = cvae.partial_fit(X[:900] / 16, y[:900]).partial_fit(X[900:] / 16, y[900:])
        >>> cvae.n_iter_
        2
        """
        return super().partial_fit(X, y)

    def fit_transform(self, X, y=None):
        """``fit(X, y).transform(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels; required.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_components)
            Codes of the training rows.

        Examples
        --------
        >>> from sklearn.datasets import load_digits
        >>> from skae import ConditionalVAE
        >>> X, y = load_digits(return_X_y=True)
        >>> ConditionalVAE(max_iter=3, random_state=0).fit_transform(X / 16, y).shape
        (1797, 2)
        """
        return self.fit(X, y).transform(X, y)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags
