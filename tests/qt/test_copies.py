"""Clone and Add Copies (issue 8 §2.3): copies of the current VM named NAME-2,
NAME-3..., added Off to the document and the running engine, the first selected."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

# tests/ is not a package: pytest puts this folder on sys.path.
from test_main_window import WAIT_MS, open_window, step

from dmgui.core.model.limits import MAX_VM_NAME
from dmgui.core.model.states import VmState
from dmgui.qt.name_dialogs import MAX_COPIES, AddCopiesDialog


def _vm(name, autostart=True):
    return {"name": name, "autostart": autostart, "boot_delay_s": 5,
            "memory": {"dynamic_memory_enabled": True, "startup_mb": 1024,
                       "minimum_mb": 512, "maximum_mb": 2048, "buffer_percent": 20,
                       "weight": 5000},
            "workload": {"kind": "constant", "mb": 600}}


LAB = {
    "schema_version": 1, "name": "Copies lab",
    "host": {"name": "HV01", "memory_mb": 16384, "reserve_mb": 0, "vm_overhead_mb": 0,
             "version": "2012R2"},
    "vms": [_vm("Web"), _vm("Web-2", autostart=False), _vm("L" * MAX_VM_NAME, False)],
    "events": [{"at_s": 600, "vm": "Web", "action": "shutdown"}],
}


@pytest.fixture
def lab(qtbot, tmp_path):
    win = open_window(qtbot, tmp_path / "copies.json", LAB)
    step(qtbot, win, 30)
    yield win
    win.engine.shutdown()


def names(win):
    return [vm.name for vm in win.document.scenario.vms]


def ok_button(dialog):
    return dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)


def test_clone_adds_one_off_copy_with_the_first_free_name_and_selects_it(qtbot, lab):
    lab.select_vm("Web")  # running: its copy is Off
    lab.app_actions.clone.trigger()
    assert names(lab)[-1] == "Web-3"  # Web-2 is taken
    copy = lab.document.vm("Web-3")
    original = lab.document.vm("Web")
    assert copy.memory == original.memory and copy.workload == original.workload
    assert [e.vm for e in lab.document.scenario.events] == ["Web"]  # events not copied
    assert lab.selected_vms() == ["Web-3"]
    assert lab.isWindowModified()
    qtbot.waitUntil(lambda: "Web-3" in lab.last_frame.names, timeout=WAIT_MS)
    assert lab.model.live("Web-3").state == VmState.OFF
    lab.app_actions.start.trigger()  # the engine knows it: it starts
    step(qtbot, lab, 10)
    assert lab.model.live("Web-3").state in (VmState.STARTING, VmState.RUNNING)


def test_add_copies_asks_how_many_and_adds_them(qtbot, lab):
    lab.select_vm("Web")
    lab.app_actions.add_copies.trigger()
    dialog = lab.commands.vms.copies_dialog
    assert dialog.isVisible() and "Web" in dialog.windowTitle()
    assert dialog.count.minimum() == 1 and dialog.count.maximum() == MAX_COPIES
    dialog.count.setValue(3)
    assert dialog.preview.text() == "Web-3 to Web-5"
    qtbot.mouseClick(ok_button(dialog), Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert names(lab)[-3:] == ["Web-3", "Web-4", "Web-5"]
    assert lab.selected_vm() == "Web-3"
    qtbot.waitUntil(lambda: "Web-5" in lab.last_frame.names, timeout=WAIT_MS)
    assert "Added 3 copies" not in lab.statusBar().currentMessage()
    assert "'Web-3', 'Web-4' and 'Web-5'" in lab.statusBar().currentMessage()


def test_many_copies_reach_the_engine(qtbot, lab):
    lab.select_vm("Web-2")
    lab.app_actions.add_copies.trigger()
    dialog = lab.commands.vms.copies_dialog
    dialog.count.setValue(40)
    assert dialog.preview.text() == "Web-2-2 to Web-2-41"
    dialog._on_ok()
    assert len(names(lab)) == 43
    qtbot.waitUntil(lambda: len(lab.last_frame.names) == 43, timeout=WAIT_MS)
    assert "Added 40 copies of 'Web-2'" in lab.statusBar().currentMessage()


def test_names_that_would_be_too_long_are_refused_in_the_dialog(qtbot, lab):
    long_name = "L" * MAX_VM_NAME
    lab.select_vm(long_name)
    lab.app_actions.add_copies.trigger()
    dialog = lab.commands.vms.copies_dialog
    assert dialog.error.isVisible()  # said at once, before OK
    assert "too long" in dialog.error.text() and str(MAX_VM_NAME) in dialog.error.text()
    qtbot.mouseClick(ok_button(dialog), Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and len(names(lab)) == 3
    lab.app_actions.clone.trigger()  # Clone says it in a message box
    box = lab.commands.last_message
    assert box is not None and box.text() == "The change was not made."
    assert len(names(lab)) == 3
    box.close()
    dialog.reject()


def test_a_refusal_by_the_scenario_is_shown_in_the_dialog(qtbot):
    def refuse(count):
        raise ValueError("the host said no")

    dialog = AddCopiesDialog("Web", {"Web"}, refuse)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog._on_ok()
    assert dialog.isVisible()
    assert dialog.error.text() == "The copies were not added: the host said no"
    dialog.count.setValue(2)
    assert dialog.preview.text() == "Web-2 and Web-3"
