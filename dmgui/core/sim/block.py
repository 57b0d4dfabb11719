"""Blocks of per-tick simulation output and the values derived from them.

A block stores what the engine computes — assigned memory and the guests' demand,
[ticks, VMs] — plus one small :class:`Segment` record per stretch of ticks in which
no VM changed state or settings. Everything else is derived on first access (and
cached), so a consumer pays only for what it reads. Derived values follow spec
§2.3, §5 and §7.6:

* pressure = round(100 × demand / assigned), for DM VMs whose guest reports;
* Memory Status: "Paging" while a Smart Paging file is in use; otherwise from
  AvailableMemoryBuffer = round(100 × (assigned − demand) / (demand × buffer/100)):
  < 0 → Warning, > 80 → OK, else Low; blank for static, Off or not-reporting VMs;
* paging = how far the guest's commit exceeds its assigned memory (it pages);
* guest-visible memory = Startup plus hot-added memory (a high-water mark);
* host Available Memory and Average Pressure (mean over reporting DM VMs).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from dmgui.core.model.states import EventRecord, MemoryStatus, VmState

#: AvailableMemoryBuffer > 80 (after rounding) ⇔ 100·spare/ideal > 80.5.
_OK_RATIO = 80.5 / 100.0


def _readonly(arr: np.ndarray) -> np.ndarray:
    arr.flags.writeable = False
    return arr


@dataclass(frozen=True)
class Segment:
    """Ticks ``start:stop`` of a block, during which these per-VM values held."""

    start: int
    stop: int
    state: np.ndarray  # int8 VmState codes
    reporting: np.ndarray  # bool: DM, running, guest reports (the balancer moves it)
    smart_paging: np.ndarray  # MB in the Smart Paging file
    buffer_percent: np.ndarray
    guest_visible: np.ndarray  # at the segment's start
    pool_mb: float  # memory the VMs' assigned memory may use

    def shifted(self, start: int, stop: int) -> Segment:
        """The same values over other rows (for a sampled block)."""
        return Segment(start, stop, self.state, self.reporting, self.smart_paging,
                       self.buffer_percent, self.guest_visible, self.pool_mb)


@dataclass(frozen=True, eq=False)
class Block:
    """Consecutive ticks of a simulation; arrays are read-only, [ticks, VMs] unless noted.

    Stored: ``time`` [T], ``assigned`` (Assigned Memory, MB), ``guest_demand`` (the
    guest's commit, reported or not), ``segments`` and ``events``. Derived on first
    use: ``state``, ``demand`` (Memory Demand as reported, 0 when not),
    ``guest_visible``, ``pressure``, ``status`` (MemoryStatus codes), ``paging``,
    ``smart_paging``, ``available`` [T], ``average_pressure`` [T], and ``added`` /
    ``removed``: MB added (un-balloon, hot-add, static resize) or removed (balloon) in
    each tick of a VM that was running before and after it (spec §5.2 Added/Removed
    Memory, per tick; a sampled block counts since the previous sampled row).
    """

    time: np.ndarray
    assigned: np.ndarray
    guest_demand: np.ndarray
    segments: tuple[Segment, ...] = ()
    events: tuple[EventRecord, ...] = ()
    #: [N] state and assigned memory just before the first row (for added/removed).
    start_state: np.ndarray | None = None
    start_assigned: np.ndarray | None = None

    #: Names of every per-tick array, stored or derived.
    ARRAYS = ("time", "state", "assigned", "demand", "guest_demand", "guest_visible",
              "pressure", "status", "paging", "smart_paging", "available",
              "average_pressure", "added", "removed")

    def __post_init__(self) -> None:
        for arr in (self.time, self.assigned, self.guest_demand):
            arr.flags.writeable = False

    def __len__(self) -> int:
        return int(self.time.size)

    @property
    def n_vms(self) -> int:
        """Number of VM columns."""
        return int(self.assigned.shape[1])

    def _per_segment(self, fill, dtype=np.float64) -> np.ndarray:
        out = np.zeros(self.assigned.shape, dtype)
        for seg in self.segments:
            fill(out[seg.start:seg.stop], seg)
        return _readonly(out)

    @cached_property
    def state(self) -> np.ndarray:
        def fill(out, seg):
            out[:] = seg.state
        return self._per_segment(fill, np.int8)

    @cached_property
    def smart_paging(self) -> np.ndarray:
        def fill(out, seg):
            out[:] = seg.smart_paging
        return self._per_segment(fill)

    @cached_property
    def demand(self) -> np.ndarray:
        def fill(out, seg):
            np.multiply(self.guest_demand[seg.start:seg.stop], seg.reporting, out=out)
        return self._per_segment(fill)

    @cached_property
    def paging(self) -> np.ndarray:
        out = np.subtract(self.guest_demand, self.assigned)
        np.maximum(out, 0.0, out=out)
        return _readonly(out)

    @cached_property
    def pressure(self) -> np.ndarray:
        def fill(out, seg):
            rows = slice(seg.start, seg.stop)
            # Off VMs have 0 assigned and 0 demand: a floor of 1 MB avoids 0/0, and
            # running VMs always hold far more than 1 MB.
            np.multiply(self.guest_demand[rows], 100.0 * seg.reporting, out=out)
            out /= np.maximum(self.assigned[rows], 1.0)
            np.rint(out, out=out)
        return self._per_segment(fill)

    @cached_property
    def status(self) -> np.ndarray:
        def fill(out, seg):
            rows = slice(seg.start, seg.stop)
            out[:] = memory_status_codes(self.assigned[rows], self.guest_demand[rows],
                                         seg.buffer_percent)
            out *= seg.reporting
            out[:, seg.smart_paging > 0] = MemoryStatus.PAGING
        return self._per_segment(fill, np.int8)

    @cached_property
    def guest_visible(self) -> np.ndarray:
        source = self.__dict__.get("_guest_visible_from")
        if source is not None:  # a sampled or merged block: from the full rows
            return _readonly(np.ascontiguousarray(source()))

        def fill(out, seg):
            out[:] = seg.guest_visible
            cols = np.flatnonzero(seg.reporting)
            if cols.size:
                hot = np.maximum.accumulate(self.assigned[seg.start:seg.stop, cols], axis=0)
                out[:, cols] = np.maximum(hot, seg.guest_visible[cols])
        return self._per_segment(fill)

    @cached_property
    def available(self) -> np.ndarray:
        out = np.empty(len(self))
        totals = self.assigned.sum(axis=1)
        for seg in self.segments:
            out[seg.start:seg.stop] = seg.pool_mb - totals[seg.start:seg.stop]
        return _readonly(out)

    @cached_property
    def average_pressure(self) -> np.ndarray:
        out = np.zeros(len(self))
        for seg in self.segments:
            count = int(seg.reporting.sum())
            if count:
                out[seg.start:seg.stop] = self.pressure[seg.start:seg.stop].sum(axis=1) / count
        return _readonly(out)

    @cached_property
    def _change(self) -> np.ndarray:
        n = self.n_vms
        before_a = self.start_assigned if self.start_assigned is not None else np.zeros(n)
        before_s = self.start_state if self.start_state is not None else np.zeros(n, np.int8)
        change = np.diff(self.assigned, axis=0, prepend=before_a[None, :])
        running = self.state == VmState.RUNNING
        was_running = np.vstack([before_s[None, :] == VmState.RUNNING, running[:-1]])
        change *= running & was_running
        return change

    def memory_moved(self) -> tuple[np.ndarray, np.ndarray]:
        """[N] totals of :attr:`added` and :attr:`removed` over the block, computed
        without the per-tick arrays (removed = added - net change, per segment)."""
        n = self.n_vms
        prev_a = self.start_assigned if self.start_assigned is not None else np.zeros(n)
        prev_s = self.start_state if self.start_state is not None else np.zeros(n, np.int8)
        added, net = np.zeros(n), np.zeros(n)
        for seg in self.segments:
            rows = self.assigned[seg.start:seg.stop]
            running = seg.state == VmState.RUNNING
            first = (rows[0] - prev_a) * (running & (prev_s == VmState.RUNNING))
            steps = np.diff(rows, axis=0)
            added += np.maximum(first, 0.0)
            added += np.maximum(steps, 0.0).sum(axis=0) * running
            net += first + (rows[-1] - rows[0]) * running
            prev_a, prev_s = rows[-1], seg.state
        return added, added - net

    @cached_property
    def added(self) -> np.ndarray:
        return _readonly(np.maximum(self._change, 0.0))

    @cached_property
    def removed(self) -> np.ndarray:
        return _readonly(np.maximum(-self._change, 0.0))

    def rows(self, selector: slice | np.ndarray) -> Block:
        """A block with only the selected rows (a slice or a boolean mask)."""
        keep = np.zeros(len(self), bool)
        keep[selector] = True
        position = np.cumsum(keep)
        segments = []
        for seg in self.segments:
            start = int(position[seg.start - 1]) if seg.start else 0
            stop = int(position[seg.stop - 1]) if seg.stop else 0
            if stop > start:
                segments.append(seg.shifted(start, stop))
        first = int(np.argmax(keep)) if keep.any() else 0
        start_state, start_assigned = self.start_state, self.start_assigned
        if first > 0:
            start_state, start_assigned = self.state[first - 1], self.assigned[first - 1]
        sampled = Block(self.time[keep], self.assigned[keep], self.guest_demand[keep],
                        tuple(segments), self.events, start_state, start_assigned)
        # The high-water mark depends on the rows left out too: take it from here
        # (lazily: most consumers of a sampled block never read it).
        sampled.__dict__["_guest_visible_from"] = lambda: self.guest_visible[keep]
        return sampled


def memory_status_codes(assigned: np.ndarray, demand: np.ndarray,
                        buffer_pct: np.ndarray) -> np.ndarray:
    """OK / Low / Warning codes of reporting DM VMs (spec §2.3, [CODE S24]), int8."""
    spare = assigned - demand
    ok = spare > demand * (np.asarray(buffer_pct) * (_OK_RATIO / 100.0))
    ok &= spare >= 0
    status = np.full(spare.shape, MemoryStatus.LOW, np.int8)
    status -= ok.view(np.int8)  # LOW - 1 = OK
    status += (spare < 0).view(np.int8)  # LOW + 1 = WARNING
    return status


def memory_status_scalar(assigned: float, demand: float, buffer_pct: float) -> MemoryStatus:
    """Memory Status of one reporting DM VM (for tests and single values)."""
    code = memory_status_codes(np.array([assigned]), np.array([demand]),
                               np.array([buffer_pct]))
    return MemoryStatus(int(code[0]))


def concat_blocks(blocks: list[Block], keep_last: int | None = None) -> Block:
    """Join consecutive blocks; keep only the newest ``keep_last`` rows (all events).

    Used to coalesce frames when a viewer cannot keep up with the engine.
    """
    if len(blocks) == 1 and (keep_last is None or len(blocks[0]) <= keep_last):
        return blocks[0]
    segments, offset = [], 0
    for block in blocks:
        segments += [seg.shifted(seg.start + offset, seg.stop + offset)
                     for seg in block.segments]
        offset += len(block)
    joined = Block(np.concatenate([b.time for b in blocks]),
                   np.concatenate([b.assigned for b in blocks]),
                   np.concatenate([b.guest_demand for b in blocks]),
                   tuple(segments), tuple(e for b in blocks for e in b.events),
                   blocks[0].start_state, blocks[0].start_assigned)
    joined.__dict__["_guest_visible_from"] = lambda: np.concatenate(
        [b.guest_visible for b in blocks])
    if keep_last is None or len(joined) <= keep_last:
        return joined
    tail = np.zeros(len(joined), bool)
    tail[-keep_last:] = True
    return joined.rows(tail)


class BlockBuilder:
    """Collects the rows and segments of one :meth:`Simulation.advance` call."""

    def __init__(self, t0: int, n_ticks: int, n_vms: int,
                 start_state: np.ndarray | None = None,
                 start_assigned: np.ndarray | None = None) -> None:
        self.t0 = t0
        self.start_state = start_state
        self.start_assigned = start_assigned
        self.time = np.arange(t0, t0 + n_ticks, dtype=np.int64)
        self.assigned = np.empty((n_ticks, n_vms))
        self.guest_demand = np.empty((n_ticks, n_vms))
        self.segments: list[Segment] = []

    def add_segment(self, segment: Segment) -> None:
        """Record the per-VM values that held over ``segment``'s rows."""
        self.segments.append(segment)

    def build(self, events: tuple[EventRecord, ...]) -> Block:
        """Freeze the collected rows into a :class:`Block`."""
        return Block(self.time, self.assigned, self.guest_demand, tuple(self.segments),
                     events, self.start_state, self.start_assigned)
