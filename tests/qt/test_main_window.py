"""Scripted GUI tests of the main window, its engine thread and its commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from dmgui.core.document import ScenarioDocument
from dmgui.core.model.scenario import parse_scenario
from dmgui.core.model.states import VmState
from dmgui.core.sim.engine import Simulation
from dmgui.qt.dialogs import HostSettingsDialog, NewVmDialog
from dmgui.qt.engine_worker import EngineController
from dmgui.qt.main_window import MainWindow
from dmgui.qt.vm_table_model import VmTableModel

WAIT_MS = 10_000


def _dm(startup=1024, minimum=512, maximum=4096, buffer=20, weight=5000):
    return {"dynamic_memory_enabled": True, "startup_mb": startup, "minimum_mb": minimum,
            "maximum_mb": maximum, "buffer_percent": buffer, "weight": weight}


SCENARIO = {
    "schema_version": 1, "name": "Lab host",
    "host": {"name": "HV01", "memory_mb": 6144, "reserve_mb": 0, "vm_overhead_mb": 0,
             "version": "2012R2"},
    "vms": [
        {"name": "App", "autostart": True, "memory": _dm(),
         "workload": {"kind": "constant", "mb": 1000}, "boot_delay_s": 5},
        {"name": "Db", "autostart": True, "memory": _dm(2048, 1024, 4096),
         "workload": {"kind": "diurnal", "base_mb": 900, "peak_mb": 1800}},
        {"name": "Huge", "autostart": False,
         "memory": {"dynamic_memory_enabled": False, "startup_mb": 16384},
         "workload": {"kind": "constant", "mb": 500}},
    ],
}


def open_window(qtbot, path, data):
    """A shown main window on ``data`` saved at ``path``, its engine started;
    questions are answered yes / discard."""
    path.write_text(json.dumps(data))
    document = ScenarioDocument.open(path)
    engine = EngineController(document.scenario)
    win = MainWindow(document, engine)
    qtbot.addWidget(win)
    win.commands.ask_save = lambda: QMessageBox.StandardButton.Discard
    win.commands.confirm = lambda title, text: True
    win.show()
    engine.start()
    qtbot.waitUntil(lambda: win.last_frame is not None, timeout=WAIT_MS)
    return win


@pytest.fixture
def window(qtbot, tmp_path):
    win = open_window(qtbot, tmp_path / "lab.json", SCENARIO)
    yield win
    win.engine.shutdown()


def step(qtbot, win, seconds):
    """Simulate ``seconds`` now and wait for the frame that reaches them (and for the
    VM list to show it: it repaints at most every REFRESH_INTERVAL_S)."""
    target = win.last_frame.sim_time + seconds
    win.engine.step_requested.emit(seconds)
    qtbot.waitUntil(lambda: win.last_frame.sim_time >= target
                    and not win.model.refresh_pending(), timeout=WAIT_MS)


def live_state(win, name):
    return win.model.live(name).state


def test_table_model_passes_the_model_tester(qtmodeltester):
    model = VmTableModel(parse_scenario(SCENARIO))
    sim = Simulation(parse_scenario(SCENARIO))
    from dmgui.core.sim.frame import Frame
    block = sim.advance(60)
    model.update_frame(Frame(block, tuple(sim.names), tuple(sim.vms.settings),
                             sim.vms.boot_time.copy(), sim.time))
    qtmodeltester.check(model)
    assert model.data(model.index(0, 2)) == "1200 MB"
    assert model.data(model.index(2, 2)) == ""  # Off: blank, as Hyper-V Manager shows


def test_title_shows_name_and_unsaved_mark(window):
    assert window.windowTitle() == "Lab host[*] — dmgui"
    assert not window.isWindowModified()


def test_list_shows_hyper_v_columns_and_values(qtbot, window):
    step(qtbot, window, 60)
    model = window.model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(6)]
    assert headers == ["Name", "State", "Assigned Memory", "Memory Demand",
                       "Memory Status", "Uptime"]
    row = model.row_of("App")
    assert model.data(model.index(row, 1)) == "Running"
    assert model.data(model.index(row, 2)) == "1200 MB"
    assert model.data(model.index(row, 3)) == "1000 MB"
    assert model.data(model.index(row, 4)) == "OK"
    assert model.data(model.index(row, 5)) == "00:01:00"


def test_sorting_by_assigned_memory(qtbot, window):
    step(qtbot, window, 60)
    window.table.sortByColumn(2, Qt.SortOrder.DescendingOrder)
    cells = [window.proxy.index(r, 2).data() for r in range(3)]
    values = [int(c.split()[0]) if c else -1 for c in cells]
    assert values == sorted(values, reverse=True) and values[-1] == -1  # Off VM last
    window.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert [window.proxy.index(r, 0).data() for r in range(3)] == ["App", "Db", "Huge"]


def test_settings_apply_reaches_document_and_engine(qtbot, window):
    step(qtbot, window, 30)
    window.select_vm("App")
    window.app_actions.settings.trigger()
    dialog = window.commands.settings_dialog
    page = dialog.memory_page
    page.field_widget("buffer_percent").setValue(50)
    page.field_widget("weight").setValue(8000)
    apply_button = dialog._button_apply
    qtbot.mouseClick(apply_button, Qt.MouseButton.LeftButton)
    assert window.document.vm("App").memory.buffer_percent == 50
    assert window.document.vm("App").memory.weight == 8000
    assert window.isWindowModified()
    index = window.last_frame.names.index("App")
    qtbot.waitUntil(lambda: window.last_frame.settings[index].buffer_percent == 50,
                    timeout=WAIT_MS)
    step(qtbot, window, 10)  # past the 5 s hot-add delay (issue 8 §1.5)
    row = window.model.row_of("App")
    assert window.model.data(window.model.index(row, 2)) == "1500 MB"  # 1000 × 1.5
    dialog.reject()


def test_invalid_setting_shows_hyper_v_error_and_keeps_edits(qtbot, window):
    window.select_vm("Huge")  # Off: every field may change
    window.app_actions.settings.trigger()
    dialog = window.commands.settings_dialog
    spin = dialog.memory_page.field_widget("startup_mb")
    spin.setValue(4019)
    qtbot.mouseClick(dialog._button_apply, Qt.MouseButton.LeftButton)
    assert dialog.error_box is not None and dialog.error_box.isVisible()
    assert "Failed to modify device 'Memory'." in dialog.error_box.informativeText()
    assert "properly aligned" in dialog.error_box.informativeText()
    assert spin.value() == 4019
    assert dialog.isVisible()
    assert window.document.vm("Huge").memory.startup_mb == 16384
    dialog.error_box.close()
    dialog.reject()


def test_starting_a_vm_that_does_not_fit_shows_hyper_v_text(qtbot, window):
    step(qtbot, window, 30)
    window.select_vm("Huge")
    assert window.app_actions.start.isEnabled()
    window.app_actions.start.trigger()
    qtbot.waitUntil(lambda: window.commands.last_message is not None, timeout=WAIT_MS)
    box = window.commands.last_message
    assert box.text() == ("An error occurred while attempting to start the selected "
                          "virtual machine(s).")
    assert ("Not enough memory in the system to start the virtual machine Huge."
            in box.informativeText())
    assert live_state(window, "Huge") == VmState.OFF
    texts = [window.event_log.item(i).text() for i in range(window.event_log.count())]
    assert any("Huge: start failed" in t for t in texts)
    box.close()


def test_power_actions_follow_the_vm_state(qtbot, window):
    step(qtbot, window, 30)
    window.select_vm("App")
    a = window.app_actions
    assert not a.start.isEnabled() and a.shutdown.isEnabled() and not a.delete.isEnabled()
    a.turn_off.trigger()
    qtbot.waitUntil(lambda: live_state(window, "App") == VmState.OFF, timeout=WAIT_MS)
    assert a.start.isEnabled() and a.delete.isEnabled()
    a.start.trigger()
    qtbot.waitUntil(lambda: live_state(window, "App") != VmState.OFF, timeout=WAIT_MS)


def test_ten_simulated_minutes_fill_the_plots(qtbot, window):
    window.select_vm("Db")
    step(qtbot, window, 600)
    window.plots.redraw()
    history = window.plots._history
    assert len(history) >= 600
    db = history.vm(history.names.index("Db"))
    assert np.nanmax(db["assigned"]) >= 2048


def test_run_pause_and_speed(qtbot, window):
    start = window.last_frame.sim_time
    window.toolbar.speed_box.setCurrentIndex(3)  # 600×
    window.app_actions.run.trigger()
    qtbot.waitUntil(lambda: window.running, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.last_frame.sim_time > start + 60, timeout=WAIT_MS)
    window.app_actions.pause.trigger()
    qtbot.waitUntil(lambda: not window.running, timeout=WAIT_MS)
    assert window.toolbar.clock.text() != "00:00:00"


def test_reset_starts_over(qtbot, window):
    step(qtbot, window, 120)
    window.app_actions.reset.trigger()
    qtbot.waitUntil(lambda: window.last_frame.sim_time == 0, timeout=WAIT_MS)
    assert window.toolbar.clock.text() == "00:00:00"
    assert window.event_log.count() == 0


def test_engine_failure_is_reported_and_app_stays_usable(qtbot, window, monkeypatch):
    calls = {"n": 0}
    real_advance = Simulation.advance

    def flaky(self, n):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("boom")
        return real_advance(self, n)

    monkeypatch.setattr(Simulation, "advance", flaky)
    window.engine.step_requested.emit(10)
    qtbot.waitUntil(lambda: window.commands.last_message is not None, timeout=WAIT_MS)
    assert "boom" in window.commands.last_message.informativeText()
    window.commands.last_message.close()
    before = window.last_frame.sim_time
    step(qtbot, window, 10)
    assert window.last_frame.sim_time >= before + 10


def test_delete_and_add_vm_keep_the_simulation_running(qtbot, window):
    step(qtbot, window, 30)
    window.select_vm("Huge")
    window.app_actions.delete.trigger()
    qtbot.waitUntil(lambda: "Huge" not in window.last_frame.names, timeout=WAIT_MS)
    assert window.model.rowCount() == 2 and window.isWindowModified()
    assert live_state(window, "App") == VmState.RUNNING  # kept its state
    vm = parse_scenario(SCENARIO).vms[0].model_copy(update={"name": "Web"})
    assert window.commands._reconfigure(lambda d: d.add_vm(vm))
    qtbot.waitUntil(lambda: "Web" in window.last_frame.names, timeout=WAIT_MS)


def test_save_writes_the_file_and_clears_the_mark(qtbot, window):
    window.document.set_memory("Huge", window.document.vm("Huge").memory.model_copy(
        update={"startup_mb": 8192}))
    window.update_title()
    assert window.isWindowModified()
    assert window.commands.save()
    assert not window.isWindowModified()
    saved = json.loads(window.document.path.read_text())
    assert saved["vms"][2]["memory"]["startup_mb"] == 8192


def test_opening_a_broken_file_names_the_problem_and_keeps_the_scenario(
        qtbot, window, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert not window.commands.open_scenario(str(bad))
    assert "not valid JSON" in window.commands.last_message.informativeText()
    assert window.document.scenario.name == "Lab host"
    window.commands.last_message.close()


def test_close_asks_to_save_and_cancel_keeps_the_window(qtbot, window):
    window.document.dirty = True
    window.commands.ask_save = lambda: QMessageBox.StandardButton.Cancel
    window.close()
    assert window.isVisible()
    window.commands.ask_save = lambda: QMessageBox.StandardButton.Discard
    window.close()
    assert not window.isVisible()


def test_closing_stops_the_engine_thread(qtbot, window):
    thread = window.engine.thread
    window.app_actions.run.trigger()
    qtbot.waitUntil(lambda: window.running, timeout=WAIT_MS)
    window.close()
    assert thread.isFinished()


def test_new_vm_dialog_validates_and_builds_the_vm(qtbot):
    from dmgui.core.model.memory import VersionProfile
    dialog = NewVmDialog("New Virtual Machine", VersionProfile.WS2012R2, {"App"})
    qtbot.addWidget(dialog)
    dialog._name.setText("App")
    dialog._on_ok()
    assert "already exists" in dialog.error.text() and dialog.vm is None
    dialog._name.setText("Web")
    dialog._startup.setValue(1023)
    dialog._on_ok()
    assert "properly aligned" in dialog.error.text() and dialog.vm is None
    dialog._startup.setValue(2048)
    dialog._on_ok()
    assert dialog.vm is not None and dialog.vm.memory.startup_mb == 2048
    assert dialog.vm.memory.dynamic_memory_enabled


def test_host_settings_dialog_refuses_bad_values(qtbot):
    host = parse_scenario(SCENARIO).host
    applied = []
    dialog = HostSettingsDialog(host, version_locked=True, apply=applied.append)
    qtbot.addWidget(dialog)
    assert not dialog._version.isEnabled()
    dialog._reserve.spin.setValue(10000)
    dialog._on_ok()
    assert "reserve_mb" in dialog.error.text() and not applied
    dialog._reserve.spin.setValue(512)
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert applied and applied[0].reserve_mb == 512


def _env():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return env


def test_real_entry_point_smoke(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "dmgui", "--quit-after", "1000"],
                          capture_output=True, text=True, timeout=120, env=_env(),
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr


def test_screenshots_render(tmp_path):
    main_png, settings_png = tmp_path / "main.png", tmp_path / "settings.png"
    proc = subprocess.run(
        [sys.executable, "-m", "dmgui", "--screenshot", str(main_png),
         "--screenshot-settings", str(settings_png), "--after", "10m"],
        capture_output=True, text=True, timeout=120, env=_env(), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert main_png.stat().st_size > 20_000 and settings_png.stat().st_size > 10_000


def test_bad_gui_arguments_exit_2_with_one_line(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "dmgui", "--after", "soon"],
                          capture_output=True, text=True, timeout=60, env=_env())
    assert proc.returncode == 2
    assert proc.stderr.startswith("dmgui: error:") and proc.stderr.count("\n") == 1


def test_plot_window_is_adjustable(qtbot, window):
    box = window.toolbar.window_box
    assert box.currentText() == "1 h"
    box.setCurrentIndex(box.findText("6 h"))
    assert window.plots.window_s == 6 * 3600


@pytest.mark.parametrize("args, fragment", [
    (["--quit-after", "-5"], "milliseconds must be a whole number from 0"),
    (["--after", "10m"], "--after needs --screenshot"),
])
def test_more_bad_gui_arguments(args, fragment):
    import contextlib
    import io

    from dmgui.qt.app import run_app
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert run_app(args) == 2
    assert fragment in err.getvalue() and err.getvalue().count("\n") == 1


def test_unsafe_host_edits_are_refused_before_the_document_changes(qtbot, window):
    step(qtbot, window, 30)
    vm = parse_scenario(SCENARIO).vms[0].model_copy(update={"name": "Web"})
    assert window.commands._reconfigure(lambda d: d.add_vm(vm))
    qtbot.waitUntil(lambda: "Web" in window.last_frame.names, timeout=WAIT_MS)
    host = window.document.scenario.host
    for change, fragment in (({"version": "2008R2SP1"}, "only while every"),
                             ({"memory_mb": 1024}, "need at least")):
        before = window.document.scenario
        edit = type(host).model_validate({**host.model_dump(mode="json"), **change})
        assert not window.commands._reconfigure(lambda d, e=edit: d.set_host(e))
        assert fragment in window.commands.last_message.informativeText()
        assert window.document.scenario == before
        window.commands.last_message.close()


def test_settings_dialog_starts_from_the_engine_settings(qtbot, window):
    step(qtbot, window, 30)
    raised = window.document.vm("App").memory.model_copy(update={"maximum_mb": 8192})
    window.engine.command_requested.emit("set_memory", "App", raised.model_dump())
    index = window.last_frame.names.index("App")
    qtbot.waitUntil(lambda: window.last_frame.settings[index].maximum_mb == 8192,
                    timeout=WAIT_MS)
    window.select_vm("App")
    window.app_actions.settings.trigger()
    page = window.commands.settings_dialog.memory_page
    assert page.field_widget("maximum_mb").value() == 8192
    window.commands.settings_dialog.reject()


def test_scheduled_memory_events_never_touch_the_saved_scenario(qtbot, tmp_path):
    data = dict(SCENARIO, events=[
        {"at_s": 40, "vm": "App", "action": "set_memory", "memory": {"maximum_mb": 8192}},
        {"at_s": 50, "vm": "App", "action": "set_memory", "memory": {"minimum_mb": 1024}},
    ])
    win = open_window(qtbot, tmp_path / "sched.json", data)
    step(qtbot, win, 60)
    index = win.last_frame.names.index("App")
    assert win.last_frame.settings[index].maximum_mb == 8192  # the engine took it
    assert win.document.vm("App").memory.maximum_mb == 4096  # the file did not
    assert not win.document.dirty and win.commands.last_message is None
    win.engine.shutdown()


def test_a_refused_user_change_is_undone_in_the_document(qtbot, window):
    window.select_vm("App")
    window.engine.command_requested.emit("turn_off", "App", None)
    qtbot.waitUntil(lambda: live_state(window, "App") == VmState.OFF, timeout=WAIT_MS)
    window.app_actions.settings.trigger()  # opened while Off: every field editable
    dialog = window.commands.settings_dialog
    dialog.memory_page.field_widget("dynamic_memory_enabled").setChecked(False)
    window.engine.command_requested.emit("start", "App", None)  # ...then it starts
    qtbot.waitUntil(lambda: live_state(window, "App") != VmState.OFF, timeout=WAIT_MS)
    qtbot.mouseClick(dialog._button_ok, Qt.MouseButton.LeftButton)
    # Dynamic Memory cannot be switched off while the VM runs: the engine refuses.
    qtbot.waitUntil(lambda: window.commands.last_message is not None, timeout=WAIT_MS)
    assert "Dynamic Memory cannot be enabled or disabled" in (
        window.commands.last_message.informativeText())
    assert window.document.vm("App").memory.dynamic_memory_enabled
    assert not window.document.dirty


def test_shut_down_without_integration_services_tells_the_user(qtbot, tmp_path):
    data = dict(SCENARIO, vms=[dict(SCENARIO["vms"][0], integration_services=False)])
    win = open_window(qtbot, tmp_path / "nois.json", data)
    step(qtbot, win, 30)
    win.select_vm("App")
    win.app_actions.shutdown.trigger()
    qtbot.waitUntil(lambda: win.commands.last_message is not None, timeout=WAIT_MS)
    assert "Shutdown integration service" in win.commands.last_message.informativeText()
    assert live_state(win, "App") == VmState.RUNNING
    win.commands.last_message.close()
    win.engine.shutdown()


def test_reset_forgets_pressure_and_delete_updates_the_actions_pane(qtbot, window):
    step(qtbot, window, 120)
    assert window.details.host_values["Average pressure:"].text().endswith("%")
    window.app_actions.reset.trigger()
    qtbot.waitUntil(lambda: window.last_frame.sim_time == 0, timeout=WAIT_MS)
    assert window.details.host_values["Average pressure:"].text() == ""
    window.select_vm("Huge")
    window.app_actions.delete.trigger()
    assert window.actions_pane._vm_header.text() != "Huge"
