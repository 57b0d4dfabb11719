"""The Capacity Planner's chart: VM count against the worst share of bad time.

One series per mode (static, Dynamic Memory) of the counts the search tried: the
worst Low/Warning share of any VM for the ``ok`` criterion, the worst paging share
for ``no-paging``, failed starts for ``starts``. Filled markers fit, hollow ones do
not, and a cross marks a count where a VM failed to start (its share may be low: the
VM that did not start is not judged). The tolerance is a dashed horizontal line, each mode's answer a dashed vertical
line labelled with its count. Items are created once and updated with ``setData``
(style.md §5.7).
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from dmgui.core.planning.criterion import Criterion
from dmgui.core.planning.planner import PlanResult
from dmgui.qt.plots.style import (
    BACKGROUND,
    FOREGROUND,
    MbAxisItem,
    add_legend,
    empty_text,
    style_plot,
)

COLOURS = {"static": "#1f5fbf", "dynamic": "#d9730d"}
NAMES = {"static": "Static", "dynamic": "Dynamic Memory"}
SYMBOLS = {"static": "s", "dynamic": "o"}
TOLERANCE_COLOUR = "#b22222"
#: The y value of each criterion: (curve key, axis label, scale to the axis unit).
MEASURES = {
    Criterion.OK: ("worst_low_fraction", "Worst Low/Warning share (%)", 100.0),
    Criterion.NO_PAGING: ("worst_paging_fraction", "Worst paging share (%)", 100.0),
    Criterion.STARTS: ("failed_starts", "Failed starts", 1.0),
}
EMPTY_HINT = "The curve of the counts tried appears here."
_MARKER_PX = 9


class CountAxisItem(pg.AxisItem):
    """A bottom axis of whole VM counts (never a tick at 6.5 VMs)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(orientation="bottom", **kwargs)
        self.enableAutoSIPrefix(False)

    def tickSpacing(self, minVal: float, maxVal: float, size: float):
        """One level of ticks, a whole 1-2-5 step about 60 px or more apart."""
        span = abs(maxVal - minVal)
        if span == 0 or size <= 0:
            return [(1.0, 0.0)]
        wanted = max(1.0, span * 60.0 / size)
        power = 10.0 ** math.floor(math.log10(wanted))
        return [(next(m * power for m in (1, 2, 5, 10) if m * power >= wanted), 0.0)]

    def tickStrings(self, values, scale, spacing):
        """Whole numbers."""
        return [f"{v:.0f}" for v in values]


class PlanPlot(QWidget):
    """The chart of a :class:`PlanResult` (empty until :meth:`show_result`)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground(BACKGROUND)
        self.plot = self.graphics.addPlot(
            row=0, col=0, axisItems={"bottom": CountAxisItem(), "left": MbAxisItem()})
        style_plot(self.plot, MEASURES[Criterion.OK][1])
        self.plot.setLabel("bottom", "VMs on the host")
        self.plot.setClipToView(False)
        self.plot.setDownsampling(auto=False)
        self.curves = {mode: self._series(mode) for mode in COLOURS}
        self.failing = {mode: self._hollow(COLOURS[mode], SYMBOLS[mode])
                        for mode in COLOURS}
        for item in self.failing.values():
            self.plot.addItem(item)
        self.tolerance = self._line(0, TOLERANCE_COLOUR, "tolerance", 0.06)
        self.answers = {mode: self._line(90, COLOURS[mode], "", position)
                        for mode, position in (("static", 0.93), ("dynamic", 0.8))}
        add_legend(self.graphics, 1, {NAMES["static"]: self.curves["static"],
                                      NAMES["dynamic"]: self.curves["dynamic"],
                                      "does not fit": self._hollow("#666666", "o"),
                                      "a start failed": self._hollow("#666666", "x")})
        self.hint = empty_text(self.plot, EMPTY_HINT)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.graphics)
        self.clear()

    def clear(self) -> None:
        """No result: empty series, no lines."""
        for mode in COLOURS:
            self.curves[mode].setData([], [])
            self.failing[mode].setData([], [])
            self.answers[mode].setVisible(False)
        self.tolerance.setVisible(False)
        self.plot.setTitle("")
        self.hint.setVisible(True)

    def show_result(self, result: PlanResult) -> None:
        """Draw ``result``'s curve, its tolerance and its two answers."""
        self.hint.setVisible(False)
        criterion = result.request.criterion
        key, label, scale = MEASURES[criterion]
        self.plot.setLabel("left", label)
        rows = result.to_dict()["curve"]
        top = 0.0
        for mode in COLOURS:
            points = sorted((r["vms"], r[key] * scale, r["fits"], r["failed_starts"])
                            for r in rows if r["mode"] == mode)
            self.curves[mode].setData([p[0] for p in points], [p[1] for p in points])
            bad = [p for p in points if not p[2]]
            self.failing[mode].setData([p[0] for p in bad], [p[1] for p in bad],
                                       symbol=["x" if p[3] else SYMBOLS[mode]
                                               for p in bad])
            top = max([top, *(p[1] for p in points)])
            self._mark_answer(mode, getattr(result, mode).max_vms)
        tolerance = result.request.tolerance * scale
        self.tolerance.setVisible(criterion is not Criterion.STARTS)
        self.tolerance.setValue(tolerance)
        self.tolerance.label.setFormat(f"tolerance {tolerance:g} %")
        self.plot.setTitle(f"{label.removesuffix(' (%)')} by VM count",
                           color=FOREGROUND, size="10pt")
        self.plot.enableAutoRange()
        if criterion is not Criterion.STARTS:
            top = max(top, 2 * tolerance)  # the tolerance line is always in view
        self.plot.setYRange(0, top if top > 0 else 1, padding=0.08)

    def _mark_answer(self, mode: str, max_vms: int | None) -> None:
        line = self.answers[mode]
        line.setVisible(max_vms is not None)
        if max_vms is not None:
            line.setValue(max_vms)
            line.label.setFormat(f"{NAMES[mode]}: {max_vms}")

    def _series(self, mode: str) -> pg.PlotDataItem:
        colour = COLOURS[mode]
        return self.plot.plot(pen=pg.mkPen(colour, width=2), symbol=SYMBOLS[mode],
                              symbolSize=_MARKER_PX, symbolBrush=colour,
                              symbolPen=pg.mkPen(colour), name=NAMES[mode])

    def _hollow(self, colour: str, symbol: str) -> pg.ScatterPlotItem:
        item = pg.ScatterPlotItem(size=_MARKER_PX, symbol=symbol,
                                  pen=pg.mkPen(colour, width=1.5), brush=pg.mkBrush("w"))
        item.setZValue(10)  # over the filled markers of the same points
        return item

    def _line(self, angle: int, colour: str, text: str, position: float
              ) -> pg.InfiniteLine:
        line = pg.InfiniteLine(
            angle=angle, pen=pg.mkPen(colour, width=1, style=Qt.PenStyle.DashLine),
            label=text, labelOpts={"position": position, "color": colour,
                                   "fill": pg.mkBrush(255, 255, 255, 220),
                                   "anchors": [(0, 0.5), (0, 0.5)] if angle == 90
                                   else [(0, 1), (0, 1)]})
        self.plot.addItem(line, ignoreBounds=True)
        return line
