"""Saving and opening scenarios (issue 8 §2.6).

The save prompt names the file; a shipped sample opens as an untitled copy, so Save
(and Return at the save prompt, whose default button is Save) asks where instead of
overwriting it; File → Open starts in the samples folder the first time, then in the
last folder used.

The samples folder is a copy in ``tmp_path`` (``resources_root`` is redirected), so a
regression that writes over "a sample" cannot touch the repository's files.
"""

from __future__ import annotations

import json
import shutil
import types
from contextlib import contextmanager
from pathlib import Path

import pytest

# tests/ is not a package: pytest puts this folder on sys.path.
from modal_box import ModalBoxWatcher
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox
from test_main_window import SCENARIO, WAIT_MS, open_window

from dmgui.core import resources
from dmgui.qt import window_commands
from dmgui.qt.app import _open_document
from dmgui.qt.window_commands import WindowCommands

REAL_SAMPLES = resources.default_scenario_path().parent
DEFAULT_NAME = resources.default_scenario_path().name
CONTENTION = "contention-2012r2.json"


@pytest.fixture(autouse=True)
def _no_remembered_folder():
    """Qt reads XDG_CONFIG_HOME once per process: forget the last folder here."""
    QSettings().clear()
    yield
    QSettings().clear()


@pytest.fixture
def samples(tmp_path, monkeypatch) -> Path:
    """A copy of the shipped samples, used as dmgui's own; returns its folder."""
    root = tmp_path / "shipped"
    shutil.copytree(REAL_SAMPLES, root / "scenarios")
    monkeypatch.setattr(resources, "resources_root", lambda: root)
    return root / "scenarios"


@pytest.fixture
def window(qtbot, tmp_path):
    win = open_window(qtbot, tmp_path / "lab.json", SCENARIO)
    yield win
    win.engine.shutdown()


@contextmanager
def real_prompt(win):
    """The real, blocking save prompt inside the block; "Discard" again after it, so
    closing the window at teardown (before fixtures end) never waits for an answer."""
    win.commands.ask_save = types.MethodType(WindowCommands.ask_save, win.commands)
    try:
        yield
    finally:
        win.commands.ask_save = lambda: QMessageBox.StandardButton.Discard


class FakeFileDialog:
    """Stands in for QFileDialog: notes where each dialog starts, answers ``reply``."""

    def __init__(self, reply: str = "") -> None:
        self.reply = reply
        self.opened: list[str] = []  # the start folder of each Open dialog
        self.saved: list[str] = []  # the start path of each Save dialog

    def getOpenFileName(self, parent, caption, start, filters):  # noqa: N802 - Qt API
        self.opened.append(start)
        return self.reply, ""

    def getSaveFileName(self, parent, caption, start, filters):  # noqa: N802 - Qt API
        self.saved.append(start)
        return self.reply, ""


@pytest.fixture
def dialogs(monkeypatch) -> FakeFileDialog:
    fake = FakeFileDialog()
    monkeypatch.setattr(window_commands, "QFileDialog", fake)
    return fake


class PromptWatcher(ModalBoxWatcher):
    """Notes the next modal message box's texts and presses ``key`` (or a button)."""

    def __init__(self, key: Qt.Key | None = None,
                 button: QMessageBox.StandardButton | None = None) -> None:
        self.key, self.button = key, button
        self.text = self.informative = ""
        self.default: QMessageBox.StandardButton | None = None
        super().__init__()

    def inspect(self, box: QMessageBox) -> None:
        self.text, self.informative = box.text(), box.informativeText()
        default = box.defaultButton()
        self.default = box.standardButton(default) if default else None

    def answer(self, box: QMessageBox) -> None:
        if self.key is not None:
            QTest.keyClick(box.focusWidget() or box, self.key)
        if box.isVisible():  # no key, or the key did not answer: do not hang
            box.button(self.button or QMessageBox.StandardButton.Cancel).click()


def _edit(win) -> None:
    win.document.dirty = True
    win.update_title()


# -- the save prompt names the file ------------------------------------------------

def test_save_prompt_names_the_file(qtbot, window):
    _edit(window)
    watcher = PromptWatcher(button=QMessageBox.StandardButton.Cancel)
    with real_prompt(window):
        assert window.commands.ask_save() == QMessageBox.StandardButton.Cancel
    assert watcher.text == "Save changes to 'Lab host'?"
    assert "lab.json" in watcher.informative
    assert str(window.document.path.parent) in watcher.informative
    assert watcher.default == QMessageBox.StandardButton.Save


def test_save_prompt_of_a_never_saved_scenario_says_untitled(qtbot, window):
    window.document.path = None
    _edit(window)
    watcher = PromptWatcher(button=QMessageBox.StandardButton.Cancel)
    with real_prompt(window):
        window.commands.ask_save()
    assert "Untitled" in watcher.informative
    assert "asks for a file name" in watcher.informative


# -- a shipped sample opens as an untitled copy ------------------------------------

def test_a_sample_opened_from_the_menu_is_an_untitled_copy(qtbot, window, samples):
    sample = samples / CONTENTION
    assert window.commands.open_scenario(str(sample))
    doc = window.document
    assert doc.path is None
    assert doc.sample == sample.resolve()
    name = doc.scenario.name
    assert window.windowTitle() == f"{name} (copy of sample)[*] — dmgui"


def test_a_sample_reached_by_another_name_is_still_a_sample(qtbot, window, samples,
                                                             tmp_path, monkeypatch):
    link = tmp_path / "my-lab.json"
    link.symlink_to(samples / CONTENTION)
    assert window.commands.open_scenario(str(link))
    assert window.document.path is None  # compared as files, not by name
    # ...and a relative path through the samples folder.
    monkeypatch.chdir(samples)
    assert window.commands.open_scenario(f"../scenarios/{CONTENTION}")
    assert window.document.path is None and window.document.sample is not None
    # A copy elsewhere with the same name is an ordinary file.
    mine = tmp_path / CONTENTION
    shutil.copy(samples / CONTENTION, mine)
    assert window.commands.open_scenario(str(mine))
    assert window.document.path == mine and window.document.sample is None


def test_the_default_scenario_at_start_is_an_untitled_copy(samples):
    document, problem = _open_document(None)
    assert not problem
    assert document.path is None
    assert document.sample == (samples / DEFAULT_NAME).resolve()
    assert document.file_id is not None  # a screenshot may still not replace it


def test_a_sample_named_on_the_command_line_is_an_untitled_copy(samples):
    document, problem = _open_document(str(samples / CONTENTION))
    assert not problem
    assert document.path is None and document.sample == (samples / CONTENTION).resolve()


def test_the_real_default_scenario_is_recognised_as_a_sample():
    document, _ = _open_document(None)
    assert document.sample == resources.default_scenario_path().resolve()


def test_return_at_the_save_prompt_never_overwrites_a_sample(qtbot, window, samples,
                                                            dialogs):
    sample = samples / CONTENTION
    shipped = sample.read_bytes()
    assert window.commands.open_scenario(str(sample))
    _edit(window)
    watcher = PromptWatcher(key=Qt.Key.Key_Return)
    with real_prompt(window):  # the real prompt, answered with Return
        assert not window.commands.maybe_save()  # Save As cancelled: nothing saved
    assert watcher.default == QMessageBox.StandardButton.Save
    assert CONTENTION in watcher.informative  # says whose copy it is
    assert len(dialogs.saved) == 1  # Return meant Save, and Save asked where
    start = Path(dialogs.saved[0])
    assert start.parent.resolve() != samples.resolve()  # not proposed over the sample
    assert start.name == CONTENTION
    assert sample.read_bytes() == shipped


def test_save_as_onto_a_sample_is_refused(qtbot, window, samples, dialogs):
    sample = samples / CONTENTION
    shipped = sample.read_bytes()
    assert window.commands.open_scenario(str(sample))
    _edit(window)
    dialogs.reply = str(sample)  # the user picks the sample itself
    assert not window.commands.save()
    box = window.commands.last_message
    assert box.text() == "The scenario was not saved."
    assert str(sample) in box.informativeText() and "sample" in box.informativeText()
    box.close()
    assert sample.read_bytes() == shipped
    assert window.document.path is None and window.isWindowModified()


def test_save_on_a_document_pointing_at_a_sample_asks_where(qtbot, window, samples,
                                                           dialogs):
    sample = samples / CONTENTION
    shipped = sample.read_bytes()
    window.document.path = sample  # however it got there, Save does not write it
    _edit(window)
    assert not window.commands.save()
    assert len(dialogs.saved) == 1
    assert sample.read_bytes() == shipped


def test_a_sample_copy_saved_elsewhere_becomes_that_file(qtbot, window, samples,
                                                        dialogs, tmp_path):
    assert window.commands.open_scenario(str(samples / CONTENTION))
    _edit(window)
    target = tmp_path / "mine" / "lab-copy"
    target.parent.mkdir()
    dialogs.reply = str(target)
    assert window.commands.save()
    saved = target.with_suffix(".json")
    assert json.loads(saved.read_text())["name"] == window.document.scenario.name
    assert window.document.path == saved and window.document.sample is None
    assert "copy of sample" not in window.windowTitle()
    assert not window.isWindowModified()


# -- File → Open starts in the samples folder --------------------------------------

def test_open_dialog_starts_in_the_samples_folder_then_remembers(qtbot, window, samples,
                                                                 dialogs, tmp_path):
    window.app_actions.open.trigger()  # cancelled
    assert dialogs.opened == [str(samples)]
    other = tmp_path / "elsewhere" / "other.json"
    other.parent.mkdir()
    other.write_text(json.dumps(dict(SCENARIO, name="Other")))
    dialogs.reply = str(other)
    window.app_actions.open.trigger()
    qtbot.waitUntil(lambda: window.document.scenario.name == "Other", timeout=WAIT_MS)
    dialogs.reply = ""
    window.app_actions.open.trigger()
    assert dialogs.opened[-1] == str(other.parent)


def test_save_as_remembers_its_folder_but_never_starts_in_the_samples(
        qtbot, window, samples, dialogs, tmp_path):
    dialogs.reply = str(samples / CONTENTION)
    window.app_actions.open.trigger()  # the last folder is now the samples folder
    assert window.document.sample is not None
    assert not window.commands.save_as()  # the user picks the sample: refused
    window.commands.last_message.close()
    start = Path(dialogs.saved[-1])
    assert start.parent.resolve() != samples.resolve()
    dialogs.reply = str(tmp_path / "kept.json")
    assert window.commands.save_as()
    dialogs.reply = ""
    window.app_actions.open.trigger()
    assert dialogs.opened[-1] == str(tmp_path)
