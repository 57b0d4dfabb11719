"""PlotPanel: frames of a real Simulation in; curves, heat strip and read-outs out."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF

from dmgui.core.model.scenario import parse_scenario
from dmgui.core.model.states import VmState
from dmgui.core.sim.balancer import targets
from dmgui.core.sim.engine import Simulation
from dmgui.core.sim.frame import Frame
from dmgui.qt.plot_panel import HOST_TAB, OVERVIEW_TAB, VM_TAB, PlotPanel
from dmgui.qt.plots.history import MAX_POINTS, PlotHistory
from dmgui.qt.plots.overview_tab import (
    NOT_REPORTING_RGBA,
    OFF_RGBA,
    heat_rgba,
    peak_reduce,
    pressure_colour_map,
)
from dmgui.qt.plots.style import TimeAxisItem, format_clock

pytestmark = [
    # The offscreen platform plugin warns about every top-level window; it is not ours.
    pytest.mark.qt_log_ignore(
        r"This plugin does not support propagateSizeHints\(\)", extend=True
    ),
    pytest.mark.qt_log_level_fail("WARNING"),
]



# -- scenarios and frames ------------------------------------------------------------


def dm(startup=1024, minimum=512, maximum=4096, buffer=20, weight=5000) -> dict:
    return {
        "dynamic_memory_enabled": True,
        "startup_mb": startup,
        "minimum_mb": minimum,
        "maximum_mb": maximum,
        "buffer_percent": buffer,
        "weight": weight,
    }


def diurnal(base, peak, start_hour=8.0) -> dict:
    return {
        "kind": "diurnal",
        "base_mb": base,
        "peak_mb": peak,
        "start_hour": start_hour,
        "ramp_minutes": 30,
        "day_offset_s": 27600,
    }  # t = 0 is 07:40


def small_scenario():
    """A DM VM, a static VM and a DM VM that never starts."""
    return parse_scenario(
        {
            "schema_version": 1,
            "host": {"memory_mb": 8192, "reserve_mb": 0, "vm_overhead_mb": 0},
            "vms": [
                {
                    "name": "WEB01",
                    "autostart": True,
                    "memory": dm(),
                    "workload": diurnal(600, 1500),
                },
                {
                    "name": "SQL01",
                    "autostart": True,
                    "memory": {"dynamic_memory_enabled": False, "startup_mb": 2048},
                    "workload": {"kind": "constant", "mb": 1500},
                },
                {"name": "SPARE", "autostart": False, "memory": dm()},
            ],
        }
    )


def big_scenario(n=64):
    """64 VMs on a host a bit small at peak: a few off, static and squeezed VMs."""
    vms = []
    for i in range(n):
        work = diurnal(300 + 5 * i, 700 + 12 * i, 8.0 + (i % 5) * 0.1)
        if i % 16 == 5:
            vms.append(
                {
                    "name": f"SQL{i:02d}",
                    "autostart": True,
                    "memory": {"dynamic_memory_enabled": False, "startup_mb": 2048},
                    "workload": {"kind": "constant", "mb": 1500},
                }
            )
        elif i % 16 == 9:
            vms.append({"name": f"TEST{i:02d}", "memory": dm()})
        elif i % 16 == 13:  # heavy and low weight: squeezed past 100 % pressure
            work.update(base_mb=800, peak_mb=3000)
            vms.append(
                {
                    "name": f"BATCH{i:02d}",
                    "autostart": True,
                    "memory": dm(weight=1000),
                    "workload": work,
                }
            )
        else:
            vms.append(
                {
                    "name": f"WEB{i:02d}",
                    "autostart": True,
                    "memory": dm(weight=5000 + 100 * (i % 7)),
                    "workload": work,
                }
            )
    events = [
        {"at_s": 600, "vm": "WEB03", "action": "turn_off"},
        {"at_s": 1200, "vm": "TEST09", "action": "start"},
        {"at_s": 1500, "vm": "WEB03", "action": "start"},
    ]
    return parse_scenario(
        {
            "schema_version": 1,
            "host": {"memory_mb": 66 * 1024, "vm_overhead_mb": 32},
            "vms": vms,
            "events": events,
            "seed": 1,
        }
    )


def frame_of(sim: Simulation, block, generation: int = 0) -> Frame:
    return Frame(
        block=block,
        names=tuple(sim.names),
        settings=tuple(sim.vms.settings),
        boot_time=sim.vms.boot_time.copy(),
        sim_time=sim.time,
        generation=generation,
    )


def stream(sim: Simulation, seconds: int, per_frame: int, generation: int = 0):
    """Frames of ``per_frame`` ticks covering ``seconds`` more simulated seconds."""
    for _ in range(seconds // per_frame):
        yield frame_of(sim, sim.advance(per_frame), generation)


@pytest.fixture
def make_panel(qtbot):
    def _make(**kwargs) -> PlotPanel:
        panel = PlotPanel(**kwargs)
        qtbot.addWidget(panel)
        panel.resize(1100, 650)
        panel.show()
        qtbot.waitExposed(panel)
        return panel

    return _make


def curve_data(curve) -> tuple[np.ndarray, np.ndarray]:
    x, y = curve.getOriginalDataset()
    return (np.empty(0), np.empty(0)) if x is None else (x, y)


def show_tab(panel: PlotPanel, index: int) -> None:
    panel._tabs.setCurrentIndex(index)  # redraws the tab when it is stale


# -- the Virtual machine tab ---------------------------------------------------------


def test_empty_panel_shows_axes_and_a_hint(make_panel):
    panel = make_panel()
    tab = panel._vm_tab
    assert panel.redraw_count == 1  # the empty state was drawn once
    assert tab.hint.isVisible()
    assert all(curve_data(c)[0].size == 0 for c in tab.curves.values())
    panel.set_selected_vm("WEB01")
    panel.redraw()
    assert tab.hint.toPlainText() == "No data yet — press Run"


def test_selected_vm_curves_hold_ten_minutes(make_panel):
    sim = Simulation(small_scenario())
    block = sim.advance(600)
    panel = make_panel()
    panel.set_selected_vm("WEB01")
    panel.add_frame(frame_of(sim, block))
    panel.redraw()
    tab = panel._vm_tab
    x, assigned = curve_data(tab.curves["assigned"])
    _, demand = curve_data(tab.curves["demand"])
    _, target = curve_data(tab.curves["target"])
    assert x.size == 600 and x[-1] == 599
    assert assigned[-1] == block.assigned[-1, 0]
    assert demand[-1] == pytest.approx(block.demand[-1, 0], rel=1e-6)
    expected = targets(block.demand[-1, 0], 1.2, 512, 4096)[1]
    assert target[-1] == pytest.approx(expected)
    assert np.isnan(demand[0])  # not reported while the guest boots
    assert tab.levels["minimum"].value() == 512 and tab.levels["minimum"].isVisible()
    assert tab.levels["maximum"].value() == 4096
    assert not tab.levels["startup"].isVisible()
    assert "WEB01" in tab.plot.titleLabel.text
    assert not tab.hint.isVisible()


def test_static_vm_shows_startup_only_and_no_target(make_panel):
    sim = Simulation(small_scenario())
    panel = make_panel()
    panel.set_selected_vm("SQL01")
    panel.add_frame(frame_of(sim, sim.advance(120)))
    panel.redraw()
    tab = panel._vm_tab
    assert tab.levels["startup"].isVisible() and tab.levels["startup"].value() == 2048
    assert (
        not tab.levels["minimum"].isVisible() and not tab.levels["maximum"].isVisible()
    )
    assert np.isnan(curve_data(tab.curves["target"])[1]).all()
    assert curve_data(tab.curves["assigned"])[1][-1] == 2048


def test_unknown_or_no_selection_shows_the_hint(make_panel):
    sim = Simulation(small_scenario())
    panel = make_panel()
    panel.add_frame(frame_of(sim, sim.advance(60)))
    panel.set_selected_vm("NOPE")
    panel.redraw()
    assert panel._vm_tab.hint.isVisible()
    assert curve_data(panel._vm_tab.curves["assigned"])[0].size == 0


def test_hover_reads_out_the_values_at_that_time(make_panel):
    sim = Simulation(small_scenario())
    block = sim.advance(600)
    panel = make_panel()
    panel.set_selected_vm("WEB01")
    panel.add_frame(frame_of(sim, block))
    panel.redraw()
    tab = panel._vm_tab
    pos = tab.plot.getViewBox().mapViewToScene(QPointF(300.2, 500.0))
    tab.graphics.scene().sigMouseMoved.emit(pos)
    text = tab.readout.text()
    assert text.startswith("t=0:05:00")
    assert f"assigned {block.assigned[300, 0]:.0f} MB" in text
    assert f"demand {block.demand[300, 0]:.0f} MB" in text
    assert "pressure" in text and "target" in text


# -- rolling window, clearing, resets ------------------------------------------------


def test_window_change_trims_and_the_x_range_follows(make_panel):
    sim = Simulation(small_scenario())
    panel = make_panel()
    panel.set_selected_vm("WEB01")
    panel.add_frame(frame_of(sim, sim.advance(900)))
    panel.set_window(300)
    panel.redraw()
    x, _ = curve_data(panel._vm_tab.curves["assigned"])
    assert x[0] == 599 and x[-1] == 899  # 300 s back from the newest second
    x0, x1 = panel._vm_tab.plot.getViewBox().viewRange()[0]
    assert (x0, x1) == pytest.approx((599, 899))
    panel.set_window(3600)  # widening shows the kept history again
    panel.redraw()
    assert curve_data(panel._vm_tab.curves["assigned"])[0].size == 900


def test_long_window_keeps_every_kth_second(make_panel):
    sim = Simulation(small_scenario())
    panel = make_panel(window_s=3 * 3600)
    panel.set_selected_vm("WEB01")
    for frame in stream(sim, 4 * 3600, 3600):
        panel.add_frame(frame)
    panel.redraw()
    x, _ = curve_data(panel._vm_tab.curves["assigned"])
    assert np.all(np.diff(x) == 3) and x.size <= MAX_POINTS + 1
    assert x[-1] - x[0] <= 3 * 3600


def test_clear_empties_every_tab(make_panel):
    sim = Simulation(small_scenario())
    panel = make_panel()
    panel.set_selected_vm("WEB01")
    panel.add_frame(frame_of(sim, sim.advance(300)))
    panel.redraw()
    panel.clear()
    panel.redraw()
    assert curve_data(panel._vm_tab.curves["assigned"])[0].size == 0
    assert panel._vm_tab.hint.isVisible()
    show_tab(panel, HOST_TAB)
    assert curve_data(panel._host_tab.curves["assigned"])[0].size == 0


def test_new_generation_keeps_nothing_old(make_panel):
    old = Simulation(small_scenario())
    panel = make_panel()
    panel.set_selected_vm("WEB01")
    panel.add_frame(frame_of(old, old.advance(600), generation=0))
    new = Simulation(small_scenario())
    block = new.advance(60)
    panel.add_frame(frame_of(new, block, generation=1))
    panel.redraw()
    x, assigned = curve_data(panel._vm_tab.curves["assigned"])
    assert x.tolist() == list(range(60))
    assert assigned[-1] == block.assigned[-1, 0]


def test_an_empty_first_frame_sets_names_and_shows_no_data(make_panel):
    sim = Simulation(small_scenario())
    panel = make_panel()
    panel.set_selected_vm("WEB01")
    panel.add_frame(frame_of(sim, sim.advance_empty(), generation=3))
    panel.redraw()
    assert panel._vm_tab.hint.toPlainText() == "No data yet — press Run"
    assert "WEB01" in panel._vm_tab.plot.titleLabel.text
    show_tab(panel, OVERVIEW_TAB)
    assert panel._overview_tab.names == ("WEB01", "SQL01", "SPARE")


def test_changed_names_keep_the_history_of_vms_that_remain():
    """VMs added or deleted while running (same generation): columns re-map by name."""
    sim = Simulation(small_scenario())
    history = PlotHistory()
    history.add(frame_of(sim, sim.advance(100)))
    web_before = history.vm(history.names.index("WEB01"))["assigned"].copy()
    block = sim.advance(10)
    renamed = Frame(
        block=block,
        names=("SQL01", "WEB01", "NEW"),
        settings=tuple(sim.vms.settings),
        boot_time=sim.vms.boot_time.copy(),
        sim_time=sim.time,
    )
    history.add(renamed)
    assert len(history) == 110 and history.names == ("SQL01", "WEB01", "NEW")
    web = history.vm(1)["assigned"]
    np.testing.assert_array_equal(web[:100], web_before)
    assert np.all(np.isnan(history.vm(2)["assigned"][:100]))  # no history for NEW


def test_a_new_generation_resets_the_history():
    sim = Simulation(small_scenario())
    history = PlotHistory()
    history.add(frame_of(sim, sim.advance(100)))
    block = sim.advance(10)
    history.add(Frame(block=block, names=tuple(sim.names),
                      settings=tuple(sim.vms.settings),
                      boot_time=sim.vms.boot_time.copy(), sim_time=sim.time,
                      generation=1))
    assert len(history) == 10


def test_widening_window_rethins_the_kept_rows():
    sim = Simulation(small_scenario())
    history = PlotHistory(window_s=3600)
    history.add(frame_of(sim, sim.advance(3000)))
    history.set_window(2 * 3600)
    times = history.times()
    assert np.all(times % 2 == 0) and np.all(np.diff(times) == 2)


# -- redraw scheduling ---------------------------------------------------------------


def test_add_frame_never_draws_and_redraw_only_when_dirty(make_panel):
    sim = Simulation(small_scenario())
    panel = make_panel(redraw_hz=0.01)  # keep the timer out of the way
    count = panel.redraw_count
    panel.add_frame(frame_of(sim, sim.advance(60)))
    assert panel.redraw_count == count and panel.dirty
    panel.redraw()
    assert panel.redraw_count == count + 1 and not panel.dirty
    panel.redraw()
    panel.redraw()
    assert panel.redraw_count == count + 1


def test_the_timer_redraws_new_data(make_panel, qtbot):
    sim = Simulation(small_scenario())
    panel = make_panel(redraw_hz=50)
    count = panel.redraw_count
    panel.add_frame(frame_of(sim, sim.advance(60)))
    qtbot.waitUntil(lambda: panel.redraw_count == count + 1, timeout=1000)


def test_curves_are_updated_in_place(make_panel):
    sim = Simulation(small_scenario())
    panel = make_panel()
    panel.set_selected_vm("WEB01")
    items = list(panel._vm_tab.plot.listDataItems())
    for frame in stream(sim, 600, 60):
        panel.add_frame(frame)
        panel.redraw()
    assert list(panel._vm_tab.plot.listDataItems()) == items


# -- host and overview tabs ----------------------------------------------------------


def test_host_tab_stacks_assigned_and_available(make_panel):
    sim = Simulation(small_scenario())
    block = sim.advance(600)
    panel = make_panel()
    panel.add_frame(frame_of(sim, block))
    show_tab(panel, HOST_TAB)
    tab = panel._host_tab
    _, total = curve_data(tab.curves["assigned"])
    _, pool = curve_data(tab.curves["pool"])
    assert total[-1] == block.assigned[-1].sum()
    assert pool[-1] == block.assigned[-1].sum() + block.available[-1]
    pos = tab.memory.getViewBox().mapViewToScene(QPointF(599, 1000))
    tab.hover_at(pos)
    assert tab.readout.text().startswith("t=0:09:59")
    assert "available" in tab.readout.text()


def test_heat_strip_has_one_row_per_vm(make_panel):
    sim = Simulation(small_scenario())
    block = sim.advance(600)
    panel = make_panel()
    panel.add_frame(frame_of(sim, block))
    show_tab(panel, OVERVIEW_TAB)
    tab = panel._overview_tab
    image = tab.image.image
    assert image.shape[:2] == (3, 600)
    assert tuple(image[2, -1]) == OFF_RGBA  # SPARE never started
    assert tuple(image[1, -1]) == NOT_REPORTING_RGBA  # static memory reports nothing
    assert image[0, -1, 3] == 255  # WEB01 reports: an opaque colour
    pos = tab.plot.getViewBox().mapViewToScene(QPointF(500, 0.5))
    tab.hover_at(pos)
    assert tab.readout.text() == (
        f"t=0:08:20  WEB01  pressure {block.pressure[500, 0]:.0f} %"
    )


def test_heat_columns_keep_the_peak_and_align_to_absolute_time():
    times = np.arange(2, 102)  # 100 rows, 1 s apart, not starting on a column edge
    values = np.full((100, 2), 50.0, np.float32)
    values[35, 1] = 130.0  # a one-second spike at t = 37
    values[:10, 0] = np.nan  # not reporting at first
    out = peak_reduce(values, times, 1, 4, np.nan)
    assert out.shape == (26, 2)  # columns [0, 4), [4, 8), … [100, 104)
    assert out[37 // 4, 1] == 130.0 and np.nanmax(np.delete(out[:, 1], 9)) == 50.0
    assert np.isnan(out[0, 0]) and out[3, 0] == 50.0
    uneven = np.array([0, 1, 2, 4, 6, 8])  # after a window change: falls back
    got = peak_reduce(np.arange(6.0).reshape(6, 1), uneven, 1, 4, np.nan)
    assert got.ravel().tolist() == [2.0, 4.0, 5.0]


def test_heat_colours_mark_off_and_not_reporting_cells():
    lut = pressure_colour_map().getLookupTable(0.0, 1.0, 151, alpha=True)
    pressure = np.array([[0.0, 100.0, 400.0, np.nan, np.nan]], np.float32)
    state = np.array([[2, 2, 2, 2, 0]], np.int8)
    rgba = heat_rgba(pressure, state, lut)
    assert rgba.shape == (1, 5, 4) and rgba.dtype == np.uint8
    assert tuple(rgba[0, 0]) == tuple(lut[0]) and tuple(rgba[0, 1]) == tuple(lut[100])
    assert tuple(rgba[0, 2]) == tuple(lut[150])  # clipped to the hottest colour
    assert tuple(rgba[0, 3]) == NOT_REPORTING_RGBA
    assert tuple(rgba[0, 4]) == OFF_RGBA


def test_time_axis_reads_hours_minutes_seconds():
    assert format_clock(0) == "0:00:00"
    assert format_clock(3723) == "1:02:03"
    assert format_clock(90000) == "1.01:00:00"  # as the Uptime column shows a day
    axis = TimeAxisItem()
    assert axis.tickStrings([0, 1800, 5400], 1, 1800) == [
        "0:00:00",
        "0:30:00",
        "1:30:00",
    ]
    spacing = axis.tickSpacing(0, 3600, 1000)
    assert spacing[0][0] in (300, 600, 900)  # a round clock step, not 500 s


# -- 64 VMs: screenshots and speed ---------------------------------------------------


@pytest.fixture(scope="module")
def big_frames():
    """40 simulated minutes of 64 VMs in 60-tick frames."""
    sim = Simulation(big_scenario())
    return list(stream(sim, 40 * 60, 60))


def test_sixty_four_vm_stream_draws_and_screenshots(make_panel, big_frames, qtbot,
                                                   tmp_path):
    panel = make_panel()
    panel.set_selected_vm("BATCH13")
    for i, frame in enumerate(big_frames):
        panel.add_frame(frame)
        show_tab(panel, i % 3)
        panel.redraw()
    for index, name in ((VM_TAB, "vm"), (HOST_TAB, "host"), (OVERVIEW_TAB, "overview")):
        show_tab(panel, index)
        qtbot.wait(20)  # let the graphics layout apply new axis widths
        assert panel.grab().save(str(tmp_path / f"plots-{name}.png"))
    image = panel._overview_tab.image.image
    assert image.shape[0] == 64
    states = big_frames[-1].block.state[-1]
    assert (states == VmState.OFF).any()  # the scenario really has off VMs
