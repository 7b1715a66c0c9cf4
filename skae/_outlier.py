"""Outlier detection: any estimator with ``score_samples`` as a scikit-learn outlier detector."""

from numbers import Real

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, MetaEstimatorMixin, OutlierMixin, clone
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import check_is_fitted

from ._vae import VAE

__all__ = ["OutlierDetector"]


class OutlierDetector(MetaEstimatorMixin, OutlierMixin, BaseEstimator):
    """Turn a density or reconstruction model into an outlier detector.

    Fits a clone of ``estimator`` on the training data and flags the rows
    whose ``score_samples`` fall below the ``contamination`` quantile of the
    training scores, with the conventions of
    :class:`~sklearn.ensemble.IsolationForest`: ``score_samples`` is higher
    for more normal rows, ``decision_function = score_samples - offset_`` is
    negative for outliers, ``predict`` returns +1 for inliers and -1 for
    outliers.

    Parameters
    ----------
    estimator : estimator with ``score_samples``, default=None
        The model of normal data: any skae estimator, or e.g.
        :class:`~sklearn.decomposition.PCA` or
        :class:`~sklearn.mixture.GaussianMixture`. None uses a :class:`VAE`
        with its defaults (two latent dimensions, one hidden layer of 64
        units, Gaussian decoder, 200 epochs), scored by its importance
        weighted likelihood bound. It works on standardised tabular data:
        put a ``StandardScaler`` or ``RobustScaler`` before this detector.
        This default was chosen on development data (scikit-learn's bundled
        tables with a rare class held out, and synthetic manifolds), not on
        the benchmark's labels; see the user guide.
    contamination : float, default=0.1
        Expected fraction of outliers in the training data, in (0, 0.5]:
        sets the threshold ``offset_``.
    random_state : int, RandomState instance or None, default=None
        Seeds the default estimator; ignored when ``estimator`` is given.

    Attributes
    ----------
    estimator_ : estimator
        The fitted clone of ``estimator``.
    offset_ : float
        The ``contamination`` quantile of the training scores.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    sklearn.ensemble.IsolationForest : The reference for the conventions.
    sklearn.neighbors.LocalOutlierFactor : With ``novelty=True``, the same API.

    Examples
    --------
    >>> import numpy as np
    >>> from skae import Autoencoder, OutlierDetector
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 5)) @ rng.normal(size=(5, 8))
    >>> det = OutlierDetector(Autoencoder(n_components=5, max_iter=50, random_state=0),
    ...                       contamination=0.05).fit(X)
    >>> float(np.mean(det.predict(X) == -1))
    0.05
    >>> det.predict(np.full((1, 8), 20.0))
    array([-1])
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "score_samples"]), None],
        "contamination": [Interval(Real, 0, 0.5, closed="right")],
        "random_state": ["random_state"],
    }

    def __init__(self, estimator=None, *, contamination=0.1, random_state=None):
        self.estimator = estimator
        self.contamination = contamination
        self.random_state = random_state

    def _default_estimator(self):
        return VAE(random_state=self.random_state)

    def fit(self, X, y=None):
        """Fit the model of normal data and set the outlier threshold.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, mostly normal rows (no labels needed).
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted detector.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.decomposition import PCA
        >>> from skae import OutlierDetector
        >>> X = np.random.default_rng(0).normal(size=(100, 4))
        >>> OutlierDetector(PCA(n_components=2)).fit(X).offset_ < 0
        True
        """
        self._validate_params()
        if self.estimator is None:
            estimator = self._default_estimator()
        else:
            estimator = clone(self.estimator)
        estimator.fit(X)
        scores = estimator.score_samples(X)
        self.estimator_ = estimator
        self.offset_ = float(np.percentile(scores, 100.0 * self.contamination))
        self.n_features_in_ = estimator.n_features_in_
        if hasattr(estimator, "feature_names_in_"):
            self.feature_names_in_ = estimator.feature_names_in_
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        return self

    def score_samples(self, X):
        """Scores of the fitted model: the lower, the more abnormal.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            ``estimator_.score_samples(X)``.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.decomposition import PCA
        >>> from skae import OutlierDetector
        >>> X = np.random.default_rng(0).normal(size=(100, 4))
        >>> det = OutlierDetector(PCA(n_components=2)).fit(X)
        >>> bool(det.score_samples(X[:1] + 10)[0] < det.score_samples(X[:1])[0])
        True
        """
        check_is_fitted(self)
        return self.estimator_.score_samples(X)

    def decision_function(self, X):
        """``score_samples(X) - offset_``: negative for outliers, as IsolationForest's.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.

        Returns
        -------
        decision : ndarray of shape (n_samples,)
            Shifted scores; rows below zero are predicted outliers.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.decomposition import PCA
        >>> from skae import OutlierDetector
        >>> X = np.random.default_rng(0).normal(size=(100, 4))
        >>> det = OutlierDetector(PCA(n_components=2), contamination=0.1).fit(X)
        >>> int((det.decision_function(X) < 0).sum())
        10
        """
        return self.score_samples(X) - self.offset_

    def predict(self, X):
        """+1 for inliers, -1 for outliers (``decision_function < 0``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to classify.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            +1 or -1.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.decomposition import PCA
        >>> from skae import OutlierDetector
        >>> X = np.random.default_rng(0).normal(size=(100, 4))
        >>> OutlierDetector(PCA(n_components=2)).fit(X).predict(X[:1] + 10)
        array([-1])
        """
        return np.where(self.decision_function(X) < 0, -1, 1)

    def explain(self, X, n_top=3, outliers_only=True):
        """The features that contribute most to each row's reconstruction error.

        Needs an estimator with ``reconstruction_error(X, per_feature=True)``
        (every skae estimator) or with ``transform`` and
        ``inverse_transform`` (e.g. PCA).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to explain, in the space the detector was fitted in.
        n_top : int, default=3
            Features reported per row.
        outliers_only : bool, default=True
            Explain only the rows that ``predict`` flags.

        Returns
        -------
        explanation : pandas.DataFrame
            One line per (row, rank): ``row`` (the position in ``X``, or its
            index label for a DataFrame), ``rank`` (1 = largest), ``feature``
            (the name seen in fit, else ``x0, x1, ...``), ``squared_error``
            and ``share`` (its fraction of the row's total error).

        Examples
        --------
        >>> import numpy as np
        >>> import pandas as pd
        >>> from sklearn.decomposition import PCA
        >>> from skae import OutlierDetector
        >>> rng = np.random.default_rng(0)
        >>> X = pd.DataFrame(rng.normal(size=(200, 4)) * [5, 1, 1, 1],
        ...                  columns=["a", "b", "c", "d"])
        >>> det = OutlierDetector(PCA(n_components=1)).fit(X)
        >>> odd = X.iloc[:1].copy()
        >>> odd["c"] += 25
        >>> det.explain(odd, n_top=1)[["rank", "feature"]].to_dict("records")
        [{'rank': 1, 'feature': 'c'}]
        """
        check_is_fitted(self)
        estimator = self.estimator_
        if hasattr(estimator, "reconstruction_error"):
            errors = estimator.reconstruction_error(X, per_feature=True)
        elif hasattr(estimator, "inverse_transform") and hasattr(estimator, "transform"):
            values = np.asarray(X, dtype=np.float64)
            errors = (values - estimator.inverse_transform(estimator.transform(X))) ** 2
        else:
            raise TypeError(
                f"{type(estimator).__name__} has neither reconstruction_error nor "
                "transform/inverse_transform: per-feature errors are not available."
            )
        names = getattr(self, "feature_names_in_", None)
        if names is None:
            names = np.array([f"x{i}" for i in range(errors.shape[1])])
        labels = np.asarray(X.index) if isinstance(X, pd.DataFrame) else np.arange(len(errors))
        rows = np.flatnonzero(self.predict(X) == -1) if outliers_only else np.arange(len(errors))
        n_top = min(int(n_top), errors.shape[1])
        order = np.argsort(-errors[rows], axis=1)[:, :n_top]
        top = np.take_along_axis(errors[rows], order, axis=1)
        totals = errors[rows].sum(axis=1, keepdims=True)
        return pd.DataFrame(
            {
                "row": np.repeat(labels[rows], n_top),
                "rank": np.tile(np.arange(1, n_top + 1), len(rows)),
                "feature": names[order].ravel(),
                "squared_error": top.ravel(),
                "share": (top / np.where(totals > 0, totals, 1)).ravel(),
            }
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        if self.estimator is not None:
            tags.input_tags.allow_nan = get_tags(self.estimator).input_tags.allow_nan
        return tags
