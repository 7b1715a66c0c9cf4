"""How the rows a user passes become the network's input, and come back.

A model picks its codec once, when it first sees data (``codec_for``):

- :class:`ArrayCodec`: a numeric array, modelled as it is;
- :class:`TableCodec`: a table (text, categorical or bool columns, missing
  values), encoded by a learned :class:`~skae._tabular.Table`: numeric
  columns standardised, levels one-hot, holes as NaN.

The codec validates and encodes rows, turns the network's output into means
and those back into the user's data, measures errors per column, and chooses
the density behind ``score_samples``. The estimators call it and never ask
which kind of data they hold.
"""

import numpy as np
import pandas as pd
import torch
from sklearn.utils.validation import _check_feature_names, _check_n_features, validate_data

from ._density import ResidualCodeDensity, TableDensity
from ._likelihoods import TableLikelihood
from ._tabular import Table, is_table

__all__ = ["ArrayCodec", "TableCodec", "check_finite", "codec_for"]


def codec_for(X, categorical_features, table=None):
    """The codec for training data ``X``: ``table`` if given (a learned ``Table``),
    else one learned from ``X`` if it is a table, else the array codec."""
    if table is None and is_table(X):
        table = Table.learn(X, categorical_features)
    return ArrayCodec() if table is None else TableCodec(table)


class ArrayCodec:
    """Numeric arrays: the network sees the rows as they are (float32)."""

    #: The learned table (None: arrays).
    table = None

    def encode(self, model, X, reset=False):
        """``(rows, unseen)``: validated rows for the network, and None (no categories)."""
        if not reset and isinstance(X, pd.DataFrame) and is_table(X):
            raise ValueError(
                f"X has missing values or non-numeric columns, but this "
                f"{type(model).__name__} was fitted on complete numeric data, which it "
                "models as it is. Fit it on data like this (a DataFrame with its "
                "categorical columns, or data with missing values) to have them "
                "handled, or impute first (e.g. with skae.AutoencoderImputer)."
            )
        # Finiteness is checked once, on the float32 copy (check_finite).
        X = validate_data(model, X, dtype=[np.float64, np.float32], ensure_all_finite=False,
                          reset=reset)
        return X, None

    def unseen_log_probability(self, unseen):
        """Each row's log-probability of its unseen categories: none in an array."""
        return 0.0

    def checked(self, rows, source):
        """``rows`` (the float32 tensor of ``source``), checked to be finite."""
        return check_finite(rows, source)

    def n_inputs(self, model):
        """The network's input width."""
        return model.n_features_in_

    def out_dtype(self, X):
        """The dtype of outputs computed from ``X``: float32 stays float32."""
        return X.dtype

    def prepare(self, module, criterion):
        """Adapt a new module and its training objective to the data (nothing to do)."""

    def likelihood(self):
        """The observation model a VAE's decoder should use, or None: its own."""
        return None

    def means(self, reconstruction):
        """The decoder means in the encoded space, from the module's reconstruction."""
        return reconstruction

    def squared_residual(self, means, x):
        """Squared residual of each entry of the encoded rows ``x``."""
        return (means - x).square().flatten(1)

    def decode(self, means):
        """Means in the encoded space as the user's data."""
        return means

    def errors(self, model, X, unseen, per_feature, C=None):
        """``model``'s squared reconstruction error of each row of the encoded ``X``
        (or of each row and feature), given the condition ``C``."""
        if per_feature:
            return model._map_batches(
                lambda xb, *c: model._squared_residual(xb, model.module_(xb, *c)),
                X, X.shape[1], np.float64, C=C)
        return model._row_errors(X, C)

    def errors_of_means(self, means, X, unseen, per_feature):
        """The squared errors of decoder ``means`` (float64) for the encoded ``X``."""
        squared = (np.asarray(X, dtype=np.float64) - means) ** 2
        return squared if per_feature else squared.sum(axis=1)

    def fit_density(self, batches, n_rows, codes=None):
        """The fitted attributes of the density behind ``score_samples`` (one pass)."""
        return ResidualCodeDensity.fit(batches, n_rows, codes)

    def density(self, model):
        """The density of ``model``'s fitted attributes, for scoring."""
        return ResidualCodeDensity(model.residual_variance_, model.code_mean_,
                                   model.code_covariance_, model._trainer_.device,
                                   residual=model.residual_likelihood)

    def kinds(self):
        raise AttributeError(
            "column_kinds_ exists only for models fitted on a table (mixed column "
            "types or missing values)."
        )


class TableCodec(ArrayCodec):
    """Tables: rows encoded by the learned ``table``, decoded back to its columns."""

    def __init__(self, table):
        self.table = table

    def encode(self, model, X, reset=False):
        """``(values, unseen)`` for the network (see ``Table.encode``), NaN where missing."""
        _check_feature_names(model, X, reset=reset)
        values, unseen = self.table.encode(X, type(model).__name__)
        _check_n_features(model, np.empty((0, len(self.table.columns))), reset=reset)
        if values.shape[0] == 0:
            raise ValueError(
                "Found array with 0 sample(s) (shape=(0, "
                f"{len(self.table.columns)})) while a minimum of 1 is required."
            )
        return values, unseen

    def unseen_log_probability(self, unseen):
        """A new category counts as one of probability ``1 / (n_rows + 1)``."""
        return unseen.sum(axis=1) * self.table.unseen_log_probability()

    def checked(self, rows, source):
        # Encoded rows (float32) hold NaN at missing entries by design and were
        # checked for infinity when encoded; anything else (codes) is checked.
        return rows if source.dtype == np.float32 else check_finite(rows, source)

    def n_inputs(self, model):
        return self.table.width

    def out_dtype(self, X):
        return np.float64

    def prepare(self, module, criterion):
        module.fills_missing = True  # missing entries enter the network as 0
        criterion.use_likelihood(TableLikelihood(self.table))

    def likelihood(self):
        return TableLikelihood(self.table)

    def means(self, reconstruction):
        return TableLikelihood(self.table).mean(reconstruction)

    def squared_residual(self, means, x):
        # Missing entries count 0.
        return torch.nan_to_num((means - x).square(), nan=0.0)

    def decode(self, means):
        return self.table.decode(means)

    def errors(self, model, values, unseen, per_feature, C=None):
        """Per column of the table: see ``Table.column_errors``."""
        return self.errors_of_means(model._means(values, C), values, unseen, per_feature)

    def errors_of_means(self, means, values, unseen, per_feature):
        errors = self.table.column_errors(means, values, unseen)
        return errors if per_feature else errors.sum(axis=1)

    def fit_density(self, batches, n_rows, codes=None):
        return TableDensity.fit(batches, n_rows, codes, n_numeric=self.table.n_numeric)

    def density(self, model):
        return TableDensity(self.table, model.residual_variance_, model.code_mean_,
                            model.code_covariance_, model._trainer_.device,
                            model.residual_likelihood)

    def kinds(self):
        return self.table.kinds()


def check_finite(tensor, source):
    """Raise a clear error unless the float32 ``tensor`` made from ``source`` is finite.

    One test covers NaN, infinity and float64 values that overflow float32,
    so validation skips scikit-learn's own finiteness pass. The sum is a cheap
    first test; only when it is not finite (large but representable values
    can do that too) is every value examined, and only on failure is
    ``source`` searched for the reason.
    """
    if torch.isfinite(tensor.sum()) or torch.isfinite(tensor).all():
        return tensor
    if np.isnan(source).any():
        raise ValueError(
            "Input X contains NaN, but this model was fitted on data without missing "
            "values. Fit it on data with missing values (they are then left out of the "
            "loss and of the scores), or impute first (e.g. skae.AutoencoderImputer)."
        )
    if np.isinf(source).any():
        raise ValueError("Input X contains infinity.")
    raise ValueError(
        f"Input X contains values of magnitude above {np.finfo(np.float32).max:.3g}, "
        "which overflow float32, the precision the network computes in. Rescale "
        "the data (for example with StandardScaler)."
    )
