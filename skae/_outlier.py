"""Outlier detection: any estimator with ``score_samples`` as a scikit-learn outlier detector."""

from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, MetaEstimatorMixin, OutlierMixin, clone
from sklearn.utils import _safe_indexing, check_array, check_random_state, get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import check_is_fitted

from ._autoencoder import Autoencoder
from ._base import BaseAutoencoder, fit_atomically
from ._holes import hole_terms, with_holes_counted
from ._neighbours import ManifoldDensity, NearestDenoisedPoint
from ._tabular import Table, is_table
from ._vae import VAE

__all__ = ["OutlierDetector"]

#: Neighbours behind the score of ``novelty=True`` detectors saved by skae 0.1.0
#: before the nearest denoised point (``ManifoldDensity``).
N_NEIGHBORS = 5
#: Training rows a ``novelty=True`` member learns from and keeps codes of.
NOVELTY_ROWS = 10_000
#: Rows per gradient step of a default ``novelty=True`` member.
NOVELTY_BATCH = 128
#: Gradient steps of a default ``novelty=True`` member (at most 40 epochs).
NOVELTY_STEPS = 1_000


class OutlierDetector(MetaEstimatorMixin, OutlierMixin, BaseEstimator):
    """Outlier detection by an ensemble of models of normal data, robust to contamination.

    Fits ``n_estimators`` clones of ``estimator``, each on its own random
    subsample of ``max_samples`` training rows, and scores a row by the mean
    of their ``score_samples`` (for skae's estimators, a log-likelihood in
    nats: the lower, the more abnormal). Rows below the ``contamination``
    quantile of the training scores are flagged, with the conventions of
    :class:`~sklearn.ensemble.IsolationForest`: ``decision_function =
    score_samples - offset_`` is negative for outliers, ``predict`` returns
    +1 for inliers and -1 for outliers.

    Training rows usually hold some anomalies. Three things keep the
    default detector from learning them: each member sees a small
    subsample, so a cluster of repeated anomalies is small in each (as in an
    isolation forest); each member is an :class:`Autoencoder` trained with
    ``trim=contamination``, which leaves the worst-reconstructed rows out of
    its gradient steps; and averaging the members removes most of the
    seed-to-seed variance of one network.

    When the training rows are trusted to be normal (novelty detection: last
    month's accepted transactions, a machine's healthy runs), pass
    ``novelty=True``. The detector then fits one wider autoencoder on all the
    rows, whose reconstructions (the decoder's means) are their *denoised
    points*: the normal rows' manifold, cleaned of what the network does not
    reproduce. A new row scores ``-log d``, ``d`` its distance to the nearest
    denoised point (each column in units of its spread over the training
    rows). A row off the manifold is far by its residual; a row between
    clusters of normal rows, or beyond them along the manifold, is far even
    when it is reconstructed well.

    Parameters
    ----------
    estimator : estimator with ``score_samples``, default=None
        The model of normal data: any skae estimator (pass e.g.
        ``VAE(trim=0.05)`` for a robust variational member), or e.g.
        :class:`~sklearn.decomposition.PCA` or
        :class:`~sklearn.mixture.GaussianMixture`; it is used as given (its
        ``trim`` is not changed). None uses a small :class:`Autoencoder`:
        code width ``min(8, max(1, n_features // 2))``, one hidden layer of
        32 units, batches of 64 rows, 20 epochs of a one-cycle schedule
        peaking at 5e-3 (``learning_rate="onecycle"``),
        ``trim=contamination`` and ``residual_likelihood="cauchy"``
        (heavy-tailed residuals). It
        works on standardised tabular data: put a ``StandardScaler`` or
        ``RobustScaler`` before this detector; a pandas DataFrame with text
        columns or missing values goes in as it is (the members model it as
        a table, standardising its numbers themselves; see the user guide,
        "Real tables"; ``n_features`` is then the table's encoded width, a
        column per level of a text column). This default was chosen on
        development data (scikit-learn's bundled tables with a rare class,
        and a synthetic manifold, with anomalies planted in the training
        rows), not on the benchmark's labels; see the user guide.
        With ``novelty=True``, None uses a wider :class:`Autoencoder`:
        code width ``min(16, max(1, n_features // 2))``, hidden layers of
        256 and 128 units, batches of 128, a one-cycle schedule peaking at
        5e-3 for 40 epochs or 1,000 steps, whichever is fewer, Cauchy
        residuals and no trimming; a given estimator must then be a
        deterministic autoencoder (:class:`Autoencoder`,
        :class:`DenoisingAutoencoder`, :class:`SparseAutoencoder`,
        :class:`ContractiveAutoencoder`), whose code prior is replaced.
    novelty : bool, default=False
        Whether the training rows are trusted to hold no anomalies. False
        (outlier detection): robust members on subsamples, as above. True
        (novelty detection): one model on all rows (at most 10,000), which
        denoises them; a row's score is ``-log d``, ``d`` its distance to the
        nearest of those denoised points (each column in units of its
        spread over the training rows; for a table, plus the log-probability
        of categories not seen in training). It ranks rows as a
        nearest-neighbour density on the learned manifold does, but is not
        a log-likelihood. 20% of the rows are held out of the network's
        training to set ``offset_``. ``fit_predict`` is then not
        available (as with ``LocalOutlierFactor(novelty=True)``): use
        ``fit(X_train).predict(X_new)``. On the ODDS benchmark each choice
        is the better one in its own setting (see the user guide).
    contamination : float, default=0.1
        With ``novelty=False``: the expected fraction of outliers in the
        training data, in (0, 0.5]; it sets the threshold ``offset_`` (that
        quantile of the training scores) and the default members' ``trim``.
        With ``novelty=True``: the fraction of new normal rows you accept to
        flag (a false-alarm rate); ``offset_`` is that quantile of the scores
        of held-out training rows.
    n_estimators : int or "auto", default="auto"
        Number of members: ``"auto"`` is 10, or 1 with ``novelty=True``.
        ``n_estimators=1`` with ``max_samples=1.0`` fits one model on all
        rows. Ten default members score as well as five on the development
        tasks and move less with ``random_state`` (see the user guide).
    max_samples : int, float or "auto", default="auto"
        Rows drawn (without replacement) for each member: an int is a
        count, a float a fraction of the rows, ``"auto"`` is
        ``min(256, n_samples)``, the subsample size of an isolation forest,
        or ``min(10_000, n_samples)`` with ``novelty=True``.
    n_jobs : int or None, default=None
        Members fitted in parallel by joblib, in worker processes unless a
        ``joblib.parallel_config`` block says otherwise; None means 1 (no
        workers), -1 all cores. Starting the workers costs a few seconds the
        first time in a session (each imports torch), so it pays for large
        members or repeated fits; a warning a member raises in a worker is not
        raised here.
    random_state : int, RandomState instance or None, default=None
        Draws the subsamples and seeds each member (its ``random_state``,
        when it has one).

    Attributes
    ----------
    estimators_ : list of estimators
        The fitted members.
    estimator_ : estimator
        The first member (the only one when ``n_estimators=1``).
    offset_ : float
        The ``contamination`` quantile of the training scores (with
        ``novelty=True``, of the held-out training rows' scores).
    denoised_codes_ : ndarray of shape (n_members, n_rows, n_components)
        With ``novelty=True`` only: each member's codes of its training rows;
        decoded, they are the denoised points a new row is measured against
        (bounded memory: at most ``max_samples`` rows per member).
    point_scale_ : ndarray of shape (n_members, n_inputs)
        With ``novelty=True`` only: the spread of each encoded column over
        the training rows, the unit of that column in the distances.
    hole_terms_ : ndarray of shape (n_members, n_columns)
        With ``novelty=False`` and members that model a table (text columns
        or missing values; not a VAE): each column's median log-density term
        over each member's training rows where it is observed. A scored row's
        hole in a column adds that column's term, so that rows with holes
        score as complete rows with typical values there, not as more normal
        for having fewer terms (columns in the order numbers, bools, text).
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
    ...                       contamination=0.05, n_estimators=1, max_samples=1.0).fit(X)
    >>> float(np.mean(det.predict(X) == -1))
    0.05
    >>> det.predict(np.full((1, 8), 20.0))
    array([-1])

    Trusted training rows (novelty detection), with a 1% false-alarm rate:

    >>> trusted = OutlierDetector(novelty=True, contamination=0.01, random_state=0).fit(X)
    >>> trusted.predict(np.full((1, 8), 20.0))
    array([-1])
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "score_samples"]), None],
        "novelty": ["boolean"],
        "contamination": [Interval(Real, 0, 0.5, closed="right")],
        "n_estimators": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "max_samples": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
            Interval(Real, 0, 1, closed="right"),
        ],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator=None,
        *,
        novelty=False,
        contamination=0.1,
        n_estimators="auto",
        max_samples="auto",
        n_jobs=None,
        random_state=None,
    ):
        self.estimator = estimator
        self.novelty = novelty
        self.contamination = contamination
        self.n_estimators = n_estimators
        self.max_samples = max_samples
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _setting(self):
        """What differs between untrusted and trusted training rows (``novelty``)."""
        return _TRUSTED if self.novelty else _UNTRUSTED

    def _default_member(self, n_features, n_rows):
        """The member fitted when ``estimator=None`` (the studies override it)."""
        return self._setting().default_member(self, n_features, n_rows)

    def fit(self, X, y=None):
        """Fit the members on subsamples of ``X`` and set the outlier threshold.

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
        >>> det = OutlierDetector(PCA(n_components=2), n_estimators=3).fit(X)
        >>> len(det.estimators_), det.offset_ < 0
        (3, True)
        """
        self._validate_params()
        return fit_atomically(self, self._fit, X, y)

    def _fit(self, X, y=None):
        X, table = _rows_and_table(self, X)
        n_samples = X.shape[0] if X.ndim else 0
        _check_novelty(self, n_samples)
        rng = check_random_state(self.random_state)
        setting = self._setting()
        members, subsets = _draw_members(self, setting, X, rng, table)
        fit_rows, calibration = setting.hold_out(subsets, n_samples, rng)
        # joblib's default backend, processes: in threads the members' training
        # loops hold the GIL between small torch calls (two threads fitted the
        # default members 1.6 times slower than one on 2 cores).
        fitted = Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_member)(member, X if rows is None else _safe_indexing(X, rows), table)
            for member, rows in zip(members, fit_rows)
        )
        self.estimators_ = fitted
        self._neighbours = None
        scores = setting.fitted(self, X, subsets, calibration)
        self.offset_ = float(np.percentile(scores, 100.0 * self.contamination))
        self.n_features_in_ = self.estimator_.n_features_in_
        if hasattr(self.estimator_, "feature_names_in_"):
            self.feature_names_in_ = self.estimator_.feature_names_in_
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        return self

    @property
    def estimator_(self):
        """The first fitted member (the only one when ``n_estimators=1``).

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.decomposition import PCA
        >>> from skae import OutlierDetector
        >>> X = np.random.default_rng(0).normal(size=(50, 3))
        >>> OutlierDetector(PCA(1), n_estimators=2).fit(X).estimator_.n_components
        1
        """
        if "estimators_" not in vars(self):
            raise AttributeError("estimator_ exists once the detector is fitted.")
        return self.estimators_[0]

    def _mean_score(self, X):
        score = self._setting().member_score
        total = None
        for i, member in enumerate(self.estimators_):
            scores = score(self, i, member, X)
            total = scores if total is None else total + scores
        return total / len(self.estimators_)

    def score_samples(self, X):
        """Mean of the members' scores: the lower, the more abnormal.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            The mean of ``member.score_samples(X)`` over ``estimators_`` (for
            skae's estimators, a mean log-likelihood in nats).

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
        return self._mean_score(X)

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

    @available_if(lambda self: not self.novelty)
    def fit_predict(self, X, y=None):
        """Fit on ``X`` and label its rows: +1 for inliers, -1 for outliers.

        The same as ``fit(X).predict(X)``: about ``contamination`` of the rows
        are labelled -1. Not available with ``novelty=True`` (as with
        :class:`~sklearn.neighbors.LocalOutlierFactor`): trusted rows are not
        to be labelled; use ``fit(X_train).predict(X_new)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows, without labels.
        y : None
            Ignored.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            +1 or -1 for each row of ``X``.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.decomposition import PCA
        >>> from skae import OutlierDetector
        >>> X = np.random.default_rng(0).normal(size=(200, 4))
        >>> labels = OutlierDetector(PCA(n_components=2), contamination=0.05).fit_predict(X)
        >>> int((labels == -1).sum())
        10
        """
        return self.fit(X, y).predict(X)

    def explain(self, X, n_top=3, outliers_only=True):
        """The features that contribute most to each row's reconstruction error.

        The error of each feature is averaged over the members. Needs an
        estimator with ``reconstruction_error(X, per_feature=True)``
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
            and ``share`` (its fraction of the row's total error). For
            members fitted on a table, features are the table's own columns:
            the squared standardised residual of a number, and for a
            categorical column the squared distance between the predicted
            probabilities and the observed level (Brier score).

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
        errors = np.mean([_feature_errors(member, X) for member in self.estimators_], axis=0)
        names = getattr(self, "feature_names_in_", None)
        if names is None:
            names = np.array([f"x{i}" for i in range(errors.shape[1])])
        labels = np.asarray(X.index) if isinstance(X, pd.DataFrame) else np.arange(len(errors))
        rows = np.flatnonzero(self.predict(X) == -1) if outliers_only else np.arange(len(errors))
        return _top_features(errors[rows], names, labels[rows], n_top)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # the default members model missing values
        if self.estimator is not None:
            tags.input_tags.allow_nan = get_tags(self.estimator).input_tags.allow_nan
        return tags


class _Untrusted:
    """``novelty=False``: ten members on subsamples of 256 rows (the training rows may
    hold anomalies); ``offset_`` from the training rows' own scores."""

    n_members, max_rows = 10, 256

    @staticmethod
    def default_member(detector, n_features, n_rows):
        return Autoencoder(
            n_components=min(8, max(1, n_features // 2)),
            hidden_layer_sizes=(32,),
            # Batches of 64 for 40 epochs tied with 32 for 30 on the development
            # tasks (0.875 against 0.876) and fit 27% faster; a one-cycle
            # schedule peaking at 5e-3 over 20 epochs tied again (0.876) in
            # half the time (more epochs or a higher peak: better on clean
            # rows, worse with anomalies among them).
            batch_size=64,
            max_iter=20,
            learning_rate="onecycle",
            learning_rate_init=5e-3,
            trim=min(detector.contamination, 0.49),
            # Heavy-tailed residuals: chosen on the development tasks (0.876
            # against 0.863 mean ROC-AUC with Gaussian residuals), where one
            # rare feature value (a stray pixel) otherwise decides a row's score.
            residual_likelihood="cauchy",
        )

    @staticmethod
    def hold_out(subsets, n_samples, rng):
        """Each member's training rows, and the rows held out of them (none)."""
        return subsets, None

    @staticmethod
    def fitted(detector, X, subsets, calibration):
        """Complete the fitted state; return the scores that set ``offset_``."""
        for name in (*_NOVELTY_ATTRIBUTES, "hole_terms_"):
            detector.__dict__.pop(name, None)
        if all(_models_a_table(member) for member in detector.estimators_):
            # A hole counts as its column's typical term (skae._holes): rows
            # with holes then score like complete ones.
            detector.hole_terms_ = np.stack([
                hole_terms(member, X if rows is None else _safe_indexing(X, rows))
                for member, rows in zip(detector.estimators_, subsets)])
        return detector._mean_score(X)

    @staticmethod
    def member_score(detector, i, member, X):
        terms = vars(detector).get("hole_terms_")
        if terms is not None:
            return with_holes_counted(member, X, terms[i])
        # Other members, and detectors saved by skae 0.1.0: the member's own score.
        return np.asarray(member.score_samples(X), dtype=np.float64)


class _Trusted:
    """``novelty=True``: one member on all rows (at most ``NOVELTY_ROWS``); a row
    scores by its distance to the nearest of their denoised points; ``offset_``
    from rows held out of its training."""

    n_members, max_rows = 1, NOVELTY_ROWS

    @staticmethod
    def default_member(detector, n_features, n_rows):
        """The default member for trusted rows: one wider autoencoder on all of them."""
        # Batches of 128 fit in 0.62 times the time of batches of 64 (as many
        # epochs), for 0.001 less ROC-AUC on the development tasks
        # (benchmarks/results/dev_novelty_speed.md).
        batches = max(1, -(-n_rows // NOVELTY_BATCH))
        return Autoencoder(
            n_components=min(16, max(1, n_features // 2)),
            hidden_layer_sizes=(256, 128),
            batch_size=NOVELTY_BATCH,
            max_iter=max(1, min(40, NOVELTY_STEPS // batches)),
            learning_rate="onecycle",
            learning_rate_init=5e-3,
            residual_likelihood="cauchy",
        )

    @staticmethod
    def hold_out(subsets, n_samples, rng):
        # Each member learns from 80% of its rows; the other 20% are new
        # to its network, so their scores calibrate offset_.
        calibration = [_calibration_rows(n_samples if rows is None else rows, rng)
                       for rows in subsets]
        fit_rows = [np.setdiff1d(np.arange(n_samples) if rows is None else rows, held)
                    for rows, held in zip(subsets, calibration)]
        return fit_rows, calibration

    @staticmethod
    def fitted(detector, X, subsets, calibration):
        n_samples = X.shape[0]
        own = [np.arange(n_samples) if rows is None else rows for rows in subsets]
        for name in (*_NOVELTY_ATTRIBUTES, "hole_terms_"):
            detector.__dict__.pop(name, None)
        detector.denoised_codes_, detector.point_scale_ = NearestDenoisedPoint.fit(
            detector.estimators_, X, own)
        # Calibration rows were not trained on, and each is measured against
        # the denoised points other than its own (``own`` is sorted): these
        # scores (and offset_) are those of new normal rows.
        return np.concatenate([
            manifold_density(detector).score_samples(
                i, _safe_indexing(X, held), rows=np.searchsorted(rows, held))
            for i, (rows, held) in enumerate(zip(own, calibration))])

    @staticmethod
    def member_score(detector, i, member, X):
        return manifold_density(detector).score_samples(i, X)


_UNTRUSTED, _TRUSTED = _Untrusted(), _Trusted()
#: What a ``novelty=True`` fit adds, and a ``novelty=False`` one removes.
_NOVELTY_ATTRIBUTES = ("denoised_codes_", "point_scale_",
                       # and those of files saved by skae 0.1.0 (ManifoldDensity)
                       "reference_codes_", "manifold_dimension_", "neighbour_weight_")


def manifold_density(detector):
    """The score of a ``novelty=True`` detector's members, from its fitted state."""
    if getattr(detector, "_neighbours", None) is not None:
        return detector._neighbours
    if "denoised_codes_" in vars(detector):
        detector._neighbours = NearestDenoisedPoint(
            detector.estimators_, detector.denoised_codes_, detector.point_scale_)
    else:  # a file saved by skae 0.1.0 scores as it did, with its own offset_
        if "manifold_dimension_" not in vars(detector):
            raise ValueError(
                "This novelty=True detector was saved by an earlier skae, whose "
                "reference_codes_ were whitened codes; its score cannot be computed "
                "here. Fit it again with this version."
            )
        # A file saved before the weight was stored scored with weight 1,
        # which its offset_ was set with.
        detector._neighbours = ManifoldDensity(
            detector.estimators_, detector.reference_codes_, detector.point_scale_,
            detector.manifold_dimension_, N_NEIGHBORS,
            vars(detector).get("neighbour_weight_", 1.0))
    return detector._neighbours


def _models_a_table(member):
    """Whether ``member`` is a deterministic skae autoencoder fitted on a table
    (whose score leaves holes out, column by column)."""
    return (isinstance(member, BaseAutoencoder) and not isinstance(member, VAE)
            and member._codec_.table is not None)


def _check_novelty(detector, n_samples):
    """Refuse what ``novelty=True`` cannot work with, naming it."""
    estimator = detector.estimator
    if detector.novelty and estimator is not None and (
            not isinstance(estimator, BaseAutoencoder) or isinstance(estimator, VAE)):
        raise ValueError(
            "novelty=True scores rows by their distance to the denoised points of a "
            "deterministic autoencoder (Autoencoder, DenoisingAutoencoder, "
            f"SparseAutoencoder, ContractiveAutoencoder); got "
            f"{type(estimator).__name__}. Pass one of those, or None, or use "
            "novelty=False."
        )
    if detector.novelty and n_samples < 2:
        raise ValueError(
            f"novelty=True needs at least 2 training rows, got n_samples={n_samples}: "
            "one row to learn from and one to set the threshold."
        )


def _rows_and_table(detector, X):
    """``X`` as an array or DataFrame, and the table its members share (or None).

    The members validate the values and name any problem; here only what
    subsampling needs: an array (sparse input is refused). Members see
    subsamples, so the table is learned on all the rows: its problems (an
    all-missing column, thousands of categories) are judged there, and every
    member gets the same scales and levels.
    """
    if not isinstance(X, pd.DataFrame):
        X = check_array(X, accept_sparse=False, dtype=None, ensure_2d=False, allow_nd=True,
                        ensure_all_finite=False, ensure_min_samples=0, ensure_min_features=0)
    estimator = detector.estimator
    if (estimator is None or isinstance(estimator, BaseAutoencoder)) and is_table(X):
        return X, Table.learn(X, getattr(estimator, "categorical_features", "from_dtype"))
    return X, None


def _draw_members(detector, setting, X, rng, table=None):
    """The unfitted members, each seeded, and the rows each is drawn (None: all).

    A default member's width follows the columns its network sees: for a
    ``table``, its encoded width (a column per level of a text column), as the
    one-hot route's members would see it."""
    n_samples = X.shape[0] if X.ndim else 0
    if detector.max_samples == "auto":
        n_rows = min(setting.max_rows, n_samples)
    elif isinstance(detector.max_samples, Integral):
        n_rows = min(int(detector.max_samples), n_samples)
    else:
        n_rows = max(1, int(round(detector.max_samples * n_samples)))
    n_features = table.width if table is not None else X.shape[1] if X.ndim == 2 else 1
    n_members = setting.n_members if detector.n_estimators == "auto" else detector.n_estimators
    members, subsets = [], []
    for _ in range(n_members):
        member = (clone(detector.estimator) if detector.estimator is not None
                  else detector._default_member(n_features, n_rows))
        if "random_state" in member.get_params(deep=False):
            member.set_params(random_state=int(rng.randint(np.iinfo(np.int32).max)))
        rows = None if n_rows >= n_samples else np.sort(
            rng.choice(n_samples, n_rows, replace=False)
        )
        members.append(member)
        subsets.append(rows)
    return members, subsets


def _fit_member(member, X, table):
    """Fit one member, on the detector's table (learned from all rows) if it has one."""
    return member.fit(X) if table is None else member._fit_table(X, table)


def _calibration_rows(rows, rng, share=0.2):
    """A random ``share`` of ``rows`` (an index array, or a count): at least one row."""
    rows = np.arange(rows) if np.ndim(rows) == 0 else np.asarray(rows)
    n_held = min(len(rows) - 1, max(1, int(round(share * len(rows)))))
    return np.sort(rng.choice(rows, n_held, replace=False))


def _top_features(errors, names, labels, n_top):
    """The long table of ``explain``: each row's ``n_top`` largest errors."""
    n_top = min(int(n_top), errors.shape[1])
    order = np.argsort(-errors, axis=1)[:, :n_top]
    top = np.take_along_axis(errors, order, axis=1)
    totals = errors.sum(axis=1, keepdims=True)
    return pd.DataFrame(
        {
            "row": np.repeat(labels, n_top),
            "rank": np.tile(np.arange(1, n_top + 1), len(labels)),
            "feature": names[order].ravel(),
            "squared_error": top.ravel(),
            "share": (top / np.where(totals > 0, totals, 1)).ravel(),
        }
    )


def _feature_errors(estimator, X):
    """Squared reconstruction error of each row and feature, from one member."""
    if hasattr(estimator, "reconstruction_error"):
        return estimator.reconstruction_error(X, per_feature=True)
    if hasattr(estimator, "inverse_transform") and hasattr(estimator, "transform"):
        values = np.asarray(X, dtype=np.float64)
        return (values - estimator.inverse_transform(estimator.transform(X))) ** 2
    raise TypeError(
        f"{type(estimator).__name__} has neither reconstruction_error nor "
        "transform/inverse_transform: per-feature errors are not available."
    )
