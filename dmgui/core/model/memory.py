"""Memory settings of a VM and the Hyper-V rules that govern them.

A :class:`MemorySettings` is a *draft*: it holds whatever numbers the user typed
(only their types are checked). :func:`check_memory_settings` applies the
Hyper-V validation rules of spec §1.4 (V1–V6) for a host version profile, and
:func:`check_memory_change` adds the runtime rules (V7–V9) for a running VM.
Both raise :class:`MemoryChangeError`, worded as Hyper-V words it:
"Failed to modify device 'Memory'." plus a one-line reason (spec §1.4 item 1).

Where Microsoft's exact English text is known (the alignment error, spec §1.4
item 2) it is reproduced; the other reasons are the simulator texts suggested
in spec §1.4 item 3, marked [INF] there.
"""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict, Field, StrictBool

FAILED_TO_MODIFY = "Failed to modify device 'Memory'."
RUNNING_INFO = (
    "Some settings cannot be modified because the virtual machine was running "
    "when this window was opened."
)


class VersionProfile(str, Enum):
    """Host versions whose memory rules differ (spec §1.1)."""

    WS2008R2SP1 = "2008R2SP1"
    WS2012R2 = "2012R2"
    WS2016 = "2016"

    @property
    def limits(self) -> ProfileLimits:
        """The numeric limits of this version (spec §1.2, §1.3, V3)."""
        return _LIMITS[self]

    @property
    def separate_minimum(self) -> bool:
        """2008 R2 SP1 has no separate minimum: the GUI sets Minimum = Startup (§1.2)."""
        return self is not VersionProfile.WS2008R2SP1

    @property
    def smart_paging(self) -> bool:
        """Smart Paging exists from WS2012 on (spec §3.5)."""
        return self is not VersionProfile.WS2008R2SP1

    @property
    def runtime_static_resize(self) -> bool:
        """WS2016 adds runtime resize of static memory (spec §1.1, V8)."""
        return self is VersionProfile.WS2016


class ProfileLimits(BaseModel):
    """Per-version bounds, in MB."""

    model_config = ConfigDict(frozen=True)

    startup_min_mb: int
    minimum_min_mb: int
    maximum_max_mb: int


_LIMITS = {
    # 8 MB…64 GB per VM on 2008 R2 (spec §1.2, [INF]).
    VersionProfile.WS2008R2SP1: ProfileLimits(
        startup_min_mb=8, minimum_min_mb=8, maximum_max_mb=65536
    ),
    # 32 MB…1 TB (spec §1.3, V2, V3 [DOC S1]).
    VersionProfile.WS2012R2: ProfileLimits(
        startup_min_mb=32, minimum_min_mb=32, maximum_max_mb=1048576
    ),
    # 12 TB for a Gen2 VM on 2016+ (V3 [DOC S32]); the simulator models Gen2.
    VersionProfile.WS2016: ProfileLimits(
        startup_min_mb=32, minimum_min_mb=32, maximum_max_mb=12582912
    ),
}

BUFFER_RANGE = (5, 2000)  # V4 [DOC S20, S22]
WEIGHT_RANGE = (0, 10000)  # V5 [DOC S22]; PowerShell Priority = weight / 100


class MemorySettings(BaseModel):
    """A VM's memory configuration, as on the Memory page or in Set-VMMemory.

    Only types are checked here, so a dialog can hold an invalid draft; the
    Hyper-V rules live in :func:`check_memory_settings`.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    dynamic_memory_enabled: StrictBool = Field(
        False, description="Dynamic Memory on (True) or static memory (False)."
    )
    startup_mb: int = Field(512, ge=0, description="Startup RAM (the 'RAM:' field), MB.")
    minimum_mb: int = Field(512, ge=0, description="Minimum RAM, MB (Dynamic Memory).")
    maximum_mb: int = Field(1048576, ge=0, description="Maximum RAM, MB (Dynamic Memory).")
    buffer_percent: int = Field(
        20, description="Memory buffer: extra memory as a % of demand (5..2000)."
    )
    weight: int = Field(
        5000, description="Memory weight 0..10000 (PowerShell Priority = weight/100)."
    )

    @property
    def priority(self) -> int:
        """PowerShell ``Priority`` (0..100) for this weight (spec §4.1)."""
        return self.weight // 100


class MemoryChangeError(ValueError):
    """A memory change Hyper-V would refuse.

    Attributes
    ----------
    reason:
        The one-line reason shown under "Failed to modify device 'Memory'.".
    field:
        The settings field at fault (for pointing at it in a dialog or file).
    details:
        The expandable "See details" text of the Settings error dialog.
    """

    def __init__(self, reason: str, field: str, vm_name: str, details: str = "") -> None:
        self.reason = reason
        self.field = field
        self.vm_name = vm_name
        self.details = details or (
            f"'{vm_name}' failed to modify device 'Memory'.\n{reason}"
        )
        super().__init__(f"{FAILED_TO_MODIFY} {reason}")


def check_memory_settings(
    settings: MemorySettings, profile: VersionProfile, vm_name: str
) -> MemorySettings:
    """Apply the static rules V1–V6 and return the settings Hyper-V would store.

    On 2008 R2 SP1 the returned settings have ``minimum_mb = startup_mb``
    (the hidden WMI Reservation, spec §1.2). Raises :class:`MemoryChangeError`.
    """
    if not profile.separate_minimum:
        settings = settings.model_copy(update={"minimum_mb": settings.startup_mb})
    _check_alignment(settings, vm_name)
    _check_ranges(settings, profile, vm_name)
    return settings


GEN1_MAXIMUM_MB = 1048576  # 1 TB for a Generation 1 VM on 2016+ (V3 [DOC S32])


def check_generation_limit(settings: MemorySettings, generation: int,
                           profile: VersionProfile, vm_name: str) -> None:
    """On 2016+ a Generation 1 VM has at most 1 TB (12 TB is for Generation 2)."""
    if profile is not VersionProfile.WS2016 or generation != 1:
        return
    top = settings.maximum_mb if settings.dynamic_memory_enabled else settings.startup_mb
    if top > GEN1_MAXIMUM_MB:
        field = "maximum_mb" if settings.dynamic_memory_enabled else "startup_mb"
        _fail(f"A Generation 1 virtual machine can have at most {GEN1_MAXIMUM_MB} MB "
              f"of memory, not {top} MB.", field, vm_name)


def _check_alignment(settings: MemorySettings, vm_name: str) -> None:
    """V6: every MB value is a multiple of 2 MB; real text from [ERR S35]."""
    for field in _mb_fields(settings):
        value = getattr(settings, field)
        if value % 2:
            raise MemoryChangeError(
                f"Invalid memory value assigned for '{vm_name}'. "
                "Memory values must be properly aligned.",
                field,
                vm_name,
                details=(
                    f"'{vm_name}' failed to modify device 'Memory'.\n"
                    f"Invalid memory value assigned for '{vm_name}'. The memory value "
                    f"assigned ('{value}' MB) is not properly aligned. Try again with "
                    "a memory value that is properly aligned."
                ),
            )


def _mb_fields(settings: MemorySettings) -> tuple[str, ...]:
    if settings.dynamic_memory_enabled:
        return ("startup_mb", "minimum_mb", "maximum_mb")
    return ("startup_mb",)


def _check_ranges(settings: MemorySettings, profile: VersionProfile, vm_name: str) -> None:
    """V1–V5 with the version's limits."""
    lim = profile.limits
    s = settings
    top = lim.maximum_max_mb
    if not lim.startup_min_mb <= s.startup_mb <= top:
        _fail(f"The startup memory ({s.startup_mb} MB) must be between "
              f"{lim.startup_min_mb} MB and {top} MB.", "startup_mb", vm_name)
    if s.dynamic_memory_enabled:
        if s.minimum_mb < lim.minimum_min_mb:
            _fail(f"The minimum amount of memory ({s.minimum_mb} MB) must be at least "
                  f"{lim.minimum_min_mb} MB.", "minimum_mb", vm_name)
        if s.minimum_mb > s.startup_mb:
            _fail(f"The minimum amount of memory ({s.minimum_mb} MB) must be less than "
                  f"or equal to the startup memory ({s.startup_mb} MB).",
                  "minimum_mb", vm_name)
        if s.startup_mb > s.maximum_mb:
            _fail(f"The startup memory ({s.startup_mb} MB) must be less than or equal "
                  f"to the maximum amount of memory ({s.maximum_mb} MB).",
                  "maximum_mb", vm_name)
        if s.maximum_mb > top:
            _fail(f"The maximum amount of memory ({s.maximum_mb} MB) must be less than "
                  f"or equal to {top} MB.", "maximum_mb", vm_name)
    if not BUFFER_RANGE[0] <= s.buffer_percent <= BUFFER_RANGE[1]:
        _fail("The memory buffer must be between 5 and 2000.", "buffer_percent", vm_name)
    if not WEIGHT_RANGE[0] <= s.weight <= WEIGHT_RANGE[1]:
        _fail("The memory weight must be between 0 and 10000.", "weight", vm_name)


def _fail(reason: str, field: str, vm_name: str) -> None:
    raise MemoryChangeError(reason, field, vm_name)


def check_memory_change(
    current: MemorySettings,
    proposed: MemorySettings,
    profile: VersionProfile,
    vm_name: str,
    running: bool,
) -> MemorySettings:
    """Validate ``proposed`` as a change of ``current``; return what Hyper-V stores.

    A VM that is not running may take any valid settings. A running VM follows
    V7–V9 (spec §1.4, §7.2 item 4): on 2008 R2 SP1 nothing may change; with
    Dynamic Memory the mode and Startup are fixed, Minimum may only go down and
    Maximum only up, buffer and weight may change; static memory may be resized
    only on 2016+. Whether a static resize fits the host is the engine's call.
    """
    if not profile.separate_minimum:
        _refuse_sp1_minimum(current, proposed, vm_name)
    checked = check_memory_settings(proposed, profile, vm_name)
    if not profile.separate_minimum:
        current = current.model_copy(update={"minimum_mb": current.startup_mb})
    if not running or checked == current:
        return checked
    for field, reason in _runtime_refusals(current, checked, profile):
        raise MemoryChangeError(reason, field, vm_name)
    return checked


def _refuse_sp1_minimum(cur: MemorySettings, new: MemorySettings, vm_name: str) -> None:
    """2008 R2 SP1 has no Minimum RAM of its own (spec §1.2): a change that asks for
    one is refused with the reason, not stored silently as Startup RAM."""
    asked = new.minimum_mb != cur.minimum_mb and new.minimum_mb != new.startup_mb
    if new.dynamic_memory_enabled and asked:
        _fail(f"Windows Server 2008 R2 SP1 has no separate minimum memory: the minimum "
              f"is always the startup memory ({new.startup_mb} MB), not "
              f"{new.minimum_mb} MB.", "minimum_mb", vm_name)


def _runtime_refusals(
    cur: MemorySettings, new: MemorySettings, profile: VersionProfile
) -> list[tuple[str, str]]:
    if profile is VersionProfile.WS2008R2SP1:  # V9 [MSB S6]
        changed = [f for f in MemorySettings.model_fields
                   if getattr(new, f) != getattr(cur, f)]
        return [(changed[0], "The memory settings cannot be modified while the "
                 "virtual machine is running.")]
    if new.dynamic_memory_enabled != cur.dynamic_memory_enabled:  # V7
        return [("dynamic_memory_enabled", "Dynamic Memory cannot be enabled or "
                 "disabled while the virtual machine is running.")]
    if not cur.dynamic_memory_enabled:  # V8
        if profile.runtime_static_resize or new.startup_mb == cur.startup_mb:
            return []
        return [("startup_mb", "The memory of a virtual machine with static memory "
                 "cannot be changed while the virtual machine is running.")]
    refusals = []
    if new.startup_mb != cur.startup_mb:
        refusals.append(("startup_mb", "The startup memory cannot be changed while "
                         "the virtual machine is running."))
    if new.minimum_mb > cur.minimum_mb:
        refusals.append(("minimum_mb", f"The minimum amount of memory cannot be "
                         f"increased while the virtual machine is running "
                         f"({cur.minimum_mb} MB to {new.minimum_mb} MB)."))
    if new.maximum_mb < cur.maximum_mb:
        refusals.append(("maximum_mb", f"The maximum amount of memory cannot be "
                         f"decreased while the virtual machine is running "
                         f"({cur.maximum_mb} MB to {new.maximum_mb} MB)."))
    return refusals


def runtime_editable_fields(
    settings: MemorySettings, profile: VersionProfile
) -> frozenset[str]:
    """Fields the Memory page leaves enabled while the VM runs (spec §1.3, V7–V9)."""
    if profile is VersionProfile.WS2008R2SP1:
        return frozenset()
    if not settings.dynamic_memory_enabled:
        base = {"weight"}
        return frozenset(base | ({"startup_mb"} if profile.runtime_static_resize else set()))
    return frozenset({"minimum_mb", "maximum_mb", "buffer_percent", "weight"})
