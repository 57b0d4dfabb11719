"""The "Virtual machine" tab: demand, assigned memory and buffer target of one VM,
and the Assigned Memory a real host measured for it when it has one (dotted)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from dmgui.core.model.memory import MemorySettings
from dmgui.core.model.scenario import Measured
from dmgui.core.model.states import VmState
from dmgui.qt.plain_text import html_text
from dmgui.qt.plots.base import PlotTab
from dmgui.qt.plots.history import PlotHistory
from dmgui.qt.plots.measured import MeasuredLine
from dmgui.qt.plots.style import (
    COLOURS,
    add_legend,
    empty_text,
    new_curve,
    new_plot,
    pen,
    window_range,
)

NO_DATA = "No data yet — press Run"
NO_VM = "Select a virtual machine to plot it"
_LEVELS = {"minimum": "Minimum", "maximum": "Maximum", "startup": "Startup"}


class VmTab(PlotTab):
    """Memory Demand, Assigned Memory and buffer target of the selected VM over time."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.selected: str | None = None
        self.plot = new_plot(self.graphics, 0)
        # connect="finite": a NaN (an Off VM's Assigned Memory, a guest that does
        # not report) breaks the line, so an Off period is a gap, not 0 MB.
        self.curves = {
            key: new_curve(self.plot, key, connect="finite")
            for key in ("demand", "assigned", "target")
        }
        # The buffer target often equals Assigned Memory (the balancer met it): it is
        # drawn dashed and above the assigned line, so both stay visible there.
        target = self.curves["target"]
        target.setPen(pen("target", dashed=True))
        target.setZValue(self.curves["assigned"].zValue() + 1)
        legend = add_legend(
            self.graphics,
            1,
            {
                "Assigned Memory": self.curves["assigned"],
                "Memory Demand": self.curves["demand"],
                "Buffer target (demand + buffer)": self.curves["target"],
            },
        )
        # Dotted and under every other item (z < 0): where the model agrees with the
        # host the solid lines cover it; the band that dims the part not simulated
        # yet stays under the level lines and the cursor.
        self.measured = MeasuredLine(self.plot, legend)
        self.measured.set_z(-1.0)
        self._measured: dict[str, Measured] = {}
        self.levels = {key: self._level_line(key) for key in _LEVELS}
        self.hint = empty_text(self.plot, NO_DATA)
        self.add_cursor(self.plot)
        self._series: dict[str, np.ndarray] = {}
        self._set_title("", None)

    def set_measured(self, series: dict[str, Measured]) -> None:
        """The measured series of each VM that has one (a new scenario's); drawn
        at the next :meth:`update_from`."""
        self._measured = dict(series)

    def update_from(self, history: PlotHistory) -> None:
        """Draw the selected VM's series from ``history``."""
        self.measured.show(self._measured.get(self.selected) if self.selected else None)
        self.measured.set_now(history.newest_time())
        index = _index_of(history.names, self.selected)
        if index is None or len(history) == 0:
            self._show_empty(history, index)
        else:
            self._show_vm(history, index)
        self.refresh_hover()

    def describe(self, plot: pg.PlotItem, index: int, y: float) -> str:
        """``t=… demand … MB assigned … MB target … MB pressure … %``."""
        s = self._series
        parts = [self.clock(self.times[index]), VmState(int(s["state"][index])).label]
        for key, label in (
            ("demand", "demand"),
            ("assigned", "assigned"),
            ("target", "target"),
        ):
            value = s[key][index]
            if np.isfinite(value):
                parts.append(f"{label} {value:.0f} MB")
        if np.isfinite(s["pressure"][index]):
            parts.append(f"pressure {s['pressure'][index]:.0f} %")
        measured = self.measured.value_at(float(self.times[index]))
        if np.isfinite(measured):
            parts.append(f"measured {measured:.0f} MB")
        return "  ".join(parts)

    # -- drawing -------------------------------------------------------------------

    def _show_vm(self, history: PlotHistory, index: int) -> None:
        settings = history.settings[index]
        t = history.times()
        s = history.vm(index)
        for key, curve in self.curves.items():
            curve.setData(t, s[key])
        self.times, self._series = t, s
        self._set_levels(settings)
        self._set_title(self.selected, settings)
        self.hint.setVisible(False)
        x_range = window_range(t, history.window_s)
        self.plot.setXRange(*x_range, padding=0)
        self._fit_y(s, settings, self.measured.max_between(*x_range))

    def _show_empty(self, history: PlotHistory, index: int | None) -> None:
        for curve in self.curves.values():
            curve.setData([], [])
        self.times, self._series = np.empty(0), {}
        settings = history.settings[index] if index is not None else None
        self._set_levels(settings)
        self._set_title(self.selected if index is not None else "", settings)
        self.hint.setText(NO_DATA if len(history) == 0 else NO_VM)
        self.hint.setVisible(True)
        self.plot.setXRange(0, history.window_s, padding=0)
        top = 1024 if settings is None else settings.startup_mb * 1.2
        measured = self.measured.max_between(0, history.window_s)
        self.plot.setYRange(0, max(top, measured * 1.18))

    def _level_line(self, key: str) -> pg.InfiniteLine:
        colour = COLOURS[key]
        line = pg.InfiniteLine(
            angle=0,
            pen=pen(key, dashed=True),
            label=_LEVELS[key] + " {value:.0f} MB",
            # Maximum sits at the top of the view: its label goes under the line.
            labelOpts={"position": 0.98, "color": colour,
                       "anchors": [(1, 0), (1, 0)] if key == "maximum" else [(1, 1), (1, 1)]},
        )
        line.setVisible(False)
        self.plot.addItem(line, ignoreBounds=True)
        return line

    def _set_levels(self, settings: MemorySettings | None) -> None:
        dynamic = settings is not None and settings.dynamic_memory_enabled
        values = (
            {}
            if settings is None
            else {
                "minimum": settings.minimum_mb,
                "maximum": settings.maximum_mb,
                "startup": settings.startup_mb,
            }
        )
        for key, line in self.levels.items():
            shown = settings is not None and (dynamic != (key == "startup"))
            line.setVisible(shown)
            if shown:
                line.setValue(values[key])

    def _set_title(self, name: str | None, settings: MemorySettings | None) -> None:
        if not name:
            self.plot.setTitle("Virtual machine", color="#333333", size="11pt")
            return
        self.plot.setTitle(
            f"<b>{html_text(name)}</b> &nbsp; <small>{_mode(settings)}</small>",
            color="#333333",
            size="11pt",
        )

    def _fit_y(self, s: dict[str, np.ndarray], settings: MemorySettings,
               measured: float = 0.0) -> None:
        """0 to the data (and Minimum/Startup); Maximum only when near the data.
        ``measured``: the highest measured MB in view."""
        top = max(measured, *(_finite_max(s[k]) for k in ("assigned", "demand", "target")))
        floor = (
            settings.minimum_mb
            if settings.dynamic_memory_enabled
            else settings.startup_mb
        )
        top = max(top, floor, 64.0)
        if settings.dynamic_memory_enabled and settings.maximum_mb <= 1.5 * top:
            top = settings.maximum_mb
        # Headroom for the level lines' labels, which sit above Minimum/Startup.
        self.plot.setYRange(0, top * 1.18, padding=0)


def _mode(settings: MemorySettings | None) -> str:
    """``Dynamic Memory: 512-4096 MB, buffer 20 %`` or ``Static memory: 2048 MB``."""
    if settings is None:
        return ""
    if not settings.dynamic_memory_enabled:
        return f"Static memory: {settings.startup_mb} MB"
    return (
        f"Dynamic Memory: minimum {settings.minimum_mb} MB, maximum "
        f"{settings.maximum_mb} MB, buffer {settings.buffer_percent} %"
    )


def _finite_max(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(finite.max()) if finite.size else 0.0


def _index_of(names: tuple[str, ...], name: str | None) -> int | None:
    try:
        return names.index(name) if name is not None else None
    except ValueError:
        return None
