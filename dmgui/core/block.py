"""Blocks of per-tick simulation output and the values derived from them.

Derived values follow spec §2.3, §5 and §7.6:

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

import numpy as np

from dmgui.core.scenario import Host
from dmgui.core.states import EventRecord, MemoryStatus
from dmgui.core.vm_arrays import VmArrays


@dataclass(frozen=True)
class Block:
    """Consecutive ticks of a simulation. Arrays are [ticks, VMs] unless noted; read-only.

    Attributes
    ----------
    time:            [T] simulated second of each row.
    state:           VmState codes (int8).
    assigned:        Assigned Memory, MB.
    demand:          Memory Demand as Hyper-V reports it (0 when not reported).
    guest_demand:    the guest's committed memory, reported or not, MB.
    guest_visible:   Guest Visible Physical Memory, MB.
    pressure:        Current Pressure, % (0 when not reported).
    status:          MemoryStatus codes (int8).
    paging:          MB the guest commits beyond its assigned memory.
    smart_paging:    MB held in the Smart Paging file.
    available:       [T] the balancer's Available Memory, MB.
    average_pressure:[T] the balancer's Average Pressure, %.
    events:          event records of this block's ticks.
    """

    time: np.ndarray
    state: np.ndarray
    assigned: np.ndarray
    demand: np.ndarray
    guest_demand: np.ndarray
    guest_visible: np.ndarray
    pressure: np.ndarray
    status: np.ndarray
    paging: np.ndarray
    smart_paging: np.ndarray
    available: np.ndarray
    average_pressure: np.ndarray
    events: tuple[EventRecord, ...] = ()

    def __post_init__(self) -> None:
        for value in self.__dict__.values():
            if isinstance(value, np.ndarray):
                value.flags.writeable = False

    def __len__(self) -> int:
        return int(self.time.size)

    def rows(self, selector: slice | np.ndarray) -> Block:
        """A block with only the selected rows (for sampling)."""
        fields = {
            name: (value[selector] if isinstance(value, np.ndarray) else value)
            for name, value in self.__dict__.items()
        }
        return Block(**fields)


class BlockBuilder:
    """Collects the rows of one :meth:`Simulation.advance` call."""

    def __init__(self, t0: int, n_ticks: int, n_vms: int) -> None:
        shape = (n_ticks, n_vms)
        self.t0 = t0
        self.time = np.arange(t0, t0 + n_ticks, dtype=np.int64)
        self.state = np.empty(shape, np.int8)
        self.assigned = np.empty(shape)
        self.demand = np.zeros(shape)
        self.guest_demand = np.empty(shape)
        self.guest_visible = np.empty(shape)
        self.pressure = np.zeros(shape, np.float32)
        self.status = np.zeros(shape, np.int8)
        self.paging = np.empty(shape)
        self.smart_paging = np.empty(shape)
        self.available = np.empty(n_ticks)
        self.average_pressure = np.zeros(n_ticks)

    def fill_segment(self, rows: slice, v: VmArrays, host: Host, managed: np.ndarray) -> None:
        """Derive the segment's values once ``assigned`` and ``guest_demand`` are in.

        ``v`` holds the settings in force during the segment; ``managed`` are the
        indices of the VMs the balancer moved (they also report demand).
        """
        a = self.assigned[rows]
        g = self.guest_demand[rows]
        self.state[rows] = v.state
        self.smart_paging[rows] = v.smart_paging
        np.maximum(g - a, 0.0, out=self.paging[rows])
        self.available[rows] = v.free_pool_mb(host) - a.sum(axis=1)
        gv = self.guest_visible[rows]
        gv[:] = v.guest_visible
        paging_cols = np.flatnonzero(v.smart_paging > 0)
        self.status[rows, paging_cols] = MemoryStatus.PAGING
        if managed.size == 0:
            return
        am, gm = a[:, managed], g[:, managed]
        gv[:, managed] = np.maximum(np.maximum.accumulate(am, axis=0), v.guest_visible[managed])
        v.guest_visible[managed] = gv[-1, managed]
        self.demand[rows, managed] = gm
        pressure = np.rint(100.0 * gm / am)
        self.pressure[rows, managed] = pressure
        self.average_pressure[rows] = pressure.mean(axis=1)
        self.status[rows, managed] = _memory_status(am, gm, v.buffer_percent[managed])

    def build(self, events: tuple[EventRecord, ...]) -> Block:
        """Freeze the collected rows into a :class:`Block`."""
        return Block(
            time=self.time, state=self.state, assigned=self.assigned, demand=self.demand,
            guest_demand=self.guest_demand, guest_visible=self.guest_visible,
            pressure=self.pressure, status=self.status, paging=self.paging,
            smart_paging=self.smart_paging, available=self.available,
            average_pressure=self.average_pressure, events=events,
        )


def _memory_status(assigned: np.ndarray, demand: np.ndarray, buffer_pct: np.ndarray) -> np.ndarray:
    """OK / Low / Warning from AvailableMemoryBuffer (spec §2.3, [CODE S24])."""
    spare = assigned - demand
    ideal = demand * (buffer_pct / 100.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        avail_pct = np.rint(100.0 * spare / ideal)
    ok = np.where(ideal > 0, avail_pct > 80, spare >= 0)
    status = np.where(ok, MemoryStatus.OK, MemoryStatus.LOW).astype(np.int8)
    status[spare < 0] = MemoryStatus.WARNING
    return status


def memory_status_scalar(assigned: float, demand: float, buffer_pct: float) -> MemoryStatus:
    """Memory Status of one reporting DM VM (for tests and single values)."""
    code = _memory_status(np.array([assigned]), np.array([demand]), np.array([buffer_pct]))
    return MemoryStatus(int(code[0]))
