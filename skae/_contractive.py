"""The contractive autoencoder: the base estimator plus a penalty on the encoder's Jacobian."""

from numbers import Integral, Real

from sklearn.utils._param_validation import Interval, StrOptions

from ._base import BaseAutoencoder, store_parameters
from ._docstrings import fill_doc
from ._losses import ContractiveLoss

__all__ = ["ContractiveAutoencoder"]


@fill_doc
class ContractiveAutoencoder(BaseAutoencoder):
    """Contractive autoencoder: codes that change little when the input changes little.

    Minimises the reconstruction error plus the squared Frobenius norm of the
    encoder's Jacobian (Rifai et al., 2011; theory, section 4):

        L = (1/n) sum_i ||x_i - D(E(x_i))||^2
            + contractive_weight * (1/n) sum_i ||J_E(x_i)||_F^2

    If ``||J_E||_F <= M`` everywhere then ``||E(x1) - E(x2)|| <= M ||x1 - x2||``:
    nearby inputs keep nearby codes, so the code is robust to small
    perturbations and follows the directions in which the data actually vary.

    Parameters
    ----------
    contractive_weight : float, default=0.1
        Weight of the Jacobian penalty.
    jacobian : {"exact", "stochastic"}, default="exact"
        How the penalty is computed. ``"exact"``: a closed form when the
        encoder is a single layer (``hidden_layer_sizes=()``); for the MLP
        encoders the per-row Jacobians by batched matrix products through the
        layers; for conv encoders the full per-row Jacobian with
        ``torch.func`` (forward mode when ``n_features <= n_components``,
        reverse mode otherwise), about ``min(n_features, n_components)``
        extra passes per batch.
        ``"stochastic"``: the unbiased random-projection estimate
        ``||J v||^2``, ``v ~ N(0, I)``, averaged over ``n_projections``
        vectors: one forward-mode pass each, for wide inputs and codes.
    n_projections : int, default=1
        Random projections per batch for ``jacobian="stochastic"``.
    n_components : int, default=2
        Width of the code (the bottleneck).
%(common_parameters)s
%(residual_parameters)s

    Attributes
    ----------
%(common_attributes)s
%(residual_attributes)s

    See Also
    --------
    DenoisingAutoencoder : Robustness learned from noisy inputs instead.

    References
    ----------
    .. [1] S. Rifai, P. Vincent, X. Muller, X. Glorot and Y. Bengio,
       "Contractive auto-encoders: explicit invariance during feature
       extraction", ICML 2011.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae import ContractiveAutoencoder
    >>> X = load_digits().data / 16
    >>> cae = ContractiveAutoencoder(
    ...     n_components=8, contractive_weight=0.5, max_iter=10, random_state=0
    ... ).fit(X)
    >>> cae.transform(X).shape
    (1797, 8)
    """

    _parameter_constraints: dict = {
        **BaseAutoencoder._parameter_constraints,
        "contractive_weight": [Interval(Real, 0, None, closed="left")],
        "jacobian": [StrOptions({"exact", "stochastic"})],
        "n_projections": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        *,
        contractive_weight=0.1,
        jacobian="exact",
        n_projections=1,
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

    def _build_criterion(self):
        return ContractiveLoss(self.contractive_weight, self.jacobian, self.n_projections)
