"""The Capacity Planner window (issue 9 §3): inline validation with the CLI's parsers,
a plan run off the GUI thread with progress and Cancel, the answer shown, and its
copies handed to the document.

The plan tests use the paper host of tests/core/test_planner.py: 4096 MB for VMs (no
reserve, no overhead), a template with Startup 512, Minimum 256, Maximum 2048, buffer
20 % and a constant 500 MB guest. Under ``ok`` 6 fit static (600 MB each) and 7 with
Dynamic Memory, so the answer adds 6 copies.
"""

from __future__ import annotations

import itertools
import multiprocessing
import time
from concurrent.futures import Executor, Future

import pytest
from PySide6.QtCore import QSettings, QSize, Qt, QTimer
from PySide6.QtWidgets import QApplication

# tests/ is not a package: pytest puts this folder on sys.path.
from test_main_window import open_window

from dmgui.core.model.scenario import load_scenario, parse_scenario
from dmgui.core.planning.criterion import Criterion
from dmgui.core.resources import default_scenario_path
from dmgui.qt.planner_inputs import PlannerInputs
from dmgui.qt.planner_tables import CURVE_COLUMNS, RowsModel
from dmgui.qt.planner_window import PlannerWindow, open_planner

pytestmark = pytest.mark.qt_log_ignore(
    r"This plugin does not support (propagateSizeHints|raise)\(\)", extend=True
)

PLAN_MS = 60_000
PAPER = {
    "schema_version": 1, "name": "Paper host", "seed": 0,
    "host": {"name": "HV01", "memory_mb": 4096, "reserve_mb": 0, "vm_overhead_mb": 0,
             "hot_add_delay_s": 0, "version": "2012R2"},
    "vms": [{"name": "T", "autostart": True, "integration_services": True,
             "memory": {"dynamic_memory_enabled": True, "startup_mb": 512,
                        "minimum_mb": 256, "maximum_mb": 2048, "buffer_percent": 20,
                        "weight": 5000},
             "workload": {"kind": "constant", "mb": 500}}],
    "events": [],
}


#: Cancel must bring the window back within this (it polls every 50 ms).
PROMPT_S = 1.0


@pytest.fixture(autouse=True)
def _no_remembered_size():
    """Qt reads XDG_CONFIG_HOME once per process: a planner closed by another test
    may have stored its size (see test_layout.py)."""
    QSettings().clear()
    yield
    QSettings().clear()


class Recorder:
    """The add-copies callback: remembers its calls, answers ``accept``."""

    def __init__(self, accept: bool = True) -> None:
        self.calls: list[tuple[str, int]] = []
        self.accept = accept

    def __call__(self, template: str, count: int) -> bool:
        self.calls.append((template, count))
        return self.accept


class FailingExecutor(Executor):
    """Every simulation fails, as a broken worker would."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        future.set_exception(RuntimeError("disk on fire\nsecond line"))
        return future


def paper_window(qtbot, horizon="2h", workers=1, **kwargs) -> PlannerWindow:
    """The planner on the paper host, shown, with a short horizon and no pool."""
    add = kwargs.pop("add_copies", Recorder())
    win = PlannerWindow(parse_scenario(PAPER), add, **kwargs)
    qtbot.addWidget(win)
    win.inputs.horizon.setText(horizon)
    win.inputs.max_vms.setText("20")
    win.inputs.workers_spin.setValue(workers)
    win.show()
    return win


def run_plan(qtbot, win, timeout=PLAN_MS) -> None:
    """Press Plan and wait until the window is ready again."""
    assert win.plan_button.isEnabled(), win.inputs.errors
    qtbot.mouseClick(win.plan_button, Qt.MouseButton.LeftButton)
    assert win.running
    qtbot.waitUntil(lambda: not win.running, timeout=timeout)


def shown_error(inputs: PlannerInputs, key: str) -> str:
    label = inputs._errors[key]
    return label.text() if label.isVisibleTo(inputs) else ""


# -- inline validation -------------------------------------------------------------


def _set_sweep(win, key, values, row=0):
    box = win.inputs.sweep_keys[row]
    box.setCurrentIndex(box.findData(key))
    win.inputs.sweep_values[row].setText(values)


@pytest.mark.parametrize(("edit", "field", "message"), [
    (lambda w: w.inputs.tolerance.setText("lots"), "tolerance",
     "invalid tolerance 'lots' (use e.g. 1% or 0.01)"),
    (lambda w: w.inputs.tolerance.setText("100 %"), "tolerance",
     "tolerance '100 %' must be at least 0 % and below 100 %"),
    (lambda w: w.inputs.horizon.setText("0"), "horizon",
     "duration '0' must be at least 1 second"),
    (lambda w: w.inputs.horizon.setText("soon"), "horizon", "invalid duration 'soon'"),
    (lambda w: w.inputs.static_size.setEditText("huge"), "static_size",
     "invalid static size 'huge' (choose peak, maximum, startup or a number of MB)"),
    (lambda w: w.inputs.max_vms.setText("0"), "max_vms", "invalid number of VMs '0'"),
    (lambda w: _set_sweep(w, "buffer", "5,,20"), "sweep0",
     "invalid sweep values in 'buffer=5,,20' (whole numbers separated by commas)"),
    (lambda w: _set_sweep(w, "startup", ""), "sweep0", "enter the values of startup"),
    (lambda w: _set_sweep(w, "buffer", "1,20"), "sweep0",
     "sweep point buffer=1: The memory buffer must be between 5 and 2000."),
    (lambda w: (_set_sweep(w, "buffer", "10"), _set_sweep(w, "buffer", "20", 1)),
     "sweep1", "buffer is swept twice"),
    (lambda w: (_set_sweep(w, "buffer", ",".join(map(str, range(5, 30)))),
                _set_sweep(w, "weight", ",".join(map(str, range(100, 2100, 100))), 1)),
     "sweep1", "the sweep has 500 points; at most 400"),
])
def test_a_bad_field_shows_its_line_and_disables_plan(qtbot, edit, field, message):
    win = paper_window(qtbot)
    assert win.plan_button.isEnabled() and not win.inputs.errors
    edit(win)
    assert message in shown_error(win.inputs, field)
    assert win.inputs.request is None
    assert not win.plan_button.isEnabled()
    # Enter does not plan while a field is bad.
    qtbot.keyClick(win.inputs.horizon, Qt.Key.Key_Return)
    assert not win.running


def test_fixing_the_field_enables_plan_again(qtbot):
    win = paper_window(qtbot)
    win.inputs.horizon.setText("garbage")
    assert not win.plan_button.isEnabled()
    win.inputs.horizon.setText("90m")
    assert win.plan_button.isEnabled()
    assert shown_error(win.inputs, "horizon") == ""
    assert win.inputs.request.horizon_s == 5400


def test_check_request_problems_are_shown_under_their_field(qtbot):
    # The default scenario has ten VMs: Max VMs 5 is refused by check_request.
    win = PlannerWindow(load_scenario(default_scenario_path()), Recorder(), "WIN7-01")
    qtbot.addWidget(win)
    assert win.inputs.template.currentText() == "WIN7-01"  # the selected VM
    win.inputs.max_vms.setText("5")
    assert "is below the scenario's own 10 VMs" in shown_error(win.inputs, "max_vms")
    assert not win.plan_button.isEnabled()
    # WIN7-LAB does not start by itself, but a start event starts it: a template.
    win.inputs.max_vms.setText("40")
    win.inputs.template.setCurrentText("WIN7-LAB")
    assert win.plan_button.isEnabled()


def test_the_request_is_what_the_fields_say(qtbot):
    win = paper_window(qtbot)
    i = win.inputs
    i.criterion.setCurrentIndex(i.criterion.findData("no-paging"))
    i.tolerance.setText("0.5 %")
    i.static_size.setEditText("768 MB")
    _set_sweep(win, "buffer", "10, 20")
    _set_sweep(win, "maximum", "1024,2048", 1)
    r = i.request
    assert (r.template, r.criterion, r.tolerance, r.horizon_s) == (
        "T", Criterion.NO_PAGING, 0.005, 7200)
    assert (r.static_size, r.max_vms) == (768, 20)
    assert r.sweep == {"buffer": [10, 20], "maximum": [1024, 2048]}
    assert i.workers == 1
    assert "pages more than the tolerance" in i._criterion_help.text()


# -- planning ----------------------------------------------------------------------


def test_a_plan_shows_the_paper_answer_and_adds_its_copies(qtbot):
    add = Recorder()
    win = paper_window(qtbot, add_copies=add)
    assert not win.add_button.isEnabled()
    assert win.windowTitle() == "Plan Capacity — Paper host"
    run_plan(qtbot, win)
    assert win.results.headline.text() == "Static: 6 VMs · Dynamic Memory: 7 VMs (+17 %)"
    limits = win.results.limits.text()
    assert "Dynamic Memory, one more: T-8: Low or Warning" in limits
    assert "Static, one more: T-7: failed to start" in limits
    assert win.status.text().startswith("Done: ")
    curve = win.results.result.to_dict()["curve"]
    assert win.results.curve_model.rowCount() == len(curve)
    shown = {(r["mode"], r["vms"]): r["fits"] for r in curve}
    assert shown[("static", 6)] and not shown[("static", 7)]
    assert shown[("dynamic", 7)] and not shown[("dynamic", 8)]
    plot = win.results.plot
    assert plot.answers["static"].value() == 6 and plot.answers["dynamic"].value() == 7
    assert plot.tolerance.value() == pytest.approx(1.0)  # 1 %, in %
    assert len(plot.curves["dynamic"].getData()[0]) == len(
        [r for r in curve if r["mode"] == "dynamic"])
    assert win.add_button.isEnabled()
    assert win.add_button.text() == "&Add 6 copies to the scenario"
    qtbot.mouseClick(win.add_button, Qt.MouseButton.LeftButton)
    assert add.calls == [("T", 6)]
    assert not win.add_button.isEnabled()  # once
    assert "Added 6 copies of 'T'" in win.status.text()


def test_a_refused_add_keeps_the_button(qtbot):
    add = Recorder(accept=False)
    win = paper_window(qtbot, add_copies=add)
    run_plan(qtbot, win)
    qtbot.mouseClick(win.add_button, Qt.MouseButton.LeftButton)
    assert add.calls == [("T", 6)] and win.add_button.isEnabled()


def test_enter_plans_and_the_event_loop_keeps_running(qtbot):
    # A long horizon: the plan must outlast 0.5 s even with the compiled engine.
    win = paper_window(qtbot, horizon="24h")
    ticks = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    win.inputs.tolerance.setFocus()
    qtbot.keyClick(win.inputs.tolerance, Qt.Key.Key_Return)
    assert win.running and not win.inputs.isEnabled() and win.cancel_button.isEnabled()
    started = time.monotonic()
    qtbot.waitUntil(lambda: not win.running, timeout=PLAN_MS)
    elapsed = time.monotonic() - started
    timer.stop()
    # The GUI thread kept ticking while the plan ran on its own thread.
    assert elapsed > 0.5
    assert len(ticks) >= 0.25 * elapsed / 0.020
    assert max(b - a for a, b in itertools.pairwise(ticks)) < 1.0
    assert win.results.result is not None


@pytest.mark.slow
def test_a_spawn_process_pool_gives_the_same_answer(qtbot):
    win = paper_window(qtbot, workers=2)
    run_plan(qtbot, win, timeout=120_000)
    assert win.results.headline.text() == "Static: 6 VMs · Dynamic Memory: 7 VMs (+17 %)"
    assert win.add_button.text() == "&Add 6 copies to the scenario"


def test_cancel_stops_the_plan_and_keeps_the_previous_answer(qtbot):
    win = paper_window(qtbot)
    run_plan(qtbot, win)
    before = win.results.result
    win.inputs.horizon.setText("12h")  # long enough to cancel midway
    qtbot.mouseClick(win.plan_button, Qt.MouseButton.LeftButton)
    qtbot.waitSignal(win.run.progressed, timeout=PLAN_MS).wait()
    assert win.running and not win.results.isEnabled()
    assert not win.add_button.isEnabled()
    qtbot.mouseClick(win.cancel_button, Qt.MouseButton.LeftButton)
    assert not win.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: not win.running, timeout=PLAN_MS)
    assert win.status.text().startswith("Cancelled after ")
    assert win.results.result is before and win.results.isEnabled()
    assert win.plan_button.isEnabled() and win.inputs.isEnabled()
    assert win.add_button.isEnabled()


def _cancel_promptly(qtbot, win) -> float:
    """Press Cancel; the seconds until the window is ready again."""
    started = time.monotonic()
    qtbot.mouseClick(win.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not win.running, timeout=PLAN_MS)
    return time.monotonic() - started


def test_cancel_is_prompt_during_a_long_simulation(qtbot):
    # A week on the paper host: one simulation takes seconds; with one worker it runs
    # on the plan's own thread, which the window does not wait for.
    win = paper_window(qtbot, horizon="7d")
    qtbot.mouseClick(win.plan_button, Qt.MouseButton.LeftButton)
    qtbot.wait(500)
    assert win.running
    assert _cancel_promptly(qtbot, win) < PROMPT_S
    assert win.status.text().startswith("Cancelled after ")
    assert win.plan_button.isEnabled() and win.inputs.isEnabled()


@pytest.mark.slow
def test_cancel_terminates_the_process_pool(qtbot):
    win = paper_window(qtbot, horizon="7d", workers=2)
    qtbot.mouseClick(win.plan_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(multiprocessing.active_children()) >= 2, timeout=PLAN_MS)
    qtbot.wait(500)  # the workers are simulating
    assert win.running
    assert _cancel_promptly(qtbot, win) < PROMPT_S
    assert multiprocessing.active_children() == []  # terminated, not left to finish


def test_esc_cancels_a_running_plan_then_closes(qtbot):
    win = paper_window(qtbot, horizon="12h")
    qtbot.mouseClick(win.plan_button, Qt.MouseButton.LeftButton)
    qtbot.keyClick(win, Qt.Key.Key_Escape)
    assert win.isVisible()
    qtbot.waitUntil(lambda: not win.running, timeout=PLAN_MS)
    assert win.status.text().startswith("Cancelled")
    assert win.results.result is None
    qtbot.keyClick(win, Qt.Key.Key_Escape)
    assert not win.isVisible()


def test_closing_during_a_plan_stops_it(qtbot):
    win = paper_window(qtbot, horizon="7d")
    qtbot.mouseClick(win.plan_button, Qt.MouseButton.LeftButton)
    assert win.running
    qtbot.wait(300)
    started = time.monotonic()
    win.close()
    assert time.monotonic() - started < PROMPT_S
    assert not win.running and not win.isVisible()


def test_the_window_remembers_its_size(qtbot):
    first = paper_window(qtbot)
    assert first.size() == QSize(1180, 760)  # the first-run size
    first.resize(760, 560)  # restoreGeometry keeps a window on the 800 × 600 screen
    first.split.setSizes([300, 460])
    first.close()
    again = paper_window(qtbot)
    assert again.size() == QSize(760, 560)
    assert again.split.sizes()[0] == 300


def test_a_failing_plan_is_a_message_not_a_crash(qtbot):
    win = paper_window(qtbot, executor_factory=lambda workers: FailingExecutor())
    run_plan(qtbot, win)
    assert win.status.text() == "The plan failed: RuntimeError: disk on fire"
    assert win.results.result is None and win.plan_button.isEnabled()


def test_an_executor_that_cannot_start_is_a_message(qtbot):
    def refuse(workers):
        raise OSError("no processes left")

    win = paper_window(qtbot, executor_factory=refuse)
    run_plan(qtbot, win)
    assert win.status.text() == "The plan failed: OSError: no processes left"


def test_the_curve_table_model_is_a_proper_model(qtmodeltester):
    model = RowsModel(CURVE_COLUMNS)
    model.set_rows([{"mode": "dynamic", "vms": 7, "fits": True, "failed_starts": 0,
                     "worst_paging_fraction": 0.0, "worst_low_fraction": 0.004,
                     "min_available_mb": 4.0, "simulated_s": 7200}])
    qtmodeltester.check(model)
    assert model.index(0, 5).data() == "0.4 %"
    assert model.index(0, 7).data() == "2:00:00"


# -- the main window's planner -----------------------------------------------------


def test_open_planner_plans_the_document_and_adds_copies_to_it(qtbot, tmp_path):
    main = open_window(qtbot, tmp_path / "paper.json", PAPER)
    try:
        main.select_vm("T")
        planner = open_planner(main)
        assert planner.windowTitle() == "Plan Capacity — Paper host"
        assert planner.inputs.template.currentText() == "T"
        assert open_planner(main) is planner  # raised, not a second one
        planner.inputs.horizon.setText("2h")
        planner.inputs.max_vms.setText("20")
        planner.inputs.workers_spin.setValue(1)
        run_plan(qtbot, planner)
        qtbot.mouseClick(planner.add_button, Qt.MouseButton.LeftButton)
        names = [vm.name for vm in main.document.scenario.vms]
        assert names == ["T", "T-2", "T-3", "T-4", "T-5", "T-6", "T-7"]
        assert main.isWindowModified()
        # The next plan starts from the document as it is now.
        planner.start_plan()
        assert len(planner.run.job.scenario.vms) == 7
        planner.close()
        assert not planner.running
    finally:
        main.engine.shutdown()
        QApplication.processEvents()


def test_plan_capacity_is_in_the_actions_pane_the_menu_and_on_a_shortcut(qtbot, tmp_path):
    main = open_window(qtbot, tmp_path / "paper.json", PAPER)
    try:
        action = main.app_actions.plan_capacity
        assert action in main.app_actions.host_actions()
        assert action.shortcut().toString() == "Ctrl+Shift+C"
        action.trigger()
        planner = main.findChild(PlannerWindow)
        assert planner is not None and planner.isVisible()
        assert planner.inputs.template.currentText() == "T"
        planner.close()
    finally:
        main.engine.shutdown()
        QApplication.processEvents()
