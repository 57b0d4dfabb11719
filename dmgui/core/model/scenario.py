"""Scenario files: a host, its VMs and a timeline of events.

The JSON shape is a contract that external scripts write (issue 2 §3)::

    {"schema_version": 1, "name": "Finance host",
     "host": {"name": "HV01", "memory_mb": 8192, "reserve_mb": 0,
              "vm_overhead_mb": 0, "version": "2012R2"},
     "vms": [{"name": "Finance", "autostart": true, "integration_services": true,
              "memory": {...MemorySettings...}, "workload": {"kind": "constant", "mb": 800}}],
     "events": [{"at_s": 1800, "vm": "Finance", "action": "shutdown"}]}

:func:`load_scenario` turns any problem into one :class:`ScenarioError` naming the
file and the field path; :func:`save_scenario` writes atomically.
"""

from __future__ import annotations

import json
import os
from enum import Enum
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    field_validator,
    model_validator,
)

from dmgui.core.files import FileId, FileProblem, read_input, resolve_output, write_text
from dmgui.core.model import limits
from dmgui.core.model.capacity import auto_reserve_mb, auto_vm_overhead_mb
from dmgui.core.model.guest_os import GuestOs
from dmgui.core.model.memory import (
    MemoryChangeError,
    MemorySettings,
    VersionProfile,
    check_generation_limit,
    check_memory_settings,
)
from dmgui.core.model.names import DisplayName, OneLineError, one_line
from dmgui.core.model.workloads import ConstantWorkload, Workload, check_time_points
from dmgui.core.strict_json import JsonProblem, decode_json

SCHEMA_VERSION = 1
HOT_ADD_DELAY_S = 5
DEFAULT_BOOT_DELAY_S = 20


class Host(BaseModel):
    """The Hyper-V host: its RAM, the management-OS reserve and the version profile."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: DisplayName = Field("HV01", min_length=1, max_length=limits.MAX_HOST_NAME)
    memory_mb: int = Field(8192, gt=0, le=limits.MAX_HOST_MEMORY_MB,
                           description="Physical memory of the host, MB (at most 24 TB).")
    reserve_mb: int | None = Field(
        None, ge=0, description="Memory kept for the management OS (MemoryReserve), MB; "
        "null or absent: automatic (see dmgui.core.model.capacity.auto_reserve_mb)."
    )
    vm_overhead_mb: int | None = Field(
        None,
        ge=0,
        le=limits.MAX_VM_OVERHEAD_MB,
        description="Hypervisor/worker-process cost of each running VM, MB; null or "
        "absent: automatic, growing with the VM's memory (see "
        "dmgui.core.model.capacity.auto_vm_overhead_mb). Not documented by Microsoft (spec §8).",
    )
    version: VersionProfile = VersionProfile.WS2012R2
    balloon_rate_percent: float = Field(
        5.0, ge=0.5, le=100,
        description="Share of a VM's Startup RAM that ballooning removes per second "
        "(model parameter, not documented by Microsoft; spec §7.5 suggests about 5 %/s).")
    hot_add_delay_s: int = Field(
        HOT_ADD_DELAY_S, ge=0, le=600,
        description="Seconds a VM's target must stay above the memory its guest sees "
        "before memory is hot-added (un-ballooning is immediate); model parameter.")

    @model_validator(mode="after")
    def _reserve_fits(self) -> Host:
        if self.effective_reserve_mb >= self.memory_mb:
            raise ValueError(
                f"reserve_mb ({self.effective_reserve_mb}) must be less than memory_mb "
                f"({self.memory_mb})"
            )
        return self

    @property
    def reserve_is_automatic(self) -> bool:
        """True when the scenario leaves the root reserve to Hyper-V's calculation."""
        return self.reserve_mb is None

    @property
    def effective_reserve_mb(self) -> int:
        """The root reserve in force: the scenario's number, or the automatic one."""
        return auto_reserve_mb(self.memory_mb) if self.reserve_mb is None else self.reserve_mb

    @property
    def overhead_is_automatic(self) -> bool:
        """True when each VM's overhead follows its memory size."""
        return self.vm_overhead_mb is None

    def vm_overhead_for(self, vm_memory_mb: float) -> int:
        """Overhead of one running VM of ``vm_memory_mb`` (its Startup RAM)."""
        if self.vm_overhead_mb is None:
            return auto_vm_overhead_mb(vm_memory_mb)
        return self.vm_overhead_mb

    @property
    def vm_pool_mb(self) -> int:
        """Memory the VMs (and their overhead) may share: total minus reserve."""
        return self.memory_mb - self.effective_reserve_mb


class Measured(BaseModel):
    """What a real host measured for a VM (written by ``dmgui import``): shown next to
    the simulation (a dotted "measured" line) and compared with it; never simulated."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str = Field("", max_length=1024, description="The file it was read from.")
    assigned: list[tuple[float, float]] = Field(
        description="[seconds, MB] pairs of the VM's Assigned Memory (perfmon's "
        "Physical Memory) in simulation time; blank samples are left out.")

    @field_validator("assigned")
    @classmethod
    def _check_assigned(cls, points: list[tuple[float, float]]) -> list[tuple[float, float]]:
        return check_time_points(points)


class VirtualMachine(BaseModel):
    """One VM: its memory settings, guest workload and how it behaves at start."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: DisplayName = Field(min_length=1, max_length=limits.MAX_VM_NAME,
                              description="Unique VM name (shown as it is: no control "
                              "or invisible characters).")
    memory: MemorySettings = MemorySettings()
    workload: Workload = ConstantWorkload(kind="constant", mb=256)
    autostart: bool = False
    autostart_delay_s: int = Field(
        0, ge=0, le=limits.MAX_SIM_SECONDS,
        description="Hyper-V's automatic start delay: seconds after the host starts "
        "(t = 0) before an auto-start VM starts (spreads a boot storm).")
    integration_services: bool = Field(
        True,
        description="False: no Dynamic Memory VSC, the VM stays at startup RAM and "
        "reports no demand (spec §1.5).",
    )
    boot_delay_s: int = Field(
        DEFAULT_BOOT_DELAY_S,
        ge=0,
        le=3600,
        description="Seconds from start until the guest's DM VSC reports (spec §7.4: "
        "5–30 s for Windows, 45 s for Linux).",
    )
    guest_os: GuestOs | None = Field(
        None, strict=False,
        description="The guest OS (dmgui.core.model.guest_os); absent: a Windows guest that "
        "supports every feature, as before the field existed.")
    generation: Annotated[int, Strict()] = Field(
        2, ge=1, le=2, description="VM generation: on 2016+ hosts Generation 1 VMs have "
        "at most 1 TB, Generation 2 at most 12 TB (spec V3 [DOC S32]).")
    measured: Measured | None = Field(
        None, description="Measured on the real host (dmgui import); absent for "
        "scenarios written by hand.")

    @model_validator(mode="after")
    def _appliance_has_no_integration_services(self) -> VirtualMachine:
        """An appliance's default is no integration services; claiming them is refused.

        (An *after* validator: a *before* one would make pydantic re-read the JSON in
        Python mode, where strict tuples refuse JSON arrays.)
        """
        if self.guest_os is not GuestOs.APPLIANCE:
            return self
        if "integration_services" in self.model_fields_set and self.integration_services:
            raise ValueError("integration_services: an appliance / no-integration-"
                             "services guest has none")
        object.__setattr__(self, "integration_services", False)  # frozen: set once here
        return self


class Action(str, Enum):
    """What an event does to its VM."""

    START = "start"
    SHUTDOWN = "shutdown"
    TURN_OFF = "turn_off"
    RESTART = "restart"
    SET_MEMORY = "set_memory"
    #: Save the VM's state to disk: its memory goes back to the host (issue 8 §1.7).
    SAVE = "save"
    #: Freeze the guest; it keeps its memory.
    PAUSE = "pause"
    #: Continue a paused VM (``start`` does the same, and restores a saved one).
    RESUME = "resume"


class MemoryPatch(BaseModel):
    """New memory settings for a ``set_memory`` event; fields left out keep their value."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dynamic_memory_enabled: bool | None = None
    startup_mb: int | None = Field(None, ge=0)
    minimum_mb: int | None = Field(None, ge=0)
    maximum_mb: int | None = Field(None, ge=0)
    buffer_percent: int | None = None
    weight: int | None = None

    def apply_to(self, settings: MemorySettings) -> MemorySettings:
        """Return ``settings`` with this patch's given fields replaced."""
        return settings.model_copy(update=self.model_dump(exclude_none=True))


class Event(BaseModel):
    """A scheduled action on one VM at a simulated second."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    at_s: int = Field(ge=0, le=limits.MAX_SIM_SECONDS)
    vm: DisplayName
    action: Action
    memory: MemoryPatch | None = None

    @model_validator(mode="after")
    def _memory_only_for_set_memory(self) -> Event:
        if (self.action is Action.SET_MEMORY) != (self.memory is not None):
            raise ValueError("'memory' is required for set_memory and only allowed there")
        return self


class Scenario(BaseModel):
    """A whole simulation input: host, VMs and events."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Required: a JSON file without it is not a dmgui scenario (say so, rather than
    # open an empty host).
    schema_version: Annotated[int, Strict()]
    name: DisplayName = Field("Untitled", max_length=limits.MAX_SCENARIO_NAME)
    description: str = Field("", max_length=20_000, description="Free text: notes, and "
                             "what `dmgui import` had to assume.")
    host: Host = Host()
    vms: list[VirtualMachine] = []
    events: list[Event] = []
    seed: int = Field(0, ge=0, le=limits.MAX_SEED,
                      description="Seed of the random workload generators.")

    @field_validator("schema_version")
    @classmethod
    def _known_schema(cls, value: int) -> int:
        if value != SCHEMA_VERSION:
            raise ValueError(f"this dmgui reads schema_version {SCHEMA_VERSION}, "
                             f"not {value}")
        return value

    @model_validator(mode="after")
    def _names_and_rules(self) -> Scenario:
        seen: set[str] = set()
        for vm in self.vms:
            if vm.name in seen:
                raise ValueError(f"duplicate VM name '{vm.name}'")
            seen.add(vm.name)
        for i, event in enumerate(self.events):
            if event.vm not in seen:
                raise ValueError(f"events[{i}]: no VM named '{event.vm}'")
        for i, vm in enumerate(self.vms):
            try:
                check_memory_settings(vm.memory, self.host.version, vm.name)
                check_generation_limit(vm.memory, vm.generation, self.host.version,
                                       vm.name)
            except MemoryChangeError as err:
                raise ValueError(f"vms[{i}].memory.{err.field} (VM '{vm.name}'): "
                                 f"{err.reason}") from None
        return self

    def vm_index(self, name: str) -> int:
        """Position of the VM called ``name``; raises KeyError if there is none."""
        for i, vm in enumerate(self.vms):
            if vm.name == name:
                return i
        raise KeyError(name)


class ScenarioError(OneLineError):
    """A scenario file that cannot be used; the message names file and field."""


def parse_scenario(data: object, source: str = "scenario") -> Scenario:
    """Validate already-decoded JSON data; raise :class:`ScenarioError` on any problem."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(f"{source}: {_describe(err)}") from None


def _describe(err: ValidationError) -> str:
    """One line for the first problem: 'vms[0].memory.startup_mb: <message>'."""
    errors = err.errors()
    first = errors[0]
    path = _loc_to_path(first["loc"])
    msg = first["msg"].removeprefix("Value error, ")
    more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    return f"{path}: {msg}{more}" if path else f"{msg}{more}"


def _loc_to_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read and validate a scenario JSON file (see :func:`read_scenario`)."""
    return read_scenario(path)[0]


def read_scenario(path: str | os.PathLike[str]) -> tuple[Scenario, FileId]:
    """Read and validate a scenario JSON file; also return the file's identity.

    Only a regular file of at most :data:`dmgui.core.files.MAX_INPUT_BYTES` is
    read. Types are strict (``"8192"`` is not a number, ``"yes"`` not a boolean)
    and a key given twice is refused. Raises :class:`ScenarioError` with one
    message naming the file and the problem (unreadable file, malformed JSON with
    line and column, or the field path of the first invalid value).
    """
    name = os.fspath(path)
    try:
        read = read_input(name)
        data = decode_json(read.data)
    except (FileProblem, JsonProblem) as err:
        raise ScenarioError(_with_source(name, str(err))) from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{name}: not a dmgui scenario (the JSON is not an object)")
    try:
        scenario = Scenario.model_validate_json(read.data.decode("utf-8-sig"),
                                                strict=True)
    except ValidationError as err:
        raise ScenarioError(f"{name}: {_describe(err)}") from None
    return scenario, read.id


def _with_source(name: str, message: str) -> str:
    shown = one_line(name)  # the message's own copy of the name is escaped
    return message if message.startswith((name, shown)) else f"{name}: {message}"


def scenario_to_json(scenario: Scenario) -> str:
    """Serialise a scenario to the contract's JSON text (2-space indent)."""
    data = scenario.model_dump(mode="json")
    if not data["description"]:  # most scenarios have none
        del data["description"]
    for vm in data["vms"]:  # only imported VMs carry measurements
        if vm.get("measured") is None:
            vm.pop("measured", None)
    return json.dumps(data, indent=2) + "\n"


def save_scenario(scenario: Scenario, path: str | os.PathLike[str]) -> None:
    """Write ``scenario`` to ``path`` atomically (see :mod:`dmgui.core.files`).

    Raises :class:`dmgui.core.files.FileProblem` for a target dmgui will not
    write (a read-only file, a FIFO, a device, a folder) and OSError when the
    write itself fails; the old file is then untouched.
    """
    write_text(resolve_output(os.fspath(path)), scenario_to_json(scenario))
