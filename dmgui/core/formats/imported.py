"""What the importers read from a real host, before it becomes a scenario.

Each importer (PowerShell inventory, VM configuration XML, perfmon CSV) returns
these plain records; :mod:`dmgui.core.formats.combine` merges them by VM name (compared
as Hyper-V does: case-insensitively) into a :class:`~dmgui.core.model.scenario.Scenario`.
Memory is in MB (bytes are converted by the importers), a field the source did not
give is ``None``, and nothing here is validated against Hyper-V's rules yet: the
merge does that, so it can say which VM broke which rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class ImportedVm:
    """One VM's memory settings as a source gave them (``None``: not given)."""

    name: str
    source: str  # file name (and record number) it came from, for messages
    dynamic_memory_enabled: bool | None = None
    startup_mb: int | None = None
    minimum_mb: int | None = None
    maximum_mb: int | None = None
    buffer_percent: int | None = None
    weight: int | None = None  # Hyper-V weight 0..10000 (PowerShell Priority × 100)
    running: bool | None = None  # State Running (and the like) vs Off
    generation: int | None = None


@dataclass
class ImportedHost:
    """What a source said about the host (``None``: not given)."""

    source: str
    name: str | None = None
    memory_mb: int | None = None  # Get-VMHost MemoryCapacity, in MB


@dataclass
class Inventory:
    """The VMs and host read from one inventory or configuration file."""

    source: str
    vms: list[ImportedVm] = field(default_factory=list)
    host: ImportedHost | None = None
    #: One line per record that could not be imported, naming it and why.
    problems: list[str] = field(default_factory=list)


@dataclass
class Series:
    """A measured time series: ``times_s`` from the log's first sample (seconds,
    increasing, possibly irregular) and ``values``; NaN where the cell was blank."""

    times_s: np.ndarray
    values: np.ndarray


@dataclass
class VmTrace:
    """One VM's Dynamic Memory counters from a perfmon log (``None``: column absent).

    ``demand_mb`` is Physical Memory × Current Pressure / 100 (spec §5.2), or a
    guest-side ``\\Memory\\Committed Bytes`` in MB.
    """

    name: str
    host: str  # the computer name in the counter path (``\\HOST\\...``)
    physical_mb: Series | None = None
    guest_visible_mb: Series | None = None
    current_pressure: Series | None = None
    average_pressure: Series | None = None
    added_mb: Series | None = None
    removed_mb: Series | None = None
    demand_mb: Series | None = None


@dataclass
class PerfmonLog:
    """Every VM trace in one perfmon / relog / typeperf CSV."""

    source: str
    #: Wall-clock time of the first sample, as written (``MM/dd/yyyy HH:mm:ss.fff``).
    started: str
    vms: list[VmTrace] = field(default_factory=list)
    #: Balancer Available Memory per host name (MB).
    available_mb: dict[str, Series] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
