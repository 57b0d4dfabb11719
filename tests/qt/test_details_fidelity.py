"""Hyper-V Manager details (issue 8 §2.5).

* the Settings dialog's VM drop-down lists every VM and switches VM in place (with
  Apply / Discard / Cancel for pending edits);
* the 2012 R2 Settings tree says "Checkpoint File Location";
* the Integration Services item and page show what the VM has;
* on a 2008 R2 SP1 host the details pane has no Minimum Memory and names the version
  "Windows Server 2008 R2 SP1";
* Reset (with its confirmation) replaces Restart; the guest restart is still an event;
* the buffer-target line shows where it equals Assigned Memory;
* an Off VM is a gap in its plot, not 0 MB.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QMessageBox

# tests/ is not a package: pytest puts this folder on sys.path.
from test_main_window import SCENARIO, WAIT_MS, open_window, step

from dmgui.core.model.memory import MemorySettings, VersionProfile
from dmgui.core.model.scenario import parse_scenario
from dmgui.core.model.states import VmState
from dmgui.core.sim.engine import Simulation
from dmgui.core.sim.frame import Frame
from dmgui.qt.details_pane import DetailsPane
from dmgui.qt.plots.history import PlotHistory
from dmgui.qt.plots.style import COLOURS
from dmgui.qt.plots.vm_tab import VmTab
from dmgui.qt.settings_dialog import (
    NOT_SIMULATED,
    PAGE_ROLE,
    SECONDARY_ROLE,
    SettingsDialog,
)
from dmgui.qt.vm_table_model import VmLive

pytestmark = pytest.mark.qt_log_ignore(
    r"This plugin does not support propagateSizeHints\(\)", extend=True
)

_Button = QMessageBox.StandardButton


def _scenario(version: str = "2012R2", huge_has_integration: bool = True) -> dict:
    data = copy.deepcopy(SCENARIO)
    data["host"]["version"] = version
    if version == "2008R2SP1":  # SP1 has no separate Minimum: Minimum = Startup
        for vm in data["vms"]:
            if vm["memory"]["dynamic_memory_enabled"]:
                vm["memory"]["minimum_mb"] = vm["memory"]["startup_mb"]
    data["vms"][2]["integration_services"] = huge_has_integration
    return data


@pytest.fixture
def make_window(qtbot, tmp_path):
    windows = []

    def _make(data: dict):
        win = open_window(qtbot, tmp_path / f"lab{len(windows)}.json", data)
        windows.append(win)
        return win

    yield _make
    for win in windows:
        win.engine.shutdown()


def _open_settings(win, vm: str) -> SettingsDialog:
    win.select_vm(vm)
    win.app_actions.settings.trigger()
    return win.commands.settings_dialog


def _vm_combo(dialog: SettingsDialog) -> QComboBox:
    return next(c for c in dialog.findChildren(QComboBox)
                if c.accessibleName() == "Virtual machine")


def _tree_items(dialog: SettingsDialog) -> dict[str, object]:
    tree = dialog._hardware_list
    items = {}
    for s in range(tree.topLevelItemCount()):
        section = tree.topLevelItem(s)
        for c in range(section.childCount()):
            items[section.child(c).text(0)] = section.child(c)
    return items


def _page_texts(dialog: SettingsDialog, item) -> str:
    page = dialog._stack.widget(item.data(0, PAGE_ROLE))
    return " ".join(label.text() for label in page.findChildren(QLabel))


# -- the Settings dialog's VM drop-down ----------------------------------------------


def test_vm_drop_down_lists_every_vm_and_switches_in_place(qtbot, make_window):
    # Failed before: the drop-down held only the VM the dialog was opened for.
    win = make_window(_scenario())
    step(qtbot, win, 30)
    dialog = _open_settings(win, "App")
    combo = _vm_combo(dialog)
    assert [combo.itemText(i) for i in range(combo.count())] == ["App", "Db", "Huge"]
    assert combo.currentText() == "App"
    combo.setCurrentIndex(combo.findText("Huge"))  # as a user picks it
    assert dialog is win.commands.settings_dialog  # the same window, like Hyper-V's
    assert dialog.windowTitle() == "Settings for Huge on HV01"
    assert dialog.draft() == win.document.vm("Huge").memory
    assert _tree_items(dialog)["Name"].data(0, SECONDARY_ROLE) == "Huge"
    # Huge is Off: Startup may change, and Apply changes Huge (not App).
    dialog.memory_page.field_widget("startup_mb").setValue(8192)
    dialog._button_apply.click()
    assert win.document.vm("Huge").memory.startup_mb == 8192
    assert win.document.vm("App").memory.startup_mb == 1024
    dialog.reject()


def test_switching_with_pending_edits_asks_apply_discard_or_cancel(qtbot, make_window):
    # Failed before: there was nothing to switch to.
    win = make_window(_scenario())
    dialog = _open_settings(win, "Huge")  # t = 0: every VM is Off
    combo = _vm_combo(dialog)
    asked = []

    def answer(button):
        def _ask(current, other):
            asked.append((current, other))
            return button
        return _ask

    spin = dialog.memory_page.field_widget("startup_mb")
    spin.setValue(8000)
    dialog.ask_pending = answer(_Button.Cancel)
    combo.setCurrentIndex(combo.findText("Db"))
    assert asked == [("Huge", "Db")]
    assert combo.currentText() == "Huge" and spin.value() == 8000  # stays, edit kept
    dialog.ask_pending = answer(_Button.Discard)
    combo.setCurrentIndex(combo.findText("Db"))
    assert combo.currentText() == "Db"
    assert win.document.vm("Huge").memory.startup_mb == 16384  # discarded
    dialog.memory_page.field_widget("buffer_percent").setValue(35)
    dialog.ask_pending = answer(_Button.Apply)
    combo.setCurrentIndex(combo.findText("App"))
    assert combo.currentText() == "App"
    assert win.document.vm("Db").memory.buffer_percent == 35  # applied first
    # No pending edit: no question.
    asked.clear()
    combo.setCurrentIndex(combo.findText("Huge"))
    assert asked == [] and dialog.windowTitle() == "Settings for Huge on HV01"
    dialog.reject()


def test_a_refused_apply_keeps_the_dialog_on_the_vm(qtbot, make_window):
    win = make_window(_scenario())
    dialog = _open_settings(win, "App")
    combo = _vm_combo(dialog)
    dialog.memory_page.field_widget("startup_mb").setValue(1023)  # not 2 MB aligned
    dialog.ask_pending = lambda current, other: _Button.Apply
    combo.setCurrentIndex(combo.findText("Db"))
    assert combo.currentText() == "App"  # the error box is shown, the edit kept
    assert dialog.error_box is not None
    dialog.error_box.close()
    dialog.reject()


# -- the Settings tree ------------------------------------------------------------------


@pytest.mark.parametrize(("profile", "expected", "absent"), [
    (VersionProfile.WS2008R2SP1, "Snapshot File Location", "Checkpoints"),
    (VersionProfile.WS2012R2, "Checkpoint File Location", "Checkpoints"),
    (VersionProfile.WS2016, "Checkpoints", "Checkpoint File Location"),
])
def test_checkpoint_item_is_named_as_each_version_names_it(qtbot, profile, expected,
                                                           absent):
    # Failed before for 2012 R2: it said "Checkpoints" (2016's page).
    dialog = SettingsDialog("VM01", MemorySettings(), profile, False)
    qtbot.addWidget(dialog)
    items = _tree_items(dialog)
    assert expected in items and absent not in items


def test_integration_services_shows_what_the_vm_has(qtbot, make_window):
    # Failed before: every VM read "All services offered" on a "not simulated" page.
    win = make_window(_scenario(huge_has_integration=False))
    dialog = _open_settings(win, "Huge")
    item = _tree_items(dialog)["Integration Services"]
    assert item.data(0, SECONDARY_ROLE) == "None in the guest"
    text = _page_texts(dialog, item)
    assert NOT_SIMULATED not in text
    assert "no integration services" in text
    page = dialog._stack.widget(item.data(0, PAGE_ROLE))
    boxes = page.findChildren(QCheckBox)
    assert boxes and not any(b.isChecked() for b in boxes)
    assert not any(b.isEnabled() for b in boxes)  # shown, not edited here
    _vm_combo(dialog).setCurrentIndex(_vm_combo(dialog).findText("App"))
    # 2012 R2: Guest services is off by default, so Hyper-V reads "Some".
    assert item.data(0, SECONDARY_ROLE) == "Some services offered"
    assert "Operating system shutdown" in [b.text() for b in boxes]
    assert all(b.isChecked() for b in boxes if b.text() != "Guest services")
    assert not next(b for b in boxes if b.text() == "Guest services").isChecked()
    dialog.reject()


@pytest.mark.parametrize(("profile", "has", "expected"), [
    (VersionProfile.WS2008R2SP1, True, "All services offered"),
    (VersionProfile.WS2012R2, True, "Some services offered"),
    (VersionProfile.WS2016, False, "None in the guest"),
])
def test_integration_services_item_per_version(qtbot, profile, has, expected):
    # Failed before: no integration_services argument; every VM read "All".
    settings = MemorySettings(minimum_mb=512)
    dialog = SettingsDialog("VM01", settings, profile, False, integration_services=has)
    qtbot.addWidget(dialog)
    item = _tree_items(dialog)["Integration Services"]
    assert item.data(0, SECONDARY_ROLE) == expected


# -- the details pane on 2008 R2 SP1 ------------------------------------------------


def test_details_on_sp1_have_no_minimum_and_name_the_version(qtbot, make_window):
    # Failed before: "Minimum Memory:" was shown and the version read "2008R2SP1".
    win = make_window(_scenario("2008R2SP1"))
    win.select_vm("App")
    win.show_memory_details()
    pane = win.details
    qtbot.waitUntil(lambda: pane.isVisible(), timeout=WAIT_MS)
    assert pane.host_values["Version:"].text() == "Windows Server 2008 R2 SP1"
    assert not pane.memory_values["Minimum Memory:"].isVisibleTo(pane)
    assert pane.memory_values["Maximum Memory:"].isVisibleTo(pane)
    assert pane.memory_values["Maximum Memory:"].text() == "4096 MB"


def test_details_on_2012r2_keep_minimum(qtbot):
    pane = DetailsPane()
    qtbot.addWidget(pane)
    pane.show()
    host = parse_scenario(_scenario()).host
    settings = MemorySettings(dynamic_memory_enabled=True, startup_mb=1024,
                              minimum_mb=512, maximum_mb=4096)
    pane.show_host(host, 0.0, host.vm_pool_mb, float("nan"), 0, 0)
    pane.show_vm(settings, VmLive(state=VmState.RUNNING, assigned=1024), "App")
    assert pane.host_values["Version:"].text() == "Windows Server 2012 R2"
    assert pane.memory_values["Minimum Memory:"].isVisibleTo(pane)
    assert pane.memory_values["Minimum Memory:"].text() == "512 MB"
    sp1 = parse_scenario(_scenario("2008R2SP1")).host  # the host changes version
    pane.show_host(sp1, 0.0, sp1.vm_pool_mb, float("nan"), 0, 0)
    assert not pane.memory_values["Minimum Memory:"].isVisibleTo(pane)


# -- Reset replaces Restart ---------------------------------------------------------


def _records(win):
    seen = []
    original = win.event_log.add_records

    def capture(records):
        seen.extend(records)
        original(records)

    win.event_log.add_records = capture
    return seen


def test_reset_replaces_restart_and_asks_first(qtbot, make_window):
    # Failed before: the action was "Restart", a guest restart with no question.
    win = make_window(_scenario())
    step(qtbot, win, 30)
    win.select_vm("App")
    texts = [a.text().replace("&", "") for a in win.app_actions.vm_actions()]
    assert "Reset..." in texts and not any("Restart" in t for t in texts)
    reset = win.app_actions.reset_vm
    assert reset.isEnabled()
    records = _records(win)
    asked = []
    win.commands.confirm = lambda title, text: asked.append((title, text)) or False
    reset.trigger()
    assert asked and asked[0][0] == "Reset Machine"
    assert "Are you sure you want to reset" in asked[0][1] and "'App'" in asked[0][1]
    step(qtbot, win, 2)
    assert not [r for r in records if r.vm == "App"]  # declined: nothing happened
    win.commands.confirm = lambda title, text: True
    reset.trigger()
    qtbot.waitUntil(lambda: any(r.vm == "App" and r.kind == "start" for r in records),
                    timeout=WAIT_MS)
    app = [r for r in records if r.vm == "App"]
    kinds = [r.kind for r in app]
    # A hard reset: off and on again in the same second, no guest shutdown.
    assert kinds[:2] == ["turn_off", "start"] and "restart" not in kinds
    assert app[0].at_s == app[1].at_s
    step(qtbot, win, 1)
    assert win.model.live("App").state in (VmState.STARTING, VmState.RUNNING)
    assert win.model.live("App").uptime <= 2


def test_reset_while_running_is_one_second_even_at_full_speed(qtbot, make_window):
    # The two commands must not be split by a tick (the simulation is paused around
    # them): at "as fast as possible" a tick slice covers many seconds.
    from dmgui.qt.engine_worker import FASTEST
    win = make_window(_scenario())
    step(qtbot, win, 30)
    win.select_vm("App")
    records = _records(win)
    win.engine.speed_requested.emit(FASTEST)
    win.app_actions.run.trigger()
    qtbot.waitUntil(lambda: win.running, timeout=WAIT_MS)
    for _ in range(5):
        records.clear()
        win.app_actions.reset_vm.trigger()
        qtbot.waitUntil(lambda: any(r.vm == "App" and r.kind == "start" for r in records),
                        timeout=WAIT_MS)
        app = [r for r in records if r.vm == "App" and r.kind in ("turn_off", "start")]
        assert [r.kind for r in app[:2]] == ["turn_off", "start"]
        assert app[0].at_s == app[1].at_s
    qtbot.waitUntil(lambda: win.running, timeout=WAIT_MS)  # it runs on
    win.app_actions.pause.trigger()


def test_reset_is_offered_only_for_a_vm_that_runs(qtbot, make_window):
    win = make_window(_scenario())
    win.select_vm("Huge")  # Off
    assert not win.app_actions.reset_vm.isEnabled()


def test_guest_restart_stays_a_scenario_event():
    data = _scenario()
    data["events"] = [{"at_s": 60, "vm": "App", "action": "restart"}]
    sim = Simulation(parse_scenario(data))
    block = sim.advance(120)
    kinds = [r.kind for r in block.events if r.vm == "App"]
    assert "restart" in kinds and kinds.index("restart") < len(kinds) - 1


# -- the plots ------------------------------------------------------------------------


def _colour_pixels(image, colour: str, tolerance: int = 40) -> int:
    """Pixels of ``image`` within ``tolerance`` (per channel) of ``colour``."""
    ptr = image.constBits()
    arr = np.frombuffer(ptr, np.uint8).reshape(image.height(), image.bytesPerLine())
    arr = arr[:, : image.width() * 4].reshape(image.height(), image.width(), 4)
    c = QColor(colour)
    bgr = np.array([c.blue(), c.green(), c.red()])
    return int((np.abs(arr[:, :, :3].astype(int) - bgr).max(axis=2) <= tolerance).sum())


def test_buffer_target_shows_where_it_equals_assigned(qtbot):
    # Failed before: the target was painted first, under an identical assigned line.
    tab = VmTab()
    qtbot.addWidget(tab)
    tab.resize(700, 400)
    tab.show()
    qtbot.waitExposed(tab)
    t = np.arange(600.0)
    same = 1000.0 + 200.0 * np.sin(t / 60.0)
    tab.curves["assigned"].setData(t, same)
    tab.curves["target"].setData(t, same)
    tab.curves["demand"].setData(t, same / 1.2)
    tab.hint.setVisible(False)
    tab.plot.setXRange(0, 600, padding=0)
    tab.plot.setYRange(0, 1400, padding=0)
    qtbot.wait(50)
    view = tab.plot.getViewBox()
    rect = tab.graphics.mapFromScene(view.sceneBoundingRect()).boundingRect()
    image = tab.graphics.grab(rect.adjusted(2, 2, -2, -2)).toImage().convertToFormat(
        image_format())
    assert _colour_pixels(image, COLOURS["target"]) > 50
    assert _colour_pixels(image, COLOURS["assigned"]) > 50
    assert tab.curves["target"].zValue() > tab.curves["assigned"].zValue()


def image_format():
    from PySide6.QtGui import QImage
    return QImage.Format.Format_ARGB32


def _off_scenario():
    data = copy.deepcopy(SCENARIO)
    data["events"] = [{"at_s": 100, "vm": "App", "action": "turn_off"},
                      {"at_s": 200, "vm": "App", "action": "start"}]
    return parse_scenario(data)


def test_an_off_vm_is_a_gap_in_its_plot_not_zero(qtbot):
    # Failed before: an Off VM's Assigned Memory was plotted as 0 MB.
    sim = Simulation(_off_scenario())
    history = PlotHistory(3600)
    history.add(Frame.of(sim, sim.advance(300)))
    app = history.vm(history.names.index("App"))
    off = app["state"] == VmState.OFF
    assert off.any() and (~off).any()
    assert np.isnan(app["assigned"][off]).all()
    assert np.isfinite(app["assigned"][~off]).all() and (app["assigned"][~off] > 0).all()
    huge = history.vm(history.names.index("Huge"))  # never started: no line at all
    assert np.isnan(huge["assigned"]).all()
    assert history.host()["assigned"][150] == pytest.approx(  # the host total is kept
        float(np.nansum([history.vm(i)["assigned"][150] for i in range(3)])))
    tab = VmTab()
    qtbot.addWidget(tab)
    tab.selected = "App"
    tab.update_from(history)
    _, y = tab.curves["assigned"].getOriginalDataset()
    assert np.isnan(y[off]).all()
    assert tab.curves["assigned"].opts["connect"] == "finite"
    assert tab.describe(tab.plot, int(np.flatnonzero(off)[0]), 0.0).split("  ")[1] == "Off"
