"""Run the studies of a manifest (or the partitions of ``respond``) on a Dask cluster.

Dask is an optional extra (``pip install 'recist[dask]'``): this module imports
``distributed`` only when a cluster is asked for, so the default process pool and
``recist measure --help`` never load it.

* :func:`dask_client` connects to an existing scheduler (``tcp://host:8786``: a
  ``dask scheduler`` with its ``dask worker`` processes, a dask-jobqueue cluster …) or
  starts a ``distributed.LocalCluster`` of worker processes on this machine;
* :func:`dask_executor` gives that client as a ``concurrent.futures.Executor`` for
  ``recist.pipeline.manifest.measure_manifest`` / ``measure_manifest_to_csv``.

A task carries the study's paths (never its pixels): each worker reads its own series from
the shared filesystem and returns the study's rows and findings. When a worker dies in the
middle of a study, the scheduler runs the study again on another worker (up to
``distributed.scheduler.allowed-failures`` times, 3 by default) and the table still holds
it once.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from typing import Any

__all__ = ["DASK_MISSING", "dask_client", "dask_executor", "require_dask"]

DASK_MISSING = ("needs the optional Dask packages: install them with "
                "pip install 'recist[dask]' (dask[dataframe] and distributed)")
"""The end of the message when Dask is not installed."""


def require_dask(what: str) -> None:
    """Raise ``ValueError`` (``"{what} needs the optional Dask packages …"``) when
    ``dask.distributed`` cannot be imported."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise ValueError(f"{what} {DASK_MISSING}") from None


def _recist_version() -> str:
    from recist import __version__

    return __version__


@contextmanager
def dask_client(scheduler: str | None = None, workers: int | None = None, *,
                connect_timeout: float | None = None) -> Iterator[Any]:
    """A ``distributed.Client``: on the cluster of ``scheduler``, or on a new
    ``LocalCluster`` of ``workers`` single-threaded processes (default: one per core).

    Raises ``ValueError`` with one line when Dask is not installed, when the scheduler
    cannot be reached within ``connect_timeout`` seconds (default: Dask's
    ``distributed.comm.timeouts.connect``, 30 s, e.g. from the environment variable
    ``DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT``), or when a worker cannot import this
    version of ``recist``. The local cluster (not an existing one) is shut down on exit.
    """
    require_dask("--scheduler" if scheduler else "--dask")
    from distributed import Client, LocalCluster

    from recist import __version__

    if scheduler:
        try:
            client = (Client(scheduler) if connect_timeout is None
                      else Client(scheduler, timeout=connect_timeout))
        except ValueError as error:  # distributed's own message for a malformed address
            raise ValueError(f"--scheduler {scheduler}: {error}; give the scheduler's "
                             "address, e.g. tcp://host:8786") from None
        except (OSError, TimeoutError) as error:
            raise ValueError(
                f"cannot reach the Dask scheduler at {scheduler} ({type(error).__name__}: "
                f"{error}); check the address (e.g. tcp://host:8786) and that "
                "`dask scheduler` is running") from None
        try:
            _check_workers(client, scheduler, __version__)
            yield client
        finally:
            client.close()
        return
    import dask

    # The workers get the environment of the local pool's processes: Dask's nanny would set
    # MALLOC_TRIM_THRESHOLD_ and OMP_NUM_THREADS=1, which cost a study here +70 ms and
    # +40 ms (~100 ms on the pool's ~110 ms; benchmarks/measure_cluster.py).
    unset = {f"distributed.nanny.pre-spawn-environ.{name}": None
             for name in ("MALLOC_TRIM_THRESHOLD_", "OMP_NUM_THREADS")}
    with dask.config.set(unset):
        cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1,
                               threads_per_worker=1, processes=True,
                               dashboard_address=":0", silence_logs=logging.ERROR)
    try:
        client = Client(cluster)
        try:
            yield client
        finally:
            client.close()
    finally:
        cluster.close()


def _check_workers(client: Any, scheduler: str, version: str) -> None:
    """Every worker already connected imports this version of ``recist``."""
    try:
        versions = client.run(_recist_version)
    except Exception as error:  # noqa: BLE001 - any failure means the workers cannot run us
        raise ValueError(
            f"the workers of {scheduler} cannot run recist ({type(error).__name__}: "
            f"{error}); install recist {version} with its [dask] extra on every worker") \
            from None
    wrong = {worker: v for worker, v in versions.items() if v != version}
    if wrong:
        worker, other = next(iter(wrong.items()))
        raise ValueError(
            f"worker {worker} of {scheduler} runs recist {other}, this command recist "
            f"{version} ({len(wrong)} worker(s) differ); install the same version on every "
            "worker")


@contextmanager
def dask_executor(scheduler: str | None = None,
                  workers: int | None = None) -> Iterator[Executor]:
    """A ``concurrent.futures.Executor`` running each call as a Dask task (see
    :func:`dask_client` for the arguments). Calls are not cached between runs
    (``pure=False``): a study is measured again when its files have changed.

    Examples
    --------
    >>> from recist.pipeline.manifest import measure_manifest_to_csv
    >>> with dask_executor(workers=2) as executor:  # doctest: +SKIP
    ...     run = measure_manifest_to_csv("manifest.csv", "m.csv", executor=executor)
    """
    with dask_client(scheduler, workers) as client:
        executor = client.get_executor(pure=False)
        yield executor
