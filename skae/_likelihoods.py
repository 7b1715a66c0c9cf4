"""Decoder likelihoods ``p(x | z)``: one object per family, in plain PyTorch.

Each family owns everything that depends on it: the log-density of data
given the decoder's output, the decoder mean, a draw from ``p(x | z)`` and
the check of the data it can model. A VAE module holds one (``likelihood``);
the objectives, the scores and the estimators ask it instead of branching on
a name. :class:`TableLikelihood` is the family of a table's columns (see
``skae._tabular``): Gaussian, Bernoulli and softmax heads side by side, with
missing entries (NaN) left out. The learned or fixed Gaussian scale stays a parameter (or buffer) of
the module (``log_std``), passed in where needed, so saved weights keep their
names.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F

__all__ = [
    "BernoulliLikelihood",
    "GaussianLikelihood",
    "LIKELIHOODS",
    "TableLikelihood",
    "fill_missing",
]


class GaussianLikelihood:
    """``N(mean, diag(std^2))`` per feature; the decoder outputs the mean."""

    name = "gaussian"

    def log_density(self, out, x, log_std):
        """``log p(x | z)`` summed over features, constants included (nats)."""
        z_score = (x - out) * torch.exp(-log_std)
        return -0.5 * (z_score.square() + 2 * log_std + math.log(2 * math.pi)).sum(dim=-1)

    def mean(self, out):
        return out

    def sample(self, mean, log_std, generator):
        std = torch.exp(log_std).detach().to(mean.device)
        return mean + std * torch.randn(mean.shape, generator=generator)

    def check(self, X):
        """Any finite data is admissible."""

    def __reduce__(self):  # one instance per family, also after unpickling
        return (_family, (self.name,))


class BernoulliLikelihood:
    """Independent Bernoulli pixels in [0, 1]; the decoder outputs logits."""

    name = "bernoulli"

    def log_density(self, out, x, log_std=None):
        # From logits: -BCE, never log(sigmoid(.)), which underflows.
        return -F.binary_cross_entropy_with_logits(
            out, x.expand_as(out), reduction="none"
        ).sum(dim=-1)

    def mean(self, out):
        return torch.sigmoid(out)

    def sample(self, mean, log_std, generator):
        return torch.bernoulli(mean, generator=generator)

    def check(self, X):
        """Refuse data outside [0, 1], naming the range found."""
        if X.size and (np.nanmin(X) < 0 or np.nanmax(X) > 1):
            raise ValueError(
                "likelihood='bernoulli' needs data in [0, 1], but X ranges over "
                f"[{np.nanmin(X):.3g}, {np.nanmax(X):.3g}]. Scale it (for example with "
                "MinMaxScaler) or use likelihood='gaussian'."
            )

    def __reduce__(self):
        return (_family, (self.name,))


LIKELIHOODS = {family.name: family() for family in (GaussianLikelihood, BernoulliLikelihood)}


def _family(name):
    return LIKELIHOODS[name]


class TableLikelihood:
    """The decoder family of a table: Gaussian, Bernoulli and softmax heads.

    The decoder's output has the table's width: means of the standardised
    numeric columns, logits of the binary ones and one logit per category of
    each categorical column. Missing entries (NaN in ``x``) are left out.
    """

    name = "table"

    def __init__(self, table):
        self.n_numeric = table.n_numeric
        self.n_binary = table.n_binary
        self.spans = [(c.start, c.start + c.width) for c in table.categorical]

    def log_density(self, out, x, log_std=None):
        """``log p(x | z)`` of each row over its observed entries (nats, constants
        included). ``out`` may carry leading sample dimensions."""
        x = x.expand_as(out)
        total = out.new_zeros(out.shape[:-1])
        k = self.n_numeric
        if k:
            target, mean = x[..., :k], out[..., :k]
            observed = ~torch.isnan(target)
            # Missing entries: residual 0 (and no gradient), constant not counted.
            residual = torch.where(observed, target, mean) - mean
            if log_std is None:  # unit variance (autoencoders): fewer kernels per step
                constant = 0.5 * math.log(2 * math.pi) * observed.sum(dim=-1)
                total = total - 0.5 * residual.square().sum(dim=-1) - constant
            else:
                std_log = log_std[..., :k]
                term = -0.5 * ((residual * torch.exp(-std_log)).square() + 2 * std_log
                               + math.log(2 * math.pi))
                total = total + torch.where(observed, term, 0.0).sum(dim=-1)
        for observed, term in self.discrete_terms(out, x):
            total = total + torch.where(observed, term, 0.0).sum(dim=-1)
        return total

    def discrete_terms(self, out, x):
        """``(observed, log-probability)`` of the bool columns (one pair, a column
        each) and of each categorical column (one pair each, a column wide); the
        log-probability of a missing entry is meaningless."""
        k, b = self.n_numeric, self.n_numeric + self.n_binary
        if b > k:
            target = x[..., k:b]
            observed = ~torch.isnan(target)
            yield observed, -F.binary_cross_entropy_with_logits(
                out[..., k:b], torch.where(observed, target, 0.0), reduction="none")
        for start, stop in self.spans:
            target = x[..., start:stop]
            observed = ~torch.isnan(target[..., 0])
            log_p = torch.log_softmax(out[..., start:stop], dim=-1)
            term = (log_p * torch.where(observed[..., None], target, 0.0)).sum(dim=-1)
            yield observed[..., None], term[..., None]

    def mean(self, out):
        k, b = self.n_numeric, self.n_numeric + self.n_binary
        parts = [out[..., :k], torch.sigmoid(out[..., k:b])]
        parts += [torch.softmax(out[..., s:e], dim=-1) for s, e in self.spans]
        return torch.cat(parts, dim=-1)

    def sample(self, mean, log_std, generator):
        k, b = self.n_numeric, self.n_numeric + self.n_binary
        parts = []
        if k:
            std = torch.exp(log_std[:k]).detach().to(mean.device)
            parts.append(mean[..., :k] + std * torch.randn(mean[..., :k].shape,
                                                          generator=generator))
        parts.append(torch.bernoulli(mean[..., k:b], generator=generator))
        for s, e in self.spans:
            draw = torch.multinomial(mean[..., s:e].reshape(-1, e - s), 1, generator=generator)
            parts.append(F.one_hot(draw.reshape(mean.shape[:-1]), e - s).to(mean.dtype))
        return torch.cat(parts, dim=-1)

    def check(self, X):
        """Tables are checked when encoded."""


def fill_missing(x):
    """The network's view of a row: missing entries (NaN) as 0."""
    return torch.where(torch.isnan(x), torch.zeros((), dtype=x.dtype, device=x.device), x)
