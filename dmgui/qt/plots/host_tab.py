"""The "Host" tab: memory assigned to all VMs, Available Memory and Average Pressure."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from dmgui.qt.plots.base import PlotTab
from dmgui.qt.plots.history import PlotHistory
from dmgui.qt.plots.style import (
    COLOURS,
    add_legend,
    empty_text,
    fill_brush,
    new_curve,
    new_plot,
    pen,
    window_range,
)

NO_DATA = "No data yet — press Run"


class HostTab(PlotTab):
    """Stacked areas (assigned, then available up to the VM pool) and pressure."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.memory = new_plot(self.graphics, 0)  # the tab is titled "Host" already
        self.pressure = new_plot(self.graphics, 2, y_label="%")
        self.pressure.getAxis("left").label_px = 22  # a short plot: ticks every 50 %
        self.pressure.setXLink(self.memory)
        self.memory.getAxis("bottom").setLabel("")
        # The pressure plot below shares the time axis and labels it: save the room.
        self.memory.getAxis("bottom").setStyle(showValues=False)
        self.graphics.ci.layout.setRowStretchFactor(0, 3)
        self.graphics.ci.layout.setRowStretchFactor(2, 1)
        # Pool first so the assigned area is painted over its lower part.
        self.curves = {
            "pool": new_curve(
                self.memory, "pool", fillLevel=0, brush=fill_brush("available")
            ),
            "assigned": new_curve(
                self.memory, "assigned", fillLevel=0, brush=fill_brush("assigned")
            ),
            "average_pressure": new_curve(self.pressure, "pressure"),
        }
        add_legend(
            self.graphics,
            1,
            {
                "Assigned Memory (all VMs)": self.curves["assigned"],
                "Available Memory (up to the VM memory pool line)": self.curves["pool"],
                "Average Pressure": self.curves["average_pressure"],
            },
        )
        self.pressure.addItem(
            pg.InfiniteLine(
                100,
                angle=0,
                pen=pen("cursor", dashed=True),
                label="100 %",
                labelOpts={  # under the line: above it the short plot clips the text
                    "position": 0.99,
                    "color": COLOURS["cursor"],
                    "anchors": [(1, 0), (1, 0)],
                },
            ),
            ignoreBounds=True,
        )
        self.hint = empty_text(self.memory, NO_DATA)
        self.add_cursor(self.memory)
        self.add_cursor(self.pressure)
        self._series: dict[str, np.ndarray] = {}

    def update_from(self, history: PlotHistory) -> None:
        """Draw the host series of ``history``."""
        if len(history) == 0:
            t = np.empty(0)
            s = {
                key: np.empty(0)
                for key in ("assigned", "available", "average_pressure")
            }
        else:
            t, s = history.times(), history.host()
        s["pool"] = s["assigned"] + s["available"]
        for key, curve in self.curves.items():
            curve.setData(t, s[key])
        self.times, self._series = t, s
        self.hint.setVisible(t.size == 0)
        self.memory.setXRange(*window_range(t, history.window_s), padding=0)
        top = float(np.nanmax(s["pool"])) if t.size else 1024.0
        self.memory.setYRange(0, max(top, 1.0) * 1.2, padding=0)  # room for the legend
        self._fit_pressure(s["average_pressure"])
        self.refresh_hover()

    def describe(self, plot: pg.PlotItem, index: int, y: float) -> str:
        """``t=… assigned … MB available … MB pool … MB average pressure … %``."""
        s = self._series
        text = (
            f"{self.clock(self.times[index])}  assigned {s['assigned'][index]:.0f} MB"
            f"  available {s['available'][index]:.0f} MB"
            f"  pool {s['pool'][index]:.0f} MB"
        )
        pressure = s["average_pressure"][index]
        if np.isfinite(pressure):
            text += f"  average pressure {pressure:.0f} %"
        return text

    def _fit_pressure(self, values: np.ndarray) -> None:
        finite = values[np.isfinite(values)]
        top = max(120.0, float(finite.max()) if finite.size else 0.0)
        self.pressure.setYRange(0, top * 1.05, padding=0)
