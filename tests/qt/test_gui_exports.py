"""Issue 10, "From the GUI": files dropped on the main window open (a scenario) or go
to the Import dialog (Hyper-V exports); File → Export Run as CSV... writes the run in
``dmgui simulate --csv``'s columns; File → Export Plot... writes the plot tab shown
as PNG or SVG. Both exports are atomic: a failed write names the file in a message
box and leaves an existing file as it was."""

from __future__ import annotations

import csv
import errno
import json
import sys
from pathlib import Path
from xml.dom import minidom

import defusedxml.ElementTree as SafeXml
import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QImage
from PySide6.QtWidgets import QApplication, QMessageBox, QTabWidget

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))

from powershell_fixtures import (  # noqa: E402
    Host,
    Vm,
    export_csv,
    get_vm_json,
    get_vmhost_json,
    vmmemory_record,
)
from test_main_window import SCENARIO, WAIT_MS, open_window, step  # noqa: E402

from dmgui.core import files  # noqa: E402
from dmgui.core.formats.report import (  # noqa: E402
    CSV_COLUMNS,
    CsvSampleWriter,
    format_rows,
    sample_rows,
)
from dmgui.core.model.scenario import parse_scenario  # noqa: E402
from dmgui.core.sim.engine import Simulation  # noqa: E402
from dmgui.core.sim.frame import Frame  # noqa: E402
from dmgui.qt import export_commands, gui_exports  # noqa: E402
from dmgui.qt.plots.image_export import _without_close_tokens  # noqa: E402
from dmgui.qt.run_record import SAMPLE_S, RunRecord  # noqa: E402

pytestmark = pytest.mark.qt_log_ignore(
    r"This plugin does not support (propagateSizeHints|raise)\(\)", extend=True)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
COPY = Qt.DropAction.CopyAction


class FakeFileDialog:
    """Stands in for QFileDialog: notes where the Save dialog starts, answers
    ``reply`` (and the filter ``chosen``, else the one proposed)."""

    def __init__(self) -> None:
        self.reply = ""
        self.chosen = ""
        self.started: list[str] = []

    def getSaveFileName(self, parent, caption, start, filters, selected=""):  # noqa: N802
        self.started.append(start)
        return self.reply, self.chosen or selected


@pytest.fixture
def dialog(monkeypatch) -> FakeFileDialog:
    fake = FakeFileDialog()
    monkeypatch.setattr(gui_exports, "QFileDialog", fake)
    QSettings().remove(export_commands.LAST_FOLDER_KEY)  # Qt reads XDG once a process
    yield fake
    QSettings().remove(export_commands.LAST_FOLDER_KEY)


@pytest.fixture
def window(qtbot, tmp_path):
    win = open_window(qtbot, tmp_path / "lab.json", SCENARIO)
    yield win
    win.engine.shutdown()


@pytest.fixture
def host_files(tmp_path) -> list[str]:
    vms = [Vm("WEB01", startup_mb=1024, minimum_mb=512, maximum_mb=4096, state=2)]
    made = {"vms.json": get_vm_json(vms),
            "memory.csv": export_csv([vmmemory_record(vm) for vm in vms]),
            "host.json": get_vmhost_json([Host("HV01", memory_bytes=16 * 1024**3)])}
    for name, data in made.items():
        (tmp_path / name).write_bytes(data)
    return [str(tmp_path / name) for name in made]


def file_menu_texts(win) -> list[str]:
    menu = next(a.menu() for a in win.menuBar().actions() if a.text() == "&File")
    return [a.text() for a in menu.actions() if not a.isSeparator()]


# -- dropped files ---------------------------------------------------------------------


def mime(paths=(), urls=(), text=None) -> QMimeData:
    data = QMimeData()
    links = [QUrl.fromLocalFile(str(p)) for p in paths] + [QUrl(u) for u in urls]
    if links:
        data.setUrls(links)
    if text is not None:
        data.setText(text)
    return data


def drag_enter(widget, data: QMimeData) -> QDragEnterEvent:
    event = QDragEnterEvent(QPoint(20, 20), COPY | Qt.DropAction.MoveAction, data,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)
    return event


def drop(win, data: QMimeData) -> QDropEvent:
    drag_enter(win, data)
    event = QDropEvent(QPointF(20, 20), COPY | Qt.DropAction.MoveAction, data,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(win, event)
    return event


def test_a_drag_of_local_files_shows_the_copy_cursor_and_nothing_else(window, tmp_path,
                                                                      host_files):
    event = drag_enter(window, mime(host_files))
    assert event.isAccepted() and event.dropAction() == COPY
    for data in (mime(text="Get-VM"), mime(urls=["https://example.com/vms.json"]),
                 mime([tmp_path]),  # a folder
                 mime(host_files[:1], urls=["https://example.com/vms.json"])):
        assert not drag_enter(window, data).isAccepted()


def test_a_drag_over_the_list_or_the_plots_reaches_the_window(window, host_files):
    plot_view = window.plots.findChild(pg.GraphicsLayoutWidget)
    for widget in (window.table.viewport(), plot_view.viewport()):
        event = drag_enter(widget, mime(host_files))
        assert event.isAccepted() and event.dropAction() == COPY


def test_a_dropped_scenario_opens_after_the_save_question(qtbot, window, tmp_path):
    other = dict(SCENARIO, name="Other host")
    path = tmp_path / "drop" / "other.json"
    path.parent.mkdir()
    path.write_text(json.dumps(other))
    asked = []
    cancel = QMessageBox.StandardButton.Cancel
    window.commands.ask_save = lambda: asked.append(1) or cancel
    window.document.dirty = True
    assert drop(window, mime([path])).isAccepted()
    qtbot.waitUntil(lambda: bool(asked), timeout=WAIT_MS)
    assert window.document.scenario.name == "Lab host"  # cancelled: nothing changes
    window.commands.ask_save = lambda: QMessageBox.StandardButton.Discard
    drop(window, mime([path]))
    qtbot.waitUntil(lambda: window.document.path == path, timeout=WAIT_MS)
    assert window.windowTitle() == "Other host[*] — dmgui"
    assert window.commands.scenario.import_dialog is None


def test_a_broken_scenario_is_named_in_opens_error_box(qtbot, window, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text(json.dumps({"schema_version": 99, "name": "From the future"}))
    drop(window, mime([path]))
    qtbot.waitUntil(lambda: window.commands.last_message is not None, timeout=WAIT_MS)
    box = window.commands.last_message
    assert box.text() == "The scenario could not be opened."
    assert "schema_version" in box.informativeText()
    assert window.document.scenario.name == "Lab host"
    assert window.commands.scenario.import_dialog is None


@pytest.mark.parametrize("count", [1, 3])
def test_dropped_hyperv_files_open_the_import_dialog_with_them(qtbot, window,
                                                               host_files, count):
    paths = host_files[:count]  # one Get-VM JSON alone is not a scenario either
    drop(window, mime(paths))
    qtbot.waitUntil(lambda: window.commands.scenario.import_dialog is not None,
                    timeout=WAIT_MS)
    dialog = window.commands.scenario.import_dialog
    assert dialog.isVisible() and dialog.paths() == paths
    assert dialog.import_button.isEnabled()
    assert window.document.scenario.name == "Lab host"  # until the import succeeds
    dialog.reject()


def test_a_drop_of_anything_else_is_ignored(qtbot, window, tmp_path):
    for data in (mime(text=str(tmp_path / "lab.json")),
                 mime(urls=["https://example.com/vms.json"])):
        assert not drop(window, data).isAccepted()
    qtbot.wait(50)
    assert window.commands.scenario.import_dialog is None
    assert window.commands.last_message is None
    assert window.document.path == tmp_path / "lab.json"


# -- Export Run as CSV -----------------------------------------------------------------


def test_the_file_menu_offers_the_exports(window):
    texts = file_menu_texts(window)
    at = texts.index("&Export PowerShell Script...")
    assert texts[at + 1:at + 3] == ["Export &Run as CSV...", "Export P&lot..."]
    tip = window.app_actions.export_run.statusTip()
    assert f"every {SAMPLE_S} simulated seconds" in tip


def expected_rows(frames: list[Frame]) -> list[list[str]]:
    rows = []
    for frame in frames:
        sampled = sample_rows(frame.block, SAMPLE_S)
        rows += [[str(cell) for cell in row]
                 for row in format_rows(sampled, list(frame.names))]
    return rows


def test_the_run_csv_has_the_clis_columns_and_the_frames_rows(qtbot, window, dialog,
                                                             tmp_path):
    frames: list[Frame] = []
    window.frame_shown.connect(frames.append)
    window.commands.reset()  # a new run: the record starts over with it
    qtbot.waitUntil(lambda: bool(frames) and frames[-1].generation > 0, timeout=WAIT_MS)
    step(qtbot, window, 125)
    generation = frames[-1].generation
    dialog.reply = str(tmp_path / "out" / "run")  # no suffix: .csv is added
    (tmp_path / "out").mkdir()
    assert window.exports.export_run() == str(tmp_path / "out" / "run.csv")
    assert dialog.started == [str(tmp_path / "Lab-host-run.csv")]
    with open(tmp_path / "out" / "run.csv", newline="") as f:
        table = list(csv.reader(f))
    assert tuple(table[0]) == CSV_COLUMNS
    ours = [f for f in frames if f.generation == generation]
    assert table[1:] == expected_rows(ours)
    assert [int(r[0]) for r in table[1::3]] == list(range(0, 121, SAMPLE_S))
    assert {r[1] for r in table[1:]} == {"App", "Db", "Huge"}
    status = window.statusBar().currentMessage()
    assert "Exported 39 rows (0:00:00 to 0:02:00)" in status


def test_the_record_writes_what_the_cli_writes_for_the_same_run(tmp_path):
    scenario = parse_scenario(SCENARIO)
    gui, cli = Simulation(scenario, seed=7), Simulation(scenario, seed=7)
    record = RunRecord()
    while gui.time < 3601:
        record.add(Frame.of(gui, gui.advance(min(37, 3601 - gui.time))))
    writer = CsvSampleWriter(str(tmp_path / "cli.csv"), cli.names)
    for block in cli.run(3601, block_s=600):
        writer.write(sample_rows(block, SAMPLE_S))
    writer.close()
    assert record.write_csv(str(tmp_path / "gui.csv")) == 361 * 3
    assert (tmp_path / "gui.csv").read_bytes() == (tmp_path / "cli.csv").read_bytes()


def test_the_record_keeps_the_newest_samples_and_restarts_on_a_reset():
    sim = Simulation(parse_scenario(SCENARIO), seed=1)
    record = RunRecord(max_samples=5)
    for _ in range(4):
        record.add(Frame.of(sim, sim.advance(25)))
    assert len(record) == 5 and record.span() == (50, 90) and record.rows == 15
    record.add(Frame.of(sim, sim.advance(1), generation=1))  # a reset: t=100 alone
    assert len(record) == 1 and record.span() == (100, 100) and record.rows == 3
    record.clear()
    assert len(record) == 0 and record.span() is None


def test_nothing_to_export_says_so_and_asks_nothing(window, dialog):
    window.exports.record.clear()
    assert window.exports.export_run() is None
    box = window.exports.last_message
    assert box.isVisible() and "press Run first" in box.text()
    assert f"every {SAMPLE_S} simulated seconds" in box.informativeText()
    assert dialog.started == []


def test_a_failed_run_write_keeps_the_old_file_and_names_it(qtbot, window, dialog,
                                                           tmp_path, monkeypatch):
    step(qtbot, window, 30)
    out = tmp_path / "run.csv"
    out.write_text("old\n")
    dialog.reply = str(out)

    def full_disk(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", full_disk)
    assert window.exports.export_run() is None
    box = window.exports.last_message
    assert box.isVisible() and box.text() == gui_exports.RUN_NOT_WRITTEN
    detail = box.informativeText()
    assert str(out) in detail and "No space left" in detail
    assert out.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lab.json", "run.csv"]


def test_the_scenario_file_is_never_the_export(qtbot, window, dialog, tmp_path):
    step(qtbot, window, 30)
    before = (tmp_path / "lab.json").read_text()
    dialog.reply = str(tmp_path / "lab.json")
    assert window.exports.export_run() is None
    assert "scenario" in window.exports.last_message.informativeText()
    assert (tmp_path / "lab.json").read_text() == before


# -- Export Plot -----------------------------------------------------------------------


def plot_tabs(win) -> QTabWidget:
    return win.plots.findChild(QTabWidget)


@pytest.mark.parametrize("index", [0, 1, 2])
def test_each_plot_tab_exports_as_png_and_svg(qtbot, window, dialog, tmp_path, index):
    step(qtbot, window, 300)
    window.show_memory_details()  # Export Plot shows the plots first
    plot_tabs(window).setCurrentIndex(index)
    name = ["vm", "host", "overview"][index]
    dialog.reply = str(tmp_path / f"{name}.png")
    assert window.exports.export_plot() == dialog.reply
    assert window.details_tabs.currentIndex() == 1
    data = (tmp_path / f"{name}.png").read_bytes()
    assert data.startswith(PNG_MAGIC)
    image = QImage.fromData(data, "PNG")
    view = plot_tabs(window).currentWidget().graphics
    # The whole layout, also where a narrow window cuts it off on screen.
    size = (int(view.ci.width()), int(view.ci.height()))
    assert (image.width(), image.height()) == size
    dialog.reply, dialog.chosen = str(tmp_path / name), "SVG image (*.svg)"
    assert window.exports.export_plot() == str(tmp_path / f"{name}.svg")
    root = SafeXml.fromstring((tmp_path / f"{name}.svg").read_bytes())
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.findall(".//{http://www.w3.org/2000/svg}path")
    assert f"{name}.svg" in window.statusBar().currentMessage()


def test_the_hover_cursor_stays_out_of_the_image(qtbot, window, dialog, tmp_path):
    step(qtbot, window, 300)
    window.show_plots()
    plot_tabs(window).setCurrentIndex(0)
    tab = plot_tabs(window).currentWidget()
    dialog.reply = str(tmp_path / "plain.png")
    window.exports.export_plot()
    view = tab.plot.getViewBox()
    tab.hover_at(view.mapViewToScene(QPointF(150, 1000)))  # after a right-click
    lines = [item for item in tab.plot.items if isinstance(item, pg.InfiniteLine)
             and item.isVisible() and item.angle == 90]
    assert len(lines) == 1
    dialog.reply = str(tmp_path / "hovered.png")
    window.exports.export_plot()
    assert lines[0].isVisible()  # shown again
    hovered, plain = tmp_path / "hovered.png", tmp_path / "plain.png"
    assert hovered.read_bytes() == plain.read_bytes()


def test_the_plot_file_name_says_what_it_shows(window, dialog):
    window.select_vm("Db")
    plot_tabs(window).setCurrentIndex(0)
    window.exports.export_plot()
    plot_tabs(window).setCurrentIndex(1)
    window.exports.export_plot()
    assert [Path(p).name for p in dialog.started] == [
        "Lab-host-Virtual-machine-Db.png", "Lab-host-Host.png"]


def test_a_plot_in_another_format_or_over_a_read_only_file_is_refused(window, dialog,
                                                                      tmp_path):
    dialog.reply = str(tmp_path / "plot.jpg")
    assert window.exports.export_plot() is None
    assert "PNG (.png) or SVG (.svg)" in window.exports.last_message.informativeText()
    assert not (tmp_path / "plot.jpg").exists()
    out = tmp_path / "plot.png"
    out.write_bytes(b"old")
    out.chmod(0o444)
    dialog.reply = str(out)
    assert window.exports.export_plot() is None
    box = window.exports.last_message
    assert box.text() == gui_exports.PLOT_NOT_WRITTEN
    assert str(out) in box.informativeText() and "read-only" in box.informativeText()
    assert out.read_bytes() == b"old"


def test_without_qt_svg_only_png_is_offered(window, dialog, tmp_path, monkeypatch):
    monkeypatch.setattr(gui_exports, "svg_available", lambda: False)
    offered = []
    dialog.getSaveFileName = lambda *args: offered.append(args[3]) or (
        str(tmp_path / "plot.svg"), "")
    assert window.exports.export_plot() is None
    assert offered == ["PNG image (*.png)"]
    assert "no SVG support" in window.exports.last_message.informativeText()
    assert not (tmp_path / "plot.svg").exists()


def test_the_plots_right_click_menu_offers_export_plot(window):
    views = window.plots.findChildren(pg.GraphicsLayoutWidget)
    assert len(views) == 3
    for view in views:
        assert view.contextMenuPolicy() == Qt.ContextMenuPolicy.ActionsContextMenu
        assert view.actions() == [window.app_actions.export_plot]


def test_closed_svg_paths_keep_their_z_where_they_were():
    doc = minidom.parseString('<g><g transform="matrix(1,0,0,1,0,0)">'
                              '<path d="M0,0 L1,0 L1,1 Z M2,2 L3,3 Z"/></g></g>')
    seen = []

    def shift(node, defs, item, options):  # pyqtgraph's, which cannot parse a Z
        for path in node.getElementsByTagName("path"):
            tokens = path.getAttribute("d").split()
            seen.append(tokens)
            moved = []
            for token in tokens:
                head = token[0] if token[0].isalpha() else ""
                x, y = np.array(token[len(head):].split(","), float) + 1
                moved.append(f"{head}{x:g},{y:g}")
            path.setAttribute("d", " ".join(moved))

    _without_close_tokens(shift)(doc.documentElement, [], None, {})
    assert seen == [["M0,0", "L1,0", "L1,1", "M2,2", "L3,3"]]
    path = doc.getElementsByTagName("path")[0]
    assert path.getAttribute("d") == "M1,1 L2,1 L2,2 Z M3,3 L4,4 Z"
