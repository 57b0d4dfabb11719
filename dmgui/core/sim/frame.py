"""What a running simulation hands to a viewer: a block plus the context to read it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from dmgui.core.model.memory import MemorySettings
from dmgui.core.model.states import MemoryStatus
from dmgui.core.sim.block import Block, memory_status_codes
from dmgui.core.sim.vm_arrays import VmArrays

if TYPE_CHECKING:
    from dmgui.core.sim.engine import Simulation


@dataclass(frozen=True)
class Frame:
    """An immutable snapshot for viewers on another thread.

    Attributes
    ----------
    block:     the ticks simulated since the previous frame (may be empty after a reset).
    names:     VM names, in column order.
    settings:  each VM's memory settings at the end of the block.
    boot_time: [N] second each VM last started (NaN when Off).
    sim_time:  the simulated second the next tick will have.
    generation: increases on every reset, so viewers know to forget their history
        (VMs added or deleted keep the generation: match columns by name).
    live:      each VM's current values (also right after a reconfiguration, when
        the block has no rows).
    """

    block: Block
    names: tuple[str, ...]
    settings: tuple[MemorySettings, ...]
    boot_time: np.ndarray
    sim_time: int
    generation: int = 0
    live: LiveValues | None = None

    def __post_init__(self) -> None:
        self.boot_time.flags.writeable = False

    @classmethod
    def of(cls, sim: Simulation, block: Block, generation: int = 0) -> Frame:
        """The frame of ``sim`` right after it produced ``block``."""
        return cls(block=block, names=tuple(sim.names), settings=tuple(sim.vms.settings),
                   boot_time=sim.vms.boot_time.copy(), sim_time=sim.time,
                   generation=generation, live=LiveValues.of(sim.vms))

    def current(self) -> LiveValues:
        """Each VM's values now: from the simulation if known, else the block's last row."""
        if self.live is not None:
            return self.live
        return LiveValues.from_block(self.block, len(self.names))

    @property
    def uptime_s(self) -> np.ndarray:
        """[N] seconds since each VM started (NaN when Off)."""
        return self.sim_time - self.boot_time


@dataclass(frozen=True)
class LiveValues:
    """[N] arrays of what the VM list shows now: state, assigned, demand, status."""

    state: np.ndarray
    assigned: np.ndarray
    demand: np.ndarray
    status: np.ndarray

    @classmethod
    def of(cls, v: VmArrays) -> LiveValues:
        """The values a :class:`VmArrays` holds between ticks."""
        status = memory_status_codes(v.assigned, v.demand, v.buffer_percent)
        status *= v.managed_mask()
        status[v.smart_paging > 0] = MemoryStatus.PAGING
        return cls(v.state.copy(), v.assigned.copy(), v.demand.copy(), status)

    @classmethod
    def from_block(cls, block: Block, n_vms: int) -> LiveValues:
        """The last row of ``block`` (all Off for an empty block)."""
        if len(block) == 0:
            zeros = np.zeros(n_vms)
            return cls(np.zeros(n_vms, np.int8), zeros, zeros, np.zeros(n_vms, np.int8))
        return cls(block.state[-1], block.assigned[-1], block.demand[-1], block.status[-1])


def format_uptime(seconds: float) -> str:
    """Hyper-V Manager's Uptime cell: ``hh:mm:ss`` or ``d.hh:mm:ss``; blank if not running."""
    if seconds is None or not np.isfinite(seconds):
        return ""
    total = int(seconds)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{days}.{clock}" if days else clock


def format_mb(value: float) -> str:
    """An Assigned Memory / Memory Demand cell: '1024 MB'."""
    return f"{int(round(value))} MB"
