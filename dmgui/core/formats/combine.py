"""Merging what was read from a real host into a scenario (issue 10 §1 "Combine").

:func:`read_host_file` tells a file's format from its content (a ``.vmcx`` or ``.blg``
also by its name) and reads it: a perfmon CSV becomes a :class:`PerfmonLog`, a
PowerShell inventory (JSON/CSV) or a VM configuration XML an :class:`Inventory`.
:func:`combine` merges any number of them into a :class:`Scenario` whose VMs replay
the measured demand, and says what it assumed and what it left out.

The rules:

* VMs are matched by name as Hyper-V compares names: case-insensitively
  (``str.casefold``). The first inventory record's spelling is kept.
* Records of one VM (``Get-VM`` + ``Get-VMMemory`` + XML, in any files) merge; a
  value two records give differently leaves the VM out, with a line naming the
  values. So do a name that is no displayable name, a Dynamic Memory VM without its
  Minimum or Maximum, and settings Hyper-V would refuse for the version (Hyper-V's
  own message): a VM that breaks a rule is not "corrected", and the others import.
* Settings come only from an inventory or configuration file. A trace of a VM no
  such file has, or perfmon logs alone, make the import fail (:class:`ImportProblem`):
  nothing is guessed. So do two ``Get-VMHost`` records that differ, traces of one VM
  that overlap in time, and logs spanning more than the simulator's 366 days.
* A trace replays the VM's demand (Physical Memory × Current Pressure / 100, or a
  guest's Committed Bytes) as a linear ``trace`` workload; its Physical Memory
  becomes the VM's ``measured`` Assigned Memory. t = 0 is the first sample of the
  earliest log; later logs sit at their first sample's local time after it (the
  header's time zone is not read: every log is taken in one zone). Blank samples are
  dropped; times are kept to the millisecond and MB to 0.1. A series of at most
  :data:`MAX_TRACE_POINTS` samples is kept whole; a longer one is cut into
  ``MAX_TRACE_POINTS - 2`` buckets of equal time, each giving its highest sample (at
  its own time) so no peak is lost, plus the first and last samples so the trace
  spans the log.
* A VM without a trace demands its Startup RAM all the time; a static one (perfmon
  has no Dynamic Memory counters for it) what its memory holds with its buffer,
  ``floor(Startup / (1 + buffer/100))``, so it does not fail a plan's criterion by
  construction. A VM that was running
  (``Get-VM`` State) starts at t = 0; an Off one stays off; one of unknown state
  starts if it was traced.
* Version: ``version`` (2008 R2 [SP1], 2012 [R2], 2016, 2019, 2022 on the three
  profiles), else the newest configuration version of the XML files, else 2012 R2.
  Host memory: ``host_memory_mb``, else ``Get-VMHost`` MemoryCapacity, else the
  smallest whole GB that holds every VM's largest measured Assigned Memory (its
  Startup RAM where larger or unmeasured) plus each VM's and the root's automatic
  reserve. The root reserve stays automatic. Missing Buffer / Priority (``Get-VM``
  has neither) are Hyper-V's defaults, 20 % and 5000.

Every assumption is one line in :attr:`ImportResult.assumptions` and in the
scenario's description; every VM left out, and every problem the readers reported,
one line in :attr:`ImportResult.problems`.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

import defusedxml.ElementTree as SafeElementTree
import numpy as np
from pydantic import ValidationError

from dmgui.core.files import FileProblem, InputFile, read_input
from dmgui.core.formats.imported import (
    ImportedHost,
    ImportedVm,
    Inventory,
    PerfmonLog,
    Series,
    VmTrace,
)
from dmgui.core.formats.inventory import looks_like_inventory, read_inventory
from dmgui.core.formats.perfmon import looks_like_perfmon, read_perfmon
from dmgui.core.formats.text import ImportProblem, decode_text
from dmgui.core.formats.vm_config import looks_like_vm_config, read_vm_config
from dmgui.core.model import limits
from dmgui.core.model.capacity import auto_reserve_mb, auto_vm_overhead_mb
from dmgui.core.model.memory import (
    MemoryChangeError,
    MemorySettings,
    VersionProfile,
    check_generation_limit,
    check_memory_settings,
)
from dmgui.core.model.names import check_display_name, one_line
from dmgui.core.model.scenario import (
    SCHEMA_VERSION,
    Host,
    Measured,
    Scenario,
    VirtualMachine,
)
from dmgui.core.model.workloads import MAX_MB, ConstantWorkload, TraceWorkload

#: The most points a VM's trace (and its measured series) keeps.
MAX_TRACE_POINTS = 2000
DEFAULT_BUFFER_PERCENT = 20  # Hyper-V's defaults (spec §1.3, §4.1)
DEFAULT_WEIGHT = 5000
_DESCRIPTION_MAX = 20_000

_NOT_A_HOST_FILE = ("is not a PowerShell inventory (JSON/CSV), a VM configuration XML or a "
                    "perfmon CSV")
_BINARY = ("it is a binary file; for a Windows Server 2016+ .vmcx run "
           "`Get-VM | ConvertTo-Json` on the host instead")
_SETTINGS_FROM = ("`Get-VM | ConvertTo-Json` and `Get-VMMemory * | ConvertTo-Json` output "
                  "(or the VMs' configuration XML files)")

_VERSIONS: dict[str, tuple[VersionProfile, str, str]] = {
    "2008r2sp1": (VersionProfile.WS2008R2SP1, "2008 R2 SP1", ""),
    "2008r2": (VersionProfile.WS2008R2SP1, "2008 R2", "modelled as 2008 R2 SP1 (Dynamic "
               "Memory came with SP1)"),
    "2012": (VersionProfile.WS2012R2, "2012", "modelled as 2012 R2 (same memory rules)"),
    "2012r2": (VersionProfile.WS2012R2, "2012 R2", ""),
    "2016": (VersionProfile.WS2016, "2016", ""),
    "2019": (VersionProfile.WS2016, "2019", "modelled as 2016 (2016 and later share the "
             "memory rules)"),
    "2022": (VersionProfile.WS2016, "2022", "modelled as 2016 (2016 and later share the "
             "memory rules)"),
}
#: properties/version of a configuration XML: 0x400 is version 4.0 (2012), 0x500 5.0
#: (2012 R2, the real sample); below 4.0 is earlier than 2012, i.e. 2008 R2 [INF].
_CONFIG_VERSIONS = {1280: "2012r2", 1024: "2012"}
_TIME = re.compile(r"\s*(\d{1,2})/(\d{1,2})/(\d{4}) (\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?\s*\Z",
                   re.ASCII)
_FIELDS = (("dynamic_memory_enabled", "DynamicMemoryEnabled"), ("startup_mb", "Startup"),
           ("minimum_mb", "Minimum"), ("maximum_mb", "Maximum"),
           ("buffer_percent", "Buffer"), ("weight", "weight"), ("running", "State"),
           ("generation", "Generation"))


@dataclass
class ConfigInventory(Inventory):
    """A configuration XML's VM, with the file's configuration version
    (``properties/version``: 1280 is 5.0, Windows Server 2012 R2), if given."""

    config_version: int | None = None


@dataclass(frozen=True)
class HostVersion:
    """A Windows Server version and the profile whose rules model it."""

    profile: VersionProfile
    label: str  # "2019"
    note: str = ""  # how it is modelled, when not exactly


@dataclass
class ImportResult:
    """What :func:`combine` made: the scenario and one line per assumption and problem."""

    scenario: Scenario
    assumptions: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    #: Names of the VMs whose workload replays a measured trace.
    traced: list[str] = field(default_factory=list)


def parse_version(text: str) -> HostVersion:
    """``2008R2SP1``, ``2008R2``, ``2012``, ``2012R2``, ``2016``, ``2019`` or ``2022``
    (spaces, case and a ``WS`` / ``Windows Server`` prefix ignored); raises ValueError."""
    key = re.sub(r"[\s_-]", "", text.casefold()).removeprefix("windowsserver")
    key = key.removeprefix("ws")
    if key not in _VERSIONS:
        raise ValueError(f"unknown Windows Server version '{one_line(text)[:40]}' (use "
                         "2008R2SP1, 2008R2, 2012, 2012R2, 2016, 2019 or 2022)")
    return HostVersion(*_VERSIONS[key])


def read_host_files(paths: Sequence[str],
                    check: Callable[[InputFile], None] | None = None,
                    ) -> list[Inventory | PerfmonLog]:
    """Read and parse every file of an import (``dmgui import`` and the app's dialog).

    Each is read with :func:`~dmgui.core.files.read_input`; a file given twice (also
    under another name: a link, a relative alias) is a :class:`FileProblem`, and
    ``check`` may refuse one (the CLI refuses its own output). Raises
    :class:`FileProblem` or :class:`ImportProblem`, one line naming the file.
    """
    inputs: list[InputFile] = []
    for path in paths:
        read = read_input(path)
        if check is not None:
            check(read)
        twin = next((other for other in inputs if other.id == read.id), None)
        if twin is not None:
            raise FileProblem(f"{path} is given twice (also as {twin.path})")
        inputs.append(read)
    return [read_host_file(read.data, read.path) for read in inputs]


def read_host_file(data: bytes, source: str) -> Inventory | PerfmonLog:
    """``data`` read as whichever host file it is; raises :class:`ImportProblem` (one
    line naming ``source``) for a file of no such format or one that cannot be read."""
    lower = source.casefold()
    if lower.endswith(".vmcx"):
        return read_vm_config(data, source)  # refuses it, saying what to run instead
    if lower.endswith(".blg"):
        raise ImportProblem(f"{source} is a binary perfmon log (.blg); convert it with "
                            f"`relog {os.path.basename(source)} -f csv -o log.csv` and "
                            "import the CSV")
    if not data.strip():
        raise ImportProblem(f"{source} {_NOT_A_HOST_FILE} (the file is empty)")
    try:
        text = decode_text(data, source)
    except ImportProblem:
        if looks_like_vm_config(data):  # binary
            raise ImportProblem(f"{source} {_NOT_A_HOST_FILE} ({_BINARY})") from None
        raise
    if looks_like_perfmon(text):
        del text  # read_perfmon decodes the log itself: not two copies of a large one at once
        return read_perfmon(data, source)
    if looks_like_vm_config(data):
        if not text.lstrip("\ufeff \t\r\n").startswith("<"):
            raise ImportProblem(f"{source} {_NOT_A_HOST_FILE} ({_BINARY})")
        inventory = read_vm_config(data, source)
        return ConfigInventory(source=inventory.source, vms=inventory.vms,
                               config_version=_config_version(text))
    if looks_like_inventory(text):
        return read_inventory(data, source)
    raise ImportProblem(f"{source} {_NOT_A_HOST_FILE}")


def _config_version(text: str) -> int | None:
    """properties/version of an XML that :func:`read_vm_config` accepted (None if absent
    or not a number)."""
    root = SafeElementTree.fromstring(text.lstrip("\ufeff"), forbid_dtd=True,
                                      forbid_entities=True, forbid_external=True)
    element = root.find("properties/version")
    value = (element.text or "").strip() if element is not None else ""
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


def downsample(times: np.ndarray, values: np.ndarray,
               max_points: int = MAX_TRACE_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """The finite samples of a series, at most ``max_points`` of them.

    All are kept when they fit; else the time span is cut into ``max_points - 2``
    equal buckets, each giving its highest sample (the first one, at its own time), and
    the first and last samples are kept too. ``times`` must increase.
    """
    keep = np.isfinite(values)
    t, v = np.asarray(times, dtype=float)[keep], np.asarray(values, dtype=float)[keep]
    if len(t) <= max_points:
        return t, v
    buckets = max(max_points - 2, 1)
    span = t[-1] - t[0]
    index = np.minimum(((t - t[0]) / span * buckets).astype(np.int64), buckets - 1)
    starts = np.flatnonzero(np.diff(index, prepend=-1))
    peaks = np.maximum.reduceat(v, starts)
    at_peak = np.flatnonzero(v == np.repeat(peaks, np.diff(np.append(starts, len(v)))))
    _, first = np.unique(index[at_peak], return_index=True)
    chosen = np.unique(np.concatenate([[0, len(t) - 1], at_peak[first]]))
    return t[chosen], v[chosen]


def combine(files: Sequence[Inventory | PerfmonLog], host_memory_mb: int | None = None,
            version: str | None = None, name: str | None = None) -> ImportResult:
    """Merge the files :func:`read_host_file` read into a scenario (rules: module doc).

    Raises :class:`ImportProblem` (one line) for a merge that cannot be made: a trace
    of a VM no inventory has, no inventory at all, no VM left to import...
    """
    try:
        return _Combiner(files, host_memory_mb, version, name).run()
    except ValidationError as err:  # a safety net: every value is checked before
        first = err.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ImportProblem(f"the merged scenario is not valid: {where}: "
                            f"{first['msg']}") from None


@dataclass
class _Vm:
    """One VM across the inventory files."""

    vm: ImportedVm
    sources: dict[str, str]  # field -> the record that gave it
    xml_files: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    segments: list[tuple[float, PerfmonLog, VmTrace]] = field(default_factory=list)


class _Combiner:
    def __init__(self, files, host_memory_mb, version, name) -> None:
        self.inventories = [f for f in files if isinstance(f, Inventory)]
        self.logs = [f for f in files if isinstance(f, PerfmonLog)]
        self.sources = [f.source for f in files]
        self.host_memory_mb = host_memory_mb
        self.version = version
        self.name = name
        self.assumptions: list[str] = []
        self.problems: list[str] = []
        self.vms: dict[str, _Vm] = {}

    def run(self) -> ImportResult:
        if not self.sources:
            raise ImportProblem("no file to import")
        if not self.inventories:
            what = "is a perfmon log" if len(self.sources) == 1 else "are perfmon logs"
            raise ImportProblem(f"no VM settings: {_names(self.sources)} {what}, without "
                                f"memory settings; add {_SETTINGS_FROM}")
        name = self._scenario_name()
        record = self._host_record()
        for inventory in self.inventories:
            self.problems += inventory.problems
            self._merge(inventory)
        for log in self.logs:
            self.problems += [f"{log.source}: {problem}" for problem in log.problems]
        self._match_traces()
        profile = self._profile()
        imported = [(item, vm) for item in self.vms.values()
                    if (vm := self._vm(item, profile)) is not None]
        if not imported:
            raise ImportProblem("no VM could be imported: " + (
                self.problems[-1] if self.problems
                else f"{_names(self.sources)} describe none"))
        self._note_defaults([item for item, _ in imported])
        vms = [vm for _, vm in imported]
        host = self._host(vms, profile, record)
        scenario = Scenario(schema_version=SCHEMA_VERSION, name=name,
                            description=self._description(), host=host, vms=vms)
        traced = [vm.name for vm in vms if isinstance(vm.workload, TraceWorkload)]
        return ImportResult(scenario, self.assumptions, self.problems, traced)

    # -- inventory ------------------------------------------------------------------

    def _merge(self, inventory: Inventory) -> None:
        for vm in inventory.vms:
            key = vm.name.casefold()
            given = {name: vm.source for name, _ in _FIELDS if getattr(vm, name) is not None}
            item = self.vms.get(key)
            if item is None:
                item = self.vms[key] = _Vm(replace(vm), given)
            else:
                self._merge_vm(item, vm, given)
            if isinstance(inventory, ConfigInventory):
                item.xml_files.append(inventory.source)

    def _merge_vm(self, item: _Vm, vm: ImportedVm, given: dict[str, str]) -> None:
        item.vm.source = f"{item.vm.source} + {vm.source}"
        for name, label in _FIELDS:
            mine, theirs = getattr(item.vm, name), getattr(vm, name)
            if theirs is None:
                continue
            if mine is None:
                setattr(item.vm, name, theirs)
                item.sources[name] = given[name]
            elif mine != theirs:
                item.conflicts.append(f"{label} {_show(name, mine)} ({item.sources[name]}) "
                                      f"vs {_show(name, theirs)} ({given[name]})")

    def _host_record(self) -> ImportedHost | None:
        """The one Get-VMHost record of the files (two that differ: no merge)."""
        hosts = [inv.host for inv in self.inventories if inv.host is not None]
        for other in hosts[1:]:
            first = hosts[0]
            if ((other.name or "").casefold(), other.memory_mb) != (
                    (first.name or "").casefold(), first.memory_mb):
                raise ImportProblem(
                    f"two different hosts: {first.source} gives {first.name} with "
                    f"{first.memory_mb} MB, {other.source} {other.name} with "
                    f"{other.memory_mb} MB; import one host's files at a time")
        return hosts[0] if hosts else None

    # -- traces ---------------------------------------------------------------------

    def _match_traces(self) -> None:
        offsets = self._offsets()
        unknown: list[str] = []
        for log, offset in zip(self.logs, offsets):
            seen: dict[str, VmTrace] = {}
            for trace in log.vms:
                key = trace.name.casefold()
                if key in seen:
                    raise ImportProblem(
                        f"{log.source} has two traces for VM '{one_line(trace.name)}' "
                        f"(on {seen[key].host} and {trace.host}); import one host's counters "
                        "at a time")
                seen[key] = trace
                if key in self.vms:
                    self.vms[key].segments.append((offset, log, trace))
                else:
                    unknown.append(self._unknown(log, trace))
        if unknown:
            more = f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""
            unread = [line for inv in self.inventories for line in inv.problems]
            note = (f"; {len(unread)} inventory record(s) could not be read, the first: "
                    f"{unread[0]}" if unread else "")
            raise ImportProblem(unknown[0] + more + note)
        for item in self.vms.values():
            _order_segments(item)

    def _unknown(self, log: PerfmonLog, trace: VmTrace) -> str:
        hint = ""
        numbered = re.fullmatch(r"(.*)#\d+", trace.name, re.DOTALL)
        if numbered and numbered.group(1).casefold() in self.vms:
            hint = (f" (perfmon numbers a second instance of one name: is it "
                    f"'{one_line(numbered.group(1))}'?)")
        return (f"{log.source}: a trace for VM '{one_line(trace.name)}', which the "
                f"inventory ({_names(i.source for i in self.inventories)}) lacks{hint}; "
                f"its memory settings are needed: add its {_SETTINGS_FROM}, or leave "
                "its counters out")

    def _offsets(self) -> list[float]:
        """Each log's start in seconds after the earliest log's first sample."""
        starts = [_parse_start(log.started) for log in self.logs]
        if len(self.logs) < 2:
            return [0.0] * len(self.logs)
        if any(start is None for start in starts):
            self.assumptions.append("the logs' first times could not all be read: each "
                                    "log starts at t = 0")
            return [0.0] * len(self.logs)
        earliest = min(starts)
        offsets = [round((start - earliest).total_seconds(), 3) for start in starts]
        placed = ", ".join(f"{log.source} at t = {offset:g} s ({log.started})"
                           for log, offset in zip(self.logs, offsets))
        self.assumptions.append(f"the logs are aligned by their first samples' local "
                                f"times (time zones not read): {placed}")
        return offsets

    # -- one VM ---------------------------------------------------------------------

    def _vm(self, item: _Vm, profile: VersionProfile) -> VirtualMachine | None:
        vm = item.vm
        shown = f"VM '{one_line(vm.name)}'"
        if item.conflicts:
            self._leave_out(item, f"its records differ: {'; '.join(item.conflicts)}")
            return None
        if len(item.xml_files) > 1:
            self.assumptions.append(f"{shown} is in {len(item.xml_files)} configuration "
                                    f"files ({_names(item.xml_files)}) with the same "
                                    "settings: imported once (dmgui needs unique names)")
        try:
            check_display_name(vm.name)
            if len(vm.name) > limits.MAX_VM_NAME:
                raise ValueError(f"the name is longer than {limits.MAX_VM_NAME} characters")
            settings = self._settings(item, profile)
        except (ValueError, MemoryChangeError) as err:
            self._leave_out(item, str(err))
            return None
        workload, measured = self._replay(item, settings)
        return VirtualMachine(name=vm.name, memory=settings, workload=workload,
                              autostart=self._autostart(item, workload),
                              generation=vm.generation or 2, measured=measured)

    def _leave_out(self, item: _Vm, reason: str) -> None:
        traced = _names(log.source for _, log, _ in item.segments)
        unused = f" (its trace in {traced} is not used)" if item.segments else ""
        self.problems.append(f"VM '{one_line(item.vm.name)}' left out ({item.vm.source}): "
                             f"{reason}{unused}")

    def _settings(self, item: _Vm, profile: VersionProfile) -> MemorySettings:
        vm = item.vm
        shown = f"VM '{one_line(vm.name)}'"
        dynamic = vm.dynamic_memory_enabled
        if dynamic is None:
            dynamic = False
            self.assumptions.append(f"{shown}: static memory (DynamicMemoryEnabled is "
                                    "not given)")
        if dynamic and (vm.minimum_mb is None or vm.maximum_mb is None):
            raise ValueError("Dynamic Memory is on, but its Minimum or Maximum is not given")
        if vm.generation is None:
            self.assumptions.append(f"{shown}: Generation 2 (Generation is not given)")
        settings = MemorySettings(
            dynamic_memory_enabled=dynamic, startup_mb=vm.startup_mb,
            minimum_mb=vm.startup_mb if vm.minimum_mb is None else vm.minimum_mb,
            maximum_mb=vm.startup_mb if vm.maximum_mb is None else vm.maximum_mb,
            buffer_percent=(DEFAULT_BUFFER_PERCENT if vm.buffer_percent is None
                            else vm.buffer_percent),
            weight=DEFAULT_WEIGHT if vm.weight is None else vm.weight)
        checked = check_memory_settings(settings, profile, vm.name)
        check_generation_limit(checked, vm.generation or 2, profile, vm.name)
        if dynamic and checked.minimum_mb != settings.minimum_mb:
            self.assumptions.append(f"{shown}: Minimum {settings.minimum_mb} MB becomes its "
                                    f"Startup {checked.minimum_mb} MB (2008 R2 SP1 has no "
                                    "separate minimum)")
        return checked

    def _replay(self, item: _Vm, settings: MemorySettings):
        shown = f"VM '{one_line(item.vm.name)}'"
        files = _names(log.source for _, log, _ in item.segments)
        demand = self._series(item, "demand_mb")
        physical = self._series(item, "physical_mb")
        measured = None
        if physical is not None:
            measured = Measured(source=one_line(files)[:1024], assigned=_points(*physical))
        if demand is not None:
            return TraceWorkload(points=_points(*demand), interpolation="linear"), measured
        why = (f"its counters in {files} give no demand (Physical Memory and Current "
               "Pressure, or Committed Bytes)" if item.segments else "no trace")
        if not settings.dynamic_memory_enabled:
            # Perfmon has no Dynamic Memory counters for a static VM, so this is the
            # usual case. Its demand changes no other VM's memory; Startup RAM as
            # demand would put it in Warning by construction under `dmgui plan`.
            mb = math.floor(settings.startup_mb / (1 + settings.buffer_percent / 100))
            self.assumptions.append(
                f"{shown}: static memory, {why}; it demands {mb} MB all the time, what "
                f"its {settings.startup_mb} MB holds with a {settings.buffer_percent} % "
                "buffer (a static VM's demand changes no other VM's memory)")
            return ConstantWorkload(mb=mb), measured
        self.assumptions.append(f"{shown}: {why}; it demands its Startup RAM, "
                                f"{settings.startup_mb} MB, all the time")
        return ConstantWorkload(mb=settings.startup_mb), measured

    def _series(self, item: _Vm, name: str) -> tuple[np.ndarray, np.ndarray] | None:
        """The VM's ``name`` series over all its logs, in range, downsampled."""
        parts = [(offset + s.times_s, s.values) for offset, _, trace in item.segments
                 if (s := getattr(trace, name)) is not None]
        if not parts:
            return None
        times = np.concatenate([t for t, _ in parts])
        values = np.concatenate([v for _, v in parts])
        bad = np.isfinite(values) & ((values < 0) | (values > MAX_MB))
        if bad.any():
            self.assumptions.append(f"VM '{one_line(item.vm.name)}': {int(bad.sum())} "
                                    f"{name.removesuffix('_mb')} samples outside 0..{MAX_MB} "
                                    "MB dropped as unreadable")
            values = np.where(bad, np.nan, values)
        times, values = downsample(times, values)
        if not len(times):
            return None
        if times[-1] > limits.MAX_SIM_SECONDS:
            raise ImportProblem(f"VM '{one_line(item.vm.name)}': the logs span "
                                f"{times[-1] / 86400:.0f} days, more than the "
                                f"{limits.MAX_SIM_SECONDS // 86400} days dmgui simulates")
        return np.round(times, 3), np.round(values, 1)

    def _autostart(self, item: _Vm, workload) -> bool:
        shown = f"VM '{one_line(item.vm.name)}'"
        traced = isinstance(workload, TraceWorkload)
        if item.vm.running is None:
            self.assumptions.append(
                f"{shown}: its State is not given (no Get-VM record): it "
                + ("starts at t = 0, as it was traced" if traced else "stays off"))
            return traced
        if not item.vm.running and traced:
            self.assumptions.append(f"{shown} is Off in the inventory: it stays off, and "
                                    "its trace replays only once it is started")
        return item.vm.running

    def _note_defaults(self, imported: list[_Vm]) -> None:
        """One line for the VMs given no Buffer, one for no Priority (one line for both
        when they are the same VMs, as for Get-VM alone)."""
        buffer = [item.vm.name for item in imported if item.vm.buffer_percent is None]
        weight = [item.vm.name for item in imported if item.vm.weight is None]
        fix = "add `Get-VMMemory * | ConvertTo-Json` output for the real values"
        if buffer and buffer == weight:
            self.assumptions.append(
                f"Buffer and Priority: Hyper-V's defaults, {DEFAULT_BUFFER_PERCENT} % and "
                f"weight {DEFAULT_WEIGHT}, for {_vm_list(buffer)} (Get-VM has neither; "
                f"{fix})")
            return
        for names, what in ((buffer, f"Buffer: Hyper-V's default, {DEFAULT_BUFFER_PERCENT} %"),
                            (weight, f"Priority: Hyper-V's default, weight {DEFAULT_WEIGHT}")):
            if names:
                self.assumptions.append(f"{what}, for {_vm_list(names)} (not given; {fix})")

    # -- host -----------------------------------------------------------------------

    def _profile(self) -> VersionProfile:
        if self.version is not None:
            try:
                chosen = parse_version(self.version)
            except ValueError as err:
                raise ImportProblem(str(err)) from None
            if chosen.note:
                self.assumptions.append(f"version: {chosen.label}, {chosen.note}")
            return chosen.profile
        configs = [(inv.config_version, inv.source) for inv in self.inventories
                   if isinstance(inv, ConfigInventory) and inv.config_version is not None]
        known = [(number, source) for number, source in configs
                 if number in _CONFIG_VERSIONS or number < 1024]
        if known:
            number, source = max(known)
            key = _CONFIG_VERSIONS.get(number, "2008r2")
            chosen = HostVersion(*_VERSIONS[key])
            note = f"; {chosen.note}" if chosen.note else ""
            older = " (below 2012's 1024)" if number < 1024 else ""
            self.assumptions.append(
                f"version: {chosen.label}, from the configuration version {number} of "
                f"{source}{older}{note}; give --version if the host is newer")
            return chosen.profile
        odd = f": {configs[0][1]}'s {configs[0][0]} is not known" if configs else ""
        self.assumptions.append(f"version: 2012 R2 (no --version, and no configuration "
                                f"XML gives one{odd}); give --version")
        return VersionProfile.WS2012R2

    def _host(self, vms: list[VirtualMachine], profile: VersionProfile,
              record: ImportedHost | None) -> Host:
        memory = self.host_memory_mb
        if memory is None and record is not None and record.memory_mb:
            memory = record.memory_mb
            if memory > limits.MAX_HOST_MEMORY_MB:
                raise ImportProblem(f"{record.source}: MemoryCapacity {memory} MB is more "
                                    "than the 24 TB a host can have; give --host-memory")
        if memory is None:
            memory = self._assumed_memory(vms)
        name = self._host_name(record)
        host = Host(name=name, memory_mb=memory, reserve_mb=None, version=profile)
        self.assumptions.append(f"root reserve: automatic, {host.effective_reserve_mb} MB "
                                "(dmgui's estimate; Hyper-V's is not published)")
        return host

    def _assumed_memory(self, vms: list[VirtualMachine]) -> int:
        peaks = [max([vm.memory.startup_mb]
                     + ([max(mb for _, mb in vm.measured.assigned)] if vm.measured else []))
                 for vm in vms]
        overhead = sum(auto_vm_overhead_mb(vm.memory.startup_mb) for vm in vms)
        need = math.ceil(sum(peaks) + overhead)
        gb = max(1, math.ceil(need / 1024))
        while gb * 1024 - auto_reserve_mb(gb * 1024) < need:
            gb += 1
        memory = gb * 1024
        if memory > limits.MAX_HOST_MEMORY_MB:
            raise ImportProblem(f"the VMs need {need} MB, more than a host can have; give "
                                "--host-memory")
        self.assumptions.append(
            f"host memory: {memory} MB, the smallest whole GB holding every VM's "
            f"largest measured Assigned Memory (its Startup RAM where larger or not "
            f"measured), {math.ceil(sum(peaks))} MB in all, each VM's automatic overhead "
            f"({overhead} MB) and the automatic root reserve "
            f"({auto_reserve_mb(memory)} MB); give --host-memory or add `Get-VMHost | "
            "ConvertTo-Json` output for the real value")
        return memory

    def _host_name(self, record: ImportedHost | None) -> str:
        candidates = [record.name] if record is not None and record.name else []
        hosts = {trace.host for log in self.logs for trace in log.vms}
        if not candidates and len(hosts) == 1:
            candidates = list(hosts)
        for candidate in candidates:
            try:
                if len(candidate) <= limits.MAX_HOST_NAME:
                    return check_display_name(candidate)
            except ValueError:
                pass
        self.assumptions.append("host name: HV01 (no Get-VMHost record or perfmon counter "
                                "gives one)")
        return "HV01"

    # -- scenario text --------------------------------------------------------------

    def _scenario_name(self) -> str:
        if self.name is not None:
            try:
                if len(self.name) > limits.MAX_SCENARIO_NAME:
                    raise ValueError(f"longer than {limits.MAX_SCENARIO_NAME} characters")
                return check_display_name(self.name)
            except ValueError as err:
                raise ImportProblem(f"invalid scenario name '{one_line(self.name)[:80]}': "
                                    f"{err}") from None
        default = f"Imported from {os.path.basename(self.sources[0])}"
        try:
            return check_display_name(default[:limits.MAX_SCENARIO_NAME].strip())
        except ValueError:
            return "Imported scenario"

    def _description(self) -> str:
        lines = [f"Imported by dmgui import from {_names(self.sources)}."]
        if self.assumptions:
            lines += ["", "Assumed:"] + [f"- {line}" for line in self.assumptions]
        if self.problems:
            lines += ["", "Not imported:"] + [f"- {line}" for line in self.problems]
        text = "\n".join(one_line(line) for line in lines)
        if len(text) > _DESCRIPTION_MAX:
            cut = "\n… (cut: the full list is printed by dmgui import)"
            text = text[:_DESCRIPTION_MAX - len(cut)] + cut
        return text


def _order_segments(item: _Vm) -> None:
    """Put a VM's traces in time order; they must follow each other, not overlap."""
    item.segments.sort(key=lambda segment: segment[0] + _times(segment[2])[0])
    spans = [(offset + _times(trace)[0], offset + _times(trace)[-1], log.source)
             for offset, log, trace in item.segments]
    for (_, end, first), (start, _, second) in zip(spans, spans[1:]):
        if start <= end:
            raise ImportProblem(
                f"VM '{one_line(item.vm.name)}' has traces in {first} and {second} that "
                "overlap in time; dmgui cannot tell which to replay: import one of them")


def _times(trace: VmTrace) -> np.ndarray:
    series = next(s for s in (trace.physical_mb, trace.demand_mb, trace.current_pressure,
                              trace.guest_visible_mb, trace.average_pressure,
                              trace.added_mb, trace.removed_mb) if isinstance(s, Series))
    return series.times_s


def _parse_start(text: str) -> datetime | None:
    match = _TIME.match(text)
    if match is None:
        return None
    month, day, year, hour, minute, second, fraction = match.groups()
    try:
        return datetime(int(year), int(month), int(day), int(hour), int(minute),
                        int(second), int((fraction or "0")[:6].ljust(6, "0")))
    except ValueError:
        return None


def _points(times: np.ndarray, values: np.ndarray) -> list[tuple[float, float]]:
    return list(zip(times.tolist(), values.tolist()))


def _show(name: str, value: object) -> str:
    if name == "running":
        return "Running" if value else "Off"
    if name.endswith("_mb"):
        return f"{value} MB"
    return f"{value} %" if name == "buffer_percent" else str(value)


def _names(sources) -> str:
    return ", ".join(one_line(source) for source in dict.fromkeys(sources))


def _vm_list(names: list[str]) -> str:
    shown = ", ".join(f"'{one_line(name)}'" for name in names[:10])
    more = f" and {len(names) - 10} more" if len(names) > 10 else ""
    return ("VM " if len(names) == 1 else "VMs ") + shown + more
