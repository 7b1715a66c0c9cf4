"""PyTorch modules: the networks the estimators train.

This module owns the architectures (encoder/decoder stacks) and their seeded
initialisation. It imports neither scikit-learn nor skorch, so every network
can be built and unit-tested on its own.

Every autoencoder module exposes the same three methods, which is all the
training engine and the estimators rely on; ``c`` is an optional condition
(a batch of one-hot labels for the conditional VAE), a second stream beside
the rows that modules without a condition ignore:

- ``encode(x, c=None) -> code``
- ``decode(code, c=None) -> reconstruction``
- ``forward(x, c=None) -> AutoencoderOutput(reconstruction, code)``
"""

import math
from typing import NamedTuple

import torch
from torch import nn

from ._likelihoods import LIKELIHOODS, fill_missing

__all__ = [
    "ACTIVATIONS",
    "AutoencoderModule",
    "AutoencoderOutput",
    "ConvDecoder",
    "ConvEncoder",
    "MLPAutoencoder",
    "TopK",
    "VAEModule",
    "decoder_stack",
    "encoder_stack",
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


#: Convolutions stop halving the image once its smaller side is this many
#: pixels or fewer, and keep stride 1 from there. Halving an 8 x 8 digit down
#: to 1 x 1 left the decoder a single pixel to grow the image from, and conv
#: nets trained about 4x slower than the MLP on small images; 28 x 28 images
#: still go 14 -> 7 -> 4, as before.
SMALLEST_MAP = 4


def conv_geometry(height, width, n_layers):
    """``(stride, height, width)`` after each of ``n_layers`` encoder convolutions."""
    layers = []
    for _ in range(n_layers):
        stride = 2 if min(height, width) > SMALLEST_MAP else 1
        if stride == 2:
            height, width = (height + 1) // 2, (width + 1) // 2
        layers.append((stride, height, width))
    return layers


class ConvEncoder(nn.Module):
    """Flat rows -> images -> stride-2 convolutions -> flat features.

    Each ``Conv2d(kernel 3, stride 2, padding 1)`` halves the height and the
    width, rounding up, so any image size works (28 -> 14 -> 7 -> 4), until
    the smaller side is ``SMALLEST_MAP`` pixels or fewer; later convolutions
    keep the size (stride 1): 8 x 8 digits go 8 -> 4 -> 4 -> 4.

    Parameters
    ----------
    image_shape : (channels, height, width)
        How each flat row of ``channels * height * width`` values is laid out
        (C-order, as ``X.reshape(n, channels, height, width)``).
    channels : sequence of int
        Output channels of each convolution, input side first.
    activation : str
        Activation after each convolution.
    """

    def __init__(self, image_shape, channels, activation):
        super().__init__()
        self.image_shape = tuple(int(s) for s in image_shape)
        _, height, width = self.image_shape
        geometry = conv_geometry(height, width, len(channels))
        layers, previous = [], self.image_shape[0]
        for width, (stride, _, _) in zip(channels, geometry):
            layers += [nn.Conv2d(previous, int(width), 3, stride=stride, padding=1),
                       make_activation(activation)]
            previous = int(width)
        self.convolutions = nn.Sequential(*layers)
        self.out_shape = (previous, *geometry[-1][1:])
        self.out_features = math.prod(self.out_shape)

    def forward(self, x):
        lead = x.shape[:-1]
        return self.convolutions(x.reshape(-1, *self.image_shape)).reshape(*lead, -1)


class ConvDecoder(nn.Module):
    """Flat features -> transposed convolutions mirroring :class:`ConvEncoder` -> flat rows.

    Each ``ConvTranspose2d(kernel 3, stride 2, padding 1, output_padding 1)``
    doubles the height and the width where the encoder halved them (stride 1
    where it did not); the last one outputs the image's channels, linear, and
    the result is cropped to the image's size (the encoder rounded odd sizes
    up).
    """

    def __init__(self, image_shape, channels, activation):
        super().__init__()
        self.image_shape = tuple(int(s) for s in image_shape)
        n_channels, height, width = self.image_shape
        widths = [int(c) for c in channels][::-1] + [n_channels]
        geometry = conv_geometry(height, width, len(channels))
        self.in_shape = (widths[0], *geometry[-1][1:])
        self.in_features = math.prod(self.in_shape)
        strides = [stride for stride, _, _ in geometry][::-1]
        layers = []
        for i, (a, b, stride) in enumerate(zip(widths[:-1], widths[1:], strides)):
            layers.append(nn.ConvTranspose2d(a, b, 3, stride=stride, padding=1,
                                             output_padding=stride - 1))
            if i < len(widths) - 2:
                layers.append(make_activation(activation))
        self.deconvolutions = nn.Sequential(*layers)

    def forward(self, h):
        lead = h.shape[:-1]
        images = self.deconvolutions(h.reshape(-1, *self.in_shape))
        _, height, width = self.image_shape
        return images[:, :, :height, :width].reshape(*lead, -1)


def decoder_stack(n_in, hidden, n_features, activation, conv=None):
    """The decoder from a code of width ``n_in`` to ``n_features`` outputs.

    ``conv`` is ``(image_shape, channels)`` for a transposed-convolution back
    end after the dense layers, or None for a plain MLP.
    """
    if conv is None:
        return mlp([n_in, *hidden[::-1], n_features], activation)
    back = ConvDecoder(*conv, activation)
    dense = mlp([n_in, *hidden[::-1], back.in_features], activation)
    return nn.Sequential(dense, make_activation(activation), back)


def encoder_stack(n_features, hidden, n_code, activation, code_activation=None, conv=None):
    """The encoder from ``n_features`` inputs to a code of width ``n_code``.

    ``conv`` is ``(image_shape, channels)`` for a convolutional front end
    before the dense layers, or None for a plain MLP; ``code_activation``
    (a module or None) follows the code layer.
    """
    if conv is None:
        return mlp([n_features, *hidden, n_code], activation, code_activation)
    front = ConvEncoder(*conv, activation)
    return nn.Sequential(
        front, mlp([front.out_features, *hidden, n_code], activation, code_activation)
    )


class AutoencoderModule(nn.Module):
    """An encoder and a decoder: ``encode``, ``decode``, ``forward``.

    ``structured_encoder`` says that the encoder is skae's dense stack of
    ``Linear`` layers and elementwise activations, whose Jacobian the exact
    contractive penalty multiplies out layer by layer; any other encoder (a
    user's, a convolutional one) is differentiated generally.
    """

    def __init__(self, encoder, decoder, structured_encoder=False, user_parts=()):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder
        self.structured_encoder = bool(structured_encoder)
        # A user's modules among the parts: initialisation leaves them alone.
        self.user_parts = tuple(user_parts)

    #: Set on models of tables: missing entries (NaN) enter the network as 0.
    fills_missing = False

    def encode(self, x, c=None):
        if self.fills_missing:
            x = fill_missing(x)
        return self.encoder(x)

    def decode(self, code, c=None):
        return self.decoder(code)

    def forward(self, x, c=None):
        code = self.encode(x)
        return AutoencoderOutput(self.decode(code), code)


class MLPAutoencoder(AutoencoderModule):
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
    conv : (image_shape, channels) or None, default=None
        Put a :class:`ConvEncoder` in front of the encoder's dense layers and
        a :class:`ConvDecoder` after the decoder's: rows are images.
    """

    def __init__(
        self,
        n_features,
        hidden_layer_sizes,
        n_components,
        activation="relu",
        code_activation=None,
        conv=None,
    ):
        hidden = [int(h) for h in hidden_layer_sizes]
        super().__init__(
            encoder_stack(n_features, hidden, n_components, activation, code_activation, conv),
            decoder_stack(n_components, hidden, n_features, activation, conv),
            structured_encoder=conv is None,
        )


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
    front, front_width : nn.Module and int, optional
        A user's encoder from rows to ``front_width`` features, replacing the
        convolutions and the dense trunk; the posterior heads follow it.
    decoder : nn.Module, optional
        A user's decoder from the code (and the one-hot label) to the
        likelihood's parameters, replacing skae's.

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
        conv=None,
        n_classes=0,
        front=None,
        front_width=None,
        decoder=None,
    ):
        super().__init__()
        hidden = [int(h) for h in hidden_layer_sizes]
        self.n_features = int(n_features)
        self.n_classes = int(n_classes)
        if front is not None:
            # A user's encoder replaces the convolutions and the dense trunk.
            self.front, width, trunk_hidden = front, int(front_width), []
        elif conv is not None:
            self.front = ConvEncoder(*conv, activation)
            width, trunk_hidden = self.front.out_features, hidden
        else:
            self.front, width, trunk_hidden = nn.Identity(), n_features, hidden
        trunk = [width + self.n_classes, *trunk_hidden]
        self.encoder = mlp(trunk, activation)
        if trunk_hidden:
            self.encoder.append(make_activation(activation))
        self.mean_head = nn.Linear(trunk[-1], n_components)
        self.log_var_head = nn.Linear(trunk[-1], n_components)
        self.decoder = decoder if decoder is not None else decoder_stack(
            n_components + self.n_classes, hidden, n_features, activation, conv
        )
        self.user_parts = tuple(m for m in (front, decoder) if m is not None)
        # The family's object: log-density, mean, sampling, data check.
        self.likelihood = LIKELIHOODS[likelihood]
        if likelihood == "gaussian" and decoder_std is None:
            self.log_std = nn.Parameter(torch.zeros(n_features))
        else:
            std = 1.0 if decoder_std is None else float(decoder_std)
            self.register_buffer("log_std", torch.full((n_features,), math.log(std)))

    #: Set on models of tables: missing entries (NaN) enter the network as 0.
    fills_missing = False

    def posterior(self, x, c=None):
        """Mean and log-variance of ``q(z | x)`` (``q(z | x, c)`` with a condition)."""
        if self.fills_missing:
            x = fill_missing(x)
        h = self.front(x)
        if c is not None:
            h = torch.cat([h, c], dim=-1)
        h = self.encoder(h)
        return self.mean_head(h), self.log_var_head(h)

    def encode(self, x, c=None):
        return self.posterior(x, c)[0]

    def decoder_output(self, z, c=None):
        """Gaussian mean or Bernoulli logits of ``p(x | z)`` (``p(x | z, c)``).

        ``z`` may carry leading sample dimensions; ``c`` broadcasts over them.
        """
        if c is not None:
            z = torch.cat([z, c.expand(*z.shape[:-1], c.shape[-1])], dim=-1)
        return self.decoder(z)

    def decode(self, z, c=None):
        """The decoder mean: probabilities for the Bernoulli likelihood."""
        return self.likelihood.mean(self.decoder_output(z, c))

    def forward(self, x, c=None):
        mean, log_var = self.posterior(x, c)
        return VAEOutput(self.decode(mean, c), mean, log_var)


_SEEDED_LAYERS = (nn.Linear, nn.modules.conv._ConvNd)


@torch.no_grad()
def init_parameters(module, generator):
    """Re-initialise every linear and convolutional layer from ``generator``.

    The distribution is PyTorch's default for these layers (Kaiming-uniform
    weights with ``a=sqrt(5)``, uniform biases in ``+-1/sqrt(fan_in)``), but
    drawn from the given generator instead of the global one, so an
    estimator's ``random_state`` decides the initial weights without anyone
    seeding torch globally. Other parameters (norm layers, learned scales)
    have deterministic defaults and are left alone, and so are the layers of
    a user's own encoder or decoder (listed in the module's ``user_parts``).
    """
    # A user's own parts keep the weights they came with.
    kept = {id(m) for part in getattr(module, "user_parts", ()) for m in part.modules()}
    for layer in module.modules():
        if isinstance(layer, _SEEDED_LAYERS) and id(layer) not in kept:
            nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
            if layer.bias is not None:
                fan_in, _ = nn.init._calculate_fan_in_and_fan_out(layer.weight)
                bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
                nn.init.uniform_(layer.bias, -bound, bound, generator=generator)
    return module
