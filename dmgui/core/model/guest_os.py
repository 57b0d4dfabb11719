"""The guest operating system of a VM, and what it changes (issue 8 §1.6, spec §1.5).

A guest decides whether Dynamic Memory works inside it on a given host version,
whether it has integration services by default, whether its static memory can be
resized while it runs (Windows Server 2016 / Windows 10 guests on 2016 hosts, spec
§1.5 "Runtime resize (static)" [DOC S34]), and which Best-Practices-style warnings
its memory settings get. A scenario without ``guest_os`` keeps the behaviour dmgui
had before the field existed (a Windows guest that supports everything).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from dmgui.core.model.memory import MemorySettings, VersionProfile


class GuestOs(str, Enum):
    """Guest operating systems dmgui distinguishes."""

    WS2003_SP2 = "ws2003sp2"
    WS2008 = "ws2008"
    WS2008R2_SP1 = "ws2008r2sp1"
    WIN7_SP1 = "win7sp1"
    WS2012 = "ws2012"
    WS2016 = "ws2016"
    WIN10 = "win10"
    LINUX = "linux"
    APPLIANCE = "appliance"

    @property
    def facts(self) -> GuestFacts:
        """What dmgui knows of this guest."""
        return _FACTS[self]

    @property
    def label(self) -> str:
        """The name shown in New VM and Settings."""
        return self.facts.label


@dataclass(frozen=True)
class GuestFacts:
    """One guest's properties (sources in docs/model.md, "Guest OS")."""

    label: str
    integration_services: bool  # ships with (or installs) the Hyper-V integration services
    dm_hosts: frozenset[VersionProfile]  # host versions where DM works in this guest
    runtime_static_resize: bool  # 2016+ host: static memory resizable while running
    startup_min_mb: int | None  # recommended minimum Startup RAM (None: no advice)
    os_max_mb: int | None  # most memory the OS supports (Standard edition, x64)
    os_max_note: str = ""


_ALL = frozenset(VersionProfile)
_2012_ON = frozenset({VersionProfile.WS2012R2, VersionProfile.WS2016})
_GB = 1024
_TB = 1024 * 1024

_FACTS = {
    GuestOs.WS2003_SP2: GuestFacts("Windows Server 2003 SP2", True, _ALL, False, 128,
                                   32 * _GB, "Standard x64"),
    GuestOs.WS2008: GuestFacts("Windows Server 2008 SP2", True, _ALL, False, 512,
                               32 * _GB, "Standard x64"),
    GuestOs.WS2008R2_SP1: GuestFacts("Windows Server 2008 R2 SP1", True, _ALL, False, 512,
                                     32 * _GB, "Standard"),
    GuestOs.WIN7_SP1: GuestFacts("Windows 7 SP1", True, _ALL, False, 512, 192 * _GB,
                                 "Professional/Enterprise x64"),
    GuestOs.WS2012: GuestFacts("Windows Server 2012 / 2012 R2", True, _ALL, False, 512,
                               4 * _TB, "Standard"),
    GuestOs.WS2016: GuestFacts("Windows Server 2016 or later", True, _ALL, True, 512,
                               24 * _TB, "Standard"),
    GuestOs.WIN10: GuestFacts("Windows 10", True, _ALL, True, 512, 2 * _TB, "Pro x64"),
    GuestOs.LINUX: GuestFacts("Linux with Integration Services (LIS)", True, _2012_ON,
                              False, None, None),
    GuestOs.APPLIANCE: GuestFacts("Appliance / no integration services", False,
                                  frozenset(), False, None, None),
}


def dynamic_memory_works(guest: GuestOs | None, host: VersionProfile) -> bool:
    """Whether the guest's Dynamic Memory VSC runs on this host version (spec §1.5:
    the SP1-era Windows guests on every version; Linux's hv_balloon on 2012 R2+)."""
    return guest is None or host in guest.facts.dm_hosts


def runtime_resize_allowed(guest: GuestOs | None) -> bool:
    """Whether a running static VM's memory may be resized (2016 host, spec §1.5:
    Windows Server 2016 / Windows 10 guests; unspecified guests keep the old rule)."""
    return guest is None or guest.facts.runtime_static_resize


def guest_warnings(guest: GuestOs | None, settings: MemorySettings,
                   host: VersionProfile) -> list[str]:
    """Best-Practices-Analyzer-style advice on a VM's memory for its guest."""
    if guest is None:
        return []
    facts, out = guest.facts, []
    if facts.startup_min_mb and settings.startup_mb < facts.startup_min_mb:
        out.append(f"Startup RAM {settings.startup_mb} MB is below the {facts.startup_min_mb}"
                   f" MB recommended for {facts.label}.")
    top = settings.maximum_mb if settings.dynamic_memory_enabled else settings.startup_mb
    if facts.os_max_mb and top > facts.os_max_mb:
        out.append(f"{'Maximum' if settings.dynamic_memory_enabled else 'Startup'} RAM "
                   f"{top:,} MB is more than {facts.label} ({facts.os_max_note}) supports "
                   f"({facts.os_max_mb:,} MB).")
    if settings.dynamic_memory_enabled and not dynamic_memory_works(guest, host):
        out.append(f"Dynamic Memory does not work in {facts.label} on this host version: "
                   "the VM stays at its Startup RAM.")
    return out
