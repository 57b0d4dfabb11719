"""Applying the Settings dialog's non-memory changes to the scenario and the engine.

The dialog's :attr:`~dmgui.qt.settings_dialog.SettingsDialog.vm_changed` carries a
VM's changed fields (workload, guest OS, integration services, boot delay, automatic
start). They go through the window's one edit path,
:meth:`WindowCommands._reconfigure <dmgui.qt.window_commands.WindowCommands>`: the
document validates the whole scenario, the engine's own check runs on the latest
frame, and only then the engine gets the edited scenario (it keeps every VM's running
state, and rebuilds the workloads, so a running VM's demand follows its new workload
from the next tick). A refusal goes back to the dialog, which shows it and keeps the
user's edits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Slot

from dmgui.core.document import ScenarioDocument
from dmgui.core.model.scenario import Scenario
from dmgui.core.model.states import VmState
from dmgui.core.sim.reconfigure import vm_edit_problem

if TYPE_CHECKING:
    from dmgui.qt.settings_dialog import SettingsDialog
    from dmgui.qt.window_commands import WindowCommands


class VmEditCommands(QObject):
    """Applies one Settings dialog's :attr:`vm_changed` edits.

    A child of the dialog that answers it through :meth:`parent` (holding the dialog
    in an attribute would tie their Python wrappers in a cycle).
    """

    def __init__(self, commands: WindowCommands, dialog: SettingsDialog) -> None:
        super().__init__(dialog)
        self._commands = commands

    @Slot(str, dict)
    def apply(self, name: str, fields: dict) -> None:
        """Apply ``fields`` to VM ``name``, or tell the dialog why not."""
        try:
            # quiet=False: a refusal raises (the document is left as it was).
            self._commands._reconfigure(lambda doc: self._edit(doc, name, fields),
                                        quiet=False)
        except (KeyError, ValueError) as err:
            reason = f"There is no virtual machine named '{name}'." if isinstance(
                err, KeyError) else str(err)
            self.parent().refuse_vm_change(reason)

    def _edit(self, doc: ScenarioDocument, name: str, fields: dict) -> Scenario:
        """The edited scenario; a VM that is not Off keeps its guest (the engine's
        rule, checked here too because the window's check sees no old scenario)."""
        old = doc.vm(name)
        scenario = doc.update_vm(name, **fields)
        new = scenario.vms[scenario.vm_index(name)]
        problem = vm_edit_problem(old, new, self._state(name))
        if problem:
            raise ValueError(problem)
        return scenario

    def _state(self, name: str) -> int:
        """The VM's state in the latest frame (Off before the first one)."""
        frame = self._commands.w.last_frame
        if frame is None or name not in frame.names:
            return VmState.OFF
        return int(frame.current().state[frame.names.index(name)])


def connect_vm_edits(commands: WindowCommands, dialog: SettingsDialog) -> VmEditCommands:
    """Route ``dialog``'s :attr:`vm_changed` to the window's edit path."""
    edits = VmEditCommands(commands, dialog)
    dialog.vm_changed.connect(edits.apply)
    return edits
