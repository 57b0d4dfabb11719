"""What a host keeps for itself: the root reserve and each running VM's overhead.

Microsoft documents that Hyper-V *automatically calculates* the memory it keeps for
the management OS (spec §3.4, [DOC S1]) but not the formula, and documents no per-VM
overhead for Dynamic Memory (spec §8). When a scenario does not give these numbers,
dmgui uses the published estimates below; numbers a scenario does give are used
exactly as given. See docs/model.md, "Host capacity".
"""

from __future__ import annotations

import math

RESERVE_BASE_MB = 384
RESERVE_PER_GB_MB = 64
"""Root reserve estimate for Windows Server 2008 R2 (SP1): 384 MB + 64 MB per GB of
host memory (hyper-v.nu, 2012, quoting a Microsoft forum answer; spec §3.4 [3P S40],
low confidence). No formula is published for 2012 and later, so the same estimate is
used for every version profile."""

OVERHEAD_FIRST_GB_MB = 32
OVERHEAD_PER_GB_MB = 8
"""Per-VM overhead planning rule: 32 MB for the first GB of the VM's memory plus 8 MB
for each further GB (Altaro, "Memory Management, Requirements and Usage in Hyper-V";
spec §3.4 [3P], low confidence)."""


def auto_reserve_mb(host_memory_mb: int) -> int:
    """The automatic root reserve for a host with ``host_memory_mb`` of RAM.

    2 MB aligned; never more than half the host (a tiny lab host still runs VMs).
    """
    estimate = RESERVE_BASE_MB + RESERVE_PER_GB_MB * host_memory_mb / 1024
    return int(min(estimate, host_memory_mb / 2) // 2 * 2)


def auto_vm_overhead_mb(vm_memory_mb: float) -> int:
    """The automatic overhead of a running VM whose memory is ``vm_memory_mb``.

    The VM's memory is its Startup RAM (what it is sized to start with; a Dynamic
    Memory VM's overhead does not follow each balloon or hot-add in this model).
    """
    further_gb = max(0, math.ceil(vm_memory_mb / 1024) - 1)
    return OVERHEAD_FIRST_GB_MB + OVERHEAD_PER_GB_MB * further_gb
