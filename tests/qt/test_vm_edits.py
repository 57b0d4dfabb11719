"""The Settings dialog's non-memory pages in the main window: the document, the file
and the running engine (issue 8 §2.3)."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

# tests/ is not a package: pytest puts this folder on sys.path.
from test_main_window import SCENARIO, WAIT_MS, open_window, step

from dmgui.core.model.guest_os import GuestOs
from dmgui.core.model.states import VmState
from dmgui.qt.settings_dialog import SettingsDialog

pytestmark = pytest.mark.qt_log_ignore(
    r"This plugin does not support propagateSizeHints\(\)", extend=True
)


@pytest.fixture
def win(qtbot, tmp_path):
    window = open_window(qtbot, tmp_path / "lab.json", SCENARIO)
    yield window
    window.engine.shutdown()


def _settings(win, vm: str) -> SettingsDialog:
    win.select_vm(vm)
    win.app_actions.settings.trigger()
    return win.commands.settings_dialog


def _page(dialog: SettingsDialog, name: str):
    dialog._hardware_list.select(name)
    return dialog._stack.currentWidget()


def _apply(qtbot, dialog: SettingsDialog) -> None:
    qtbot.mouseClick(dialog._button_apply, Qt.MouseButton.LeftButton)


def test_a_running_vms_new_workload_shows_in_the_next_frames(qtbot, win):
    step(qtbot, win, 60)
    live = win.model.live("App")
    assert live.state == VmState.RUNNING and live.demand == 1000
    dialog = _settings(win, "App")
    editor = _page(dialog, "Workload").editor
    editor.field_widget("mb").setValue(2000)
    _apply(qtbot, dialog)
    assert dialog.error_box is None
    assert win.document.vm("App").workload.mb == 2000 and win.document.dirty
    assigned = live.assigned
    step(qtbot, win, 1)
    now = win.model.live("App")
    assert now.state == VmState.RUNNING and now.demand == 2000  # the next tick on
    assert now.assigned >= assigned  # memory follows; nothing was reset
    step(qtbot, win, 30)
    assert win.model.live("App").assigned == 2400  # demand + 20 % buffer
    dialog.reject()


def test_integration_services_of_a_vm_started_meanwhile_are_refused(qtbot, win):
    dialog = _settings(win, "App")  # 00:00:00: App is still Off
    page = _page(dialog, "Integration Services")
    assert page.missing.isEnabled()
    page.missing.setChecked(True)
    step(qtbot, win, 10)  # the auto-start VM runs now
    assert win.model.live("App").state != VmState.OFF
    _apply(qtbot, dialog)
    box = dialog.error_box
    assert box is not None and box.text() == "Error applying Integration Services changes"
    assert box.informativeText() == (
        "Turn off 'App' before changing its integration services.")
    box.accept()
    assert page.missing.isChecked() and dialog._button_apply.isEnabled()  # kept
    assert win.document.vm("App").integration_services is True  # nothing changed
    assert not win.document.dirty
    dialog.reject()


def test_automatic_start_is_saved_to_the_file(qtbot, win, tmp_path):
    dialog = _settings(win, "Huge")
    page = _page(dialog, "Automatic Start Action")
    assert page.nothing.isChecked()
    page.always.setChecked(True)
    page.delay.setValue(30)
    qtbot.mouseClick(dialog._button_ok, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert win.commands.save()
    saved = json.loads((tmp_path / "lab.json").read_text())
    huge = next(vm for vm in saved["vms"] if vm["name"] == "Huge")
    assert huge["autostart"] is True and huge["autostart_delay_s"] == 30


def test_an_off_vm_becomes_an_appliance(qtbot, win):
    dialog = _settings(win, "Huge")
    guest = _page(dialog, "Guest")
    guest.guest_combo.setCurrentIndex(guest.guest_combo.findData(GuestOs.APPLIANCE.value))
    _apply(qtbot, dialog)
    vm = win.document.vm("Huge")
    assert vm.guest_os is GuestOs.APPLIANCE and vm.integration_services is False
    items = dialog._hardware_list.items
    assert items["Integration Services"].data(0, Qt.ItemDataRole.UserRole + 1) == (
        "None in the guest")
    # The drop-down shows the stored VM when it comes back to it.
    combo = dialog.vm_combo
    combo.setCurrentIndex(combo.findText("App"))
    combo.setCurrentIndex(combo.findText("Huge"))
    assert guest.guest() is GuestOs.APPLIANCE
    dialog.reject()


def test_the_dialog_opens_on_the_documents_vm(qtbot, win):
    dialog = _settings(win, "Db")
    editor = _page(dialog, "Workload").editor
    assert editor.kind() == "diurnal" and editor.field_widget("base_mb").value() == 900
    assert not dialog._button_apply.isEnabled()
    qtbot.waitUntil(lambda: dialog.isVisible(), timeout=WAIT_MS)
    dialog.reject()
