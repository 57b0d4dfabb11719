"""The VM list of the main window: a table model over the scenario's VMs."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
)

from dmgui.core.model.scenario import Scenario
from dmgui.core.model.states import STATUS_LABELS, VmState
from dmgui.core.sim.frame import Frame, format_mb, format_uptime
from dmgui.qt.plain_text import plain_tooltip
from dmgui.qt.resources import state_icon

COLUMNS = ("Name", "State", "Assigned Memory", "Memory Demand", "Memory Status", "Uptime")
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
LIVE_COLUMNS = frozenset(range(1, len(COLUMNS)))  # all but Name change while running
_Index = QModelIndex | QPersistentModelIndex
#: Shortest wall time between two repaints of the live columns. The engine can send
#: 40 frames a second ("as fast as possible"); repainting the list for each kept the
#: GUI thread so busy that a 10 ms timer ran 100+ ms late (tests/benchmarks/
#: bench_gui.py). Hyper-V Manager itself refreshes the list every second or two.
REFRESH_INTERVAL_S = 0.1


@dataclass(frozen=True)
class VmLive:
    """The latest runtime values of one VM, as the list shows them."""

    state: int = VmState.OFF
    assigned: float = 0.0
    demand: float = 0.0
    status: int = 0
    uptime: float = float("nan")


class VmTableModel(QAbstractTableModel):
    """Rows are the scenario's VMs; columns follow Hyper-V Manager (spec §2.1).

    The model is the only writer of its rows: :meth:`set_scenario` resets it and
    :meth:`update_frame` refreshes the runtime columns from an engine frame (the
    values at once; the views' repaint at most every :data:`REFRESH_INTERVAL_S`).
    """

    def __init__(self, scenario: Scenario, parent=None) -> None:
        super().__init__(parent)
        self._names: list[str] = [vm.name for vm in scenario.vms]
        self._live: dict[str, VmLive] = {}
        self._last_refresh = -1.0
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.timeout.connect(self._emit_changed)

    # -- Qt model API --------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self._names)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 - Qt API
                   role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section] if 0 <= section < len(COLUMNS) else None
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._names):
            return None
        name = self._names[index.row()]
        live = self._live.get(name, VmLive())
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return _display(name, live, col)
        if role == SORT_ROLE:
            return _sort_key(name, live, col)
        if role == Qt.ItemDataRole.DecorationRole and col == 0:
            return state_icon(live.state)
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (2, 3):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and col == 0:
            return plain_tooltip(f"{name} — {VmState(live.state).label}")
        return None

    # -- updates ---------------------------------------------------------------------

    def set_scenario(self, scenario: Scenario) -> None:
        """Show the VMs of ``scenario`` (keeps runtime values of VMs that remain).

        The same VMs in the same order (an edited host or VM) change no row, so
        the view keeps its selection and order; other VMs reset the model.
        """
        names = [vm.name for vm in scenario.vms]
        if names == self._names:
            return
        self.beginResetModel()
        self._names = names
        self._live = {n: v for n, v in self._live.items() if n in set(self._names)}
        self.endResetModel()

    def clear_live(self) -> None:
        """Forget runtime values (after a reset every VM is Off)."""
        self._live.clear()
        self._emit_changed()

    def update_frame(self, frame: Frame) -> None:
        """Take the last tick of ``frame`` as the VMs' current values."""
        now = frame.current()
        uptime = frame.uptime_s
        live = {
            name: VmLive(int(now.state[i]), float(now.assigned[i]), float(now.demand[i]),
                         int(now.status[i]), float(uptime[i]))
            for i, name in enumerate(frame.names)
        }
        if live != {n: self._live.get(n) for n in live}:
            self._live.update(live)
            self._refresh_soon()

    def _refresh_soon(self) -> None:
        """Repaint now, or when :data:`REFRESH_INTERVAL_S` has passed since the last."""
        wait = self._last_refresh + REFRESH_INTERVAL_S - time.monotonic()
        if wait <= 0:
            self._emit_changed()
        elif not self._refresh_timer.isActive():
            self._refresh_timer.start(max(1, round(wait * 1000)))

    def refresh_pending(self) -> bool:
        """Whether new values wait for the next repaint (at most
        :data:`REFRESH_INTERVAL_S` away)."""
        return self._refresh_timer.isActive()

    def _emit_changed(self) -> None:
        self._refresh_timer.stop()
        self._last_refresh = time.monotonic()
        if self._names:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(self._names) - 1, len(COLUMNS) - 1))

    def name_at(self, row: int) -> str:
        """The VM name of a source row."""
        return self._names[row]

    def row_of(self, name: str) -> int:
        """The source row of a VM (-1 if absent)."""
        try:
            return self._names.index(name)
        except ValueError:
            return -1

    def live(self, name: str) -> VmLive:
        """Current runtime values of ``name`` (Off if unknown)."""
        return self._live.get(name, VmLive())


# States whose memory columns are blank, as Hyper-V Manager shows them: an Off VM
# and a Saved one (its memory is in the saved-state file and back in the host's pool).
NO_MEMORY_STATES = frozenset({VmState.OFF, VmState.SAVED})


def _display(name: str, live: VmLive, col: int) -> str:
    off = live.state in NO_MEMORY_STATES
    if col == 0:
        return name
    if col == 1:
        return VmState(live.state).label
    if col == 2:
        return "" if off else format_mb(live.assigned)
    if col == 3:
        return "" if off or live.demand <= 0 else format_mb(live.demand)
    if col == 4:
        return "" if off else STATUS_LABELS[live.status]
    return "" if off else format_uptime(live.uptime)


def _sort_key(name: str, live: VmLive, col: int):
    if col == 0:
        return name.lower()
    if col == 1:
        return VmState(live.state).label
    if col == 4:
        return STATUS_LABELS[live.status]
    value = (live.assigned, live.demand, 0, live.uptime)[col - 2]
    return -1.0 if live.state in NO_MEMORY_STATES or np.isnan(value) else value
