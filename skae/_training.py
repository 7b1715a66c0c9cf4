"""The training layer: the one place where skae touches skorch.

An estimator describes what to train (a PyTorch module, an objective, an
optional corruption) and how (:class:`TrainingOptions`); a :class:`Trainer`
builds the skorch net (``_net.AutoencoderNet``) from them, runs it and hands
back a plain :class:`TrainingResult`: epochs, losses, validation losses and
why training stopped. Estimators never read or edit skorch's state (its
attributes, callbacks or history); everything they need from a trained
network goes through the trainer's few methods and properties.
"""

import copy
import warnings
from dataclasses import dataclass

import torch
from sklearn.exceptions import ConvergenceWarning
from skorch.callbacks import EarlyStopping
from skorch.utils import noop

from ._net import (
    AutoencoderNet,
    EpochGuard,
    HoldoutSplit,
    OneCycle,
    ProgressLog,
    TensorData,
    as_float32_tensor,
)
from ._warnings import user_stacklevel

# TensorData and as_float32_tensor: the form of the data a Trainer takes, for estimators.
__all__ = ["OPTIMIZERS", "TensorData", "Trainer", "TrainingOptions", "TrainingResult",
           "as_float32_tensor"]

OPTIMIZERS = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
    "rmsprop": torch.optim.RMSprop,
}

# Optimizers whose named form takes fused steps (the others: multi-tensor steps).
FUSED = (torch.optim.Adam, torch.optim.AdamW)


def _fused_devices():
    """Device types with fused optimizer kernels in this torch (CPU from 2.4 on)."""
    try:
        from torch.utils._foreach_utils import _get_fused_kernels_supported_devices
    except ImportError:  # a torch that no longer has the helper: CUDA is safe
        return {"cuda"}
    return set(_get_fused_kernels_supported_devices()) & {"cpu", "cuda"}


@dataclass(frozen=True)
class TrainingOptions:
    """How to train: the estimator's training parameters, resolved."""

    optimizer: object  # a name of OPTIMIZERS or a torch optimizer class
    learning_rate: float
    schedule: str  # "constant" or "onecycle"
    weight_decay: float
    batch_size: int
    max_epochs: int
    early_stopping: bool
    validation_fraction: float
    patience: int
    tol: float
    trim: float
    verbose: int

    @classmethod
    def of(cls, estimator):
        """The options that an estimator's (scikit-learn named) parameters ask for."""
        return cls(
            optimizer=estimator.optimizer,
            learning_rate=estimator.learning_rate_init,
            schedule=estimator.learning_rate,
            weight_decay=estimator.weight_decay,
            batch_size=256 if estimator.batch_size == "auto" else estimator.batch_size,
            max_epochs=estimator.max_iter,
            early_stopping=estimator.early_stopping,
            validation_fraction=estimator.validation_fraction,
            patience=estimator.n_iter_no_change,
            tol=estimator.tol,
            trim=estimator.trim,
            verbose=estimator.verbose,
        )


@dataclass(frozen=True)
class TrainingResult:
    """What one call to the trainer did.

    ``losses`` and ``validation_losses`` cover every epoch the network has
    trained (earlier calls included); ``epochs_run`` counts this call's.
    ``stop`` is ``"converged"`` (the stopping rule ended it before
    ``max_epochs``), ``"max_epochs"``, ``"interrupted"`` (Ctrl-C; the weights
    of the last finished epoch are kept) or ``"epoch"`` (one incremental
    epoch). ``best_epoch`` is the epoch whose weights early stopping kept.
    """

    epochs_run: int
    losses: list
    validation_losses: list
    stop: str
    best_epoch: int = None

    def report(self, name, options):
        """Tell the user why the training of estimator ``name`` ended, in the terms
        of its parameters: early stopping (when verbose), or ``max_iter`` reached
        while the loss still improved (a ``ConvergenceWarning``)."""
        if self.stop == "interrupted":
            return
        if self.stop == "converged":
            if options.verbose:
                monitored = "validation" if options.early_stopping else "training"
                kept = (f"; keeping the weights of epoch {self.best_epoch}"
                        if options.early_stopping else "")
                print(
                    f"Stopped after {len(self.losses)} epochs: the {monitored} loss did "
                    f"not improve by tol={options.tol} for n_iter_no_change="
                    f"{options.patience} epochs{kept}."
                )
            return
        if options.schedule == "onecycle":
            return  # the schedule ran to its planned end, where the rate is nearly 0
        warnings.warn(
            f"{name} ran max_iter={options.max_epochs} epochs and the loss was still "
            f"improving by more than tol={options.tol}; consider increasing max_iter.",
            ConvergenceWarning,
            stacklevel=user_stacklevel(),
        )


class Trainer:
    """A network and the skorch net that trains it; build one with :meth:`build`."""

    def __init__(self, net):
        self._net = net
        # The previous checkpoint's copies, overwritten by the next one (see
        # checkpoint); not pickled.
        self._spare = None

    @classmethod
    def build(cls, module, criterion, corruption, options, device, seed, split_seed,
              incremental=False):
        """A trainer for ``module`` (already initialised) with these ``options``.

        ``incremental=True`` (``partial_fit``) trains one epoch per call, with no
        hold-out and no stopping rule.
        """
        optimizer, optimizer_options = options.optimizer, {}
        if isinstance(optimizer, str):
            optimizer = OPTIMIZERS[optimizer]
            # One update kernel per step instead of a loop over the parameters:
            # Adam(W)'s fused step (CUDA; CPU from torch 2.4) takes 40% off a CPU fit of
            # the imputer's network, the multi-tensor one about 15%; the
            # numbers agree to float32 rounding.
            fused = optimizer in FUSED and torch.device(device).type in _fused_devices()
            optimizer_options["optimizer__fused" if fused else "optimizer__foreach"] = True
        # Order matters: EarlyStopping ends an epoch by raising, so the
        # callbacks that must see every finished epoch come before it.
        callbacks = [("guard", EpochGuard()), ("progress", ProgressLog())]
        if options.schedule == "onecycle" and not incremental:
            callbacks.append(("schedule", OneCycle()))
        if not incremental:
            callbacks.append(("stopping", EarlyStopping(
                monitor="valid_loss" if options.early_stopping else "train_loss",
                patience=options.patience,
                threshold=options.tol,
                threshold_mode="abs",
                load_best=options.early_stopping,
                sink=noop,
            )))
        holdout = options.early_stopping and not incremental
        net = AutoencoderNet(
            module=module,
            criterion=criterion,
            corruption=corruption,
            seed=seed,
            trim=options.trim,
            optimizer=optimizer,
            optimizer__weight_decay=options.weight_decay,
            **optimizer_options,
            lr=options.learning_rate,
            max_epochs=options.max_epochs,
            batch_size=options.batch_size,
            train_split=HoldoutSplit(options.validation_fraction, split_seed) if holdout else None,
            callbacks=callbacks,
            verbose=options.verbose,
            device=device,
        )
        return cls(net)

    @classmethod
    def restore(cls, module, criterion, corruption, options, device, module_state,
                corruption_state, losses=(), validation_losses=None):
        """A trained network rebuilt from saved weights (``skae.load``); no data needed.

        ``losses`` (and ``validation_losses``) are the saved loss curve: they
        become the network's history, so that later ``partial_fit`` or
        warm-started epochs extend it instead of starting a new count.
        """
        trainer = cls.build(module, criterion, corruption, options, device, 0, 0)
        net = trainer._net
        with torch.random.fork_rng(devices=[]):
            net.initialize()
        net.module_.load_state_dict(module_state)
        if net.corruption_ is not None:
            net.corruption_.load_state_dict(corruption_state)
        net.module_.eval()
        for epoch, loss in enumerate(losses, 1):
            net.history.new_epoch()
            net.history.record("epoch", epoch)
            net.history.record("train_loss", float(loss))
            if validation_losses is not None:
                net.history.record("valid_loss", float(validation_losses[epoch - 1]))
        return trainer

    # ------------------------------------------------------------- training
    def fit(self, data):
        """Train a new network on ``data`` (a ``TensorData``) up to ``max_epochs``."""
        self._net.fit(data)
        return self._result(len(self._net.history))

    def resumed(self, data, *, max_epochs, seed, verbose):
        """Train ``max_epochs`` more epochs (warm start); return the ``TrainingResult``.

        Training continues in place: take a :meth:`checkpoint` first to be
        able to undo it.
        """
        net = self._net
        before = len(net.history)
        net.max_epochs, net.seed, net.verbose = max_epochs, seed, verbose
        net.partial_fit(data)
        return self._result(len(net.history) - before)

    def one_epoch(self, data, *, seed, verbose):
        """Train one more epoch on ``data`` (``partial_fit``); return the ``TrainingResult``.

        Training continues in place: take a :meth:`checkpoint` first to be
        able to undo it.
        """
        net = self._net
        # Built by fit: no hold-out, stopping rule or schedule for single epochs.
        fit_only = ("stopping", "schedule")
        if any(n in fit_only for n, _ in net.callbacks):
            net.train_split = None
            net.callbacks = [(n, cb) for n, cb in net.callbacks if n not in fit_only]
            net.initialize_callbacks()
        # A new shuffling and corruption stream for every call.
        net.seed, net.verbose = seed, verbose
        net.partial_fit(data, epochs=1)
        return self._result(1, incremental=True)

    def checkpoint(self):
        """What more training would change, copied: ``restore()`` on the result undoes it.

        The copies are written into the previous checkpoint's tensors when
        their shapes allow (a checkpoint is only restored before the next is
        taken): partial_fit pays for a copy, not for new memory, on each call.
        """
        checkpoint = _Checkpoint(self._net, self._spare)
        self._spare = checkpoint.states
        return checkpoint

    def __getstate__(self):
        state = dict(vars(self))
        state["_spare"] = None
        return state

    def __setstate__(self, state):
        state.setdefault("_spare", None)  # pickled before the spare existed
        vars(self).update(state)

    def _result(self, epochs_run, incremental=False):
        net = self._net
        callbacks = dict(net.callbacks_)
        validation = [row.get("valid_loss") for row in net.history]
        stopping = callbacks.get("stopping")
        if callbacks["guard"].interrupted_:
            stop = "interrupted"
        elif incremental:
            stop = "epoch"
        elif epochs_run < net.max_epochs:
            stop = "converged"
        else:
            stop = "max_epochs"
        return TrainingResult(
            epochs_run=epochs_run,
            losses=[float(v) for v in net.history[:, "train_loss"]],
            validation_losses=(
                [float(v) for v in validation]
                if validation and all(v is not None for v in validation) else None
            ),
            stop=stop,
            best_epoch=getattr(stopping, "best_epoch_", None) if stopping is not None else None,
        )

    # ------------------------------------------------------------- the network
    @property
    def module(self):
        """The trained PyTorch module."""
        return self._net.module_

    @property
    def corruption(self):
        """The training corruption module, or None."""
        return self._net.corruption_

    @property
    def device(self):
        return self._net.device

    @property
    def n_epochs(self):
        """Epochs trained so far, over every call."""
        return len(self._net.history)

    @property
    def epoch_seconds(self):
        """Wall-clock duration of each epoch trained so far."""
        return [float(d) for d in self._net.history[:, "dur"]]

    @property
    def rows_per_epoch(self):
        """Rows this process trained on in each epoch (its share under data_parallel)."""
        return [sum(batch.get("train_batch_size", 0) for batch in epoch["batches"])
                for epoch in self._net.history]

    @property
    def step_kind(self):
        """How the optimizer updates the parameters: "fused" (one kernel),
        "foreach" (multi-tensor) or "loop" (one parameter at a time)."""
        defaults = self._net.optimizer_.defaults
        return "fused" if defaults.get("fused") else "foreach" if defaults.get("foreach") \
            else "loop"


class _Checkpoint:
    """The state of a net that more training changes, copied so that it can be put back.

    The weights, the optimizer's state (moments, step counts, rates), the
    objective's and the corruption's buffers as tensor copies; the history's
    length; the net's attributes (seeds, callbacks, the trimming threshold)
    as references, since training rebinds them rather than editing them.
    Callbacks reset their own state when training begins. Copying these
    tensors costs a fraction of copying the whole net (its pickling included).
    """

    _PARTS = ("module_", "optimizer_", "criterion_", "corruption_")

    def __init__(self, net, spare=None):
        self._net = net
        self._attributes = dict(vars(net))
        self._n_epochs = len(net.history)
        spare = spare or {}
        self.states = {name: _copied(part.state_dict(), spare.get(name))
                       for name, part in self._parts()}

    def _parts(self):
        for name in self._PARTS:
            part = getattr(self._net, name, None)
            if part is not None:
                yield name, part

    def restore(self):
        net = self._net
        del net.history[self._n_epochs:]
        vars(net).clear()
        vars(net).update(self._attributes)
        for name, part in self._parts():
            # Loaded from a fresh copy: an optimizer keeps the tensors it is
            # given, which would then alias the next checkpoint's.
            part.load_state_dict(_copied(self.states[name]))


def _copied(state, into=None):
    """A copy of a state dict (nested dicts and lists of tensors and values),
    written into the tensors of ``into`` where it has the same structure,
    shapes and dtypes, and newly allocated otherwise."""
    if isinstance(state, torch.Tensor):
        if (isinstance(into, torch.Tensor) and into.shape == state.shape
                and into.dtype == state.dtype and into.device == state.device):
            return into.copy_(state)
        return state.detach().clone()
    if isinstance(state, dict):
        into = into if isinstance(into, dict) else {}
        copied = type(state)((key, _copied(value, into.get(key))) for key, value in state.items())
        if hasattr(state, "_metadata"):  # a module's state dict: its layers' versions
            copied._metadata = copy.deepcopy(state._metadata)
        return copied
    if isinstance(state, (list, tuple)):
        into = into if isinstance(into, (list, tuple)) and len(into) == len(state) else []
        return type(state)(_copied(value, into[i] if into else None)
                           for i, value in enumerate(state))
    return copy.deepcopy(state)
