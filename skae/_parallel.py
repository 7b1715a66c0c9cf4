"""Data-parallel training across the processes of a ``torch.distributed`` job.

Inside :func:`data_parallel`, every ``fit`` / ``partial_fit`` of a skae
estimator trains one model across all processes of the job (one per GPU,
launched by ``torchrun``): the weights start equal (broadcast from process 0),
each global batch of ``batch_size`` rows is split between the processes,
gradients are averaged by PyTorch's ``DistributedDataParallel`` and the epoch
losses that drive early stopping are averaged too, so every process takes the
same decisions and ends with the same fitted estimator.
"""

import contextlib
import os
from dataclasses import dataclass

import numpy as np
import torch
import torch.distributed as dist

__all__ = ["DataParallelContext", "data_parallel"]

_ACTIVE = []


@dataclass(frozen=True)
class DataParallelContext:
    """Where this process stands in a :func:`data_parallel` job.

    Attributes
    ----------
    rank : int
        Index of this process in the job, from 0.
    world_size : int
        Number of processes in the job.
    local_rank : int
        Index of this process on its machine (its GPU when training on CUDA).
    backend : str
        The ``torch.distributed`` backend: ``"nccl"`` (GPUs) or ``"gloo"`` (CPU).

    See Also
    --------
    data_parallel : The block that yields it.

    Examples
    --------
    >>> from skae import DataParallelContext
    >>> ctx = DataParallelContext(rank=1, world_size=4, local_rank=1, backend="nccl")
    >>> ctx.is_main
    False
    """

    rank: int
    world_size: int
    local_rank: int
    backend: str

    @property
    def is_main(self):
        """True on process 0, the one that should save models and print reports.

        Examples
        --------
        >>> from skae import DataParallelContext
        >>> DataParallelContext(rank=0, world_size=2, local_rank=0, backend="gloo").is_main
        True
        """
        return self.rank == 0


@contextlib.contextmanager
def data_parallel(backend=None):
    """Train every skae fit inside the block on all processes of a distributed job.

    Launch the script once per GPU with ``torchrun --nproc_per_node=N
    script.py`` (or any launcher that sets ``RANK``, ``WORLD_SIZE``,
    ``MASTER_ADDR`` and ``MASTER_PORT``). Every process runs the same code on
    the same ``X``; inside the block, ``fit`` and ``partial_fit`` split each
    batch of ``batch_size`` rows between the processes and average the
    gradients with :class:`torch.nn.parallel.DistributedDataParallel`. The
    estimator's parameters keep their meaning (``batch_size`` is the global
    batch), and a fit on N processes equals the single-process fit up to
    floating-point rounding for objectives that are means over rows
    (``Autoencoder``, ``ContractiveAutoencoder``); variants that draw noise
    draw it independently in each process. All processes end with the same
    fitted estimator; save it from one (``ctx.is_main``).

    Each process trains on ``cuda:LOCAL_RANK`` when the estimator's device is
    ``"cuda"`` or ``"auto"`` on a machine with GPUs; with CPU processes (the
    ``gloo`` backend) the same code runs without GPUs.

    Parameters
    ----------
    backend : {"nccl", "gloo"} or None, default=None
        ``torch.distributed`` backend used when the block starts the process
        group: ``"nccl"`` when CUDA is available, else ``"gloo"``. Ignored when
        the script initialised the process group itself.

    Yields
    ------
    context : DataParallelContext
        This process's ``rank``, ``world_size``, ``local_rank`` and
        ``is_main``.

    Raises
    ------
    RuntimeError
        Outside a distributed launch (no ``RANK`` / ``WORLD_SIZE`` in the
        environment and no process group initialised), or when nested.

    Notes
    -----
    Every process must call ``fit`` with the same data, in the same order;
    the fit checks the data's shape and checksum across processes and raises
    a ``ValueError`` naming the difference. The block destroys the process
    group on exit only if it created it.

    Examples
    --------
    In ``train.py``, run with ``torchrun --nproc_per_node=4 train.py``:

    >>> import skae
    >>> from sklearn.datasets import load_digits
    >>> X = load_digits().data / 16
    >>> with skae.data_parallel() as ctx:  # doctest: +SKIP
    ...     ae = skae.Autoencoder(n_components=8, device="auto").fit(X)
    ...     if ctx.is_main:
    ...         skae.save(ae, "digits.skae")
    """
    if _ACTIVE:
        raise RuntimeError("data_parallel() blocks cannot be nested.")
    created = False
    if not (dist.is_available() and dist.is_initialized()):
        if not dist.is_available():
            raise RuntimeError("this PyTorch build has no torch.distributed support.")
        missing = [v for v in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")
                   if v not in os.environ]
        if missing:
            raise RuntimeError(
                "data_parallel() runs inside a distributed job, but "
                f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set: "
                "launch the script with `torchrun --nproc_per_node=N script.py`."
            )
        if backend is None:
            backend = "nccl" if torch.cuda.is_available() else "gloo"
        dist.init_process_group(backend=backend)
        created = True
    local_rank = int(os.environ.get("LOCAL_RANK", dist.get_rank()))
    context = DataParallelContext(
        rank=dist.get_rank(),
        world_size=dist.get_world_size(),
        local_rank=local_rank,
        backend=str(dist.get_backend()),
    )
    if context.backend == "nccl":
        torch.cuda.set_device(local_rank)
    _ACTIVE.append(context)
    try:
        yield context
    finally:
        _ACTIVE.pop()
        if created:
            dist.destroy_process_group()


def current():
    """The active :class:`DataParallelContext` with more than one process, or None."""
    if _ACTIVE and _ACTIVE[-1].world_size > 1:
        return _ACTIVE[-1]
    return None


def agree_on_seeds(seeds):
    """Process 0's training seeds, on every process."""
    if current() is None:
        return seeds
    objects = [list(seeds)]
    dist.broadcast_object_list(objects, src=0)
    return tuple(int(s) for s in objects[0])


def check_same_data(tensor):
    """Raise ``ValueError`` (on every process) unless all processes train on the same rows."""
    context = current()
    if context is None:
        return
    # A weighted row sum, and its sum weighted by position: order-sensitive,
    # and no copy of the data (one float per row).
    rows = tensor.flatten(1) @ torch.linspace(1, 2, tensor[0].numel(), device=tensor.device)
    position = torch.arange(len(rows), device=tensor.device, dtype=torch.float64) / len(rows)
    fingerprint = (
        tuple(tensor.shape),
        float(rows.sum(dtype=torch.float64)),
        float((rows.double() * position).sum()),
    )
    everyone = [None] * context.world_size
    dist.all_gather_object(everyone, fingerprint)
    if any(f != everyone[0] for f in everyone):
        shapes = ", ".join(
            f"process {r}: {' x '.join(map(str, f[0]))} (checksum {f[1]:.6g})"
            for r, f in enumerate(everyone)
        )
        raise ValueError(
            "data_parallel() needs every process to fit on the same data, in the same "
            f"order; they differ: {shapes}."
        )


def shard(indices, context):
    """This process's share of one global batch of row ``indices``.

    Rows are dealt round-robin; a batch with fewer rows than processes is
    repeated so that no process gets an empty batch.
    """
    if len(indices) < context.world_size:
        indices = indices[torch.arange(context.world_size, device=indices.device) % len(indices)]
    return indices[context.rank :: context.world_size]


def average(value):
    """Mean of a float over the processes (the same float on every one)."""
    context = current()
    if context is None or value is None:
        return value
    device = "cuda" if context.backend == "nccl" else "cpu"
    tensor = torch.tensor([float(value)], dtype=torch.float64, device=device)
    dist.all_reduce(tensor)
    return float(tensor.item()) / context.world_size


@dataclass(frozen=True)
class Replica:
    """What a net holds while it trains under :func:`data_parallel`."""

    context: DataParallelContext
    module: torch.nn.Module


def wrap(module):
    """``module`` wrapped in ``DistributedDataParallel`` (weights broadcast from process 0)."""
    parameter = next(module.parameters())
    device_ids = [parameter.device.index] if parameter.device.type == "cuda" else None
    return torch.nn.parallel.DistributedDataParallel(module, device_ids=device_ids)


def rank_seed(seed, context):
    """A seed for this process's own noise stream (corruption, sampling)."""
    return int(np.random.SeedSequence([seed, context.rank]).generate_state(1)[0])
