"""The VM tab's dotted "measured" line (issue 10): an imported VM's Assigned Memory as
the real host logged it, next to the simulated one, set once per VM or scenario."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication

# tests/qt is on sys.path (pytest's rootdir-relative import of test modules).
from test_main_window import SCENARIO, open_window, step

from dmgui.core.model.scenario import Measured, parse_scenario
from dmgui.core.sim.engine import Simulation
from dmgui.core.sim.frame import Frame
from dmgui.qt.plot_panel import PlotPanel
from dmgui.qt.plots.measured import NAME, measured_arrays

pytestmark = pytest.mark.qt_log_ignore(
    r"This plugin does not support propagateSizeHints\(\)", extend=True)

#: Every 15 s for an hour, 1000 MB rising to 1354 MB, then 2600 MB for the last minute.
POINTS = [[15.0 * i, 1000.0 + i] for i in range(236)] + [[3540.0 + 15 * i, 2600.0]
                                                          for i in range(5)]
SOURCE = "HV01-perfmon.csv"


def measured_scenario() -> dict:
    """test_main_window's lab with "App" measured on a real host."""
    data = copy.deepcopy(SCENARIO)
    data["vms"][0]["measured"] = {"source": SOURCE, "assigned": POINTS}
    return data


def measured_curve(panel: PlotPanel):
    curves = [c for c in panel._vm_tab.plot.listDataItems() if c.name() == NAME]
    assert len(curves) == 1
    return curves[0]


def curve_data(curve) -> tuple[np.ndarray, np.ndarray]:
    x, y = curve.getOriginalDataset()
    return (np.empty(0), np.empty(0)) if x is None else (x, y)


def legend_labels(panel: PlotPanel) -> list[str]:
    return [label.text for _, label in panel._vm_tab.measured.legend.items]


def assert_shows_measured(panel: PlotPanel) -> None:
    x, y = curve_data(measured_curve(panel))
    np.testing.assert_array_equal(np.column_stack([x, y]), np.array(POINTS))
    assert legend_labels(panel)[-1] == f"Measured ({SOURCE})"


def assert_shows_none(panel: PlotPanel) -> None:
    assert curve_data(measured_curve(panel))[0].size == 0
    assert legend_labels(panel) == ["Assigned Memory", "Memory Demand",
                                    "Buffer target (demand + buffer)"]
    assert not panel._vm_tab.measured.ahead.isVisible()


def frame_of(sim: Simulation, seconds: int) -> Frame:
    block = sim.advance(seconds)
    return Frame(block=block, names=tuple(sim.names), settings=tuple(sim.vms.settings),
                 boot_time=sim.vms.boot_time.copy(), sim_time=sim.time)


@pytest.fixture
def panel(qtbot) -> PlotPanel:
    """A shown plot panel on the measured lab after ten simulated minutes."""
    scenario = parse_scenario(measured_scenario())
    panel = PlotPanel()
    qtbot.addWidget(panel)
    panel.resize(1100, 650)
    panel.show()
    qtbot.waitExposed(panel)
    panel.set_scenario(scenario)
    panel.sim = Simulation(scenario)
    panel.add_frame(frame_of(panel.sim, 600))
    return panel


# -- the plot panel ------------------------------------------------------------------


def test_the_measured_vm_shows_the_dotted_measured_curve(panel):
    panel.set_selected_vm("App")
    panel.redraw()
    assert_shows_measured(panel)
    curve = measured_curve(panel)
    assert curve.opts["pen"].style() == Qt.PenStyle.DotLine
    assert curve.opts["pen"].color().name() != panel._vm_tab.curves["assigned"].opts[
        "pen"].color().name()
    assert curve.isVisible()
    # One row of four legend entries.
    assert panel._vm_tab.measured.legend.columnCount == 4


def test_another_vm_shows_none_and_switching_back_shows_it_again(panel):
    panel.set_selected_vm("Db")
    panel.redraw()
    assert_shows_none(panel)
    panel.set_selected_vm("App")
    panel.redraw()
    assert_shows_measured(panel)
    panel.set_selected_vm("Db")
    panel.redraw()
    assert_shows_none(panel)
    assert panel._vm_tab.measured.legend.columnCount == 3
    panel.set_selected_vm(None)
    panel.redraw()
    assert_shows_none(panel)


def test_the_static_series_is_set_once_not_per_frame(panel, monkeypatch):
    panel.set_selected_vm("App")
    panel.redraw()
    calls = []
    curve = measured_curve(panel)
    monkeypatch.setattr(curve, "setData", lambda *a, **k: calls.append(a))
    for _ in range(5):
        panel.add_frame(frame_of(panel.sim, 60))
        panel.redraw()
    assert calls == []


def test_the_part_ahead_of_the_simulated_time_is_dimmed(panel):
    panel.set_selected_vm("App")
    panel.redraw()
    band = panel._vm_tab.measured.ahead
    assert band.isVisible()
    assert band.getRegion() == pytest.approx((599.0, POINTS[-1][0]))
    panel.add_frame(frame_of(panel.sim, 3600))  # past the series' end
    panel.redraw()
    assert not band.isVisible()


def test_hover_reads_out_the_measured_value(panel):
    panel.set_selected_vm("App")
    panel.redraw()
    tab = panel._vm_tab
    pos = tab.plot.getViewBox().mapViewToScene(QPointF(300.2, 500.0))
    tab.graphics.scene().sigMouseMoved.emit(pos)
    assert "measured 1020 MB" in tab.readout.text()  # t=300: point 20


def test_the_y_range_reaches_a_measured_peak_in_view(panel):
    panel.set_selected_vm("App")
    panel.add_frame(frame_of(panel.sim, 3000))  # 3600 s: the 2600 MB minute in view
    panel.redraw()
    top = panel._vm_tab.plot.getViewBox().viewRange()[1][1]
    assert top >= 2600


def test_a_long_gap_breaks_the_line_and_reads_nothing():
    measured = Measured(source="x.csv", assigned=[(0, 100), (15, 110), (30, 120),
                                                  (300, 200), (315, 210)])
    t, mb = measured_arrays(measured)
    np.testing.assert_array_equal(t, [0, 15, 30, 30, 300, 315])
    assert np.isnan(mb[3]) and np.isfinite(np.delete(mb, 3)).all()


def test_a_scenario_without_measured_changes_nothing(qtbot):
    panel = PlotPanel()
    qtbot.addWidget(panel)
    panel.set_scenario(parse_scenario(SCENARIO))
    sim = Simulation(parse_scenario(SCENARIO))
    panel.add_frame(frame_of(sim, 120))
    panel.set_selected_vm("App")
    panel.redraw()
    assert_shows_none(panel)
    assert math.isnan(panel._vm_tab.measured.value_at(60.0))


# -- the main window: Reset, edits, Open ----------------------------------------------


def test_the_main_window_keeps_it_through_reset_edits_and_open(qtbot, tmp_path):
    win = open_window(qtbot, tmp_path / "measured.json", measured_scenario())
    try:
        win.select_vm("App")
        step(qtbot, win, 300)
        win.plots.redraw()
        assert_shows_measured(win.plots)
        win.commands.reset()
        qtbot.waitUntil(lambda: win.last_frame.sim_time == 0, timeout=10_000)
        win.plots.redraw()
        assert_shows_measured(win.plots)
        # A scenario edit: the edited scenario's series is drawn (set once again).
        ok = win.commands._reconfigure(lambda d: d.update_vm("App", autostart=False))
        assert ok, win.commands.last_message.informativeText()
        win.plots.redraw()
        assert_shows_measured(win.plots)
        assert win.plots._vm_tab.measured.source is win.document.vm("App").measured
        win.select_vm("Db")
        win.plots.redraw()
        assert_shows_none(win.plots)
        # Open a scenario without measured series.
        plain = tmp_path / "plain.json"
        plain.write_text(parse_scenario(SCENARIO).model_dump_json())
        assert win.commands.open_scenario(str(plain))
        win.select_vm("App")
        win.plots.redraw()
        assert_shows_none(win.plots)
    finally:
        win.engine.shutdown()
        QApplication.processEvents()
