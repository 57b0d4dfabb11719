"""The event log dock: starts, failures, refused changes and Smart Paging, newest last."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from dmgui.core.model.states import EventRecord
from dmgui.core.sim.frame import format_uptime
from dmgui.qt.plain_text import plain_tooltip

_PROBLEMS = {"start_failed", "set_memory_refused", "ignored", "engine_error"}
_NOTABLE = {"smart_paging", "smart_paging_cleared"}
_QUIET = {"guest_ready"}
MAX_ITEMS = 5000


class EventLogView(QListWidget):
    """A list of event records; problems in red, Smart Paging in amber."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAlternatingRowColors(True)
        self.setWordWrap(True)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        """A few lines high: the dock starts small and can be dragged taller."""
        return QSize(600, 110)

    def add_records(self, records: tuple[EventRecord, ...] | list[EventRecord]) -> None:
        """Append records (guest-ready notices are left out) and keep the newest visible."""
        added = False
        for record in records:
            if record.kind in _QUIET:
                continue
            self.addItem(_item(record))
            added = True
        while self.count() > MAX_ITEMS:
            self.takeItem(0)
        if added:
            self.scrollToBottom()

    def add_message(self, at_s: int, text: str) -> None:
        """Append an app-level problem (e.g. an engine error)."""
        self.add_records([EventRecord(at_s, "", "engine_error", text)])


def _item(record: EventRecord) -> QListWidgetItem:
    when = format_uptime(record.at_s)
    who = f"{record.vm}: " if record.vm else ""
    text = f"{when}  {who}{record.kind.replace('_', ' ')}"
    if record.message and record.message not in ("Started.", ""):
        text += " — " + record.message.replace("\n", " ")
    item = QListWidgetItem(text)
    item.setToolTip(plain_tooltip(record.message or record.kind))  # names VMs
    if record.kind in _PROBLEMS:
        item.setForeground(QBrush(QColor("#b3261e")))
    elif record.kind in _NOTABLE:
        item.setForeground(QBrush(QColor("#a05a00")))
    return item
