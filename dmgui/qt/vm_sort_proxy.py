"""The VM list's sort proxy: live columns re-sort slowly, never under the pointer."""

from __future__ import annotations

from PySide6.QtCore import QObject, QSortFilterProxyModel, Qt, QTimer, Slot
from PySide6.QtWidgets import QAbstractItemView

from dmgui.qt.vm_table_model import LIVE_COLUMNS, SORT_ROLE

RESORT_INTERVAL_MS = 5000


class VmSortProxy(QSortFilterProxyModel):
    """Sorts the VM list without making rows jump.

    The re-sort rule, as the user sees it:

    * A click on a column header (or any :meth:`sort` call) sorts at once.
    * Sorted by Name, nothing moves: names do not change while the simulation runs.
    * Sorted by a live column (State, Assigned Memory, Memory Demand, Memory Status,
      Uptime) the values update every frame but the rows keep their places; the list
      is re-sorted at most every ``interval_ms`` (5 s of wall time), and only when a
      value changed since the last sort.
    * A due re-sort waits while the mouse pointer is over the list's rows or a click
      or drag selection is in progress: rows never move under the pointer. It
      happens at the first check after the pointer leaves.
    * Structural changes (VMs added, deleted, another scenario) sort at once, as the
      model is reset.

    Re-sorting moves rows with ``layoutChanged`` and persistent indexes, so the
    selection (every selected VM) and the current index stay on the same VMs, not on
    the same rows.
    Qt's own dynamic sorting (a re-sort on every ``dataChanged``) is turned off.

    Parameters
    ----------
    interval_ms:
        The slowest cadence of live re-sorts, in wall milliseconds.
    parent:
        The owner.

    Attributes
    ----------
    resort_count:
        Live re-sorts done by the timer so far (for tests).
    """

    def __init__(self, interval_ms: int = RESORT_INTERVAL_MS,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setDynamicSortFilter(False)
        self.setSortRole(SORT_ROLE)
        self.resort_count = 0
        self._view: QAbstractItemView | None = None
        self._pending = False
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.resort_if_due)
        self._timer.start()

    def setSourceModel(self, model) -> None:  # noqa: N802 - Qt API
        old = self.sourceModel()
        if old is not None:
            old.dataChanged.disconnect(self._on_data_changed)
        super().setSourceModel(model)
        model.dataChanged.connect(self._on_data_changed)

    @property
    def interval_ms(self) -> int:
        """The slowest cadence of live re-sorts, in wall milliseconds."""
        return self._timer.interval()

    @interval_ms.setter
    def interval_ms(self, value: int) -> None:
        self._timer.setInterval(value)

    def set_view(self, view: QAbstractItemView) -> None:
        """The view whose rows hold re-sorts back while the pointer is on them."""
        self._view = view

    @property
    def resort_pending(self) -> bool:
        """True when a live value changed since the list was last sorted."""
        return self._pending

    def sort(self, column: int,
             order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort now (a header click, a model reset, or the timer's re-sort)."""
        self._pending = False
        super().sort(column, order)

    @Slot()
    def resort_if_due(self) -> bool:
        """Re-sort if a live value changed and the pointer is away; True if it did."""
        if not self._pending or self.pointer_holds_rows():
            return False
        self.sort(self.sortColumn(), self.sortOrder())
        self.resort_count += 1
        return True

    def pointer_holds_rows(self) -> bool:
        """True while the pointer is over the list's rows (Qt's enter/leave tracking)
        or a click or drag selection in the list is under way."""
        view = self._view
        if view is None or not view.isVisible():
            return False
        if view.state() == QAbstractItemView.State.DragSelectingState:
            return True  # a drag may leave the rows while the button is held
        return view.viewport().underMouse()

    @Slot()
    def _on_data_changed(self, *_args) -> None:
        if self.sortColumn() in LIVE_COLUMNS:
            self._pending = True
