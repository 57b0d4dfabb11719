"""What the main window's actions do: VM power actions, settings, scenario files.

Kept apart from :mod:`dmgui.qt.main_window` so the window only composes widgets.
Questions and errors use non-blocking message boxes (``open()``), kept in
``last_message`` so tests can read them; confirmations go through :meth:`confirm`,
which tests may replace.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QDir, QObject, QSettings, Slot
from PySide6.QtWidgets import QFileDialog, QMessageBox

from dmgui import __version__
from dmgui.core.document import ScenarioDocument
from dmgui.core.files import FileProblem, describe_os_error
from dmgui.core.model.memory import MemorySettings
from dmgui.core.model.scenario import Host, Scenario, ScenarioError
from dmgui.core.model.states import EventRecord, MemoryStatus, VmState
from dmgui.core.resources import samples_folder, shipped_sample
from dmgui.core.sim.reconfigure import reconfigure_problem
from dmgui.qt.dialogs import NewVmDialog
from dmgui.qt.plain_text import ask, plain_message_box
from dmgui.qt.scenario_commands import ScenarioCommands
from dmgui.qt.settings_dialog import SettingsDialog, VmChoice
from dmgui.qt.vm_commands import VmCommands
from dmgui.qt.vm_edit_commands import connect_vm_edits

if TYPE_CHECKING:
    from dmgui.qt.main_window import MainWindow

START_ERROR = "An error occurred while attempting to start the selected virtual machine(s)."
STATE_ERROR = "An error occurred while attempting to change the state of virtual machine {vm}."
# Event record kind -> the user request it answers (a restart's "Restarting." answers
# nothing yet: the start that follows does).
_ANSWERS = {"start": "start", "start_failed": "start", "smart_paging": "start",
            "restore": "start", "shutdown": "power", "turn_off": "power",
            "save": "power", "pause": "power", "resume": "power",
            "set_memory": "set_memory", "set_memory_refused": "set_memory"}
FILE_FILTER = "dmgui scenarios (*.json);;All files (*)"
# QSettings key: the folder File → Open / Save As last used.
LAST_FOLDER_KEY = "files/last_folder"


class WindowCommands(QObject):
    """Slots behind the shared actions of one :class:`MainWindow`."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.w = window
        self.last_message: QMessageBox | None = None
        self.settings_dialog: SettingsDialog | None = None
        self._requests: dict[str, set[str]] = {}  # VM -> actions the user asked for
        self._undo: dict[str, tuple[MemorySettings, bool]] = {}  # before a user edit
        self.vms = VmCommands(window, self)  # power actions on the selection, copies
        self.scenario = ScenarioCommands(window, self, self.vms)  # name, host

    def connect_actions(self) -> None:
        """Bind every action's ``triggered`` to its slot."""
        a, e = self.w.app_actions, self.w.engine
        self.vms.connect_actions()
        self.scenario.connect_actions()
        a.settings.triggered.connect(self.open_settings)
        a.delete.triggered.connect(self.delete_vm)
        a.new_vm.triggered.connect(self.new_vm)
        a.open.triggered.connect(self.open_scenario)
        a.save.triggered.connect(self.save)
        a.save_as.triggered.connect(self.save_as)
        a.quit.triggered.connect(self.w.close)
        a.run.triggered.connect(e.run_requested)
        a.pause.triggered.connect(e.pause_requested)
        a.reset.triggered.connect(self.reset)
        a.about.triggered.connect(self.about)

    # -- messages --------------------------------------------------------------------

    def message(self, icon: QMessageBox.Icon, title: str, text: str,
                informative: str = "") -> QMessageBox:
        """Show a non-blocking message box and remember it.

        Its texts are plain: they quote VM and host names, paths and errors.
        """
        box = plain_message_box(icon, title, text, informative, parent=self.w)
        self.last_message = box
        box.open()
        return box

    def confirm(self, title: str, text: str) -> bool:
        """Ask a yes/no question (blocking); tests replace this method."""
        answer = ask(self.w, title, text)  # plain text: it quotes the VM name
        return answer == QMessageBox.StandardButton.Yes

    @Slot(str)
    def show_engine_error(self, text: str) -> None:
        """A failing tick or refused edit: tell the user; the app stays usable."""
        at = self.w.last_frame.sim_time if self.w.last_frame else 0
        self.w.event_log.add_message(at, text)
        self.w.statusBar().showMessage(text, 10000)
        self.message(QMessageBox.Icon.Warning, "dmgui", "The simulation reported a problem.",
                     text)

    def handle_events(self, records: tuple[EventRecord, ...]) -> None:
        """Log a frame's events. A refusal of something the user asked for gets
        Hyper-V's dialog; scheduled events only reach the log and the status bar."""
        if not records:
            return
        self.w.event_log.add_records(records)
        for record in records:
            asked = self._answered(record)
            if record.kind == "start_failed":
                self._notify(asked, QMessageBox.Icon.Critical, "Hyper-V Manager",
                             START_ERROR, record)
            elif record.kind == "ignored":
                self._notify(asked, QMessageBox.Icon.Critical, "Hyper-V Manager",
                             STATE_ERROR.format(vm=record.vm), record)
            elif record.kind == "set_memory_refused":
                if asked:
                    self._undo_memory_edit(record.vm)
                self._notify(asked, QMessageBox.Icon.Critical, "Settings",
                             "Error applying Memory changes", record)
            elif record.kind == "smart_paging":
                self.w.statusBar().showMessage(f"{record.vm}: {record.message}", 10000)

    def _answered(self, record: EventRecord) -> bool:
        """Whether ``record`` answers a request the user made (and forget the request).

        Records of scheduled events answer nothing: they only reach the event log
        and the status bar.
        """
        kind = _ANSWERS.get(record.kind)
        pending = self._requests.get(record.vm, set())
        if record.kind == "ignored":  # refuses whatever the user asked last
            kind = next(iter(pending & {"start", "power"}), None)
        if kind in pending:
            pending.discard(kind)
            if kind == "set_memory" and record.kind == "set_memory":
                self._undo.pop(record.vm, None)
            return True
        return False

    def _notify(self, dialog: bool, icon: QMessageBox.Icon, title: str, text: str,
                record: EventRecord) -> None:
        if dialog:
            self.message(icon, title, text, record.message)
        else:
            line = record.message.replace("\n", " ")
            self.w.statusBar().showMessage(f"{record.vm}: {line}", 15000)

    def _undo_memory_edit(self, vm: str) -> None:
        """The engine refused the user's change: the document goes back as it was."""
        undo = self._undo.pop(vm, None)
        if undo is not None and vm in {v.name for v in self.w.document.scenario.vms}:
            settings, dirty = undo
            self.w.document.set_memory(vm, settings)
            self.w.document.dirty = dirty
            self.w.update_title()

    # -- VM actions ------------------------------------------------------------------

    def _power(self, action: str, vm: str | None = None) -> None:
        vm = vm or self.w.selected_vm()
        if vm:
            kind = "start" if action in ("start", "restart") else "power"
            self._requests.setdefault(vm, set()).add(kind)
            self.w.engine.command_requested.emit(action, vm, None)

    @Slot()
    def shut_down(self) -> None:
        """Shut Down the selected VMs, after asking (:meth:`VmCommands.shut_down`)."""
        self.vms.shut_down()

    @Slot()
    def turn_off(self) -> None:
        """Turn Off the selected VMs, after asking (:meth:`VmCommands.turn_off`)."""
        self.vms.turn_off()

    @Slot()
    def reset_vm(self) -> None:
        """Reset the selected VMs, after asking (:meth:`VmCommands.reset`)."""
        self.vms.reset()

    @Slot()
    def open_settings(self) -> None:
        """Open the VM Settings dialog on the Memory page."""
        vm = self.w.selected_vm()
        if not vm:
            return
        running = self.w.model.live(vm).state != VmState.OFF
        scenario = self.w.document.scenario
        machine = self.w.document.vm(vm)
        dialog = SettingsDialog(vm, self.current_settings(vm), scenario.host.version,
                                running, scenario.host.name, self.w,
                                integration_services=machine.integration_services,
                                vms=self.settings_choices,  # its VM drop-down
                                vm=machine)
        dialog.settings_applied.connect(self.apply_memory)
        connect_vm_edits(self, dialog)  # the other pages' fields
        if self.settings_dialog is not None:
            self.settings_dialog.deleteLater()  # one dialog kept at a time
        self.settings_dialog = dialog
        dialog.open()

    def settings_choices(self) -> list[VmChoice]:
        """Every VM as the Settings dialog's drop-down lists it, in scenario order."""
        return [VmChoice(v.name, self.current_settings(v.name),
                         self.w.model.live(v.name).state, v.integration_services, v)
                for v in self.w.document.scenario.vms]

    @Slot(str, object)
    def apply_memory(self, vm: str, settings: MemorySettings) -> None:
        """Store validated settings and send them to the engine (at once while
        paused, without a tick; else at the next tick)."""
        self._undo[vm] = (self.w.document.vm(vm).memory, self.w.document.dirty)
        self.w.document.set_memory(vm, settings)
        self.w.update_title()
        self._requests.setdefault(vm, set()).add("set_memory")
        self.w.engine.command_requested.emit("set_memory", vm, settings.model_dump())

    @Slot()
    def delete_vm(self) -> None:
        """Delete the selected (Off) VM after asking."""
        vm = self.w.selected_vm()
        if not vm or self.w.model.live(vm).state != VmState.OFF:
            return
        if self.confirm("Delete Selected Virtual Machine",
                        f"Are you sure you want to delete '{vm}'?"):
            self._reconfigure(lambda doc: doc.delete_vm(vm))

    @Slot()
    def new_vm(self) -> None:
        """New Virtual Machine dialog; the VM is added Off and selected."""
        doc = self.w.document
        dialog = NewVmDialog(doc.unique_vm_name(), doc.scenario.host.version,
                             {vm.name for vm in doc.scenario.vms}, self.w)
        if dialog.exec() and dialog.vm is not None:
            vm = dialog.vm
            if self._reconfigure(lambda d: d.add_vm(vm)):
                self.w.select_vm(vm.name)

    def _reconfigure(self, edit, quiet: bool = True) -> bool:
        """Apply ``edit`` to the document and the running engine, or to neither."""
        doc = self.w.document
        before = (doc.scenario, doc.dirty)
        try:
            scenario = edit(doc)
            problem = self._reconfigure_problem(scenario, before[0].host)
            if problem:
                raise ValueError(problem)
        except (ScenarioError, ValueError) as err:
            doc.scenario, doc.dirty = before
            if not quiet:
                raise ValueError(str(err)) from None
            self.message(QMessageBox.Icon.Warning, "dmgui", "The change was not made.",
                         str(err))
            return False
        self.w.show_scenario(scenario)
        self.w.engine.reconfigure_requested.emit(scenario)
        self.w.update_title()
        return True

    def _reconfigure_problem(self, scenario: Scenario, host: Host) -> str | None:
        """The engine's own check, run here first on the latest frame so a refused
        edit never reaches the document."""
        frame = self.w.last_frame
        if frame is None:
            return None
        now = frame.current()
        balanced = (now.status >= MemoryStatus.OK) & (now.status <= MemoryStatus.WARNING)
        return reconfigure_problem(frame.names, now.state, now.assigned, balanced,
                                   frame.settings, host, scenario)

    def current_settings(self, vm: str) -> MemorySettings:
        """A VM's memory settings now: the engine's if it has reported them."""
        frame = self.w.last_frame
        if frame is not None and vm in frame.names:
            return frame.settings[frame.names.index(vm)]
        return self.w.document.vm(vm).memory

    # -- simulation and files --------------------------------------------------------

    @Slot()
    def reset(self) -> None:
        """Start the simulation over (the scenario is kept)."""
        self.w.model.clear_live()
        self.w.plots.clear()
        self.w.event_log.clear()
        self.w.forget_live_values()
        self.w.engine.reset_requested.emit(self.w.document.scenario)

    def maybe_save(self) -> bool:
        """Offer to save unsaved changes; False if the user cancels (or Save fails)."""
        if not self.w.document.dirty:
            return True
        answer = self.ask_save()
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def ask_save(self) -> QMessageBox.StandardButton:
        """Save / Discard / Cancel question (blocking); tests replace this method.

        It names the scenario and, under it, the file the changes go to, or says
        there is none yet (Untitled, or a shipped sample's copy: Save asks where).
        Save is the default button (Return), so it must never write over a sample:
        a sample opens as a copy without a file, and :meth:`save` refuses one.
        """
        buttons = (QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                   | QMessageBox.StandardButton.Cancel)
        document = self.w.document
        text = f"Save changes to '{document.display_name}'?"
        box = plain_message_box(  # plain text: it quotes the scenario name and path
            QMessageBox.Icon.Question, "dmgui", text, _save_prompt_detail(document),
            buttons, parent=self.w)
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        box.exec()
        clicked = box.clickedButton()  # None if closed without a button
        box.deleteLater()  # as ask()'s box, it goes once answered
        if clicked is None:
            return QMessageBox.StandardButton.NoButton
        return box.standardButton(clicked)

    @Slot()
    def save(self) -> bool:
        """Save to the current file, or ask for one: when there is none (never saved, a
        shipped sample's copy) or when it is a shipped sample."""
        path = self.w.document.path
        if path is None or shipped_sample(path) is not None:
            return self.save_as()
        return self._save_to(path)

    @Slot()
    def save_as(self) -> bool:
        """Ask for a file name and save there.

        The dialog starts at the current file, else in the last folder used (never the
        samples folder: the home folder instead) with a name from the sample or the
        scenario.
        """
        path, _ = QFileDialog.getSaveFileName(self.w, "Save Scenario",
                                              str(self._save_start()), FILE_FILTER)
        if path and not Path(path).suffix:
            path += ".json"  # so the Open dialog's *.json filter finds it again
        if not path or not self._save_to(path):
            return False
        _remember_folder(Path(path).parent)
        return True

    def _save_start(self) -> Path:
        """Where the Save dialog starts: a file name, in a folder holding no sample."""
        document = self.w.document
        if document.path is not None and shipped_sample(document.path) is None:
            return document.path
        folder = _last_folder()
        if folder is None or _is_samples_folder(folder):
            folder = Path(QDir.homePath())
        if document.sample is not None:
            name = document.sample.name
        elif document.path is not None:
            name = document.path.name
        else:
            name = _file_name(document.scenario.name)
        return folder / name

    def _save_to(self, path) -> bool:
        if shipped_sample(path) is not None:  # asked for explicitly: still refused
            self.message(QMessageBox.Icon.Critical, "dmgui", "The scenario was not saved.",
                         f"{path} is a sample scenario shipped with dmgui, which is "
                         "never overwritten; save the scenario under another name or "
                         "in another folder.")
            return False
        try:
            self.w.document.save(path)
        except FileProblem as err:  # a read-only file, a FIFO, a device, a folder
            self.message(QMessageBox.Icon.Critical, "dmgui", "The scenario was not saved.",
                         str(err))
            return False
        except OSError as err:  # the write itself failed (full disk...): file untouched
            self.message(QMessageBox.Icon.Critical, "dmgui", "The scenario was not saved.",
                         describe_os_error(str(path), err))
            return False
        self.w.update_title()
        self.w.statusBar().showMessage(f"Saved {path}", 5000)
        return True

    @Slot()
    def open_scenario(self, path: str | None = None) -> bool:
        """Open another scenario (after offering to save this one).

        The Open dialog starts in the shipped samples folder the first time, then in
        the last folder a scenario was opened from or saved to. A shipped sample
        opens as an untitled copy (Save asks where; the sample is never overwritten).
        """
        if not self.maybe_save():
            return False
        chosen = not path
        if chosen:
            path, _ = QFileDialog.getOpenFileName(self.w, "Open Scenario",
                                                  _open_start(), FILE_FILTER)
            if not path:
                return False
        try:
            document = ScenarioDocument.open_for_editing(path)
        except ScenarioError as err:
            self.message(QMessageBox.Icon.Critical, "dmgui",
                         "The scenario could not be opened.", str(err))
            return False
        if chosen:
            _remember_folder(Path(path).parent)
        self.w.document = document
        self.w.show_scenario(document.scenario)
        self.w.actions_pane.set_host_name(document.scenario.host.name)
        self.reset()
        self.w.update_title()
        return True

    @Slot()
    def about(self) -> None:
        """About box."""
        QMessageBox.about(self.w, "About dmgui", (
            f"<b>dmgui {__version__}</b><p>A desktop lab for Hyper-V Dynamic Memory: "
            "simulate a host, its VMs and the Dynamic Memory balancer.</p>"))


# -- scenario files: the save prompt's detail, the dialogs' folders ----------------

def _save_prompt_detail(document: ScenarioDocument) -> str:
    """The save prompt's second line: the file the changes go to, or why Save asks."""
    if document.path is not None:
        path = document.path
        return f"The changes are saved to {path.name}, in {path.parent}."
    if document.sample is not None:
        return (f"This is an untitled copy of the sample {document.sample.name} "
                "shipped with dmgui, which stays as it is: Save asks for a file name.")
    return "The scenario has never been saved (Untitled): Save asks for a file name."


def _last_folder() -> Path | None:
    """The folder a scenario was last opened from or saved to, if it still exists."""
    value = QSettings().value(LAST_FOLDER_KEY)
    if isinstance(value, str) and value and Path(value).is_dir():
        return Path(value)
    return None


def _remember_folder(folder: Path) -> None:
    QSettings().setValue(LAST_FOLDER_KEY, str(folder.absolute()))


def _open_start() -> str:
    """Where the Open dialog starts: the last folder, the first time the samples."""
    folder = _last_folder()
    if folder is not None:
        return str(folder)
    try:
        return str(samples_folder())
    except FileNotFoundError:  # no resources: Qt's own choice
        return ""


def _is_samples_folder(folder: Path) -> bool:
    try:
        return folder.resolve() == samples_folder().resolve()
    except (OSError, RuntimeError):
        return False


def _file_name(title: str) -> str:
    """A file name for a scenario called ``title`` (no separators or control chars)."""
    stem = "".join(c if c.isalnum() or c in " -_.,()" else "-" for c in title)
    stem = stem.strip(" .-")[:80]
    return f"{stem or 'scenario'}.json"
