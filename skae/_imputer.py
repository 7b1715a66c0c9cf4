"""Missing-value imputation from an autoencoder's reconstruction."""

from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin, clone
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils import check_array
from sklearn.utils.validation import _check_feature_names, _check_n_features, check_is_fitted

from ._base import BaseAutoencoder
from ._denoising import DenoisingAutoencoder
from ._tabular import Table

__all__ = ["AutoencoderImputer"]


class AutoencoderImputer(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Fill missing entries with an autoencoder's reconstruction of each row.

    A drop-in alternative to :class:`~sklearn.impute.IterativeImputer` and
    :class:`~sklearn.impute.KNNImputer` for numeric arrays and for pandas
    DataFrames with numeric, bool and categorical columns. ``fit`` trains a
    denoising autoencoder on the observed entries only (missing entries are
    left out of its loss, see the user guide, "Real tables"); ``transform``
    reconstructs each row from what is observed and writes the
    reconstruction into the holes: the decoder mean for numeric columns, the
    most probable value for bool and categorical ones. Observed entries are
    returned unchanged. ``n_refinements`` more passes can feed the filled
    rows back through the network, each re-estimating the holes from the
    others' latest estimates; on the development data this made things
    worse (the network is trained on rows whose holes are blank, not
    guessed), so the default is none.

    Parameters
    ----------
    estimator : skae estimator or None, default=None
        The autoencoder to train (any of skae's, e.g.
        ``VAE(n_components=4)``); it is cloned, and always models its data as
        a table. None uses ``DenoisingAutoencoder(n_components=...,
        hidden_layer_sizes=(...), noise="masking", noise_level=0.2,
        batch_size=128, learning_rate="onecycle", learning_rate_init=5e-3,
        max_iter=...)``, with a code as wide as the table (at least 2, at
        most 128), hidden layers 16 and 8 times the encoded table's width
        (at most 256 and 128) and a one-cycle schedule over at most 400
        gradient steps (at least 3 and at most 80 epochs), chosen on development data
        (scikit-learn's bundled tables with holes punched at random;
        ``benchmarks/dev_imputer_defaults.py``).
    n_refinements : int, default=0
        Extra passes of the filled rows through the network at ``transform``.
        0 fills each hole from the observed entries of its row alone.
    random_state : int, RandomState instance or None, default=None
        Seeds the default estimator (or sets ``random_state`` of the one
        given).

    Attributes
    ----------
    estimator_ : estimator
        The fitted autoencoder.
    n_features_in_ : int
        Number of columns seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in,)
        Names of columns seen during fit, when ``X`` has string column names.

    See Also
    --------
    sklearn.impute.IterativeImputer : Imputation by regressing each column on the others.
    sklearn.impute.KNNImputer : Imputation from the nearest complete rows.

    Examples
    --------
    >>> import numpy as np
    >>> from skae import AutoencoderImputer
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 2)) @ [[1.0, 2.0, -1.0], [0.5, -1.0, 1.0]]
    >>> holes = X.copy()
    >>> holes[::7, 1] = np.nan
    >>> filled = AutoencoderImputer(random_state=0).fit_transform(holes)
    >>> bool(np.isnan(filled).any())
    False
    >>> bool(np.array_equal(filled[~np.isnan(holes)], holes[~np.isnan(holes)]))
    True
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "transform", "inverse_transform"]), None],
        "n_refinements": [Interval(Integral, 0, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, estimator=None, *, n_refinements=0, random_state=None):
        self.estimator = estimator
        self.n_refinements = n_refinements
        self.random_state = random_state

    def _default_estimator(self, n_rows, n_columns, width):
        # Chosen on development data (benchmarks/dev_imputer_defaults.py: four of
        # scikit-learn's bundled tables, 20% of entries removed at random, 3
        # seeds): two hidden layers and a code as wide as the table (capped at
        # the last hidden layer) beat one layer of 128, (128, 64) and a
        # half-width code. A one-cycle schedule peaking at 5e-3 over batches of
        # 128 matched the previous default (a constant 1e-3, about 2,000 steps
        # of 64 that early stopping cut to 816 on average) at 0.662 against
        # 0.663 in 318 steps: of the budgets tried, the one with the fewest
        # steps within 0.005 of the best RMSE. The stopping rule is left out: a
        # plateau while the rate is high is no sign of convergence.
        # Hidden layers 16 and 8 times the encoded width, at most (256, 128):
        # on those four tables and four narrow ones (--grid 6 to 8: iris,
        # penguins, cars, Seattle's weather; 4-6 columns) 0.644 against 0.642
        # for (256, 128) at every width, in 0.28 s a fit against 0.34 s: by the
        # same rule the cheapest within 0.005 of the best (8 and 4 times:
        # 0.649; 300 or 200 steps: 0.647-0.655; batches of 64: 0.650-0.654,
        # or 0.643 with 600 steps in 0.37 s).
        batches = max(1, -(-n_rows // 128))
        max_iter = int(np.clip(400 // batches, 3, 80))
        return DenoisingAutoencoder(
            n_components=min(max(2, n_columns), 128),
            hidden_layer_sizes=(min(256, 16 * width), min(128, 8 * width)),
            noise="masking",
            noise_level=0.2,
            batch_size=128,
            learning_rate="onecycle",
            learning_rate_init=5e-3,
            max_iter=max_iter,
            n_iter_no_change=max_iter,
        )

    def fit(self, X, y=None):
        """Train the autoencoder on the observed entries of ``X``.

        Parameters
        ----------
        X : array-like or pandas DataFrame of shape (n_samples, n_features)
            Data with missing values (NaN, None, ``pd.NA``).
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted imputer.

        Examples
        --------
        >>> import numpy as np
        >>> from skae import AutoencoderImputer
        >>> X = np.random.default_rng(0).normal(size=(100, 3))
        >>> X[::5, 0] = np.nan
        >>> AutoencoderImputer(random_state=0).fit(X).n_features_in_
        3
        """
        self._validate_params()
        if self.estimator is None:
            shape = np.shape(X)
            if len(shape) != 2:
                raise ValueError(
                    f"Expected a 2D array or DataFrame, got {len(shape)}D input instead."
                )
            table = Table.learn(X)
            estimator = self._default_estimator(*shape, table.width)
        else:
            estimator = clone(self.estimator)
            if not isinstance(estimator, BaseAutoencoder):
                raise TypeError(
                    "AutoencoderImputer needs one of skae's autoencoders, which leave "
                    f"missing entries out of their loss; got {type(estimator).__name__}."
                )
            table = Table.learn(X, estimator.categorical_features)
        if "random_state" in estimator.get_params(deep=False) and self.random_state is not None:
            estimator.set_params(random_state=self.random_state)
        # Always a table, complete or not: the model must take holes at transform.
        self.estimator_ = estimator._fit_table(X, table)
        self.n_features_in_ = estimator.n_features_in_
        if hasattr(estimator, "feature_names_in_"):
            self.feature_names_in_ = estimator.feature_names_in_
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        return self

    def transform(self, X):
        """Return ``X`` with every missing entry filled; observed entries unchanged.

        Parameters
        ----------
        X : array-like or pandas DataFrame of shape (n_samples, n_features)
            Data with the columns seen in ``fit``.

        Returns
        -------
        X_filled : ndarray of shape (n_samples, n_features) or DataFrame
            A float64 array for array input; a DataFrame with the original
            columns, index and dtypes for a DataFrame.

        Examples
        --------
        >>> import numpy as np
        >>> import pandas as pd
        >>> from skae import AutoencoderImputer
        >>> df = pd.DataFrame({"size": [1.0, 2.0, None, 4.0] * 25,
        ...                    "colour": ["red", None, "blue", "blue"] * 25})
        >>> out = AutoencoderImputer(random_state=0).fit(df).transform(df)
        >>> int(out.isna().sum().sum()), out["colour"].dtype == df["colour"].dtype
        (0, True)
        """
        check_is_fitted(self)
        model = self.estimator_
        _check_feature_names(self, X, reset=False)
        frame = isinstance(X, pd.DataFrame)
        if frame:
            current = X.copy()
            missing = X.isna().to_numpy()
        else:
            current = check_array(X, dtype=np.float64, ensure_all_finite="allow-nan",
                                  copy=True)
            missing = np.isnan(current)
        _check_n_features(self, current, reset=False)
        if not missing.any():
            model.transform(current)  # validates the columns
            return current
        for _ in range(1 + self.n_refinements):
            reconstruction = model.inverse_transform(model.transform(current))
            if frame:
                for j, name in enumerate(current.columns):
                    holes = missing[:, j]
                    if holes.any():
                        column = current[name].copy()
                        column[holes] = reconstruction.iloc[:, j].to_numpy()[holes]
                        current[name] = column
            else:
                current[missing] = np.asarray(reconstruction, dtype=np.float64)[missing]
        return current

    def get_feature_names_out(self, input_features=None):
        """Names of the columns ``transform`` returns: the input's own.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Checked against the names seen in ``fit``, if any.

        Returns
        -------
        feature_names_out : ndarray of str objects
            The names seen in ``fit``, else ``x0, x1, ...``.

        Examples
        --------
        >>> import numpy as np
        >>> from skae import AutoencoderImputer
        >>> X = np.random.default_rng(0).normal(size=(60, 3))
        >>> X[::6, 2] = np.nan
        >>> AutoencoderImputer(random_state=0).fit(X).get_feature_names_out().tolist()
        ['x0', 'x1', 'x2']
        """
        return super().get_feature_names_out(input_features)

    def set_output(self, *, transform=None):
        """Choose the container of ``transform``'s output for array input.

        Parameters
        ----------
        transform : {"default", "pandas", "polars"} or None, default=None
            ``"default"``: what the input was (an array, or a DataFrame for
            a DataFrame); ``"pandas"``: always a DataFrame;
            ``"polars"``: a polars DataFrame (polars must be installed);
            None leaves the setting unchanged.

        Returns
        -------
        self : estimator
            This imputer, for chaining.

        Examples
        --------
        >>> import numpy as np
        >>> from skae import AutoencoderImputer
        >>> X = np.random.default_rng(0).normal(size=(60, 3))
        >>> X[::6, 2] = np.nan
        >>> imputer = AutoencoderImputer(random_state=0).set_output(transform="pandas")
        >>> imputer.fit_transform(X).columns.tolist()
        ['x0', 'x1', 'x2']
        """
        return super().set_output(transform=transform)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags
