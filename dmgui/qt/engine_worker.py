"""The one thread bridge: the simulation runs in a worker QObject on its own QThread.

The GUI never calls the worker's methods; it talks through :class:`EngineController`'s
signals, which reach the worker's slots as queued calls on the worker thread. The worker
answers with :class:`~dmgui.core.sim.frame.Frame` snapshots (immutable, read-only arrays)
through ``frame_ready``; the viewer acknowledges each with ``frame_consumed``, and while
two frames are unacknowledged the worker merges new blocks into one later frame.

Pacing: at a finite speed the worker's timer fires about 33 times a second and simulates
``speed × elapsed wall time`` ticks. "As fast as possible" (speed 0) runs slices of about
8 ms every 25 ms: a busier worker holds the GIL so much that the GUI thread's Qt calls
queue behind it (measured with tests/benchmarks/bench_gui.py: 15 ms slices every 8 ms
gave a 10 ms probe timer a p99 lateness of 400+ ms; 8 ms every 25 ms, about 30 ms).
With the compiled engine a slice simulates so much that the GUI thread became the
bottleneck: as fast as possible, frames go out at most every ``_FAST_FRAME_S``
(merged meanwhile), and frames always leave in order, through one pending queue.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np
from PySide6.QtCore import QObject, Qt, QThread, QTimer, Signal, Slot

from dmgui.core.model.scenario import Scenario
from dmgui.core.sim.block import concat_blocks
from dmgui.core.sim.engine import Simulation
from dmgui.core.sim.frame import Frame

FASTEST = 0.0
SPEEDS = (1.0, 10.0, 60.0, 600.0, FASTEST)
_PACED_INTERVAL_MS = 30
_FAST_INTERVAL_MS = 25
_FAST_SLICE_S = 0.008
_MAX_TICKS_PER_CALL = 3600
_MAX_IN_FLIGHT = 2
_MAX_COALESCED_TICKS = 3600
#: As fast as possible, frames go out at most this often (merged meanwhile): the GUI
#: thread, not the engine, is then the bottleneck, and fewer, larger frames cost it
#: less (bench_gui.py: probe lateness p99 ~85 ms at 30 frames/s, ~45 ms at 20).
_FAST_FRAME_S = 0.05
# guest_visible: the run record (File > Export Run as CSV) samples it every frame.
_VIEWED = ("state", "demand", "pressure", "status", "available", "average_pressure",
           "guest_visible")


class EngineWorker(QObject):
    """Owns a :class:`Simulation` and advances it on a timer (lives on the engine thread)."""

    frame_ready = Signal(object)
    running_changed = Signal(bool)
    error_occurred = Signal(str)
    finished = Signal()

    def __init__(self, scenario: Scenario, seed: int | None = None) -> None:
        super().__init__(None)  # no parent: it is moved to the engine thread
        self._scenario = scenario
        self._seed = seed
        self._sim: Simulation | None = None
        self._timer: QTimer | None = None
        self._speed = 60.0
        self._running = False
        self._generation = 0
        self._last_wall = 0.0
        self._carry = 0.0
        self._ticks_per_slice = 64
        self._in_flight = 0
        self._pending: list = []
        self._last_send = 0.0

    @Slot()
    def start(self) -> None:
        """Build the simulation and the timer in the worker thread; publish t = 0."""
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._on_timeout)
        self._sim = Simulation(self._scenario, seed=self._seed)
        self._publish(self._sim.advance_empty())

    @Slot()
    def run(self) -> None:
        """Start (or resume) simulating."""
        if self._running or self._sim is None:
            return
        self._running = True
        self._last_wall = time.monotonic()
        self._carry = 0.0
        self._arm_timer()
        self.running_changed.emit(True)

    @Slot()
    def pause(self) -> None:
        """Stop simulating; the state is kept (and a frame held back is sent)."""
        if self._timer is not None:
            self._timer.stop()
        if self._running:
            self._running = False
            self.running_changed.emit(False)
        self._send_pending_if_due()

    @Slot(float)
    def set_speed(self, speed: float) -> None:
        """Simulated seconds per wall second; 0 means as fast as possible."""
        self._speed = float(speed)
        self._last_wall = time.monotonic()
        self._carry = 0.0
        if self._running:
            self._arm_timer()

    @Slot(object)
    def reset(self, scenario: Scenario) -> None:
        """Start over at t = 0 with ``scenario`` (paused)."""
        self.pause()
        self._pending.clear()
        self._scenario = scenario
        self._generation += 1
        self._sim = Simulation(scenario, seed=self._seed)
        self._publish(self._sim.advance_empty())

    @Slot(object)
    def reconfigure(self, scenario: Scenario) -> None:
        """Apply an edited scenario (VMs added or deleted, host changed), keeping state."""
        if self._sim is None:
            return
        try:
            self._sim.reconfigure(scenario)
        except ValueError as err:
            self.error_occurred.emit(str(err))
            return
        self._scenario = scenario
        # Same generation: the history goes on; viewers re-map columns by name.
        self._publish(self._sim.advance_empty())

    @Slot(str, str, object)
    def submit(self, action: str, vm: str, memory: object) -> None:
        """Queue a VM action (start, shutdown, set_memory, ...) for the next tick.

        While paused it is applied at once at the current simulated second, without
        a tick (only Run or a step advances time), and published so the user sees it:
        before the first Run the auto-start VMs are still Off, and no scheduled event
        fires with the user's action.
        """
        if self._sim is None:
            return
        try:
            self._sim.submit(action, vm, memory)
            if not self._running:
                self._publish(self._sim.apply_now())
        except Exception as err:  # noqa: BLE001 - reported to the user, app stays up
            self.error_occurred.emit(f"Could not {action} '{vm}': {err}")

    @Slot(int)
    def step(self, ticks: int) -> None:
        """Simulate ``ticks`` seconds now (used by tests and screenshots)."""
        remaining = ticks
        while remaining > 0 and self._sim is not None:
            n = min(remaining, _MAX_TICKS_PER_CALL)
            if not self._step(n):
                return
            remaining -= n

    @Slot()
    def stop(self) -> None:
        """Stop for good (window closing)."""
        self.pause()
        self.finished.emit()

    def _arm_timer(self) -> None:
        fast = self._speed == FASTEST
        self._timer.start(_FAST_INTERVAL_MS if fast else _PACED_INTERVAL_MS)

    @Slot()
    def _on_timeout(self) -> None:
        if self._speed == FASTEST:
            self._fast_slice()
            return
        now = time.monotonic()
        self._carry += (now - self._last_wall) * self._speed
        self._last_wall = now
        ticks = min(int(self._carry), _MAX_TICKS_PER_CALL)
        if ticks >= 1:
            self._carry -= ticks
            self._carry = min(self._carry, 1.0)  # never build a backlog when slow
            self._step(ticks)

    def _fast_slice(self) -> None:
        start = time.perf_counter()
        if not self._step(self._ticks_per_slice):
            return
        self._send_pending_if_due()
        spent = max(time.perf_counter() - start, 1e-4)
        scale = float(np.clip(_FAST_SLICE_S / spent, 0.5, 2.0))
        self._ticks_per_slice = int(np.clip(self._ticks_per_slice * scale, 1,
                                            _MAX_TICKS_PER_CALL))

    def _step(self, ticks: int) -> bool:
        try:
            block = self._sim.advance(ticks)
        except Exception as err:  # noqa: BLE001 - a failing tick must not kill the app
            self.pause()
            self.error_occurred.emit(
                f"The simulation stopped at {self._sim.time} s: {type(err).__name__}: {err}")
            return False
        self._publish(block)
        return True

    @Slot()
    def frame_consumed(self) -> None:
        """The viewer has handled a frame; send what piled up meanwhile."""
        self._in_flight = max(0, self._in_flight - 1)
        self._send_pending_if_due()

    def _publish(self, block) -> None:
        # Backpressure: a viewer that falls behind gets merged frames later instead
        # of a growing queue of signals (which would freeze the GUI).
        # Frames always queue behind pending ones, so they arrive in order.
        self._pending.append(Frame.of(self._sim, block, self._generation))
        self._send_pending_if_due()

    def _throttled(self) -> bool:
        """As fast as possible and a frame went out less than _FAST_FRAME_S ago."""
        return (self._running and self._speed == FASTEST
                and time.perf_counter() - self._last_send < _FAST_FRAME_S)

    def _send_pending_if_due(self) -> None:
        if self._pending and self._in_flight < _MAX_IN_FLIGHT and not self._throttled():
            self._send(self._take_pending())

    def _take_pending(self) -> Frame:
        """The oldest pending frames that share their VM columns, merged into one."""
        first = self._pending[0]
        count = 1
        while (count < len(self._pending) and self._pending[count].names == first.names
               and self._pending[count].generation == first.generation):
            count += 1
        group, self._pending = self._pending[:count], self._pending[count:]
        if count == 1:
            return first
        block = concat_blocks([f.block for f in group], keep_last=_MAX_COALESCED_TICKS)
        return dataclasses.replace(group[-1], block=block)

    def _send(self, frame: Frame) -> None:
        for name in _VIEWED:  # derive (and cache) what views read, off the GUI thread
            getattr(frame.block, name)
        self._in_flight += 1
        self._last_send = time.perf_counter()
        self.frame_ready.emit(frame)


class EngineController(QObject):
    """GUI-side handle of the engine thread: signals in, the worker's signals out."""

    run_requested = Signal()
    pause_requested = Signal()
    speed_requested = Signal(float)
    reset_requested = Signal(object)
    reconfigure_requested = Signal(object)
    command_requested = Signal(str, str, object)
    step_requested = Signal(int)
    stop_requested = Signal()
    frame_consumed = Signal()

    def __init__(self, scenario: Scenario, seed: int | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thread = QThread()
        self.thread.setObjectName("dmgui-engine")
        self.worker = EngineWorker(scenario, seed)
        self.worker.moveToThread(self.thread)
        self._wire()

    def _wire(self) -> None:
        w, t = self.worker, self.thread
        t.started.connect(w.start)
        # Direct: quit() is thread-safe, and the GUI thread may be blocked in wait().
        w.finished.connect(t.quit, Qt.ConnectionType.DirectConnection)
        t.finished.connect(w.deleteLater)
        self.run_requested.connect(w.run)
        self.pause_requested.connect(w.pause)
        self.speed_requested.connect(w.set_speed)
        self.reset_requested.connect(w.reset)
        self.reconfigure_requested.connect(w.reconfigure)
        self.command_requested.connect(w.submit)
        self.step_requested.connect(w.step)
        self.stop_requested.connect(w.stop)
        self.frame_consumed.connect(w.frame_consumed)

    def start(self) -> None:
        """Start the engine thread (the worker publishes the t = 0 frame)."""
        self.thread.start()

    def shutdown(self, timeout_ms: int = 5000) -> None:
        """Stop the worker and wait for the thread to end."""
        if not self.thread.isRunning():
            return
        self.stop_requested.emit()
        if not self.thread.wait(timeout_ms):
            self.thread.quit()
            self.thread.wait(timeout_ms)
