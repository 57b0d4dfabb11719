"""The Capacity Planner's answer: the headline, the chart, the curve and the sweep.

The headline says what :meth:`PlanResult.summary()
<dmgui.core.planning.planner.PlanResult.summary>` says, one fact a line: both counts
and the gain, what stops one more VM in each mode, and what was asked. Below it the
chart (:class:`~dmgui.qt.planner_plot.PlanPlot`) and, in tabs, the curve and the
sweep as tables (:mod:`dmgui.qt.planner_tables`).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from dmgui.core.planning.planner import PlanResult
from dmgui.core.planning.search import Answer
from dmgui.qt.plain_text import set_plain
from dmgui.qt.planner_plot import PlanPlot
from dmgui.qt.planner_tables import (
    CURVE_COLUMNS,
    RowsModel,
    gain_text,
    limit_text,
    result_header,
    sweep_columns,
)
from dmgui.qt.plots.style import format_clock

EMPTY_HEADLINE = "No plan yet"
EMPTY_DETAIL = ("Choose the template VM and what “fits” means, then press Plan: the "
                "planner adds copies of the template until one more would not fit, "
                "with Dynamic Memory and with static memory.")
CURVE_TAB, SWEEP_TAB = range(2)


def headline(result: PlanResult) -> str:
    """``Static: 6 VMs · Dynamic Memory: 7 VMs (+17 %)``."""
    text = f"Static: {_count(result.static)} · Dynamic Memory: {_count(result.dynamic)}"
    if result.density_gain is not None:
        text += f" ({gain_text(result.density_gain)})"
    return text


def limits_text(result: PlanResult) -> str:
    """What stops one more VM in each mode, a line each."""
    lines = []
    for name, answer in (("Dynamic Memory", result.dynamic), ("Static", result.static)):
        limit = answer.to_dict()["limited_by"]
        if answer.capped:
            lines.append(f"{name}: reached Max VMs ({result.request.max_vms}); more "
                         "may fit")
        elif answer.max_vms is None:
            lines.append(f"{name}, the scenario as written: {limit_text(limit)}")
        elif limit is not None:
            lines.append(f"{name}, one more: {limit_text(limit)}")
    return "\n".join(lines)


def question_text(result: PlanResult, simulations: int, seconds: float) -> str:
    """What was asked, and what it took."""
    r = result.request
    return (f"Template {result.template} · criterion {r.criterion.value} · tolerance "
            f"{100 * r.tolerance:g} % · horizon {format_clock(r.horizon_s)} · "
            f"{simulations} simulations in {seconds:.1f} s")


def _count(answer: Answer) -> str:
    if answer.max_vms is None:
        return "does not fit"
    return f"{answer.max_vms} VMs" + (" or more" if answer.capped else "")


class PlanResults(QWidget):
    """Shows one :class:`PlanResult` (or nothing yet)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.result: PlanResult | None = None
        self.headline, self.limits, self.question = result_header(EMPTY_HEADLINE,
                                                             EMPTY_DETAIL)
        self.plot = PlanPlot()
        self.curve_model = RowsModel(CURVE_COLUMNS, self)
        self.sweep_model = RowsModel(sweep_columns([]), self)
        self.tabs = QTabWidget()
        self.curve_table = _table(self.curve_model)
        self.sweep_table = _table(self.sweep_model)
        self.tabs.addTab(self.curve_table, "C&urve")
        self.tabs.addTab(self.sweep_table, "Sw&eep")
        self.tabs.setTabToolTip(CURVE_TAB, "Every count simulated, in both modes")
        self.tabs.setTabToolTip(SWEEP_TAB, "The Dynamic Memory answer for each value "
                                "of the swept settings")
        rows = self.curve_table.verticalHeader().defaultSectionSize()
        self.tabs.setMinimumHeight(8 * rows)  # the header, the tab bar and five rows
        self.plot.setMinimumHeight(240)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.plot)
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for label in (self.headline, self.limits, self.question):
            layout.addWidget(label)
        layout.addWidget(split, stretch=1)
        self.clear()

    def clear(self) -> None:
        """Back to "no plan yet"."""
        self.result = None
        set_plain(self.headline, EMPTY_HEADLINE)
        set_plain(self.limits, EMPTY_DETAIL)
        self.question.hide()
        self.plot.clear()
        self.curve_model.set_rows([])
        self.sweep_model.set_rows([], sweep_columns([]))
        self.tabs.setTabEnabled(SWEEP_TAB, False)
        self._fit_columns()

    def show_result(self, result: PlanResult, simulations: int, seconds: float) -> None:
        """Show ``result``, found with ``simulations`` runs in ``seconds``."""
        self.result = result
        data = result.to_dict()
        set_plain(self.headline, headline(result))
        set_plain(self.limits, limits_text(result))
        set_plain(self.question, question_text(result, simulations, seconds))
        self.question.show()
        self.plot.show_result(result)
        self.curve_model.set_rows(data["curve"])
        self.sweep_model.set_rows(result.sweep, sweep_columns(result.sweep))
        self.tabs.setTabEnabled(SWEEP_TAB, bool(result.sweep))
        self._fit_columns()

    def _fit_columns(self) -> None:
        for table in (self.curve_table, self.sweep_table):
            table.resizeColumnsToContents()


def _table(model: RowsModel) -> QTableView:
    table = QTableView()
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 6)
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    return table
