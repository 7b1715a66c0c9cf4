"""Input corruptions for denoising autoencoders (theory, section 2), in plain PyTorch.

A corruption is an ``nn.Module`` called as ``corruption(x, generator)`` that
returns a corrupted copy of the batch ``x`` and never modifies ``x``. The
training engine applies it to training batches only; validation,
``transform`` and scoring always see clean input.

``level`` is the noise standard deviation for ``"gaussian"`` and the fraction
of corrupted coordinates for ``"masking"`` and ``"salt_and_pepper"``. A
``(low, high)`` pair draws one level per batch, uniformly in that range, as
the lecture notes do.
"""

import torch
from torch import nn

__all__ = ["NOISE_TYPES", "Corruption"]

NOISE_TYPES = ("gaussian", "masking", "salt_and_pepper")


class Corruption(nn.Module):
    """Stochastic corruption ``x -> x~`` of a batch.

    Parameters
    ----------
    noise : {"gaussian", "masking", "salt_and_pepper"}
        - ``"gaussian"``: ``x~ = x + eps`` with ``eps ~ N(0, level^2)``.
        - ``"masking"``: each coordinate is set to 0 with probability ``level``.
        - ``"salt_and_pepper"``: each coordinate, with probability ``level``,
          is set to its feature's minimum or maximum (a fair coin decides).
    level : float or (float, float)
        Noise level, or a ``(low, high)`` range to draw it from per batch.
    feature_min, feature_max : tensor of shape (n_features,), optional
        Per-feature range of the training data; required for
        ``"salt_and_pepper"``.
    """

    def __init__(self, noise, level, feature_min=None, feature_max=None):
        super().__init__()
        if noise not in NOISE_TYPES:
            raise ValueError(f"noise must be one of {NOISE_TYPES}, got {noise!r}.")
        if noise == "salt_and_pepper" and (feature_min is None or feature_max is None):
            raise ValueError("salt_and_pepper needs feature_min and feature_max.")
        self.noise = noise
        if isinstance(level, (tuple, list)):
            self.low, self.high = float(level[0]), float(level[1])
        else:
            self.low = self.high = float(level)
        self.register_buffer("feature_min", _as_buffer(feature_min))
        self.register_buffer("feature_max", _as_buffer(feature_max))

    def _level(self, x, generator):
        if self.low == self.high:
            return self.low
        u = torch.rand((), generator=generator, device=x.device, dtype=x.dtype)
        return self.low + (self.high - self.low) * u

    def forward(self, x, generator=None):
        level = self._level(x, generator)
        if self.noise == "gaussian":
            eps = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
            return x + level * eps
        hit = torch.rand(x.shape, generator=generator, device=x.device) < level
        if self.noise == "masking":
            return x.masked_fill(hit, 0.0)
        salt = torch.rand(x.shape, generator=generator, device=x.device) < 0.5
        extreme = torch.where(salt, self.feature_max, self.feature_min)
        return torch.where(hit, extreme, x)

    def extra_repr(self):
        level = self.low if self.low == self.high else (self.low, self.high)
        return f"noise={self.noise!r}, level={level}"


def _as_buffer(values):
    if values is None:
        return None
    return torch.as_tensor(values, dtype=torch.float32).reshape(-1)
