"""The sparse autoencoder: the base estimator plus a sparsity penalty or a k-sparse code."""

from numbers import Integral, Real

from sklearn.utils._param_validation import Interval, StrOptions
from torch import nn

from ._base import BaseAutoencoder, store_parameters
from ._docstrings import fill_doc
from ._losses import SparsityLoss
from ._modules import TopK

__all__ = ["SparseAutoencoder"]

SPARSITY_TYPES = ("kl", "l1", "topk")


@fill_doc
class SparseAutoencoder(BaseAutoencoder):
    """Sparse autoencoder: a code in which few units are active for any one row.

    Minimises the reconstruction error plus a sparsity term (theory, section 3):

    - ``sparsity="kl"`` (Ng): sigmoid code units and
      ``sparsity_weight * sum_j KL(rho || rho_hat_j)``, where ``rho_hat_j`` is
      unit j's mean activation over the batch and ``rho = sparsity_target``;
    - ``sparsity="l1"``: ReLU code units (inactive units are exactly zero) and
      ``sparsity_weight * mean_i ||E(x_i)||_1``;
    - ``sparsity="topk"`` (Makhzani & Frey): a linear code of which only the
      ``n_active`` largest-magnitude units of each row are kept, in training and
      in ``transform``; no penalty.

    Sparse codes are usually over-complete (``n_components > n_features``): the
    penalty, not the width, keeps the code from copying the input. Typical uses
    are interpretable features ("parts") and inputs for linear models.

    Parameters
    ----------
    sparsity : {"kl", "l1", "topk"}, default="kl"
        Which sparsity to impose (see above).
    sparsity_target : float, default=0.05
        For ``"kl"``, the target mean activation ``rho`` of every code unit,
        in (0, 1). For ``"topk"`` with ``n_active=None``, the fraction of
        units kept: ``n_active = max(1, round(sparsity_target * n_components))``.
    sparsity_weight : float, default=1.0
        Weight of the KL or L1 penalty (ignored for ``"topk"``). The
        reconstruction term is a squared error summed over features, so
        inputs with many features may need a larger weight.
    n_active : int or None, default=None
        For ``"topk"``: units kept per row (at most ``n_components``).
    n_components : int, default=32
        Width of the code, which may exceed the number of features.
%(common_parameters)s
%(residual_parameters)s

    Attributes
    ----------
%(common_attributes)s
%(residual_attributes)s

    See Also
    --------
    Autoencoder : No sparsity; a narrow code instead.
    sklearn.decomposition.DictionaryLearning : Sparse codes with a linear decoder.

    References
    ----------
    .. [1] A. Ng, "Sparse autoencoder", CS294A lecture notes, Stanford, 2011.
    .. [2] A. Makhzani and B. Frey, "k-Sparse Autoencoders", ICLR 2014
       (arXiv:1312.5663, 2013).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from skae import SparseAutoencoder
    >>> X = load_digits().data / 16
    >>> sae = SparseAutoencoder(
    ...     sparsity="topk", n_components=100, n_active=10, max_iter=10, random_state=0
    ... ).fit(X)
    >>> codes = sae.transform(X)
    >>> codes.shape, int((codes != 0).sum(axis=1).max())
    ((1797, 100), 10)
    """

    _parameter_constraints: dict = {
        **BaseAutoencoder._parameter_constraints,
        "sparsity": [StrOptions(set(SPARSITY_TYPES))],
        "sparsity_target": [Interval(Real, 0, 1, closed="neither")],
        "sparsity_weight": [Interval(Real, 0, None, closed="left")],
        "n_active": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(
        self,
        *,
        sparsity="kl",
        sparsity_target=0.05,
        sparsity_weight=1.0,
        n_active=None,
        n_components=32,
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

    def _n_active(self):
        if self.n_active is not None:
            return self.n_active
        return max(1, round(self.sparsity_target * self.n_components))

    def _check_params(self, X):
        if self.sparsity == "topk" and self._n_active() > self.n_components:
            raise ValueError(
                f"n_active={self.n_active} must be at most n_components="
                f"{self.n_components} for sparsity='topk'."
            )

    def _build_module(self, n_features):
        code_activation = {
            "kl": nn.Sigmoid,
            "l1": nn.ReLU,
            "topk": lambda: TopK(self._n_active()),
        }[self.sparsity]()
        return self._architecture(n_features).autoencoder(code_activation=code_activation)

    def _build_criterion(self):
        return SparsityLoss(self.sparsity, self.sparsity_weight, self.sparsity_target)
