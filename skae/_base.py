"""The abstract base estimator: the scikit-learn plumbing lives here.

:class:`BaseAutoencoder` validates parameters and data, seeds its own
generators, has a :class:`~skae._training.Trainer` (the one layer that
touches skorch) train its module, and implements ``transform``,
``inverse_transform``, ``score_samples``, ``score``,
``reconstruction_error``, feature names and tags. A variant supplies only what
differs, through four hooks:

- ``_build_module(n_features)``: the PyTorch module (default: a mirrored MLP);
- ``_build_criterion()``: the objective (default: squared reconstruction error);
- ``_build_corruption(X)``: an input corruption for training (default: none);
- ``_check_params(X)``: validation of its own parameters against the data.

A variant whose score is not the residual likelihood (the VAE) also
overrides ``score_samples`` and ``_fit_scoring``.
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
from ._density import RESIDUAL_LIKELIHOODS
from ._losses import ReconstructionLoss
from ._inference import Inference
from ._modules import ACTIVATIONS
from ._network import (
    architecture,
    build_trainer,
    check_network,
    code_width,
    resolve_device,
    widest_layer,
)
from ._training import OPTIMIZERS, TensorData, TrainingOptions, as_float32_tensor

__all__ = ["BaseAutoencoder", "store_parameters"]

# At most this many (evenly spaced) training rows estimate the code distribution.
_CODE_STATISTICS_ROWS = 100_000


class BaseAutoencoder(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator, metaclass=ABCMeta
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

    #: The fitted attributes behind ``score_samples`` that ``_fit_scoring`` returns
    #: (none for a VAE: its score is its own likelihood bound).
    _scoring_attributes = ("residual_variance_", "code_mean_", "code_covariance_")

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
        y : None
            Ignored; present for API consistency (pipelines, ``GridSearchCV``).

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
        return self._atomically(self._fit, X, y, continues=self.warm_start)

    def _fit_table(self, X, table):
        """``fit(X)`` with ``table`` (a learned ``Table``) in place of one learned from X.

        For the estimators built around this one: :class:`OutlierDetector`
        learns one table from all its rows and gives it to every member (the
        same scales and categories for each subsample);
        :class:`AutoencoderImputer` gives one even for complete data, so that
        the model takes holes at ``transform``.
        """
        self._validate_params()
        return self._atomically(lambda X, y: self._fit(X, y, table=table), X,
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
        y : None
            Ignored.

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
        return self._atomically(self._partial_fit, X, y, continues=True)

    def _atomically(self, train, X, y=None, continues=False):
        """Run ``train``; if it fails, leave the estimator as it was before.

        ``continues``: ``train`` may train the fitted network further, in
        place (warm start, partial_fit), so its state is checkpointed first.
        """
        previous = {k: v for k, v in vars(self).items() if _is_fitted_name(k)}
        trainer = previous.get("_trainer_") if continues else None
        checkpoint = trainer.checkpoint() if trainer is not None else None
        try:
            train(X, y)
        except BaseException:
            if checkpoint is not None:
                checkpoint.restore()
            for key in [k for k in vars(self) if _is_fitted_name(k)]:
                delattr(self, key)
            vars(self).update(previous)
            raise
        return self

    def _fit(self, X, y=None, table=None):
        continuing = self.warm_start and hasattr(self, "_trainer_")
        X, data, device, seeds = self._prepare(X, y, reset=not continuing, table=table)
        if continuing:
            trainer = self._trainer_
            result = self._train(lambda: trainer.resumed(
                data, max_epochs=self.max_iter, seed=seeds[1], verbose=self.verbose))
        else:
            trainer = build_trainer(self, X, device, *seeds)
            result = self._train(lambda: trainer.fit(data))
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
        result = self._train(lambda: trainer.one_epoch(data, seed=seed, verbose=self.verbose))
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
        condition = self._condition_input(X, y, device, reset)
        data = TensorData(self._codec_.checked(as_float32_tensor(X, device), X), C=condition)
        # Under data_parallel(): one model, so one set of seeds and one data set.
        seeds = _parallel.agree_on_seeds(seeds)
        _parallel.check_same_data(data.X)
        return X, data, device, seeds

    def _train(self, run):
        try:
            return run()
        except FloatingPointError as exc:
            raise ValueError(
                f"Training diverged: {exc}. Scale the input (for example with "
                "StandardScaler) or lower learning_rate_init (now "
                f"{self.learning_rate_init}). The estimator was left as it was "
                "before this call."
            ) from None

    def _set_fitted(self, trainer, result, X, later=False):
        """Keep the trained network and what ``score_samples`` needs from ``X``.

        ``later``: the scoring statistics are computed from ``X`` when first
        needed (``__getattr__``), not now, so that a stream of ``partial_fit``
        calls does not pay a forward pass per chunk for statistics that the
        next chunk replaces; a float32 copy of ``X`` waits until then.
        """
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

    def _kept_rows(self, X):
        """The training rows that ``trim`` keeps: those whose reconstruction error
        is at most its ``1 - trim`` quantile (all rows when ``trim=0``)."""
        if not self.trim:
            return X
        errors = self._row_errors(X)
        return X[errors <= np.quantile(errors, 1.0 - self.trim)]

    def _row_errors(self, X):
        """Squared reconstruction error of each row of a validated ``X``."""
        return self._map_batches(
            lambda xb: self._squared_residual(xb).sum(dim=1), X, 1, np.float64
        ).ravel()

    def fit_transform(self, X, y=None):
        """Train on ``X`` and return its codes: ``fit(X).transform(X)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : None
            Ignored.

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
        return self.fit(X).transform(X)

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

    # -------------------------------------------------------------- inference
    def _condition_input(self, X, y, device, reset):
        """The condition stream beside the rows (float32 tensor), or None.

        A conditional model turns ``y`` into it (validating ``y``; with
        ``reset``, learning its classes); the others train on ``X`` alone.
        """
        return None

    def _condition_width(self):
        """Width of the condition the network takes beside each row (0: none)."""
        return 0

    @property
    def _n_features_out(self):
        return self.n_components_

    def _validate_X(self, X):
        """Fitted rows for the network (a table's encoded, NaN where missing)."""
        return self._scored_rows(X)[0]

    def _scored_rows(self, X):
        """Validated rows and each row's log-probability of its unseen categories
        (0 for arrays): a table's new category counts as one of probability
        ``1 / (n_rows + 1)``."""
        check_is_fitted(self)
        values, unseen = self._codec_.encode(self, X)
        return values, self._codec_.unseen_log_probability(unseen)

    def _inference(self):
        """The fitted network, to run on chunks of rows (see ``skae._inference``)."""
        return Inference(self.module_, self._trainer_.device, widest_layer(self), self._codec_)

    def _map_batches(self, fn, X, width, dtype, C=None):
        """``fn`` applied to chunks of ``X`` (see ``Inference.map``)."""
        return self._inference().map(fn, X, width, dtype, C=C)

    def _squared_residual(self, xb, output=None):
        """Squared residual of each entry of ``xb`` (``output``: its forward, if done)."""
        reconstruction = (self.module_(xb) if output is None else output).reconstruction
        return self._codec_.squared_residual(self._decoded_means(reconstruction), xb)

    def _decoded_means(self, reconstruction):
        """The decoder means (in the encoded space) from the module's reconstruction."""
        return self._codec_.means(reconstruction)

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

    def transform(self, X):
        """Encode ``X``: the code of each row, like ``PCA.transform``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to encode.

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
        return self._map_batches(self.module_.encode, X, self.n_components_, self._out_dtype(X))

    def _out_dtype(self, X):
        """float32 for float32 arrays; float64 otherwise (tables included)."""
        return self._codec_.out_dtype(X)

    def inverse_transform(self, X):
        """Decode codes back to the input space, like ``PCA.inverse_transform``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Codes, typically from ``transform``.

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
        decoded = self._map_batches(self.module_.decode, Z, self._n_inputs(),
                                    self._out_dtype(Z))
        return self._codec_.decode(self._decoded_means(torch.from_numpy(decoded)).numpy())

    def reconstruction_error(self, X, per_feature=False):
        """Squared reconstruction error of each row, or of each row and feature.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to reconstruct.
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
        return self._codec_.errors(self, *self._codec_.encode(self, X), per_feature)

    def score_samples(self, X):
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
        values, unseen = self._scored_rows(X)
        density = self._codec_.density(self)

        def log_density(xb):
            out = self.module_(xb)
            return density(out.reconstruction, xb, out.code)

        return self._map_batches(log_density, values, 1, np.float64).ravel() + unseen

    def score(self, X, y=None):
        """Mean of ``score_samples(X)``: higher means a better model of ``X``.

        ``GridSearchCV`` without a ``scoring`` uses it, so it selects the
        model with the highest held-out likelihood.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to score.
        y : None
            Ignored.

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
        return float(np.mean(self.score_samples(X)))

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


def _is_fitted_name(name):
    return name.endswith("_") and not name.startswith("__")
