"""What the scenario-wide actions do: Scenario Name, Host Settings, Plan Capacity,
Import from Hyper-V (:mod:`dmgui.qt.import_dialog`) and Export PowerShell Script
(:mod:`dmgui.qt.export_commands`).

Scenario Name and Host Settings change the document through :meth:`WindowCommands._reconfigure`, so the running
engine gets the new scenario and the title bar follows. The Host Settings dialog
locks the version while any VM is not Off; its Turn Off All button (or Action → Turn
Off All Virtual Machines...) turns every VM off, and the version unlocks in the same
dialog as soon as the engine reports every VM Off.

Import from Hyper-V replaces the document as File → Open does (unsaved changes are
offered to be saved first); the imported scenario is untitled and unsaved, so Save
asks where and closing asks first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QMessageBox

from dmgui.core.document import ScenarioDocument
from dmgui.core.formats.combine import ImportResult
from dmgui.core.model.scenario import Host
from dmgui.core.model.states import VmState
from dmgui.core.sim.frame import Frame
from dmgui.qt.export_commands import export_document
from dmgui.qt.host_dialog import HostSettingsDialog
from dmgui.qt.import_dialog import TITLE as IMPORT_TITLE
from dmgui.qt.import_dialog import ImportDialog, report
from dmgui.qt.name_dialogs import ScenarioNameDialog
from dmgui.qt.plain_text import plain_message_box
from dmgui.qt.planner_window import open_planner

if TYPE_CHECKING:
    from dmgui.qt.main_window import MainWindow
    from dmgui.qt.vm_commands import VmCommands
    from dmgui.qt.window_commands import WindowCommands


def any_vm_on(frame: Frame | None) -> bool:
    """Whether any VM of ``frame`` is not Off (Saved and Paused ones count)."""
    return bool(frame is not None and (frame.current().state != VmState.OFF).any())


class ScenarioCommands(QObject):
    """Slots behind Scenario Name, Host Settings, Plan Capacity, Import and Export."""

    def __init__(self, window: MainWindow, commands: WindowCommands,
                 vms: VmCommands) -> None:
        super().__init__(window)
        self.w = window
        self.commands = commands
        self.vms = vms
        self.name_dialog: ScenarioNameDialog | None = None
        self.host_dialog: HostSettingsDialog | None = None
        self.import_dialog: ImportDialog | None = None

    def connect_actions(self) -> None:
        """Bind the scenario actions' ``triggered`` to their slots."""
        a = self.w.app_actions
        a.rename_scenario.triggered.connect(self.rename_scenario)
        a.host_settings.triggered.connect(self.host_settings)
        a.plan_capacity.triggered.connect(lambda: open_planner(self.w))
        a.export_powershell.triggered.connect(lambda: export_document(self.w))
        a.import_hyperv.triggered.connect(self.import_from_hyperv)

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

    @Slot()
    def import_from_hyperv(self) -> None:
        """Import from Hyper-V dialog (window-modal, not blocking), after offering to
        save unsaved changes as File → Open does."""
        if not self.commands.maybe_save():
            return
        dialog = ImportDialog(self.w)
        dialog.imported.connect(self.open_imported)
        if self.import_dialog is not None:
            self.import_dialog.deleteLater()
        self.import_dialog = dialog
        dialog.open()

    @Slot(object)
    def open_imported(self, result: ImportResult) -> None:
        """Show the imported scenario as an untitled, unsaved document (as File → Open
        shows a file), then report what was assumed and left out."""
        document = ScenarioDocument(result.scenario)
        document.dirty = True  # nothing on disk holds it yet
        self.w.document = document
        self.w.show_scenario(document.scenario)
        self.w.actions_pane.set_host_name(document.scenario.host.name)
        self.commands.reset()
        self.w.update_title()
        text, informative, details = report(result)
        box = plain_message_box(QMessageBox.Icon.Information, IMPORT_TITLE, text,
                                informative, parent=self.w)
        if details:
            box.setDetailedText(details)
        self.commands.last_message = box
        box.open()
