"""User-provided names are shown as plain text everywhere (issue 7, item 11).

VM, host and scenario names may contain ``<``, ``>`` and ``&``. Qt renders a string
that looks like HTML as rich text unless told otherwise, so a name holding
``<img src=...>`` would be drawn as an image read from the local disk. These tests
give every name markup and an image tag pointing at a red PNG in ``tmp_path``, and
check what each widget really displays.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

# tests/ is not a package: pytest puts this folder on sys.path.
from modal_box import ModalBoxWatcher
from PySide6 import QtGui
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QTextDocument
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget
from test_main_window import SCENARIO, WAIT_MS, live_state, open_window, step

from dmgui.core.model.memory import VersionProfile
from dmgui.core.model.states import VmState
from dmgui.qt.dialogs import NewVmDialog

pytestmark = pytest.mark.qt_log_ignore(
    r"This plugin does not support propagateSizeHints\(\)", extend=True
)

IMAGE = "secret.png"  # relative: VM names are at most 100 characters; see `names`
RED = (255, 0, 0)


@pytest.fixture
def names(tmp_path, monkeypatch):
    """Names with markup, each with an image tag that would load a red PNG.

    The VM names use a path relative to the working folder (set to ``tmp_path``)
    to stay under the 100-character limit; the host name uses the absolute path.
    """
    image = QImage(24, 24, QImage.Format.Format_RGB32)
    image.fill(QColor(*RED))
    assert image.save(str(tmp_path / IMAGE))
    monkeypatch.chdir(tmp_path)
    return {
        "vm": f'<b>App</b><img src="{IMAGE}"> & Co',
        "big": f'<i>Huge</i><img src="{IMAGE}">',
        "host": f'<u>HV01</u><img src="{tmp_path / IMAGE}"> & Co',
        "scenario": "<s>Lab</s> [*] & co",
    }


@pytest.fixture
def window(qtbot, tmp_path, names):
    """The main window on the shared scenario, every name replaced by markup."""
    app, db, huge = SCENARIO["vms"]
    data = dict(
        SCENARIO, name=names["scenario"],
        host=dict(SCENARIO["host"], name=names["host"]),
        # The huge VM autostarts: its refused start is a scheduled event, which
        # reaches the event log and the status bar (not a dialog).
        vms=[dict(app, name=names["vm"]), db,
             dict(huge, name=names["big"], autostart=True)])
    win = open_window(qtbot, tmp_path / "markup.json", data)
    win.select_vm(names["vm"])
    yield win
    win.engine.shutdown()


# -- what a widget really shows ----------------------------------------------------

def rendered(text: str, text_format: Qt.TextFormat) -> QTextDocument:
    """``text`` laid out as a QLabel / QMessageBox / tooltip with ``text_format``
    lays it out (Qt::AutoText: rich if Qt::mightBeRichText says so)."""
    doc = QTextDocument()
    rich = text_format == Qt.TextFormat.RichText or (
        text_format == Qt.TextFormat.AutoText and QtGui.Qt.mightBeRichText(text))
    if rich:
        doc.setHtml(text)
    else:
        doc.setPlainText(text)
    return doc


def has_image(doc: QTextDocument) -> bool:
    """Whether an ``<img>`` of the text became an image in the layout."""
    return any(f.isImageFormat() for f in doc.allFormats())


def shown(label: QLabel) -> str:
    """The characters ``label`` displays; fails if it would draw an image."""
    doc = rendered(label.text(), label.textFormat())
    assert not has_image(doc), f"{label.objectName() or label.text()!r} draws an image"
    return doc.toPlainText()


def shown_tooltip(tip: str) -> str:
    """The characters a tooltip displays (tooltips are always auto-detected)."""
    doc = rendered(tip, Qt.TextFormat.AutoText)
    assert not has_image(doc), f"tooltip {tip!r} draws an image"
    return doc.toPlainText()


def shown_title(title: str) -> str:
    """A group box title as drawn: ``&x`` underlines x, ``&&`` is one ``&``."""
    return re.sub(r"&(.)", r"\1", title)


def label_texts(widget: QWidget) -> list[str]:
    """What every label under ``widget`` displays (each checked for images)."""
    return [shown(label) for label in widget.findChildren(QLabel)]


def has_red(widget: QWidget) -> bool:
    """Whether the red test image was painted anywhere in ``widget``."""
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(
        image.height(), image.bytesPerLine() // 4, 4)
    bgr = pixels[:, : image.width(), :3]
    return bool(((bgr[..., 2] > 240) & (bgr[..., 1] < 15) & (bgr[..., 0] < 15)).any())


class BoxWatcher(ModalBoxWatcher):
    """Notes what the next message box's labels display, then clicks ``button``."""

    def __init__(self, button: QMessageBox.StandardButton) -> None:
        self.button = button
        self.texts: list[str] = []
        self.red = False
        super().__init__()

    def inspect(self, box: QMessageBox) -> None:
        self.texts = label_texts(box)
        self.red = has_red(box)

    def answer(self, box: QMessageBox) -> None:
        box.button(self.button).click()


def answer_box(button: QMessageBox.StandardButton, ask) -> tuple[BoxWatcher, object]:
    """Call ``ask()`` (which opens a blocking message box) and answer it."""
    watcher = BoxWatcher(button)
    answer = ask()
    if watcher.error is not None:
        raise watcher.error
    return watcher, answer


# -- the main window ---------------------------------------------------------------

def test_actions_pane_shows_vm_and_host_names_literally(qtbot, window, names):
    texts = label_texts(window.actions_pane)
    assert names["vm"] in texts
    assert names["host"] in texts
    assert not has_red(window.actions_pane)


def test_details_pane_shows_names_literally(qtbot, window, names):
    step(qtbot, window, 10)
    assert shown(window.details.host_values["Host:"]) == names["host"]
    assert shown_title(window.details.memory_box.title()) == f"Memory — {names['vm']}"
    label_texts(window.details)  # no label draws an image
    assert not has_red(window.details)


def test_no_label_of_the_window_draws_markup(qtbot, window, names):
    step(qtbot, window, 10)
    texts = label_texts(window)  # every QLabel, each checked for images
    assert sum(names["vm"] in t for t in texts) >= 1
    assert sum(names["host"] in t for t in texts) >= 2  # Actions pane and details
    assert not has_red(window)


def test_vm_list_tooltip_and_plot_title_show_the_name_literally(qtbot, window, names):
    model = window.model
    index = model.index(model.row_of(names["vm"]), 0)
    assert model.data(index) == names["vm"]
    tip = model.data(index, Qt.ItemDataRole.ToolTipRole)
    assert shown_tooltip(tip).startswith(names["vm"] + " — ")
    step(qtbot, window, 10)
    window.plots.redraw()
    title = window.plots._vm_tab.plot.titleLabel.item  # pyqtgraph draws it as HTML
    assert title.toPlainText().startswith(names["vm"])


def test_window_title_shows_the_scenario_name_literally(qtbot, window, names):
    qtbot.waitUntil(lambda: window.windowHandle() is not None, timeout=WAIT_MS)
    # The title as the window system gets it, after Qt replaced the [*] mark.
    assert window.windowHandle().title() == f"{names['scenario']} — dmgui"
    window.setWindowModified(True)
    assert window.windowHandle().title() == f"{names['scenario']}* — dmgui"


# -- dialogs -----------------------------------------------------------------------

def test_confirmations_show_the_vm_name_literally(qtbot, window, names):
    del window.commands.confirm  # the real, blocking question again
    step(qtbot, window, 10)
    no = QMessageBox.StandardButton.No
    for ask in (window.commands.turn_off, window.commands.shut_down):
        watcher, _ = answer_box(no, ask)
        assert any(f"'{names['vm']}'" in t for t in watcher.texts), watcher.texts
        assert not watcher.red
    assert live_state(window, names["vm"]) != VmState.OFF  # answered No: still on
    window.select_vm(names["big"])  # Off, so it may be deleted
    watcher, _ = answer_box(no, window.commands.delete_vm)
    assert any(f"'{names['big']}'" in t for t in watcher.texts), watcher.texts
    assert window.model.row_of(names["big"]) >= 0  # answered No: still there


def test_confirm_returns_the_answer(qtbot, window):
    del window.commands.confirm
    watcher, answer = answer_box(QMessageBox.StandardButton.Yes,
                                 lambda: window.commands.confirm("t", "<b>q</b>"))
    assert answer is True and watcher.texts
    watcher, answer = answer_box(QMessageBox.StandardButton.No,
                                 lambda: window.commands.confirm("t", "<b>q</b>"))
    assert answer is False


def test_save_prompt_shows_the_scenario_name_literally(qtbot, window, names):
    del window.commands.ask_save  # the real, blocking question again
    watcher, answer = answer_box(QMessageBox.StandardButton.Cancel,
                                 window.commands.ask_save)
    assert answer == QMessageBox.StandardButton.Cancel
    assert f"Save changes to '{names['scenario']}'?" in watcher.texts
    assert not watcher.red


def test_start_failure_box_shows_the_vm_name_literally(qtbot, window, names):
    step(qtbot, window, 10)
    window.select_vm(names["big"])
    window.app_actions.start.trigger()  # asked by the user: Hyper-V's dialog
    qtbot.waitUntil(lambda: window.commands.last_message is not None, timeout=WAIT_MS)
    box = window.commands.last_message
    texts = label_texts(box)
    expected = ("Not enough memory in the system to start the virtual machine "
                f"{names['big']}.")
    assert any(expected in t for t in texts), texts
    assert not has_red(box)
    box.close()


def test_settings_error_box_shows_the_vm_name_literally(qtbot, window, names):
    window.select_vm(names["big"])
    window.app_actions.settings.trigger()
    dialog = window.commands.settings_dialog
    dialog.memory_page.field_widget("startup_mb").setValue(4019)  # not aligned
    qtbot.mouseClick(dialog._button_apply, Qt.MouseButton.LeftButton)
    box = dialog.error_box
    assert box is not None
    texts = label_texts(box)
    expected = f"Invalid memory value assigned for '{names['big']}'"
    assert any(expected in t for t in texts), texts
    assert not has_red(box)
    box.close()
    dialog.reject()


def test_new_vm_error_shows_the_typed_name_literally(qtbot, names):
    dialog = NewVmDialog("New", VersionProfile.WS2012R2, {names["vm"]})
    qtbot.addWidget(dialog)
    dialog._name.setText(names["vm"])
    dialog._on_ok()
    assert dialog.vm is None
    expected = f"A virtual machine named '{names['vm']}' already exists."
    assert shown(dialog.error) == expected


# -- event log and status bar ------------------------------------------------------

def test_event_log_and_status_bar_show_the_vm_name_literally(qtbot, window, names):
    step(qtbot, window, 10)
    failed = f"'{names['big']}' failed to start."
    # The autostart of the huge VM was refused: a scheduled event, not a dialog.
    qtbot.waitUntil(lambda: window.event_log.count() > 0, timeout=WAIT_MS)
    items = [window.event_log.item(i) for i in range(window.event_log.count())]
    item = next(i for i in items if "start failed" in i.text())
    assert item.text().split("  ", 1)[1].startswith(f"{names['big']}: start failed")
    assert shown_tooltip(item.toolTip()).startswith(failed)
    message = window.statusBar().currentMessage()
    # QStatusBar draws its message as plain text: the literal name is what shows.
    assert message.startswith(f"{names['big']}: {failed}")
