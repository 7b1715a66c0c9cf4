"""The training engine: a skorch ``NeuralNet`` specialised for autoencoders.

skorch runs the loop (epochs, callbacks, history, early stopping); this module
only overrides skorch's documented hooks:

- ``get_dataset`` / ``train_split`` / ``get_iterator``: batches are slices of
  one in-memory tensor (:class:`TensorData`), reshuffled every epoch, instead
  of a ``DataLoader`` that collates rows one ``__getitem__`` at a time, which
  is most of the time of a small network's epoch;
- ``train_step_single``: corrupts the batch (denoising variants) and trains
  against the clean one;
- ``get_loss``: hands the objective an ``ObjectiveContext`` (the inputs, the
  module, the generator, the number of rows, the epoch), so a variant can add
  penalties on the code or on the encoder's Jacobian.

:class:`EpochGuard` stops a diverging fit with a clear error and makes an
interrupted fit (Ctrl-C) end on the last finished epoch.

The estimators in ``_base`` are the only users; nothing here is public API.
"""

import math
import warnings

import numpy as np
import torch
from skorch import NeuralNet
from skorch.callbacks import Callback
from skorch.utils import to_tensor

from . import _parallel
from ._losses import ObjectiveContext
from ._likelihoods import fill_missing
from ._warnings import user_stacklevel

__all__ = [
    "AutoencoderNet",
    "EpochGuard",
    "LossAverage",
    "HoldoutSplit",
    "OneCycle",
    "ProgressLog",
    "TensorBatches",
    "TensorData",
]


class TensorData(torch.utils.data.Dataset):
    """Rows of one tensor, optionally restricted to ``indices``, without copying.

    ``C`` is an optional condition, one row per row of ``X`` (one-hot labels
    for a conditional model): a second stream that batches carry beside the
    rows, ``(x, c)``, with ``c`` None when there is none.
    """

    def __init__(self, X, indices=None, C=None):
        self.X = X
        self.indices = indices
        self.C = C

    def __len__(self):
        return len(self.X) if self.indices is None else len(self.indices)

    def __getitem__(self, i):
        i = i if self.indices is None else self.indices[i]
        return self.X[i], None if self.C is None else self.C[i]


class TensorBatches:
    """Iterable over ``(batch, batch)`` pairs sliced from a :class:`TensorData`.

    Each pass over it is one epoch. With ``shuffle=True`` every epoch draws a
    new permutation from ``generator``; the last, possibly smaller, batch is
    kept.

    With a ``parallel`` context (:mod:`._parallel`), each global batch is
    split between the processes and this process yields only its share.
    """

    def __init__(self, data, batch_size, shuffle=False, generator=None, parallel=None):
        self.data = data
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = generator
        self.parallel = parallel

    def __len__(self):
        return math.ceil(len(self.data) / self.batch_size)

    def __iter__(self):
        X, C, indices, n = self.data.X, self.data.C, self.data.indices, len(self.data)
        if self.shuffle:
            order = torch.randperm(n, generator=self.generator)
            indices = order if indices is None else indices[order]
        if self.parallel is not None and indices is None:
            indices = torch.arange(n)
        if indices is not None:
            indices = indices.to(X.device)
        for start in range(0, n, self.batch_size):
            stop = start + self.batch_size
            if indices is None:
                rows = slice(start, stop)
            elif self.parallel is None:
                rows = indices[start:stop]
            else:
                rows = _parallel.shard(indices[start:stop], self.parallel)
            yield X[rows], None if C is None else C[rows]


class HoldoutSplit:
    """skorch ``train_split``: a seeded random hold-out of ``fraction`` of the rows."""

    def __init__(self, fraction, seed):
        self.fraction = fraction
        self.seed = seed

    def __call__(self, dataset, y=None, **fit_params):
        n = len(dataset)
        n_valid = int(round(self.fraction * n))
        n_valid = min(max(n_valid, 1), n - 1)
        generator = torch.Generator().manual_seed(self.seed)
        order = torch.randperm(n, generator=generator)
        return (
            TensorData(dataset.X, order[n_valid:].sort().values, dataset.C),
            TensorData(dataset.X, order[:n_valid].sort().values, dataset.C),
        )


class EpochGuard(Callback):
    """Checks each finished epoch and keeps a copy of the weights it ended with.

    The copy is taken when the next epoch begins (the same weights), so that
    the last epoch of a call, which no later epoch can interrupt, costs none.

    - A non-finite training or validation loss raises a ``ValueError`` that
      names the likely causes (the estimator then restores its previous state).
    - When training is interrupted inside an epoch (Ctrl-C), the module is
      rolled back to the weights of the last finished epoch and that partial
      epoch is dropped from the history. Interrupted before any epoch
      finished, the ``KeyboardInterrupt`` is re-raised.
    """

    def on_train_begin(self, net, **kwargs):
        self.in_epoch_ = False
        self.finished_ = False
        self.snapshot_ = None
        self.interrupted_ = False

    def on_epoch_begin(self, net, **kwargs):
        self.in_epoch_ = True
        if self.finished_:
            # The weights the last epoch ended with, copied only once another
            # epoch starts: a one-epoch call (partial_fit) copies nothing.
            self.snapshot_ = {
                k: v.detach().clone() for k, v in net.module_.state_dict().items()
            }

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        for key in ("train_loss", "valid_loss"):
            value = row.get(key)
            if value is not None and not math.isfinite(value):
                raise ValueError(
                    f"Training diverged: the {key.replace('_', ' ')} became {value} at "
                    f"epoch {row['epoch']}. Scale the input (for example with "
                    "StandardScaler) or lower learning_rate_init (now "
                    f"{net.lr}). The estimator was left as it was before this call."
                )
        self.finished_ = True
        self.in_epoch_ = False

    def on_train_end(self, net, **kwargs):
        if not self.in_epoch_:
            return
        self.interrupted_ = True
        if self.snapshot_ is None or net.parallel_ is not None:
            # Under data_parallel() the processes could not agree on the
            # epoch to keep: the interrupt leaves the fit (and the block).
            raise KeyboardInterrupt
        net.module_.load_state_dict(self.snapshot_)
        del net.history[-1]
        warnings.warn(
            f"Training was interrupted during epoch {len(net.history) + 1}; the model "
            f"keeps the weights of epoch {len(net.history)}.",
            UserWarning,
            stacklevel=user_stacklevel(),
        )


class OneCycle(Callback):
    """The one-cycle learning-rate schedule over the steps of one training call.

    torch's ``OneCycleLR`` with its defaults, peaking at the optimizer's
    learning rate: the rate rises from a 25th of it over the first 30% of
    the steps, then falls along a cosine to a 10,000th of the start; for
    optimizers with ``betas`` (Adam, AdamW) the first beta moves the other
    way, between 0.95 and 0.85. The number of steps (batches per epoch times
    epochs) is read when the first epoch begins, after the hold-out split.
    When training ends, however it ends, the optimizer's own settings are put
    back, so later ``partial_fit`` epochs run at the constant rate.
    """

    def on_train_begin(self, net, **kwargs):
        self.scheduler_ = None
        self.saved_ = [dict(group) for group in net.optimizer_.param_groups]

    def on_epoch_begin(self, net, dataset_train=None, **kwargs):
        if self.scheduler_ is not None:
            return
        # The batches of an epoch, counted by the iterator that will yield them.
        batches = len(net.get_iterator(dataset_train, training=True))
        self.total_steps_ = batches * net.max_epochs
        optimizer = net.optimizer_
        self.scheduler_ = torch.optim.lr_scheduler.OneCycleLR(
            optimizer,
            max_lr=[group["lr"] for group in optimizer.param_groups],
            total_steps=self.total_steps_,
            cycle_momentum=all("betas" in group for group in optimizer.param_groups),
        )

    def on_batch_end(self, net, training=False, **kwargs):
        # The scheduler refuses to step past its end; partial_fit(epochs=k)
        # with k < max_epochs merely stops early on the same curve.
        if training and self.scheduler_.last_epoch < self.total_steps_:
            self.scheduler_.step()

    def on_train_end(self, net, **kwargs):
        for group, saved in zip(net.optimizer_.param_groups, self.saved_):
            group.clear()  # also drops the scheduler's own entries (max_lr, ...)
            group.update(saved)
        self.scheduler_ = None


class LossAverage(Callback):
    """Under data-parallel training, replaces each epoch's losses by their mean over processes.

    Every process then sees the same losses, so early stopping, the
    divergence check and the reports take the same decision everywhere.
    Runs after skorch's scoring callbacks record the losses.
    """

    def on_epoch_end(self, net, **kwargs):
        if net.parallel_ is None:
            return
        row = net.history[-1]
        for key in ("train_loss", "valid_loss"):
            if key in row:
                net.history.record(key, _parallel.average(row[key]))


class ProgressLog(Callback):
    """One plain line per epoch when the net is verbose, in place of skorch's table."""

    def __init__(self, sink=print):
        self.sink = sink

    def on_epoch_end(self, net, **kwargs):
        if not net.verbose:
            return
        row = net.history[-1]
        line = f"Epoch {row['epoch']}: loss {row['train_loss']:.4f}"
        if row.get("valid_loss") is not None:
            line += f", validation loss {row['valid_loss']:.4f}"
        self.sink(f"{line} ({row['dur']:.2f} s)")


class AutoencoderNet(NeuralNet):
    """skorch ``NeuralNet`` that trains an autoencoder module on in-memory tensors.

    Extra parameters (besides skorch's):

    corruption : nn.Module or None
        Applied to training batches only (see ``_corruption``).
    seed : int
        Seeds this net's own generators for shuffling and corruption.
    """

    def __init__(self, *args, corruption=None, seed=0, trim=0.0, **kwargs):
        # Set before skorch's __init__, which refuses torch modules as plain
        # attributes afterwards.
        self.corruption = corruption
        self.seed = seed
        self.trim = trim
        super().__init__(*args, **kwargs)

    def get_default_callbacks(self):
        # The estimators report progress with ProgressLog, not skorch's table.
        defaults = [
            (name, cb) for name, cb in super().get_default_callbacks() if name != "print_log"
        ]
        return [*defaults, ("average_losses", LossAverage())]

    def initialize_module(self):
        super().initialize_module()
        # Registered as a module so skorch moves it to the device and pickles
        # its buffers device-independently.
        self.corruption_ = self.corruption
        return self

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        super().on_train_begin(net, X=X, y=y, **kwargs)
        device = torch.device(self.device)
        # Under data_parallel(): the context and the DistributedDataParallel
        # wrapper, held in a plain object (skorch registers module attributes).
        self.parallel_ = None
        noise_seed = self.seed + 1
        context = _parallel.current()
        if context is not None:
            if context.backend == "nccl" and device.type != "cuda":
                raise ValueError(
                    "data_parallel() with the nccl backend trains on GPUs, but the "
                    f"estimator's device is {self.device!r}; use device='cuda' or 'auto'."
                )
            self.parallel_ = _parallel.Replica(context, _parallel.wrap(self.module_))
            noise_seed = _parallel.rank_seed(noise_seed, context)
        # Every process shuffles with the same stream: each global batch is
        # the same everywhere and split between the processes.
        self.shuffle_generator_ = torch.Generator().manual_seed(self.seed)
        self.noise_generator_ = torch.Generator(device=device).manual_seed(noise_seed)
        # Trimmed training: the threshold carries over between partial_fit calls.
        self.trim_threshold_ = getattr(self, "trim_threshold_", None)

    def on_epoch_begin(self, net, **kwargs):
        super().on_epoch_begin(net, **kwargs)
        self.epoch_errors_ = []

    def on_epoch_end(self, net, **kwargs):
        super().on_epoch_end(net, **kwargs)
        errors = getattr(self, "epoch_errors_", None)
        if self.trim and errors:
            threshold = float(torch.quantile(torch.cat(errors).float(), 1.0 - self.trim))
            # Under data_parallel() each process saw its shard: one threshold for all.
            self.trim_threshold_ = _parallel.average(threshold)
        self.epoch_errors_ = None

    def partial_fit(self, X, y=None, classes=None, **fit_params):
        try:
            return super().partial_fit(X, y, classes=classes, **fit_params)
        finally:
            # Generators and the process group's wrapper are only needed while
            # training; dropping them, however training ended, keeps the
            # fitted net picklable across devices and lets the process group
            # be destroyed while nothing refers to it.
            self.shuffle_generator_ = self.noise_generator_ = None
            self.parallel_ = None

    def get_dataset(self, X, y=None):
        if isinstance(X, TensorData):
            return X
        return TensorData(to_tensor(X, device=self.device).float())

    def get_iterator(self, dataset, training=False):
        batch_size = len(dataset) if self.batch_size == -1 else self.batch_size
        if training:  # the number of training rows, for the objective's context
            self.n_rows_ = len(dataset)
        return TensorBatches(
            dataset,
            batch_size,
            shuffle=training,
            generator=self.shuffle_generator_ if training else None,
            # Training iterators exist only between on_train_begin and on_train_end.
            parallel=self.parallel_.context if training and self.parallel_ else None,
        )

    def train_step_single(self, batch, **fit_params):
        # Switching modes walks every submodule; do it once per epoch, not per batch.
        if not self.module_.training:
            self._set_training(True)
        target, condition = batch
        if self.trim:
            target, condition = self._trimmed(target, condition)
        inputs = target
        if self.corruption_ is not None:
            inputs = self.corruption_(target, self.noise_generator_)
        if getattr(self.module_, "fills_missing", False):
            # A table's missing entries: 0 in what the network (and a penalty on
            # its Jacobian) sees; NaN in the target, which the loss leaves out.
            inputs = fill_missing(inputs)
        # DistributedDataParallel (under data_parallel) averages the gradients.
        module = self.module_ if self.parallel_ is None else self.parallel_.module
        output = _call(module, inputs, condition)
        loss = self._objective(output, target, inputs, condition)
        loss.backward()
        return {"loss": loss, "y_pred": output}

    def validation_step(self, batch, **fit_params):
        # skorch's default would read the condition as the target.
        self._set_training(False)
        target, condition = batch
        with torch.no_grad():
            output = _call(self.module_, target, condition)
            loss = self._objective(output, target, target, condition)
        return {"loss": loss, "y_pred": output}

    def _trimmed(self, target, condition):
        """The rows of ``target`` (and their condition) whose reconstruction error
        is at most the previous epoch's ``1 - trim`` quantile (all rows in the
        first epoch)."""
        with torch.no_grad():
            output = _call(self.module_, target, condition)
            reconstruction = output.reconstruction
            likelihood = getattr(self.criterion_, "likelihood", None)
            if likelihood is not None:  # a table: compare means (probabilities), not logits
                reconstruction = likelihood.mean(reconstruction)
            # Missing entries of a table (NaN in the target) count 0.
            errors = torch.nan_to_num(
                (reconstruction - target).square().flatten(1), nan=0.0).sum(1)
        self.epoch_errors_.append(errors)
        if self.trim_threshold_ is None:
            return target, condition
        keep = errors <= self.trim_threshold_
        if not bool(keep.any()):
            keep = errors <= errors.min()
        return target[keep], None if condition is None else condition[keep]

    def _objective(self, output, target, inputs, condition):
        context = ObjectiveContext(
            inputs=inputs,
            module=self.module_,
            generator=self.noise_generator_,
            n_rows=self.n_rows_,
            epoch=len(self.history),
            condition=condition,
        )
        return self.criterion_(output, target, context)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        return self._objective(y_pred, y_true, X, None)


def _call(module, x, c):
    """``module(x)``, or ``module(x, c)`` with a condition."""
    return module(x) if c is None else module(x, c)


def as_float32_tensor(X, device):
    """``X`` (a validated 2-D array) as a float32 tensor on ``device``: one copy at most."""
    X = np.asarray(X)
    if not (X.dtype == np.float32 and X.flags.c_contiguous and X.flags.writeable):
        # Also handles negative strides and read-only buffers, which torch
        # refuses. Overflow to inf is reported by the caller's finiteness check.
        with np.errstate(over="ignore"):
            X = np.array(X, dtype=np.float32, order="C")
    return torch.from_numpy(X).to(device)
