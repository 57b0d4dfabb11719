"""The plotted history of a running simulation: ring buffers fed by frames.

Qt-free (numpy only) so it is tested without a display. Memory and draw cost stay
flat for any window: at most :data:`MAX_POINTS` rows are kept, and for windows
longer than that many seconds only every ``k``-th simulated second is stored
(``k = ceil(window / MAX_POINTS)``).
"""

from __future__ import annotations

import math

import numpy as np

from dmgui.core.model.memory import MemorySettings
from dmgui.core.model.states import holds_memory
from dmgui.core.sim.balancer import targets
from dmgui.core.sim.block import Block
from dmgui.core.sim.frame import Frame
from dmgui.core.sim.ring import RingBuffer

#: Rows kept per series: one hour at full (1 s) resolution, plus the window's end point.
MAX_POINTS = 3600
_CAPACITY = MAX_POINTS + 1
_HOST_COLUMNS = 4  # time, total assigned, available, average pressure


class PlotHistory:
    """Per-VM and host series of the current simulation, oldest row first.

    Parameters
    ----------
    window_s:
        Seconds of simulated time the plots show (the rolling window).

    Notes
    -----
    Per VM it stores Assigned Memory (NaN while the VM is Off), reported Memory
    Demand and pressure (NaN where the guest does not report) and the VM state; per tick it stores the
    time, the total assigned memory, the balancer's Available Memory and its
    Average Pressure (NaN when no VM reports).
    """

    def __init__(self, window_s: int = 3600) -> None:
        self.window_s = _check_window(window_s)
        self.names: tuple[str, ...] = ()
        self.settings: tuple[MemorySettings, ...] = ()
        self.generation: int | None = None
        self._host = RingBuffer(_CAPACITY, _HOST_COLUMNS)
        self._vm: dict[str, RingBuffer] = {}
        self._allocate(0)

    @property
    def step_s(self) -> int:
        """Seconds between stored rows: ``ceil(window / MAX_POINTS)``."""
        return max(1, math.ceil(self.window_s / MAX_POINTS))

    def __len__(self) -> int:
        return len(self._host)

    # -- feeding -----------------------------------------------------------------

    def add(self, frame: Frame) -> None:
        """Append the rows of ``frame`` worth keeping; reset on a new generation."""
        if frame.generation != self.generation:
            self._reset(frame)
        elif frame.names != self.names:
            self._remap(frame.names)  # VMs added or deleted while running
        self.settings = frame.settings
        block = frame.block
        if len(block) == 0:
            return
        if len(self) and block.time[0] <= self.newest_time():
            self._reset(frame)  # time went backwards without a new generation
        if self.step_s > 1:
            block = block.rows(np.flatnonzero(block.time % self.step_s == 0))
        if len(block) > _CAPACITY:  # older rows would be overwritten at once
            block = block.rows(slice(len(block) - _CAPACITY, None))
        if len(block):
            self._append(block, frame.settings)

    def clear(self) -> None:
        """Forget every row (names and settings stay)."""
        self._host.clear()
        for ring in self._vm.values():
            ring.clear()

    def set_window(self, seconds: int) -> None:
        """Show ``seconds`` of history; re-thins stored rows if the step grows."""
        old_step = self.step_s
        self.window_s = _check_window(seconds)
        if self.step_s != old_step and len(self):
            self._rethin()

    # -- reading -----------------------------------------------------------------

    def newest_time(self) -> float:
        """Simulated second of the newest row (NaN when empty)."""
        if not len(self):
            return math.nan
        return float(self._host.column(0)[-1])

    def window_start(self) -> int:
        """Index of the first stored row inside the rolling window."""
        times = self._host.column(0)
        if times.size == 0:
            return 0
        return int(np.searchsorted(times, times[-1] - self.window_s, side="left"))

    def times(self) -> np.ndarray:
        """[T] simulated seconds of the rows in the window."""
        return self._host.column(0)[self.window_start() :]

    def host(self) -> dict[str, np.ndarray]:
        """[T] series ``assigned`` (total), ``available`` and ``average_pressure``."""
        rows = self._host.view()[self.window_start() :]
        return {
            "assigned": rows[:, 1],
            "available": rows[:, 2],
            "average_pressure": rows[:, 3],
        }

    def vm(self, index: int) -> dict[str, np.ndarray]:
        """[T] series ``assigned``, ``demand``, ``pressure`` and ``state`` of one VM."""
        start = self.window_start()
        return {key: ring.column(index)[start:] for key, ring in self._vm.items()}

    def matrix(self, key: str) -> np.ndarray:
        """[VMs, T] values of ``key`` (``pressure``, ``state``, ...) in the window."""
        return self._vm[key].view()[self.window_start() :].T

    # -- internals ---------------------------------------------------------------

    def _reset(self, frame: Frame) -> None:
        self.generation = frame.generation
        self.names = frame.names
        self._allocate(len(frame.names))

    def _remap(self, names: tuple[str, ...]) -> None:
        """Keep the stored history of VMs that remain; new VMs start with none."""
        old = {name: j for j, name in enumerate(self.names)}
        rows = len(self._host)
        for key, ring in self._vm.items():
            stored = ring.view()
            fill = 0 if key == "state" else np.nan  # Off / not reported
            data = np.full((rows, len(names)), fill, stored.dtype)
            for i, name in enumerate(names):
                if name in old:
                    data[:, i] = stored[:, old[name]]
            fresh = RingBuffer(_CAPACITY, len(names), stored.dtype)
            fresh.extend(data)
            self._vm[key] = fresh
        self.names = names

    def _allocate(self, n_vms: int) -> None:
        self._host = RingBuffer(_CAPACITY, _HOST_COLUMNS)
        self._vm = {
            "assigned": RingBuffer(_CAPACITY, n_vms, np.float32),
            "demand": RingBuffer(_CAPACITY, n_vms, np.float32),
            "pressure": RingBuffer(_CAPACITY, n_vms, np.float32),
            # The buffer target with the settings in force when the row arrived, so
            # a later settings change does not rewrite the past.
            "target": RingBuffer(_CAPACITY, n_vms, np.float32),
            "state": RingBuffer(_CAPACITY, n_vms, np.int8),
        }

    def _append(self, block: Block, settings: tuple[MemorySettings, ...]) -> None:
        """Store ``block``'s rows (the block derives what is read, so read little)."""
        reported = (
            block.demand > 0
        )  # the engine writes 0 where the guest does not report
        host = np.empty((len(block), _HOST_COLUMNS))
        host[:, 0] = block.time
        host[:, 1] = block.assigned.sum(axis=1)
        host[:, 2] = block.available
        host[:, 3] = np.where(reported.any(axis=1), block.average_pressure, np.nan)
        self._host.extend(host)
        # An Off (or Saved, or waiting) VM has no Assigned Memory (a blank cell in
        # Hyper-V Manager): a gap in its plot, not 0 MB. The host's total above still
        # counts it as 0.
        self._vm["assigned"].extend(np.where(holds_memory(block.state), block.assigned,
                                             np.nan))
        self._vm["demand"].extend(np.where(reported, block.demand, np.nan))
        self._vm["pressure"].extend(np.where(reported, block.pressure, np.nan))
        self._vm["target"].extend(np.where(reported, _targets(block.demand, settings),
                                           np.nan))
        self._vm["state"].extend(block.state)

    def _rethin(self) -> None:
        """Keep the first stored row of each ``step_s`` bucket (after a step change)."""
        times = self._host.column(0)
        buckets = np.floor_divide(times, self.step_s)
        keep = np.flatnonzero(np.r_[True, np.diff(buckets) > 0])
        for ring in (self._host, *self._vm.values()):
            rows = ring.view()[keep]
            ring.clear()
            ring.extend(rows)


def _targets(demand: np.ndarray, settings: tuple[MemorySettings, ...]) -> np.ndarray:
    """[T, N] buffer targets of ``demand`` under ``settings`` (spec §3.1)."""
    factor = np.array([1.0 + s.buffer_percent / 100.0 for s in settings])
    low = np.array([s.minimum_mb for s in settings], float)
    high = np.array([s.maximum_mb for s in settings], float)
    return targets(demand, factor, low, high)[1]


def _check_window(seconds: int) -> int:
    seconds = int(seconds)
    if seconds <= 0:
        raise ValueError("the window must be at least one second")
    return seconds
