"""The app's QActions: one object each, shared by menus, the Actions pane,
the context menu, toolbars and keyboard shortcuts. No logic lives here, except which
VM actions a selection of VM states allows (:data:`ALLOWED`, as Hyper-V Manager
offers them)."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence

from dmgui.core.model.states import VmState
from dmgui.qt.resources import icon

_S = VmState
#: The states in which a power action makes sense for a VM, as Hyper-V Manager
#: offers it: Running: Turn Off, Shut Down, Save, Pause, Reset; Paused: Resume, Turn
#: Off, Save, Reset; Saved: Start, Delete Saved State; Off: Start. A starting or
#: stopping VM may be turned off or reset; one waiting for memory may be turned off
#: (its start is cancelled). The engine's Reset is Turn Off then Start, which it
#: allows from Paused too.
ALLOWED: dict[str, frozenset[VmState]] = {
    "start": frozenset({_S.OFF, _S.SAVED}),
    "shutdown": frozenset({_S.RUNNING, _S.STARTING}),
    "turn_off": frozenset({_S.STARTING, _S.RUNNING, _S.STOPPING, _S.WAITING, _S.PAUSED}),
    "save": frozenset({_S.RUNNING, _S.PAUSED}),
    "pause": frozenset({_S.RUNNING}),
    "resume": frozenset({_S.PAUSED}),
    "delete_saved_state": frozenset({_S.SAVED}),
    "reset": frozenset({_S.STARTING, _S.RUNNING, _S.STOPPING, _S.PAUSED}),
}


def allows(action: str, state: int) -> bool:
    """Whether the power action ``action`` (a key of :data:`ALLOWED`) makes sense for
    a VM in ``state``."""
    return state in ALLOWED[action]


def _action(parent: QObject, text: str, icon_name: str | None = None,
            shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
            tip: str = "") -> QAction:
    action = QAction(text, parent)
    if icon_name:
        action.setIcon(icon(icon_name))
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    if tip:
        action.setStatusTip(tip)
        action.setToolTip(tip)
    return action


class AppActions(QObject):
    """Every action of the main window, grouped as Hyper-V Manager groups them."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        p = parent
        # Host actions.
        self.new_vm = _action(p, "&New Virtual Machine...", "new-vm", "Ctrl+N",
                              "Create a virtual machine on this host")
        self.open = _action(p, "&Open Scenario...", "open", QKeySequence.StandardKey.Open,
                            "Open a scenario file")
        self.import_hyperv = _action(p, "&Import from Hyper-V...", "import", "Ctrl+I",
                                     "A new scenario from files exported on a real "
                                     "Hyper-V host (Get-VM, Get-VMMemory, Get-VMHost, "
                                     "VM configuration XML, perfmon CSV logs)")
        self.save = _action(p, "&Save Scenario", "save", QKeySequence.StandardKey.Save,
                            "Save the scenario")
        self.save_as = _action(p, "Save Scenario &As...", None, "Ctrl+Shift+A",
                               "Save the scenario to a new file")
        self.export_powershell = _action(p, "&Export PowerShell Script...", None,
                                         "Ctrl+Shift+E", "Write a PowerShell script "
                                         "that gives the VMs of a real Hyper-V host "
                                         "this scenario's memory settings")
        self.export_run = _action(p, "Export &Run as CSV...", None, None,
                                  "Save the current run as CSV: one row per VM every "
                                  "10 simulated seconds, in the columns of dmgui "
                                  "simulate --csv (at most the run's last 24 hours)")
        self.export_plot = _action(p, "Export P&lot...", None, None,
                                   "Save the plot tab shown (Virtual machine, Host or "
                                   "Overview) as a PNG or SVG image")
        self.rename_scenario = _action(p, "Scenario Na&me...", "rename", None,
                                       "Rename the scenario (shown in the title bar "
                                       "and saved in its file)")
        self.host_settings = _action(p, "&Host Settings...", "host", "Ctrl+H",
                                     "Host memory, reserve and version")
        self.plan_capacity = _action(p, "Plan Capac&ity...", "plan", "Ctrl+Shift+C",
                                     "How many more VMs fit, static vs Dynamic Memory")
        self.turn_off_all = _action(p, "Tur&n Off All Virtual Machines...", "turnoff-all",
                                    None, "Turn off every virtual machine (saved states "
                                    "are deleted), e.g. to change the host version")
        self.quit = _action(p, "E&xit", None, QKeySequence.StandardKey.Quit)
        # VM actions (Hyper-V Manager's lower Actions group); the power actions act
        # on every selected VM they make sense for, the others on the current VM.
        self.start = _action(p, "S&tart", "start", "Ctrl+Shift+S",
                             "Start the selected virtual machines (a saved one is "
                             "restored)")
        self.shutdown = _action(p, "Shut &Down...", "shutdown", "Ctrl+Shift+D",
                                "Shut down the guest operating system")
        self.turn_off = _action(p, "Turn &Off...", "turnoff", "Ctrl+Shift+O",
                                "Turn off the virtual machine (unsaved guest data is lost)")
        self.save_state = _action(p, "Sa&ve", "save-state", "Ctrl+Shift+V",
                                  "Save the virtual machine's state: its memory goes "
                                  "back to the host until it is started again")
        self.pause_vm = _action(p, "&Pause", "pause-vm", "Ctrl+Shift+P",
                                "Pause the virtual machine: the guest is frozen and "
                                "keeps its memory")
        self.resume = _action(p, "Res&ume", "resume", "Ctrl+Shift+U",
                              "Resume the paused virtual machine")
        self.delete_saved_state = _action(p, "Delete &Saved State...", "delete-saved-state",
                                          None, "Delete the saved state: the virtual "
                                          "machine is off (unsaved guest data is lost)")
        # Hyper-V Manager offers Reset (a hard reset, after a question), not a guest
        # restart; the guest restart stays a scenario event ("restart").
        self.reset_vm = _action(p, "&Reset...", "restart", "Ctrl+Shift+R",
                                "Reset the virtual machine at once, like a computer's "
                                "reset button (unsaved guest data is lost)")
        self.settings = _action(p, "S&ettings...", "settings", "Ctrl+E",
                                "Memory settings of the virtual machine")
        self.clone = _action(p, "&Clone", "clone", None,
                             "Add a copy of the virtual machine (off, named NAME-2...)")
        self.add_copies = _action(p, "&Add Copies...", "copies", None,
                                  "Add several copies of the virtual machine")
        self.delete = _action(p, "De&lete...", "delete", QKeySequence.StandardKey.Delete,
                              "Delete the virtual machine")
        # Simulation.
        self.run = _action(p, "&Run", "run", "F5", "Run the simulation")
        self.pause = _action(p, "&Pause", "pause", "F6", "Pause the simulation")
        self.reset = _action(p, "Rese&t Simulation", "reset", "Shift+F5",
                             "Start the simulation over at 00:00:00")
        self.about = _action(p, "&About dmgui", None)
        self._power = {"start": self.start, "shutdown": self.shutdown,
                       "turn_off": self.turn_off, "save": self.save_state,
                       "pause": self.pause_vm, "resume": self.resume,
                       "delete_saved_state": self.delete_saved_state,
                       "reset": self.reset_vm}

    def host_actions(self) -> list[QAction]:
        """The upper group of the Actions pane."""
        return [self.new_vm, self.open, self.import_hyperv, self.save,
                self.host_settings, self.plan_capacity]

    def vm_actions(self) -> list[QAction]:
        """The lower group of the Actions pane (the selected VMs), in Hyper-V
        Manager's order."""
        return [action for group in self.vm_action_groups() for action in group]

    def vm_action_groups(self) -> list[list[QAction]]:
        """:meth:`vm_actions` in groups, which menus separate: the power actions
        (on every selected VM), then those on the current VM."""
        return [[self.start, self.shutdown, self.turn_off, self.save_state,
                 self.pause_vm, self.resume, self.delete_saved_state, self.reset_vm],
                [self.settings, self.clone, self.add_copies, self.delete]]

    def update_for(self, selected: Iterable[int] | int | None,
                   current: int | None = None) -> None:
        """Enable the VM actions that make sense for the selection.

        ``selected``: the states of the selected VMs (a single state or None are
        accepted too). A power action is enabled when it makes sense for at least
        one of them (it then acts on those); Settings, Clone and Add Copies need a
        current VM (``current``: its state; by default the first selected), Delete
        an Off one.
        """
        if selected is None:
            states: list[int] = []
        elif isinstance(selected, int):
            states = [selected]
        else:
            states = list(selected)
        if current is None and states:
            current = states[0]
        for key, action in self._power.items():
            action.setEnabled(any(allows(key, s) for s in states))
        has_vm = current is not None
        for action in (self.settings, self.clone, self.add_copies):
            action.setEnabled(has_vm)
        self.delete.setEnabled(has_vm and current == VmState.OFF)

    def update_host(self, any_vm_on: bool) -> None:
        """Turn Off All needs a VM that is not Off (saved ones count)."""
        self.turn_off_all.setEnabled(any_vm_on)

    def update_running(self, running: bool) -> None:
        """Run and Pause are alternatives."""
        self.run.setEnabled(not running)
        self.pause.setEnabled(running)
