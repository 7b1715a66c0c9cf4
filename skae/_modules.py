"""PyTorch modules: the networks the estimators train.

This module owns the architectures (encoder/decoder stacks) and their seeded
initialisation. It imports neither scikit-learn nor skorch, so every network
can be built and unit-tested on its own.

Every autoencoder module exposes the same three methods, which is all the
training engine and the estimators rely on:

- ``encode(x) -> code``
- ``decode(code) -> reconstruction``
- ``forward(x) -> AutoencoderOutput(reconstruction, code)``
"""

import math
from typing import NamedTuple

import torch
from torch import nn

__all__ = [
    "ACTIVATIONS",
    "AutoencoderOutput",
    "MLPAutoencoder",
    "TopK",
    "VAEModule",
    "VAEOutput",
    "init_parameters",
    "make_activation",
    "mlp",
]

#: Activation names accepted by the estimators, scikit-learn's names first.
ACTIVATIONS = {
    "identity": nn.Identity,
    "logistic": nn.Sigmoid,
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "gelu": nn.GELU,
}


def make_activation(name):
    """Return a fresh activation module for ``name`` (a key of ``ACTIVATIONS``)."""
    try:
        return ACTIVATIONS[name]()
    except KeyError:
        raise ValueError(
            f"Unknown activation {name!r}; expected one of {sorted(ACTIVATIONS)}."
        ) from None


class AutoencoderOutput(NamedTuple):
    """What an autoencoder's ``forward`` returns: both ends of the bottleneck."""

    reconstruction: torch.Tensor
    code: torch.Tensor


def mlp(sizes, activation, last_activation=None):
    """A stack of ``Linear`` layers through ``sizes`` with ``activation`` between.

    ``last_activation`` (a module or None) follows the final layer.
    """
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(make_activation(activation))
    if last_activation is not None:
        layers.append(last_activation)
    return nn.Sequential(*layers)


class MLPAutoencoder(nn.Module):
    """Fully connected autoencoder whose decoder mirrors its encoder.

    Parameters
    ----------
    n_features : int
        Width of the input and of the reconstruction.
    hidden_layer_sizes : sequence of int
        Widths of the encoder's hidden layers, input side first. The decoder
        uses them in reverse order.
    n_components : int
        Width of the code (the bottleneck).
    activation : str, default="relu"
        Activation between hidden layers (a key of ``ACTIVATIONS``).
    code_activation : nn.Module or None, default=None
        Applied to the code layer; ``None`` leaves the code linear, as PCA's.
    """

    def __init__(
        self,
        n_features,
        hidden_layer_sizes,
        n_components,
        activation="relu",
        code_activation=None,
    ):
        super().__init__()
        hidden = [int(h) for h in hidden_layer_sizes]
        self.encoder = mlp(
            [n_features, *hidden, n_components], activation, code_activation
        )
        self.decoder = mlp([n_components, *hidden[::-1], n_features], activation)

    def encode(self, x):
        return self.encoder(x)

    def decode(self, code):
        return self.decoder(code)

    def forward(self, x):
        code = self.encode(x)
        return AutoencoderOutput(self.decode(code), code)


class TopK(nn.Module):
    """Keep the ``k`` largest-magnitude units of each row, zero the others.

    The k-sparse code of Makhzani & Frey (2013); gradients flow through the
    kept units only.
    """

    def __init__(self, k):
        super().__init__()
        self.k = int(k)

    def forward(self, z):
        if self.k >= z.shape[-1]:
            return z
        kept = z.abs().topk(self.k, dim=-1).indices
        mask = torch.zeros_like(z).scatter_(-1, kept, 1.0)
        return z * mask

    def extra_repr(self):
        return f"k={self.k}"


class VAEOutput(NamedTuple):
    """``forward`` of a :class:`VAEModule`: the posterior and its mean's reconstruction."""

    reconstruction: torch.Tensor
    code: torch.Tensor
    log_var: torch.Tensor


class VAEModule(nn.Module):
    """Encoder to a diagonal Gaussian posterior, decoder to a likelihood's parameters.

    Parameters
    ----------
    n_features, hidden_layer_sizes, n_components, activation
        As for :class:`MLPAutoencoder`; the encoder's last hidden layer feeds
        two heads, the posterior mean and log-variance.
    likelihood : {"gaussian", "bernoulli"}
        The decoder outputs the Gaussian mean or the Bernoulli logits.
    decoder_std : float or None
        Gaussian only: fixed observation std, or None to learn one log-std
        per feature (initialised at 0, i.e. std 1).

    The module is deterministic: sampling belongs to the objective and to the
    estimator, which own the random generators.
    """

    def __init__(
        self,
        n_features,
        hidden_layer_sizes,
        n_components,
        activation="relu",
        likelihood="gaussian",
        decoder_std=None,
    ):
        super().__init__()
        hidden = [int(h) for h in hidden_layer_sizes]
        trunk = [n_features, *hidden]
        self.encoder = mlp(trunk, activation)
        if hidden:
            self.encoder.append(make_activation(activation))
        self.mean_head = nn.Linear(trunk[-1], n_components)
        self.log_var_head = nn.Linear(trunk[-1], n_components)
        self.decoder = mlp([n_components, *hidden[::-1], n_features], activation)
        self.likelihood = likelihood
        if likelihood == "gaussian" and decoder_std is None:
            self.log_std = nn.Parameter(torch.zeros(n_features))
        else:
            std = 1.0 if decoder_std is None else float(decoder_std)
            self.register_buffer("log_std", torch.full((n_features,), math.log(std)))

    def posterior(self, x):
        """Mean and log-variance of ``q(z | x)``."""
        h = self.encoder(x)
        return self.mean_head(h), self.log_var_head(h)

    def encode(self, x):
        return self.posterior(x)[0]

    def decoder_output(self, z):
        """Gaussian mean or Bernoulli logits of ``p(x | z)``."""
        return self.decoder(z)

    def decode(self, z):
        """The decoder mean: probabilities for the Bernoulli likelihood."""
        out = self.decoder(z)
        return torch.sigmoid(out) if self.likelihood == "bernoulli" else out

    def forward(self, x):
        mean, log_var = self.posterior(x)
        return VAEOutput(self.decode(mean), mean, log_var)


_SEEDED_LAYERS = (nn.Linear, nn.modules.conv._ConvNd)


@torch.no_grad()
def init_parameters(module, generator):
    """Re-initialise every linear and convolutional layer from ``generator``.

    The distribution is PyTorch's default for these layers (Kaiming-uniform
    weights with ``a=sqrt(5)``, uniform biases in ``+-1/sqrt(fan_in)``), but
    drawn from the given generator instead of the global one, so an
    estimator's ``random_state`` decides the initial weights without anyone
    seeding torch globally. Other parameters (norm layers, learned scales)
    have deterministic defaults and are left alone.
    """
    for layer in module.modules():
        if isinstance(layer, _SEEDED_LAYERS):
            nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
            if layer.bias is not None:
                fan_in, _ = nn.init._calculate_fan_in_and_fan_out(layer.weight)
                bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
                nn.init.uniform_(layer.bias, -bound, bound, generator=generator)
    return module
