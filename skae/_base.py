"""The abstract base estimator: the scikit-learn plumbing lives here.

:class:`BaseAutoencoder` validates parameters and data, seeds its own
generators, has a :class:`~skae._training.Trainer` (the one layer that
touches skorch) train its module atomically, and implements ``fit``,
``partial_fit``, ``transform``, ``inverse_transform``, feature names and
tags; its scores (``reconstruction_error``, ``score_samples``, ``score``) are
:class:`~skae._scoring.DensityScoring`'s. A variant supplies only what
differs, through four hooks:

- ``_build_module(n_features)``: the PyTorch module (default: a mirrored MLP);
- ``_build_criterion()``: the objective (default: squared reconstruction error);
- ``_build_corruption(X)``: an input corruption for training (default: none);
- ``_check_params(X)``: validation of its own parameters against the data.

A variant whose score is not the residual likelihood (the VAE) also
overrides ``score_samples`` and sets ``_scoring_attributes = ()``; one that
takes a label beside each row (the conditional VAE) sets ``_condition``
(``skae._condition``).
"""

from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.utils import check_array, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from . import _parallel
from ._codec import codec_for
from ._condition import NoCondition
from ._density import RESIDUAL_LIKELIHOODS
from ._losses import ReconstructionLoss
from ._inference import Inference
from ._modules import ACTIVATIONS
from ._scoring import DensityScoring
from ._network import (
    architecture,
    build_trainer,
    check_network,
    code_width,
    resolve_device,
    widest_layer,
)
from ._training import OPTIMIZERS, TensorData, TrainingOptions, as_float32_tensor

__all__ = ["BaseAutoencoder", "fit_atomically", "store_parameters"]

class BaseAutoencoder(
    DensityScoring, ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator,
    metaclass=ABCMeta,
):
    """Base class for skae's autoencoders. Not for direct use."""

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "hidden_layer_sizes": [
            "array-like", Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})
        ],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "architecture": [StrOptions({"mlp", "conv"})],
        "image_shape": ["array-like", None],
        "conv_channels": ["array-like"],
        "encoder": [torch.nn.Module, None],
        "residual_likelihood": [StrOptions(set(RESIDUAL_LIKELIHOODS))],
        "decoder": [torch.nn.Module, None],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "learning_rate": [StrOptions({"constant", "onecycle"})],
        "optimizer": [StrOptions(set(OPTIMIZERS)), callable],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "trim": [Interval(Real, 0, 0.5, closed="left")],
        "warm_start": ["boolean"],
        "device": [str],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "categorical_features": [StrOptions({"from_dtype"}), "array-like", None],
    }

    #: What the network takes beside each row (``skae._condition``): nothing here.
    _condition = NoCondition()

    #: Whether ``n_components >= n_features`` is meaningful (regularised
    #: variants); a plain autoencoder warns that it can learn the identity.
    _overcomplete_ok = True

    @abstractmethod
    def __init__(self):
        """Each estimator lists every parameter, defaults included, in its own
        keyword-only signature (scikit-learn reads them from there) and stores
        them verbatim with ``store_parameters(self, locals())``."""

    # ------------------------------------------------------------------ hooks
    def _build_module(self, n_features):
        """Return the untrained PyTorch module for ``n_features`` inputs."""
        return self._architecture(n_features).autoencoder()

    def _architecture(self, n_features):
        """The layout the parameters describe for ``n_features`` inputs, to build from."""
        return architecture(self, n_features)

    def _build_criterion(self):
        """Return the training objective (see ``skae._losses``)."""
        return ReconstructionLoss()

    def _build_corruption(self, X):
        """Return the training-time input corruption, or None."""
        return None

    def _check_params(self, X):
        """Validate what the declarative constraints cannot (``X`` is validated); raise."""

    def _module_kind(self):
        """How the module uses user-supplied parts (``Architecture.check``'s arguments)."""
        return {}

    # ---------------------------------------------------------------- fitting
    def fit(self, X, y=None):
        """Train the autoencoder to reconstruct ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data. Computed in float32. A pandas DataFrame with
            text, categorical or bool columns, or any data with missing
            values, is modelled as a table (see ``categorical_features``);
            infinite and sparse input is rejected.
        y : array-like of shape (n_samples,) or None
            Ignored (present for pipelines and ``GridSearchCV``), except by
            :class:`ConditionalVAE`, which requires the rows' class labels.

        Returns
        -------
        self : object
            The fitted estimator.

        Notes
        -----
        A fit either completes or leaves the estimator exactly as it was:
        bad input, a diverging loss (NaN or infinite, reported as a
        ``ValueError``) or a Ctrl-C before the first epoch ends restore the
        previous fitted state. A Ctrl-C later keeps the model of the last
        finished epoch.

        Examples
        --------
        >>> from sklearn.datasets import load_digits
        >>> from skae import Autoencoder
        >>> X = load_digits().data / 16
        >>> ae = Autoencoder(n_components=4, max_iter=5, random_state=0).fit(X)
        >>> ae.n_iter_, len(ae.loss_curve_)
        (5, 5)
        """
        self._validate_params()
        return fit_atomically(self, self._fit, X, y, continues=self.warm_start)

    def _fit_table(self, X, table):
        """``fit(X)`` with ``table`` (a learned ``Table``) in place of one learned from X:
        the same scales and levels for every member of an :class:`OutlierDetector`,
        and holes taken at ``transform`` by the :class:`AutoencoderImputer`'s model."""
        self._validate_params()
        return fit_atomically(self, lambda X, y: self._fit(X, y, table=table), X,
                              continues=self.warm_start)

    def partial_fit(self, X, y=None):
        """Train on one chunk of data: one pass (epoch) over ``X``.

        For data that does not fit in memory or arrives over time, as
        ``IncrementalPCA.partial_fit``: call it once per chunk, for as many
        passes over the chunks as needed. The first call builds the network
        from ``X``'s width; later calls continue training it (after a ``fit``
        too). Early stopping and ``max_iter`` do not apply: each call is one
        epoch over its chunk, shuffled in batches of ``batch_size``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            One chunk of training data, with the same features as the first.
        y : array-like of shape (n_samples,) or None
            Ignored, except by :class:`ConditionalVAE`, which requires the
            chunk's labels; its first call fixes the classes, so give it rows
            of every class.

        Returns
        -------
        self : object
            The updated estimator.

        Notes
        -----
        The statistics behind ``score_samples`` (``residual_variance_``,
        ``code_mean_``, ``code_covariance_``) are estimated on the latest
        chunk with the latest weights, so the last chunk should be a
        representative one. They are computed when first needed (a float32
        copy of the chunk waits until then), so a stream of calls does not
        pay for statistics that the next chunk replaces. Each call is
        atomic, like ``fit``.

        Examples
        --------
        >>> from sklearn.datasets import load_digits
        >>> from skae import Autoencoder
        >>> X = load_digits().data / 16
        >>> ae = Autoencoder(n_components=4, random_state=0)
        >>> for epoch in range(3):
        ...     for chunk in (X[:900], X[900:]):
        ...         ae = ae.partial_fit(chunk)
        >>> ae.n_iter_
        6
        """
        if not hasattr(self, "_trainer_"):
            self._validate_params()
        return fit_atomically(self, self._partial_fit, X, y, continues=True)

    def _fit(self, X, y=None, table=None):
        continuing = self.warm_start and hasattr(self, "_trainer_")
        X, data, device, seeds = self._prepare(X, y, reset=not continuing, table=table)
        if continuing:
            trainer = self._trainer_
            result = trainer.resumed(data, max_epochs=self.max_iter, seed=seeds[1],
                                     verbose=self.verbose)
        else:
            trainer = build_trainer(self, X, device, *seeds)
            result = trainer.fit(data)
        result.report(type(self).__name__, TrainingOptions.of(self))
        self._set_fitted(trainer, result, X)
        return self

    def _partial_fit(self, X, y=None):
        first = not hasattr(self, "_trainer_")
        X, data, device, seeds = self._prepare(X, y, reset=first)
        if first:
            trainer = build_trainer(self, X, device, *seeds, incremental=True)
            seed = seeds[1]
        else:
            trainer = self._trainer_
            # A new shuffling and corruption stream for every call.
            seed = int(np.random.SeedSequence([seeds[1], self.n_iter_]).generate_state(1)[0])
        result = trainer.one_epoch(data, seed=seed, verbose=self.verbose)
        self._set_fitted(trainer, result, X, later=True)
        return self

    def _prepare(self, X, y, reset, table=None):
        """Validate ``X`` and the parameters; return X, its tensor, the device and seeds.

        A table (mixed column types or missing values) is learned from ``X``
        when ``reset``, and encoded for the network (NaN where missing).
        """
        if reset:  # the caller's table (_fit_table), else one learned from X if it is one
            self._codec_ = codec_for(X, self.categorical_features, table)
        X = self._codec_.encode(self, X, reset)[0]
        n_samples, n_features = X.shape
        check_network(self, n_samples, n_features)
        self._check_params(X)
        # Continued training stays on the device the network already lives on.
        device = resolve_device(self.device) if reset else self._trainer_.device
        rng = check_random_state(self.random_state)
        seeds = tuple(int(s) for s in rng.randint(2**31 - 1, size=3))
        condition = self._condition.training_input(self, X, y, device, reset)
        data = TensorData(self._codec_.checked(as_float32_tensor(X, device), X), C=condition)
        # Under data_parallel(): one model, so one set of seeds and one data set.
        seeds = _parallel.agree_on_seeds(seeds)
        _parallel.check_same_data(data.X)
        return X, data, device, seeds

    def _set_fitted(self, trainer, result, X, later=False):
        """Keep the trained network and the statistics of ``X`` behind ``score_samples``
        (``later``: when first needed, see ``DensityScoring._refit_scoring``)."""
        self._trainer_ = trainer
        self.__dict__.pop("_widest_layer_", None)
        self._widest_layer_ = widest_layer(self)  # of the network just trained
        self.n_components_ = code_width(self)
        self.n_iter_ = len(result.losses)
        self.loss_curve_ = list(result.losses)
        for name in ("validation_scores_", "best_validation_score_"):
            self.__dict__.pop(name, None)
        if self.early_stopping and result.validation_losses is not None:
            self.validation_scores_ = [-v for v in result.validation_losses]
            self.best_validation_score_ = max(self.validation_scores_)
        self._refit_scoring(X, later)

    def fit_transform(self, X, y=None):
        """Train on ``X`` and return its codes: ``fit(X, y).transform(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or None
            As for :meth:`fit`.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_components)
            Codes of the training rows from the fitted encoder.

        Examples
        --------
        >>> from sklearn.datasets import load_digits
        >>> from skae import Autoencoder
        >>> X = load_digits().data / 16
        >>> Autoencoder(n_components=3, max_iter=5, random_state=0).fit_transform(X).shape
        (1797, 3)
        """
        return self.fit(X, y).transform(X, y)

    @property
    def module_(self):
        """The trained network: a ``torch.nn.Module``, in evaluation mode.

        Its ``encode`` and ``decode`` are what ``transform`` and
        ``inverse_transform`` run (in float32 tensors, without chunking). For
        inspection and export; train through ``fit`` and ``partial_fit``.

        Returns
        -------
        module : torch.nn.Module
            The network fitted last.

        Examples
        --------
        >>> import numpy as np
        >>> import torch
        >>> from skae import Autoencoder
        >>> X = np.random.default_rng(0).normal(size=(50, 4))
        >>> ae = Autoencoder(n_components=2, max_iter=2, random_state=0).fit(X)
        >>> with torch.no_grad():
        ...     code = ae.module_.encode(torch.tensor(X[:3], dtype=torch.float32))
        >>> np.allclose(code.numpy(), ae.transform(X[:3]), atol=1e-6)
        True
        """
        return self._trainer_.module

    # hidden_layer_sizes="auto" with architecture="conv". On the 8 x 8 digits a
    # dense layer between the convolutions and the code made the conv nets
    # need 2-4x the epochs of the MLP (benchmarks/bench_conv_digits.py).
    _auto_conv_hidden = ()

    # -------------------------------------------------------------- inference
    @property
    def _n_features_out(self):
        return self.n_components_

    def _validate_X(self, X):
        """Fitted rows for the network (a table's encoded, NaN where missing)."""
        return self._scored_rows(X)[0]

    def _inference(self):
        """The fitted network, to run on chunks of rows (see ``skae._inference``)."""
        return Inference(self.module_, self._trainer_.device, widest_layer(self), self._codec_)

    def _map_batches(self, fn, X, width, dtype, C=None):
        """``fn`` applied to chunks of ``X`` (see ``Inference.map``)."""
        return self._inference().map(fn, X, width, dtype, C=C)

    def _n_inputs(self):
        """The network's input width: the encoded table's, or the number of features."""
        return self._codec_.n_inputs(self)

    @property
    def column_kinds_(self):
        """Each column's treatment (``"numeric"``, ``"binary"``, ``"categorical"``): tables only.

        Returns
        -------
        kinds : dict
            By column name (or position when the training data had no names).

        Examples
        --------
        >>> import pandas as pd
        >>> from skae import Autoencoder
        >>> df = pd.DataFrame({"size": [1.0, 2.5, None, 4.0] * 10,
        ...                    "colour": ["red", "blue", "red", None] * 10})
        >>> Autoencoder(max_iter=2, random_state=0).fit(df).column_kinds_
        {'size': 'numeric', 'colour': 'categorical'}
        """
        check_is_fitted(self)
        return self._codec_.kinds()

    def transform(self, X, y=None):
        """Encode ``X``: the code of each row, like ``PCA.transform``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to encode.
        y : array-like of shape (n_samples,), a single label, or None
            Ignored, except by :class:`ConditionalVAE`: the rows' class labels,
            or None to average the codes with the weights ``p(y | x)`` (once
            per class the work).

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_components)
            Codes, float32 for float32 input and float64 otherwise.

        Examples
        --------
        >>> from sklearn.datasets import load_digits
        >>> from skae import Autoencoder
        >>> X = load_digits().data / 16
        >>> ae = Autoencoder(n_components=3, max_iter=5, random_state=0).fit(X)
        >>> ae.transform(X[:4]).shape
        (4, 3)
        """
        X = self._validate_X(X)
        dtype = self._out_dtype(X)
        codes = self._condition.over(
            self, lambda C: self._map_batches(self.module_.encode, X, self.n_components_,
                                              dtype, C=C), y, len(X), rows=X)
        return codes.astype(dtype, copy=False)

    def _out_dtype(self, X):
        """float32 for float32 arrays; float64 otherwise (tables included)."""
        return self._codec_.out_dtype(X)

    def inverse_transform(self, X, y=None):
        """Decode codes back to the input space, like ``PCA.inverse_transform``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Codes, typically from ``transform``.
        y : array-like of shape (n_samples,), a single label, or None
            Ignored, except by :class:`ConditionalVAE`: the classes to decode
            the codes as, or None for ``E[x | z] = sum_y p(y) D(z, y)`` with
            the training class frequencies.

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_features_in)
            Reconstructions, float32 for float32 codes and float64 otherwise.

        Examples
        --------
        >>> from sklearn.datasets import load_digits
        >>> from skae import Autoencoder
        >>> X = load_digits().data / 16
        >>> ae = Autoencoder(n_components=3, max_iter=5, random_state=0).fit(X)
        >>> ae.inverse_transform(ae.transform(X[:4])).shape
        (4, 64)
        """
        check_is_fitted(self)
        Z = check_array(X, dtype=[np.float64, np.float32], input_name="X")
        if Z.shape[1] != self.n_components_:
            raise ValueError(
                f"X has {Z.shape[1]} columns, but {type(self).__name__}."
                f"inverse_transform expects codes of width n_components_="
                f"{self.n_components_}."
            )
        dtype = self._out_dtype(Z)
        decoded = self._condition.over(
            self, lambda C: self._map_batches(self.module_.decode, Z, self._n_inputs(), dtype,
                                              C=C), y, len(Z)).astype(dtype, copy=False)
        return self._codec_.decode(self._decoded_means(torch.from_numpy(decoded)).numpy())

    def set_output(self, *, transform=None):
        """Choose the container ``transform`` and ``fit_transform`` return.

        Parameters
        ----------
        transform : {"default", "pandas", "polars"} or None, default=None
            ``"default"``: NumPy arrays; ``"pandas"``: a DataFrame whose
            columns are :meth:`get_feature_names_out` and whose index is the
            input's; ``"polars"``: a polars DataFrame (polars must be
            installed); None leaves the setting unchanged.

        Returns
        -------
        self : estimator
            This estimator, for chaining.

        Examples
        --------
        >>> import numpy as np
        >>> from skae import Autoencoder
        >>> X = np.random.default_rng(0).normal(size=(50, 4))
        >>> ae = Autoencoder(n_components=2, max_iter=2, random_state=0)
        >>> ae.set_output(transform="pandas").fit_transform(X).columns.tolist()
        ['autoencoder0', 'autoencoder1']
        """
        return super().set_output(transform=transform)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        # Missing values make a table: left out of the loss and the scores.
        tags.input_tags.allow_nan = True
        return tags


def store_parameters(estimator, parameters):
    """Store constructor arguments verbatim as attributes (``parameters`` = ``locals()``)."""
    for name, value in parameters.items():
        if name not in ("self", "__class__"):
            setattr(estimator, name, value)


def fit_atomically(estimator, train, X, y=None, continues=False):
    """``train(X, y)``, which fits ``estimator``; if it fails, leave it as it was before.

    Every fitted attribute (a name ending in ``_``) is put back as it was.
    ``continues``: ``train`` may train the fitted network (``_trainer_``)
    further, in place (warm start, partial_fit), so its state is checkpointed
    first. Returns ``estimator``.
    """
    previous = {k: v for k, v in vars(estimator).items() if _is_fitted_name(k)}
    trainer = previous.get("_trainer_") if continues else None
    checkpoint = trainer.checkpoint() if trainer is not None else None
    try:
        train(X, y)
    except BaseException:
        if checkpoint is not None:
            checkpoint.restore()
        for key in [k for k in vars(estimator) if _is_fitted_name(k)]:
            delattr(estimator, key)
        vars(estimator).update(previous)
        raise
    return estimator


def _is_fitted_name(name):
    return name.endswith("_") and not name.startswith("__")
