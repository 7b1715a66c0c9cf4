"""Training objectives and per-row scores, in plain PyTorch.

An objective is an ``nn.Module`` called as
``objective(output, target, inputs=..., module=...)`` and returning a scalar:
``output`` is what the autoencoder module's ``forward`` returned, ``target``
the clean batch, ``inputs`` the (possibly corrupted) batch the module saw and
``module`` the autoencoder itself (for penalties on its Jacobian or weights).
Variants add a penalty by subclassing :class:`ReconstructionLoss` and adding
their term to ``super().forward(...)``.

Nothing here imports scikit-learn or skorch.
"""

import math

import torch
from torch import nn

__all__ = ["ReconstructionLoss", "gaussian_log_likelihood", "squared_error"]


def squared_error(reconstruction, target):
    """Squared reconstruction error summed over features: one value per row."""
    return (reconstruction - target).square().flatten(1).sum(dim=1)


def gaussian_log_likelihood(squared_residual, variance):
    """Log-density of residuals under independent ``N(0, variance_d)``, per row.

    Parameters
    ----------
    squared_residual : tensor of shape (n_samples, n_features)
        Squared reconstruction residuals.
    variance : tensor of shape (n_features,)
        Per-feature residual variance (strictly positive).

    Returns
    -------
    tensor of shape (n_samples,)
        ``-1/2 * sum_d (r_d^2 / var_d + log(2 pi var_d))``, in nats.
    """
    log_norm = torch.log(variance).sum() + variance.numel() * math.log(2 * math.pi)
    return -0.5 * ((squared_residual / variance).sum(dim=1) + log_norm)


class ReconstructionLoss(nn.Module):
    """Mean over rows of the squared error summed over features (theory, section 1).

    ``L = (1/n) sum_i ||x_i - D(E(x~_i))||^2``, where ``x~`` is the input the
    module saw (corrupted for a denoising autoencoder) and ``x`` the clean
    target.
    """

    def forward(self, output, target, inputs=None, module=None):
        return squared_error(output.reconstruction, target).mean()
