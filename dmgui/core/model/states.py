"""VM states, Memory Status values and the event records the engine writes."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np


class VmState(IntEnum):
    """Lifecycle states the simulator models (a subset of Hyper-V's VMState, spec §2.4)."""

    OFF = 0
    STARTING = 1
    RUNNING = 2
    STOPPING = 3
    #: Start requested, memory being ballooned out of other VMs (issue 8 §1.3); the
    #: VM holds no memory yet. Hyper-V Manager shows such a VM as Starting.
    WAITING = 4
    #: Saved (issue 8 §1.7): the VM's memory is in its saved-state file and back in
    #: the pool; Start restores it, which needs that much memory again.
    SAVED = 5
    #: Paused: the guest is frozen and keeps its memory; Resume (or Start) continues.
    PAUSED = 6

    @property
    def label(self) -> str:
        """The text Hyper-V Manager shows in the State column."""
        if self is VmState.WAITING:
            return "Starting (waiting for memory)"
        return self.name.capitalize()


def holds_memory(state: np.ndarray) -> np.ndarray:
    """Which VMs hold memory (and cost overhead): every state but Off, Waiting and
    Saved."""
    return (state != VmState.OFF) & (state != VmState.WAITING) & (state != VmState.SAVED)


class MemoryStatus(IntEnum):
    """Memory Status column values (spec §2.3); NONE shows as a blank cell."""

    NONE = 0
    OK = 1
    LOW = 2
    WARNING = 3
    PAGING = 4

    @property
    def label(self) -> str:
        """The cell text: '', 'OK', 'Low', 'Warning' or 'Paging'."""
        return STATUS_LABELS[self]


STATUS_LABELS = ("", "OK", "Low", "Warning", "Paging")


@dataclass(frozen=True)
class EventRecord:
    """One line of the event log.

    ``kind`` is one of: ``start``, ``start_waiting``, ``start_failed``, ``shutdown``, ``turn_off``,
    ``restart``, ``stopped``, ``set_memory``, ``set_memory_refused``,
    ``smart_paging``, ``smart_paging_cleared``, ``guest_ready``, ``save``, ``pause``,
    ``resume``, ``restore``, ``ignored``.
    """

    at_s: int
    vm: str
    kind: str
    message: str = ""

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"at_s": self.at_s, "vm": self.vm, "kind": self.kind, "message": self.message}


def start_failure_message(vm_name: str, startup_mb: int) -> str:
    """Hyper-V's text for a start refused for lack of memory, one line per line of
    the real dialog (spec §3.4 [ERR S35])."""
    return "\n".join((
        f"'{vm_name}' failed to start.",
        f"Not enough memory in the system to start the virtual machine {vm_name}.",
        "Could not initialize memory: Not enough memory resources are available to "
        "complete this operation. (0x8007000E).",
        f"Not enough memory in the system to start the virtual machine {vm_name} "
        f"with ram size {startup_mb} megabytes.",
    ))


def not_enough_memory_short(vm_name: str) -> str:
    """The key line of the start failure, as tests and the GUI look for it."""
    return f"Not enough memory in the system to start the virtual machine {vm_name}."
