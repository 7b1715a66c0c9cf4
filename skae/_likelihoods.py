"""Decoder likelihoods ``p(x | z)``: one object per family, in plain PyTorch.

Each family owns everything that depends on it: the log-density of data
given the decoder's output, the decoder mean, a draw from ``p(x | z)`` and
the check of the data it can model. A VAE module holds one (``likelihood``);
the objectives, the scores and the estimators ask it instead of branching on
a name. The learned or fixed Gaussian scale stays a parameter (or buffer) of
the module (``log_std``), passed in where needed, so saved weights keep their
names.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F

__all__ = ["BernoulliLikelihood", "GaussianLikelihood", "LIKELIHOODS"]


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
