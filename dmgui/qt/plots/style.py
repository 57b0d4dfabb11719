"""Shared look of dmgui's plots: a light theme, a simulated-time axis and an MB axis."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt  # PySide6 before pyqtgraph (style.md §5.8)

import pyqtgraph as pg  # noqa: I001

BACKGROUND = "w"
FOREGROUND = "#333333"
GRID_ALPHA = 0.25
#: Curve colours (Hyper-V Manager-like blues and oranges, readable on white).
COLOURS = {
    "demand": "#d9730d",
    "assigned": "#1f5fbf",
    "target": "#7a7a7a",
    "minimum": "#2e8b57",
    "maximum": "#b22222",
    "startup": "#6a3d9a",
    "available": "#2e8b57",
    "pool": "#222222",
    "pressure": "#b22222",
    "cursor": "#888888",
}

# "Nice" tick steps for a clock axis, in seconds: 1 s … 1 day.
_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800,
          21600, 43200, 86400)


def format_clock(seconds: float) -> str:
    """Simulated seconds as ``h:mm:ss`` (hours keep counting past a day)."""
    if not math.isfinite(seconds):
        return ""
    total = int(round(seconds))
    sign = "-" if total < 0 else ""
    hours, rest = divmod(abs(total), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours}:{minutes:02d}:{secs:02d}"


class TimeAxisItem(pg.AxisItem):
    """A bottom axis of simulated time in ``h:mm:ss`` with clock-friendly tick steps."""

    def __init__(self, **kwargs) -> None:
        super().__init__(orientation="bottom", **kwargs)

    def tickSpacing(self, minVal: float, maxVal: float, size: float):  # noqa: N802 (Qt API)
        """Major ticks about every 110 px on a 1-2-5-15-30 clock scale, minor ticks between."""
        span = abs(maxVal - minVal)
        if span == 0 or size <= 0:
            return [(1.0, 0.0)]
        wanted = span * 110.0 / size
        major = next((s for s in _STEPS if s >= wanted), _STEPS[-1])
        minor = next((s for s in reversed(_STEPS) if s < major and major % s == 0), major)
        return [(float(major), 0.0), (float(minor), 0.0)]

    def tickStrings(self, values, scale, spacing):  # noqa: N802 (Qt API)
        """Each tick as ``h:mm:ss``."""
        return [format_clock(v) for v in values]


def style_plot(plot: pg.PlotItem, y_label: str = "MB") -> None:
    """Light-theme axes, a grid, no mouse zoom (the window controls the range)."""
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setPen(FOREGROUND)
        axis.setTextPen(FOREGROUND)
        axis.enableAutoSIPrefix(False)
    plot.setLabel("left", y_label)
    plot.setLabel("bottom", "Simulated time (h:mm:ss)")
    plot.showGrid(x=True, y=True, alpha=GRID_ALPHA)
    plot.setMouseEnabled(x=False, y=False)
    plot.setMenuEnabled(False)
    plot.hideButtons()
    plot.setClipToView(True)
    plot.setDownsampling(auto=True, mode="peak")


def new_plot(layout: pg.GraphicsLayoutWidget, row: int, title: str = "",
             y_label: str = "MB") -> pg.PlotItem:
    """A styled :class:`PlotItem` with a simulated-time axis, added at ``row`` of ``layout``."""
    plot = layout.addPlot(row=row, col=0, title=title,
                          axisItems={"bottom": TimeAxisItem()})
    style_plot(plot, y_label)
    return plot


def add_legend(plot: pg.PlotItem, columns: int = 4) -> pg.LegendItem:
    """A compact, semi-opaque legend in the top-left corner of ``plot``."""
    return plot.addLegend(offset=(8, 4), colCount=columns, brush=(255, 255, 255, 210),
                          pen=FOREGROUND, labelTextColor=FOREGROUND, labelTextSize="8pt")


def pen(key: str, width: float = 1.5, dashed: bool = False):
    """The pen for series ``key`` of :data:`COLOURS`."""
    style = Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
    return pg.mkPen(COLOURS[key], width=width, style=style)


def empty_text(plot: pg.PlotItem, text: str) -> pg.TextItem:
    """A hint centred in ``plot``'s view (in pixels, so it ignores the data range)."""
    view = plot.getViewBox()
    item = pg.TextItem(text, color="#777777", anchor=(0.5, 0.5))
    item.setZValue(100)
    item.setParentItem(view)

    def centre() -> None:
        item.setPos(view.boundingRect().center())

    view.sigResized.connect(centre)
    centre()
    return item
