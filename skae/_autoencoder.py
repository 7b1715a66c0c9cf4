"""The plain autoencoder: the base estimator with nothing added."""

from ._base import BaseAutoencoder, store_parameters
from ._docstrings import fill_doc

__all__ = ["Autoencoder"]


@fill_doc
class Autoencoder(BaseAutoencoder):
    """Autoencoder for non-linear dimensionality reduction and anomaly scoring.

    A mirrored multilayer perceptron trained to reconstruct its input through
    a narrow code, minimising ``(1/n) sum_i ||x_i - D(E(x_i))||^2``. It is used
    like :class:`~sklearn.decomposition.PCA`: ``transform`` gives the codes
    ``E(x)``, ``inverse_transform`` the reconstructions ``D(z)`` and
    ``score_samples`` a per-row log-likelihood of the reconstruction residual
    (the lower, the more abnormal). With linear activations and a single
    layer it spans the same subspace as PCA; its non-linear layers let it
    follow curved structure PCA cannot.

    Scale the input first (``StandardScaler`` in a pipeline): the network is
    trained with a fixed learning rate and is sensitive to feature scales.

    Parameters
    ----------
%(n_components)s
%(common_parameters)s
%(residual_parameters)s

    Attributes
    ----------
%(common_attributes)s
%(residual_attributes)s

    See Also
    --------
    DenoisingAutoencoder : Trained to undo a corruption of its input.
    sklearn.decomposition.PCA : The linear counterpart.

    References
    ----------
    .. [1] G. E. Hinton and R. R. Salakhutdinov, "Reducing the dimensionality
       of data with neural networks", Science 313(5786), 2006.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skae import Autoencoder
    >>> X = load_digits().data
    >>> pipe = make_pipeline(
    ...     StandardScaler(), Autoencoder(n_components=8, max_iter=10, random_state=0)
    ... )
    >>> Z = pipe.fit_transform(X)
    >>> Z.shape
    (1797, 8)
    >>> pipe.score_samples(X).shape
    (1797,)
    """

    _overcomplete_ok = False

    def __init__(
        self,
        *,
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
