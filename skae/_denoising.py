"""The denoising autoencoder: the base estimator plus a training-time corruption."""

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ._base import BaseAutoencoder, store_parameters
from ._corruption import NOISE_TYPES, Corruption
from ._docstrings import fill_doc

__all__ = ["DenoisingAutoencoder"]


@fill_doc
class DenoisingAutoencoder(BaseAutoencoder):
    """Denoising autoencoder: learns to reconstruct clean rows from corrupted ones.

    During training each batch ``x`` is corrupted into ``x~`` and the network
    minimises ``(1/n) sum_i ||x_i - D(E(x~_i))||^2`` (Vincent et al., 2008).
    The corruption is applied only while training: ``transform``,
    ``inverse_transform`` and ``score_samples`` see the input as given. Having
    to undo the noise forces the code to capture the structure of the data
    rather than copy it, so over-complete codes (``n_components`` at least
    ``n_features``) stay useful, and the fitted model is a denoiser:
    ``inverse_transform(transform(x_noisy))`` estimates the clean row.

    Parameters
    ----------
    noise : {"gaussian", "masking", "salt_and_pepper"}, default="gaussian"
        The corruption:

        - ``"gaussian"``: add ``N(0, noise_level**2)`` noise to every coordinate;
        - ``"masking"``: set each coordinate to 0 with probability
          ``noise_level`` (after standardisation, 0 is the feature mean);
        - ``"salt_and_pepper"``: with probability ``noise_level``, set a
          coordinate to its feature's minimum or maximum on the training data,
          chosen by a fair coin.
    noise_level : float or (float, float), default=0.1
        The standard deviation (``"gaussian"``) or the fraction of corrupted
        coordinates (``"masking"``, ``"salt_and_pepper"``, at most 1). A
        ``(low, high)`` pair draws a new level per batch, uniformly in that
        range.
%(n_components)s
%(common_parameters)s
%(residual_parameters)s

    Attributes
    ----------
%(common_attributes)s
%(residual_attributes)s

    See Also
    --------
    Autoencoder : The same network trained on clean input.

    References
    ----------
    .. [1] P. Vincent, H. Larochelle, Y. Bengio and P.-A. Manzagol,
       "Extracting and composing robust features with denoising
       autoencoders", ICML 2008.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from skae import DenoisingAutoencoder
    >>> X = load_digits().data / 16
    >>> dae = DenoisingAutoencoder(
    ...     n_components=16, noise="masking", noise_level=0.2, max_iter=10, random_state=0
    ... ).fit(X)
    >>> rng = np.random.default_rng(0)
    >>> X_noisy = np.where(rng.random(X.shape) < 0.2, 0.0, X)
    >>> X_denoised = dae.inverse_transform(dae.transform(X_noisy))
    >>> X_denoised.shape
    (1797, 64)
    """

    _parameter_constraints: dict = {
        **BaseAutoencoder._parameter_constraints,
        "noise": [StrOptions(set(NOISE_TYPES))],
        "noise_level": [Interval(Real, 0, None, closed="left"), tuple, list],
    }

    def __init__(
        self,
        *,
        noise="gaussian",
        noise_level=0.1,
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
        residual_likelihood="gaussian",
        categorical_features="from_dtype",
    ):
        store_parameters(self, locals())

    def _check_params(self, X):
        levels = self.noise_level
        if isinstance(levels, (tuple, list)):
            if len(levels) != 2 or not all(isinstance(v, Real) for v in levels):
                raise ValueError(
                    f"noise_level must be a number or a (low, high) pair, got {levels!r}."
                )
            low, high = levels
            if not 0 <= low <= high:
                raise ValueError(
                    f"noise_level=(low, high) needs 0 <= low <= high, got {levels!r}."
                )
        else:
            high = levels
        if self.noise != "gaussian" and high > 1:
            raise ValueError(
                f"noise_level is the fraction of corrupted coordinates for "
                f"noise={self.noise!r} and must be at most 1, got {levels!r}."
            )

    def _build_corruption(self, X):
        feature_min = feature_max = None
        if self.noise == "salt_and_pepper":
            # nan-aware: a table's missing entries are NaN.
            feature_min, feature_max = np.nanmin(X, axis=0), np.nanmax(X, axis=0)
        return Corruption(self.noise, self.noise_level, feature_min, feature_max)
