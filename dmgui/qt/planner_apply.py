"""The advisor's "Apply to scenario": advised memory settings into the main window's
document, VM by VM, as the Settings dialog applies them (issue 9 §3).

Hyper-V's rules still apply. Each change is checked first with
:func:`~dmgui.core.model.memory.check_memory_change` against the VM's settings and state now
(while a VM runs, Startup may not change and Minimum may only go down; on 2008 R2 SP1
nothing may change); those that pass go through ``window.commands.apply_memory`` (the
document becomes unsaved and the engine gets the settings), the others come back as
:class:`Refusal` s with Hyper-V's reason and what to do about it.

"Export PowerShell..." (:func:`export_advice`) writes the script of the scenario the
advisor proved, :attr:`AdviceResult.scenario` (the given advice applied), whatever
the simulated VMs' states: Hyper-V's rules are checked again by the script itself,
against the real VMs' states.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dmgui.core.model.memory import (
    MemoryChangeError,
    MemorySettings,
    check_memory_change,
)
from dmgui.core.model.states import VmState
from dmgui.core.planning.advisor import AdviceResult
from dmgui.qt.export_commands import export_script, script_file_name

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from dmgui.qt.main_window import MainWindow


@dataclass(frozen=True)
class AdviceChange:
    """One VM's advised settings, and the settings the advice was made from."""

    vm: str
    current: MemorySettings
    advised: MemorySettings


@dataclass(frozen=True)
class Refusal:
    """A change that was not applied: why, and whether the VM was running (then
    turning it off, or resetting the simulation, lets it apply)."""

    vm: str
    reason: str
    running: bool = False

    def text(self) -> str:
        """``VM: reason`` and what to do."""
        return refusal_lines([self])[0]


def refusal_lines(refusals: Sequence[Refusal]) -> list[str]:
    """The refusals, one line per reason: ``DC01, FILE01: reason Turn them off…``."""
    groups: dict[tuple[str, bool], list[str]] = {}
    for refusal in refusals:
        groups.setdefault((refusal.reason, refusal.running), []).append(refusal.vm)
    lines = []
    for (reason, running), vms in groups.items():
        line = f"{', '.join(vms)}: {reason}"
        if running:
            who = vms[0] if len(vms) == 1 else "them"
            line += f" Turn {who} off or Reset the simulation, then apply again."
        lines.append(line)
    return lines


def apply_to_window(window: MainWindow, changes: Sequence[AdviceChange]) -> list[Refusal]:
    """Apply each change that Hyper-V's rules allow to ``window``'s document and
    engine; return the others."""
    refused = []
    for change in changes:
        try:
            settings = _checked(window, change)
        except _Refused as refusal:
            refused.append(Refusal(change.vm, *refusal.args))
            continue
        window.commands.apply_memory(change.vm, settings)
    return refused


def export_advice(parent: QWidget, result: AdviceResult) -> str | None:
    """Ask where, then write the PowerShell script of ``result``'s advised scenario
    (``NAME-advised.ps1``); the path written, or None."""
    scenario = result.scenario
    return export_script(parent, scenario, script_file_name(scenario.name, "-advised"))


class _Refused(Exception):
    """Why one change is not applied."""


def _checked(window: MainWindow, change: AdviceChange) -> MemorySettings:
    """The settings to store for ``change``, as Hyper-V would store them."""
    scenario = window.document.scenario
    if change.vm not in {vm.name for vm in scenario.vms}:
        raise _Refused("it is no longer in the scenario.")
    if window.document.vm(change.vm).memory != change.current:
        raise _Refused("its memory settings changed after the advice was made: "
                       "advise again.")
    running = window.model.live(change.vm).state != VmState.OFF
    try:
        return check_memory_change(window.commands.current_settings(change.vm),
                                   change.advised, scenario.host.version, change.vm,
                                   running)
    except MemoryChangeError as err:
        raise _Refused(err.reason, running) from None
