"""Changing the host version (issue 8 §2.4): Host Settings locks the version while
any VM is not Off, says how to turn them all off and offers Turn Off All; the
version then unlocks in the same dialog. A VM made on 2008 R2 SP1 keeps Minimum =
Startup on 2012 R2. The title, the Actions pane and the details follow."""

from __future__ import annotations

import pytest

# tests/ is not a package: pytest puts this folder on sys.path.
from modal_box import ModalBoxWatcher
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox
from test_main_window import WAIT_MS, open_window, step

from dmgui.core.model.memory import VersionProfile
from dmgui.core.model.scenario import Host
from dmgui.core.model.states import VmState
from dmgui.qt.dialogs import NewVmDialog
from dmgui.qt.host_dialog import (
    VERSION_LOCKED_NOTE,
    VERSION_LOCKED_SHORT,
    VERSION_UNLOCKED_NOTE,
    HostSettingsDialog,
)

SP1 = {
    "schema_version": 1, "name": "SP1 lab",
    "host": {"name": "HV01", "memory_mb": 16384, "reserve_mb": 0, "vm_overhead_mb": 0,
             "version": "2008R2SP1"},
    "vms": [
        {"name": "Old", "autostart": True, "boot_delay_s": 5,
         "memory": {"dynamic_memory_enabled": True, "startup_mb": 1024,
                    "minimum_mb": 1024, "maximum_mb": 4096, "buffer_percent": 20,
                    "weight": 5000},
         "workload": {"kind": "constant", "mb": 700}},
        {"name": "Static", "autostart": True, "boot_delay_s": 5,
         "memory": {"dynamic_memory_enabled": False, "startup_mb": 2048},
         "workload": {"kind": "constant", "mb": 1000}},
    ],
}


@pytest.fixture
def sp1(qtbot, tmp_path):
    win = open_window(qtbot, tmp_path / "sp1.json", SP1)
    yield win
    win.engine.shutdown()


def state(win, vm):
    return win.model.live(vm).state


def new_vm_from_the_dialog(win, name, startup_mb):
    """File → New Virtual Machine..., filled in and accepted (the dialog is modal)."""
    def fill():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, NewVmDialog):
            QTimer.singleShot(10, fill)
            return
        dialog._name.setText(name)
        dialog._startup.setValue(startup_mb)
        dialog._dynamic.setChecked(True)
        dialog._on_ok()
        if dialog.isVisible():  # refused: never leave the test hanging
            dialog.reject()

    QTimer.singleShot(0, fill)
    win.app_actions.new_vm.trigger()


def ok_button(dialog):
    return dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)


def test_turn_off_all_in_host_settings_unlocks_the_version_and_sp1_vms_keep_minimum(
        qtbot, sp1):
    win = sp1
    new_vm_from_the_dialog(win, "Fresh", 2048)  # made on the SP1 host
    fresh = win.document.vm("Fresh").memory
    assert fresh.dynamic_memory_enabled and fresh.startup_mb == 2048
    assert fresh.minimum_mb == 2048  # SP1 has no separate Minimum: the file says so too
    step(qtbot, win, 30)  # Old and Static run, Fresh is Off
    win.select_vm("Static")
    win.app_actions.save_state.trigger()  # a saved VM also locks the version
    qtbot.waitUntil(lambda: state(win, "Static") == VmState.SAVED, timeout=WAIT_MS)

    win.app_actions.host_settings.trigger()
    dialog = win.commands.scenario.host_dialog
    assert dialog.isVisible() and not dialog._version.isEnabled()
    assert dialog.lock_note.isVisibleTo(dialog)
    assert dialog.lock_note.text() == VERSION_LOCKED_NOTE
    assert "Turn Off All" in dialog.lock_note.text()
    button = dialog.turn_off_all_button
    assert button.isVisibleTo(dialog) and button.isEnabled()

    questions = []
    win.commands.confirm = lambda title, text: questions.append((title, text)) or True
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert len(questions) == 1 and questions[0][0] == "Turn Off All Virtual Machines"
    assert "'Old' and 'Static'" in questions[0][1]
    qtbot.waitUntil(dialog._version.isEnabled, timeout=WAIT_MS)
    assert all(state(win, vm) == VmState.OFF for vm in ("Old", "Static", "Fresh"))
    assert dialog.lock_note.text() == VERSION_UNLOCKED_NOTE
    assert not button.isVisibleTo(dialog)

    dialog._version.setCurrentIndex(dialog._version.findData("2012R2"))
    dialog._name.setText("HV02")
    qtbot.mouseClick(ok_button(dialog), Qt.MouseButton.LeftButton)
    assert not dialog.isVisible() and not dialog.error.isVisible()
    host = win.document.scenario.host
    assert host.version == VersionProfile.WS2012R2 and host.name == "HV02"
    for vm in ("Old", "Fresh"):  # like for like: Minimum stays Startup
        memory = win.document.vm(vm).memory
        assert memory.minimum_mb == memory.startup_mb
    step(qtbot, win, 1)
    assert win.commands.current_settings("Fresh").minimum_mb == 2048  # the engine's
    # Everything that names the host follows.
    assert win.actions_pane._host_header.text() == "HV02"
    assert win.details.host_values["Host:"].text() == "HV02"
    assert win.details.host_values["Version:"].text() == "Windows Server 2012 R2"
    assert win.windowTitle() == "SP1 lab[*] — dmgui" and win.isWindowModified()
    # The Minimum row is shown again on 2012 R2, with Startup's value.
    win.select_vm("Fresh")
    assert win.details.memory_values["Minimum Memory:"].text() == "2048 MB"


def test_the_action_menu_turns_every_vm_off_after_one_question(qtbot, sp1):
    win = sp1
    a = win.app_actions
    assert not a.turn_off_all.isEnabled()  # nothing runs yet
    step(qtbot, win, 30)
    assert a.turn_off_all.isEnabled()
    action_menu = next(x.menu() for x in win.menuBar().actions() if x.text() == "&Action")
    assert a.turn_off_all in action_menu.actions()
    questions = []
    win.commands.confirm = lambda title, text: bool(questions.append(text))  # No
    a.turn_off_all.trigger()
    step(qtbot, win, 2)
    assert len(questions) == 1 and state(win, "Old") == VmState.RUNNING
    win.commands.confirm = lambda title, text: True
    a.turn_off_all.trigger()
    qtbot.waitUntil(lambda: not a.turn_off_all.isEnabled(), timeout=WAIT_MS)
    assert all(state(win, vm) == VmState.OFF for vm in ("Old", "Static"))


def test_the_version_locks_again_if_a_vm_starts_while_the_dialog_is_open(qtbot):
    host = Host(memory_mb=8192, version="2012R2")
    calls = []
    dialog = HostSettingsDialog(host, True, lambda h: None,
                                turn_off_all=lambda: calls.append(1) or True)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.turn_off_all_button.click()
    assert calls == [1] and not dialog.turn_off_all_button.isEnabled()
    assert "Turning off" in dialog.lock_note.text()
    dialog.set_version_locked(False)
    dialog._version.setCurrentIndex(dialog._version.findData("2016"))
    dialog.set_version_locked(True)  # a scheduled start turned a VM on
    assert dialog._version.currentData() == "2012R2" and not dialog._version.isEnabled()
    assert dialog.turn_off_all_button.isVisible() and dialog.turn_off_all_button.isEnabled()


def test_without_turn_off_all_the_dialog_only_says_why(qtbot):
    dialog = HostSettingsDialog(Host(memory_mb=8192), True, lambda h: None)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.lock_note.text() == VERSION_LOCKED_SHORT
    assert not dialog.turn_off_all_button.isVisible()
    unlocked = HostSettingsDialog(Host(memory_mb=8192), False, lambda h: None,
                                  turn_off_all=lambda: True)
    qtbot.addWidget(unlocked)
    unlocked.show()
    assert not unlocked.lock_note.isVisible()
    assert not unlocked.turn_off_all_button.isVisible()
    assert unlocked._version.isEnabled()


class PromptWatcher(ModalBoxWatcher):
    """Notes the save prompt's texts and answers Cancel."""

    def inspect(self, box: QMessageBox) -> None:
        self.texts = (box.text(), box.informativeText())

    def answer(self, box: QMessageBox) -> None:
        box.button(QMessageBox.StandardButton.Cancel).click()


def test_rename_reaches_the_title_and_the_save_prompt(qtbot, sp1):
    win = sp1
    win.app_actions.rename_scenario.trigger()
    dialog = win.commands.scenario.name_dialog
    assert dialog.isVisible() and dialog.name.text() == "SP1 lab"
    for bad, fragment in ((" padded", "start or end with a space"),
                          ("", "empty"), ("a\u202eb", "invisible formatting"),
                          ("x" * 257, "at most 256")):
        dialog.name.setText(bad)
        qtbot.mouseClick(ok_button(dialog), Qt.MouseButton.LeftButton)
        assert dialog.isVisible() and fragment in dialog.error.text(), dialog.error.text()
    assert win.document.scenario.name == "SP1 lab" and not win.isWindowModified()
    dialog.name.setText("Upgrade <study> & [*]")
    qtbot.mouseClick(ok_button(dialog), Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert win.document.scenario.name == "Upgrade <study> & [*]"
    assert win.windowTitle() == "Upgrade <study> & [*][*][*] — dmgui"
    assert win.isWindowModified()
    del win.commands.ask_save  # the real, blocking question
    watcher = PromptWatcher()
    answer = win.commands.ask_save()
    if watcher.error is not None:
        raise watcher.error
    assert answer == QMessageBox.StandardButton.Cancel
    assert watcher.texts[0] == "Save changes to 'Upgrade <study> & [*]'?"
    win.commands.ask_save = lambda: QMessageBox.StandardButton.Discard
