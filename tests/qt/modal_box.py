"""Answering a blocking message box from a test: one watcher shared by the Qt tests."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox


class ModalBoxWatcher:
    """Waits for the next modal :class:`QMessageBox` (opened by a blocking ``exec``),
    lets :meth:`inspect` note what it shows, then :meth:`answer` closes it.

    A failed check inside the Qt slot would leave the box open and the test hung, so
    an AssertionError from :meth:`inspect` is kept in ``error`` for the test to raise.
    """

    def __init__(self) -> None:
        self.error: AssertionError | None = None
        self._timer = QTimer()
        self._timer.setInterval(10)
        self._timer.timeout.connect(self._poll)
        self._timer.start()

    def _poll(self) -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            return
        self._timer.stop()
        try:
            self.inspect(box)
        except AssertionError as err:
            self.error = err
        finally:
            self.answer(box)

    def inspect(self, box: QMessageBox) -> None:
        """Note what the box shows (subclasses)."""

    def answer(self, box: QMessageBox) -> None:
        """Close the box (subclasses choose how)."""
        box.reject()
