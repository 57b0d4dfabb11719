"""The simulation toolbar: Run / Pause / Reset, speed and the simulated clock."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QComboBox, QLabel, QToolBar, QWidget

from dmgui.core.sim.frame import format_uptime
from dmgui.qt.engine_worker import FASTEST, SPEEDS

DEFAULT_SPEED = 60.0
PLOT_WINDOWS = (600, 1800, 3600, 6 * 3600, 24 * 3600)
DEFAULT_WINDOW_S = 3600


def window_label(seconds: int) -> str:
    """'10 min', '1 h', '24 h'."""
    return f"{seconds // 3600} h" if seconds >= 3600 else f"{seconds // 60} min"


def speed_label(speed: float) -> str:
    """'60×' or 'As fast as possible'."""
    return "As fast as possible" if speed == FASTEST else f"{speed:g}×"


class SimToolbar(QToolBar):
    """Controls of the running simulation; emits ``speed_changed`` with the new speed."""

    speed_changed = Signal(float)
    window_changed = Signal(int)

    def __init__(self, run: QAction, pause: QAction, reset: QAction,
                 parent: QWidget | None = None) -> None:
        super().__init__("Simulation", parent)
        self.setObjectName("simToolbar")
        self.addAction(run)
        self.addAction(pause)
        self.addAction(reset)
        self.addSeparator()
        speed_text = QLabel(" &Speed: ")
        self.speed_box = QComboBox()
        for speed in SPEEDS:
            self.speed_box.addItem(speed_label(speed), speed)
        self.speed_box.setCurrentIndex(SPEEDS.index(DEFAULT_SPEED))
        speed_text.setBuddy(self.speed_box)
        self.speed_box.currentIndexChanged.connect(self._on_speed_index)
        self.addWidget(speed_text)
        self.addWidget(self.speed_box)
        self.addSeparator()
        window_text = QLabel(" Plot &window: ")
        self.window_box = QComboBox()
        for seconds in PLOT_WINDOWS:
            self.window_box.addItem(window_label(seconds), seconds)
        self.window_box.setCurrentIndex(PLOT_WINDOWS.index(DEFAULT_WINDOW_S))
        window_text.setBuddy(self.window_box)
        self.window_box.currentIndexChanged.connect(
            lambda i: self.window_changed.emit(int(self.window_box.itemData(i))))
        self.addWidget(window_text)
        self.addWidget(self.window_box)
        self.addSeparator()
        self.clock = QLabel()
        self.clock.setObjectName("simClock")
        self.clock.setStyleSheet("QLabel { font-family: monospace; font-size: 11pt; "
                                 "padding: 0 8px; }")
        self.addWidget(QLabel(" Simulated time: "))
        self.addWidget(self.clock)
        self.set_time(0)

    @Slot(int)
    def _on_speed_index(self, index: int) -> None:
        self.speed_changed.emit(float(self.speed_box.itemData(index)))

    def set_time(self, seconds: int) -> None:
        """Show the simulated clock."""
        self.clock.setText(format_uptime(seconds) or "00:00:00")

    def speed(self) -> float:
        """The selected speed (0 = as fast as possible)."""
        return float(self.speed_box.currentData())
