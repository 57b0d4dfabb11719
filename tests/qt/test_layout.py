"""The main window's layout and the VM list's sorting (issue 8 §2.2).

At the default size (1280×860) the VM list is the main view and shows ten full rows
of the default scenario; the plots are one action away (the "Plots" tab of the
details area, View → Plots, Ctrl+2). Sorted by a live column, rows keep their places
between frames and re-sort only by the rule of
:class:`dmgui.qt.vm_sort_proxy.VmSortProxy`; the selection stays on the VM, not on the
row.
"""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QApplication

# tests/ is not a package: pytest puts this folder on sys.path.
from test_main_window import open_window, step

from dmgui.core.resources import default_scenario_path

ASSIGNED, DEMAND = 2, 3


def _dm():
    return {"dynamic_memory_enabled": True, "startup_mb": 1024, "minimum_mb": 512,
            "maximum_mb": 4096, "buffer_percent": 20, "weight": 5000}


# Demands that cross: sorted by Assigned Memory, Falling leads at first, Rising later.
CROSSING = {
    "schema_version": 1, "name": "Crossing demands",
    "host": {"name": "HV01", "memory_mb": 16384, "reserve_mb": 0, "vm_overhead_mb": 0,
             "version": "2012R2"},
    "vms": [
        {"name": "Rising", "autostart": True, "memory": _dm(), "boot_delay_s": 5,
         "workload": {"kind": "trace", "points": [[0, 400], [1500, 2400]]}},
        {"name": "Steady", "autostart": True, "memory": _dm(), "boot_delay_s": 5,
         "workload": {"kind": "constant", "mb": 1400}},
        {"name": "Falling", "autostart": True, "memory": _dm(), "boot_delay_s": 5,
         "workload": {"kind": "trace", "points": [[0, 2400], [1500, 400]]}},
        {"name": "Spare", "autostart": False, "memory": _dm(),
         "workload": {"kind": "constant", "mb": 500}},
    ],
}


@pytest.fixture(autouse=True)
def _no_remembered_layout():
    """Start from the first-run layout and leave none behind.

    Qt reads XDG_CONFIG_HOME once per process, so conftest's per-test folder does not
    separate QSettings between tests: a window another test closed may have stored
    its size, and the remembering test here stores a layout.
    """
    QSettings().clear()
    yield
    QSettings().clear()


@pytest.fixture
def home(qtbot, tmp_path):
    """A window on the default scenario (10 VMs), at its first-run layout."""
    data = json.loads(default_scenario_path().read_text())
    win = open_window(qtbot, tmp_path / "home.json", data)
    yield win
    win.engine.shutdown()


@pytest.fixture
def crossing(qtbot, tmp_path):
    win = open_window(qtbot, tmp_path / "crossing.json", CROSSING)
    yield win
    win.engine.shutdown()


def view_order(win):
    """VM names top to bottom, as the list shows them."""
    return [win.proxy.index(r, 0).data() for r in range(win.proxy.rowCount())]


def shown_mb(win, column):
    """The column's values top to bottom (Off: -1)."""
    cells = [win.proxy.index(r, column).data() for r in range(win.proxy.rowCount())]
    return [int(c.split()[0]) if c else -1 for c in cells]


def selected_view_row(win):
    rows = win.table.selectionModel().selectedRows()
    return rows[0].row() if rows else -1


def park_pointer_away(qtbot, win):
    """Put the mouse pointer outside the list's rows (on the toolbar)."""
    QCursor.setPos(win.toolbar.mapToGlobal(QPoint(5, 5)))
    qtbot.waitUntil(lambda: not win.table.viewport().underMouse(), timeout=2000)


def pointer_over_rows(qtbot, win):
    """Put the pointer on the list's first row; skip if the platform cannot."""
    viewport = win.table.viewport()
    target = viewport.mapToGlobal(QPoint(20, 5))
    QCursor.setPos(target)
    qtbot.wait(20)
    if QCursor.pos() != target or not viewport.underMouse():
        pytest.skip("this Qt platform does not move the pointer")


# -- layout ----------------------------------------------------------------------


def test_default_size_shows_ten_full_rows_of_the_default_scenario(qtbot, home):
    assert (home.width(), home.height()) == (1280, 860)
    assert home.model.rowCount() == 10
    qtbot.wait(50)  # let the layout settle
    viewport = home.table.viewport()
    assert viewport.height() >= 10 * home.table.rowHeight(0)
    for row in range(10):
        rect = home.table.visualRect(home.proxy.index(row, 0))
        assert rect.top() >= 0 and rect.bottom() < viewport.height(), (row, rect)
    assert not home.table.verticalScrollBar().isVisible()
    # ... and the plots are on screen with it, at a useful size.
    assert home.plots.isVisible()
    assert home.plots.height() >= 300


def test_plots_are_one_action_away(qtbot, home):
    home.show_memory_details()
    assert not home.plots.isVisible() and home.details.isVisible()
    plots_item = next(a for a in home.view_actions if a.text() == "&Plots")
    plots_item.trigger()  # View → Plots
    assert home.plots.isVisible() and plots_item.isChecked()
    qtbot.waitUntil(lambda: not home.plots.dirty, timeout=2000)  # drawn once shown
    home.show_memory_details()
    home.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is home, timeout=2000)
    home.table.setFocus()
    qtbot.keyClick(home.table, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert home.plots.isVisible()  # the shortcut, with the keyboard in the list
    qtbot.keyClick(home.table, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert home.details.isVisible() and not home.plots.isVisible()


def test_a_hidden_plot_panel_does_not_draw(qtbot, home):
    home.show_memory_details()
    count = home.plots.redraw_count
    step(qtbot, home, 120)
    qtbot.wait(150)  # several redraw-timer periods
    assert home.plots.redraw_count == count and home.plots.dirty
    home.show_plots()
    assert not home.plots.dirty and home.plots.redraw_count == count + 1


def test_layout_is_remembered_and_default_layout_restores_it(qtbot, tmp_path, crossing):
    # A size that fits the offscreen screen (800×800): Qt shrinks a restored window
    # to its screen, and the splitter with it.
    crossing.resize(790, 720)
    crossing.show_memory_details()
    qtbot.wait(20)
    crossing.center_splitter.setSizes([330, 300])
    qtbot.wait(20)
    sizes = crossing.center_splitter.sizes()
    crossing.close()  # saves the layout in QSettings
    again = open_window(qtbot, tmp_path / "again.json", CROSSING)
    try:
        assert (again.width(), again.height()) == (790, 720)
        assert again.details_tabs.currentIndex() == 0  # Memory
        assert not again.plots.isVisible()
        assert again.center_splitter.sizes() == sizes
        again.default_layout()  # what a screenshot run shows
        qtbot.wait(20)
        assert (again.width(), again.height()) == (1280, 860)
        assert again.plots.isVisible()
        assert again.table.viewport().height() >= 10 * again.table.rowHeight(0)
    finally:
        again.engine.shutdown()


# -- sorting by a live column ----------------------------------------------------------


def test_rows_keep_their_places_between_frames_until_the_re_sort(qtbot, crossing):
    win, proxy = crossing, crossing.proxy
    park_pointer_away(qtbot, win)
    step(qtbot, win, 120)
    win.table.sortByColumn(ASSIGNED, Qt.SortOrder.DescendingOrder)
    assert view_order(win)[:3] == ["Falling", "Steady", "Rising"]
    win.select_vm("Rising")
    proxy.interval_ms = 3_600_000  # no timed re-sort within the test
    start = view_order(win)
    for _ in range(14):  # 23 simulated minutes, frame by frame: the demands cross
        step(qtbot, win, 100)
        assert view_order(win) == start  # no row moved under the mouse
        assert win.selected_vm() == "Rising"
    values = shown_mb(win, ASSIGNED)
    assert values != sorted(values, reverse=True)  # the values did move
    assert proxy.resort_pending
    row_before = selected_view_row(win)
    # The rule's re-sort (every 5 s of wall time, pointer away): sorted, VM kept.
    assert proxy.resort_if_due()
    values = shown_mb(win, ASSIGNED)
    assert values == sorted(values, reverse=True)
    assert view_order(win)[0] == "Rising"
    assert win.selected_vm() == "Rising" and selected_view_row(win) != row_before
    assert not proxy.resort_if_due()  # nothing changed since


def test_the_timed_re_sort_is_slow(qtbot, crossing):
    win, proxy = crossing, crossing.proxy
    park_pointer_away(qtbot, win)
    win.table.sortByColumn(ASSIGNED, Qt.SortOrder.DescendingOrder)
    assert proxy.interval_ms >= 2000  # not every frame: at most every few seconds
    proxy.interval_ms = 200
    step(qtbot, win, 1500)
    qtbot.waitUntil(lambda: proxy.resort_count >= 1, timeout=5000)
    values = shown_mb(win, ASSIGNED)
    assert values == sorted(values, reverse=True)


def test_no_re_sort_while_the_pointer_is_over_the_rows(qtbot, crossing):
    win, proxy = crossing, crossing.proxy
    step(qtbot, win, 120)
    win.table.sortByColumn(ASSIGNED, Qt.SortOrder.DescendingOrder)
    start = view_order(win)
    pointer_over_rows(qtbot, win)
    step(qtbot, win, 1400)
    assert proxy.resort_pending and proxy.pointer_holds_rows()
    assert not proxy.resort_if_due() and view_order(win) == start
    park_pointer_away(qtbot, win)
    assert proxy.resort_if_due() and view_order(win) != start


def test_a_header_click_sorts_at_once(qtbot, crossing):
    win = crossing
    step(qtbot, win, 120)
    win.table.sortByColumn(ASSIGNED, Qt.SortOrder.DescendingOrder)
    win.proxy.interval_ms = 3_600_000
    step(qtbot, win, 1400)
    header = win.table.horizontalHeader()
    x = header.sectionViewportPosition(DEMAND) + header.sectionSize(DEMAND) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    assert win.proxy.sortColumn() == DEMAND
    values = shown_mb(win, DEMAND)
    assert values in (sorted(values), sorted(values, reverse=True))


# -- the selection follows the VM ----------------------------------------------------


def test_selection_follows_the_vm_across_edits_deletes_adds_and_files(qtbot, tmp_path,
                                                                       crossing):
    win = crossing
    step(qtbot, win, 120)
    win.table.sortByColumn(ASSIGNED, Qt.SortOrder.DescendingOrder)
    win.proxy.interval_ms = 3_600_000
    step(qtbot, win, 1400)  # the shown order is now stale
    win.select_vm("Steady")
    doc = win.document
    # An edited host: the same VMs, nothing moves.
    host = doc.scenario.host.model_copy(update={"name": "HV02"})
    assert win.commands._reconfigure(lambda d: d.set_host(host))
    assert win.selected_vm() == "Steady"
    # A VM added: still the same VM.
    extra = doc.vm("Spare").model_copy(update={"name": "Extra"})
    assert win.commands._reconfigure(lambda d: d.add_vm(extra))
    assert win.selected_vm() == "Steady"
    values = shown_mb(win, ASSIGNED)
    assert values == sorted(values, reverse=True)  # a structural change sorts at once
    # The selected VM deleted: the VM now in its place is selected.
    win.select_vm("Spare")
    row = selected_view_row(win)
    win.commands.delete_vm()
    assert "Spare" not in view_order(win)
    assert win.selected_vm() == view_order(win)[min(row, len(view_order(win)) - 1)]
    # Another file with the same VM: the VM stays selected.
    win.select_vm("Steady")
    other = tmp_path / "other.json"
    other.write_text(json.dumps(CROSSING))
    assert win.commands.open_scenario(str(other))
    assert win.selected_vm() == "Steady"


def test_a_live_re_sort_keeps_several_selected_vms_and_the_current_one(qtbot, crossing):
    # Issue 8 §2.3: with several VMs selected, the re-sort moves rows, not the selection.
    win, proxy = crossing, crossing.proxy
    park_pointer_away(qtbot, win)
    step(qtbot, win, 120)
    win.table.sortByColumn(ASSIGNED, Qt.SortOrder.DescendingOrder)
    proxy.interval_ms = 3_600_000
    win.select_vms(["Rising", "Spare"], current="Rising")
    rows_before = sorted(r.row() for r in win.table.selectionModel().selectedRows())
    step(qtbot, win, 1400)  # the demands cross
    assert proxy.resort_if_due()
    assert view_order(win)[0] == "Rising"
    assert sorted(win.selected_vms()) == ["Rising", "Spare"]
    assert win.selected_vm() == "Rising"
    assert sorted(r.row() for r in win.table.selectionModel().selectedRows()) != rows_before
    # A structural change (a VM deleted) keeps them too.
    assert win.commands._reconfigure(lambda d: d.delete_vm("Spare"))
    assert win.selected_vms() == ["Rising"] and win.selected_vm() == "Rising"
