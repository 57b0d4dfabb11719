"""What the scenario-wide actions do: Scenario Name, Host Settings, Plan Capacity and
Export PowerShell Script (:mod:`dmgui.qt.export_commands`).

Scenario Name and Host Settings change the document through :meth:`WindowCommands._reconfigure`, so the running
engine gets the new scenario and the title bar follows. The Host Settings dialog
locks the version while any VM is not Off; its Turn Off All button (or Action → Turn
Off All Virtual Machines...) turns every VM off, and the version unlocks in the same
dialog as soon as the engine reports every VM Off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Slot

from dmgui.core.model.scenario import Host
from dmgui.core.model.states import VmState
from dmgui.core.sim.frame import Frame
from dmgui.qt.export_commands import export_document
from dmgui.qt.host_dialog import HostSettingsDialog
from dmgui.qt.name_dialogs import ScenarioNameDialog
from dmgui.qt.planner_window import open_planner

if TYPE_CHECKING:
    from dmgui.qt.main_window import MainWindow
    from dmgui.qt.vm_commands import VmCommands
    from dmgui.qt.window_commands import WindowCommands


def any_vm_on(frame: Frame | None) -> bool:
    """Whether any VM of ``frame`` is not Off (Saved and Paused ones count)."""
    return bool(frame is not None and (frame.current().state != VmState.OFF).any())


class ScenarioCommands(QObject):
    """Slots behind Scenario Name, Host Settings, Plan Capacity and Export."""

    def __init__(self, window: MainWindow, commands: WindowCommands,
                 vms: VmCommands) -> None:
        super().__init__(window)
        self.w = window
        self.commands = commands
        self.vms = vms
        self.name_dialog: ScenarioNameDialog | None = None
        self.host_dialog: HostSettingsDialog | None = None

    def connect_actions(self) -> None:
        """Bind the scenario actions' ``triggered`` to their slots."""
        a = self.w.app_actions
        a.rename_scenario.triggered.connect(self.rename_scenario)
        a.host_settings.triggered.connect(self.host_settings)
        a.plan_capacity.triggered.connect(lambda: open_planner(self.w))
        a.export_powershell.triggered.connect(lambda: export_document(self.w))

    @Slot()
    def rename_scenario(self) -> None:
        """Ask for the scenario's new name (window-modal, not blocking)."""
        dialog = ScenarioNameDialog(self.w.document.scenario.name, self.rename, self.w)
        if self.name_dialog is not None:
            self.name_dialog.deleteLater()
        self.name_dialog = dialog
        dialog.open()

    def rename(self, name: str) -> None:
        """Rename the scenario; ValueError (for the dialog) if the model refuses."""
        self.commands._reconfigure(lambda d: d.rename(name), quiet=False)

    @Slot()
    def host_settings(self) -> None:
        """Host Settings dialog (window-modal, not blocking); the version is locked
        while any VM is not Off, and unlocks when every VM is (Turn Off All)."""
        dialog = HostSettingsDialog(self.w.document.scenario.host,
                                    any_vm_on(self.w.last_frame), self._apply_host,
                                    self.w, turn_off_all=self.vms.turn_off_all)
        shown = self.w.frame_shown

        def follow(frame: Frame) -> None:
            dialog.set_version_locked(any_vm_on(frame))

        shown.connect(follow)
        dialog.finished.connect(lambda _result: shown.disconnect(follow))
        if self.host_dialog is not None:
            self.host_dialog.deleteLater()
        self.host_dialog = dialog
        dialog.open()

    def _apply_host(self, host: Host) -> None:
        if not self.commands._reconfigure(lambda d: d.set_host(host),
                                          quiet=False):
            raise ValueError("The host settings were not applied.")
        self.w.actions_pane.set_host_name(self.w.document.scenario.host.name)
