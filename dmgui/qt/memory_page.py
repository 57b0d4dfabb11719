"""The Memory page of the VM Settings dialog, laid out as each Hyper-V version shows it.

2008 R2 SP1 has "Memory Management" with Static / Dynamic radio buttons and no
Minimum field (spec §1.2); 2012 R2 and 2016 have "RAM:" plus an "Enable Dynamic
Memory" check box with Minimum and Maximum (spec §1.3). The page only holds a
draft: the spin boxes accept any number so that Hyper-V's rules
(:func:`dmgui.core.model.memory.check_memory_change`), not the widgets, reject bad values.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, Signal, Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QSlider,
    QSpinBox,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from dmgui.core.model.memory import (
    RUNNING_INFO,
    MemorySettings,
    VersionProfile,
    runtime_editable_fields,
)

MB_SPIN_MAX = 99_999_999  # wide on purpose: typing 4019 or 2 TB must reach validation
PERCENT_SPIN_MAX = 99_999
WEIGHT_PAGE_STEP = 1250  # eight steps from Low to High, a tick at each

AMOUNT_TEXT = "Specify the amount of memory that this virtual machine can use."
DYNAMIC_TEXT = (
    "You can allow the amount of memory available to this virtual machine to "
    "change dynamically within the range you set."
)
BUFFER_TEXT = (
    "Specify the percentage of memory that Hyper-V should try to reserve as a "
    "buffer. Hyper-V uses the percentage and the current demand for memory to "
    "determine an amount of memory for the buffer."
)
WEIGHT_TEXT = (
    "Specify how to prioritize the availability of memory for this virtual "
    "machine compared to other virtual machines on this computer."
)
WEIGHT_WARNING = (
    "Specifying a lower setting for this virtual machine might prevent it from "
    "starting when other virtual machines are running and available memory is low."
)

_ANY, _DYNAMIC, _STATIC = "any", "dynamic", "static"  # when a row is enabled
_Row = tuple[str, str, list[QWidget]]  # (settings field, when, widgets)
_INDENT = 20
_ALL_FIELDS = frozenset(MemorySettings.model_fields)


# Hyper-V documents only the order (higher weight first); the split is dmgui's model.
WEIGHT_TOOLTIP = (
    "When the host lacks memory, higher weight gets memory first and gives it up last "
    "(Hyper-V's rule). The exact split is dmgui's model, not Hyper-V's: every 1,000 "
    "points double a VM's claim on the memory that is short (see Help and "
    "docs/model.md).")

class _FormGrid:
    """Wrapped texts and "Label: [spin] unit" rows, with Hyper-V's indentation.

    Column 0 is the indent, 1 the labels, 2 the spin boxes, 3 the units and 4
    takes the slack, so every spin box of a group lines up. Each input row is
    recorded in ``rows`` as ``(field, when, widgets)`` for enabling.
    """

    def __init__(self, parent: QWidget, rows: list[_Row]) -> None:
        self.layout = QGridLayout(parent)
        self.layout.setColumnMinimumWidth(0, _INDENT)
        self.layout.setColumnStretch(4, 1)
        self.layout.setVerticalSpacing(6)
        self._rows = rows
        self._row = 0

    def add(self, widget: QWidget, indent: bool = False) -> QWidget:
        col = 1 if indent else 0
        self.layout.addWidget(widget, self._row, col, 1, 5 - col)
        self._row += 1
        return widget

    def text(self, text: str, indent: bool = False) -> QLabel:
        return self.add(_wrapped(text), indent)

    def gap(self, height: int = 8) -> None:
        self.layout.setRowMinimumHeight(self._row, height)
        self._row += 1

    def field(self, widget: QWidget, field: str, when: str = _ANY) -> QWidget:
        self._rows.append((field, when, [self.add(widget)]))
        return widget

    def spin(
        self, label_text: str, field: str, when: str, indent: bool = True,
        extra: tuple[QWidget, ...] = (),
    ) -> QSpinBox:
        percent = field == "buffer_percent"
        spin = QSpinBox()
        spin.setRange(0, PERCENT_SPIN_MAX if percent else MB_SPIN_MAX)
        spin.setSingleStep(1 if percent else 2)
        spin.setAccessibleName(label_text.replace("&", "").rstrip(":"))
        label = QLabel(label_text)
        label.setBuddy(spin)
        unit = QLabel("%" if percent else "MB")
        col = 1 if indent else 0
        self.layout.addWidget(label, self._row, col, 1, 2 - col)
        self.layout.addWidget(spin, self._row, 2)
        self.layout.addWidget(unit, self._row, 3)
        self._row += 1
        self._rows.append((field, when, [*extra, label, spin, unit]))
        return spin


class MemoryPage(QWidget):
    """The Memory page for one host version; edits a draft :class:`MemorySettings`.

    Parameters
    ----------
    profile:
        The host version whose page layout and rules apply.
    running:
        The VM was running when the dialog opened: fields that may not change
        (:func:`~dmgui.core.model.memory.runtime_editable_fields`) are disabled and an
        info bar says so.
    parent:
        The Qt parent.
    """

    changed = Signal()

    def __init__(
        self,
        profile: VersionProfile,
        running: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._profile = profile
        self._running = running
        self._editable = _ALL_FIELDS
        self._loading = False
        self._rows: list[_Row] = []
        self._check_dynamic: QCheckBox | None = None
        self._radio_static: QRadioButton | None = None
        self._radio_dynamic: QRadioButton | None = None
        self._spin_static_startup: QSpinBox | None = None
        self._spin_minimum: QSpinBox | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addWidget(self._build_info_bar())
        if profile.separate_minimum:
            layout.addWidget(self._build_memory_group())
        else:
            layout.addWidget(self._build_management_group())
        layout.addWidget(self._build_weight_group())
        layout.addStretch(1)
        self._info_bar.setVisible(running)
        self._connect_fields()
        self.load(MemorySettings())

    def _build_info_bar(self) -> QFrame:
        self._info_bar = QFrame()
        self._info_bar.setObjectName("info_bar")
        self._info_bar.setStyleSheet(
            "QFrame#info_bar { background: #fff4ce; border: 1px solid #e5d28a; }"
            "QFrame#info_bar QLabel { color: #1f1f1f; background: transparent; }"
        )
        self._label_info = _wrapped(RUNNING_INFO)
        row = QHBoxLayout(self._info_bar)
        row.setContentsMargins(8, 6, 8, 6)
        row.addWidget(self._info_icon())
        row.addWidget(self._label_info, 1)
        return self._info_bar

    def _info_icon(self) -> QLabel:
        pixmap = QStyle.StandardPixmap.SP_MessageBoxInformation
        icon = self.style().standardIcon(pixmap)
        label = QLabel()
        label.setPixmap(icon.pixmap(16, 16))
        label.setAlignment(Qt.AlignmentFlag.AlignTop)
        return label

    def _build_memory_group(self) -> QGroupBox:
        """WS2012 / 2012 R2 / 2016: RAM, then the Dynamic Memory section (§1.3)."""
        group = QGroupBox("Memory")
        grid = _FormGrid(group, self._rows)
        grid.text(AMOUNT_TEXT)
        self._spin_startup = grid.spin("&RAM:", "startup_mb", _ANY, indent=False)
        grid.gap(12)
        heading = grid.add(QLabel("Dynamic Memory"))
        heading.setFont(_bold(heading.font()))
        grid.text(DYNAMIC_TEXT)
        self._check_dynamic = grid.field(
            QCheckBox("&Enable Dynamic Memory"), "dynamic_memory_enabled"
        )
        self._spin_minimum = grid.spin("Mi&nimum RAM:", "minimum_mb", _DYNAMIC)
        self._spin_maximum = grid.spin("Ma&ximum RAM:", "maximum_mb", _DYNAMIC)
        grid.gap()
        self._spin_buffer = grid.spin(
            "Memory &buffer:", "buffer_percent", _DYNAMIC,
            extra=(grid.text(BUFFER_TEXT),),
        )
        return group

    def _build_management_group(self) -> QGroupBox:
        """WS2008 R2 SP1: Static / Dynamic radios, no Minimum field (§1.2)."""
        group = QGroupBox("Memory Management")
        grid = _FormGrid(group, self._rows)
        grid.text(AMOUNT_TEXT)
        self._radio_static = grid.field(
            QRadioButton("&Static"), "dynamic_memory_enabled"
        )
        self._spin_static_startup = grid.spin("Startup &RAM:", "startup_mb", _STATIC)
        self._radio_dynamic = grid.field(
            QRadioButton("&Dynamic"), "dynamic_memory_enabled"
        )
        self._spin_startup = grid.spin("S&tartup RAM:", "startup_mb", _DYNAMIC)
        self._spin_maximum = grid.spin("Ma&ximum RAM:", "maximum_mb", _DYNAMIC)
        self._spin_buffer = grid.spin(
            "Memory &buffer:", "buffer_percent", _DYNAMIC,
            extra=(grid.text(BUFFER_TEXT, indent=True),),
        )
        return group

    def _build_weight_group(self) -> QGroupBox:
        group = QGroupBox("Memory &weight")
        box = QVBoxLayout(group)
        box.addWidget(_wrapped(WEIGHT_TEXT))
        self._slider_weight = QSlider(Qt.Orientation.Horizontal)
        self._slider_weight.setRange(0, 10000)
        self._slider_weight.setSingleStep(100)  # one PowerShell Priority point
        self._slider_weight.setPageStep(WEIGHT_PAGE_STEP)
        self._slider_weight.setTickInterval(WEIGHT_PAGE_STEP)
        self._slider_weight.setTickPosition(QSlider.TickPosition.TicksBelow)
        self._slider_weight.setAccessibleName("Memory weight")
        self._slider_weight.setToolTip(WEIGHT_TOOLTIP)
        slider_row = QHBoxLayout()
        slider_row.addWidget(QLabel("Low"))
        slider_row.addWidget(self._slider_weight, 1)
        slider_row.addWidget(QLabel("High"))
        box.addLayout(slider_row)
        warning_row = QHBoxLayout()
        warning_row.addWidget(self._info_icon())
        warning_row.addWidget(_wrapped(WEIGHT_WARNING), 1)
        box.addLayout(warning_row)
        self._rows.append(("weight", _ANY, [group]))
        return group

    def _connect_fields(self) -> None:
        for spin in self._spins():
            spin.valueChanged.connect(self._on_value_changed)
        self._slider_weight.valueChanged.connect(self._on_value_changed)
        mode = self._check_dynamic or self._radio_dynamic
        mode.toggled.connect(self._on_mode_toggled)
        if self._spin_static_startup is not None:
            self._spin_static_startup.valueChanged.connect(self._on_static_startup)
            self._spin_startup.valueChanged.connect(self._on_dynamic_startup)
        chain = self.focus_chain()
        for first, second in zip(chain, chain[1:]):
            QWidget.setTabOrder(first, second)

    def _spins(self) -> list[QSpinBox]:
        spins = [self._spin_static_startup, self._spin_startup,
                 self._spin_minimum, self._spin_maximum, self._spin_buffer]
        return [spin for spin in spins if spin is not None]

    def focus_chain(self) -> list[QWidget]:
        """The page's input widgets in layout (tab) order."""
        widgets = [self._radio_static, self._spin_static_startup,
                   self._radio_dynamic, self._spin_startup, self._check_dynamic,
                   self._spin_minimum, self._spin_maximum, self._spin_buffer,
                   self._slider_weight]
        return [w for w in widgets if w is not None]

    def set_running(self, running: bool) -> None:
        """Another VM is shown (the Settings dialog's drop-down): whether it runs.

        The info bar follows at once, the runtime rules at the next :meth:`load`.
        """
        self._running = running
        self._info_bar.setVisible(running)

    def load(self, settings: MemorySettings) -> None:
        """Show ``settings`` in the fields (does not emit :attr:`changed`)."""
        self._editable = (runtime_editable_fields(settings, self._profile)
                          if self._running else _ALL_FIELDS)
        self._loading = True
        try:
            for spin in (self._spin_static_startup, self._spin_startup):
                if spin is not None:
                    spin.setValue(settings.startup_mb)
            if self._spin_minimum is not None:
                self._spin_minimum.setValue(settings.minimum_mb)
            self._spin_maximum.setValue(settings.maximum_mb)
            self._spin_buffer.setValue(settings.buffer_percent)
            self._slider_weight.setValue(settings.weight)
            if self._check_dynamic is not None:
                self._check_dynamic.setChecked(settings.dynamic_memory_enabled)
            else:
                dynamic = settings.dynamic_memory_enabled
                radio = self._radio_dynamic if dynamic else self._radio_static
                radio.setChecked(True)
        finally:
            self._loading = False
        self._update_enabled()

    def draft(self) -> MemorySettings:
        """What the fields hold now, unvalidated; on 2008 R2 SP1 Minimum = Startup."""
        startup = self.field_widget("startup_mb").value()
        minimum = self._spin_minimum.value() if self._spin_minimum else startup
        return MemorySettings(
            dynamic_memory_enabled=self._dynamic_on(),
            startup_mb=startup,
            minimum_mb=minimum,
            maximum_mb=self._spin_maximum.value(),
            buffer_percent=self._spin_buffer.value(),
            weight=self._slider_weight.value(),
        )

    def field_widget(self, field: str) -> QWidget:
        """The input widget for a :class:`MemorySettings` field name."""
        dynamic = self._dynamic_on()
        if field == "dynamic_memory_enabled":
            if self._check_dynamic is not None:
                return self._check_dynamic
            return self._radio_dynamic if dynamic else self._radio_static
        if field == "minimum_mb" and self._spin_minimum is None:
            field = "startup_mb"  # SP1: Minimum is Startup (spec §1.2)
        if field == "startup_mb" and self._spin_static_startup is not None:
            return self._spin_startup if dynamic else self._spin_static_startup
        widgets = {"startup_mb": self._spin_startup,
                   "minimum_mb": self._spin_minimum,
                   "maximum_mb": self._spin_maximum,
                   "buffer_percent": self._spin_buffer,
                   "weight": self._slider_weight}
        return widgets[field]

    def focus_field(self, field: str) -> None:
        """Give ``field``'s widget the focus and select its text, as after an error."""
        widget = self.field_widget(field)
        widget.setFocus(Qt.FocusReason.OtherFocusReason)
        if isinstance(widget, QAbstractSpinBox):
            widget.selectAll()

    def _dynamic_on(self) -> bool:
        if self._check_dynamic is not None:
            return self._check_dynamic.isChecked()
        return self._radio_dynamic.isChecked()

    def _update_enabled(self) -> None:
        dynamic = self._dynamic_on()
        for field, when, widgets in self._rows:
            allowed = field in self._editable
            shown_mode = when == _ANY or (when == _DYNAMIC) == dynamic
            for widget in widgets:
                widget.setEnabled(allowed and shown_mode)

    @Slot(int)
    def _on_value_changed(self, _value: int) -> None:
        if not self._loading:
            self.changed.emit()

    @Slot(bool)
    def _on_mode_toggled(self, _checked: bool) -> None:
        self._update_enabled()
        if not self._loading:
            self.changed.emit()

    # SP1 shows Startup RAM under both radio buttons; they are one setting.
    @Slot(int)
    def _on_static_startup(self, value: int) -> None:
        with QSignalBlocker(self._spin_startup):
            self._spin_startup.setValue(value)

    @Slot(int)
    def _on_dynamic_startup(self, value: int) -> None:
        with QSignalBlocker(self._spin_static_startup):
            self._spin_static_startup.setValue(value)


def _wrapped(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


def _bold(font: QFont) -> QFont:
    font.setBold(True)
    return font
