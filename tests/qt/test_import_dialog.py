"""File → Import from Hyper-V... (issue 10): the files and options of ``dmgui import``
in a dialog; a merged scenario opens as an untitled, unsaved document with its
measured series, a bad file is a red line in the dialog, which keeps every entry."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QMessageBox,
    QToolButton,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))

from perfmon_fixtures import FixtureVm, perfmon_csv  # noqa: E402
from powershell_fixtures import (  # noqa: E402
    Host,
    Vm,
    export_csv,
    get_vm_json,
    get_vmhost_json,
    vmmemory_record,
)
from test_main_window import SCENARIO, WAIT_MS, open_window  # noqa: E402

from dmgui.qt import import_dialog  # noqa: E402
from dmgui.qt.import_dialog import ImportDialog, ImportRequest, import_files  # noqa: E402
from dmgui.qt.plots.measured import NAME as MEASURED  # noqa: E402

pytestmark = pytest.mark.qt_log_ignore(
    r"This plugin does not support (propagateSizeHints|raise)\(\)", extend=True)

TIMES = [0, 15, 30, 45, 60, 75, 90, 105]
DEMAND = [600, 650, 900, 1400, 1250, 800, 700, 640]
VMS = [Vm("WEB01", startup_mb=1024, minimum_mb=512, maximum_mb=4096, state=2),
       Vm("SQL01", dynamic=False, startup_mb=2048, minimum_mb=2048, maximum_mb=2048,
          state=3)]


@pytest.fixture
def host_files(tmp_path) -> list[str]:
    files = {"vms.json": get_vm_json(VMS),
             "memory.csv": export_csv([vmmemory_record(vm) for vm in VMS]),
             "host.json": get_vmhost_json([Host("HV01", memory_bytes=16 * 1024**3)]),
             "perfmon.csv": perfmon_csv([FixtureVm("web01", DEMAND)], TIMES)}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    return [str(tmp_path / name) for name in files]


@pytest.fixture
def window(qtbot, tmp_path):
    win = open_window(qtbot, tmp_path / "lab.json", SCENARIO)
    yield win
    win.engine.shutdown()


def open_dialog(qtbot, win, monkeypatch, files: list[str]) -> ImportDialog:
    """File → Import from Hyper-V..., then Add Files... picks ``files``."""
    monkeypatch.setattr(QFileDialog, "getOpenFileNames",
                        lambda *args: (list(files), "Hyper-V exports"))
    win.app_actions.import_hyperv.trigger()
    dialog = win.commands.scenario.import_dialog
    assert dialog is not None and dialog.isVisible() and dialog.isModal()
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    return dialog


def measured_points(win, vm: str) -> np.ndarray:
    win.select_vm(vm)
    win.plots.redraw()
    curve = next(c for c in win.plots._vm_tab.plot.listDataItems() if c.name() == MEASURED)
    x, _y = curve.getOriginalDataset()
    return np.empty(0) if x is None else x


def test_an_import_opens_an_untitled_unsaved_document_with_its_measured_series(
        qtbot, window, monkeypatch, host_files):
    dialog = open_dialog(qtbot, window, monkeypatch, host_files)
    assert dialog.paths() == host_files
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)
    document = window.document
    assert document.path is None and document.sample is None and document.dirty
    assert window.isWindowModified()
    assert window.windowTitle() == "Imported from vms.json[*] — dmgui"
    assert [window.model.name_at(r) for r in range(window.model.rowCount())] == [
        "WEB01", "SQL01"]
    assert window.actions_pane._host_header.text() == "HV01"
    assert document.scenario.host.memory_mb == 16384
    box = window.commands.last_message
    assert box.isVisible() and box.text() == (
        "Imported 2 virtual machines, 1 with a measured trace.")
    assert "Host HV01 with 16,384 MB, Windows Server 2012 R2." in box.informativeText()
    assert "Save asks for a name" in box.informativeText()
    details = box.detailedText().splitlines()
    assert details and all(line.startswith(("Assumed: ", "Not imported: "))
                           for line in details)
    assert any(line.startswith("Assumed: version: 2012 R2") for line in details)
    box.accept()
    # The measured line shows for the traced VM, and none for the other.
    qtbot.waitUntil(lambda: window.last_frame is not None
                    and window.last_frame.names == ("WEB01", "SQL01"), timeout=WAIT_MS)
    np.testing.assert_array_equal(measured_points(window, "WEB01"), TIMES)
    assert measured_points(window, "SQL01").size == 0
    # Save asks where.
    asked = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *args: asked.append(args) or ("", ""))
    assert not window.app_actions.save.trigger() and len(asked) == 1


def test_options_reach_the_merge(qtbot, window, monkeypatch, host_files):
    dialog = open_dialog(qtbot, window, monkeypatch, host_files)
    dialog.memory.setValue(24)
    dialog.version.setCurrentIndex(dialog.version.findData("2016"))
    dialog.name.setText("  HV01 copy ")
    assert dialog.request() == ImportRequest(tuple(host_files), 24 * 1024, "2016",
                                             "HV01 copy")
    dialog.unit.setCurrentText("MB")  # the same memory in MB
    assert dialog.memory.value() == 24576 and dialog.request().host_memory_mb == 24576
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)
    scenario = window.document.scenario
    assert (scenario.name, scenario.host.memory_mb, scenario.host.version.value) == (
        "HV01 copy", 24576, "2016")
    window.commands.last_message.accept()


def test_a_broken_file_shows_the_problem_and_keeps_the_entries(
        qtbot, window, monkeypatch, host_files, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"hello\r\n")
    before = window.document
    dialog = open_dialog(qtbot, window, monkeypatch, [host_files[0], str(notes)])
    dialog.memory.setValue(16)
    dialog.version.setCurrentIndex(2)
    dialog.name.setText("Kept")
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.error.isVisible, timeout=WAIT_MS)
    assert dialog.error.text() == (
        f"{notes} is not a PowerShell inventory (JSON/CSV), a VM configuration XML or a "
        "perfmon CSV")
    assert dialog.error.textFormat() == Qt.TextFormat.PlainText
    assert dialog.isVisible() and window.document is before
    assert dialog.paths() == [host_files[0], str(notes)]
    assert dialog.files.currentRow() == 1  # the file the problem names
    assert (dialog.memory.value(), dialog.version.currentIndex(), dialog.name.text()) == (
        16, 2, "Kept")
    assert dialog.import_button.isEnabled() and dialog.files.isEnabled()
    # The named file has the focus: Delete removes it, Enter imports the rest.
    assert dialog.files.hasFocus()
    qtbot.keyClick(dialog.files, Qt.Key.Key_Delete)
    assert dialog.paths() == [host_files[0]]
    qtbot.keyClick(dialog.files, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)
    assert window.document.scenario.name == "Kept"
    window.commands.last_message.accept()


def test_a_missing_file_is_named(qtbot, window, monkeypatch, host_files):
    dialog = open_dialog(qtbot, window, monkeypatch, host_files[:1])
    Path(host_files[0]).unlink()
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.error.isVisible, timeout=WAIT_MS)
    assert dialog.error.text().startswith(f"{host_files[0]}: cannot read the file")


def test_unsaved_changes_are_offered_to_be_saved_first(qtbot, window, monkeypatch):
    window.commands._reconfigure(lambda d: d.rename("Edited"))
    assert window.document.dirty
    asked = []
    window.commands.ask_save = lambda: asked.append(1) or QMessageBox.StandardButton.Cancel
    window.app_actions.import_hyperv.trigger()
    assert asked == [1] and window.commands.scenario.import_dialog is None
    window.commands.ask_save = lambda: asked.append(2) or QMessageBox.StandardButton.Discard
    window.app_actions.import_hyperv.trigger()
    assert asked == [1, 2] and window.commands.scenario.import_dialog.isVisible()


def test_keyboard_esc_closes_and_enter_imports_only_with_files(
        qtbot, window, monkeypatch, host_files):
    window.app_actions.import_hyperv.trigger()
    dialog = window.commands.scenario.import_dialog
    assert not dialog.import_button.isEnabled() and dialog.import_button.isDefault()
    assert dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel) is not None
    qtbot.keyClick(dialog, Qt.Key.Key_Return)  # no file: nothing happens
    assert dialog.isVisible() and dialog.run is None
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    dialog = open_dialog(qtbot, window, monkeypatch, host_files)
    dialog.files.setFocus()
    qtbot.keyClick(dialog.files, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)
    assert window.document.scenario.name == "Imported from vms.json"
    window.commands.last_message.accept()


def test_every_control_has_its_own_mnemonic(qtbot):
    dialog = ImportDialog()
    qtbot.addWidget(dialog)
    texts = [dialog.add_button.text(), dialog.remove_button.text(),
             dialog.import_button.text()]
    texts += [label.text() for label in dialog.findChildren(QLabel)
              if label.buddy() is not None]
    keys = [t[t.index("&") + 1].lower() for t in texts]
    assert len(texts) == 7 and len(set(keys)) == 7, texts


def test_esc_stops_a_running_import_and_its_late_result_is_dropped(
        qtbot, window, monkeypatch, host_files):
    release = threading.Event()
    real = import_dialog.import_files

    def slow(request):
        release.wait(WAIT_MS / 1000)
        return real(request)

    monkeypatch.setattr(import_dialog, "import_files", slow)
    before = window.document
    dialog = open_dialog(qtbot, window, monkeypatch, host_files)
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    assert dialog.busy.isVisible() and not dialog.import_button.isEnabled()
    assert not dialog.files.isEnabled()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # stops, the dialog stays
    assert dialog.isVisible() and dialog.run is None and not dialog.busy.isVisible()
    assert dialog.error.text() == "The import was stopped."
    assert dialog.paths() == host_files and dialog.import_button.isEnabled()
    assert dialog.focusWidget() is not dialog.buttons.button(
        QDialogButtonBox.StandardButton.Cancel)  # Enter imports again, not Cancel
    release.set()
    qtbot.wait(300)  # the abandoned job ends; nobody listens
    assert window.document is before and dialog.isVisible()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_the_same_file_twice_is_refused(tmp_path, host_files):
    link = tmp_path / "again.json"
    link.hardlink_to(host_files[0])
    with pytest.raises(import_dialog.FileProblem, match="given twice"):
        import_files(ImportRequest((host_files[0], str(link))))


def test_it_is_in_the_file_menu_and_the_actions_pane_in_line_with_the_others(
        qtbot, window):
    action = window.app_actions.import_hyperv
    file_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&File")
    assert action in file_menu.actions() and action in window.app_actions.host_actions()
    assert action.shortcut().toString() == "Ctrl+I"
    link = next(b for b in window.actions_pane.findChildren(QToolButton)
                if b.defaultAction() is action)
    action.setEnabled(False)  # a change resets the link's icon to the action's
    action.setEnabled(True)
    assert not link.icon().isNull()  # a blank one: the text lines up with the others'
