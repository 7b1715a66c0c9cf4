"""The scores of a fitted autoencoder: reconstruction errors and the density.

:class:`DensityScoring` is the part of :class:`~skae._base.BaseAutoencoder`
that scores rows. ``score_samples`` evaluates the density that the codec
chooses (``skae._density``: residuals under their fitted law, whitened codes
under a standard normal; per column for tables) with the statistics fitted
on the training rows after training: one forward pass gives both the
residuals and the codes. After ``partial_fit`` the statistics are computed
when first read, so a stream of chunks does not pay for statistics that the
next chunk replaces.

A model with a density of its own (the VAE's likelihood bound) sets
``_scoring_attributes = ()`` and overrides ``score_samples``.
"""

import numpy as np
from sklearn.utils.validation import check_is_fitted

__all__ = ["DensityScoring"]

# At most this many (evenly spaced) training rows estimate the code distribution.
_CODE_STATISTICS_ROWS = 100_000


class DensityScoring:
    """Reconstruction errors, ``score_samples`` and ``score`` of a fitted autoencoder."""

    #: The fitted attributes behind ``score_samples`` that ``_fit_scoring`` returns
    #: (none for a VAE: its score is its own likelihood bound).
    _scoring_attributes = ("residual_variance_", "code_mean_", "code_covariance_")

    # -------------------------------------------------------- the statistics
    def _refit_scoring(self, X, later):
        """Replace the statistics behind ``score_samples`` by those of rows ``X``.

        ``later``: computed from ``X`` when first needed (``__getattr__``), not
        now; a float32 copy of ``X`` waits until then.
        """
        for name in self._scoring_attributes:
            self.__dict__.pop(name, None)
        self.__dict__.pop("_scoring_rows_", None)
        if not self._scoring_attributes:
            return
        if later:
            self._scoring_rows_ = np.array(X, dtype=np.float32)
        else:
            vars(self).update(self._fit_scoring(X))

    def __getattr__(self, name):
        # Only reached when ``name`` is not found: the statistics of a partial_fit.
        rows = self.__dict__.get("_scoring_rows_")
        if rows is None or name not in self._scoring_attributes:
            found = getattr(type(self), name, None)
            if isinstance(found, property):  # its getter raised: raise its own message
                return found.fget(self)
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        self._complete_fit()
        return self.__dict__[name]

    def _complete_fit(self):
        """Compute what a ``partial_fit`` left for later (when read, saved or copied)."""
        rows = self.__dict__.get("_scoring_rows_")
        if rows is not None:
            vars(self).update(self._fit_scoring(rows))
            del self._scoring_rows_

    def __getstate__(self):
        self._complete_fit()
        return super().__getstate__()

    def _fit_scoring(self, X):
        """Fitted attributes that ``score_samples`` needs, computed after training.

        One forward pass over the kept rows gives both the residuals and the
        codes; beyond ``_CODE_STATISTICS_ROWS`` rows (which estimate a code
        covariance well) the codes come from a strided view of them instead,
        so that this step's memory stays bounded (no copy of X).
        """
        X = self._kept_rows(X)
        step = -(-len(X) // _CODE_STATISTICS_ROWS)
        codes = None if step == 1 else self._map_batches(
            self.module_.encode, X[::step], self.n_components_, np.float64)
        batches = ((chunk, self.module_(chunk)) for _, _, chunk, _ in self._inference().chunks(X))
        return self._codec_.fit_density(batches, len(X), codes)

    def _kept_rows(self, X):
        """The training rows that ``trim`` keeps: those whose reconstruction error
        is at most its ``1 - trim`` quantile (all rows when ``trim=0``)."""
        if not self.trim:
            return X
        errors = self._row_errors(X)
        return X[errors <= np.quantile(errors, 1.0 - self.trim)]

    # ------------------------------------------------------------ the errors
    def _row_errors(self, X, C=None):
        """Squared reconstruction error of each row of a validated ``X`` (condition ``C``)."""
        return self._map_batches(
            lambda xb, *c: self._squared_residual(xb, self.module_(xb, *c)).sum(dim=1),
            X, 1, np.float64, C=C,
        ).ravel()

    def _squared_residual(self, xb, output=None):
        """Squared residual of each entry of ``xb`` (``output``: its forward, if done)."""
        reconstruction = (self.module_(xb) if output is None else output).reconstruction
        return self._codec_.squared_residual(self._decoded_means(reconstruction), xb)

    def _means(self, X, C=None):
        """The decoder means of the reconstructions of validated rows ``X`` (float64)."""
        return self._map_batches(
            lambda xb, *c: self._decoded_means(self.module_(xb, *c).reconstruction),
            X, self._n_inputs(), np.float64, C=C)

    def _decoded_means(self, reconstruction):
        """The decoder means (in the encoded space) from the module's reconstruction."""
        return self._codec_.means(reconstruction)

    def _scored_rows(self, X):
        """Validated rows and each row's log-probability of its unseen categories
        (0 for arrays): a table's new category counts as one of probability
        ``1 / (n_rows + 1)``."""
        check_is_fitted(self)
        values, unseen = self._codec_.encode(self, X)
        return values, self._codec_.unseen_log_probability(unseen)

    # ------------------------------------------------------------ public API
    def reconstruction_error(self, X, y=None, per_feature=False):
        """Squared reconstruction error of each row, or of each row and feature.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to reconstruct.
        y : array-like of shape (n_samples,), a single label, or None
            Ignored, except by :class:`ConditionalVAE`: the rows' class labels,
            or None to reconstruct them with the weights ``p(y | x)``.
        per_feature : bool, default=False
            Return the error per feature instead of its sum over features:
            which columns a row's error comes from.

        Returns
        -------
        error : ndarray of shape (n_samples,) or (n_samples, n_features)
            ``(x - inverse_transform(transform(x)))**2``, summed over features
            unless ``per_feature``; float64.

        Examples
        --------
        >>> from sklearn.datasets import load_digits
        >>> from skae import Autoencoder
        >>> X = load_digits().data / 16
        >>> ae = Autoencoder(n_components=8, max_iter=5, random_state=0).fit(X)
        >>> ae.reconstruction_error(X[:3]).shape
        (3,)
        >>> ae.reconstruction_error(X[:3], per_feature=True).shape
        (3, 64)
        """
        check_is_fitted(self)
        return self._condition.errors(self, *self._codec_.encode(self, X), y, per_feature)

    def score_samples(self, X, y=None):
        """Log-likelihood of each row under the autoencoder's density model, in nats.

        A non-linear analogue of probabilistic PCA's likelihood
        (``PCA.score_samples``) in two parts. The residual
        ``x - inverse_transform(z)`` is scored under independent Gaussians
        with the training residual variances (``residual_variance_``); the
        code ``z = transform(x)``, whitened by the training codes' mean and
        covariance (``code_mean_``, ``code_covariance_``), under a standard
        normal. A row scores low when the autoencoder cannot reconstruct it
        *or* when its code lies far from the training codes (an extreme
        value along the learned manifold). The lower, the more abnormal.
        Deterministic. Whitening makes the code term invariant to how the
        codes are scaled, so ``score`` compares models by how well they
        reconstruct held-out data, not by how small their codes are. For a
        model of a table (see ``categorical_features``) the residual part is
        the sum of the log-likelihoods of each row's observed columns: the
        residual law for numbers (in their own units), the decoder's
        probability of the observed value for bool and categorical columns.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to score.
        y : None
            Ignored.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            ``-1/2 * (|w|**2 + k*log(2*pi))
            - 1/2 * sum_d (r_d**2 / var_d + log(2*pi*var_d))`` with ``w``
            the whitened code of width ``k``; float64.

        Examples
        --------
        >>> from sklearn.datasets import load_digits
        >>> from skae import Autoencoder
        >>> X = load_digits().data / 16
        >>> ae = Autoencoder(n_components=8, max_iter=5, random_state=0).fit(X)
        >>> ae.score_samples(X[:3]).shape
        (3,)
        """
        return self._score_encoded(*self._scored_rows(X))

    def _score_encoded(self, values, unseen):
        """``score_samples`` of rows already validated and encoded (``_scored_rows``)."""
        density = self._codec_.density(self)

        def log_density(xb):
            out = self.module_(xb)
            return density(out.reconstruction, xb, out.code)

        return self._map_batches(log_density, values, 1, np.float64).ravel() + unseen

    def score(self, X, y=None):
        """Mean of ``score_samples(X, y)``: higher means a better model of ``X``.

        ``GridSearchCV`` without a ``scoring`` uses it, so it selects the
        model with the highest held-out likelihood.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to score.
        y : array-like of shape (n_samples,) or None
            Ignored, except by :class:`ConditionalVAE`: the rows' labels, or
            None for the marginal likelihood.

        Returns
        -------
        score : float
            Average log-likelihood per row, in nats.

        Examples
        --------
        >>> from sklearn.datasets import load_digits
        >>> from skae import Autoencoder
        >>> X = load_digits().data / 16
        >>> ae = Autoencoder(n_components=8, max_iter=5, random_state=0).fit(X)
        >>> isinstance(ae.score(X), float)
        True
        """
        return float(np.mean(self.score_samples(X, y)))
