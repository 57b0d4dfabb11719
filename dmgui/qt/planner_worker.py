"""A plan run off the GUI thread: :class:`PlanWorker` on its own :class:`QThread`.

The worker is a one-shot job: ``thread.started`` runs :func:`~dmgui.core.planning.
planner.plan` once, with its own executor (:func:`~dmgui.core.planning.executors.
local_executor`: a spawn process pool, or inline for one worker), and reports through
signals; ``finished`` quits the thread and the thread's ``finished`` deletes both.

Cancel is the one exception to "the GUI talks to a worker through signals" (style.md
§5.5): while :func:`plan` runs, the worker thread's event loop is not running, so a
queued slot would only be called after the plan. :meth:`PlanRun.cancel` sets a
:class:`threading.Event` that :func:`plan` checks between simulations instead.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Executor

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from dmgui.core.planning.candidates import PlanError
from dmgui.core.planning.executors import ExecutorError, local_executor
from dmgui.core.planning.planner import PlanCancelled, PlanRequest, plan
from dmgui.core.scenario import Scenario

ExecutorFactory = Callable[[int], Executor]


class PlanWorker(QObject):
    """Runs one plan (lives on the plan's thread; see the module docstring).

    Signals
    -------
    progressed(int, str):
        A simulation ended: how many so far, and what it found.
    succeeded(object):
        The :class:`~dmgui.core.planning.planner.PlanResult`.
    failed(str):
        The plan could not be made: one line.
    cancelled():
        The plan stopped because :attr:`cancel_event` was set.
    finished():
        After any of the three above; the executor is shut down.
    """

    progressed = Signal(int, str)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    finished = Signal()

    def __init__(self, scenario: Scenario, request: PlanRequest, workers: int,
                 cancel_event: threading.Event,
                 executor_factory: ExecutorFactory = local_executor) -> None:
        super().__init__(None)  # no parent: it is moved to the plan's thread
        self._scenario = scenario
        self._request = request
        self._workers = workers
        self.cancel_event = cancel_event
        self._executor_factory = executor_factory
        self._done = 0

    @Slot()
    def run(self) -> None:
        """Plan, report the outcome, shut the executor down, emit ``finished``."""
        executor = None
        stopped = True
        try:
            executor = self._executor_factory(self._workers)
            result = plan(self._scenario, self._request, executor, self._on_progress,
                          self.cancel_event)
        except PlanCancelled:
            self.cancelled.emit()
        except (PlanError, ExecutorError) as err:
            self.failed.emit(str(err))
        except Exception as err:  # noqa: BLE001 - any failure is shown, never raised
            self.failed.emit(one_line(err))
        else:
            stopped = False
            self.succeeded.emit(result)
        finally:
            if executor is not None:
                # After a cancel or a failure, simulations still running in worker
                # processes are not waited for; they end on their own.
                executor.shutdown(wait=not stopped, cancel_futures=True)
            self.finished.emit()

    def _on_progress(self, done: int, message: str) -> None:
        # plan() counts each stage (plan, then sweep) from 1; the run counts on.
        self._done += 1
        self.progressed.emit(self._done, message)


def one_line(err: BaseException) -> str:
    """An unexpected error as one line: its type and the first line of its text."""
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0]}" if text else type(err).__name__


class PlanRun(QObject):
    """One plan on its own thread, started by :meth:`start` (lives on the GUI thread).

    Signals are the worker's, passed on (queued to the GUI thread); ``finished`` comes
    once the thread has ended.
    """

    progressed = Signal(int, str)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    finished = Signal()

    def __init__(self, scenario: Scenario, request: PlanRequest, workers: int,
                 executor_factory: ExecutorFactory = local_executor,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cancel = threading.Event()
        self._thread: QThread | None = QThread()
        self._thread.setObjectName("plan")
        self._worker: PlanWorker | None = PlanWorker(scenario, request, workers, self._cancel,
                                  executor_factory)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        for name in ("progressed", "succeeded", "failed", "cancelled"):
            getattr(self._worker, name).connect(getattr(self, name))
        # Direct: quit() is thread-safe, and a queued call would wait for the GUI
        # thread, which blocks in wait() while the window closes.
        self._worker.finished.connect(self._thread.quit, Qt.ConnectionType.DirectConnection)
        self._thread.finished.connect(self._worker.deleteLater)
        self._thread.finished.connect(self._on_thread_finished)

    def start(self) -> None:
        """Start the plan."""
        self._thread.start()

    def is_running(self) -> bool:
        """Whether the plan's thread has not ended yet."""
        return self._thread is not None

    def cancel(self) -> None:
        """Ask the plan to stop after the simulations running now."""
        self._cancel.set()

    def wait(self, timeout_ms: int = 30_000) -> bool:
        """Cancel, then block until the thread has ended (window close, app exit)."""
        self.cancel()
        return self._thread is None or self._thread.wait(timeout_ms)

    @Slot()
    def _on_thread_finished(self) -> None:
        thread, self._thread = self._thread, None
        self._worker = None  # deleted by the thread's finished signal
        if thread is not None:
            thread.deleteLater()
        self.finished.emit()
