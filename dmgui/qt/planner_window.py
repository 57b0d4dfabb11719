"""The Capacity Planner window: how many VMs fit, static vs Dynamic Memory (issue 9 §3).

A non-modal window over a snapshot of the scenario: the question on the left
(:class:`~dmgui.qt.planner_inputs.PlannerInputs`, validated as typed), the answer on
the right (:class:`~dmgui.qt.planner_results.PlanResults`). Plan runs
:func:`~dmgui.core.planning.planner.plan` on its own thread
(:class:`~dmgui.qt.planner_worker.PlanRun`) with a busy bar, the latest simulation and
the elapsed time; Cancel (or Esc) stops it after the simulations running then, and the
previous answer stays. "Add N copies to the scenario" hands the Dynamic Memory
answer's copies of the template to a callback, so the main window can show them.

Keys: Enter plans (when every field is good), Esc cancels a running plan, else closes.
:func:`open_planner` opens (or raises) the window for a :class:`MainWindow`.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QElapsedTimer, QEvent, Qt, QTimer, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from dmgui.core.planning.executors import local_executor
from dmgui.core.planning.planner import PlanResult
from dmgui.core.scenario import Scenario
from dmgui.qt.plain_text import plain_label, set_plain, window_title_text
from dmgui.qt.planner_inputs import PlannerInputs
from dmgui.qt.planner_results import PlanResults
from dmgui.qt.planner_worker import ExecutorFactory, PlanRun

#: ``add_copies(template, count)`` adds copies to the document; False if refused.
AddCopies = Callable[[str, int], bool]
_ERROR_STYLE = "QLabel { color: #b3261e; }"
_CLOCK_MS = 200


class PlannerWindow(QDialog):
    """The Capacity Planner (see the module docstring).

    Parameters
    ----------
    scenario:
        The scenario to plan (a snapshot; :meth:`set_scenario` replaces it).
    add_copies:
        Called with the template and the Dynamic Memory answer's copies.
    selected:
        The template to preselect (default: the scenario's first VM).
    scenario_source:
        Optional: returns the current scenario; read when the window is activated
        and before each plan, so edits made in the main window are planned.
    executor_factory:
        Makes the executor of a plan from the worker count (tests pass their own).
    """

    def __init__(self, scenario: Scenario, add_copies: AddCopies,
                 selected: str | None = None, parent: QWidget | None = None, *,
                 scenario_source: Callable[[], Scenario] | None = None,
                 executor_factory: ExecutorFactory = local_executor) -> None:
        super().__init__(parent)
        self.setWindowFlags(Qt.WindowType.Window | Qt.WindowType.WindowMinMaxButtonsHint
                            | Qt.WindowType.WindowCloseButtonHint)
        self.setModal(False)
        self._scenario = scenario
        self._add_copies = add_copies
        self._scenario_source = scenario_source
        self._executor_factory = executor_factory
        self.run: PlanRun | None = None
        self._simulations = 0
        self._latest = ""
        self._elapsed = QElapsedTimer()
        self._clock = QTimer(self)
        self._clock.setInterval(_CLOCK_MS)
        self._clock.timeout.connect(self._show_progress)
        self._build(selected)
        self._show_title()
        self.resize(1180, 760)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self._on_quit)

    # -- public API ------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether a plan is running."""
        return self.run is not None

    def set_scenario(self, scenario: Scenario, selected: str | None = None) -> None:
        """Plan ``scenario`` from now on (a running plan keeps its own)."""
        self._scenario = scenario
        self._show_title()
        self.inputs.set_scenario(scenario, selected)

    @Slot()
    def start_plan(self) -> None:
        """Plan the question as the inputs ask it (nothing if a field is bad)."""
        if self.running:
            return
        self._refresh_scenario()
        request = self.inputs.request
        if request is None:
            return
        self.run = PlanRun(self._scenario, request, self.inputs.workers,
                           self._executor_factory, self)
        self.run.progressed.connect(self._on_progressed)
        self.run.succeeded.connect(self._on_succeeded)
        self.run.failed.connect(self._on_failed)
        self.run.cancelled.connect(self._on_cancelled)
        self.run.finished.connect(self._on_finished)
        self._simulations, self._latest = 0, "starting the simulations"
        self._set_running(True)
        self._elapsed.start()
        self._show_progress()
        self.run.start()

    @Slot()
    def cancel_plan(self) -> None:
        """Stop the running plan after the simulations running now."""
        if self.run is not None:
            self.run.cancel()
            self.cancel_button.setEnabled(False)
            self._latest = "cancelling after the simulations running now"
            self._show_progress()

    def reject(self) -> None:
        """Esc: cancel a running plan, else close."""
        if self.running:
            self.cancel_plan()
        else:
            super().reject()

    # -- construction ----------------------------------------------------------------

    def _show_title(self) -> None:
        self.setWindowTitle(f"Plan Capacity — {window_title_text(self._scenario.name)}")

    def _build(self, selected: str | None) -> None:
        self.inputs = PlannerInputs(self._scenario, selected)
        self.inputs.changed.connect(self._update_buttons)
        self.plan_button = QPushButton("&Plan")
        self.plan_button.setDefault(True)
        self.plan_button.setToolTip("Find the most VMs that fit in both modes (Enter)")
        self.plan_button.clicked.connect(self.start_plan)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the plan (Esc)")
        self.cancel_button.clicked.connect(self.cancel_plan)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy: the number of simulations is not known
        self.progress.setTextVisible(False)
        self.status = plain_label()
        self.status.setWordWrap(True)
        self.results = PlanResults()
        self.add_button = QPushButton()
        self.add_button.clicked.connect(self._on_add_clicked)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.close)
        self._lay_out()
        self._set_running(False)
        self._update_add_button()

    def _lay_out(self) -> None:
        question = QGroupBox("Question")
        QVBoxLayout(question).addWidget(self.inputs)
        buttons = QHBoxLayout()
        buttons.addWidget(self.plan_button)
        buttons.addWidget(self.cancel_button)
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 6, 0)
        column.addWidget(question)
        column.addLayout(buttons)
        column.addWidget(self.progress)
        column.addWidget(self.status)
        column.addStretch(1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.results)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        split.setSizes([380, 800])
        bottom = QHBoxLayout()
        bottom.addWidget(self.add_button)
        bottom.addStretch(1)
        bottom.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(split, stretch=1)
        layout.addLayout(bottom)

    # -- running ---------------------------------------------------------------------

    def _set_running(self, running: bool) -> None:
        self.inputs.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.progress.setVisible(running)
        self.results.setEnabled(not running)  # the previous answer, greyed meanwhile
        if running:
            self._clock.start()
            self.status.setStyleSheet("")
        else:
            self._clock.stop()
        self._update_buttons()
        self._update_add_button()

    @Slot()
    def _update_buttons(self) -> None:
        self.plan_button.setEnabled(not self.running and self.inputs.request is not None)

    @Slot()
    def _show_progress(self) -> None:
        seconds = self._elapsed.elapsed() / 1000.0
        set_plain(self.status, f"Planning: {self._simulations} simulations, "
                               f"{seconds:.1f} s\n{self._latest}")

    @Slot(int, str)
    def _on_progressed(self, done: int, message: str) -> None:
        self._simulations, self._latest = done, message
        self._show_progress()

    @Slot(object)
    def _on_succeeded(self, result: PlanResult) -> None:
        seconds = self._elapsed.elapsed() / 1000.0
        self.results.show_result(result, self._simulations, seconds)
        self._show_status(f"Done: {self._simulations} simulations in {seconds:.1f} s.")

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._show_status(f"The plan failed: {message}", error=True)

    @Slot()
    def _on_cancelled(self) -> None:
        self._show_status(f"Cancelled after {self._simulations} simulations.")

    @Slot()
    def _on_finished(self) -> None:
        run, self.run = self.run, None
        if run is not None:
            run.deleteLater()
        self._set_running(False)

    def _show_status(self, text: str, error: bool = False) -> None:
        self._clock.stop()  # the outcome replaces the progress line for good
        self.status.setStyleSheet(_ERROR_STYLE if error else "")
        set_plain(self.status, text)

    # -- adding the answer's copies ---------------------------------------------------

    def _copies(self) -> int:
        result = self.results.result
        return (result.dynamic.copies or 0) if result is not None else 0

    def _update_add_button(self) -> None:
        copies = self._copies()
        noun = "copy" if copies == 1 else "copies"
        self.add_button.setText(f"&Add {copies} {noun} to the scenario" if copies
                                else "&Add copies to the scenario")
        self.add_button.setEnabled(copies > 0 and not self.running)
        template = self.results.result.template if self.results.result else "the template"
        self.add_button.setToolTip(f"Add the Dynamic Memory answer's copies of "
                                   f"{template} to the scenario, to look at them in the "
                                   "main window")

    @Slot()
    def _on_add_clicked(self) -> None:
        result, copies = self.results.result, self._copies()
        if result is None or copies <= 0:
            return
        if self._add_copies(result.template, copies) is False:
            return
        self.add_button.setEnabled(False)  # once: the answer is in the scenario now
        self._show_status(f"Added {copies} copies of '{result.template}' to the "
                          "scenario.")
        self._refresh_scenario()

    # -- window events ---------------------------------------------------------------

    def _refresh_scenario(self) -> None:
        if self._scenario_source is not None and not self.running:
            scenario = self._scenario_source()
            if scenario is not self._scenario:
                self.set_scenario(scenario)

    def changeEvent(self, event: QEvent) -> None:
        """Pick up the main window's edits when the planner is activated."""
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            self._refresh_scenario()
        super().changeEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing stops a running plan and waits for its thread."""
        self._stop_and_wait()
        super().closeEvent(event)

    @Slot()
    def _on_quit(self) -> None:
        self._stop_and_wait()

    def _stop_and_wait(self) -> None:
        run = self.run
        if run is not None and run.wait():
            self._on_finished()
            self._show_status(f"Cancelled after {self._simulations} simulations.")


def open_planner(window) -> PlannerWindow:
    """Open (or raise) the Capacity Planner of ``window`` (a :class:`MainWindow`) on
    its scenario, the selected VM as the template; its copies go to the document
    through the window's commands, like Add Copies."""
    planner = window.findChild(PlannerWindow)
    if planner is None:
        def add_copies(template: str, count: int) -> bool:
            return window.commands._reconfigure(
                lambda document: document.add_copies(template, count)[0])

        planner = PlannerWindow(window.document.scenario, add_copies,
                                window.selected_vm(), window,
                                scenario_source=lambda: window.document.scenario)
    elif not planner.running:
        planner.set_scenario(window.document.scenario, window.selected_vm())
    planner.show()
    planner.raise_()
    planner.activateWindow()
    return planner
