"""One process of a small data-parallel job that leaves ``skae.data_parallel()``
one particular way; launched by test_data_parallel.py (and by
benchmarks/stress_data_parallel.py).

Run as ``python tests/data_parallel_exits.py SCENARIO`` in every process, with
``RANK``, ``WORLD_SIZE``, ``MASTER_ADDR`` and ``MASTER_PORT`` set. Every
scenario ends the job's way out of the block; the test reads each process's
exit code and standard error.
"""

import os
import signal
import sys

from sklearn.datasets import load_digits

import skae

X = load_digits().data[:240] / 16
TIMEOUT = float(os.environ.get("SKAE_TEST_TIMEOUT", "20"))


def small(**params):
    params = {"n_components": 3, "hidden_layer_sizes": (16,), "batch_size": 32,
              "max_iter": 3, "random_state": 0, **params}
    return skae.Autoencoder(**params)


def interrupt_in_epoch(epoch):
    """Ctrl-C to this process, as a terminal sends it, at the first batch of ``epoch``.

    Tied to training progress rather than to a clock, so that it lands inside
    the fit however fast or loaded the machine is.
    """
    from skae import _net

    # A process started in the background inherits SIGINT as ignored (POSIX
    # shells do that to asynchronous commands), and Python then installs no
    # KeyboardInterrupt handler: install it, as in a terminal.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    original = _net.AutoencoderNet.on_batch_begin

    def on_batch_begin(net, *args, **kwargs):
        original(net, *args, **kwargs)
        if len(net.history) == epoch and kwargs.get("training"):
            os.kill(os.getpid(), signal.SIGINT)

    _net.AutoencoderNet.on_batch_begin = on_batch_begin


def main(scenario):
    rank = int(os.environ["RANK"])
    with skae.data_parallel(timeout=TIMEOUT) as ctx:
        if scenario == "ok":
            small().fit(X)
        elif scenario == "refuse-one":  # the last process has other rows
            small().fit(X[:100] if rank == ctx.world_size - 1 else X)
        elif scenario == "refuse-some":  # every process but 0 has other rows
            small().fit(X[: 100 + rank])
        elif scenario == "refuse-order":  # process 1 has the rows reversed
            small().fit(X[::-1] if rank == 1 else X)
        elif scenario == "refuse-caught":  # refused, caught, and the job goes on
            try:
                small().fit(X[: 100 + rank])
            except ValueError:
                pass
            small().fit(X)
        elif scenario == "error":  # process 1 fails while process 0 fits
            if rank == 1:
                raise RuntimeError("boom on purpose in process 1")
            small().fit(X)
        elif scenario == "interrupt":  # Ctrl-C in process 1 in the middle of training
            if rank == 1:
                interrupt_in_epoch(3)
            small(max_iter=50).fit(X)
        elif scenario == "skip":  # process 1 skips a fit: process 0 waits in vain
            if rank != 1:
                small().fit(X)
        else:
            raise SystemExit(f"unknown scenario {scenario!r}")
    print(f"process {rank} left the block", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
