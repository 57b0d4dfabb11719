"""The Capacity Planner's tables: the curve (every count tried) and the sweep.

Both are a :class:`RowsModel`: a read-only table over the rows of
:meth:`PlanResult.to_dict() <dmgui.core.planning.planner.PlanResult.to_dict>`, one
:class:`Column` (header, how to show a row, alignment) per column. The rows are the
JSON contract's, so the table shows what ``dmgui plan --json`` writes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QLabel

from dmgui.qt.plain_text import plain_label, plain_tooltip
from dmgui.qt.plots.style import format_clock

_Index = QModelIndex | QPersistentModelIndex
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_FAILED = QColor("#b3261e")
MODE_NAMES = {"static": "Static", "dynamic": "Dynamic Memory"}
SWEEP_HEADERS = {"buffer": "Buffer (%)", "startup": "Startup (MB)",
                 "minimum": "Minimum (MB)", "maximum": "Maximum (MB)", "weight": "Weight"}
_ANSWER_KEYS = ("max_vms", "limited_by", "density_gain")


@dataclass(frozen=True)
class Column:
    """A table column: its header, the text of a row, and whether it is a number."""

    header: str
    text: Callable[[dict], str]
    number: bool = True


def percent(fraction: float | None) -> str:
    """A share as ``12.3 %`` (``—`` when unknown)."""
    return "—" if fraction is None else f"{100 * fraction:.1f} %"


def gain_text(gain: float | None) -> str:
    """A density gain as ``+17 %`` (``—`` when either mode has no answer)."""
    return "—" if gain is None else f"{100 * gain:+.0f} %"


def limit_text(limit: dict | None) -> str:
    """A ``limited_by`` object as ``VM: reason (at h:mm:ss)``."""
    if not limit:
        return ""
    if limit.get("vm") is None:
        return "reached Max VMs"
    return f"{limit['vm']}: {limit['reason']} (at {format_clock(limit['at_s'])})"


CURVE_COLUMNS = (
    Column("Mode", lambda r: MODE_NAMES.get(r["mode"], r["mode"]), number=False),
    Column("VMs", lambda r: str(r["vms"])),
    Column("Fits", lambda r: "yes" if r["fits"] else "no", number=False),
    Column("Failed starts", lambda r: str(r["failed_starts"])),
    Column("Worst paging", lambda r: percent(r["worst_paging_fraction"])),
    Column("Worst Low/Warning", lambda r: percent(r["worst_low_fraction"])),
    Column("Min available (MB)", lambda r: f"{r['min_available_mb']:,.0f}"),
    Column("Simulated", lambda r: format_clock(r.get("simulated_s", 0))),
)


def sweep_columns(rows: Sequence[dict]) -> list[Column]:
    """The sweep's columns: one per swept setting, then the dynamic answer."""
    keys = [k for k in (rows[0] if rows else {}) if k not in _ANSWER_KEYS]
    columns = [Column(SWEEP_HEADERS.get(k, k), lambda r, k=k: str(r[k])) for k in keys]
    return columns + [
        Column("Max VMs", lambda r: "does not fit" if r["max_vms"] is None
               else str(r["max_vms"])),
        Column("Gain", lambda r: gain_text(r["density_gain"])),
        Column("Limited by", lambda r: limit_text(r["limited_by"]), number=False),
    ]


class RowsModel(QAbstractTableModel):
    """A read-only table of ``rows`` (dicts) shown through ``columns``.

    A row whose ``fits`` is False is drawn in red, like a refusal elsewhere in dmgui.
    """

    def __init__(self, columns: Sequence[Column] = (), parent=None) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._rows: list[dict] = []

    def set_rows(self, rows: Sequence[dict], columns: Sequence[Column] | None = None
                 ) -> None:
        """Show ``rows`` (and ``columns``, when given)."""
        self.beginResetModel()
        self._rows = list(rows)
        if columns is not None:
            self._columns = list(columns)
        self.endResetModel()

    def row(self, index: int) -> dict:
        """The dict shown in row ``index``."""
        return self._rows[index]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        """Rows: one per dict (none under a valid parent: a flat table)."""
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        """Columns: one per :class:`Column`."""
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        """The cell's text, alignment and colour."""
        if not index.isValid():
            return None
        column = self._columns[index.column()]
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(row)
        if role == Qt.ItemDataRole.ToolTipRole:  # names are the user's: plain text
            return plain_tooltip(column.text(row))
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if column.number else _LEFT
        if role == Qt.ItemDataRole.ForegroundRole and row.get("fits") is False:
            return _FAILED
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole):
        """Column headers; rows are numbered."""
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._columns[section].header if section < len(self._columns) else None
        return str(section + 1)


def result_header(headline: str, detail: str) -> tuple[QLabel, QLabel, QLabel]:
    """The three labels over a result tab: a large bold headline, a selectable detail
    line (it names the user's VMs, so plain text) and a grey line saying what was asked."""
    title = plain_label(headline)
    font = QFont(title.font())
    font.setPointSizeF(font.pointSizeF() * 1.35)
    font.setBold(True)
    title.setFont(font)
    title.setWordWrap(True)
    lines = plain_label(detail)
    lines.setWordWrap(True)
    lines.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    question = plain_label()
    question.setStyleSheet("QLabel { color: #555555; }")
    question.setWordWrap(True)
    return title, lines, question

