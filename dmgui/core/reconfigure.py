"""Whether an edited scenario may replace the one a running simulation uses."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dmgui.core.memory import MemoryChangeError, MemorySettings, check_memory_settings
from dmgui.core.scenario import Host, Scenario
from dmgui.core.states import VmState


def reconfigure_problem(
    names: Sequence[str],
    state: np.ndarray,
    assigned: np.ndarray,
    balanced: np.ndarray,
    settings: Sequence[MemorySettings],
    host: Host,
    new: Scenario,
) -> str | None:
    """Why ``new`` cannot replace the running configuration, or None if it can.

    ``state``, ``assigned`` and ``balanced`` (VMs the balancer moves, i.e. running
    Dynamic Memory VMs whose guest reports) describe the VMs ``names`` now. Running
    VMs may not be deleted, the version may change only while every VM is off, and
    the host must keep room for what the running VMs cannot give back: the Minimum of
    balanced VMs, the current memory of the others, and each one's overhead.
    """
    running = [i for i, _ in enumerate(names) if state[i] != VmState.OFF]
    kept = {vm.name for vm in new.vms}
    for i in running:
        if names[i] not in kept:
            return f"Turn off '{names[i]}' before deleting it."
    if running and new.host.version != host.version:
        return "The host version can change only while every virtual machine is off."
    for i, name in enumerate(names):  # kept VMs keep their current settings
        if name in kept and new.host.version != host.version:
            try:
                check_memory_settings(settings[i], new.host.version, name)
            except MemoryChangeError as err:
                return f"'{name}': {err.reason}"
    need = sum(settings[i].minimum_mb if balanced[i] else float(assigned[i])
               for i in running)
    need += sum(new.host.vm_overhead_for(settings[i].startup_mb) for i in running)
    if need > new.host.vm_pool_mb:
        reserve = new.host.effective_reserve_mb
        total = int(need) + reserve
        return (f"The running virtual machines need at least {total} MB of host memory "
                f"(including the {reserve} MB reserve). Turn some off first.")
    return None
