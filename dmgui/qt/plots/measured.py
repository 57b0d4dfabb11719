"""The "measured" line of the VM tab: the Assigned Memory a real host logged for the
VM (``VirtualMachine.measured``, written by ``dmgui import``), dotted next to the
simulated one, so one sees where the model and the host part ways (issue 10).

The series is static: its data is set once per VM or scenario change, never per
frame. The whole series is drawn, so the part the simulation has not reached yet
shows what is coming; that part is dimmed by a translucent white band from the
simulated time on (moving the band is the only per-frame work).

Modelling choice: the importer leaves blank samples out (a VM that was off, a
counter that was not logged), so a gap longer than :data:`GAP_FACTOR` typical
sample intervals breaks the line rather than drawing a straight line across it.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg

from dmgui.core.model.scenario import Measured
from dmgui.qt.plain_text import html_text
from dmgui.qt.plots.style import DOWNSAMPLE_FACTOR, pen

#: The curve's name (``PlotDataItem.name()``) and the legend's word for it.
NAME = "measured"
LEGEND_LABEL = "Measured"
#: A gap between samples longer than this many typical intervals breaks the line.
GAP_FACTOR = 3.0
#: The dimming band over the part ahead of the simulated time (white, translucent).
AHEAD_BRUSH = (255, 255, 255, 165)
_SOURCE_CHARS = 40  # a long file name is shortened in the legend


def measured_arrays(measured: Measured) -> tuple[np.ndarray, np.ndarray]:
    """Seconds and MB of ``measured``, with a NaN point in each long gap (module
    docstring) so that a ``connect="finite"`` curve breaks there."""
    points = np.asarray(measured.assigned, dtype=float).reshape(-1, 2)
    t, mb = points[:, 0], points[:, 1]
    steps = np.diff(t)
    positive = steps[steps > 0]
    if positive.size == 0:
        return t, mb
    gaps = np.flatnonzero(steps > GAP_FACTOR * float(np.median(positive)))
    # The NaN point repeats the time before the gap: times stay non-decreasing.
    return np.insert(t, gaps + 1, t[gaps]), np.insert(mb, gaps + 1, np.nan)


def legend_label(measured: Measured) -> str:
    """``Measured (perfmon.csv)``, as legend HTML (the file name is escaped)."""
    source = measured.source
    if not source:
        return LEGEND_LABEL
    if len(source) > _SOURCE_CHARS:
        source = source[: _SOURCE_CHARS - 1] + "…"
    return f"{LEGEND_LABEL} ({html_text(source)})"


class MeasuredLine:
    """The dotted measured curve of one plot, its legend entry and its dimmed part.

    Parameters
    ----------
    plot:
        The VM tab's plot.
    legend:
        The tab's legend; the entry is there only while a series is shown, so a VM
        without one looks exactly as before.
    """

    def __init__(self, plot: pg.PlotItem, legend: pg.LegendItem) -> None:
        self.curve = plot.plot(pen=pen("measured", dotted=True, width=2),
                               autoDownsampleFactor=DOWNSAMPLE_FACTOR,
                               connect="finite", name=NAME)
        self.ahead = pg.LinearRegionItem(movable=False, brush=AHEAD_BRUSH,
                                         pen=pg.mkPen(None))
        self.ahead.setVisible(False)
        plot.addItem(self.ahead, ignoreBounds=True)
        self.legend = legend
        self.source: Measured | None = None
        self.times = np.empty(0)
        self.values = np.empty(0)

    def set_z(self, z: float) -> None:
        """Draw the curve at ``z`` and the band just above it."""
        self.curve.setZValue(z)
        self.ahead.setZValue(z + 0.5)

    def show(self, measured: Measured | None) -> None:
        """Draw ``measured`` (None: nothing); no work when it is already drawn."""
        if measured is self.source:
            return
        self.source = measured
        if measured is None:
            self.times, self.values = np.empty(0), np.empty(0)
        else:
            self.times, self.values = measured_arrays(measured)
        self.curve.setData(self.times, self.values)
        self._show_in_legend(measured)
        if measured is None:
            self.ahead.setVisible(False)

    def set_now(self, now: float) -> None:
        """Dim the part after the simulated time ``now`` (NaN: nothing simulated)."""
        start = 0.0 if math.isnan(now) else now
        end = float(self.times[-1]) if self.times.size else 0.0
        ahead = end > start
        self.ahead.setVisible(ahead)
        if ahead:
            self.ahead.setRegion((start, end))

    def value_at(self, t: float) -> float:
        """The measured MB at time ``t``, as the line draws it (NaN outside it or in
        a gap)."""
        if self.times.size == 0 or not self.times[0] <= t <= self.times[-1]:
            return math.nan
        return float(np.interp(t, self.times, self.values))

    def max_between(self, x0: float, x1: float) -> float:
        """The highest measured MB between times ``x0`` and ``x1`` (0 if none)."""
        lo, hi = np.searchsorted(self.times, (x0, x1), side="left")
        hi = min(int(hi) + 1, self.times.size)  # the point that ends the line at x1
        values = self.values[max(int(lo) - 1, 0):hi]
        values = values[np.isfinite(values)]
        return float(values.max()) if values.size else 0.0

    def _show_in_legend(self, measured: Measured | None) -> None:
        """One legend row: the entry is the last column while a series is shown."""
        legend = self.legend
        legend.removeItem(self.curve)
        extra = 0 if measured is None else 1
        legend.setColumnCount(len(legend.items) + extra)
        if measured is not None:
            legend.addItem(self.curve, legend_label(measured))
