"""From an estimator's parameters to its network: layout, device, and a built or
restored :class:`~skae._training.Trainer`.

The base asks here for a trainer when it fits (:func:`build_trainer`), and
``skae.load`` when it rebuilds a saved model (:func:`restore_trainer`). The
parts come from the estimator's hooks (``_build_module``,
``_build_criterion``, ``_build_corruption``), adapted to the data by its
codec. Nothing here keeps state: the estimator holds what it returns.
"""

import warnings
from numbers import Integral

import numpy as np
import torch

from ._architecture import Architecture
from ._codec import codec_for
from ._modules import init_parameters
from ._training import Trainer, TrainingOptions
from ._warnings import user_stacklevel

__all__ = ["architecture", "build_trainer", "check_network", "code_width",
           "hidden_sizes", "resolve_device", "restore_trainer", "widest_layer"]


def hidden_sizes(estimator):
    """``hidden_layer_sizes`` as a tuple, ``"auto"`` resolved for the architecture."""
    sizes = estimator.hidden_layer_sizes
    if isinstance(sizes, str) and sizes == "auto":
        return estimator._auto_conv_hidden if estimator.architecture == "conv" else (64,)
    return (sizes,) if isinstance(sizes, Integral) else tuple(sizes)


def architecture(estimator, n_features):
    """The network's layout for ``n_features`` inputs (validated against them)."""
    return Architecture.from_params(
        n_features, hidden_sizes(estimator), estimator.n_components, estimator.activation,
        estimator.architecture, estimator.image_shape, estimator.conv_channels,
        encoder=estimator.encoder, decoder=estimator.decoder,
    )


def check_network(estimator, n_samples, n_features):
    """Refuse (or warn about) a network that does not fit data of this shape."""
    architecture(estimator, n_features).check(**estimator._module_kind())
    if estimator.early_stopping and n_samples < 2:
        raise ValueError(
            f"early_stopping=True needs at least 2 samples to hold some out for "
            f"validation, got n_samples={n_samples}."
        )
    if estimator.n_components >= n_features and not estimator._overcomplete_ok:
        warnings.warn(
            f"n_components={estimator.n_components} >= n_features={n_features}: "
            f"{type(estimator).__name__} with a code this wide can learn the identity "
            "map, and its code is then no reduction. Use fewer components, or a "
            "regularised variant (e.g. DenoisingAutoencoder) for over-complete "
            "codes.",
            UserWarning,
            stacklevel=user_stacklevel(),
        )


def resolve_device(device):
    """The torch device that ``device`` (``"auto"`` or a name) means on this machine."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        resolved = torch.device(device)
    except RuntimeError as exc:
        raise ValueError(f"device={device!r} is not a torch device: {exc}") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} but CUDA is not available on this machine; "
            "use device='auto' or 'cpu'."
        )
    return device


def widest_layer(estimator):
    """Largest activation width per row of the fitted network: sizes the inference
    chunks. Found when fitting (``_widest_layer_``), since finding it runs your own
    modules on a probe row; a loaded model (skae's own modules) finds it again."""
    widest = estimator.__dict__.get("_widest_layer_")
    if widest is None:
        widest = architecture(estimator, estimator._n_inputs()).widest_layer(
            estimator._condition.width(estimator))
    return widest


def code_width(estimator):
    """The width of the fitted encoder's output, found by encoding a probe row."""
    device, width = estimator._trainer_.device, estimator._condition.width(estimator)
    probe = torch.zeros(1, estimator._n_inputs(), device=device)
    condition = torch.zeros(1, width, device=device) if width else None
    with torch.no_grad():
        return int(estimator.module_.eval().encode(probe, condition).shape[1])


def build_trainer(estimator, X, device, init_seed, train_seed, split_seed, incremental=False):
    """A trainer for a new network on the encoded rows ``X``."""
    return Trainer.build(
        *_module_and_criterion(estimator, X.shape[1], init_seed),
        estimator._build_corruption(X),
        TrainingOptions.of(estimator),
        device,
        train_seed,
        split_seed,
        incremental=incremental,
    )


def restore_trainer(estimator, table, module_state, corruption_state, device=None):
    """A fitted network holding saved weights (``skae.load``): no training, no data.

    ``table``: the learned ``Table`` of a model of a table, else None. Sets
    the estimator's codec, which the network's input width depends on.
    """
    estimator._codec_ = codec_for(None, None, table)
    if device is None:
        try:
            device = resolve_device(estimator.device)
        except ValueError:  # e.g. saved on a GPU, loaded where there is none
            device = "cpu"
    n_inputs = estimator._n_inputs()
    # The corruption is built from data (feature ranges); the saved state
    # replaces what a placeholder gives it.
    placeholder = np.zeros((2, n_inputs))
    scores = getattr(estimator, "validation_scores_", None)
    try:
        return Trainer.restore(
            *_module_and_criterion(estimator, n_inputs, 0),
            estimator._build_corruption(placeholder),
            TrainingOptions.of(estimator),
            device,
            module_state,
            corruption_state,
            losses=getattr(estimator, "loss_curve_", ()),
            validation_losses=None if scores is None else [-v for v in scores],
        )
    except RuntimeError as exc:
        raise ValueError(
            f"the saved weights do not fit a {type(estimator).__name__} with these "
            f"parameters: {exc}"
        ) from None


def _module_and_criterion(estimator, n_features, init_seed):
    """The initialised module and its objective, adapted to the data by the codec."""
    # torch layers draw default weights from the global generator when
    # built; fork it so that building leaves the user's global stream
    # untouched, then draw the real initial weights from our own seed.
    with torch.random.fork_rng(devices=[]):
        module = estimator._build_module(n_features)
    init_parameters(module, torch.Generator().manual_seed(init_seed))
    criterion = estimator._build_criterion()
    estimator._codec_.prepare(module, criterion)
    return module, criterion
