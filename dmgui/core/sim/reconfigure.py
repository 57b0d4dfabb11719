"""Whether an edited scenario may replace the one a running simulation uses.

Besides the host-wide checks of :func:`reconfigure_problem`, a VM that is not Off
keeps what Hyper-V fixes while a VM runs (issue 8 §2.3): its guest operating system,
its integration services and its generation (:func:`vm_edit_problem`). Its workload,
boot delay and automatic start action may change at any time.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dmgui.core.model.memory import (
    MemoryChangeError,
    MemorySettings,
    check_memory_settings,
)
from dmgui.core.model.scenario import Host, Scenario, VirtualMachine
from dmgui.core.model.states import VmState

#: Fields of a VM that may change only while it is Off, and how a refusal names them.
#: A running guest cannot become another OS or lose its integration services. Hyper-V
#: fixes the generation when it creates the VM; a scenario file may still set it, so
#: the engine allows it for an Off VM (the Settings dialog only shows it).
OFF_ONLY_FIELDS = {
    "guest_os": "guest operating system",
    "integration_services": "integration services",
    "generation": "generation",
}
TURN_OFF_FIRST = "Turn off '{vm}' before changing its {what}."


def vm_edit_problem(old: VirtualMachine, new: VirtualMachine, state: int) -> str | None:
    """Why VM ``old`` may not become ``new`` while in ``state``, or None if it may.

    Only an Off VM may change the fields of :data:`OFF_ONLY_FIELDS`; a Saved or
    Paused VM is not Off either (its guest is still the one that ran).
    """
    if state == VmState.OFF:
        return None
    changed = [what for field, what in OFF_ONLY_FIELDS.items()
               if getattr(old, field) != getattr(new, field)]
    if not changed:
        return None
    what = changed[0] if len(changed) == 1 else (
        ", ".join(changed[:-1]) + " or " + changed[-1])
    return TURN_OFF_FIRST.format(vm=old.name, what=what)


def reconfigure_problem(
    names: Sequence[str],
    state: np.ndarray,
    assigned: np.ndarray,
    balanced: np.ndarray,
    settings: Sequence[MemorySettings],
    host: Host,
    new: Scenario,
    old: Scenario | None = None,
) -> str | None:
    """Why ``new`` cannot replace the running configuration, or None if it can.

    ``state``, ``assigned`` and ``balanced`` (VMs the balancer moves, i.e. running
    Dynamic Memory VMs whose guest reports) describe the VMs ``names`` now. Running
    VMs may not be deleted, the version may change only while every VM is off, and
    the host must keep room for what the running VMs cannot give back: the Minimum of
    balanced VMs, the current memory of the others, and each one's overhead. Given
    the ``old`` scenario, a kept VM that is not Off must also pass
    :func:`vm_edit_problem`.
    """
    running = [i for i, _ in enumerate(names) if state[i] != VmState.OFF]
    kept = {vm.name for vm in new.vms}
    for i in running:
        if names[i] not in kept:
            return f"Turn off '{names[i]}' before deleting it."
    if running and new.host.version != host.version:
        return "The host version can change only while every virtual machine is off."
    if old is not None:
        problem = _running_vm_problem(names, state, old, new)
        if problem:
            return problem
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


def _running_vm_problem(names: Sequence[str], state: np.ndarray, old: Scenario,
                        new: Scenario) -> str | None:
    """The first :func:`vm_edit_problem` of a kept VM (matched by name)."""
    before = {vm.name: vm for vm in old.vms}
    index = {name: i for i, name in enumerate(names)}
    for vm in new.vms:
        if vm.name in before and vm.name in index:
            problem = vm_edit_problem(before[vm.name], vm, state[index[vm.name]])
            if problem:
                return problem
    return None
