"""``--screenshot``: simulate a while, then save pictures of the window and exit."""

from __future__ import annotations

import sys
from pathlib import PurePath
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QTimer, Slot
from PySide6.QtGui import QImageWriter
from PySide6.QtWidgets import QApplication, QWidget

from dmgui.core.args import EXIT_BAD_INPUT
from dmgui.core.files import (
    FileProblem,
    OutputTarget,
    describe_os_error,
    resolve_output,
    write_bytes,
)
from dmgui.core.model.states import VmState

if TYPE_CHECKING:
    from dmgui.qt.main_window import MainWindow

_POLL_MS = 50
_TIMEOUT_MS = 120_000


def image_format(name: str) -> str | None:
    """The image format Qt would write for ``name``'s suffix, or None."""
    suffix = PurePath(name).suffix.lower().lstrip(".")
    supported = {bytes(f.data()).decode().lower() for f in QImageWriter.supportedImageFormats()}
    return suffix if suffix in supported else None


def check_screenshot_target(flag: str, name: str) -> OutputTarget:
    """Refuse a screenshot file before anything is touched: its suffix must name an
    image format, and it must be a file dmgui may write (see dmgui.core.files)."""
    if image_format(name) is None:
        formats = sorted({bytes(f.data()).decode().lower()
                          for f in QImageWriter.supportedImageFormats()})
        raise FileProblem(f"{flag} {name}: the name must end in an image format "
                          f"({', '.join('.' + f for f in formats)})")
    target = resolve_output(name)
    if target.stream:
        raise FileProblem(f"{flag} {name}: a screenshot is written to a file")
    return target


def save_screenshot(widget: QWidget, target: OutputTarget) -> str:
    """Grab ``widget`` and write the picture atomically; return '' or the problem."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    fmt = image_format(target.name) or "png"
    if not widget.grab().save(buffer, fmt.upper()):
        return f"could not save the screenshot {target.name}: Qt could not encode it"
    buffer.close()
    try:
        write_bytes(target, bytes(data.data()))
    except FileProblem as err:
        return f"could not save the screenshot: {err}"
    except OSError as err:
        return f"could not save the screenshot: {describe_os_error(target.name, err)}"
    return ""


class ScreenshotJob(QObject):
    """Steps the engine ``after_s`` simulated seconds, grabs, saves, closes the window."""

    def __init__(self, window: MainWindow, after_s: int, window_png: OutputTarget | None,
                 settings_png: OutputTarget | None) -> None:
        super().__init__(window)
        self.window = window
        window.remember_geometry = False
        window.default_layout()
        self.after_s = after_s
        self.window_png = window_png
        self.settings_png = settings_png
        self._requested = False
        self._waited_ms = 0
        self._progress = -1
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._poll)

    def start(self) -> None:
        """Begin polling for the engine's first frame."""
        self._timer.start(_POLL_MS)

    @Slot()
    def _poll(self) -> None:
        self._waited_ms += _POLL_MS
        frame = self.window.last_frame
        if frame is not None and frame.sim_time > self._progress:
            self._progress, self._waited_ms = frame.sim_time, 0  # a long --after is fine
        if self._waited_ms > _TIMEOUT_MS:  # no progress for two minutes
            self._finish(ok=False, why="timed out waiting for the simulation", code=1)
            return
        if frame is None:
            return
        if not self._requested:
            self._requested = True
            if self.after_s > 0:
                self.window.engine.step_requested.emit(self.after_s)
            return
        if frame.sim_time >= self.after_s:
            self._timer.stop()
            QTimer.singleShot(300, self._capture)  # let the last frames paint

    @Slot()
    def _capture(self) -> None:
        w = self.window
        self._select_interesting_vm()
        QApplication.processEvents()
        w.plots.redraw()
        QApplication.processEvents()
        problems = []
        if self.window_png:
            problems.append(save_screenshot(w, self.window_png))
        if self.settings_png:
            w.commands.open_settings()
            dialog = w.commands.settings_dialog
            QApplication.processEvents()
            if dialog is None:
                problems.append("could not save the screenshot "
                                f"{self.settings_png.name}: no VM to show the settings of")
            else:
                problems.append(save_screenshot(dialog, self.settings_png))
                dialog.reject()
        problems = [p for p in problems if p]
        self._finish(not problems, "; ".join(problems))

    def _select_interesting_vm(self) -> None:
        """Select the busiest running Dynamic Memory VM, so the plots have content."""
        w = self.window
        frame = w.last_frame
        if frame is None or not frame.names:
            return
        now = frame.current()
        dm = np.array([s.dynamic_memory_enabled for s in frame.settings])
        busy = np.where(dm & (now.state == VmState.RUNNING), now.demand, -1.0)
        w.select_vm(frame.names[int(np.argmax(busy))])

    def _finish(self, ok: bool, why: str, code: int = EXIT_BAD_INPUT) -> None:
        self._timer.stop()
        if not ok:
            print(f"dmgui: error: {why}", file=sys.stderr)
        self.window.document.dirty = False  # nothing to save in a scripted run
        self.window.close()
        QApplication.instance().exit(0 if ok else code)
