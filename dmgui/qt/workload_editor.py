"""The workload editor shared by New Virtual Machine and the Settings dialog.

A workload (:mod:`dmgui.core.model.workloads`) is what dmgui simulates inside the guest:
its committed memory over time. The editor offers every kind but a recorded trace
(a list of points: only a scenario file gives one, and the editor keeps it as it is).
New VM shows each kind's two main numbers; the Settings dialog shows them all.

The spin boxes accept numbers far outside each field's range, so that the models'
rules, not the widgets, refuse a bad value with a sentence that names the field
(:meth:`WorkloadEditor.workload` raises :class:`WorkloadInputError`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pydantic import BaseModel, ValidationError
from PySide6.QtCore import QSignalBlocker, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QWidget,
)

from dmgui.core.model.workloads import (
    BootSpikeWorkload,
    BurstyWorkload,
    ConstantWorkload,
    DiurnalWorkload,
    LeakWorkload,
    MediaStreamingWorkload,
    TraceWorkload,
    Workload,
)

SPIN_LIMIT = 99_999_999  # wide on purpose: an out-of-range number must reach validation
TRACE = "trace"


@dataclass(frozen=True)
class WorkloadField:
    """One number of a workload as the editor shows it.

    ``scale`` converts the model's unit to the shown one (shown = value / scale), e.g.
    seconds shown as hours; ``main`` fields are the ones New VM shows.
    """

    name: str
    label: str
    suffix: str
    decimals: int = 0
    main: bool = False
    scale: float = 1.0


@dataclass(frozen=True)
class WorkloadKind:
    """A workload kind: its model, its fields and New VM's starting values."""

    kind: str
    label: str
    model: type[BaseModel]
    description: str
    fields: tuple[WorkloadField, ...] = ()
    new_vm: dict[str, float] = field(default_factory=dict)

    def spec(self, name: str) -> WorkloadField | None:
        """The field called ``name`` (None for a field the editor does not show)."""
        return next((f for f in self.fields if f.name == name), None)


def _mb(name: str, label: str, main: bool = False) -> WorkloadField:
    return WorkloadField(name, label, " MB", main=main)


def _hour(name: str, label: str) -> WorkloadField:
    return WorkloadField(name, label, " h", decimals=2)


_OFFSET = WorkloadField("day_offset_s", "Clock offset (time zone):", " h", decimals=2,
                        scale=3600.0)

KINDS: tuple[WorkloadKind, ...] = (
    WorkloadKind("constant", "Constant", ConstantWorkload,
                 "The guest commits the same memory all the time.",
                 (_mb("mb", "Demand:", True),), {"mb": 400}),
    WorkloadKind("diurnal", "Office day", DiurnalWorkload,
                 "Idle at night, busy in working hours, a dip at lunch; a little "
                 "random noise each minute.",
                 (_mb("base_mb", "Night demand:", True),
                  _mb("peak_mb", "Working-hours demand:", True),
                  _hour("start_hour", "Working day starts:"),
                  _hour("end_hour", "Working day ends:"),
                  WorkloadField("ramp_minutes", "Ramp up / down:", " min"),
                  WorkloadField("lunch_dip_pct", "Lunch dip:", " %"),
                  WorkloadField("noise_pct", "Noise (±):", " %", decimals=1),
                  WorkloadField("start_spread_minutes", "Log-ons spread over:", " min"),
                  _OFFSET),
                 {"base_mb": 500, "peak_mb": 1800}),
    WorkloadKind("bursty", "Bursty", BurstyWorkload,
                 "A steady base with random bursts (batch jobs, builds, reports).",
                 (_mb("base_mb", "Base demand:", True),
                  _mb("burst_mb", "Extra during a burst:", True),
                  WorkloadField("bursts_per_hour", "Bursts per hour:", "", decimals=1),
                  WorkloadField("burst_seconds", "Burst length:", " s")),
                 {"base_mb": 600, "burst_mb": 1200}),
    WorkloadKind("media_streaming", "Media streaming", MediaStreamingWorkload,
                 "Idle by day; in the evening a varying number of streams.",
                 (_mb("idle_mb", "Idle demand:", True),
                  _mb("per_stream_mb", "Extra per stream:", True),
                  WorkloadField("max_streams", "Most streams at once:", ""),
                  _hour("evening_start_hour", "Evening starts:"),
                  _hour("evening_end_hour", "Evening ends:"),
                  WorkloadField("session_minutes", "Stream count changes every:",
                                " min"),
                  _OFFSET),
                 {"idle_mb": 600, "per_stream_mb": 500}),
    WorkloadKind("leak", "Slow leak with restarts", LeakWorkload,
                 "Demand creeps up until the application restarts (a sawtooth).",
                 (_mb("base_mb", "Demand after restart:", True),
                  WorkloadField("leak_mb_per_hour", "Leak:", " MB/h", main=True),
                  WorkloadField("restart_every_hours", "Restart every:", " h",
                                decimals=2),
                  WorkloadField("restart_phase_hours", "Hours since restart at 0:00:",
                                " h", decimals=2)),
                 {"base_mb": 800, "leak_mb_per_hour": 60}),
    WorkloadKind("boot_spike", "Boot-time spike", BootSpikeWorkload,
                 "A spike at boot (services starting, caches warming) that decays.",
                 (_mb("steady_mb", "Settled demand:", True),
                  _mb("spike_mb", "Extra at boot:", True),
                  WorkloadField("decay_s", "Decay time constant:", " s")),
                 {"steady_mb": 600, "spike_mb": 800}),
)
TRACE_KIND = WorkloadKind(TRACE, "Recorded trace", TraceWorkload,
                          "Recorded demand from the scenario file; edit the file to "
                          "change its points.")
_BY_KIND = {k.kind: k for k in (*KINDS, TRACE_KIND)}


def kind_of(kind: str) -> WorkloadKind:
    """The :class:`WorkloadKind` called ``kind`` (KeyError if none)."""
    return _BY_KIND[kind]


def workload_label(workload: Workload) -> str:
    """A workload's kind as the editor names it ("Office day")."""
    return kind_of(workload.kind).label


class WorkloadInputError(ValueError):
    """A workload the editor holds is invalid; ``field`` is the culprit (or "")."""

    def __init__(self, message: str, field_name: str = "") -> None:
        super().__init__(message)
        self.field = field_name


class WorkloadEditor(QWidget):
    """A kind drop-down and the chosen kind's numbers, in a form.

    Parameters
    ----------
    detailed:
        Show every number of a kind (the Settings dialog), not only its main two
        (New VM).

    Attributes
    ----------
    kind_combo : QComboBox
        The kinds, by label; the item data is the scenario's ``kind``.
    """

    changed = Signal()

    def __init__(self, detailed: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._detailed = detailed
        self._loaded: Workload | None = None  # keeps what the editor does not show
        # (kind, field) -> (value shown, exact value loaded): an untouched field keeps
        # its exact value, not the spin box's rounding of it.
        self._exact: dict[tuple[str, str], tuple[float, float]] = {}
        self._spins: dict[tuple[str, str], QDoubleSpinBox] = {}
        self.kind_combo = QComboBox()
        self.kind_combo.setAccessibleName("Workload")
        for kind in KINDS:
            self.kind_combo.addItem(kind.label, kind.kind)
        self._form = QFormLayout(self)
        self._form.setContentsMargins(0, 0, 0, 0)
        self._form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        label = QLabel("&Workload:")
        label.setBuddy(self.kind_combo)
        self._form.addRow(label, self.kind_combo)
        self._description = QLabel()
        self._description.setWordWrap(True)
        self._description.setTextFormat(Qt.TextFormat.PlainText)
        self._form.addRow("", self._description)
        for kind in KINDS:
            self._add_rows(kind)
        self.kind_combo.currentIndexChanged.connect(self._on_kind)
        self._on_kind()

    def _add_rows(self, kind: WorkloadKind) -> None:
        for spec in kind.fields:
            if not (spec.main or self._detailed):
                continue
            box = QDoubleSpinBox()
            box.setDecimals(spec.decimals)
            box.setRange(-SPIN_LIMIT, SPIN_LIMIT)
            box.setSuffix(spec.suffix)
            box.setAccelerated(True)
            box.setAccessibleName(spec.label.rstrip(":"))
            box.setValue(self._start_value(kind, spec))
            box.valueChanged.connect(self.changed)
            self._spins[kind.kind, spec.name] = box
            self._form.addRow(spec.label, box)

    @staticmethod
    def _start_value(kind: WorkloadKind, spec: WorkloadField) -> float:
        """New VM's value, else the model's default (shown unit)."""
        value = kind.new_vm.get(spec.name)
        if value is None:
            value = kind.model.model_fields[spec.name].default
        return float(value) / spec.scale

    # -- the kind ----------------------------------------------------------------------

    def kind(self) -> str:
        """The kind chosen now (``"trace"`` for a loaded recorded trace)."""
        return self.kind_combo.currentData()

    @Slot()
    def _on_kind(self) -> None:
        current = self.kind()
        for (kind, _name), box in self._spins.items():
            self._form.setRowVisible(box, kind == current)
        self._description.setText(kind_of(current).description + self._trace_note())
        self.changed.emit()

    def _trace_note(self) -> str:
        loaded = self._loaded
        if self.kind() != TRACE or not isinstance(loaded, TraceWorkload):
            return ""
        return (f" {len(loaded.points)} points, {loaded.interpolation} interpolation, "
                f"{loaded.points[0][0]:g}–{loaded.points[-1][0]:g} s.")

    def _set_trace_item(self, present: bool) -> None:
        """Offer "Recorded trace" only while the loaded workload is one."""
        index = self.kind_combo.findData(TRACE)
        if present and index < 0:
            self.kind_combo.addItem(TRACE_KIND.label, TRACE)
        elif not present and index >= 0:
            self.kind_combo.removeItem(index)

    # -- values ------------------------------------------------------------------------

    def load(self, workload: Workload) -> None:
        """Show ``workload``; the other kinds keep their last (or starting) values."""
        self._loaded = workload
        with QSignalBlocker(self.kind_combo):
            self._set_trace_item(workload.kind == TRACE)
            self.kind_combo.setCurrentIndex(self.kind_combo.findData(workload.kind))
        self._exact.clear()
        for spec in kind_of(workload.kind).fields:
            box = self._spins.get((workload.kind, spec.name))
            if box is not None:
                exact = getattr(workload, spec.name)
                with QSignalBlocker(box):
                    box.setValue(float(exact) / spec.scale)
                self._exact[workload.kind, spec.name] = (box.value(), exact)
        self._on_kind()

    def draft(self) -> dict:
        """The workload as shown (unvalidated), in scenario-file form.

        Values the editor does not show (a seed, the numbers New VM hides, a trace's
        points) come from the loaded workload when it is of the same kind.
        """
        kind = self.kind()
        loaded = self._loaded
        out = loaded.model_dump() if loaded is not None and loaded.kind == kind else {}
        out["kind"] = kind
        for spec in kind_of(kind).fields:
            box = self._spins.get((kind, spec.name))
            if box is not None:
                out[spec.name] = self._model_value(kind, spec, box.value())
        return out

    def _model_value(self, kind: str, spec: WorkloadField, shown: float) -> float | int:
        exact = self._exact.get((kind, spec.name))
        if exact is not None and exact[0] == shown:
            return exact[1]
        value = shown * spec.scale
        if kind_of(kind).model.model_fields[spec.name].annotation is int:
            return round(value)
        return value

    def workload(self) -> Workload:
        """The validated workload, or :class:`WorkloadInputError` naming the field."""
        kind = kind_of(self.kind())
        try:
            return kind.model.model_validate(self.draft())
        except ValidationError as err:
            raise _input_error(err, kind) from None

    def focus_field(self, name: str) -> None:
        """Put the cursor in field ``name`` of the current kind, its text selected."""
        box = self._spins.get((self.kind(), name))
        widget = box if box is not None else self.kind_combo
        widget.setFocus(Qt.FocusReason.OtherFocusReason)
        if box is not None:
            box.selectAll()

    def field_widget(self, name: str) -> QDoubleSpinBox | None:
        """The spin box of field ``name`` of the current kind (None if not shown)."""
        return self._spins.get((self.kind(), name))


def _input_error(err: ValidationError, kind: WorkloadKind) -> WorkloadInputError:
    """The first problem of ``err`` as one sentence in the editor's words."""
    first = err.errors()[0]
    name = str(first["loc"][0]) if first["loc"] else ""
    spec = kind.spec(name)
    ctx = first.get("ctx") or {}
    if spec is not None and first["type"] in ("greater_than_equal", "less_than_equal"):
        bound = ctx.get("ge", ctx.get("le"))
        word = "at least" if first["type"] == "greater_than_equal" else "at most"
        shown = f"{_number(float(bound) / spec.scale)}{spec.suffix}"
        return WorkloadInputError(f"{kind.label}: {spec.label.rstrip(':')} must be "
                                  f"{word} {shown}.", name)
    message = first["msg"].removeprefix("Value error, ")
    message = re.sub(r"(\d)\.0\b", r"\1", message)  # 900.0 -> 900
    named = sorted((f for f in kind.fields if re.search(rf"\b{f.name}\b", message)),
                   key=lambda f: message.index(f.name))
    for other in named:  # say the fields' names as the editor shows them
        message = re.sub(rf"\b{other.name}\b", f"'{other.label.rstrip(':')}'", message)
    if spec is None and named:  # a rule between fields: the first one it names
        name = named[0].name
    return WorkloadInputError(f"{kind.label}: {message.rstrip('.')}.", name)


def _number(value: float) -> str:
    """``value`` without trailing zeros: 50, 0.02, 86,400."""
    return f"{value:,.2f}".rstrip("0").rstrip(".")
