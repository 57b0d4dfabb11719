"""A plan or the advice, computed off the GUI thread: :class:`PlanRun` (GUI thread)
starts :class:`PlanWorker` on its own :class:`QThread`.

The worker is a one-shot job. ``thread.started`` runs it: it makes the executor
(:func:`~dmgui.core.planning.executors.local_executor`: a spawn process pool, or
inline for one worker), starts the :class:`Job` — :func:`~dmgui.core.planning.
planner.plan` or :func:`~dmgui.core.planning.advisor.advise` — on a daemon Python
thread, and polls it every :data:`POLL_S`: it passes the job's progress on as signals
and notices Cancel. ``finished`` quits the thread and the thread's ``finished``
deletes both.

Why the job has a thread of its own: Cancel must be prompt, and neither function can
be interrupted in the middle of a simulation (an inline simulation runs in the
caller, and :func:`advise` measures the scenario in the caller, outside any
executor). On Cancel the worker stops waiting at once: a process pool's workers are
terminated (:func:`~dmgui.core.planning.executors.stop_executor`) and the job's
thread is abandoned. It stops at its next progress report, or when the simulation
running in it ends; being a daemon thread (unlike a ``ThreadPoolExecutor``'s, which
Python joins at exit), it never keeps the window or dmgui from closing.

Cancel is the one exception to "the GUI talks to a worker through signals" (style.md
§5.5): while the worker waits, its event loop is not running, so a queued slot would
only be called afterwards. :meth:`PlanRun.cancel` sets a :class:`threading.Event`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from enum import Enum
from queue import Empty, SimpleQueue

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from dmgui.core.model.scenario import Scenario
from dmgui.core.planning.advisor import advise
from dmgui.core.planning.candidates import PlanError
from dmgui.core.planning.executors import ExecutorError, local_executor, stop_executor
from dmgui.core.planning.planner import PlanCancelled, PlanRequest, plan

ExecutorFactory = Callable[[int], Executor]
#: Seconds between the worker's looks at the job (progress, done, Cancel).
#: Longest wait for a cancelled job's thread to stop, s.
JOIN_S = 5.0
POLL_S = 0.05


class JobKind(Enum):
    """What a run computes."""

    PLAN = "plan"
    ADVISE = "advise"


@dataclass(frozen=True)
class Job:
    """A plan or the advice for ``scenario``, as ``request`` asks."""

    kind: JobKind
    scenario: Scenario
    request: PlanRequest

    def run(self, executor: Executor, progress: Callable[[int, str], None],
            cancel: threading.Event):
        """Compute it: a :class:`~dmgui.core.planning.planner.PlanResult` or an
        :class:`~dmgui.core.planning.advisor.AdviceResult`."""
        if self.kind is JobKind.ADVISE:
            return advise(self.scenario, self.request, executor, progress, cancel)
        return plan(self.scenario, self.request, executor, progress, cancel)


class _JobThread:
    """A job on a daemon thread; its progress messages are queued for the worker."""

    def __init__(self, job: Job, executor: Executor, cancel: threading.Event) -> None:
        self.messages: SimpleQueue[str] = SimpleQueue()
        self.done = threading.Event()
        self.result = None
        self.error: BaseException | None = None
        self._cancel = cancel
        threading.Thread(target=self._run, args=(job, executor), daemon=True,
                         name=f"dmgui-{job.kind.value}").start()

    def _run(self, job: Job, executor: Executor) -> None:
        try:
            self.result = job.run(executor, self._report, self._cancel)
        except BaseException as err:  # noqa: BLE001 - handed to the worker
            self.error = err
        finally:
            self.done.set()

    def _report(self, done: int, message: str) -> None:
        if self._cancel.is_set():
            raise PlanCancelled()  # an abandoned job ends at its next report
        self.messages.put(message)


class PlanWorker(QObject):
    """Runs one :class:`Job` (lives on the run's thread; see the module docstring).

    Signals
    -------
    progressed(int, str):
        A simulation ended: how many so far, and what it found.
    succeeded(object):
        The job's result.
    failed(str):
        The job could not be done: one line.
    cancelled():
        The job stopped because :attr:`cancel_event` was set.
    finished():
        After any of the three above; the executor is shut down.
    """

    progressed = Signal(int, str)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    finished = Signal()

    def __init__(self, job: Job, workers: int, cancel_event: threading.Event,
                 executor_factory: ExecutorFactory = local_executor) -> None:
        super().__init__(None)  # no parent: it is moved to the run's thread
        self.job = job
        self._workers = workers
        self.cancel_event = cancel_event
        self._executor_factory = executor_factory
        self._done = 0

    @Slot()
    def run(self) -> None:
        """Run the job, report the outcome, stop the executor, emit ``finished``."""
        executor = None
        stopped = True
        try:
            executor = self._executor_factory(self._workers)
            result = self._wait_for(_JobThread(self.job, executor, self.cancel_event))
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
                _stop(executor, stopped)
            self.finished.emit()

    def _wait_for(self, job: _JobThread):
        while not job.done.wait(POLL_S):
            self._relay(job)
            if self.cancel_event.is_set():
                # The job stops at its next engine block (or pool poll); wait for it,
                # so no simulation runs on while the run's Qt objects are torn down.
                job.done.wait(JOIN_S)
                raise PlanCancelled()
        self._relay(job)
        if isinstance(job.error, Exception):
            raise job.error
        if job.error is not None:  # e.g. SystemExit in the job: shown, not raised
            raise RuntimeError(one_line(job.error))
        return job.result

    def _relay(self, job: _JobThread) -> None:
        while True:
            try:
                message = job.messages.get_nowait()
            except Empty:
                return
            # plan() counts each stage (plan, sweep, the advisor's proofs) from 1;
            # the run counts on.
            self._done += 1
            self.progressed.emit(self._done, message)


def _stop(executor: Executor, stopped: bool) -> None:
    """Shut the executor down: after a cancel or a failure a pool's workers are
    terminated, not left to finish simulations nobody waits for."""
    if stopped:
        stop_executor(executor, abort=True)
    else:
        executor.shutdown(wait=True)


def one_line(err: BaseException) -> str:
    """An unexpected error as one line: its type and the first line of its text."""
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0]}" if text else type(err).__name__


class PlanRun(QObject):
    """One :class:`Job` on its own thread, started by :meth:`start` (lives on the GUI
    thread).

    Signals are the worker's, passed on (queued to the GUI thread); ``finished`` comes
    once the thread has ended.
    """

    progressed = Signal(int, str)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    finished = Signal()

    def __init__(self, job: Job, workers: int,
                 executor_factory: ExecutorFactory = local_executor,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.job = job
        self._cancel = threading.Event()
        self._thread: QThread | None = QThread()
        self._thread.setObjectName(job.kind.value)
        self._worker: PlanWorker | None = PlanWorker(job, workers, self._cancel,
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

    @property
    def kind(self) -> JobKind:
        """A plan or the advice."""
        return self.job.kind

    def start(self) -> None:
        """Start the job."""
        self._thread.start()

    def is_running(self) -> bool:
        """Whether the run's thread has not ended yet."""
        return self._thread is not None

    def cancel(self) -> None:
        """Ask the job to stop; the worker ends within :data:`POLL_S` or so."""
        self._cancel.set()

    def wait(self, timeout_ms: int = 10_000) -> bool:
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
