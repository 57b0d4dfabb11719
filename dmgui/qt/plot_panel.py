"""Live plots of a running simulation: the selected VM, the host and an all-VM overview.

Sample arrival is decoupled from drawing (style.md §5.7): :meth:`PlotPanel.add_frame`
only appends to ring buffers; a timer at ``redraw_hz`` redraws the visible tab when
new data arrived. Hidden tabs are redrawn when they are shown, and so is the whole
panel: while it is hidden (the main window shows another details tab) the timer
draws nothing.

A VM measured on a real host (``VirtualMachine.measured``) also gets its measured
Assigned Memory on the "Virtual machine" tab, as a static dotted line set once per
scenario (:meth:`PlotPanel.set_scenario`) or VM change.

Each tab's read-out line links to "What these numbers mean": the panel emits
:attr:`PlotPanel.numbers_help_requested` (the Help menu's handler opens it).
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from dmgui.core.model.scenario import Scenario
from dmgui.core.sim.frame import Frame
from dmgui.qt.plots.history import PlotHistory
from dmgui.qt.plots.host_tab import HostTab
from dmgui.qt.plots.overview_tab import OverviewTab
from dmgui.qt.plots.vm_tab import VmTab

VM_TAB, HOST_TAB, OVERVIEW_TAB = range(3)


class PlotPanel(QWidget):
    """Live plots of a running simulation: selected VM, host, and an all-VM overview.

    Parameters
    ----------
    window_s:
        Seconds of simulated time shown (the rolling window).
    redraw_hz:
        How often the panel checks for new data and redraws.
    parent:
        The parent widget.

    Attributes
    ----------
    redraw_count:
        Redraws done so far (for benchmarks and tests).

    Signals
    -------
    numbers_help_requested():
        A tab's "What these numbers mean" link was clicked.
    """

    numbers_help_requested = Signal()

    def __init__(
        self,
        window_s: int = 3600,
        redraw_hz: float = 30.0,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        if redraw_hz <= 0:
            raise ValueError("redraw_hz must be positive")
        self.redraw_count = 0
        self._history = PlotHistory(window_s)
        self._vm_tab = VmTab()
        self._host_tab = HostTab()
        self._overview_tab = OverviewTab()
        self._tabs = QTabWidget(self)
        self._tabs.addTab(self._vm_tab, "Virtual machine")
        self._tabs.addTab(self._host_tab, "Host")
        self._tabs.addTab(self._overview_tab, "Overview")
        for tab in (self._vm_tab, self._host_tab, self._overview_tab):
            tab.help_requested.connect(self.numbers_help_requested)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._tabs)
        # Tabs not drawn since their data changed; only the visible one is redrawn.
        self._stale = set(range(self._tabs.count()))
        self._tabs.currentChanged.connect(self._on_tab_changed)
        self._timer = QTimer(self)
        self._timer.setInterval(max(1, round(1000.0 / redraw_hz)))
        self._timer.timeout.connect(self._on_timer)
        self._timer.start()
        self.redraw()  # the empty state: axes and a hint

    @property
    def window_s(self) -> int:
        """Seconds of simulated time shown."""
        return self._history.window_s

    @property
    def dirty(self) -> bool:
        """True when the visible tab has not been drawn since its data changed."""
        return self._tabs.currentIndex() in self._stale

    @Slot(object)
    def add_frame(self, frame: Frame) -> None:
        """Store ``frame``'s rows; never draws (the timer does)."""
        self._history.add(frame)
        self._mark_all_stale()

    def set_selected_vm(self, name: str | None) -> None:
        """Plot VM ``name`` on the "Virtual machine" tab (None: no VM)."""
        self._vm_tab.selected = name
        self._stale.add(VM_TAB)

    def set_scenario(self, scenario: Scenario) -> None:
        """Take the measured series of ``scenario``'s VMs (opened, edited)."""
        self._vm_tab.set_measured({vm.name: vm.measured for vm in scenario.vms
                                   if vm.measured is not None})
        self._stale.add(VM_TAB)

    def set_window(self, seconds: int) -> None:
        """Show the last ``seconds`` of simulated time (default 3600)."""
        self._history.set_window(seconds)
        self._mark_all_stale()

    def clear(self) -> None:
        """Forget all history (on reset)."""
        self._history.clear()
        self._mark_all_stale()

    @Slot()
    def redraw(self) -> None:
        """Draw the visible tab now if it is dirty (the timer calls this)."""
        index = self._tabs.currentIndex()
        if index not in self._stale:
            return
        self._stale.discard(index)
        self._tabs.widget(index).update_from(self._history)
        self.redraw_count += 1

    @Slot()
    def _on_timer(self) -> None:
        if self.isVisible():  # a hidden panel is drawn when it is shown
            self.redraw()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        self.redraw()

    @Slot(int)
    def _on_tab_changed(self, index: int) -> None:
        self.redraw()

    def _mark_all_stale(self) -> None:
        self._stale.update(range(self._tabs.count()))


def _preview() -> None:  # pragma: no cover - development aid (style.md §5.15)
    """Run the default scenario at 1200x and plot it."""
    import sys

    from PySide6.QtWidgets import QApplication

    from dmgui.core.model.scenario import load_scenario
    from dmgui.core.resources import default_scenario_path
    from dmgui.core.sim.engine import Simulation

    app = QApplication(sys.argv)
    sim = Simulation(load_scenario(default_scenario_path()))
    panel = PlotPanel()
    panel.set_selected_vm(sim.names[0])
    panel.resize(1000, 600)
    panel.setWindowTitle("dmgui plot panel preview")

    def feed() -> None:
        block = sim.advance(60)
        panel.add_frame(
            Frame(
                block=block,
                names=tuple(sim.names),
                settings=tuple(sim.vms.settings),
                boot_time=sim.vms.boot_time.copy(),
                sim_time=sim.time,
            )
        )

    timer = QTimer(panel)
    timer.timeout.connect(feed)
    timer.start(50)
    panel.show()
    sys.exit(app.exec())


if __name__ == "__main__":  # pragma: no cover
    _preview()
