"""Host Settings: physical memory, the root reserve, per-VM overhead and the version.

The reserve and the overhead are either *Automatic* (what dmgui estimates for such a
host, shown as "Automatic (N MB)") or a typed number that the simulation uses exactly;
see :mod:`dmgui.core.model.capacity`. A reserve of 0 MB gets a visible warning.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import ValidationError
from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dmgui.core.model.capacity import (
    OVERHEAD_FIRST_GB_MB,
    OVERHEAD_PER_GB_MB,
    auto_reserve_mb,
)
from dmgui.core.model.memory import VersionProfile
from dmgui.core.model.scenario import Host, ScenarioError
from dmgui.qt.dialog_parts import buttons, error_label, first_error, spin
from dmgui.qt.plain_text import window_title_text
from dmgui.qt.resources import app_icon, icon

VERSION_LOCKED_SHORT = "The version can change only while every virtual machine is off."
VERSION_LOCKED_NOTE = (
    "The version can change only while every virtual machine is off (saved ones too). "
    "Turn them all off with the button below or with Action → Turn Off All Virtual "
    "Machines; the version unlocks here once they are off.")
VERSION_UNLOCKED_NOTE = "Every virtual machine is off: you can change the version now."
ZERO_RESERVE_WARNING = ("A reserve of 0 MB leaves nothing for the management OS: the "
                        "VMs may take memory the host needs, and the host can become "
                        "unresponsive.")


class AutomaticValue(QWidget):
    """A number of MB, or "Automatic" (a check box that disables the spin box)."""

    def __init__(self, value: int | None, shown_when_automatic: int,
                 maximum: int = 99_999_999) -> None:
        super().__init__()
        self.automatic = QCheckBox("Automatic")
        self.spin = spin(shown_when_automatic if value is None else value, maximum)
        self.note = QLabel()
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.automatic)
        row.addWidget(self.spin, 1)
        self.automatic.toggled.connect(self._sync)
        self.automatic.setChecked(value is None)
        self._sync()

    @Slot()
    def _sync(self) -> None:
        self.spin.setEnabled(not self.automatic.isChecked())

    def value(self) -> int | None:
        """None when automatic, else the typed MB."""
        return None if self.automatic.isChecked() else self.spin.value()


class HostSettingsDialog(QDialog):
    """Host memory, reserve, per-VM overhead and version profile.

    The version is locked while any VM is not Off (``version_locked``). The dialog
    then says how to turn them off and, given ``turn_off_all`` (which asks, turns
    every VM off and returns True if the user agreed), offers a Turn Off All button;
    the owner calls :meth:`set_version_locked` as the VMs' states change, so the
    version unlocks in the same dialog.
    """

    def __init__(self, host: Host, version_locked: bool,
                 apply: Callable[[Host], None], parent: QWidget | None = None,
                 turn_off_all: Callable[[], bool] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Hyper-V Settings for {window_title_text(host.name)}")
        self.setWindowIcon(app_icon())
        self._apply = apply
        self._host_version = host.version
        self._turn_off_all = turn_off_all
        self._turning_off = False
        self.lock_note = QLabel()
        self.lock_note.setWordWrap(True)
        self.turn_off_all_button = QPushButton("&Turn Off All Virtual Machines...")
        self.turn_off_all_button.setIcon(icon("turnoff-all"))
        self.turn_off_all_button.setToolTip(
            "Turn off every virtual machine (asks first; saved states are deleted)")
        self.turn_off_all_button.clicked.connect(self._on_turn_off_all)
        self._name = QLineEdit(host.name)
        self._memory = spin(host.memory_mb)
        self._reserve = AutomaticValue(host.reserve_mb, host.effective_reserve_mb)
        self._overhead = AutomaticValue(host.vm_overhead_mb, OVERHEAD_FIRST_GB_MB, 65536)
        self._overhead.spin.setToolTip("A typed value is charged for every running VM.")
        self._reserve_note = QLabel()
        self._reserve_note.setWordWrap(True)
        self._overhead_note = QLabel(
            f"Automatic: {OVERHEAD_FIRST_GB_MB} MB for the first GB of each VM's Startup "
            f"RAM plus {OVERHEAD_PER_GB_MB} MB per further GB.")
        self._overhead_note.setWordWrap(True)
        self._balloon_rate = QDoubleSpinBox()
        self._balloon_rate.setRange(0.5, 100.0)
        self._balloon_rate.setDecimals(1)
        self._balloon_rate.setSuffix(" % of Startup RAM per second")
        self._balloon_rate.setValue(host.balloon_rate_percent)
        self._hot_add_delay = spin(host.hot_add_delay_s, 600, " s")
        for widget in (self._balloon_rate, self._hot_add_delay):
            widget.setToolTip("A model parameter: Microsoft documents no rate or delay.")
        self._version = QComboBox()
        for profile in VersionProfile:
            self._version.addItem(profile_label(profile), profile.value)
        self._version.setCurrentIndex(list(VersionProfile).index(host.version))
        self.error = error_label()
        self._layout()
        self.version_locked = not version_locked  # so the call below applies it
        self.set_version_locked(version_locked)
        for signal in (self._memory.valueChanged, self._reserve.automatic.toggled,
                       self._reserve.spin.valueChanged, self._overhead.automatic.toggled):
            signal.connect(self._update_notes)
        self._update_notes()

    def _layout(self) -> None:
        form = QFormLayout()
        form.addRow("Host &name:", self._name)
        form.addRow("Physical &memory:", self._memory)
        form.addRow("&Reserve for the management OS:", self._reserve)
        form.addRow("", self._reserve_note)
        form.addRow("Per-VM &overhead:", self._overhead)
        form.addRow("", self._overhead_note)
        form.addRow("&Version:", self._version)
        form.addRow(self.lock_note)  # across both columns
        form.addRow("", self.turn_off_all_button)
        self._form = form
        advanced = QGroupBox("Advanced: model parameters")
        model = QFormLayout(advanced)
        model.addRow("&Balloon rate:", self._balloon_rate)
        model.addRow("&Hot-add delay:", self._hot_add_delay)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(advanced)
        layout.addWidget(self.error)
        layout.addWidget(buttons(self, self._on_ok))

    def set_version_locked(self, locked: bool) -> None:
        """Lock the version (some VM is not Off) or unlock it (every VM is Off).

        Locked, the version shows the host's and the note says how to turn every VM
        off; unlocked after Turn Off All, the note says the version may change now.
        """
        if locked == self.version_locked:
            if locked:
                self.turn_off_all_button.setEnabled(True)  # e.g. a VM started again
            return
        self.version_locked = locked
        self._version.setEnabled(not locked)
        if locked:
            self._version.setCurrentIndex(list(VersionProfile).index(self._host_version))
            text = (VERSION_LOCKED_NOTE if self._turn_off_all is not None
                    else VERSION_LOCKED_SHORT)
        elif self._turning_off:
            text = VERSION_UNLOCKED_NOTE
        else:
            text = ""
        self._turning_off = False
        self.lock_note.setText(text)
        self._form.setRowVisible(self.lock_note, bool(text))
        self._form.setRowVisible(self.turn_off_all_button,
                                 locked and self._turn_off_all is not None)
        self.turn_off_all_button.setEnabled(True)
        if self.isVisible():
            self.adjustSize()  # the note changed height: no stretched group box

    @Slot()
    def _on_turn_off_all(self) -> None:
        if self._turn_off_all is None or not self._turn_off_all():
            return
        self._turning_off = True
        self.turn_off_all_button.setEnabled(False)
        self.lock_note.setText("Turning off every virtual machine... The version "
                               "unlocks when they are all off.")

    @Slot()
    def _update_notes(self) -> None:
        """'Automatic (N MB)' follows the memory typed; a typed 0 MB gets a warning."""
        automatic = auto_reserve_mb(self._memory.value())
        if self._reserve.automatic.isChecked():
            self._reserve.spin.setValue(automatic)
            text, warn = f"Automatic ({automatic:,} MB: 384 MB + 64 MB per GB).", False
        elif self._reserve.spin.value() == 0:
            text, warn = ZERO_RESERVE_WARNING, True
        else:
            text, warn = f"Typed value (Automatic would be {automatic:,} MB).", False
        self._reserve_note.setText(text)
        self._reserve_note.setStyleSheet("QLabel { color: #b3261e; }" if warn else "")
        self._overhead_note.setVisible(self._overhead.automatic.isChecked())

    def draft(self) -> dict:
        """The host as typed (unvalidated); None means automatic."""
        return {"name": self._name.text().strip(), "memory_mb": self._memory.value(),
                "reserve_mb": self._reserve.value(),
                "vm_overhead_mb": self._overhead.value(),
                "version": self._version.currentData(),
                "balloon_rate_percent": self._balloon_rate.value(),
                "hot_add_delay_s": self._hot_add_delay.value()}

    @Slot()
    def _on_ok(self) -> None:
        try:
            host = Host.model_validate(self.draft())
            self._apply(host)
        except (ValidationError, ScenarioError, ValueError) as err:
            self.error.setText(first_error(err))
            self.error.show()
            return
        self.accept()


def profile_label(profile: VersionProfile) -> str:
    """The version as Hyper-V Manager's users know it."""
    return {VersionProfile.WS2008R2SP1: "Windows Server 2008 R2 SP1",
            VersionProfile.WS2012R2: "Windows Server 2012 R2",
            VersionProfile.WS2016: "Windows Server 2016 and later"}[profile]
