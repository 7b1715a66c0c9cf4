"""Gradient-free inference with a fitted network, in chunks of bounded memory.

Every method that runs the network on rows (``transform``, the scores, the
detector's neighbour term, the VAE's importance samples) goes through
:class:`Inference`, so that memory stays about the same whatever the
number of rows.
"""

import numpy as np
import torch

from ._training import as_float32_tensor

__all__ = ["Inference"]

# Inference runs in chunks of at most this many activations (rows x widest
# layer): about 16 MB of float32, whatever the number of rows.
_INFERENCE_BUDGET = 1 << 22


class Inference:
    """A fitted network on its device, run on chunks of rows.

    Parameters
    ----------
    module : torch.nn.Module
        The fitted network (put in eval mode while a chunk is used).
    device : str
        Where it lives; chunks are copied there.
    widest : int
        Its largest activation width per row, which sizes the chunks.
    codec : ArrayCodec or TableCodec
        Checks each chunk (``codec.checked``) as the network's input.
    """

    def __init__(self, module, device, widest, codec):
        self.module, self.device, self.widest, self.codec = module, device, widest, codec

    def chunks(self, X, copies=1, C=None):
        """Yield ``(start, stop, rows, condition)`` chunks of ``X`` (and ``C``) on the device.

        ``rows`` is a float32 tensor; ``condition`` the matching rows of the
        condition ``C`` (an array, possibly a broadcast view) or None. Chunks
        hold at most ``_INFERENCE_BUDGET`` activations, counting ``copies``
        per row (e.g. importance samples). The module is in eval mode and
        gradients are off while a chunk is used.
        """
        self.module.eval()
        widest = max(X.shape[1], self.widest)
        rows = max(1, _INFERENCE_BUDGET // (widest * copies))
        with torch.no_grad():
            for start in range(0, X.shape[0], rows):
                stop = min(start + rows, X.shape[0])
                source = X[start:stop]
                chunk = as_float32_tensor(source, self.device)
                condition = None if C is None else as_float32_tensor(C[start:stop], self.device)
                yield start, stop, self.codec.checked(chunk, source), condition

    def map(self, fn, X, width, dtype, C=None):
        """Apply ``fn`` to chunks of ``X`` (``fn(rows, condition)`` with a condition
        ``C``) and collect its rows into an array of ``width`` columns."""
        out = np.empty((X.shape[0], width), dtype=dtype)
        for start, stop, chunk, condition in self.chunks(X, C=C):
            result = fn(chunk) if C is None else fn(chunk, condition)
            out[start:stop] = result.reshape(stop - start, -1).cpu().numpy()
        return out
