"""The density behind the deterministic autoencoders' ``score_samples``.

A non-linear analogue of probabilistic PCA's likelihood in two parts: the
residual ``x - D(E(x))`` under independent Gaussians with per-feature
variances, and the code ``E(x)``, whitened by the mean and (Ledoit-Wolf)
covariance of the training codes, under a standard normal. The estimators
fit its statistics on their (kept) training rows and evaluate it in chunks;
the maths lives here, with no estimator or skorch in it; scikit-learn
provides the Ledoit-Wolf shrinkage.
"""

import math

import numpy as np
import torch
from sklearn.covariance import ledoit_wolf

from ._likelihoods import TableLikelihood
from ._losses import gaussian_log_likelihood

__all__ = [
    "RESIDUAL_LIKELIHOODS",
    "ResidualCodeDensity",
    "TableDensity",
    "cauchy_log_likelihood",
    "code_distribution",
    "residual_variance",
]

RESIDUAL_LIKELIHOODS = ("gaussian", "cauchy")


def residual_variance(squared_residual_sum, feature_sum, feature_square_sum, n_rows):
    """Per-feature residual variances from sums over the training rows (float64 numpy).

    A feature reconstructed perfectly (a constant column) would make the
    likelihood infinite for any later deviation: its variance is floored at
    1e-6 times the average feature variance.
    """
    residual = squared_residual_sum / n_rows
    mean, mean_square = feature_sum / n_rows, feature_square_sum / n_rows
    scale = float(np.mean(np.maximum(mean_square - mean**2, 0.0))) if n_rows > 1 else 1.0
    return np.maximum(residual, 1e-6 * max(scale, 1e-6))


def code_distribution(codes):
    """``(mean, covariance)`` of the training codes (float64 numpy).

    Ledoit-Wolf shrinkage keeps the covariance well conditioned when codes are
    wide (sparse, over-complete) or have dead or constant units.
    """
    covariance, _ = ledoit_wolf(codes)
    scale = max(float(np.trace(covariance)) / codes.shape[1], 1e-6)
    covariance[np.diag_indices_from(covariance)] += 1e-6 * scale
    return codes.mean(axis=0), covariance


class ResidualCodeDensity:
    """Log-density of rows given their reconstructions and codes, on ``device``.

    ``density(reconstruction, x, code)`` returns, per row (float64 tensor),
    ``-1/2 * (|w|**2 + k*log(2*pi))`` (the whitened code ``w`` of width ``k``
    under a standard normal) plus the residual ``r = x - reconstruction``'s
    log-density, per feature with scale ``s_d = sqrt(var_d)``:

    - ``residual="gaussian"``: ``-1/2 * (r_d**2 / var_d + log(2*pi*var_d))``;
    - ``residual="cauchy"``: ``-log(pi * s_d) - log(1 + r_d**2 / var_d)``, a
      heavy-tailed law under which one feature far off its usual residual
      (a rare pixel, a count spike) costs only logarithmically more, instead
      of dominating the whole row's score.
    """

    def __init__(self, residual_variance, code_mean, code_covariance, device,
                 residual="gaussian"):
        self.residual = residual
        self.variance = torch.as_tensor(residual_variance, dtype=torch.float32, device=device)
        # The code is whitened by the training codes' mean m and covariance
        # S, w = W (z - m) with W = chol(S)^-1, and scored under N(0, I):
        # unlike log N(z; m, S) this does not reward a model for shrinking
        # its codes, so ``score`` still compares models fairly.
        cholesky = np.linalg.cholesky(code_covariance)
        self.whitener = torch.as_tensor(np.linalg.inv(cholesky).T, dtype=torch.float64,
                                        device=device)
        self.mean = torch.as_tensor(code_mean, dtype=torch.float64, device=device)
        self.constant = -0.5 * len(code_mean) * np.log(2 * np.pi)

    @classmethod
    def fit(cls, batches, n_rows, codes=None, **kind):
        """The fitted statistics, from one pass over the training rows.

        ``batches`` yields ``(x, output)``: the encoded rows of a chunk and the
        module's forward on them, whose reconstructions give the residual
        variances and whose codes the code distribution, unless ``codes`` (an
        array) is given. Returns the estimator's ``residual_variance_``,
        ``code_mean_`` and ``code_covariance_``.
        """
        sums, collected = 0.0, []
        for x, output in batches:
            sums = sums + cls._residual_sums(x, output, **kind)
            if codes is None:
                collected.append(output.code.cpu().numpy())
        if codes is None:
            codes = np.concatenate(collected).astype(np.float64)
        mean, covariance = code_distribution(codes)
        return {"residual_variance_": cls._variance(sums.cpu().numpy(), n_rows),
                "code_mean_": mean, "code_covariance_": covariance}

    @staticmethod
    def _residual_sums(x, output):
        """Per feature: the sums of squared residuals, of values and of their squares."""
        return torch.stack([
            (output.reconstruction - x).square().flatten(1).sum(dim=0, dtype=torch.float64),
            x.sum(dim=0, dtype=torch.float64),
            x.square().sum(dim=0, dtype=torch.float64),
        ])

    @staticmethod
    def _variance(sums, n_rows):
        return residual_variance(*sums, n_rows)

    def code_term(self, code):
        """Log-density of the whitened code under a standard normal, per row (float64)."""
        # In float64: the small whitening product then does not depend on how
        # many rows share the batch.
        whitened = (code.double() - self.mean) @ self.whitener
        return self.constant - 0.5 * whitened.square().sum(dim=1)

    def __call__(self, reconstruction, x, code):
        residual = (reconstruction - x).square().flatten(1)
        code_term = self.code_term(code)
        if self.residual == "cauchy":
            return cauchy_log_likelihood(residual, self.variance).double() + code_term
        return gaussian_log_likelihood(residual, self.variance).double() + code_term


def cauchy_log_likelihood(squared_residual, variance):
    """Log-density of residuals under independent Cauchy laws of scale ``sqrt(variance_d)``."""
    log_norm = 0.5 * torch.log(variance).sum() + variance.numel() * math.log(math.pi)
    return -(torch.log1p(squared_residual / variance).sum(dim=1) + log_norm)


class TableDensity(ResidualCodeDensity):
    """Log-density of table rows over their observed columns, plus the code term.

    Numeric columns: the standardised residual under the residual law (as
    :class:`ResidualCodeDensity`, Gaussian or Cauchy with the training
    residual variances), minus ``log(scale)`` so the density is in the
    column's own units; binary and categorical columns: the log-probability
    the decoder gives the observed value. Missing entries are left out.
    """

    def __init__(self, table, residual_variance, code_mean, code_covariance, device,
                 residual="gaussian"):
        super().__init__(residual_variance, code_mean, code_covariance, device, residual)
        self.likelihood = TableLikelihood(table)
        self.n_numeric = table.n_numeric
        self.log_scale = torch.as_tensor(table.log_scale(), dtype=torch.float64,
                                         device=device)
        self.log_columns = torch.as_tensor(table.log_columns(), device=device)
        self.scale = torch.as_tensor(np.exp(table.log_scale()), dtype=torch.float64,
                                     device=device)
        self.center = torch.as_tensor([c.center for c in table.numeric],
                                      dtype=torch.float64, device=device)

    @staticmethod
    def _residual_sums(x, output, n_numeric):
        """Per numeric column, over its observed entries: the sums of squared
        residuals, of values and of their squares, and the count."""
        values = x[:, :n_numeric]
        observed = ~torch.isnan(values)
        residual = output.reconstruction[:, :n_numeric] - values
        return torch.stack([
            torch.where(observed, residual.square(), 0.0).sum(0, dtype=torch.float64),
            torch.where(observed, values, 0.0).sum(0, dtype=torch.float64),
            torch.where(observed, values.square(), 0.0).sum(0, dtype=torch.float64),
            observed.sum(0, dtype=torch.float64),
        ])

    @staticmethod
    def _variance(sums, n_rows):
        counts = np.maximum(sums[3], 1.0)
        squared, total, square_total = (sums[i] / counts for i in range(3))
        # Standardised columns: the floor's scale is 1 (n_rows=1 says so).
        return residual_variance(squared, total, square_total, 1)

    def _numeric_terms(self, reconstruction, values):
        """Each numeric entry's log-density in its column's own units (float64),
        and which entries are observed."""
        observed = ~torch.isnan(values)
        squared = torch.where(observed, reconstruction - values, 0.0).square()
        variance = self.variance
        if self.residual == "cauchy":
            per_entry = -(torch.log1p(squared / variance) + 0.5 * torch.log(variance)
                          + math.log(math.pi))
        else:
            per_entry = -0.5 * (squared / variance + torch.log(2 * math.pi * variance))
        per_entry = per_entry.double() - self.log_scale
        if self.log_columns.any():
            # d log1p(x) / dx = 1 / (1 + x), and log1p(x) = standardised * scale + center.
            log1p_x = values.double() * self.scale + self.center
            per_entry = per_entry - torch.where(self.log_columns, log1p_x, 0.0)
        return observed, per_entry

    def __call__(self, reconstruction, x, code):
        k = self.n_numeric
        total = self.code_term(code)
        if k:
            observed, per_entry = self._numeric_terms(reconstruction[:, :k], x[:, :k])
            total = total + torch.where(observed, per_entry, 0.0).sum(dim=1)
        if x.shape[1] > k:
            others = x.clone()
            others[:, :k] = float("nan")
            total = total + self.likelihood.log_density(reconstruction, others).double()
        return total

    def column_terms(self, reconstruction, x):
        """Each row's log-density term per source column (numeric, bool, then
        categorical, as the table orders them), NaN where the entry is missing
        (float64): the residual part of ``__call__``, column by column."""
        k = self.n_numeric
        parts = []
        if k:
            observed, per_entry = self._numeric_terms(reconstruction[:, :k], x[:, :k])
            parts.append(torch.where(observed, per_entry, math.nan))
        for observed, term in self.likelihood.discrete_terms(reconstruction, x):
            parts.append(torch.where(observed, term, math.nan).double())
        return torch.cat(parts, dim=1)
