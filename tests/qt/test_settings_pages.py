"""The Settings dialog's pages besides Memory (issue 8 §2.3, §1.6).

Integration Services and Automatic Start Action are live Hyper-V pages; Workload
and Guest are dmgui's own, in a "Simulation" section that says it is not Hyper-V.
Each page's edit goes out on Apply as ``vm_changed`` (name, changed fields); a bad
value or a refusal shows an error box and keeps every edit.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox

from dmgui.core.model.guest_os import GuestOs
from dmgui.core.model.memory import MemorySettings, VersionProfile
from dmgui.core.model.scenario import VirtualMachine
from dmgui.core.model.states import VmState
from dmgui.qt.settings_dialog import (
    NOT_SIMULATED,
    PAGE_ROLE,
    SECONDARY_ROLE,
    SettingsDialog,
)
from dmgui.qt.settings_pages import IS_APPLIANCE, IS_RUNNING, START_MODEL
from dmgui.qt.simulation_pages import GUEST_RUNNING, SIMULATION_NOTE, SIMULATION_SECTION

pytestmark = pytest.mark.qt_log_ignore(
    r"This plugin does not support propagateSizeHints\(\)", extend=True
)

DYNAMIC = MemorySettings(dynamic_memory_enabled=True, startup_mb=1024, minimum_mb=512,
                         maximum_mb=4096)
OFFICE = {"kind": "diurnal", "base_mb": 900, "peak_mb": 1800, "seed": 7}


def _vm(**fields) -> VirtualMachine:
    data = {"name": "VM01", "memory": DYNAMIC.model_dump(), "workload": OFFICE,
            "autostart": True, "boot_delay_s": 20, **fields}
    return VirtualMachine.model_validate(data)


@pytest.fixture
def open_dialog(qtbot):
    """A shown dialog on ``vm``; ``emitted`` collects its vm_changed arguments."""

    def _open(vm: VirtualMachine | None = None, running: bool = False,
              profile: VersionProfile = VersionProfile.WS2012R2):
        vm = vm or _vm()
        dialog = SettingsDialog(vm.name, vm.memory, profile, running, vm=vm)
        dialog.emitted = []
        dialog.vm_changed.connect(lambda name, fields: dialog.emitted.append(
            (name, fields)))
        qtbot.addWidget(dialog)
        with qtbot.waitExposed(dialog):
            dialog.show()
        return dialog

    return _open


def _page(dialog: SettingsDialog, name: str):
    dialog._hardware_list.select(name)
    return dialog._stack.currentWidget()


def _texts(widget) -> str:
    return " ".join(label.text() for label in widget.findChildren(QLabel)
                    if label.isVisibleTo(widget))


def _apply(qtbot, dialog) -> None:
    qtbot.mouseClick(dialog._button_apply, Qt.MouseButton.LeftButton)


# -- the tree ------------------------------------------------------------------------


def test_simulation_section_is_last_and_says_it_is_not_hyper_v(open_dialog):
    dialog = open_dialog()
    tree = dialog._hardware_list
    section = tree.topLevelItem(tree.topLevelItemCount() - 1)
    assert section.text(0) == SIMULATION_SECTION == "Simulation (not Hyper-V)"
    assert section.font(0).italic() and section.toolTip(0) == SIMULATION_NOTE
    assert [section.child(i).text(0) for i in range(section.childCount())] == [
        "Workload", "Guest"]
    assert tree.items["Workload"].data(0, SECONDARY_ROLE) == "Office day"
    assert tree.items["Guest"].data(0, SECONDARY_ROLE).startswith("Not specified")
    for name in ("Workload", "Guest"):
        text = _texts(_page(dialog, name))
        assert SIMULATION_NOTE in text and NOT_SIMULATED not in text


@pytest.mark.parametrize("name", ["Integration Services", "Automatic Start Action"])
def test_live_hyper_v_pages_no_longer_say_not_simulated(open_dialog, name):
    dialog = open_dialog()
    page = dialog._stack.widget(dialog._hardware_list.items[name].data(0, PAGE_ROLE))
    assert NOT_SIMULATED not in _texts(page)


# -- Workload ------------------------------------------------------------------------


def test_workload_edit_applies_and_keeps_what_the_page_does_not_show(qtbot, open_dialog):
    dialog = open_dialog()
    editor = _page(dialog, "Workload").editor
    assert not dialog._button_apply.isEnabled()
    editor.field_widget("peak_mb").setValue(2500)
    assert dialog._button_apply.isEnabled()
    _apply(qtbot, dialog)
    assert len(dialog.emitted) == 1
    name, fields = dialog.emitted[0]
    assert name == "VM01" and set(fields) == {"workload"}
    assert fields["workload"]["peak_mb"] == 2500 and fields["workload"]["seed"] == 7
    assert not dialog._button_apply.isEnabled() and dialog.error_box is None


def test_changing_the_kind_emits_the_new_kind(qtbot, open_dialog):
    dialog = open_dialog()
    editor = _page(dialog, "Workload").editor
    editor.kind_combo.setCurrentIndex(editor.kind_combo.findData("bursty"))
    editor.field_widget("base_mb").setValue(700)
    _apply(qtbot, dialog)
    workload = dialog.emitted[0][1]["workload"]
    assert workload["kind"] == "bursty" and workload["base_mb"] == 700
    assert dialog._hardware_list.items["Workload"].data(0, SECONDARY_ROLE) == "Bursty"


@pytest.mark.parametrize(("field", "value", "reason"), [
    ("noise_pct", 80, "Office day: Noise (±) must be at most 50 %."),
    ("peak_mb", 100, "'Working-hours demand' 100 is below 'Night demand' 900"),
    ("start_hour", 30, "Working day starts must be at most 24 h."),
])
def test_a_bad_workload_value_shows_the_field_and_keeps_the_edit(
        qtbot, open_dialog, field, value, reason):
    dialog = open_dialog()
    editor = _page(dialog, "Workload").editor
    spin = editor.field_widget(field)
    spin.setValue(value)
    dialog._hardware_list.select("Memory")  # applied from another page
    _apply(qtbot, dialog)
    assert dialog.emitted == []
    box = dialog.error_box
    assert box is not None and box.isVisible()
    assert box.icon() == QMessageBox.Icon.Critical
    assert box.text() == "Error applying Workload changes"
    assert reason in box.informativeText()
    assert dialog._stack.currentWidget() is _page(dialog, "Workload")
    box.accept()
    assert spin.value() == value and dialog._button_apply.isEnabled()
    qtbot.waitUntil(lambda: spin.hasFocus() or spin.lineEdit().hasFocus())


def test_a_recorded_trace_is_kept_until_another_kind_is_chosen(qtbot, open_dialog):
    trace = {"kind": "trace", "points": [[0, 400], [3600, 900]], "interpolation": "step"}
    dialog = open_dialog(_vm(workload=trace))
    editor = _page(dialog, "Workload").editor
    assert editor.kind() == "trace" and "2 points" in editor._description.text()
    assert not dialog._button_apply.isEnabled()  # nothing to apply
    editor.kind_combo.setCurrentIndex(editor.kind_combo.findData("constant"))
    _apply(qtbot, dialog)
    assert dialog.emitted[0][1]["workload"] == {"kind": "constant", "mb": 400.0}


def test_a_running_vms_workload_stays_editable(open_dialog):
    dialog = open_dialog(running=True)
    editor = _page(dialog, "Workload").editor
    assert editor.kind_combo.isEnabled() and editor.field_widget("base_mb").isEnabled()


# -- Guest ---------------------------------------------------------------------------


def test_guest_change_updates_the_advice_with_the_memory_draft(qtbot, open_dialog):
    dialog = open_dialog()
    page = _page(dialog, "Guest")
    assert not page.advice.isVisibleTo(page)
    page.guest_combo.setCurrentIndex(page.guest_combo.findData(GuestOs.WIN7_SP1.value))
    assert not page.advice.isVisibleTo(page)  # 1024 MB Startup: fine for Windows 7
    dialog.memory_page.field_widget("startup_mb").setValue(256)  # not applied yet
    assert "512 MB recommended for Windows 7 SP1" in page.advice.text()
    assert page.advice.isVisibleTo(page)
    dialog.memory_page.field_widget("startup_mb").setValue(1024)
    _apply(qtbot, dialog)
    assert dialog.emitted == [("VM01", {"guest_os": GuestOs.WIN7_SP1})]
    assert dialog._hardware_list.items["Guest"].data(0, SECONDARY_ROLE) == "Windows 7 SP1"


def test_linux_on_2008r2sp1_warns_that_dynamic_memory_does_not_work(open_dialog):
    dialog = open_dialog(_vm(memory={**DYNAMIC.model_dump(), "minimum_mb": 1024}),
                         profile=VersionProfile.WS2008R2SP1)
    page = _page(dialog, "Guest")
    page.guest_combo.setCurrentIndex(page.guest_combo.findData(GuestOs.LINUX.value))
    assert "Dynamic Memory does not work in Linux" in page.advice.text()


def test_generation_is_shown_read_only(open_dialog):
    dialog = open_dialog(_vm(generation=1))
    page = _page(dialog, "Guest")
    assert page.generation.text() == "1"
    assert "fixes the generation" in _texts(page)


def test_boot_delay_applies_and_a_bad_one_is_refused(qtbot, open_dialog):
    dialog = open_dialog()
    page = _page(dialog, "Guest")
    page.boot_delay.setValue(5000)
    _apply(qtbot, dialog)
    assert dialog.emitted == []
    assert dialog.error_box.text() == "Error applying Guest changes"
    assert "Boot delay must be at most 3600 s." in dialog.error_box.informativeText()
    dialog.error_box.accept()
    assert page.boot_delay.value() == 5000
    page.boot_delay.setValue(45)
    _apply(qtbot, dialog)
    assert dialog.emitted == [("VM01", {"boot_delay_s": 45})]


def test_a_running_vms_guest_os_is_locked_with_a_note(open_dialog):
    dialog = open_dialog(running=True)
    page = _page(dialog, "Guest")
    assert not page.guest_combo.isEnabled()
    assert page.lock_bar.isVisibleTo(page) and GUEST_RUNNING in _texts(page)
    assert page.boot_delay.isEnabled()  # applies at the next start


# -- Integration Services -----------------------------------------------------------


def test_integration_services_edit_ticks_the_services_and_applies(qtbot, open_dialog):
    dialog = open_dialog()
    page = _page(dialog, "Integration Services")
    assert page.installed.isChecked() and page.installed.isEnabled()
    assert not page.lock_bar.isVisibleTo(page)
    page.missing.setChecked(True)
    assert not any(box.isChecked() for box in page.boxes)
    assert "no integration services" in page.status.text()
    _apply(qtbot, dialog)
    assert dialog.emitted == [("VM01", {"integration_services": False})]
    item = dialog._hardware_list.items["Integration Services"]
    assert item.data(0, SECONDARY_ROLE) == "None in the guest"


def test_an_appliance_has_no_integration_services(qtbot, open_dialog):
    dialog = open_dialog()
    guest = _page(dialog, "Guest")
    guest.guest_combo.setCurrentIndex(guest.guest_combo.findData(GuestOs.APPLIANCE.value))
    page = _page(dialog, "Integration Services")
    assert page.missing.isChecked() and not page.missing.isEnabled()
    assert IS_APPLIANCE in _texts(page)
    _apply(qtbot, dialog)
    assert dialog.emitted == [("VM01", {"guest_os": GuestOs.APPLIANCE,
                                        "integration_services": False})]
    # Back to a Windows guest: it has them again (as New VM does).
    guest.guest_combo.setCurrentIndex(guest.guest_combo.findData(GuestOs.WS2016.value))
    assert page.installed.isChecked() and page.installed.isEnabled()


def test_a_running_vms_integration_services_are_locked(open_dialog):
    dialog = open_dialog(running=True)
    page = _page(dialog, "Integration Services")
    assert not page.installed.isEnabled() and not page.missing.isEnabled()
    assert IS_RUNNING in _texts(page)


# -- Automatic Start Action ---------------------------------------------------------


def test_automatic_start_action_maps_to_autostart(qtbot, open_dialog):
    dialog = open_dialog()
    page = _page(dialog, "Automatic Start Action")
    assert page.always.isChecked() and not page.if_running.isEnabled()
    assert START_MODEL in _texts(page)
    item = dialog._hardware_list.items["Automatic Start Action"]
    assert item.data(0, SECONDARY_ROLE) == "Always start"
    page.delay.setValue(90)
    page.nothing.setChecked(True)
    assert not page.delay.isEnabled()  # as Hyper-V: no delay without a start
    _apply(qtbot, dialog)
    assert dialog.emitted == [("VM01", {"autostart": False, "autostart_delay_s": 90})]
    assert item.data(0, SECONDARY_ROLE) == "None"


# -- Apply, pending edits, refusals -------------------------------------------------


def test_memory_and_other_pages_apply_together(qtbot, open_dialog):
    dialog = open_dialog()
    applied = []
    dialog.settings_applied.connect(lambda name, s: applied.append(s))
    dialog.memory_page.field_widget("buffer_percent").setValue(40)
    _page(dialog, "Automatic Start Action").nothing.setChecked(True)
    qtbot.mouseClick(dialog._button_ok, Qt.MouseButton.LeftButton)
    assert applied[0].buffer_percent == 40
    assert dialog.emitted == [("VM01", {"autostart": False})]
    assert not dialog.isVisible()


def test_a_refused_change_shows_the_reason_and_keeps_the_edits(qtbot, open_dialog):
    dialog = open_dialog()
    dialog.vm_changed.connect(lambda name, fields: dialog.refuse_vm_change(
        "Turn off 'VM01' before changing its integration services."))
    page = _page(dialog, "Integration Services")
    page.missing.setChecked(True)
    dialog._hardware_list.select("Workload")
    qtbot.mouseClick(dialog._button_ok, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()  # OK did not close it
    box = dialog.error_box
    assert box.text() == "Error applying Integration Services changes"
    assert "Turn off 'VM01'" in box.informativeText()
    assert dialog._stack.currentWidget() is page
    box.accept()
    assert page.missing.isChecked() and dialog._button_apply.isEnabled()


def test_pending_edits_on_any_page_are_offered_when_switching_vm(qtbot):
    vms = [_vm(name="A"), _vm(name="B", autostart=False)]
    from dmgui.qt.settings_dialog import VmChoice
    choices = [VmChoice(v.name, v.memory, VmState.OFF, v.integration_services, v)
               for v in vms]
    dialog = SettingsDialog("A", vms[0].memory, VersionProfile.WS2012R2, False,
                            vms=lambda: choices, vm=vms[0])
    qtbot.addWidget(dialog)
    asked = []
    dialog.ask_pending = lambda current, other: asked.append(other) or (
        QMessageBox.StandardButton.Discard)
    _page(dialog, "Workload").editor.field_widget("peak_mb").setValue(3000)
    assert dialog.switch_to("B")
    assert asked == ["B"]
    assert _page(dialog, "Automatic Start Action").nothing.isChecked()  # B's value
    assert _page(dialog, "Workload").editor.field_widget("peak_mb").value() == 1800
    assert not dialog._button_apply.isEnabled()


# -- New VM shares the workload editor ----------------------------------------------


def test_new_vm_shows_each_kinds_main_numbers_and_refuses_a_bad_one(qtbot):
    from dmgui.qt.dialogs import NewVmDialog
    dialog = NewVmDialog("Web", VersionProfile.WS2012R2, set())
    qtbot.addWidget(dialog)
    editor = dialog._workload
    editor.kind_combo.setCurrentIndex(editor.kind_combo.findData("diurnal"))
    assert editor.field_widget("peak_mb") is not None
    assert editor.field_widget("noise_pct") is None  # Settings shows the rest
    editor.field_widget("base_mb").setValue(-5)
    dialog._on_ok()
    assert dialog.vm is None
    assert dialog.error.text() == "Office day: Night demand must be at least 0 MB."
    assert editor.field_widget("base_mb").value() == -5  # kept
    editor.field_widget("base_mb").setValue(700)
    dialog._on_ok()
    assert dialog.vm.workload.kind == "diurnal" and dialog.vm.workload.base_mb == 700
    assert dialog.vm.workload.noise_pct == 5.0  # the model's default
