"""The Capacity Planner's Advisor tab: each Dynamic Memory VM's settings now and as
advised, with the reasons, and the proof (issue 9 §2, §3).

It shows an :class:`~dmgui.core.planning.advisor.AdviceResult` as ``dmgui advise``
prints it: the proof line (the template's density as written → with the advice, under
the criterion), the advisor's notes, and a table of VM, setting, current, advised and
reason. Advice that was not given is greyed, its VM cell saying why; advised values that
differ from the current ones are bold. "Apply to scenario" asks for the given changes
to be applied (:attr:`AdviceResults.apply_requested`); the window applies them and
hands back what Hyper-V's rules refused (:meth:`AdviceResults.show_applied`).
"Export PowerShell..." writes a script that applies the advised scenario to a real
host (:func:`~dmgui.qt.planner_apply.export_advice`).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from dmgui.core.planning.advisor import AdviceResult
from dmgui.core.planning.planner import PlanRequest
from dmgui.qt.dialog_parts import error_label
from dmgui.qt.plain_text import plain_label, plain_tooltip, set_plain
from dmgui.qt.planner_apply import AdviceChange, Refusal, export_advice, refusal_lines
from dmgui.qt.planner_inputs import CRITERIA
from dmgui.qt.planner_tables import Column, RowsModel, result_header
from dmgui.qt.plots.style import format_clock

EMPTY_HEADLINE = "No advice yet"
EMPTY_DETAIL = ("Press Advise: the advisor simulates the scenario as written over the "
                "horizon, recommends each Dynamic Memory VM's Startup, Minimum, "
                "Maximum, buffer and weight from its demand, and proves the advice "
                "with a plan of the template's density under the criterion. The static "
                "size and the sweeps do not apply.")
#: The settings shown, in the Memory page's order: (field, label, unit).
FIELDS = (("startup_mb", "Startup", "MB"), ("minimum_mb", "Minimum", "MB"),
          ("maximum_mb", "Maximum", "MB"), ("buffer_percent", "Buffer", "%"),
          ("weight", "Weight", ""))
VM_COLUMN, SETTING_COLUMN, CURRENT_COLUMN, ADVISED_COLUMN, REASON_COLUMN = range(5)
_NOT_GIVEN = QColor("#8a8a8a")
_VM_MIN_PX, _VM_MAX_PX = 130, 200
_APPLY_TIP = ("Give the VMs the given advice's settings in the main window's scenario "
              "(Hyper-V's rules apply: a running VM refuses some changes)")
_EXPORT_TIP = ("Write a PowerShell script that gives the VMs of the real Hyper-V host "
               "the scenario's settings with the given advice (the script checks each "
               "VM's state itself)")
_NOTHING_TO_EXPORT = "No advice was given: the scenario as written is the advice"
_NOTHING_TO_APPLY = ("Nothing to apply: the given advice is in the scenario, or it "
                     "changes nothing")


def proof_text(result: AdviceResult) -> str:
    """``Density: 7 VMs as written → 8 VMs with the advice (+1)``."""
    text = (f"Density: {_vms(result.density_before)} as written → "
            f"{_vms(result.density_after)} with the advice")
    before, after = result.density_before, result.density_after
    if before is not None and after is not None and after != before:
        text += f" ({after - before:+d})"
    return text


def summary_text(result: AdviceResult) -> str:
    """What the density counts, how much advice was given, and the advisor's notes,
    a line each."""
    criterion = CRITERIA[result.criterion][0]
    given = [a.vm for a in result.advice if a.given]
    withheld = [a.vm for a in result.advice if not a.given]
    counted = (f"The most VMs, with copies of {result.template} added, that meet "
               f"“{criterion}” with Dynamic Memory.")
    plural = "s" if len(result.advice) != 1 else ""
    given_line = (f"Advice given for {len(given)} of {len(result.advice)} Dynamic "
                  f"Memory VM{plural}; changed values are bold.")
    if withheld:
        given_line += " Not given: " + ", ".join(withheld) + "."
    return "\n".join([counted, given_line, *result.notes])


def question_text(result: AdviceResult, request: PlanRequest, simulations: int,
                  seconds: float) -> str:
    """What was asked, and what it took."""
    return (f"Template {result.template} · criterion {result.criterion.value} · "
            f"tolerance {100 * request.tolerance:g} % · horizon "
            f"{format_clock(request.horizon_s)} · {simulations} simulations in "
            f"{seconds:.1f} s")


def advice_rows(result: AdviceResult) -> list[dict]:
    """One row per VM and setting (no Minimum on 2008 R2 SP1, where it is Startup)."""
    separate = result.scenario.host.version.separate_minimum
    fields = [f for f in FIELDS if separate or f[0] != "minimum_mb"]
    rows = []
    for advice in result.advice:
        for i, (key, label, unit) in enumerate(fields):
            old, new = getattr(advice.current, key), getattr(advice.advised, key)
            rows.append({"vm": advice.vm, "span": len(fields) if i == 0 else 0,
                         "setting": label, "current": _value(old, unit),
                         "advised": _value(new, unit), "changed": old != new,
                         "reason": advice.reasons.get(key, ""), "given": advice.given,
                         "withheld_because": advice.withheld_because})
    return rows


def _vm_text(row: dict) -> str:
    if not row["span"]:
        return ""  # covered by the first row's cell
    if row["given"]:
        return row["vm"]
    return f"{row['vm']}\nnot given: {row['withheld_because']}"


ADVICE_COLUMNS = (
    Column("VM", _vm_text, number=False),
    Column("Setting", lambda r: r["setting"], number=False),
    Column("Current", lambda r: r["current"]),
    Column("Advised", lambda r: r["advised"]),
    Column("Reason", lambda r: r["reason"], number=False),
)


class AdviceModel(RowsModel):
    """The advice table: not given greyed, changed values bold, a tooltip that says
    why advice was not given."""

    def __init__(self, parent=None) -> None:
        super().__init__(ADVICE_COLUMNS, parent)

    def data(self, index, role: int = Qt.ItemDataRole.DisplayRole):
        """The cell's text, alignment, colour, font and tooltip."""
        if not index.isValid():
            return None
        row = self.row(index.row())
        if role == Qt.ItemDataRole.ForegroundRole:
            return None if row["given"] else _NOT_GIVEN
        if role == Qt.ItemDataRole.FontRole:
            if index.column() == ADVISED_COLUMN and row["changed"] and row["given"]:
                font = QFont()
                font.setBold(True)
                return font
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            text = ADVICE_COLUMNS[index.column()].text(row) or row["vm"]
            if not row["given"] and index.column() != VM_COLUMN:
                text += f"\n\n{row['vm']}: not given: {row['withheld_because']}"
            return plain_tooltip(text)
        return super().data(index, role)


class AdviceResults(QWidget):
    """Shows one :class:`AdviceResult` (or nothing yet) and offers to apply it.

    Signals
    -------
    apply_requested():
        "Apply to scenario" was pressed; :meth:`pending_changes` are the changes.
    """

    apply_requested = Signal()

    def __init__(self, can_apply: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.result: AdviceResult | None = None
        self._applied: set[str] = set()
        self.headline, self.summary, self.question = result_header(EMPTY_HEADLINE,
                                                             EMPTY_DETAIL)
        self.model = AdviceModel(self)
        self.table = _table(self.model)
        self.apply_button = QPushButton("Appl&y to scenario")
        self.apply_button.clicked.connect(self.apply_requested)
        self.export_button = QPushButton("E&xport PowerShell...")
        self.export_button.clicked.connect(self._on_export_clicked)
        self._can_apply = can_apply
        self.report = plain_label()  # what was applied or exported
        self.report.setWordWrap(True)
        self.refusals = error_label()  # what Hyper-V's rules refused
        for label in (self.report, self.refusals):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._lay_out()
        self.clear()

    def _lay_out(self) -> None:
        reports = QVBoxLayout()
        reports.setSpacing(2)
        reports.addWidget(self.report)
        reports.addWidget(self.refusals)
        apply_row = QHBoxLayout()
        apply_row.addWidget(self.apply_button, alignment=Qt.AlignmentFlag.AlignTop)
        apply_row.addWidget(self.export_button, alignment=Qt.AlignmentFlag.AlignTop)
        apply_row.addLayout(reports, stretch=1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for label in (self.headline, self.summary, self.question):
            layout.addWidget(label)
        layout.addWidget(self.table, stretch=1)
        layout.addLayout(apply_row)

    # -- public API ------------------------------------------------------------------

    def clear(self) -> None:
        """Back to "no advice yet"."""
        self.result = None
        set_plain(self.headline, EMPTY_HEADLINE)
        set_plain(self.summary, EMPTY_DETAIL)
        self.question.hide()
        self._show_rows([])
        self._show_report("", [])

    def show_result(self, result: AdviceResult, request: PlanRequest, simulations: int,
                    seconds: float) -> None:
        """Show ``result``, the answer to ``request`` found with ``simulations`` runs
        in ``seconds``."""
        self.result = result
        self._applied = set()
        set_plain(self.headline, proof_text(result))
        set_plain(self.summary, summary_text(result))
        set_plain(self.question, question_text(result, request, simulations, seconds))
        self.question.show()
        self._show_rows(advice_rows(result))
        self._show_report("", [])

    def pending_changes(self) -> list[AdviceChange]:
        """The given advice that changes a VM's settings and is not applied yet."""
        if self.result is None:
            return []
        return [AdviceChange(a.vm, a.current, a.advised) for a in self.result.advice
                if a.given and a.advised != a.current and a.vm not in self._applied]

    def show_applied(self, changes: Sequence[AdviceChange],
                     refusals: Sequence[Refusal]) -> None:
        """``changes`` were asked for; all but ``refusals`` were applied."""
        refused = {r.vm for r in refusals}
        applied = [c.vm for c in changes if c.vm not in refused]
        self._applied.update(applied)
        text = ("Applied to the scenario (unsaved): " + ", ".join(applied) + "."
                if applied else "")
        self._show_report(text, refusal_lines(refusals))

    # -- helpers ---------------------------------------------------------------------

    def _show_rows(self, rows: list[dict]) -> None:
        self.model.set_rows(rows)
        self.table.setVisible(bool(rows))
        self.apply_button.setVisible(self._can_apply and bool(rows))
        self.export_button.setVisible(bool(rows))
        given = self.result is not None and any(a.given for a in self.result.advice)
        self.export_button.setEnabled(given)
        self.export_button.setToolTip(_EXPORT_TIP if given else _NOTHING_TO_EXPORT)
        self.table.clearSpans()
        for i, row in enumerate(rows):
            if row["span"] > 1:
                self.table.setSpan(i, VM_COLUMN, row["span"], 1)
        header = self.table.horizontalHeader()
        for column in (SETTING_COLUMN, CURRENT_COLUMN, ADVISED_COLUMN):
            self.table.resizeColumnToContents(column)
            header.resizeSection(column, header.sectionSize(column) + 8)
        # The VM column fits the names; "not given: why" wraps below the name.
        metrics = self.table.fontMetrics()
        widest = max((metrics.horizontalAdvance(r["vm"]) for r in rows), default=0)
        header.resizeSection(VM_COLUMN, min(max(widest + 24, _VM_MIN_PX), _VM_MAX_PX))
        self._update_apply_button()

    def _show_report(self, applied: str, refused: list[str]) -> None:
        set_plain(self.report, applied)
        self.report.setVisible(bool(applied))
        set_plain(self.refusals, "\n".join(["Not applied:", *(f"• {line}" for line in
                                                               refused)]))
        self.refusals.setVisible(bool(refused))
        self._update_apply_button()

    @Slot()
    def _on_export_clicked(self) -> None:
        if self.result is None:
            return
        path = export_advice(self, self.result)
        if path:
            set_plain(self.report, f"PowerShell script with the advised settings "
                      f"written to {path}.")
            self.report.setVisible(True)

    @Slot()
    def _update_apply_button(self) -> None:
        pending = self.pending_changes()
        self.apply_button.setEnabled(bool(pending))
        self.apply_button.setToolTip(_APPLY_TIP if pending or self.result is None
                                     else _NOTHING_TO_APPLY)


def _vms(count: int | None) -> str:
    return "does not fit" if count is None else f"{count} VMs"


def _value(value: int, unit: str) -> str:
    return f"{value:,} {unit}" if unit else str(value)  # a weight as Hyper-V shows it


def _table(model: RowsModel) -> QTableView:
    table = QTableView()
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setWordWrap(True)  # long reasons wrap; every cell has its tooltip too
    table.setTextElideMode(Qt.TextElideMode.ElideNone)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)
    return table
