"""Shared look of dmgui's plots: a light theme, a simulated-time axis and an MB axis."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QPen

BACKGROUND = "w"
FOREGROUND = "#333333"
GRID_ALPHA = 0.25
LEFT_AXIS_PX = 72
#: Samples drawn per pixel column before peak downsampling kicks in (pyqtgraph's default
#: is 5). With 1, a full 3600-point window draws about two points per pixel.
DOWNSAMPLE_FACTOR = 1.0
#: Curve colours (Hyper-V Manager-like blues and oranges, readable on white).
COLOURS = {
    "demand": "#d9730d",
    "assigned": "#1f5fbf",
    "measured": "#0a9bc4",  # the real host's Assigned Memory: a cyan of Assigned's blue
    "target": "#9467bd",
    "minimum": "#2e8b57",
    "maximum": "#b22222",
    "startup": "#555555",
    "available": "#2e8b57",
    "pool": "#222222",
    "pressure": "#b22222",
    "cursor": "#888888",
}

#: Area fills: light tints of the curve colours, opaque.
FILLS = {"assigned": "#b3cdf0", "available": "#c9ebc9"}

# "Nice" tick steps for a clock axis, in seconds: 1 s … 1 day.
_SIXTIES = (1, 2, 5, 10, 15, 30)
_STEPS = (
    *_SIXTIES,
    *(60 * m for m in _SIXTIES),
    *(3600 * h for h in (1, 2, 3, 6, 12, 24)),
)


def format_clock(seconds: float) -> str:
    """Simulated seconds as ``h:mm:ss``, or ``d.hh:mm:ss`` from one day on."""
    if not math.isfinite(seconds):
        return ""
    total = round(seconds)
    sign = "-" if total < 0 else ""
    days, rest = divmod(abs(total), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock = f"{hours}:{minutes:02d}:{secs:02d}"
    # Past a day, as the Uptime column and the clock show it: d.hh:mm:ss
    return f"{sign}{days}.{hours:02d}:{minutes:02d}:{secs:02d}" if days else sign + clock


class TimeAxisItem(pg.AxisItem):
    """A bottom axis of simulated time in ``h:mm:ss`` with clock-friendly tick steps."""

    def __init__(self, **kwargs) -> None:
        super().__init__(orientation="bottom", **kwargs)

    def tickSpacing(self, minVal: float, maxVal: float, size: float):
        """Major ticks about every 110 px on a clock scale, minor ticks between."""
        span = abs(maxVal - minVal)
        if span == 0 or size <= 0:
            return [(1.0, 0.0)]
        wanted = span * 110.0 / size
        major = next((s for s in _STEPS if s >= wanted), _STEPS[-1])
        minor = next(
            (s for s in reversed(_STEPS) if s < major and major % s == 0), major
        )
        return [(float(major), 0.0), (float(minor), 0.0)]

    def tickStrings(self, values, scale, spacing):
        """Each tick as ``h:mm:ss``."""
        return [format_clock(v) for v in values]


def window_range(times, window_s: int) -> tuple[float, float]:
    """The x range of a rolling window over ``times``: it fills from the first
    sample, then follows the newest one."""
    if len(times) == 0:
        return 0.0, float(window_s)
    x1 = max(float(times[-1]), float(times[0]) + window_s)
    return x1 - window_s, x1


class MbAxisItem(pg.AxisItem):
    """A left axis of MB or %: 1-2-5 steps ``label_px`` or more apart, no SI prefix."""

    def __init__(self, label_px: float = 45.0, **kwargs) -> None:
        super().__init__(orientation="left", **kwargs)
        self.label_px = label_px
        self.enableAutoSIPrefix(False)

    def tickSpacing(self, minVal: float, maxVal: float, size: float):
        """One level of ticks: the smallest 1-2-5 step ``label_px`` or more apart."""
        span = abs(maxVal - minVal)
        if span == 0 or size <= 0:
            return [(1.0, 0.0)]
        wanted = span * self.label_px / size
        power = 10.0 ** math.floor(math.log10(wanted))
        step = next(m * power for m in (1, 2, 5, 10) if m * power >= wanted)
        # A short plot may want a step wider than its range: fall back to the widest
        # 1-2-5 step that still puts two ticks in view, so the axis is never bare.
        low, high = min(minVal, maxVal), max(minVal, maxVal)
        while math.floor(high / step) - math.ceil(low / step) + 1 < 2:
            step = _smaller_125(step)
        return [(step, 0.0)]


def _smaller_125(step: float) -> float:
    """The next smaller value of the 1-2-5 series (5 -> 2 -> 1 -> 0.5 ...)."""
    power = 10.0 ** math.floor(math.log10(step) + 1e-9)
    mantissa = round(step / power)
    return power * {5: 2, 2: 1}.get(mantissa, 0.5)


def style_plot(plot: pg.PlotItem, y_label: str = "MB") -> None:
    """Light-theme axes, a grid, no mouse zoom (the window controls the range)."""
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setPen(FOREGROUND)
        axis.setTextPen(FOREGROUND)
        axis.enableAutoSIPrefix(False)
        # Major ticks only: translucent minor grid lines doubled the paint time
        # (measured 64 VMs, 3600 points: VM tab 16 -> 8 ms, Host tab 24 -> 13 ms).
        axis.setStyle(maxTickLevel=0)
    plot.getAxis("left").setWidth(LEFT_AXIS_PX)  # aligns stacked plots; fits "1000000"
    plot.setLabel("left", y_label)
    plot.setLabel("bottom", "Simulated time (h:mm:ss)")
    plot.showGrid(x=True, y=True, alpha=GRID_ALPHA)
    plot.setMouseEnabled(x=False, y=False)
    plot.setMenuEnabled(False)
    plot.hideButtons()
    plot.setClipToView(True)
    plot.setDownsampling(auto=True, mode="peak")


def new_plot(
    layout: pg.GraphicsLayoutWidget, row: int, title: str = "", y_label: str = "MB"
) -> pg.PlotItem:
    """A styled :class:`PlotItem` with a time axis, added at ``row`` of ``layout``."""
    plot = layout.addPlot(
        row=row, col=0, axisItems={"bottom": TimeAxisItem(), "left": MbAxisItem()}
    )
    if title:
        plot.setTitle(title, color=FOREGROUND, size="11pt")
    style_plot(plot, y_label)
    return plot


def add_legend(
    layout: pg.GraphicsLayoutWidget, row: int, items: dict[str, pg.GraphicsObject]
) -> pg.LegendItem:
    """A one-line legend in its own ``row`` of ``layout``, so it never hides data."""
    legend = pg.LegendItem(
        colCount=len(items),
        labelTextColor=FOREGROUND,
        labelTextSize="9pt",
        horSpacing=20,
    )
    for name, item in items.items():
        legend.addItem(item, name)
    layout.addItem(legend, row=row, col=0)
    return legend


def pen(key: str, dashed: bool = False, dotted: bool = False, width: float = 1) -> QPen:
    """The pen (1 px by default) for series ``key`` of :data:`COLOURS`.

    Qt's raster engine draws 1-px cosmetic lines far faster than wider or dashed
    ones (a 3600-point curve at width 2: about twice the paint time), so live curves
    use solid 1-px pens; ``dashed`` is for two-point lines such as levels, ``dotted``
    for the static measured series.
    """
    style = (Qt.PenStyle.DotLine if dotted else
             Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine)
    return pg.mkPen(COLOURS[key], width=width, style=style)


def new_curve(plot: pg.PlotItem, key: str, **kwargs) -> pg.PlotDataItem:
    """An empty curve of series ``key``, clipped and peak-downsampled by ``plot``."""
    return plot.plot(pen=pen(key), autoDownsampleFactor=DOWNSAMPLE_FACTOR, **kwargs)


def fill_brush(key: str) -> QBrush:
    """The light, opaque brush of area ``key`` (faster to paint than alpha)."""
    return pg.mkBrush(FILLS[key])


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
