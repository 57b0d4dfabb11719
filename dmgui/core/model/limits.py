"""Bounds on what a scenario may say: what a real host could have, and no more.

They keep every number finite and every loop bounded, and they turn a typo
(a host with 10^30 MB, an event a million years away) into a clear refusal.
"""

MAX_SIM_SECONDS = 366 * 86400
"""The longest simulated time (a leap year): runs, event times and trace times."""

MAX_HOST_MEMORY_MB = 24 * 1024 * 1024
"""24 TB, the most physical memory Windows Server 2016 and later support (the
largest of the modelled versions; 2012 R2 supports 4 TB, 2008 R2 2 TB)."""

MAX_VM_OVERHEAD_MB = 64 * 1024
"""Per-VM overhead far above any published estimate (tens of MB per VM)."""

MAX_SEED = 2**63 - 1
"""Workload seeds are 63-bit non-negative integers."""

MAX_SCENARIO_NAME = 256
MAX_HOST_NAME = 255  # a fully qualified DNS name
MAX_VM_NAME = 100  # Hyper-V Manager's limit for a virtual machine name
