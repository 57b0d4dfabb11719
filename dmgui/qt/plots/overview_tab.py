"""The "Overview" tab: a pressure heat strip, one row per VM, time left to right."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Slot
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QWidget

from dmgui.core.model.states import VmState
from dmgui.qt.plots.base import PlotTab
from dmgui.qt.plots.history import PlotHistory
from dmgui.qt.plots.style import FOREGROUND, empty_text, new_plot, window_range

NO_DATA = "No data yet — press Run"
PRESSURE_MAX = 150  # top of the colour scale; anything above is as hot as it gets
#: Pressure stops: cool while the buffer holds, yellow at 100 (demand = assigned),
#: hot past 120.
_STOPS = (
    (0, "#313695"),
    (50, "#4575b4"),
    (75, "#74add1"),
    (88, "#abd9e9"),
    (96, "#e0f3f8"),
    (100, "#fee090"),
    (110, "#fdae61"),
    (120, "#d73027"),
    (150, "#a50026"),
)
NOT_REPORTING_RGBA = (150, 150, 150, 255)
OFF_RGBA = (0, 0, 0, 0)  # transparent: the white background shows through
LEGEND = (
    "Pressure = 100 x demand / assigned.  Grey: running, not reporting demand "
    "(static memory, booting, no integration services).  White: Off."
)
_LABEL_PX = 13  # room one VM name needs on the left axis
_NAME_CHARS = 16


def pressure_colour_map() -> pg.ColorMap:
    """Cool → warning (100 %) → hot (≥ 120 %) over 0…:data:`PRESSURE_MAX` %."""
    return pg.ColorMap([p / PRESSURE_MAX for p, _ in _STOPS], [c for _, c in _STOPS])


def heat_rgba(pressure: np.ndarray, state: np.ndarray, lut: np.ndarray) -> np.ndarray:
    """[VMs, T, 4] uint8 colours of a [VMs, T] pressure matrix (NaN = not reporting).

    ``lut`` has one RGBA colour per whole pressure 0…:data:`PRESSURE_MAX`; two
    entries are appended for "not reporting" and "Off".
    """
    lut = np.vstack([lut, NOT_REPORTING_RGBA, OFF_RGBA]).astype(np.uint8)
    level = np.rint(np.clip(pressure, 0, PRESSURE_MAX))
    index = np.where(np.isnan(level), PRESSURE_MAX + 1, level).astype(np.uint8)
    index[state == VmState.OFF] = PRESSURE_MAX + 2
    # One 32-bit word per colour: the look-up gathers words, not bytes (8x faster).
    words = np.take(lut.view(np.uint32).ravel(), np.ascontiguousarray(index))
    return words.view(np.uint8).reshape(*index.shape, 4)


def column_span(n_rows: int, step_s: int, width_px: int) -> int:
    """Seconds per image column so that about one column falls on each pixel."""
    factor = max(1, n_rows // width_px) if width_px > 0 else 1
    return factor * step_s


def peak_reduce(
    values: np.ndarray, times: np.ndarray, step_s: int, span: int, fill: float
) -> np.ndarray:
    """[columns, VMs] peak of [T, VMs] ``values`` over columns of ``span`` seconds.

    Columns are aligned to absolute time so the picture does not shimmer as data
    scrolls in, and each keeps the worst value of its rows (NaN and ``fill`` are
    ignored), so short spikes stay visible when 3600 seconds share 900 pixels.
    """
    peak = np.fmax if values.dtype.kind == "f" else np.maximum
    factor = span // step_s
    if factor == 1:
        return values
    first = times[0] // span * span
    cols = int(times[-1] // span - first // span) + 1
    offset = int(times[0] - first) // step_s
    if times[-1] - times[0] != (len(times) - 1) * step_s:  # rows not evenly spaced
        starts = np.flatnonzero(np.r_[True, np.diff(times // span) > 0])
        return peak.reduceat(values, starts, axis=0)
    padded = np.full((cols * factor, values.shape[1]), fill, values.dtype)
    padded[offset : offset + len(values)] = values
    out = padded[0::factor].copy()
    for k in range(1, factor):  # a few whole-array passes beat ufunc.reduceat 10x
        peak(out, padded[k::factor], out=out)
    return out


class OverviewTab(PlotTab):
    """Pressure of every VM at a glance; with 64 VMs the row names thin out."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = new_plot(
            self.graphics, 0, title="Memory pressure of every VM", y_label=""
        )
        self.plot.getViewBox().invertY(True)
        self.plot.showGrid(x=True, y=False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        cmap = pressure_colour_map()
        self._lut = cmap.getLookupTable(0.0, 1.0, PRESSURE_MAX + 1, alpha=True)
        self.colour_bar = pg.ColorBarItem(
            values=(0, PRESSURE_MAX),
            colorMap=cmap,
            label="Pressure %",
            interactive=False,
            colorMapMenu=False,
            width=18,
            pen=FOREGROUND,
        )
        for side in ("left", "right"):
            self.colour_bar.getAxis(side).setTextPen(FOREGROUND)
        self.graphics.addItem(self.colour_bar, row=0, col=1)
        self.graphics.addLabel(
            LEGEND, row=1, col=0, colspan=2, color=FOREGROUND, size="8pt"
        )
        self.hint = empty_text(self.plot, NO_DATA)
        self.add_cursor(self.plot)
        self.names: tuple[str, ...] = ()
        self._history: PlotHistory | None = None
        self._pressure = np.empty((0, 0))
        self._state = np.empty((0, 0), np.int8)
        self.plot.getViewBox().sigResized.connect(self._on_resized)

    def update_from(self, history: PlotHistory) -> None:
        """Paint the heat strip from ``history``."""
        self._history = history
        if history.names != self.names:
            self.names = history.names
            self._set_row_ticks()
        n = len(self.names)
        if len(history) == 0 or n == 0:
            self.image.clear()
            self.times = np.empty(0)
            self._pressure = np.empty((n, 0))
        else:
            self._draw(history)
        self.hint.setVisible(self.times.size == 0)
        t0, t1 = window_range(self.times, history.window_s)
        self.plot.setXRange(t0, t1 + history.step_s, padding=0)
        self.plot.setYRange(0, max(n, 1), padding=0)
        self.refresh_hover()

    def describe(self, plot: pg.PlotItem, index: int, y: float) -> str:
        """``t=… VM name pressure … %`` (or its state when it does not report)."""
        row = math.floor(y)
        if not 0 <= row < len(self.names):
            return self.clock(self.times[index])
        value = self._pressure[row, index]
        state = VmState(int(self._state[row, index]))
        if np.isfinite(value):
            what = f"pressure {value:.0f} %"
        elif state is VmState.OFF:
            what = "Off"
        else:
            what = f"{state.label}, not reporting demand"
        return f"{self.clock(self.times[index])}  {self.names[row]}  {what}"

    def _draw(self, history: PlotHistory) -> None:
        self.times = history.times()
        self._pressure = history.matrix("pressure")
        self._state = history.matrix("state")
        step = history.step_s
        span = column_span(self.times.size, step, int(self.plot.getViewBox().width()))
        # .T gives back the [T, VMs] ring layout, whose rows are contiguous.
        pressure = peak_reduce(self._pressure.T, self.times, step, span, np.nan)
        state = peak_reduce(self._state.T, self.times, step, span, VmState.OFF)
        rgba = heat_rgba(pressure.T, state.T, self._lut)
        self.image.setImage(rgba, autoLevels=False)
        x0 = (self.times[0] // span) * span
        width = (self.times[-1] // span + 1) * span - x0
        self.image.setRect(QRectF(float(x0), 0.0, float(width), float(len(self.names))))

    @Slot()
    def _on_resized(self) -> None:
        self._set_row_ticks()
        if self._history is not None and self.times.size:
            self.update_from(self._history)  # columns are sized to the view's pixels

    def _set_row_ticks(self) -> None:
        """Name every row if there is room, else every ``stride``-th one."""
        n = len(self.names)
        height = self.plot.getViewBox().height()
        stride = max(1, math.ceil(n * _LABEL_PX / height)) if height > 0 else 1
        ticks = [(i + 0.5, _short(self.names[i])) for i in range(0, n, stride)]
        axis = self.plot.getAxis("left")
        axis.setTicks([ticks, []])
        metrics = QFontMetrics(axis.style["tickFont"] or QFont())
        widest = max(
            (metrics.horizontalAdvance(label) for _, label in ticks), default=20
        )
        axis.setWidth(widest + 16)  # plus tick mark and text offset


def _short(name: str) -> str:
    return name if len(name) <= _NAME_CHARS else name[: _NAME_CHARS - 1] + "…"
