"""Edits and power actions while paused never advance simulated time (issue 8 §2.1).

At 00:00:00 (a fresh window, after Reset, after Open) the auto-start VMs are still
Off: a change to one's Startup RAM is an edit of an Off VM, made through the
settings dialog's Apply/OK like a user would, and the VM starts with it on Run. A
power action while paused takes effect at the current second: no tick, so no
auto-start and no scheduled event fires with it.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

# tests/ is not a package: pytest puts this folder on sys.path.
from test_main_window import WAIT_MS, live_state, open_window, step

from dmgui.core.model.states import VmState

APP_STARTUP, NEW_STARTUP = 1024, 2048


def _dm(startup, minimum=512, maximum=4096):
    return {"dynamic_memory_enabled": True, "startup_mb": startup, "minimum_mb": minimum,
            "maximum_mb": maximum, "buffer_percent": 20, "weight": 5000}


LAB = {
    "schema_version": 1, "name": "Paused lab",
    "host": {"name": "HV01", "memory_mb": 8192, "reserve_mb": 0, "vm_overhead_mb": 0,
             "version": "2012R2"},
    "vms": [
        {"name": "App", "autostart": True, "memory": _dm(APP_STARTUP),
         "workload": {"kind": "constant", "mb": 800}, "boot_delay_s": 5},
        {"name": "Web", "autostart": False, "memory": _dm(1024),
         "workload": {"kind": "constant", "mb": 600}},
    ],
    # Due at 00:00:00 and at 00:00:30: neither may fire with a user's action.
    "events": [
        {"at_s": 0, "vm": "App", "action": "set_memory", "memory": {"maximum_mb": 6144}},
        {"at_s": 30, "vm": "App", "action": "set_memory", "memory": {"buffer_percent": 50}},
    ],
}


@pytest.fixture
def lab(qtbot, tmp_path):
    win = open_window(qtbot, tmp_path / "paused.json", LAB)
    yield win
    win.engine.shutdown()


def _engine_settings(win, vm):
    frame = win.last_frame
    return frame.settings[frame.names.index(vm)]


def _log_lines(win):
    return [win.event_log.item(i).text() for i in range(win.event_log.count())]


def _change_startup_through_the_dialog(qtbot, win, vm, startup, button):
    """Select ``vm``, open Settings, type a Startup RAM, press Apply or OK."""
    win.select_vm(vm)
    win.app_actions.settings.trigger()
    dialog = win.commands.settings_dialog
    spin = dialog.memory_page.field_widget("startup_mb")
    assert spin.isEnabled()  # the dialog knows the VM is Off
    spin.setValue(startup)
    pressed = dialog._button_ok if button == "ok" else dialog._button_apply
    qtbot.mouseClick(pressed, Qt.MouseButton.LeftButton)
    assert dialog.error_box is None  # the dialog's own rules accept it
    return dialog


def _expect_edit_applied_at_zero(qtbot, win, startup):
    qtbot.waitUntil(lambda: _engine_settings(win, "App").startup_mb == startup,
                    timeout=WAIT_MS)
    qtbot.wait(100)  # a stray tick would show up in the meantime
    assert win.last_frame.sim_time == 0
    assert win.toolbar.clock.text() == "00:00:00"
    assert win.status_label.text() == "Paused"
    assert win.commands.last_message is None  # no "Error applying Memory changes"
    assert win.document.vm("App").memory.startup_mb == startup
    assert win.isWindowModified()
    assert live_state(win, "App") == VmState.OFF  # the auto-start waits for Run
    assert _engine_settings(win, "App").maximum_mb == 4096  # so does the event at 0
    assert any("App: set memory — Memory settings changed." in t for t in _log_lines(win))
    assert not any("refused" in t for t in _log_lines(win))


def _run_until_app_started(qtbot, win):
    """Press Run; pause once App has started; return App's history."""
    win.app_actions.run.trigger()
    qtbot.waitUntil(lambda: win.running, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: win.last_frame.sim_time >= 3, timeout=WAIT_MS)
    win.app_actions.pause.trigger()
    qtbot.waitUntil(lambda: not win.running, timeout=WAIT_MS)
    assert live_state(win, "App") != VmState.OFF
    history = win.plots._history
    return history.vm(history.names.index("App"))


def test_startup_ram_of_an_auto_start_vm_changes_before_the_first_run(qtbot, lab):
    dialog = _change_startup_through_the_dialog(qtbot, lab, "App", NEW_STARTUP, "ok")
    assert not dialog.isVisible()
    _expect_edit_applied_at_zero(qtbot, lab, NEW_STARTUP)
    app = _run_until_app_started(qtbot, lab)
    started = np.flatnonzero(app["state"] != VmState.OFF)
    assert started[0] == 0  # it auto-started in the first second of the run...
    assert app["assigned"][0] == NEW_STARTUP  # ...holding the new Startup RAM
    assert _engine_settings(lab, "App").maximum_mb == 6144  # the event at 0 fired on Run


@pytest.mark.parametrize("how", ["reset", "open"])
def test_startup_ram_changes_after_reset_or_open(qtbot, lab, tmp_path, how):
    step(qtbot, lab, 40)
    assert live_state(lab, "App") == VmState.RUNNING
    if how == "reset":
        lab.app_actions.reset.trigger()
    else:
        other = tmp_path / "other.json"
        other.write_text(lab.document.path.read_text())
        assert lab.commands.open_scenario(str(other))
    qtbot.waitUntil(lambda: lab.last_frame.sim_time == 0
                    and live_state(lab, "App") == VmState.OFF, timeout=WAIT_MS)
    _change_startup_through_the_dialog(qtbot, lab, "App", NEW_STARTUP, "apply")
    _expect_edit_applied_at_zero(qtbot, lab, NEW_STARTUP)
    lab.commands.settings_dialog.reject()
    app = _run_until_app_started(qtbot, lab)
    assert app["assigned"][np.flatnonzero(app["state"] != VmState.OFF)[0]] == NEW_STARTUP


def test_a_start_while_paused_does_not_advance_time(qtbot, lab):
    lab.select_vm("Web")
    lab.app_actions.start.trigger()
    qtbot.waitUntil(lambda: live_state(lab, "Web") == VmState.STARTING, timeout=WAIT_MS)
    qtbot.wait(100)
    assert lab.last_frame.sim_time == 0 and lab.toolbar.clock.text() == "00:00:00"
    assert live_state(lab, "App") == VmState.OFF  # no auto-start without Run
    assert _engine_settings(lab, "App").maximum_mb == 4096  # the event at 0 waits
    row = lab.model.row_of("Web")
    assert lab.model.data(lab.model.index(row, 1)) == "Starting"
    assert lab.model.data(lab.model.index(row, 2)) == "1024 MB"
    assert "00:00:00  Web: start" in _log_lines(lab)
    assert lab.commands.last_message is None


def test_a_power_action_mid_run_fires_no_scheduled_event(qtbot, lab):
    step(qtbot, lab, 30)  # paused at 00:00:30; the buffer change is due now
    lab.select_vm("App")
    lab.app_actions.turn_off.trigger()
    qtbot.waitUntil(lambda: live_state(lab, "App") == VmState.OFF, timeout=WAIT_MS)
    lab.app_actions.start.trigger()
    qtbot.waitUntil(lambda: live_state(lab, "App") == VmState.STARTING, timeout=WAIT_MS)
    qtbot.wait(100)
    assert lab.last_frame.sim_time == 30
    assert _engine_settings(lab, "App").buffer_percent == 20
    lines = _log_lines(lab)
    assert "00:00:30  App: turn off — Turned off." in lines
    assert "00:00:30  App: start" in lines
    step(qtbot, lab, 1)  # an explicit step: now the event at 30 fires
    assert _engine_settings(lab, "App").buffer_percent == 50
    assert lab.last_frame.sim_time == 31
