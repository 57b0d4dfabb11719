"""Several VMs selected in the list (issue 8 §2.3): the power actions act on every
selected VM they make sense for, asking once; Settings, Delete, Clone and Add Copies
act on the current VM, which the details and the plots follow; the selection stays
on the VMs when the list re-sorts or the scenario changes."""

from __future__ import annotations

from collections import Counter

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QMenu

# tests/ is not a package: pytest puts this folder on sys.path.
from test_main_window import WAIT_MS, open_window, step

from dmgui.core.model.states import VmState
from dmgui.qt.actions import ALLOWED, AppActions


def _dm(startup=1024):
    return {"dynamic_memory_enabled": True, "startup_mb": startup, "minimum_mb": 512,
            "maximum_mb": 4096, "buffer_percent": 20, "weight": 5000}


def _vm(name, autostart):
    return {"name": name, "autostart": autostart, "memory": _dm(), "boot_delay_s": 5,
            "workload": {"kind": "constant", "mb": 600}}


LAB = {
    "schema_version": 1, "name": "Multi lab",
    "host": {"name": "HV01", "memory_mb": 16384, "reserve_mb": 0, "vm_overhead_mb": 0,
             "version": "2012R2"},
    "vms": [_vm("Alpha", True), _vm("Bravo", True), _vm("Charlie", False),
            _vm("Delta", False), _vm("Echo", True)],
}


@pytest.fixture
def lab(qtbot, tmp_path):
    win = open_window(qtbot, tmp_path / "multi.json", LAB)
    yield win
    win.engine.shutdown()


def state(win, vm):
    return win.model.live(vm).state


def wait_states(qtbot, win, expected):
    qtbot.waitUntil(lambda: all(state(win, vm) == s for vm, s in expected.items()),
                    timeout=WAIT_MS)


def asked(win):
    """Replace the confirmation with one that says yes and records the question."""
    questions = []
    win.commands.confirm = lambda title, text: questions.append((title, text)) or True
    return questions


def view_row(win, vm):
    return win.proxy.mapFromSource(win.model.index(win.model.row_of(vm), 0)).row()


# -- selecting -----------------------------------------------------------------------


def test_the_list_allows_extended_selection_with_the_mouse(qtbot, lab):
    table = lab.table
    assert table.selectionMode() == QAbstractItemView.SelectionMode.ExtendedSelection
    viewport = table.viewport()

    def click(vm, modifier=Qt.KeyboardModifier.NoModifier):
        rect = table.visualRect(lab.proxy.index(view_row(lab, vm), 1))
        qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, modifier, rect.center())

    click("Alpha")
    click("Charlie", Qt.KeyboardModifier.ControlModifier)
    assert lab.selected_vms() == ["Alpha", "Charlie"]
    assert lab.selected_vm() == "Charlie"  # the last one clicked is current
    click("Charlie")
    click("Echo", Qt.KeyboardModifier.ShiftModifier)
    assert lab.selected_vms() == ["Charlie", "Delta", "Echo"]
    click("Bravo")
    assert lab.selected_vms() == ["Bravo"] and lab.selected_vm() == "Bravo"


def test_details_plots_and_pane_follow_the_current_vm(qtbot, lab):
    step(qtbot, lab, 30)
    lab.select_vms(["Alpha", "Charlie", "Delta"], current="Charlie")
    assert lab.selected_vm() == "Charlie"
    assert lab.details.memory_box.title() == "Memory — Charlie"
    assert lab.details.memory_values["Assigned Memory:"].text() == ""  # Charlie is Off
    assert lab.plots._vm_tab.selected == "Charlie"
    header = lab.actions_pane._vm_header
    assert header.text() == "Charlie (+2 more selected)"
    assert "Charlie" in header.toolTip()
    lab.select_vm("Alpha")
    assert lab.details.memory_box.title() == "Memory — Alpha"
    assert lab.details.memory_values["Assigned Memory:"].text().endswith("MB")
    assert header.text() == "Alpha" and header.toolTip() == ""


def test_power_actions_are_enabled_if_any_selected_vm_allows_them(qtbot, lab):
    step(qtbot, lab, 30)  # Alpha, Bravo, Echo run; Charlie, Delta are Off
    a = lab.app_actions
    lab.select_vms(["Alpha", "Charlie"], current="Alpha")
    assert a.start.isEnabled() and a.turn_off.isEnabled() and a.shutdown.isEnabled()
    assert a.save_state.isEnabled() and a.pause_vm.isEnabled()
    assert not a.resume.isEnabled() and not a.delete_saved_state.isEnabled()
    assert a.settings.isEnabled() and a.clone.isEnabled() and a.add_copies.isEnabled()
    assert not a.delete.isEnabled()  # the current VM (Alpha) runs
    lab.select_vms(["Alpha", "Charlie"], current="Charlie")
    assert a.delete.isEnabled()  # now the current VM is Off
    lab.select_vms(["Charlie", "Delta"])
    assert a.start.isEnabled() and not a.turn_off.isEnabled()
    assert not a.save_state.isEnabled() and not a.reset_vm.isEnabled()


def test_update_for_takes_a_set_of_states(qtbot, lab):
    a = lab.app_actions
    a.update_for({VmState.SAVED, VmState.PAUSED}, VmState.PAUSED)
    enabled = {key for key, action in a._power.items() if action.isEnabled()}
    assert enabled == {"start", "delete_saved_state", "resume", "turn_off", "save",
                       "reset"}
    a.update_for([])  # nothing selected
    assert not any(action.isEnabled() for action in a.vm_actions())
    a.update_for(VmState.OFF)  # one state, as before
    assert a.start.isEnabled() and a.delete.isEnabled() and not a.turn_off.isEnabled()
    # Every power action makes sense in some state, and never for an Off VM but Start.
    assert all(ALLOWED.values())
    assert [k for k, s in ALLOWED.items() if VmState.OFF in s] == ["start"]


# -- power actions on the selection ---------------------------------------------------


def test_start_starts_every_selected_off_vm(qtbot, lab):
    step(qtbot, lab, 30)
    lab.select_vms(["Alpha", "Charlie", "Delta"])
    lab.app_actions.start.trigger()
    wait_states(qtbot, lab, {"Charlie": VmState.STARTING, "Delta": VmState.STARTING})
    assert state(lab, "Alpha") == VmState.RUNNING  # already running: left alone
    assert lab.commands.last_message is None  # no "cannot start" error for Alpha


def test_turn_off_asks_once_naming_the_vms_and_turns_them_all_off(qtbot, lab):
    step(qtbot, lab, 30)
    questions = asked(lab)
    lab.select_vms(["Alpha", "Bravo", "Charlie"])
    lab.app_actions.turn_off.trigger()
    assert len(questions) == 1
    title, text = questions[0]
    assert title == "Turn Off Machines"
    assert "these 2 virtual machines ('Alpha' and 'Bravo')" in text
    assert "Charlie" not in text  # Off already: not turned off, not named
    wait_states(qtbot, lab, {"Alpha": VmState.OFF, "Bravo": VmState.OFF})
    assert state(lab, "Echo") == VmState.RUNNING  # not selected


def test_turn_off_of_one_vm_keeps_hyper_v_managers_question(qtbot, lab):
    step(qtbot, lab, 30)
    questions = asked(lab)
    lab.select_vm("Alpha")
    lab.app_actions.turn_off.trigger()
    text = ("If you turn off the virtual machine 'Alpha', unsaved data in it will be "
            "lost. Are you sure you want to turn it off?")
    assert questions == [("Turn Off Machine", text)]


def test_declined_shut_down_changes_nothing(qtbot, lab):
    step(qtbot, lab, 30)
    questions = []
    lab.commands.confirm = lambda title, text: bool(questions.append(text))
    lab.select_vms(["Alpha", "Bravo", "Echo"])
    lab.app_actions.shutdown.trigger()
    assert len(questions) == 1
    names = "('Alpha', 'Bravo' and 'Echo')"
    assert f"shut down these 3 virtual machines {names}" in questions[0]
    step(qtbot, lab, 5)
    assert all(state(lab, vm) == VmState.RUNNING for vm in ("Alpha", "Bravo", "Echo"))


def test_shut_down_shuts_every_selected_guest_down(qtbot, lab):
    step(qtbot, lab, 30)
    lab.select_vms(["Alpha", "Echo"])
    lab.app_actions.shutdown.trigger()
    step(qtbot, lab, 60)
    wait_states(qtbot, lab, {"Alpha": VmState.OFF, "Echo": VmState.OFF,
                             "Bravo": VmState.RUNNING})


def test_reset_asks_once_and_resets_each_selected_vm(qtbot, lab):
    step(qtbot, lab, 30)
    questions = asked(lab)
    records = []
    add = lab.event_log.add_records
    lab.event_log.add_records = lambda recs: (records.extend(recs), add(recs))
    lab.select_vms(["Alpha", "Bravo", "Charlie"])
    lab.app_actions.reset_vm.trigger()
    assert len(questions) == 1 and questions[0][0] == "Reset Machine"
    assert "reset these 2 virtual machines ('Alpha' and 'Bravo')" in questions[0][1]
    qtbot.waitUntil(lambda: sum(r.kind == "start" for r in records) == 2, timeout=WAIT_MS)
    kinds = [(r.vm, r.kind) for r in records if r.kind in ("turn_off", "start")]
    assert Counter(kinds) == Counter([("Alpha", "turn_off"), ("Bravo", "turn_off"),
                                      ("Alpha", "start"), ("Bravo", "start")])
    assert state(lab, "Charlie") == VmState.OFF


def test_a_long_selection_is_named_in_part(qtbot, tmp_path):
    from dmgui.qt.vm_commands import quoted_names
    assert quoted_names(["a"]) == "'a'"
    assert quoted_names(["a", "b"]) == "'a' and 'b'"
    names = [f"vm{i}" for i in range(12)]
    assert quoted_names(names).endswith("'vm7' and 4 more")


# -- actions on the current VM ----------------------------------------------------------


def test_settings_and_delete_act_on_the_current_vm_only(qtbot, lab):
    questions = asked(lab)
    lab.select_vms(["Charlie", "Delta"], current="Delta")
    lab.app_actions.settings.trigger()
    dialog = lab.commands.settings_dialog
    assert dialog is not None and "Delta" in dialog.windowTitle()
    dialog.reject()
    lab.app_actions.delete.trigger()
    assert len(questions) == 1 and "'Delta'" in questions[0][1]
    assert lab.model.row_of("Delta") < 0 and lab.model.row_of("Charlie") >= 0
    assert lab.selected_vms() == ["Charlie"]  # the rest of the selection is kept


def test_the_context_menu_holds_every_vm_action_in_groups(qtbot, lab):
    menu = lab.context_menu
    actions = [a for a in menu.actions() if not a.isSeparator()]
    assert actions == lab.app_actions.vm_actions()
    assert sum(a.isSeparator() for a in menu.actions()) == 1


# -- the selection follows the VMs -------------------------------------------------------


def test_a_re_sort_keeps_every_selected_vm_and_the_current_one(qtbot, lab):
    step(qtbot, lab, 30)
    lab.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)  # Echo ... Alpha
    lab.select_vms(["Alpha", "Delta"], current="Delta")
    rows = {vm: view_row(lab, vm) for vm in ("Alpha", "Delta")}
    lab.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert {vm: view_row(lab, vm) for vm in ("Alpha", "Delta")} != rows  # rows moved
    assert sorted(lab.selected_vms()) == ["Alpha", "Delta"]
    assert lab.selected_vm() == "Delta"


def test_edits_keep_the_selection_by_name(qtbot, lab):
    lab.select_vms(["Bravo", "Delta"], current="Bravo")
    assert lab.commands._reconfigure(lambda d: d.delete_vm("Alpha"))
    assert lab.selected_vms() == ["Bravo", "Delta"] and lab.selected_vm() == "Bravo"
    lab.commands.vms.clone()  # a copy of the current VM: selected alone
    assert lab.selected_vms() == ["Bravo-2"]


# -- keyboard ------------------------------------------------------------------------------


def _mnemonic(text):
    i = text.replace("&&", "").find("&")
    return text.replace("&&", "")[i + 1].lower() if i >= 0 else None


def test_every_file_and_action_menu_item_has_a_unique_mnemonic(qtbot, lab):
    menus = [a.menu() for a in lab.menuBar().actions()
             if a.text() in ("&File", "&Action", "&Simulation")]
    assert len(menus) == 3
    menus.append(lab.context_menu)
    for menu in menus:
        assert isinstance(menu, QMenu)
        items = [a for a in menu.actions() if not a.isSeparator()]
        keys = [_mnemonic(a.text()) for a in items]
        assert None not in keys, [a.text() for a in items]
        assert len(keys) == len(set(keys)), (menu.title(), [a.text() for a in items])


def test_shortcuts_do_not_clash(qtbot, lab):
    actions = [a for a in vars(lab.app_actions).values() if hasattr(a, "shortcut")]
    actions += lab.view_actions
    shortcuts = [a.shortcut() for a in actions if not a.shortcut().isEmpty()]
    texts = [s.toString(QKeySequence.SequenceFormat.PortableText) for s in shortcuts]
    assert len(texts) == len(set(texts)), Counter(texts).most_common(3)


def test_app_actions_alone_build_without_a_window(qtbot):
    from PySide6.QtWidgets import QWidget
    parent = QWidget()
    qtbot.addWidget(parent)
    a = AppActions(parent)
    assert len(a.vm_actions()) == 12 and a.vm_actions()[0] is a.start
