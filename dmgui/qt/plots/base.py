"""A plot tab: a pyqtgraph layout, a hover read-out line and a time cursor.

The read-out line ends in a "What these numbers mean" link (also F1 in the main
window): the tab emits :attr:`PlotTab.help_requested` and the plot panel passes it on.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from dmgui.qt.plots.history import PlotHistory
from dmgui.qt.plots.style import BACKGROUND, COLOURS, format_clock

HOVER_HINT = "Move the mouse over a plot to read its values."
HELP_LINK_TEXT = "What these numbers mean (F1)"
HELP_LINK_TIP = ("Assigned Memory, Memory Demand, pressure, buffer target, Available "
                 "Memory and Memory Status, explained")


class PlotTab(QWidget):
    """Base of the three tabs; subclasses build plots and implement the hooks.

    Subclasses implement :meth:`update_from` (draw the history) and
    :meth:`describe` (the read-out text at a hovered point), and call
    :meth:`add_cursor` for each plot that reacts to the mouse.

    Signals
    -------
    help_requested():
        The read-out line's "What these numbers mean" link was clicked.
    """

    help_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground(BACKGROUND)
        self.readout = QLabel(HOVER_HINT)
        self.readout.setTextFormat(Qt.TextFormat.PlainText)
        # A long read-out is cut at the link; it never widens the tab.
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored,
                                   QSizePolicy.Policy.Preferred)
        self.help_link = QLabel(f'<a href="help:numbers">{HELP_LINK_TEXT}</a>')
        self.help_link.setTextFormat(Qt.TextFormat.RichText)
        self.help_link.setToolTip(HELP_LINK_TIP)
        self.help_link.linkActivated.connect(self._on_help_link)
        readout_row = QHBoxLayout()
        readout_row.setContentsMargins(0, 0, 0, 0)
        readout_row.addWidget(self.readout, stretch=1)
        readout_row.addWidget(self.help_link)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        layout.addWidget(self.graphics, stretch=1)
        layout.addLayout(readout_row)
        self.times = np.empty(0)  # times of the drawn columns, for hover look-ups
        self._cursors: list[tuple[pg.PlotItem, pg.InfiniteLine]] = []
        self._hover: QPointF | None = None
        self.graphics.scene().sigMouseMoved.connect(self._on_mouse_moved)

    # -- hooks -------------------------------------------------------------------

    def update_from(self, history: PlotHistory) -> None:
        """Redraw from ``history`` (curves are updated in place)."""
        raise NotImplementedError

    def describe(self, plot: pg.PlotItem, index: int, y: float) -> str:
        """Read-out text for the drawn column ``index`` at height ``y`` of ``plot``."""
        raise NotImplementedError

    # -- helpers for subclasses ----------------------------------------------------

    def add_cursor(self, plot: pg.PlotItem) -> None:
        """Make ``plot`` answer the mouse, with a vertical line at the hovered time."""
        line = pg.InfiniteLine(angle=90, pen=pg.mkPen(COLOURS["cursor"], width=1))
        line.setVisible(False)
        plot.addItem(line, ignoreBounds=True)
        self._cursors.append((plot, line))

    def nearest(self, x: float) -> int | None:
        """Index of the drawn column nearest to time ``x`` (None if none is drawn)."""
        n = self.times.size
        if n == 0:
            return None
        i = int(np.searchsorted(self.times, x))
        if i >= n or (i > 0 and x - self.times[i - 1] < self.times[i] - x):
            i -= 1
        return max(i, 0)

    def refresh_hover(self) -> None:
        """Re-read the values under a resting mouse after the data moved on."""
        if self._hover is not None:
            self.hover_at(self._hover)

    @contextmanager
    def cursor_hidden(self) -> Iterator[None]:
        """Hide the hover cursor while exporting the tab (the mouse rests on the
        plot after a right-click), then show it again."""
        shown = [line for _, line in self._cursors if line.isVisible()]
        for line in shown:
            line.setVisible(False)
        try:
            yield
        finally:
            for line in shown:
                line.setVisible(True)

    @staticmethod
    def clock(t: float) -> str:
        """``t=h:mm:ss`` for read-outs."""
        return f"t={format_clock(t)}"

    @Slot(str)
    def _on_help_link(self, _link: str) -> None:
        self.help_requested.emit()

    # -- hovering ------------------------------------------------------------------

    @Slot(object)
    def _on_mouse_moved(self, pos: QPointF) -> None:
        self.hover_at(pos)

    def hover_at(self, scene_pos: QPointF) -> None:
        """Show the values at ``scene_pos`` (a point of the graphics scene)."""
        for plot, _ in self._cursors:
            if plot.getViewBox().sceneBoundingRect().contains(scene_pos):
                point = plot.getViewBox().mapSceneToView(scene_pos)
                self._hover = QPointF(scene_pos)
                self._show(plot, point.x(), point.y())
                return
        self._hover = None
        for _, line in self._cursors:
            line.setVisible(False)

    def _show(self, plot: pg.PlotItem, x: float, y: float) -> None:
        index = self.nearest(x)
        if index is None:
            self.readout.setText(HOVER_HINT)
            return
        t = float(self.times[index])
        for _, line in self._cursors:
            line.setPos(t)
            line.setVisible(True)
        self.readout.setText(self.describe(plot, index, y))
