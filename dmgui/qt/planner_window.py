"""The Capacity Planner window: how many VMs fit, static vs Dynamic Memory, and with
which settings (issue 9 §3).

A non-modal window over a snapshot of the scenario: the question on the left
(:class:`~dmgui.qt.planner_inputs.PlannerInputs`, validated as typed), the answers on
the right in two tabs: Density (:class:`~dmgui.qt.planner_results.PlanResults`) and
Advisor (:class:`~dmgui.qt.planner_advice.AdviceResults`). Plan runs
:func:`~dmgui.core.planning.planner.plan`, Advise runs
:func:`~dmgui.core.planning.advisor.advise` with the same inputs (the static size and
the sweeps do not apply), each on its own thread
(:class:`~dmgui.qt.planner_worker.PlanRun`) with a busy bar, the latest simulation and
the elapsed time; Cancel (or Esc) stops it at once, and the previous answer stays.
"Add N copies to the scenario" hands the Dynamic Memory answer's copies of the
template to a callback, "Apply to scenario" the advised settings to another, so the
main window can show them. The window's size and split are remembered (QSettings).

Keys: Enter plans (when every field is good), Esc cancels a running job, else closes.
:func:`open_planner` opens (or raises) the window for a :class:`MainWindow`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import (
    QByteArray,
    QElapsedTimer,
    QEvent,
    QSettings,
    Qt,
    QTimer,
    Slot,
)
from PySide6.QtGui import QCloseEvent, QHideEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from dmgui.core.model.scenario import Scenario
from dmgui.core.planning.executors import local_executor
from dmgui.qt.plain_text import plain_label, set_plain, window_title_text
from dmgui.qt.planner_advice import AdviceResults
from dmgui.qt.planner_apply import AdviceChange, Refusal, apply_to_window
from dmgui.qt.planner_inputs import PlannerInputs
from dmgui.qt.planner_results import PlanResults
from dmgui.qt.planner_worker import ExecutorFactory, Job, JobKind, PlanRun

#: ``add_copies(template, count)`` adds copies to the document; False if refused.
AddCopies = Callable[[str, int], bool]
#: ``apply_advice(changes)`` applies advised settings to the document; the refusals.
ApplyAdvice = Callable[[Sequence[AdviceChange]], list[Refusal]]
_ERROR_STYLE = "QLabel { color: #b3261e; }"
_CLOCK_MS = 200
DENSITY_TAB, ADVISOR_TAB = range(2)
#: QSettings keys: the window's size and place, and the inputs/answers split.
GEOMETRY_KEY = "planner/geometry"
SPLIT_KEY = "planner/split"
DEFAULT_SIZE = (1180, 760)
_ADVISE_TIP = ("Recommend each Dynamic Memory VM's settings and prove them with a plan "
               "of the template's density (the static size and the sweeps do not "
               "apply)")
_VERB = {JobKind.PLAN: "Planning", JobKind.ADVISE: "Advising"}
_FIRST = {JobKind.PLAN: "starting the simulations",
          JobKind.ADVISE: "simulating the scenario as written to measure each VM's demand"}


class PlannerWindow(QDialog):
    """The Capacity Planner (see the module docstring).

    Parameters
    ----------
    scenario:
        The scenario to plan (a snapshot; :meth:`set_scenario` replaces it).
    add_copies:
        Called with the template and the Dynamic Memory answer's copies.
    apply_advice:
        Optional: applies the advisor's changes to the document and returns the
        refusals; without it the Advisor tab has no "Apply to scenario".
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
                 executor_factory: ExecutorFactory = local_executor,
                 apply_advice: ApplyAdvice | None = None) -> None:
        super().__init__(parent)
        self.setWindowFlags(Qt.WindowType.Window | Qt.WindowType.WindowMinMaxButtonsHint
                            | Qt.WindowType.WindowCloseButtonHint)
        self.setModal(False)
        self._scenario = scenario
        self._add_copies = add_copies
        self._scenario_source = scenario_source
        self._executor_factory = executor_factory
        self._apply_advice = apply_advice
        self.run: PlanRun | None = None
        self._simulations = 0
        self._latest = ""
        self._elapsed = QElapsedTimer()
        self._clock = QTimer(self)
        self._clock.setInterval(_CLOCK_MS)
        self._clock.timeout.connect(self._show_progress)
        self._build(selected)
        self._show_title()
        self._restore_geometry()
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self._on_quit)

    # -- public API ------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether a plan or the advice is being computed."""
        return self.run is not None

    def set_scenario(self, scenario: Scenario, selected: str | None = None) -> None:
        """Plan ``scenario`` from now on (a running plan keeps its own)."""
        self._scenario = scenario
        self._show_title()
        self.inputs.set_scenario(scenario, selected)

    @Slot()
    def start_plan(self) -> None:
        """Plan the question as the inputs ask it (nothing if a field is bad)."""
        self._start(JobKind.PLAN)

    @Slot()
    def start_advice(self) -> None:
        """Advise with the inputs' template, criterion, tolerance, horizon and Max VMs
        (nothing if one of them is bad)."""
        self._start(JobKind.ADVISE)

    def _start(self, kind: JobKind) -> None:
        if self.running:
            return
        self._refresh_scenario()
        request = (self.inputs.request if kind is JobKind.PLAN
                   else self.inputs.advice_request)
        if request is None:
            return
        self.tabs.setCurrentIndex(DENSITY_TAB if kind is JobKind.PLAN else ADVISOR_TAB)
        self.run = PlanRun(Job(kind, self._scenario, request), self.inputs.workers,
                           self._executor_factory, self)
        self.run.progressed.connect(self._on_progressed)
        self.run.succeeded.connect(self._on_succeeded)
        self.run.failed.connect(self._on_failed)
        self.run.cancelled.connect(self._on_cancelled)
        self.run.finished.connect(self._on_finished)
        self._simulations, self._latest = 0, _FIRST[kind]
        self._set_running(True)
        self._elapsed.start()
        self._show_progress()
        self.run.start()

    @Slot()
    def cancel_plan(self) -> None:
        """Stop the running plan or advice (at once: see planner_worker)."""
        if self.run is not None:
            self.run.cancel()
            self.cancel_button.setEnabled(False)
            self._latest = "cancelling"
            self._show_progress()

    def reject(self) -> None:
        """Esc: cancel a running plan or advice, else close."""
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
        self.advise_button = QPushButton("A&dvise")
        self.advise_button.clicked.connect(self.start_advice)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the plan or the advice (Esc)")
        self.cancel_button.clicked.connect(self.cancel_plan)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy: the number of simulations is not known
        self.progress.setTextVisible(False)
        self.status = plain_label()
        self.status.setWordWrap(True)
        self.results = PlanResults()
        self.advice = AdviceResults(can_apply=self._apply_advice is not None)
        self.advice.apply_requested.connect(self._on_apply_clicked)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.results, "De&nsity")
        self.tabs.addTab(self.advice, "Ad&visor")
        self.tabs.setTabToolTip(DENSITY_TAB, "How many VMs fit, static vs Dynamic Memory")
        self.tabs.setTabToolTip(ADVISOR_TAB, "Each Dynamic Memory VM's settings now and "
                                "as advised, with the reasons")
        self.tabs.currentChanged.connect(lambda _index: self._update_add_button())
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
        buttons.addWidget(self.advise_button)
        buttons.addWidget(self.cancel_button)
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 6, 0)
        column.addWidget(question)
        column.addLayout(buttons)
        column.addWidget(self.progress)
        column.addWidget(self.status)
        column.addStretch(1)
        self.split = split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.tabs)
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
        for answers in (self.results, self.advice):
            answers.setEnabled(not running)  # the previous answers, greyed meanwhile
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
        self.advise_button.setEnabled(not self.running
                                      and self.inputs.advice_request is not None)
        problem = self.inputs.advice_problem
        self.advise_button.setToolTip(f"Cannot advise: {problem}" if problem
                                      else _ADVISE_TIP)

    @Slot()
    def _show_progress(self) -> None:
        seconds = self._elapsed.elapsed() / 1000.0
        verb = _VERB[self.run.kind] if self.run is not None else "Planning"
        set_plain(self.status, f"{verb}: {self._simulations} simulations, "
                               f"{seconds:.1f} s\n{self._latest}")

    @Slot(int, str)
    def _on_progressed(self, done: int, message: str) -> None:
        self._simulations, self._latest = done, message
        self._show_progress()

    @Slot(object)
    def _on_succeeded(self, result) -> None:
        seconds = self._elapsed.elapsed() / 1000.0
        if self.run.kind is JobKind.ADVISE:
            self.advice.show_result(result, self.run.job.request, self._simulations,
                                    seconds)
        else:
            self.results.show_result(result, self._simulations, seconds)
        self._show_status(f"Done: {self._simulations} simulations in {seconds:.1f} s.")

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        what = "advice" if self.run.kind is JobKind.ADVISE else "plan"
        self._show_status(f"The {what} failed: {message}", error=True)

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
        self.add_button.setVisible(self.tabs.currentIndex() == DENSITY_TAB)
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

    # -- applying the advice ----------------------------------------------------------

    @Slot()
    def _on_apply_clicked(self) -> None:
        changes = self.advice.pending_changes()
        if self._apply_advice is None or not changes or self.running:
            return
        refusals = self._apply_advice(changes)
        self.advice.show_applied(changes, refusals)
        applied = len(changes) - len(refusals)
        self._show_status(f"Applied the advice to {applied} of {len(changes)} VMs."
                          + (" Some changes were refused: see the Advisor tab."
                             if refusals else ""), error=bool(refusals))
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
        """Closing stops a running job and waits for its worker (a moment)."""
        self._stop_and_wait()
        super().closeEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        """Remember the window's size and split (closing hides it)."""
        self._save_geometry()
        super().hideEvent(event)

    @Slot()
    def _on_quit(self) -> None:
        if self.isVisible():
            self._save_geometry()
        self._stop_and_wait()

    def _restore_geometry(self) -> None:
        settings = QSettings()
        geometry = settings.value(GEOMETRY_KEY)
        if not (isinstance(geometry, QByteArray) and self.restoreGeometry(geometry)):
            self.resize(*DEFAULT_SIZE)
        split = settings.value(SPLIT_KEY)
        if isinstance(split, QByteArray):
            self.split.restoreState(split)

    def _save_geometry(self) -> None:
        settings = QSettings()
        settings.setValue(GEOMETRY_KEY, self.saveGeometry())
        settings.setValue(SPLIT_KEY, self.split.saveState())

    def _stop_and_wait(self) -> None:
        run = self.run
        if run is not None and run.wait():
            self._on_finished()
            self._show_status(f"Cancelled after {self._simulations} simulations.")


def open_planner(window) -> PlannerWindow:
    """Open (or raise) the Capacity Planner of ``window`` (a :class:`MainWindow`) on
    its scenario, the selected VM as the template; its copies go to the document
    through the window's commands, like Add Copies, and the advised settings as the
    Settings dialog applies them (:func:`~dmgui.qt.planner_apply.apply_to_window`)."""
    planner = window.findChild(PlannerWindow)
    if planner is None:
        def add_copies(template: str, count: int) -> bool:
            return window.commands._reconfigure(
                lambda document: document.add_copies(template, count)[0])

        planner = PlannerWindow(window.document.scenario, add_copies,
                                window.selected_vm(), window,
                                scenario_source=lambda: window.document.scenario,
                                apply_advice=lambda changes: apply_to_window(window,
                                                                             changes))
    elif not planner.running:
        planner.set_scenario(window.document.scenario, window.selected_vm())
    planner.show()
    planner.raise_()
    planner.activateWindow()
    return planner
