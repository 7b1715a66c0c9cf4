"""The shape of an estimator's network, in one object.

:class:`Architecture` is resolved from an estimator's parameters and the
data's width. It validates them against the data (image layout, hidden
sizes, user-supplied modules), builds the encoder and decoder of every module
kind (the deterministic autoencoders' and the VAE's, dense or convolutional,
or the user's own) and reports the widest layer, which sizes the inference
chunks. Nothing else in skae derives the network's geometry.
"""

import copy
import math
from dataclasses import dataclass
from numbers import Integral

import torch
from torch import nn

from ._modules import (
    AutoencoderModule,
    MLPAutoencoder,
    VAEModule,
    conv_geometry,
    decoder_stack,
    encoder_stack,
)

__all__ = ["Architecture"]


@dataclass(frozen=True)
class Architecture:
    """A network's layout: dense or convolutional, or user-supplied parts.

    ``encoder`` / ``decoder`` are the user's modules (or None for skae's):
    for the deterministic autoencoders the encoder maps rows to codes of
    width ``n_components`` and the decoder codes back to rows; for the VAE the
    encoder maps rows to features of any width, from which skae's heads give
    the posterior mean and log-variance, and the decoder maps codes (and the
    one-hot condition, if any) to the likelihood's parameters.
    """

    n_features: int
    hidden: tuple
    n_components: int
    activation: str
    image_shape: tuple = None  # set for architecture="conv"
    conv_channels: tuple = None
    encoder: nn.Module = None
    decoder: nn.Module = None

    @classmethod
    def from_params(cls, n_features, hidden, n_components, activation, architecture,
                    image_shape, conv_channels, encoder=None, decoder=None):
        """The architecture an estimator's parameters describe for ``n_features`` inputs.

        Raises ``ValueError`` naming the parameter when the image layout does
        not fit the data.
        """
        if image_shape is None:
            if architecture == "conv":
                raise ValueError(
                    "architecture='conv' needs image_shape=(channels, height, width) to "
                    "lay out each row as an image."
                )
        else:
            shape = tuple(image_shape)
            if len(shape) != 3 or not all(isinstance(s, Integral) and s >= 1 for s in shape):
                raise ValueError(
                    "image_shape must be three positive integers (channels, height, width), "
                    f"got {image_shape!r}."
                )
            if math.prod(shape) != n_features:
                raise ValueError(
                    f"image_shape={shape} describes rows of {math.prod(shape)} values "
                    f"(channels x height x width), but X has {n_features} features."
                )
        if architecture != "conv":
            image_shape = conv_channels = None
        else:
            channels = tuple(conv_channels)
            if not channels or not all(isinstance(c, Integral) and c >= 1 for c in channels):
                raise ValueError(
                    "conv_channels must be a non-empty tuple of positive integers, got "
                    f"{conv_channels!r}."
                )
            image_shape = tuple(int(s) for s in image_shape)
            conv_channels = tuple(int(c) for c in channels)
        return cls(int(n_features), tuple(hidden), int(n_components), activation,
                   image_shape, conv_channels, encoder, decoder)

    @property
    def conv(self):
        """``(image_shape, conv_channels)`` for convolutional nets, else None."""
        return None if self.image_shape is None else (self.image_shape, self.conv_channels)

    # ------------------------------------------------------------ validation
    def check(self, n_condition=0, vae=False):
        """Raise ``ValueError`` naming what does not fit the data.

        ``n_condition``: the width of the one-hot condition the decoder also
        receives (None: not known yet, the decoder is checked later); ``vae``:
        the encoder gives features for the posterior heads, of any width.
        """
        if not all(isinstance(h, Integral) and h >= 1 for h in self.hidden):
            raise ValueError(
                f"hidden_layer_sizes must contain only positive integers, got {self.hidden!r}."
            )
        if self.encoder is not None:
            width = _probe(self.encoder, self.n_features, "encoder", self.n_features)
            if not vae and width != self.n_components:
                raise ValueError(
                    f"the encoder maps rows of {self.n_features} features to {width} values, "
                    f"but n_components={self.n_components}: set n_components to the "
                    "encoder's output width."
                )
        if n_condition is not None:
            self._check_decoder(n_condition)

    def _check_decoder(self, n_condition):
        if self.decoder is None:
            return
        width = _probe(self.decoder, self.n_components + n_condition, "decoder",
                       self.n_features)
        if width != self.n_features:
            raise ValueError(
                f"the decoder maps codes of {self.n_components + n_condition} values to "
                f"{width}, but X has {self.n_features} features: it must give one "
                "value per feature."
            )

    # --------------------------------------------------------------- building
    def autoencoder(self, code_activation=None):
        """The deterministic autoencoder: ``encode``, ``decode``, ``forward``."""
        if self.encoder is None and self.decoder is None:
            return MLPAutoencoder(self.n_features, self.hidden, self.n_components,
                                  self.activation, code_activation, self.conv)
        hidden = list(self.hidden)
        # Training changes weights: it works on copies of the user's modules.
        user_encoder, user_decoder = _copy(self.encoder), _copy(self.decoder)
        if user_encoder is None:
            encoder = encoder_stack(self.n_features, hidden, self.n_components,
                                    self.activation, code_activation, self.conv)
        elif code_activation is None:
            encoder = user_encoder
        else:
            encoder = nn.Sequential(user_encoder, code_activation)
        decoder = user_decoder if user_decoder is not None else decoder_stack(
            self.n_components, hidden, self.n_features, self.activation, self.conv)
        # Only skae's dense stacks have the structure the exact contractive
        # penalty multiplies out; any other encoder takes the general path.
        return AutoencoderModule(
            encoder, decoder,
            structured_encoder=user_encoder is None and self.conv is None,
            user_parts=[m for m in (user_encoder, user_decoder) if m is not None],
        )

    def vae(self, likelihood, decoder_std, n_classes=0):
        """The VAE module (conditioned on a one-hot class of width ``n_classes``)."""
        # The encoder was checked with the data; the decoder's input width
        # (code + one-hot label) is known only now.
        self._check_decoder(n_classes)
        front_width = None
        if self.encoder is not None:
            front_width = _probe(self.encoder, self.n_features, "encoder", self.n_features)
        return VAEModule(self.n_features, self.hidden, self.n_components,
                         activation=self.activation, likelihood=likelihood,
                         decoder_std=decoder_std, conv=self.conv, n_classes=n_classes,
                         front=_copy(self.encoder), front_width=front_width,
                         decoder=_copy(self.decoder))

    # ----------------------------------------------------------------- sizes
    def widest_layer(self, n_condition=0):
        """Largest activation width per row: sizes the inference chunks."""
        widths = [self.n_features, self.n_components, *self.hidden]
        if self.conv is not None:
            (_, height, width), channels = self.conv
            geometry = conv_geometry(height, width, len(channels))
            for i, (c, (stride, h, w)) in enumerate(zip(channels, geometry)):
                # The decoder's output before cropping can be twice as tall.
                widths.append(c * h * w * (stride * stride if i == 0 else 1))
        for module, n_in in ((self.encoder, self.n_features),
                             (self.decoder, self.n_components + n_condition)):
            if module is not None:
                widths.append(_widest_activation(module, n_in))
        return max(widths)


def _copy(module):
    return None if module is None else copy.deepcopy(module)


def _probe(module, n_in, name, n_features):
    """The output width of ``module`` on two rows of ``n_in`` zeros; errors say what is wrong.

    Runs a copy in evaluation mode: the user's module (its running statistics,
    its mode) is left as it was.
    """
    probe = torch.zeros(2, n_in)
    try:
        with torch.no_grad(), torch.random.fork_rng(devices=[]):
            out = copy.deepcopy(module).eval()(probe)
    except Exception as exc:  # the user's module: report whatever it raised
        raise ValueError(
            f"the {name} failed on a batch of rows of width {n_in} "
            f"(X has {n_features} features): {type(exc).__name__}: {exc}"
        ) from None
    if not isinstance(out, torch.Tensor) or out.ndim != 2 or out.shape[0] != 2:
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ValueError(
            f"the {name} must map a batch (n, {n_in}) to a 2-D tensor (n, width); "
            f"on (2, {n_in}) it returned {shape}."
        )
    return int(out.shape[1])


def _widest_activation(module, n_in):
    """The widest per-row output of any submodule of ``module`` on one row."""
    widths = []

    def record(_, __, output):
        if isinstance(output, torch.Tensor) and output.ndim >= 1:
            widths.append(math.prod(output.shape[1:]))

    module = copy.deepcopy(module).eval()
    for m in module.modules():
        m.register_forward_hook(record)
    with torch.no_grad(), torch.random.fork_rng(devices=[]):
        module(torch.zeros(1, n_in))
    return max(widths, default=n_in)
