"""Export PowerShell Script from the GUI (issue 10 §3): File → Export PowerShell
Script... writes the document's script (unsaved edits included), atomically, and the
Capacity Planner's Advisor exports the scenario with the advised settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QMessageBox

# tests/qt is on sys.path (pytest's rootdir-relative import of test modules).
from test_main_window import SCENARIO, open_window, step
from test_planner_advisor import ADVISED, _advised_planner, settings_of
from test_planner_window import PAPER

from dmgui.core.formats.powershell_export import powershell_script
from dmgui.core.model.memory import MemorySettings
from dmgui.core.model.states import VmState
from dmgui.qt import export_commands
from dmgui.qt.export_commands import NOT_WRITTEN, script_file_name
from dmgui.qt.planner_advice import AdviceResults

pytestmark = pytest.mark.qt_log_ignore(
    r"This plugin does not support (propagateSizeHints|raise)\(\)", extend=True)


class FakeFileDialog:
    """Stands in for QFileDialog: notes where the Save dialog starts, answers ``reply``."""

    def __init__(self) -> None:
        self.reply = ""
        self.started: list[str] = []

    def getSaveFileName(self, parent, caption, start, filters):  # noqa: N802 - Qt API
        self.started.append(start)
        return self.reply, ""


@pytest.fixture
def dialog(monkeypatch) -> FakeFileDialog:
    fake = FakeFileDialog()
    monkeypatch.setattr(export_commands, "QFileDialog", fake)
    QSettings().remove(export_commands.LAST_FOLDER_KEY)  # Qt reads XDG once a process
    yield fake
    QSettings().remove(export_commands.LAST_FOLDER_KEY)


@pytest.fixture
def errors(monkeypatch) -> list[str]:
    """The details of the "not written" boxes shown."""
    shown: list[str] = []
    monkeypatch.setattr(export_commands, "error_box",
                        lambda parent, detail: shown.append(detail))
    return shown


@pytest.fixture
def window(qtbot, tmp_path):
    win = open_window(qtbot, tmp_path / "lab.json", SCENARIO)
    yield win
    win.engine.shutdown()


def export_action(win):
    file_menu = next(a.menu() for a in win.menuBar().actions() if a.text() == "&File")
    return next(a for a in file_menu.actions()
                if a.text() == "&Export PowerShell Script...")


# -- File → Export PowerShell Script... ----------------------------------------------


def test_the_file_menu_offers_it_on_ctrl_shift_e(window):
    action = export_action(window)
    assert action is window.app_actions.export_powershell
    assert action.shortcut() == QKeySequence("Ctrl+Shift+E")


def test_it_writes_the_documents_script_with_unsaved_edits(window, dialog, tmp_path):
    edited = MemorySettings(dynamic_memory_enabled=True, startup_mb=1024, minimum_mb=768,
                            maximum_mb=3072, buffer_percent=25, weight=7000)
    window.commands.apply_memory("App", edited)  # unsaved
    out = tmp_path / "scripts" / "lab.ps1"
    out.parent.mkdir()
    dialog.reply = str(out)
    export_action(window).trigger()
    assert dialog.started == [str(tmp_path / "Lab-host.ps1")]  # beside the scenario
    assert out.read_text() == powershell_script(window.document.scenario,
                                                script_name="lab.ps1")
    assert "MinimumBytes = 768MB" in out.read_text()
    assert window.document.dirty and window.isWindowModified()  # not saved by it
    assert str(out) in window.statusBar().currentMessage()
    # The next export starts in the folder used last.
    export_action(window).trigger()
    assert dialog.started[-1] == str(out.parent / "Lab-host.ps1")


def test_a_name_without_suffix_gets_ps1_and_cancel_writes_nothing(window, dialog,
                                                                   tmp_path):
    dialog.reply = str(tmp_path / "apply")
    assert export_commands.export_document(window) == str(tmp_path / "apply.ps1")
    assert (tmp_path / "apply.ps1").is_file()
    dialog.reply = ""
    assert export_commands.export_document(window) is None


def test_a_read_only_file_is_kept_and_the_box_names_it(window, dialog, errors,
                                                       tmp_path):
    out = tmp_path / "old.ps1"
    out.write_text("# old script\n")
    out.chmod(0o444)
    dialog.reply = str(out)
    assert export_commands.export_document(window) is None
    assert out.read_text() == "# old script\n"
    assert len(errors) == 1 and str(out) in errors[0] and "read-only" in errors[0]


def test_the_scenario_file_and_a_folder_are_refused(window, dialog, errors, tmp_path):
    scenario = tmp_path / "lab.json"
    before = scenario.read_text()
    dialog.reply = str(scenario)
    export_commands.export_document(window)
    assert scenario.read_text() == before
    folder = tmp_path / "scripts.ps1"
    folder.mkdir()
    dialog.reply = str(folder)
    export_commands.export_document(window)
    assert len(errors) == 2
    assert str(scenario) in errors[0] and "scenario file" in errors[0]
    assert str(folder) in errors[1] and "it is a folder" in errors[1]


def test_the_real_error_box_is_not_blocking(window, dialog, tmp_path):
    dialog.reply = str(tmp_path / "no-such-folder" / "x.ps1")
    export_action(window).trigger()  # returns: the box is open, not exec'd
    boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert len(boxes) == 1
    assert boxes[0].text() == NOT_WRITTEN
    assert str(tmp_path / "no-such-folder") in boxes[0].informativeText()
    boxes[0].close()


def test_script_file_names_are_safe():
    assert script_file_name("Lab host") == "Lab-host.ps1"
    assert script_file_name("Finance $(rm) 'x'", "-advised") == "Finance-rm-x-advised.ps1"
    assert script_file_name("...") == "scenario.ps1"


# -- the Advisor's Export PowerShell... ------------------------------------------------


def test_the_export_button_waits_for_given_advice(qtbot):
    advice = AdviceResults()
    qtbot.addWidget(advice)
    assert not advice.export_button.isVisibleTo(advice)


def test_advised_settings_are_exported_even_when_apply_is_refused(qtbot, tmp_path,
                                                                   dialog):
    main = open_window(qtbot, tmp_path / "paper.json", PAPER)
    try:
        step(qtbot, main, 60)
        assert main.model.live("T").state == VmState.RUNNING
        planner = _advised_planner(qtbot, main)
        advice = planner.advice
        qtbot.mouseClick(advice.apply_button, Qt.MouseButton.LeftButton)
        assert advice.refusals.isVisible()  # Startup may not change while T runs
        before = main.document.vm("T").memory
        assert advice.export_button.isEnabled()
        out = tmp_path / "advised.ps1"
        dialog.reply = str(out)
        qtbot.mouseClick(advice.export_button, Qt.MouseButton.LeftButton)
        assert Path(dialog.started[0]).name == "Paper-host-advised.ps1"
        advised = advice.result.scenario
        assert settings_of(advised.vms[0].memory) == ADVISED
        assert out.read_text() == powershell_script(advised, script_name="advised.ps1")
        assert "StartupBytes = 526MB" in out.read_text()
        assert main.document.vm("T").memory == before  # the document is not touched
        assert str(out) in advice.report.text()
        planner.close()
    finally:
        main.engine.shutdown()
        QApplication.processEvents()
