"""The app's QActions: one object each, shared by menus, the Actions pane,
the context menu, toolbars and keyboard shortcuts. No logic lives here."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence

from dmgui.core.states import VmState
from dmgui.qt.resources import icon


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
        self.save = _action(p, "&Save Scenario", "save", QKeySequence.StandardKey.Save,
                            "Save the scenario")
        self.save_as = _action(p, "Save Scenario &As...", None, "Ctrl+Shift+A",
                               "Save the scenario to a new file")
        self.host_settings = _action(p, "&Host Settings...", "host", "Ctrl+H",
                                     "Host memory, reserve and version")
        self.quit = _action(p, "E&xit", None, QKeySequence.StandardKey.Quit)
        # VM actions (Hyper-V Manager's lower Actions group).
        self.start = _action(p, "S&tart", "start", "Ctrl+Shift+S", "Start the virtual machine")
        self.shutdown = _action(p, "Shut &Down...", "shutdown", "Ctrl+Shift+D",
                                "Shut down the guest operating system")
        self.turn_off = _action(p, "Turn &Off...", "turnoff", "Ctrl+Shift+O",
                                "Turn off the virtual machine (unsaved guest data is lost)")
        # Hyper-V Manager offers Reset (a hard reset, after a question), not a guest
        # restart; the guest restart stays a scenario event ("restart").
        self.reset_vm = _action(p, "&Reset...", "restart", "Ctrl+Shift+R",
                                "Reset the virtual machine at once, like a computer's "
                                "reset button (unsaved guest data is lost)")
        self.settings = _action(p, "S&ettings...", "settings", "Ctrl+E",
                                "Memory settings of the virtual machine")
        self.delete = _action(p, "De&lete...", "delete", QKeySequence.StandardKey.Delete,
                              "Delete the virtual machine")
        # Simulation.
        self.run = _action(p, "&Run", "run", "F5", "Run the simulation")
        self.pause = _action(p, "&Pause", "pause", "F6", "Pause the simulation")
        self.reset = _action(p, "Rese&t Simulation", "reset", "Shift+F5",
                             "Start the simulation over at 00:00:00")
        self.about = _action(p, "&About dmgui", None)

    def host_actions(self) -> list[QAction]:
        """The upper group of the Actions pane."""
        return [self.new_vm, self.open, self.save, self.host_settings]

    def vm_actions(self) -> list[QAction]:
        """The lower group of the Actions pane (the selected VM)."""
        return [self.start, self.shutdown, self.turn_off, self.reset_vm, self.settings,
                self.delete]

    def update_for(self, state: int | None) -> None:
        """Enable the VM actions that make sense for a VM in ``state`` (None: no VM)."""
        has_vm = state is not None
        off = state == VmState.OFF
        running = state in (VmState.RUNNING, VmState.STARTING)
        self.start.setEnabled(has_vm and off)
        self.shutdown.setEnabled(has_vm and running)
        self.turn_off.setEnabled(has_vm and not off)
        # Reset needs no guest: any VM that holds memory may be reset.
        self.reset_vm.setEnabled(has_vm and (running or state == VmState.STOPPING))
        self.settings.setEnabled(has_vm)
        self.delete.setEnabled(has_vm and off)

    def update_running(self, running: bool) -> None:
        """Run and Pause are alternatives."""
        self.run.setEnabled(not running)
        self.pause.setEnabled(running)
