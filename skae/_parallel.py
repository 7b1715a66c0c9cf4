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
import gc
import os
import time
from dataclasses import dataclass
from datetime import timedelta
from numbers import Real

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
def data_parallel(backend=None, timeout=300):
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
    timeout : float, default=300
        Longest wait, in seconds, for the other processes: in any collective
        operation of a group the block starts, and at the end of the block,
        where every process waits for the others to arrive. A process that
        does not arrive in time is named in a ``RuntimeError``.

    Yields
    ------
    context : DataParallelContext
        This process's ``rank``, ``world_size``, ``local_rank`` and
        ``is_main``.

    Raises
    ------
    RuntimeError
        Outside a distributed launch (no ``RANK`` / ``WORLD_SIZE`` in the
        environment and no process group initialised), or when nested. At the
        end of the block, when another process failed inside it (the message
        names the process and its error) or did not arrive within ``timeout``.

    Notes
    -----
    Every process must call ``fit`` with the same data, in the same order;
    the fit checks the data's shape and checksum across processes and raises
    the same ``ValueError`` on every process, naming the difference.

    The block ends the same way on every process. Leaving it normally, each
    process waits for all the others to leave it too, and only then is the
    process group destroyed (if the block created it), so no process shuts
    its connections while another still uses them. When an exception leaves
    the block on one process (an error, ``KeyboardInterrupt``), that process
    records it, shuts the group it created down so that the others are not
    left waiting inside a collective operation, waits for them to
    acknowledge, and re-raises it; every other process raises a
    ``RuntimeError`` that names the failed process and its error. A
    ``KeyboardInterrupt`` during a fit is not absorbed under
    ``data_parallel()`` (the processes could not agree on the epoch to keep):
    it leaves the fit and the block.

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
    if isinstance(timeout, bool) or not isinstance(timeout, Real) or not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}.")
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
        dist.init_process_group(backend=backend, timeout=timedelta(seconds=timeout))
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
    # Each block of the job gets its own keys in the group's store (every
    # process runs the same blocks, so the counters agree).
    _BLOCKS[0] += 1
    ending = _Ending(context, _BLOCKS[0], timeout, created)
    _ACTIVE.append(context)
    try:
        yield context
    except BaseException as error:
        _ACTIVE.pop()
        ending.leave(error)  # raises the peer's failure, or returns to re-raise error
        raise
    else:
        _ACTIVE.pop()
        ending.leave(None)


_BLOCKS = [0]


class _Ending:
    """How every process leaves one :func:`data_parallel` block, together.

    Each process writes how it left (``ok``, ``failed: <error>`` or
    ``stopped``) to the process group's key-value store, then waits, at most
    ``timeout`` seconds, for every other process's word. The store is used
    rather than a collective operation because it still works when a
    process failed in the middle of one. A process that failed first shuts
    the group it created down at once, so that peers blocked in a collective
    operation with it get an error instead of waiting for the timeout. Only
    once every process has written (or the wait timed out) is the group
    destroyed: no process closes its connections while another still uses
    them, which is what used to abort jobs at exit.
    """

    def __init__(self, context, block, timeout, created):
        self.context = context
        self.timeout = timeout
        self.created = created
        self.store = dist.PrefixStore(
            f"skae/data_parallel/{block}/", dist.distributed_c10d._get_default_store()
        )

    def _written(self, key):
        try:
            return self.store.check([key])
        except Exception:  # the store's host process has gone
            return False

    def _read(self, rank):
        key = f"exit/{rank}"
        return self.store.get(key).decode() if self._written(key) else None

    def leave(self, error):
        rank, world = self.context.rank, self.context.world_size
        others = [r for r in range(world) if r != rank]
        if error is None:
            status = "ok"
        elif isinstance(error, RuntimeError) and any(
            (self._read(r) or "").startswith("failed") for r in others
        ):
            # Most likely the broken connection to a process that failed first.
            status = "stopped"
        else:
            status = f"failed: {_describe(error)}"
        self.store.set(f"exit/{rank}", status)
        if status.startswith("failed"):
            self._close()
        self._wait_for("exit", others, self.timeout)
        words = {r: self._read(r) for r in others}
        # Process 0 may host the store: it leaves last, once everyone has read it.
        self.store.set(f"read/{rank}", "1")
        if rank == 0:
            self._wait_for("read", [r for r in others if words[r] is not None],
                           min(self.timeout, 10))
        self._close()
        if status.startswith("failed"):
            left = [r for r, w in words.items() if w == "ok"]
            if left and isinstance(error, RuntimeError):
                raise RuntimeError(
                    f"process {rank} waited in vain for {_processes(left)}, which had "
                    "left the data_parallel() block: every process must "
                    f"run the same fits, in the same order ({_describe(error)})."
                ) from error
            return  # the caller re-raises this process's own error
        failed = {r: w[len("failed: "):] for r, w in words.items() if w and w.startswith("failed")}
        missing = [r for r, w in words.items() if w is None]
        if failed:
            first = min(failed)
            raise RuntimeError(
                f"process {first} of the data_parallel() job failed inside the block: "
                f"{failed[first]}. Process {rank} stopped too; see process {first}'s "
                "output for the cause."
            ) from error
        if missing:
            raise RuntimeError(
                f"{_processes(missing)} of the data_parallel() "
                f"job did not reach the end of the block within timeout={self.timeout} s "
                f"(process {rank} did); the job cannot be trusted to have finished."
            ) from error

    def _wait_for(self, kind, ranks, seconds):
        """Wait until every rank in ``ranks`` has written its ``kind`` key, at most
        ``seconds``; in short steps, so that Ctrl-C still works."""
        deadline = time.monotonic() + seconds
        while ranks and time.monotonic() < deadline:
            ranks = [r for r in ranks if not self._written(f"{kind}/{r}")]
            if ranks:
                time.sleep(0.01)

    def _close(self):
        """Destroy the group the block created (once); drop what still refers to it."""
        if self.created and dist.is_initialized():
            # Wrappers left in reference cycles hold the group's C++ object;
            # free them while the interpreter is whole, not at its exit.
            gc.collect()
            dist.destroy_process_group()


def _processes(ranks):
    """``"process 1"`` or ``"processes 1, 2"``."""
    return f"process{'es' if len(ranks) > 1 else ''} {', '.join(map(str, ranks))}"


def _describe(error):
    text = str(error).strip().splitlines()
    first = text[0] if text else ""
    return f"{type(error).__name__}: {first}" if first else type(error).__name__


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
            f"process {r}: {' x '.join(map(str, f[0]))} (checksum {f[1]:.6g}, "
            f"order checksum {f[2]:.6g})"
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
