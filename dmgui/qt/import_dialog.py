"""File → Import from Hyper-V...: a scenario from a real host's exported files.

The dialog lists the files (PowerShell inventories, VM configuration XML, perfmon CSV
logs), takes the optional host memory, version and name of ``dmgui import``, and runs
the same merge (:func:`import_files`: :func:`~dmgui.core.files.read_input`, then
:func:`~dmgui.core.formats.combine.read_host_file` and
:func:`~dmgui.core.formats.combine.combine`). A file that cannot be read or merged is
a red line in the dialog, which stays open with every entry kept; a merged scenario
is handed on by :attr:`ImportDialog.imported` and the dialog closes.

Why a thread: a day of one-second perfmon samples (27 MB for four VMs) takes about
3 s to parse. :class:`ImportRun` runs :func:`import_files` on a daemon Python thread
and polls it from the GUI thread. Neither the reader nor the merge can be interrupted,
so Cancel (or Esc) abandons the run at once: its result is dropped when it comes,
and the daemon thread never holds up closing the window or dmgui. No Qt object is
touched off the GUI thread.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

from PySide6.QtCore import QDir, QObject, QSettings, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from dmgui.core.files import FileProblem
from dmgui.core.formats.combine import ImportResult, combine, read_host_files
from dmgui.core.formats.text import ImportProblem
from dmgui.core.model import limits
from dmgui.core.model.memory import VersionProfile
from dmgui.core.model.names import one_line
from dmgui.qt.dialog_parts import error_label
from dmgui.qt.host_dialog import profile_label
from dmgui.qt.resources import app_icon

TITLE = "Import from Hyper-V"
FILE_FILTER = "Hyper-V exports (*.json *.csv *.xml *.vmcx);;All files (*)"
#: QSettings key: the folder files were last added from.
LAST_FOLDER_KEY = "files/last_import_folder"
POLL_MS = 50
HELP = (
    "On the Hyper-V host, export any of these in PowerShell and add the files:"
    "<ul style='margin-left: -24px'>"
    "<li><code>Get-VM | ConvertTo-Json &gt; vms.json</code></li>"
    "<li><code>Get-VMMemory * | ConvertTo-Json &gt; memory.json</code></li>"
    "<li><code>Get-VMHost | ConvertTo-Json &gt; host.json</code></li>"
    "<li>a perfmon CSV log of the <code>Hyper-V Dynamic Memory VM(*)</code> counters "
    "(its demand is replayed, and its Physical Memory drawn as the measured line)</li>"
    "<li>or each VM's configuration XML (2008 R2 to 2012 R2)</li></ul>"
    "VMs are matched by name. Settings come from Get-VM, Get-VMMemory or the XML: a "
    "perfmon log alone is not enough.")


@dataclass(frozen=True)
class ImportRequest:
    """What to import: the files, and ``dmgui import``'s options (None: automatic)."""

    paths: tuple[str, ...]
    host_memory_mb: int | None = None
    version: str | None = None
    name: str | None = None


def import_files(request: ImportRequest) -> ImportResult:
    """Read every file and merge them, as ``dmgui import`` does.

    Raises :class:`FileProblem` (a file that cannot be read, or one given twice) or
    :class:`ImportProblem` (a file of no known format, a merge that cannot be made);
    each message is one line naming the file.
    """
    files = read_host_files(request.paths)
    return combine(files, host_memory_mb=request.host_memory_mb,
                   version=request.version, name=request.name)


def report(result: ImportResult) -> tuple[str, str, str]:
    """The success report: a summary, a second paragraph, and every assumption and
    every VM or record left out, one per line (the message box's detailed text)."""
    scenario, vms = result.scenario, len(result.scenario.vms)
    text = (f"Imported {vms} virtual machine{'s' if vms != 1 else ''}, "
            f"{len(result.traced)} with a measured trace.")
    host = scenario.host
    informative = (f"Host {host.name} with {host.memory_mb:,} MB, "
                   f"{profile_label(host.version)}.")
    counts = []
    if result.assumptions:
        n = len(result.assumptions)
        counts.append(f"{n} assumption{'s' if n != 1 else ''}")
    if result.problems:
        counts.append(f"{len(result.problems)} left out")
    if counts:
        informative += f" {' and '.join(counts)}: see Show Details."
    informative += " The scenario has no file yet: Save asks for a name."
    details = [f"Assumed: {line}" for line in result.assumptions]
    details += [f"Not imported: {line}" for line in result.problems]
    return text, informative, "\n".join(one_line(line) for line in details)


class _Job:
    """:func:`import_files` on a daemon thread; plain Python, nothing of Qt."""

    def __init__(self, request: ImportRequest) -> None:
        self.done = threading.Event()
        self.result: ImportResult | None = None
        self.error = ""
        threading.Thread(target=self._run, args=(request,), daemon=True,
                         name="dmgui-import").start()

    def _run(self, request: ImportRequest) -> None:
        try:
            self.result = import_files(request)
        except (FileProblem, ImportProblem) as err:
            self.error = str(err)
        except Exception as err:  # noqa: BLE001 - shown in the dialog, never raised
            text = str(err).strip().splitlines()
            self.error = f"Unexpected error: {type(err).__name__}" + (
                f": {text[0]}" if text else "")
        finally:
            self.done.set()


class ImportRun(QObject):
    """One import, off the GUI thread (see the module docstring); lives on the GUI
    thread. Exactly one of ``succeeded`` (the :class:`ImportResult`) and ``failed``
    (one line) comes, unless :meth:`cancel` is called first."""

    succeeded = Signal(object)
    failed = Signal(str)

    def __init__(self, request: ImportRequest, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.request = request
        self._job: _Job | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll)

    def start(self) -> None:
        """Start reading and merging."""
        self._job = _Job(self.request)
        self._timer.start()

    def cancel(self) -> None:
        """Stop waiting: the job's result, when it comes, is dropped."""
        self._timer.stop()
        self._job = None

    @Slot()
    def _poll(self) -> None:
        job = self._job
        if job is None or not job.done.is_set():
            return
        self.cancel()
        if job.result is not None:
            self.succeeded.emit(job.result)
        else:
            self.failed.emit(job.error)


class ImportDialog(QDialog):
    """The files and options of an import; emits :attr:`imported` and closes when
    the merge succeeds, else shows the problem and keeps every entry.

    Keys: Enter imports (once a file is listed), Esc stops a running import, else
    closes; Delete removes the selected files.
    """

    #: The merge succeeded: an :class:`ImportResult`.
    imported = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(TITLE)
        self.setWindowIcon(app_icon())
        self.run: ImportRun | None = None
        self._focus: QWidget | None = None
        self.files = QListWidget()
        self.files.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.files.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.files.setMinimumHeight(96)
        self.add_button = QPushButton("&Add Files...")
        self.remove_button = QPushButton("&Remove")
        for button in (self.add_button, self.remove_button):
            button.setAutoDefault(False)  # Enter imports, whichever button has focus
        self.memory = QSpinBox()
        self.memory.setSpecialValueText("Automatic")
        self.memory.setAccelerated(True)
        self.memory.setMinimumWidth(150)
        self.memory.setToolTip("The host's physical memory. Automatic: Get-VMHost's "
                               "MemoryCapacity, else the smallest whole GB that holds "
                               "every VM (the report says so)")
        self.unit = QComboBox()
        self.unit.addItems(["GB", "MB"])
        self.unit.setAccessibleName("Host memory unit")
        self.version = QComboBox()
        self.version.addItem("Automatic (the XML's version, else 2012 R2)", None)
        for profile in VersionProfile:
            self.version.addItem(profile_label(profile), profile.value)
        self.name = QLineEdit()
        self.name.setMaxLength(limits.MAX_SCENARIO_NAME)
        self.name.setPlaceholderText("Imported from the first file")
        self.error = error_label()
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # no progress is known: a busy bar
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = self.buttons.addButton(
            "&Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self._layout()
        self.import_button.setDefault(True)  # once in the dialog, which then knows it
        self._wire()
        self._set_unit_range()
        self._sync()

    def _layout(self) -> None:
        help_text = QLabel(HELP)
        help_text.setTextFormat(Qt.TextFormat.RichText)
        help_text.setWordWrap(True)
        help_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        files_label = QLabel("&Files:")
        files_label.setBuddy(self.files)
        files = QGridLayout()
        files.addWidget(files_label, 0, 0, 1, 2)
        files.addWidget(self.files, 1, 0, 3, 1)
        files.addWidget(self.add_button, 1, 1)
        files.addWidget(self.remove_button, 2, 1)
        files.setRowStretch(3, 1)
        memory = QHBoxLayout()
        memory.addWidget(self.memory)
        memory.addWidget(self.unit)
        memory.addWidget(_note("Automatic: Get-VMHost's, else an estimate"), 1)
        form = QFormLayout()
        form.addRow("Host &memory:", memory)
        form.addRow("&Version:", self.version)
        form.addRow("&Name:", self.name)
        form.labelForField(memory).setBuddy(self.memory)
        layout = QVBoxLayout(self)
        layout.addWidget(help_text)
        layout.addSpacing(4)
        layout.addLayout(files, 1)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.busy)
        layout.addSpacing(4)
        layout.addWidget(self.buttons)
        self.resize(640, self.sizeHint().height())

    def _wire(self) -> None:
        self.add_button.clicked.connect(self.choose_files)
        self.remove_button.clicked.connect(self.remove_selected)
        self.files.itemSelectionChanged.connect(self._sync)
        self.unit.currentIndexChanged.connect(self._on_unit_changed)
        self.buttons.accepted.connect(self.start_import)
        self.buttons.rejected.connect(self.reject)

    # -- entries ---------------------------------------------------------------------

    def paths(self) -> list[str]:
        """The files listed, in order."""
        return [self.files.item(row).text() for row in range(self.files.count())]

    def add_files(self, paths: list[str]) -> None:
        """List ``paths`` (absolute; one already listed is not added again)."""
        listed = {os.path.normcase(path) for path in self.paths()}
        for path in map(os.path.abspath, paths):
            if os.path.normcase(path) not in listed:
                listed.add(os.path.normcase(path))
                self.files.addItem(path)
                self.files.item(self.files.count() - 1).setToolTip(path)
        self._sync()

    @Slot()
    def choose_files(self) -> None:
        """Add Files...: pick files (several at once)."""
        paths, _ = QFileDialog.getOpenFileNames(self, "Add Files to Import",
                                                _start_folder(), FILE_FILTER)
        if paths:
            QSettings().setValue(LAST_FOLDER_KEY, os.path.dirname(paths[0]))
            self.add_files(paths)

    @Slot()
    def remove_selected(self) -> None:
        """Remove the selected files; the next one is selected."""
        rows = sorted((index.row() for index in self.files.selectedIndexes()),
                      reverse=True)
        for row in rows:
            self.files.takeItem(row)
        if rows and self.files.count():
            self.files.setCurrentRow(min(rows[-1], self.files.count() - 1))
        self._sync()

    def request(self) -> ImportRequest:
        """The import as entered."""
        value = self.memory.value()
        memory = value * (1024 if self.unit.currentText() == "GB" else 1) or None
        return ImportRequest(tuple(self.paths()), memory, self.version.currentData(),
                             self.name.text().strip() or None)

    @Slot()
    def _on_unit_changed(self) -> None:
        """The same memory in the other unit (MB to GB: the nearest whole GB)."""
        value = self.memory.value()  # before the new range clamps it
        self._set_unit_range()
        if value:
            gb = self.unit.currentText() == "GB"
            self.memory.setValue(max(1, round(value / 1024)) if gb else value * 1024)

    def _set_unit_range(self) -> None:
        gb = self.unit.currentText() == "GB"
        self.memory.setRange(0, limits.MAX_HOST_MEMORY_MB // (1024 if gb else 1))
        self.memory.setSingleStep(1 if gb else 1024)
        self.memory.setSuffix(" GB" if gb else " MB")

    # -- importing -------------------------------------------------------------------

    @Slot()
    def start_import(self) -> None:
        """Import: read and merge the files off the GUI thread."""
        if self.run is not None or not self.files.count():
            return
        self.error.hide()
        self._focus = self.focusWidget()  # disabling the fields moves the focus away
        self.run = ImportRun(self.request(), self)
        self.run.succeeded.connect(self._on_succeeded)
        self.run.failed.connect(self._on_failed)
        self.run.start()
        self._sync()

    def stop_import(self) -> None:
        """Stop a running import; the dialog and its entries stay."""
        if self.run is not None:
            self.run.cancel()
            self.run.deleteLater()
            self.run = None
            self._sync()
            focus = self._focus if self._focus is not None else self.files
            (focus if focus.isEnabled() else self.files).setFocus()

    @Slot(object)
    def _on_succeeded(self, result: ImportResult) -> None:
        self.stop_import()
        self.imported.emit(result)
        self.accept()

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.stop_import()
        self.error.setText(message)
        self.error.show()
        culprit = max((p for p in self.paths() if p in message), key=len, default=None)
        if culprit is not None:  # the file the message names: selected, Delete removes
            self.files.setCurrentRow(self.paths().index(culprit))
            self.files.setFocus()

    def reject(self) -> None:
        """Cancel or Esc: stop a running import, else close."""
        if self.run is not None:
            self.stop_import()
            self.error.setText("The import was stopped.")
            self.error.show()
            return
        super().reject()

    def done(self, result: int) -> None:
        self.stop_import()  # closed by the window manager while importing
        super().done(result)

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.key() == Qt.Key.Key_Delete and self.files.hasFocus():
            self.remove_selected()
            return
        super().keyPressEvent(event)

    @Slot()
    def _sync(self) -> None:
        running = self.run is not None
        for widget in (self.files, self.add_button, self.memory, self.unit, self.version,
                       self.name):
            widget.setEnabled(not running)
        self.remove_button.setEnabled(not running and bool(self.files.selectedItems()))
        self.import_button.setEnabled(not running and self.files.count() > 0)
        self.busy.setVisible(running)


def _note(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet("QLabel { color: #555555; }")
    return label


def _start_folder() -> str:
    """Where Add Files... starts: the folder files were last added from, else home."""
    value = QSettings().value(LAST_FOLDER_KEY)
    if isinstance(value, str) and value and os.path.isdir(value):
        return value
    return QDir.homePath()


if __name__ == "__main__":  # a preview, for development only
    import sys

    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv)
    dialog = ImportDialog()
    dialog.add_files(sys.argv[1:])
    dialog.imported.connect(lambda result: print("\n".join(report(result))))
    dialog.show()
    app.exec()
