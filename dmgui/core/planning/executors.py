"""Where a plan's simulations run: in this process, a local process pool, or a Dask
cluster (issue 9 §5). All three hand out :class:`concurrent.futures.Future` s.

Plans and sweeps are many independent simulations, so they parallelise by point. The
process pool uses the *spawn* start method: it is safe next to the GUI's threads, and in
a PyInstaller bundle it re-launches the bundle, which ``multiprocessing.freeze_support``
in the entry point turns into a worker.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor

#: Seconds to wait for a Dask scheduler before giving up.
DASK_CONNECT_TIMEOUT_S = 10


class ExecutorError(RuntimeError):
    """An executor that cannot be used (e.g. an unreachable scheduler); one line."""


class InlineExecutor(Executor):
    """Runs each task at once in this process (one worker, or a test)."""

    def submit(self, fn: Callable, /, *args, **kwargs) -> Future:  # noqa: D102
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as err:  # handed to the caller through the future
            future.set_exception(err)
        return future


def default_workers() -> int:
    """The machine's cores (at least 1)."""
    return max(1, os.cpu_count() or 1)


def local_executor(workers: int | None = None) -> Executor:
    """A pool of ``workers`` processes (default: the cores); inline for 1."""
    workers = workers or default_workers()
    if workers <= 1:
        return InlineExecutor()
    return ProcessPoolExecutor(max_workers=workers,
                               mp_context=multiprocessing.get_context("spawn"))


def dask_executor(address: str) -> tuple[Executor, Callable[[], None]]:
    """An executor on the Dask cluster at ``address`` and a function that closes it.

    Needs the optional ``distributed`` package (``pip install dmgui[cluster]``); the
    workers need dmgui installed. Raises :class:`ExecutorError` with one line when the
    package is missing or the scheduler does not answer within
    :data:`DASK_CONNECT_TIMEOUT_S`.
    """
    try:
        from distributed import Client
    except ImportError:
        raise ExecutorError("--dask needs the 'distributed' package: "
                            "pip install 'dmgui[cluster]'") from None
    try:
        client = Client(address, timeout=DASK_CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError, ValueError) as err:
        raise ExecutorError(f"cannot reach the Dask scheduler at {address}: "
                            f"{type(err).__name__}: {err}".splitlines()[0]) from None
    return client.get_executor(pure=False), client.close


def stop_executor(executor: Executor, abort: bool) -> None:
    """Shut ``executor`` down; with ``abort`` (a cancelled or interrupted plan) its
    worker processes are terminated at once rather than left to finish their
    simulations (an exiting Python would otherwise wait for them)."""
    # No public API before Python 3.14 (terminate_workers): the pool's own map, read
    # before shutdown() forgets it.
    processes = list((getattr(executor, "_processes", None) or {}).values())
    executor.shutdown(wait=False, cancel_futures=True)
    if abort:
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(timeout=5)
