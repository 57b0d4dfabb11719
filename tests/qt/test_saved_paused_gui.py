"""Saved and Paused VMs in the window (issue 8 §1.7): Hyper-V Manager's Save, Pause,
Resume and Delete Saved State, enabled per state; the State column, the icons and
the memory columns; Start restores a saved VM (or fails with Hyper-V's text)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

# tests/ is not a package: pytest puts this folder on sys.path.
from test_main_window import WAIT_MS, open_window, step

from dmgui.core.model.states import VmState
from dmgui.qt.resources import state_icon
from dmgui.qt.window_commands import START_ERROR


def _static(mb):
    return {"dynamic_memory_enabled": False, "startup_mb": mb}


LAB = {
    "schema_version": 1, "name": "Saved lab",
    "host": {"name": "HV01", "memory_mb": 8192, "reserve_mb": 0, "vm_overhead_mb": 0,
             "version": "2012R2"},
    "vms": [
        {"name": "Web", "autostart": True, "boot_delay_s": 5,
         "memory": {"dynamic_memory_enabled": True, "startup_mb": 1024,
                    "minimum_mb": 512, "maximum_mb": 4096, "buffer_percent": 20,
                    "weight": 5000},
         "workload": {"kind": "constant", "mb": 700}},
        {"name": "Db", "autostart": True, "boot_delay_s": 5, "memory": _static(2048),
         "workload": {"kind": "constant", "mb": 1500}},
        {"name": "Batch", "autostart": False, "memory": _static(6000),
         "workload": {"kind": "constant", "mb": 1000}},
    ],
}
POWER = ("start", "shutdown", "turn_off", "save", "pause", "resume",
         "delete_saved_state", "reset")


@pytest.fixture
def lab(qtbot, tmp_path):
    win = open_window(qtbot, tmp_path / "saved.json", LAB)
    step(qtbot, win, 30)  # Web and Db run
    yield win
    win.engine.shutdown()


def state(win, vm):
    return win.model.live(vm).state


def wait_state(qtbot, win, vm, expected):
    qtbot.waitUntil(lambda: state(win, vm) == expected, timeout=WAIT_MS)


def enabled(win):
    return {key for key, action in win.app_actions._power.items() if action.isEnabled()}


def cells(win, vm):
    row = win.model.row_of(vm)
    return [win.model.index(row, c).data() for c in range(6)]


def test_running_paused_saved_and_off_enable_hyper_v_managers_actions(qtbot, lab):
    lab.select_vm("Db")
    assert enabled(lab) == {"turn_off", "shutdown", "save", "pause", "reset"}
    lab.app_actions.pause_vm.trigger()
    wait_state(qtbot, lab, "Db", VmState.PAUSED)
    assert enabled(lab) == {"resume", "turn_off", "save", "reset"}
    lab.app_actions.save_state.trigger()
    wait_state(qtbot, lab, "Db", VmState.SAVED)
    assert enabled(lab) == {"start", "delete_saved_state"}
    assert lab.app_actions.settings.isEnabled()
    assert not lab.app_actions.delete.isEnabled()  # only an Off VM is deleted
    lab.select_vm("Batch")
    assert enabled(lab) == {"start"}


def test_the_list_shows_saved_and_paused_with_their_icons(qtbot, lab):
    lab.select_vm("Web")
    lab.app_actions.pause_vm.trigger()
    wait_state(qtbot, lab, "Web", VmState.PAUSED)
    _name, shown, assigned, *_ = cells(lab, "Web")
    assert shown == "Paused" and assigned.endswith("MB")  # a paused VM keeps memory
    lab.select_vm("Db")
    lab.app_actions.save_state.trigger()
    wait_state(qtbot, lab, "Db", VmState.SAVED)
    assert cells(lab, "Db")[1:] == ["Saved", "", "", "", ""]  # its memory is on disk
    for vm, file in (("Web", "vm-paused"), ("Db", "vm-saved")):
        index = lab.model.index(lab.model.row_of(vm), 0)
        icon = index.data(Qt.ItemDataRole.DecorationRole)
        assert not icon.isNull(), file
        assert icon.cacheKey() == state_icon(state(lab, vm)).cacheKey()
    assert lab.details.memory_values["Assigned Memory:"].text() == ""  # Db, saved


def test_every_state_has_its_own_icon():
    keys = {state_icon(s).cacheKey() for s in VmState if s != VmState.WAITING}
    assert len(keys) == len(VmState) - 1  # Waiting is shown as Starting
    assert all(not state_icon(s).isNull() for s in VmState)


def test_start_restores_a_saved_vm_and_resume_continues_a_paused_one(qtbot, lab):
    lab.select_vms(["Web", "Db"])
    lab.app_actions.save_state.trigger()
    wait_state(qtbot, lab, "Web", VmState.SAVED)
    wait_state(qtbot, lab, "Db", VmState.SAVED)
    lab.app_actions.start.trigger()  # both restored
    step(qtbot, lab, 30)
    assert state(lab, "Web") == VmState.RUNNING and state(lab, "Db") == VmState.RUNNING
    lab.app_actions.pause_vm.trigger()
    wait_state(qtbot, lab, "Db", VmState.PAUSED)
    assert state(lab, "Web") == VmState.PAUSED
    lab.select_vm("Web")
    lab.app_actions.resume.trigger()
    wait_state(qtbot, lab, "Web", VmState.RUNNING)
    assert state(lab, "Db") == VmState.PAUSED  # not selected any more


def test_delete_saved_state_asks_and_turns_the_vm_off(qtbot, lab):
    questions = []
    lab.commands.confirm = lambda title, text: bool(questions.append((title, text)))
    lab.select_vm("Db")
    lab.app_actions.save_state.trigger()
    wait_state(qtbot, lab, "Db", VmState.SAVED)
    lab.app_actions.delete_saved_state.trigger()  # answered No
    assert questions and questions[0][0] == "Delete Saved State"
    assert "delete the saved state of 'Db'" in questions[0][1]
    step(qtbot, lab, 2)
    assert state(lab, "Db") == VmState.SAVED
    lab.commands.confirm = lambda title, text: True
    lab.app_actions.delete_saved_state.trigger()
    wait_state(qtbot, lab, "Db", VmState.OFF)
    assert enabled(lab) == {"start"} and lab.app_actions.delete.isEnabled()


def test_a_restore_that_does_not_fit_shows_hyper_v_start_error(qtbot, lab):
    lab.select_vm("Db")
    lab.app_actions.save_state.trigger()
    wait_state(qtbot, lab, "Db", VmState.SAVED)
    lab.select_vm("Batch")  # 6000 MB static: leaves too little for Db's 2048 MB
    lab.app_actions.start.trigger()
    step(qtbot, lab, 30)
    assert state(lab, "Batch") == VmState.RUNNING
    lab.select_vm("Db")
    lab.app_actions.start.trigger()
    qtbot.waitUntil(lambda: lab.commands.last_message is not None, timeout=WAIT_MS)
    box = lab.commands.last_message
    assert box.text() == START_ERROR and "Db" in box.informativeText()
    box.close()
    step(qtbot, lab, 60)
    assert state(lab, "Db") == VmState.SAVED  # the saved state is kept


def test_save_and_pause_act_only_on_running_vms_of_the_selection(qtbot, lab):
    lab.select_vms(["Web", "Batch"])  # Batch is Off
    lab.app_actions.pause_vm.trigger()
    wait_state(qtbot, lab, "Web", VmState.PAUSED)
    step(qtbot, lab, 2)
    assert state(lab, "Batch") == VmState.OFF
    assert lab.commands.last_message is None  # no refusal for the Off VM


def test_turn_off_turns_a_paused_vm_off_but_skips_a_saved_one(qtbot, lab):
    lab.commands.confirm = lambda title, text: True
    lab.select_vm("Web")
    lab.app_actions.pause_vm.trigger()
    lab.select_vm("Db")
    lab.app_actions.save_state.trigger()
    wait_state(qtbot, lab, "Db", VmState.SAVED)
    wait_state(qtbot, lab, "Web", VmState.PAUSED)
    lab.select_vms(["Web", "Db"])
    lab.app_actions.turn_off.trigger()
    wait_state(qtbot, lab, "Web", VmState.OFF)
    step(qtbot, lab, 2)
    assert state(lab, "Db") == VmState.SAVED  # Delete Saved State is its action


def test_the_context_menu_of_a_saved_vm(qtbot, lab):
    lab.select_vm("Db")
    lab.app_actions.save_state.trigger()
    wait_state(qtbot, lab, "Db", VmState.SAVED)
    texts = [a.text().replace("&", "") for a in lab.context_menu.actions()
             if a.isEnabled() and not a.isSeparator()]
    assert texts == ["Start", "Delete Saved State...", "Settings...", "Clone",
                     "Add Copies..."]
