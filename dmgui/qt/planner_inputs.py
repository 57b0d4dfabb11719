"""The Capacity Planner's question: template, criterion, tolerance, horizon, static
size, max VMs, up to two sweeps and the worker count, validated as they are typed.

Every field goes through the parser ``dmgui plan`` uses for the same option
(:mod:`dmgui.core.planning.options`, :func:`dmgui.core.args.parse_duration`), then the
whole request through :func:`~dmgui.core.planning.planner.check_request`, so the GUI
refuses exactly what the CLI refuses. A bad field shows the parser's one line under it
and :attr:`PlannerInputs.request` is None until every field is good.

The advisor (``dmgui advise``) asks the same question without the static size and the
sweeps: :attr:`PlannerInputs.advice_request` is its request, None while a field it
uses is bad (a bad sweep does not stop it) or no VM has Dynamic Memory.
"""

from __future__ import annotations

import argparse
import math

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from dmgui.core.args import parse_duration
from dmgui.core.model.scenario import Scenario
from dmgui.core.planning import options
from dmgui.core.planning.candidates import PlanError
from dmgui.core.planning.criterion import Criterion
from dmgui.core.planning.executors import default_workers
from dmgui.core.planning.planner import (
    DEFAULT_MAX_VMS,
    MAX_SWEEP_POINTS,
    SWEEP_KEYS,
    PlanRequest,
    check_request,
    sweep_points,
    with_template_settings,
)
from dmgui.qt.dialog_parts import error_label
from dmgui.qt.plain_text import set_plain

#: Sweeps up to this many points are checked against Hyper-V's rules while typing
#: (about 1 ms a point); bigger ones are checked when Plan is pressed, before any run.
_CHECKED_WHILE_TYPING = 100
NO_SWEEP = "(none)"
CRITERIA = {
    Criterion.OK: ("OK: buffers kept",
                   ("Every VM starts, and none is short of its buffer (Memory Status "
                    "Low or Warning) or pages more than the tolerance of its time.")),
    Criterion.NO_PAGING: ("No paging",
                          ("Every VM starts, and none pages more than the tolerance of "
                           "its time (its guest commits more than it is assigned).")),
    Criterion.STARTS: ("Every VM starts",
                       "Every VM starts: no start fails. Paging and buffers are not judged."),
}
SWEEP_UNITS = {"buffer": "%", "startup": "MB", "minimum": "MB", "maximum": "MB",
               "weight": ""}
_HELP = "QLabel { color: #555555; } QLabel:disabled { color: #a0a0a0; }"
#: The fields the advisor uses (the static size and the sweeps do not apply).
ADVICE_FIELDS = frozenset({"template", "criterion", "tolerance", "horizon", "max_vms"})
NO_DYNAMIC_MEMORY = "the scenario has no Dynamic Memory VM to advise"


class PlannerInputs(QWidget):
    """The plan's inputs as a form; :attr:`request` is the validated question.

    Signals
    -------
    changed():
        A field changed; :attr:`request` and :attr:`errors` are up to date.
    """

    changed = Signal()

    def __init__(self, scenario: Scenario, selected: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._scenario = scenario
        self.request: PlanRequest | None = None
        self.advice_request: PlanRequest | None = None
        self.advice_problem = ""
        self.errors: dict[str, str] = {}
        self._errors: dict[str, QLabel] = {}
        self._build()
        self.set_scenario(scenario, selected)

    # -- public API ------------------------------------------------------------------

    @property
    def workers(self) -> int:
        """Simulations run at once (1: in the plan's own thread, no process pool)."""
        return self.workers_spin.value()

    def set_scenario(self, scenario: Scenario, selected: str | None = None) -> None:
        """Plan ``scenario``; the template becomes ``selected`` (else the one chosen
        so far, else the first VM)."""
        self._scenario = scenario
        keep = selected or self.template.currentText()
        self.template.blockSignals(True)
        self.template.clear()
        self.template.addItems([vm.name for vm in scenario.vms])
        index = self.template.findText(keep)
        self.template.setCurrentIndex(max(index, 0))
        self.template.blockSignals(False)
        self.validate()

    @Slot()
    def validate(self) -> None:
        """Parse every field, show each problem under its field, update
        :attr:`request` (None while any field is bad) and :attr:`advice_request`,
        and emit :attr:`changed`."""
        problems: dict[str, str] = {}
        values = {key: _parsed(parse, text, key, problems)
                  for key, parse, text in self._field_texts()}
        self._validate_advice(values, problems)
        sweep = self._sweep(problems)
        self.request = None
        if not problems:
            self.request = PlanRequest(
                template=self.template.currentText() or None,
                criterion=values["criterion"], tolerance=values["tolerance"],
                horizon_s=values["horizon"], static_size=values["static_size"],
                max_vms=values["max_vms"], sweep=sweep)
            problem = self._check(self.request)
            if problem:
                problems[self._field_of(problem)] = str(problem)
                self.request = None
        self.errors = problems
        for key, label in self._errors.items():
            set_plain(label, problems.get(key, ""))
            label.setVisible(key in problems)
        self._criterion_help.setText(CRITERIA[Criterion(self.criterion.currentData())][1])
        self.changed.emit()

    def _validate_advice(self, values: dict, problems: dict[str, str]) -> None:
        """The advisor's request, from the fields it uses (their problems are added)."""
        self.advice_request = None
        self.advice_problem = ""
        if ADVICE_FIELDS & problems.keys():
            return
        request = PlanRequest(
            template=self.template.currentText() or None,
            criterion=values["criterion"], tolerance=values["tolerance"],
            horizon_s=values["horizon"], max_vms=values["max_vms"])
        try:
            check_request(self._scenario, request)
        except PlanError as err:
            problems[self._field_of(err)] = str(err)
            return
        if not any(vm.memory.dynamic_memory_enabled for vm in self._scenario.vms):
            self.advice_problem = NO_DYNAMIC_MEMORY
            return
        self.advice_request = request

    # -- construction ----------------------------------------------------------------

    def _build(self) -> None:
        self.template = QComboBox()
        self.template.setToolTip("The VM that is copied: NAME-2, NAME-3, … with its "
                                 "settings and workload")
        self.criterion = QComboBox()
        for criterion, (text, tip) in CRITERIA.items():
            self.criterion.addItem(text, criterion.value)  # a str Enum reaches Qt as str
            self.criterion.setItemData(self.criterion.count() - 1, tip,
                                       Qt.ItemDataRole.ToolTipRole)
        self._criterion_help = QLabel()
        self._criterion_help.setWordWrap(True)
        self._criterion_help.setStyleSheet(_HELP)
        self.tolerance = _line("1 %", "Share of a VM's running time that may fail, "
                               "e.g. 1 % or 0.01")
        self.horizon = _line("24h", "Simulated time per count, e.g. 24h, 2h, 90m")
        self.static_size = QComboBox()
        self.static_size.setEditable(True)
        self.static_size.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.static_size.addItems(list(options.STATIC_SIZES))
        self.static_size.setToolTip(
            "Static memory of the template and its copies in static mode: peak (the "
            "least that meets the criterion), maximum, startup, or a number of MB")
        self.max_vms = _line(str(DEFAULT_MAX_VMS), "Most VMs on the host to try")
        self.sweep_keys = [_sweep_key() for _ in range(2)]
        self.sweep_values = [_line("", "Values of the template's setting, separated "
                                   "by commas") for _ in range(2)]
        self.workers_spin = QSpinBox()
        self.workers_spin.setRange(1, 256)
        self.workers_spin.setValue(default_workers())
        self.workers_spin.setToolTip("Simulations run at once, each in its own "
                                     "process (1: no process pool)")
        self._lay_out()
        self._connect()

    def _lay_out(self) -> None:
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        criterion_box = QVBoxLayout()
        criterion_box.setSpacing(2)
        criterion_box.addWidget(self.criterion)
        criterion_box.addWidget(self._criterion_help)
        rows = [("&Template VM:", "template", self.template),
                ("&Criterion:", "criterion", criterion_box),
                ("T&olerance:", "tolerance", self.tolerance),
                ("&Horizon:", "horizon", self.horizon),
                ("&Static size:", "static_size", self.static_size),
                ("&Max VMs:", "max_vms", self.max_vms)]
        for i in range(2):
            line = QHBoxLayout()
            line.addWidget(self.sweep_keys[i])
            line.addWidget(self.sweep_values[i], stretch=1)
            rows.append((f"S&weep {i + 1}:" if i == 0 else f"Sweep &{i + 1}:",
                         f"sweep{i}", line))
        rows.append(("Wor&kers:", "workers", self.workers_spin))
        for text, key, field in rows:
            form.addRow(self._labelled(text, field), self._with_error(key, field))

    def _labelled(self, text: str, field) -> QLabel:
        label = QLabel(text)
        buddy = field if isinstance(field, QWidget) else field.itemAt(0).widget()
        label.setBuddy(buddy)
        return label

    def _with_error(self, key: str, field) -> QVBoxLayout:
        box = QVBoxLayout()
        box.setSpacing(2)
        if isinstance(field, QWidget):
            box.addWidget(field)
        else:
            box.addLayout(field)
        self._errors[key] = error_label()
        box.addWidget(self._errors[key])
        return box

    def _connect(self) -> None:
        for combo in (self.template, self.criterion, *self.sweep_keys):
            combo.currentIndexChanged.connect(self.validate)
        for line in (self.tolerance, self.horizon, self.max_vms, *self.sweep_values):
            line.textChanged.connect(self.validate)
        self.static_size.currentTextChanged.connect(self.validate)
        for key, values in zip(self.sweep_keys, self.sweep_values, strict=True):
            key.currentIndexChanged.connect(
                lambda _=0, k=key, v=values: _follow_key(k, v))
            _follow_key(key, values)

    # -- validation ------------------------------------------------------------------

    def _field_texts(self):
        return [("criterion", options.parse_criterion, self.criterion.currentData()),
                ("tolerance", options.parse_tolerance, self.tolerance.text()),
                ("horizon", parse_duration, self.horizon.text()),
                ("static_size", options.parse_static_size, self.static_size.currentText()),
                ("max_vms", options.parse_count, self.max_vms.text())]

    def _sweep(self, problems: dict[str, str]) -> dict[str, list[int]]:
        sweep: dict[str, list[int]] = {}
        for i, (key_box, values) in enumerate(zip(self.sweep_keys, self.sweep_values,
                                                  strict=True)):
            key = key_box.currentData()
            if key is None:
                continue
            if not values.text().strip():
                problems[f"sweep{i}"] = f"enter the values of {key}, e.g. " + _example(key)
                continue
            parsed = _parsed(options.parse_sweep, f"{key}={values.text()}",
                             f"sweep{i}", problems)
            if parsed is None:
                continue
            if key in sweep:
                problems[f"sweep{i}"] = f"{key} is swept twice; choose another setting"
                continue
            sweep[key] = parsed[1]
        points = math.prod(len(v) for v in sweep.values()) if sweep else 0
        if points > MAX_SWEEP_POINTS:
            problems["sweep1" if len(sweep) > 1 else "sweep0"] = (
                f"the sweep has {points} points; at most {MAX_SWEEP_POINTS}")
        return sweep

    def _field_of(self, problem: PlanError) -> str:
        """The input a refusal is shown under (the error names it)."""
        key = problem.field or "template"
        if key == "sweep":  # a point names both keys: shown under the last row used
            used = [i for i, box in enumerate(self.sweep_keys) if box.currentData()]
            return f"sweep{used[-1] if used else 0}"
        return key

    def _check(self, request: PlanRequest) -> PlanError | None:
        """check_request's refusal, then Hyper-V's rules on a small sweep's points."""
        try:
            template = check_request(self._scenario, request)
            points = sweep_points(request)
            if len(points) <= _CHECKED_WHILE_TYPING:
                for point in points:
                    with_template_settings(self._scenario, template, point)
        except PlanError as err:
            return err
        return None


def _parsed(parse, text: str, key: str, problems: dict[str, str]):
    try:
        return parse(text)
    except argparse.ArgumentTypeError as err:
        problems[key] = str(err)
        return None


def _example(key: str) -> str:
    return {"buffer": "5,10,20,50", "weight": "1000,5000,10000"}.get(key, "512,1024,2048")


def _follow_key(key_box: QComboBox, values: QLineEdit) -> None:
    """Values are typed once a key is chosen; the placeholder shows an example."""
    key = key_box.currentData()
    values.setEnabled(key is not None)
    values.setPlaceholderText(f"e.g. {_example(key)}" if key else "")


def _line(text: str, tip: str) -> QLineEdit:
    line = QLineEdit(text)
    line.setToolTip(tip)
    return line


def _sweep_key() -> QComboBox:
    combo = QComboBox()
    combo.addItem(NO_SWEEP, None)
    for key in SWEEP_KEYS:
        unit = SWEEP_UNITS[key]
        combo.addItem(f"{key} ({unit})" if unit else key, key)
    combo.setToolTip("A setting of the template to try several values of")
    return combo


