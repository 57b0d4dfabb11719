"""The Capacity Planner's Advisor tab (issue 9 §3): advice run off the GUI thread with
the planner's inputs, shown with its reasons and proof, cancelled at once, and applied
to the main window's document under Hyper-V's rules.

The paper host is tests/qt/test_planner_window.py's: a constant 500 MB guest (Startup
512, Minimum 256, Maximum 2048, buffer 20 %) whose advice is worked out in
tests/core/test_advisor.py: buffer 5 %, Startup 526, Minimum 500, Maximum 526.
"""

from __future__ import annotations

import copy
import time

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication

# tests/qt is on sys.path (pytest's rootdir-relative import of test modules).
from test_main_window import open_window, step
from test_planner_window import PAPER, PLAN_MS, FailingExecutor, paper_window

from dmgui.core.model.memory import MemorySettings
from dmgui.core.model.scenario import parse_scenario
from dmgui.core.model.states import VmState
from dmgui.core.planning import advisor
from dmgui.qt.planner_advice import (
    ADVISED_COLUMN,
    REASON_COLUMN,
    VM_COLUMN,
    AdviceModel,
    advice_rows,
)
from dmgui.qt.planner_inputs import NO_DYNAMIC_MEMORY
from dmgui.qt.planner_window import (
    ADVISOR_TAB,
    DENSITY_TAB,
    PlannerWindow,
    open_planner,
)

pytestmark = pytest.mark.qt_log_ignore(
    r"This plugin does not support (propagateSizeHints|raise)\(\)", extend=True
)

ADVISED = {"buffer_percent": 5, "startup_mb": 526, "minimum_mb": 500,
           "maximum_mb": 526, "weight": 5000}
#: Cancel must bring the window back within this (it polls every 50 ms).
PROMPT_S = 1.0


@pytest.fixture(autouse=True)
def _no_remembered_size():
    """Qt reads XDG_CONFIG_HOME once per process: a planner closed by another test
    may have stored its size (see test_layout.py)."""
    QSettings().clear()
    yield
    QSettings().clear()


def run_advice(qtbot, win, timeout=PLAN_MS) -> None:
    """Press Advise and wait until the window is ready again."""
    assert win.advise_button.isEnabled(), win.inputs.errors
    qtbot.mouseClick(win.advise_button, Qt.MouseButton.LeftButton)
    assert win.running and win.tabs.currentIndex() == ADVISOR_TAB
    qtbot.waitUntil(lambda: not win.running, timeout=timeout)


def settings_of(memory: MemorySettings) -> dict[str, int]:
    return {key: getattr(memory, key) for key in ADVISED}


def cell(win, row: int, column: int, role=Qt.ItemDataRole.DisplayRole):
    model = win.advice.model
    return model.data(model.index(row, column), role)


def shown_rows(win) -> dict[str, int]:
    """Setting label → table row."""
    model = win.advice.model
    return {model.row(i)["setting"]: i for i in range(model.rowCount())}


# -- the advice, shown ---------------------------------------------------------------


def test_advise_on_the_paper_host_shows_the_advice_its_reasons_and_proof(qtbot):
    win = paper_window(qtbot, horizon="1h", apply_advice=lambda changes: [])
    assert win.advise_button.isEnabled()
    assert win.advice.headline.text() == "No advice yet"
    run_advice(qtbot, win)
    assert win.status.text().startswith("Done: "), win.status.text()
    (advice,) = win.advice.result.advice
    assert advice.given and settings_of(advice.advised) == ADVISED
    assert win.advice.headline.text() == "Density: 7 VMs as written → 7 VMs with the advice"
    assert "Advice given for 1 of 1 Dynamic Memory VM;" in win.advice.summary.text()
    assert "criterion ok · tolerance 1 % · horizon 1:00:00" in win.advice.question.text()
    rows = shown_rows(win)
    assert list(rows) == ["Startup", "Minimum", "Maximum", "Buffer", "Weight"]
    assert cell(win, 0, VM_COLUMN) == "T"
    assert win.advice.table.rowSpan(0, VM_COLUMN) == 5
    assert cell(win, rows["Buffer"], REASON_COLUMN) == (
        "p99 of 1-minute demand growth is 0 %: buffer 5 %")
    assert "Startup 526 MB" in cell(win, rows["Startup"], REASON_COLUMN)
    assert "Minimum 500 MB" in cell(win, rows["Minimum"], REASON_COLUMN)
    assert (cell(win, rows["Maximum"], 2), cell(win, rows["Maximum"], ADVISED_COLUMN)) == (
        "2,048 MB", "526 MB")
    # Changed values are bold; the weight is kept, so it is not.
    assert cell(win, rows["Maximum"], ADVISED_COLUMN, Qt.ItemDataRole.FontRole).bold()
    assert cell(win, rows["Weight"], ADVISED_COLUMN, Qt.ItemDataRole.FontRole) is None
    # A reason too long for its column still reads in full: wrapped, and as a tooltip.
    assert win.advice.table.wordWrap()
    assert "Startup 526 MB" in cell(win, rows["Startup"], REASON_COLUMN,
                                    Qt.ItemDataRole.ToolTipRole)
    assert win.advice.apply_button.isEnabled()
    # Plan's answer is another tab; Add copies belongs to it.
    assert not win.add_button.isVisible()
    win.tabs.setCurrentIndex(DENSITY_TAB)
    assert win.add_button.isVisible()


def test_advice_that_is_not_given_is_greyed_with_why(qtbot, monkeypatch):
    real = advisor.advise_vm

    def too_small(*args, **kwargs):  # a Maximum below the demand: it would page
        advice = real(*args, **kwargs)
        advice.advised = advice.advised.model_copy(
            update={"maximum_mb": 400, "startup_mb": 400, "minimum_mb": 400})
        return advice

    monkeypatch.setattr(advisor, "advise_vm", too_small)
    win = paper_window(qtbot, horizon="1h", apply_advice=lambda changes: [])
    run_advice(qtbot, win)
    (advice,) = win.advice.result.advice
    assert not advice.given
    vm_cell = cell(win, 0, VM_COLUMN)
    assert vm_cell.startswith("T\nnot given: ") and "fails the criterion" in vm_cell
    grey = cell(win, 0, REASON_COLUMN, Qt.ItemDataRole.ForegroundRole)
    assert grey is not None and grey.name() == "#8a8a8a"
    assert "not given: " in cell(win, 2, REASON_COLUMN, Qt.ItemDataRole.ToolTipRole)
    assert "Not given: T." in win.advice.summary.text()
    assert not win.advice.apply_button.isEnabled()  # nothing given, nothing to apply


def test_a_sp1_host_has_no_minimum_row(qtbot):
    data = copy.deepcopy(PAPER)
    data["host"]["version"] = "2008R2SP1"
    data["vms"][0]["memory"]["minimum_mb"] = 512
    win = PlannerWindow(parse_scenario(data), lambda t, c: True)
    qtbot.addWidget(win)
    win.inputs.horizon.setText("1h")
    win.inputs.max_vms.setText("20")
    win.inputs.workers_spin.setValue(1)
    run_advice(qtbot, win)
    assert list(shown_rows(win)) == ["Startup", "Maximum", "Buffer", "Weight"]
    assert not win.advice.apply_button.isVisible()  # no callback, no Apply


def test_the_advice_table_model_is_a_proper_model(qtbot, qtmodeltester):
    win = paper_window(qtbot, horizon="1h")
    run_advice(qtbot, win)
    model = AdviceModel()
    model.set_rows(advice_rows(win.advice.result))
    qtmodeltester.check(model)


# -- bad inputs, failures, cancel --------------------------------------------------


@pytest.mark.parametrize(("edit", "advise_ok"), [
    (lambda i: i.tolerance.setText("lots"), False),
    (lambda i: i.horizon.setText("0"), False),
    (lambda i: i.horizon.setText("soon"), False),
    (lambda i: i.max_vms.setText("0"), False),
    # The static size and the sweeps do not apply to the advice.
    (lambda i: i.static_size.setEditText("huge"), True),
    (lambda i: (i.sweep_keys[0].setCurrentIndex(i.sweep_keys[0].findData("buffer")),
                i.sweep_values[0].setText("5,,20")), True),
])
def test_bad_inputs_disable_advise_like_plan(qtbot, edit, advise_ok):
    win = paper_window(qtbot)
    edit(win.inputs)
    assert win.inputs.errors and not win.plan_button.isEnabled()
    assert win.advise_button.isEnabled() is advise_ok
    assert (win.inputs.advice_request is not None) is advise_ok
    win.start_advice()
    assert win.running is advise_ok
    if advise_ok:
        win.cancel_plan()
        qtbot.waitUntil(lambda: not win.running, timeout=PLAN_MS)


def test_a_scenario_without_dynamic_memory_cannot_be_advised(qtbot):
    data = copy.deepcopy(PAPER)
    data["vms"][0]["memory"] = {"dynamic_memory_enabled": False, "startup_mb": 1024}
    win = PlannerWindow(parse_scenario(data), lambda t, c: True)
    qtbot.addWidget(win)
    assert win.plan_button.isEnabled() and not win.advise_button.isEnabled()
    assert win.advise_button.toolTip() == f"Cannot advise: {NO_DYNAMIC_MEMORY}"


def test_a_failing_advice_is_a_message_not_a_crash(qtbot):
    win = paper_window(qtbot, horizon="1h",
                       executor_factory=lambda workers: FailingExecutor())
    run_advice(qtbot, win)
    assert win.status.text() == "The advice failed: RuntimeError: disk on fire"
    assert win.advice.result is None and win.advise_button.isEnabled()


def test_cancel_during_advise_is_prompt_and_keeps_the_previous_advice(qtbot):
    win = paper_window(qtbot, horizon="1h")
    run_advice(qtbot, win)
    before = win.advice.result
    # A week: measuring the scenario as written alone takes seconds, in one piece.
    win.inputs.horizon.setText("7d")
    qtbot.mouseClick(win.advise_button, Qt.MouseButton.LeftButton)
    qtbot.wait(300)
    assert win.running and not win.advice.isEnabled()
    started = time.monotonic()
    qtbot.mouseClick(win.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not win.running, timeout=PLAN_MS)
    assert time.monotonic() - started < PROMPT_S
    assert win.status.text().startswith("Cancelled after ")
    assert win.advice.result is before and win.advice.isEnabled()
    assert win.advise_button.isEnabled() and win.inputs.isEnabled()


def test_closing_during_advise_does_not_wait_for_the_simulation(qtbot):
    win = paper_window(qtbot, horizon="7d")
    win.start_advice()
    qtbot.wait(300)
    started = time.monotonic()
    win.close()
    assert time.monotonic() - started < PROMPT_S
    assert not win.running and not win.isVisible()


# -- Apply to scenario ---------------------------------------------------------------


def _advised_planner(qtbot, main):
    main.select_vm("T")
    planner = open_planner(main)
    planner.inputs.horizon.setText("1h")
    planner.inputs.max_vms.setText("20")
    planner.inputs.workers_spin.setValue(1)
    run_advice(qtbot, planner)
    assert planner.advice.apply_button.isEnabled()
    return planner


def test_apply_changes_the_document_when_the_vm_is_off(qtbot, tmp_path):
    main = open_window(qtbot, tmp_path / "paper.json", PAPER)
    try:
        assert main.model.live("T").state == VmState.OFF
        planner = _advised_planner(qtbot, main)
        qtbot.mouseClick(planner.advice.apply_button, Qt.MouseButton.LeftButton)
        assert settings_of(main.document.vm("T").memory) == ADVISED
        assert main.isWindowModified()  # the title's unsaved mark
        assert planner.advice.report.text() == "Applied to the scenario (unsaved): T."
        assert not planner.advice.apply_button.isEnabled()  # once
        assert planner.status.text() == "Applied the advice to 1 of 1 VMs."
        planner.close()
    finally:
        main.engine.shutdown()
        QApplication.processEvents()


def test_apply_reports_a_refusal_while_the_vm_runs_then_applies_after_reset(
        qtbot, tmp_path):
    main = open_window(qtbot, tmp_path / "paper.json", PAPER)
    try:
        step(qtbot, main, 60)
        assert main.model.live("T").state == VmState.RUNNING
        planner = _advised_planner(qtbot, main)
        before = main.document.vm("T").memory
        qtbot.mouseClick(planner.advice.apply_button, Qt.MouseButton.LeftButton)
        refusals = planner.advice.refusals
        assert refusals.text() == (
            "Not applied:\n• T: The startup memory cannot be changed while the virtual "
            "machine is running. Turn T off or Reset the simulation, then apply again.")
        assert refusals.isVisible() and "b3261e" in refusals.styleSheet()  # in red
        assert not planner.advice.report.isVisible()  # nothing was applied
        assert "Some changes were refused" in planner.status.text()
        assert main.document.vm("T").memory == before and not main.isWindowModified()
        assert planner.advice.apply_button.isEnabled()  # still to do
        # As the refusal says: Reset, and the advice applies.
        main.commands.reset()
        qtbot.waitUntil(lambda: main.last_frame is not None
                        and main.last_frame.sim_time == 0
                        and main.model.live("T").state == VmState.OFF, timeout=PLAN_MS)
        qtbot.mouseClick(planner.advice.apply_button, Qt.MouseButton.LeftButton)
        assert settings_of(main.document.vm("T").memory) == ADVISED
        assert main.isWindowModified()
        planner.close()
    finally:
        main.engine.shutdown()
        QApplication.processEvents()
