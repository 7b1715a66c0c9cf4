"""The variational autoencoder: a probabilistic encoder/decoder with a likelihood score."""

import zlib
from numbers import Integral, Real

import numpy as np
import pandas as pd
import torch
from sklearn.utils import check_array, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._base import BaseAutoencoder, store_parameters
from ._docstrings import fill_doc
from ._likelihoods import LIKELIHOODS
from ._losses import VAELoss, importance_weighted_bound

__all__ = ["VAE"]

# score_samples draws each row's importance samples from a generator seeded by
# a checksum of the row's float32 values: the scores of a fitted model are then
# deterministic, independent of batch size and row order, and independent from
# row to row (so that averages over rows behave like expectations).
_MAX_SAMPLES_PER_CHUNK = 256


@fill_doc
class VAE(BaseAutoencoder):
    """Variational autoencoder (Kingma & Welling, 2014) with a likelihood score.

    A latent-variable model ``p(x, z) = p(z) p(x | z)`` with ``p(z) = N(0, I)``,
    a Gaussian posterior ``q(z | x) = N(mu(x), diag(sigma^2(x)))`` from the
    encoder, and a decoder likelihood ``p(x | z)``. Training minimises, averaged
    over rows, ``-E_q[log p(x | z)] + beta * KL(q(z | x) || p(z))`` with one
    reparameterised sample per row (theory, section 5). ``beta != 1`` gives a
    beta-VAE.

    - ``transform``: posterior means ``mu(x)`` (deterministic);
    - ``inverse_transform``: decoder means (probabilities for Bernoulli);
    - ``score_samples``: the importance-weighted bound on ``log p(x)`` in nats
      (Burda et al., 2016), the lower the more abnormal;
    - ``sample``: new rows by ancestral sampling; ``interpolate``: decoded
      straight lines between two rows' codes.

    Parameters
    ----------
    likelihood : {"gaussian", "bernoulli"}, default="gaussian"
        ``"gaussian"``: ``N(decoder mean, decoder_std^2)`` per feature, for
        continuous (standardised) data. ``"bernoulli"``: for data in [0, 1]
        (binary or grey images), computed from logits; other values are
        rejected.
    decoder_std : float or None, default=None
        Gaussian only. None learns one standard deviation per feature; a
        float fixes it (the theory notes use 0.1 for data in [0, 1]).
    beta : float, default=1.0
        Weight of the KL term.
    n_importance_samples : int, default=50
        ``k`` of the importance-weighted bound in ``score_samples`` and
        ``score``; ``k=1`` is a one-sample ELBO estimate, larger ``k`` is
        tighter and costs ``k`` decoder passes per row.
    n_components : int, default=2
        Number of latent dimensions.
%(common_parameters)s

    Attributes
    ----------
%(common_attributes)s

    See Also
    --------
    Autoencoder : Deterministic codes, a residual-based score.
    sklearn.mixture.GaussianMixture : Another density with ``score_samples``
        and ``sample``.

    References
    ----------
    .. [1] D. P. Kingma and M. Welling, "Auto-Encoding Variational Bayes",
       ICLR 2014.
    .. [2] Y. Burda, R. Grosse and R. Salakhutdinov, "Importance Weighted
       Autoencoders", ICLR 2016.
    .. [3] I. Higgins et al., "beta-VAE: Learning Basic Visual Concepts with
       a Constrained Variational Framework", ICLR 2017.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae import VAE
    >>> X = load_digits().data / 16
    >>> vae = VAE(n_components=4, likelihood="bernoulli", max_iter=10, random_state=0).fit(X)
    >>> vae.transform(X[:2]).shape
    (2, 4)
    >>> vae.sample(3, random_state=0).shape
    (3, 64)
    >>> bool(vae.score_samples(X[:5]).max() < 0)  # log-probabilities of [0, 1] data
    True
    """

    _parameter_constraints: dict = {
        **BaseAutoencoder._parameter_constraints,
        "likelihood": [StrOptions(set(LIKELIHOODS))],
        "decoder_std": [Interval(Real, 0, None, closed="neither"), None],
        "beta": [Interval(Real, 0, None, closed="left")],
        "n_importance_samples": [Interval(Integral, 1, None, closed="left")],
    }

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
    def _check_params(self, X):
        if self._codec_.table is not None:
            if self.likelihood != "gaussian":
                raise ValueError(
                    f"likelihood={self.likelihood!r} applies to numeric arrays; a table's "
                    "columns get their own likelihoods (Gaussian for numeric columns, "
                    "Bernoulli for bool ones, softmax for categorical ones). Use the "
                    "default likelihood='gaussian' with tables."
                )
            return
        LIKELIHOODS[self.likelihood].check(X)

    def _build_module(self, n_features):
        module = self._architecture(n_features).vae(
            self.likelihood, self.decoder_std, n_classes=self._condition.width(self)
        )
        likelihood = self._codec_.likelihood()
        if likelihood is not None:  # a table's columns: their own likelihoods
            module.likelihood = likelihood
        return module

    # The score is the model's own likelihood bound (score_samples), fitted with it.
    _scoring_attributes = ()

    def _decoded_means(self, reconstruction):
        return reconstruction  # the module's decode gives the likelihood's mean

    def _module_kind(self):
        # The decoder's input width (code + one-hot label) is checked when the
        # module is built, once a conditional model knows its classes.
        return {"vae": True, "n_condition": None}

    def _build_criterion(self):
        return VAELoss(self.beta)


    def _scored_rows(self, X):
        X, unseen = super()._scored_rows(X)
        self.module_.likelihood.check(X)
        return X, unseen

    # -------------------------------------------------------------- inference
    def score_samples(self, X, y=None):
        """Importance-weighted lower bound on ``log p(x)`` of each row, in nats.

        ``log (1/k) sum_s p(x, z_s) / q(z_s | x)`` with ``k =
        n_importance_samples`` posterior samples per row (Burda et al., 2016):
        a lower bound on the log-likelihood that tightens as ``k`` grows
        (``k = 1``: the ELBO). The lower, the more abnormal. Each row's samples
        come from a generator seeded by a checksum of the row itself, so the
        scores of a fitted model are deterministic and do not depend on batch
        size or row order. Memory stays bounded for any ``k`` (rows and samples
        are chunked).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to score.
        y : array-like of shape (n_samples,), a single label, or None
            Ignored, except by :class:`ConditionalVAE`: the rows' labels, for
            a bound on ``log p(x | y)``; None bounds ``log p(x) = log sum_y
            p(y) p(x | y)`` with the training class frequencies
            ``class_prior_`` (one bound per class, so ``n_classes`` times the
            work).

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Log-likelihood bounds, float64.

        Examples
        --------
        >>> from sklearn.datasets import load_digits
        >>> from skae import VAE
        >>> X = load_digits().data / 16
        >>> vae = VAE(likelihood="bernoulli", max_iter=5, random_state=0).fit(X)
        >>> vae.score_samples(X[:3]).shape
        (3,)
        """
        X, unseen = self._scored_rows(X)
        return self._condition.log_likelihood(self, X, y) + unseen

    def _bound(self, X, C=None):
        """The importance-weighted bound for rows ``X`` (given their condition ``C``)."""
        module, device = self.module_, self._trainer_.device
        k, width = self.n_importance_samples, self.n_components_
        per_chunk = min(k, _MAX_SAMPLES_PER_CHUNK)
        out = np.empty(X.shape[0], dtype=np.float64)
        for start, stop, chunk, condition in self._inference().chunks(X, copies=per_chunk, C=C):
            # Seeded by a checksum of the row (and its condition, as if the two
            # were one row: the same seeds as when labels were stacked onto X).
            rows = chunk.cpu().numpy()
            if condition is None:
                seeds = [zlib.crc32(row.tobytes()) for row in rows]
            else:
                seeds = [zlib.crc32(c.tobytes(), zlib.crc32(row.tobytes()))
                         for row, c in zip(rows, condition.cpu().numpy())]
            generators = [torch.Generator().manual_seed(seed) for seed in seeds]
            total = None
            for s in range(0, k, per_chunk):
                m = min(per_chunk, k - s)
                eps = torch.stack([torch.randn(m, width, generator=g) for g in generators], 1)
                # Back from a per-chunk mean to a log-sum, then combine chunks.
                lse = importance_weighted_bound(module, chunk, eps.to(device), condition) \
                    + np.log(m)
                total = lse if total is None else torch.logaddexp(total, lse)
            out[start:stop] = (total - np.log(k)).double().cpu().numpy()
        return out

    def sample(self, n_samples=1, random_state=None, noise=False):
        """Draw new rows: ``z ~ N(0, I)``, then the decoder.

        Parameters
        ----------
        n_samples : int, default=1
            Number of rows to draw.
        random_state : int, RandomState instance or None, default=None
            Seeds the draw (a local generator; nothing global is touched).
        noise : bool, default=False
            False returns the decoder mean (probabilities for Bernoulli).
            True adds the observation noise: Gaussian noise with the decoder's
            standard deviation, or 0/1 draws for Bernoulli.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features_in)
            The samples, float64.

        Examples
        --------
        >>> from sklearn.datasets import load_digits
        >>> from skae import VAE
        >>> X = load_digits().data / 16
        >>> vae = VAE(likelihood="bernoulli", max_iter=5, random_state=0).fit(X)
        >>> samples = vae.sample(4, random_state=0, noise=True)
        >>> sorted(set(samples.ravel().tolist()))
        [0.0, 1.0]
        """
        self._check_n_samples(n_samples)
        seed = int(check_random_state(random_state).randint(2**31 - 1))
        return self._draw(n_samples, torch.Generator().manual_seed(seed), noise)

    def _check_n_samples(self, n_samples):
        check_is_fitted(self)
        if not isinstance(n_samples, Integral) or n_samples < 1:
            raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}.")

    def _draw(self, n_samples, generator, noise, condition=None):
        """``z ~ N(0, I)`` decoded (given the condition), with observation noise if asked."""
        module, device = self.module_.eval(), self._trainer_.device
        z = torch.randn(n_samples, self.n_components_, generator=generator)
        with torch.no_grad():
            c = None if condition is None else condition.to(device)
            mean = module.decode(z.to(device), c).cpu()
        mean = self._observation_noise(mean, generator) if noise else mean
        return self._codec_.decode(mean.double().numpy())

    def _observation_noise(self, mean, generator):
        """A draw from ``p(x | z)`` given its mean: 0/1 for Bernoulli, mean + std * eps."""
        module = self.module_
        with torch.no_grad():
            return module.likelihood.sample(mean, module.log_std.cpu(), generator)

    def interpolate(self, x_start, x_end, n_steps=8):
        """Decode the straight line between the codes of two rows.

        Parameters
        ----------
        x_start, x_end : array-like of shape (n_features,)
            The two end points.
        n_steps : int, default=8
            Number of points on the line, ends included.

        Returns
        -------
        X : ndarray of shape (n_steps, n_features_in)
            ``inverse_transform((1 - t) * z_start + t * z_end)`` for ``t`` from
            0 to 1, float64.

        Examples
        --------
        >>> from sklearn.datasets import load_digits
        >>> from skae import VAE
        >>> X = load_digits().data / 16
        >>> vae = VAE(likelihood="bernoulli", max_iter=5, random_state=0).fit(X)
        >>> vae.interpolate(X[0], X[1], n_steps=5).shape
        (5, 64)
        """
        return self._interpolate(x_start, x_end, n_steps)

    def _interpolate(self, x_start, x_end, n_steps, *labels):
        """The line between two rows' codes, decoded; ``labels``: ``(y,)`` for a conditional model."""
        check_is_fitted(self)
        if not isinstance(n_steps, Integral) or n_steps < 2:
            raise ValueError(f"n_steps must be an integer of at least 2, got {n_steps!r}.")
        if self._codec_.table is not None:
            ends = pd.concat([_table_row(x) for x in (x_start, x_end)], ignore_index=True)
        else:
            ends = np.vstack([check_array(np.atleast_2d(x)) for x in (x_start, x_end)])
            ends = ends.astype(np.float64)
        z_start, z_end = self.transform(ends, *labels)
        t = np.linspace(0.0, 1.0, n_steps)[:, None]
        return self.inverse_transform((1 - t) * z_start + t * z_end, *labels)



def _table_row(x):
    """One row of a table (a DataFrame row, a Series or a sequence) as a DataFrame."""
    if isinstance(x, pd.DataFrame):
        return x
    if isinstance(x, pd.Series):
        return x.to_frame().T
    return pd.DataFrame([list(x)])
