"""Real tables: mixed column types and missing values, inside the estimators.

A :class:`Table` is learned from the training data when it is a pandas
DataFrame with a non-numeric column, or any data with missing values. It
decides each column's treatment from its dtype (as scikit-learn's
``HistGradientBoosting*`` do with ``categorical_features="from_dtype"``) or
from the estimator's ``categorical_features``, and turns rows into the float
matrix the network sees, in this order of blocks:

- numeric columns, standardised with the training mean and standard
  deviation (after ``log1p`` for a skewed column of non-negative values:
  counts, amounts) (a Gaussian head);
- binary (bool) columns as 0/1 (a Bernoulli head on a logit);
- categorical columns one-hot (a softmax head on one logit per category).

Missing entries stay NaN in that matrix. The network's input fills them with
0 (the training mean of a numeric column, no category of a categorical one),
and every likelihood below leaves them out, so a row is trained on and scored
by what is observed. A category not seen in training enters as missing and is
scored as a category of probability ``1 / (n_rows + 1)``, below any seen one.

:class:`~._likelihoods.TableLikelihood` is the decoder family of such a
table (log-density of a row given the decoder's output, decoder mean,
sampling), in plain PyTorch beside the other families. Nothing here imports
skorch.
"""

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.utils import check_array

__all__ = ["Table", "is_table"]

#: A categorical column with more levels than this is refused (one-hot would
#: be wider than the rest of a typical table many times over).
MAX_CATEGORIES = 1000

_KINDS = ("numeric", "binary", "categorical")

#: A numeric column of non-negative values with a skewness above this is
#: standardised after log1p (counts, amounts, durations). Chosen on development
#: data (benchmarks/dev_table_scaling.py, scikit-learn's bundled tables in raw
#: units): detection ROC-AUC 0.898 against 0.874 with plain standardisation,
#: imputation RMSE 0.678 against 0.666; both differences come from the digits'
#: pixel counts, the other tables are unchanged. None: never.
LOG_SKEWED = 1.0


def _skewed(values, threshold):
    if len(values) < 3 or values.min() < 0:
        return False
    std = values.std()
    if std == 0:
        return False
    return float(np.mean(((values - values.mean()) / std) ** 3)) > threshold


def is_table(X):
    """Whether ``X`` needs the table path: a DataFrame with a non-numeric column,
    or data with missing values (NaN, None, ``pd.NA``)."""
    if isinstance(X, pd.DataFrame):
        if any(not _plain_numeric(X[c]) for c in X.columns):
            return True
        return bool(X.isna().to_numpy().any())
    if hasattr(X, "__array__") or isinstance(X, (list, tuple)):
        try:
            values = np.asarray(X)
        except (TypeError, ValueError):
            return False
        if values.dtype.kind in "fc":
            return bool(np.isnan(values).any())
        if values.dtype == object and values.ndim == 2:
            return bool(pd.isna(values).any()) or any(
                isinstance(v, str) for v in values.ravel())
    return False


def _plain_numeric(series):
    """Numbers, nullable ``Int64``/``Float64`` included; not bool, not categorical."""
    dtype = series.dtype
    return (
        pd.api.types.is_numeric_dtype(dtype)
        and not pd.api.types.is_bool_dtype(dtype)
        and not isinstance(dtype, pd.CategoricalDtype)
    )


@dataclass
class Column:
    """One original column: its treatment and where it lives in the network's row."""

    name: object
    kind: str
    dtype: str
    start: int = 0
    width: int = 1
    center: float = 0.0
    scale: float = 1.0
    categories: list = field(default_factory=list)
    log: bool = False  # numeric: standardised after log1p (skewed, non-negative)

    def forward(self, raw):
        """Raw numeric values to the network's standardised units."""
        return ((np.log1p(raw) if self.log else raw) - self.center) / self.scale

    def backward(self, standardised):
        """The network's standardised units back to raw numeric values."""
        value = standardised * self.scale + self.center
        return np.expm1(value) if self.log else value

    def to_dict(self):
        return {
            "name": _key(self.name), "kind": self.kind, "dtype": self.dtype,
            "start": self.start, "width": self.width, "center": self.center,
            "scale": self.scale, "categories": [_key(c) for c in self.categories],
            "log": self.log,
        }


class Table:
    """The columns of a training table and their encoding for the network.

    Build with :meth:`learn`; ``columns`` lists :class:`Column` in the
    original order, ``width`` is the network's input width, ``n_rows`` the
    number of training rows.
    """

    def __init__(self, columns, n_rows, names_seen, frame_input=True):
        self.columns = list(columns)
        self.n_rows = int(n_rows)
        self.names_seen = bool(names_seen)
        # Learned from an array (numbers with holes): decoded rows are an array too.
        self.frame_input = bool(frame_input)
        self.width = sum(c.width for c in self.columns)
        self._index()

    def _index(self):
        by_kind = {k: [c for c in self.columns if c.kind == k] for k in _KINDS}
        self.numeric = by_kind["numeric"]
        self.binary = by_kind["binary"]
        self.categorical = by_kind["categorical"]
        self.n_numeric = len(self.numeric)
        self.n_binary = len(self.binary)

    # ---------------------------------------------------------------- learning
    @classmethod
    def learn(cls, X, categorical_features="from_dtype"):
        """Learn each column's treatment and statistics from training data ``X``.

        With ``LOG_SKEWED`` set, a numeric column of non-negative values whose
        skewness exceeds it is standardised after ``log1p``."""
        log_skewed = LOG_SKEWED
        frame, names_seen = _as_frame(X)
        kinds = _column_kinds(frame, categorical_features)
        columns = []
        for name, kind in zip(frame.columns, kinds):
            series = frame[name]
            observed = series.dropna()
            if len(observed) == 0:
                raise ValueError(
                    f"Column {name!r} has no observed value in the training data (all "
                    "missing: NaN, None or NA): nothing can be learned about it. Drop it "
                    "before fitting."
                )
            column = Column(name=name, kind=kind, dtype=str(series.dtype))
            if kind == "numeric":
                values = _numeric_values(series, name)
                finite = values[~np.isnan(values)]
                if np.isinf(finite).any():
                    raise ValueError(f"Column {name!r} contains infinity.")
                column.log = log_skewed is not None and _skewed(finite, log_skewed)
                if column.log:
                    finite = np.log1p(finite)
                column.center = float(finite.mean())
                std = float(finite.std())
                column.scale = std if std > 0 else 1.0
            elif kind == "binary":
                levels = _levels(observed, name)
                if len(levels) > 2:
                    raise ValueError(
                        f"Column {name!r} is bool-typed but holds {len(levels)} values."
                    )
                column.categories = [False, True] if set(levels) <= {False, True} else levels
            else:
                levels = _levels(observed, name, series)
                if len(levels) > MAX_CATEGORIES:
                    raise ValueError(
                        f"Column {name!r} has {len(levels)} distinct values, more than "
                        f"the {MAX_CATEGORIES} a categorical column may have (one-hot "
                        "would dwarf the rest of the table). Drop it, encode it yourself "
                        "(e.g. as counts or target statistics), or, if it is a number "
                        "stored as text, convert it and name it numeric through "
                        "categorical_features."
                    )
                column.categories = levels
                column.width = len(levels)
            columns.append(column)
        # Blocks: numeric, binary, categorical (each kind's ops are one slice).
        start = 0
        for kind in _KINDS:
            for column in columns:
                if column.kind == kind:
                    column.start = start
                    start += column.width
        return cls(columns, len(frame), names_seen, isinstance(X, pd.DataFrame))

    # ---------------------------------------------------------------- encoding
    def encode(self, X, owner="the estimator"):
        """Rows as the network sees them: ``(values, unseen)``.

        ``values`` is a float32 array of shape (n_samples, width) with NaN at
        missing entries; ``unseen`` a bool array of shape (n_samples,
        n_columns) marking categories not seen in training (entered as
        missing).
        """
        frame, _ = _as_frame(X)
        if frame.shape[1] != len(self.columns):
            raise ValueError(
                f"X has {frame.shape[1]} features, but {owner} is expecting "
                f"{len(self.columns)} features as input."
            )
        values = np.full((len(frame), self.width), np.nan, dtype=np.float32)
        unseen = np.zeros((len(frame), len(self.columns)), dtype=bool)
        # Columns by position: the estimator has checked the names and their order.
        for j, column in enumerate(self.columns):
            series = frame.iloc[:, j]
            if column.kind == "numeric":
                raw = _numeric_values(series, column.name)
                if np.isinf(raw).any():
                    raise ValueError(f"Input X contains infinity (column {column.name!r}).")
                with np.errstate(invalid="ignore"):  # a negative value of a log column
                    values[:, column.start] = column.forward(np.maximum(raw, 0.0) if
                                                             column.log else raw)
                continue
            missing = series.isna().to_numpy()
            try:  # -1 for a missing value and for a level not seen in training
                codes = pd.Index(column.categories, dtype=object).get_indexer(
                    series.astype(object)).astype(np.int64)
            except (TypeError, ValueError):  # levels pandas cannot hash: one by one
                lookup = {level: i for i, level in enumerate(column.categories)}
                codes = np.array([lookup.get(_key(v), -1) for v in series.tolist()],
                                 dtype=np.int64)
            codes[(codes == -1) & ~missing] = -2  # present, but not a training level
            codes[missing] = -1
            unseen[:, j] = codes == -2
            if column.kind == "binary":
                values[codes >= 0, column.start] = codes[codes >= 0]
            else:
                block = values[:, column.start:column.start + column.width]
                seen = codes >= 0
                block[seen] = 0.0
                block[np.flatnonzero(seen), codes[seen]] = 1.0
                values[:, column.start:column.start + column.width] = block
        return values, unseen

    def decode(self, means, index=None):
        """A DataFrame with the original columns and dtypes from decoder means.

        Numeric columns are un-scaled (rounded for integer dtypes), binary ones
        thresholded at 1/2, categorical ones take their most probable category.
        """
        means = np.asarray(means, dtype=np.float64)
        if not self.frame_input and not (self.binary or self.categorical):
            return np.column_stack([c.backward(means[:, c.start]) for c in self.numeric])
        data = {}
        for column in self.columns:
            block = means[:, column.start:column.start + column.width]
            if column.kind == "numeric":
                value = column.backward(block[:, 0])
                data[column.name] = _restore_numeric(value, column.dtype)
            elif column.kind == "binary":
                picked = np.asarray(column.categories, dtype=object)[(block[:, 0] > 0.5) * 1]
                data[column.name] = _restore_levels(picked, column.dtype)
            else:
                picked = np.asarray(column.categories, dtype=object)[block.argmax(axis=1)]
                data[column.name] = _restore_levels(picked, column.dtype, column.categories)
        frame = pd.DataFrame(data, index=index)
        if not self.names_seen:
            frame.columns = range(len(self.columns))
        return frame

    # ---------------------------------------------------------------- scores
    def unseen_log_probability(self):
        """Log-probability given to a category not seen in training."""
        return -math.log(self.n_rows + 1)

    def log_scale(self):
        """Per numeric column, ``log(scale)``: turns densities of standardised values
        into densities in the table's own units (with :meth:`log_columns`)."""
        return np.log([c.scale for c in self.numeric])

    def log_columns(self):
        """Per numeric column, whether it is standardised after ``log1p``: its density
        in its own units also has the factor ``1 / (1 + x)``."""
        return np.array([c.log for c in self.numeric], dtype=bool)

    def column_errors(self, means, values, unseen):
        """Squared error of each row and original column, in the network's space.

        Numeric: squared standardised residual; binary: ``(p - x)**2``;
        categorical: the squared distance between the predicted probabilities
        and the one-hot category (Brier score), with an unseen category as a
        category of its own. Missing entries: 0.
        """
        errors = np.zeros((len(values), len(self.columns)))
        for j, column in enumerate(self.columns):
            span = slice(column.start, column.start + column.width)
            if column.kind == "categorical":
                p, x = means[:, span], values[:, span]
                observed = ~np.isnan(x[:, 0])
                errors[observed, j] = ((p[observed] - x[observed]) ** 2).sum(axis=1)
                errors[unseen[:, j], j] = (p[unseen[:, j]] ** 2).sum(axis=1) + 1.0
            else:
                residual = np.nan_to_num((means[:, span] - values[:, span])[:, 0] ** 2)
                errors[:, j] = residual
        return errors

    def kinds(self):
        return {c.name: c.kind for c in self.columns}

    # ------------------------------------------------------------ persistence
    def to_dict(self):
        return {"columns": [c.to_dict() for c in self.columns], "n_rows": self.n_rows,
                "names_seen": self.names_seen, "frame_input": self.frame_input}

    @classmethod
    def from_dict(cls, state):
        columns = [Column(**c) for c in state["columns"]]
        return cls(columns, state["n_rows"], state["names_seen"], state["frame_input"])


# ---------------------------------------------------------------- helpers
def _as_frame(X):
    if isinstance(X, pd.DataFrame):
        if X.shape[0] == 0 or X.shape[1] == 0:
            check_array(X.to_numpy(dtype=object), dtype=None, ensure_all_finite=False)
        return X, all(isinstance(c, str) for c in X.columns)
    # scikit-learn's checks and messages: 2-D, dense, not complex, not empty.
    values = check_array(X, dtype=None, ensure_all_finite=False, input_name="X")
    if values.dtype == object and not any(isinstance(v, str) for v in values.ravel()):
        # Objects but no text: numbers (or a clear error for anything else).
        values = check_array(values, dtype=np.float64, ensure_all_finite=False,
                             input_name="X")
    return pd.DataFrame(values), False


def _column_kinds(frame, categorical_features):
    names = list(frame.columns)
    if isinstance(categorical_features, str) and categorical_features == "from_dtype":
        marked = None
    else:
        marked = set()
        for item in np.asarray(categorical_features, dtype=object).ravel():
            if isinstance(item, (bool, np.bool_)):
                marked = None
                break
            if isinstance(item, (int, np.integer)):
                if not 0 <= item < len(names):
                    raise ValueError(
                        f"categorical_features has index {item}, but X has "
                        f"{len(names)} columns.")
                marked.add(names[item])
            elif item in names:
                marked.add(item)
            else:
                raise ValueError(
                    f"categorical_features names {item!r}, which is not a column of X.")
        if marked is None:  # a boolean mask
            mask = np.asarray(categorical_features, dtype=bool).ravel()
            if len(mask) != len(names):
                raise ValueError(
                    f"categorical_features is a mask of length {len(mask)}, but X has "
                    f"{len(names)} columns.")
            marked = {n for n, m in zip(names, mask) if m}
    kinds = []
    for name in names:
        series = frame[name]
        if pd.api.types.is_datetime64_any_dtype(series.dtype) or \
                pd.api.types.is_timedelta64_dtype(series.dtype) or \
                isinstance(series.dtype, pd.PeriodDtype):
            raise TypeError(
                f"Column {name!r} has dtype {series.dtype}, which is not supported: skae "
                "models numeric, bool and categorical columns. Turn dates into numbers "
                "(e.g. day of year, hour) or drop the column."
            )
        if marked is not None:
            kinds.append("categorical" if name in marked else _numeric_or_binary(series, name))
            continue
        if pd.api.types.is_bool_dtype(series.dtype):
            kinds.append("binary")
        elif _plain_numeric(series):
            kinds.append("numeric")
        else:
            inferred = pd.api.types.infer_dtype(series, skipna=True)
            if inferred in ("integer", "floating", "mixed-integer-float", "decimal", "empty"):
                kinds.append("numeric")
            elif inferred == "boolean":
                kinds.append("binary")
            elif inferred in ("string", "categorical", "bytes"):
                kinds.append("categorical")
            else:
                raise ValueError(
                    f"Column {name!r} holds values of mixed Python types ({inferred!r}, "
                    f"e.g. {series.dropna().map(type).unique()[:3].tolist()}): skae "
                    "cannot tell whether it is numeric or categorical. Convert it to one "
                    "type (e.g. df[col].astype(str) for categories)."
                )
    return kinds


def _numeric_or_binary(series, name):
    if pd.api.types.is_bool_dtype(series.dtype):
        return "binary"
    _numeric_values(series, name)
    return "numeric"


def _numeric_values(series, name):
    try:
        return pd.to_numeric(series, errors="raise").to_numpy(dtype=np.float64,
                                                               na_value=np.nan)
    except (TypeError, ValueError):
        raise ValueError(
            f"Column {name!r} is treated as numeric but holds non-numeric values "
            f"(e.g. {series.dropna().iloc[0]!r}); mark it in categorical_features."
        ) from None


def _key(value):
    """A plain Python value for a NumPy scalar (hashable alike, JSON-serialisable)."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def _levels(observed, name, series=None):
    if series is not None and isinstance(series.dtype, pd.CategoricalDtype):
        return [_key(v) for v in series.cat.categories]
    values = [_key(v) for v in pd.unique(observed)]
    try:
        return sorted(values)
    except TypeError:
        raise ValueError(
            f"Column {name!r} holds values of mixed Python types "
            f"({sorted({type(v).__name__ for v in values})}) that cannot be ordered as "
            "categories. Convert it to one type (e.g. df[col].astype(str))."
        ) from None


def _restore_numeric(values, dtype):
    try:
        target = pd.api.types.pandas_dtype(dtype)
    except TypeError:
        return values
    if pd.api.types.is_integer_dtype(target):
        return pd.array(np.round(values).astype(np.int64)).astype(target)
    try:
        return pd.array(values).astype(target)
    except (TypeError, ValueError):
        return values


def _restore_levels(picked, dtype, categories=None):
    if dtype == "category":
        return pd.Categorical(picked, categories=categories)
    try:
        return pd.array(list(picked)).astype(pd.api.types.pandas_dtype(dtype))
    except (TypeError, ValueError):
        return pd.array(list(picked), dtype=object)
