"""Help: the model description viewer, "What the Numbers Mean" and their routes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from modal_box import ModalBoxWatcher
from PySide6.QtCore import QSize, Qt, QUrl
from PySide6.QtGui import QTextCursor, QTextDocument
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox

from dmgui.core.document import ScenarioDocument
from dmgui.core.resources import doc_path
from dmgui.qt import help_window
from dmgui.qt.engine_worker import EngineController
from dmgui.qt.help_window import (
    NUMBERS_ANCHOR,
    HelpActions,
    MarkdownViewer,
    heading_anchor,
    markdown_headings,
    markdown_section,
)
from dmgui.qt.main_window import MainWindow
from dmgui.qt.plot_panel import PlotPanel

REPO = Path(__file__).resolve().parents[2]
MODEL_MD = REPO / "docs" / "model.md"

pytestmark = pytest.mark.qt_log_ignore(
    r"This plugin does not support (propagateSizeHints|raise)\(\)", extend=True
)


@pytest.fixture
def host(qtbot):
    """A plain main window with the Help actions and a plot panel, as MainWindow has."""
    win = QMainWindow()
    qtbot.addWidget(win)
    win.plots = PlotPanel()
    win.setCentralWidget(win.plots)
    win.help_actions = HelpActions(win)
    win.help_actions.connect_plots(win.plots)
    win.resize(900, 600)
    win.show()
    return win


def active(qtbot, window) -> None:
    """Make ``window`` the active window: shortcuts work there only."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)


def model_headings() -> list[str]:
    return [title for _, _, title in markdown_headings(MODEL_MD.read_text("utf-8"))]


def scroll(viewer: MarkdownViewer) -> int:
    return viewer.browser.verticalScrollBar().value()


def heading_top(viewer: MarkdownViewer, title: str) -> float:
    document = viewer.browser.document()
    block = document.begin()
    while block.isValid() and not (
        block.blockFormat().headingLevel() and block.text() == title
    ):
        block = block.next()
    assert block.isValid(), title
    return document.documentLayout().blockBoundingRect(block).top()


# -- The Model ----------------------------------------------------------------------


def test_the_model_shows_model_md_with_its_headings(qtbot, host):
    host.help_actions.model.trigger()
    viewer = host.help_actions.model_viewer
    assert viewer is not None and viewer.isVisible() and not viewer.isModal()
    assert viewer.source == MODEL_MD.resolve()
    titles = viewer.heading_titles()
    assert titles == model_headings()
    assert {
        "The simulation model",
        "What the numbers mean",
        "Derived values (§2.3, §5, §7.6)",
        "Version profiles",
    } <= set(titles)
    # Tables are real tables, not pipes in the text.
    text = viewer.browser.toPlainText()
    assert "|---|" not in text and "2008R2SP1" in text


def test_clicking_an_anchor_link_scrolls_to_its_heading(qtbot, host):
    viewer = host.help_actions.show_model()
    viewer.resize(800, 500)
    qtbot.wait(10)
    assert scroll(viewer) == 0
    # The numbers section links to "Derived values": click that link.
    link = viewer.browser.document().find("Derived values")
    assert link.charFormat().isAnchor()
    inside = QTextCursor(viewer.browser.document())
    inside.setPosition(link.selectionStart() + 2)  # between "De" and "rived"
    pos = viewer.browser.cursorRect(inside).center()
    with qtbot.waitSignal(viewer.browser.anchorClicked):
        qtbot.mouseClick(viewer.browser.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    top = heading_top(viewer, "Derived values (§2.3, §5, §7.6)")
    qtbot.waitUntil(lambda: scroll(viewer) > 0)
    assert abs(scroll(viewer) - top) < 30


def test_every_in_document_link_of_model_md_has_a_heading(qtbot, host):
    viewer = host.help_actions.show_model()
    links = re.findall(r"\]\(#([^)]+)\)", MODEL_MD.read_text("utf-8"))
    assert NUMBERS_ANCHOR in viewer.anchors() and links
    assert set(links) <= set(viewer.anchors())


def test_heading_anchors_follow_github():
    derived = "Derived values (§2.3, §5, §7.6)"
    assert heading_anchor(derived) == "derived-values-23-5-76"
    assert heading_anchor(
        "Demand, target and the balancer (dmgui/core/sim/balancer.py)"
    ) == ("demand-target-and-the-balancer-dmguicoresimbalancerpy")
    assert heading_anchor("What the numbers mean") == NUMBERS_ANCHOR


def test_web_links_open_in_the_system_browser(qtbot, host, monkeypatch):
    opened = []
    monkeypatch.setattr(
        help_window, "open_external", lambda url: opened.append(url) or True
    )
    viewer = host.help_actions.show_model()
    viewer.follow_link(QUrl("https://learn.microsoft.com/"))
    assert [u.toString() for u in opened] == ["https://learn.microsoft.com/"]
    assert viewer.source == MODEL_MD.resolve()  # the viewer stays on its document


def test_relative_links_open_shipped_docs_and_name_missing_ones(qtbot, tmp_path):
    (tmp_path / "a.md").write_text(
        "# A\n\n[to b](b.md#part-two) [gone](../README.md)\n"
    )
    (tmp_path / "b.md").write_text(
        "# B\n\n" + "text\n\n" * 200 + "## Part two\n\nend\n"
    )
    viewer = MarkdownViewer("Docs", "test_viewer", QSize(500, 400))
    qtbot.addWidget(viewer)
    viewer.show_file(tmp_path / "a.md")
    viewer.present()
    viewer.follow_link(QUrl("../README.md"))
    assert (
        "README.md is not shipped" in viewer.status.text() and viewer.status.isVisible()
    )
    assert viewer.source == (tmp_path / "a.md").resolve()
    viewer.follow_link(QUrl("b.md#part-two"))
    assert viewer.source == (tmp_path / "b.md").resolve()
    assert viewer.heading_titles() == ["B", "Part two"]
    assert scroll(viewer) > 0 and not viewer.status.isVisible()


def test_escape_closes_the_find_bar_then_the_window(qtbot, host):
    viewer = host.help_actions.show_model()
    active(qtbot, viewer)
    qtbot.keyClick(viewer.browser, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert viewer.find_bar.isVisible()
    qtbot.keyClicks(viewer.find_edit, "Smart Paging")
    assert viewer.browser.textCursor().selectedText() == "Smart Paging"
    first = viewer.browser.textCursor().position()
    qtbot.keyClick(viewer.find_edit, Qt.Key.Key_Return)
    assert viewer.browser.textCursor().position() > first
    viewer.find_edit.setText("no such words anywhere")
    assert not viewer.find_next() and "not found" in viewer.status.text()
    qtbot.keyClick(viewer.find_edit, Qt.Key.Key_Escape)
    assert not viewer.find_bar.isVisible() and viewer.isVisible()
    qtbot.keyClick(viewer.browser, Qt.Key.Key_Escape)
    assert not viewer.isVisible()


def test_the_viewer_remembers_its_size(qtbot, host):
    viewer = host.help_actions.show_model()
    viewer.resize(640, 480)
    viewer.close()
    again = MarkdownViewer("again", "help_window/model", QSize(900, 900))
    qtbot.addWidget(again)
    again.present()
    assert again.size() == QSize(640, 480)


# -- What the Numbers Mean ----------------------------------------------------------


def test_numbers_help_is_the_model_md_section(qtbot, host):
    viewer = host.help_actions.show_numbers()
    assert viewer is host.help_actions.numbers_viewer and viewer.isVisible()
    assert viewer.windowTitle() == "What the Numbers Mean"
    assert viewer.heading_titles() == ["What the numbers mean"]
    text = viewer.browser.toPlainText()
    for words in (
        "Assigned Memory",
        "Memory Demand",
        "Available Memory",
        "Pressure",
        "demand × (1 + buffer %/100)",
        "round(100 × demand / assigned)",
        "OK",
        "Low",
        "Warning",
        "Paging",
        "above 80",
        "below 0",
    ):
        assert words in text, words
    section = markdown_section(MODEL_MD.read_text("utf-8"), NUMBERS_ANCHOR)
    assert section.startswith("## What the numbers mean") and "## Time" not in section


def test_numbers_help_links_into_the_whole_model(qtbot, host):
    numbers = host.help_actions.show_numbers()
    numbers.follow_link(QUrl("#derived-values-23-5-76"))
    model = host.help_actions.model_viewer
    assert model is not None and model.isVisible()
    assert scroll(model) > 0


def test_the_plots_read_out_line_opens_the_numbers_help(qtbot, host):
    """One step from hovering a plot: the link at the end of the read-out line."""
    tab = host.plots._tabs.currentWidget()
    assert "What these numbers mean" in tab.help_link.text()
    assert tab.help_link.isVisible()
    with qtbot.waitSignal(host.plots.numbers_help_requested):
        tab.help_link.linkActivated.emit("help:numbers")
    viewer = host.help_actions.numbers_viewer
    assert viewer is not None and viewer.isVisible()


def test_f1_in_the_main_window_opens_the_numbers_help(qtbot, tmp_path):
    path = tmp_path / "lab.json"
    path.write_text(
        json.dumps(
            {
                "schema_version": 1,
                "name": "Lab",
                "host": {
                    "name": "HV",
                    "memory_mb": 4096,
                    "reserve_mb": 0,
                    "version": "2012R2",
                },
                "vms": [
                    {
                        "name": "App",
                        "memory": {"dynamic_memory_enabled": False, "startup_mb": 512},
                    }
                ],
            }
        )
    )
    document = ScenarioDocument.open(path)
    engine = EngineController(document.scenario)
    win = MainWindow(document, engine)
    qtbot.addWidget(win)
    try:
        win.show()
        active(qtbot, win)
        help_menu = next(
            a.menu() for a in win.menuBar().actions() if a.text() == "&Help"
        )
        texts = [a.text() for a in help_menu.actions()]
        assert texts[:2] == ["The &Model", "What the &Numbers Mean"]
        assert "&About dmgui" in texts
        win.plots.setFocus()
        qtbot.keyClick(win.plots, Qt.Key.Key_F1)
        viewer = win.help_actions.numbers_viewer
        assert viewer is not None and viewer.isVisible()
        viewer.close()
        win.plots._vm_tab.help_link.linkActivated.emit("help:numbers")
        assert viewer.isVisible()
    finally:
        engine.shutdown()


# -- a missing document ---------------------------------------------------------------


class NoteBox(ModalBoxWatcher):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def inspect(self, box: QMessageBox) -> None:
        self.seen.append(f"{box.windowTitle()}|{box.text()}|{box.detailedText()}")


@pytest.mark.parametrize("action", ["model", "numbers"])
def test_a_missing_model_md_gives_a_message_not_a_crash(
    qtbot, host, monkeypatch, action
):
    def missing(name="model.md"):
        raise FileNotFoundError(f"missing dmgui document: {name} (in /nowhere/docs)")

    monkeypatch.setattr(help_window, "doc_path", missing)
    watcher = NoteBox()
    getattr(host.help_actions, action).trigger()
    if watcher.error:
        raise watcher.error
    assert len(watcher.seen) == 1
    title, text, detail = watcher.seen[0].split("|")
    assert title == "Help not available" and "docs/model.md" in text
    assert "/nowhere/docs" in detail
    assert host.help_actions.model_viewer is None
    assert host.help_actions.numbers_viewer is None


def test_the_model_is_found_by_the_resource_resolver():
    assert doc_path() == MODEL_MD.resolve()


def test_code_blocks_and_tables_are_styled(qtbot):
    viewer = MarkdownViewer("t", "test_viewer", QSize(400, 300))
    qtbot.addWidget(viewer)
    viewer.show_markdown(
        "# T\n\n```\ncode line\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    )
    document: QTextDocument = viewer.browser.document()
    block = document.find("code line").block()
    assert block.blockFormat().background().color().name() == "#f3f3f3"
    tables = [
        f for f in document.rootFrame().childFrames() if f.format().isTableFormat()
    ]
    assert tables and tables[0].format().toTableFormat().border() == 1
