"""``--screenshot``: simulate a while, then save pictures of the window and exit."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, QTimer, Slot
from PySide6.QtWidgets import QApplication

from dmgui.core.states import VmState

if TYPE_CHECKING:
    from dmgui.qt.main_window import MainWindow

_POLL_MS = 50
_TIMEOUT_MS = 120_000


class ScreenshotJob(QObject):
    """Steps the engine ``after_s`` simulated seconds, grabs, saves, closes the window."""

    def __init__(self, window: MainWindow, after_s: int, window_png: str | None,
                 settings_png: str | None) -> None:
        super().__init__(window)
        self.window = window
        window.remember_geometry = False
        window.default_layout()
        self.after_s = after_s
        self.window_png = window_png
        self.settings_png = settings_png
        self._requested = False
        self._waited_ms = 0
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._poll)

    def start(self) -> None:
        """Begin polling for the engine's first frame."""
        self._timer.start(_POLL_MS)

    @Slot()
    def _poll(self) -> None:
        self._waited_ms += _POLL_MS
        frame = self.window.last_frame
        if self._waited_ms > _TIMEOUT_MS:
            self._finish(ok=False, why="timed out waiting for the simulation")
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
        ok = True
        if self.window_png:
            ok &= w.grab().save(self.window_png)
        if self.settings_png:
            w.commands.open_settings()
            dialog = w.commands.settings_dialog
            QApplication.processEvents()
            ok &= dialog is not None and dialog.grab().save(self.settings_png)
            if dialog is not None:
                dialog.reject()
        self._finish(ok, "could not save the screenshot")

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

    def _finish(self, ok: bool, why: str) -> None:
        self._timer.stop()
        if not ok:
            print(f"dmgui: error: {why}", file=sys.stderr)
        self.window.document.dirty = False  # nothing to save in a scripted run
        self.window.close()
        QApplication.instance().exit(0 if ok else 1)
