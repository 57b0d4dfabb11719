"""Small dialogs of the main window: New Virtual Machine, and Host Settings (in
:mod:`dmgui.qt.host_dialog`, re-exported here).

Both edit a draft and validate it with the core models on OK; a problem is shown
inside the dialog (its text in red, the field focused) and every edit is kept.
"""

from __future__ import annotations

from pydantic import ValidationError
from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from dmgui.core.guest_os import GuestOs, guest_warnings
from dmgui.core.memory import (
    MemoryChangeError,
    MemorySettings,
    VersionProfile,
    check_memory_settings,
)
from dmgui.core.scenario import VirtualMachine
from dmgui.qt.dialog_parts import buttons, error_label, first_error, spin
from dmgui.qt.host_dialog import HostSettingsDialog, profile_label
from dmgui.qt.resources import app_icon

__all__ = ["HostSettingsDialog", "NewVmDialog", "profile_label"]

# (label, kind, first field, second field or None, defaults)
WORKLOADS = (
    ("Constant", "constant", ("mb", "Demand (MB):"), None, (400, 0)),
    ("Office day", "diurnal", ("base_mb", "Night demand (MB):"),
     ("peak_mb", "Working-hours demand (MB):"), (500, 1800)),
    ("Bursty", "bursty", ("base_mb", "Base demand (MB):"),
     ("burst_mb", "Extra during a burst (MB):"), (600, 1200)),
    ("Media streaming", "media_streaming", ("idle_mb", "Idle demand (MB):"),
     ("per_stream_mb", "Extra per stream (MB):"), (600, 500)),
    ("Slow leak with restarts", "leak", ("base_mb", "Demand after restart (MB):"),
     ("leak_mb_per_hour", "Leak (MB per hour):"), (800, 60)),
    ("Boot-time spike", "boot_spike", ("steady_mb", "Settled demand (MB):"),
     ("spike_mb", "Extra at boot (MB):"), (600, 800)),
)


class NewVmDialog(QDialog):
    """New Virtual Machine: name, startup memory, Dynamic Memory, workload."""

    def __init__(self, default_name: str, profile: VersionProfile,
                 taken: set[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New Virtual Machine")
        self.setWindowIcon(app_icon())
        self._profile, self._taken = profile, taken
        self.vm: VirtualMachine | None = None
        self._name = QLineEdit(default_name)
        startup = 1024 if profile is VersionProfile.WS2016 else 512  # wizard default §1.3
        self._startup = spin(startup)
        self._startup.setSingleStep(2)
        self._dynamic = QCheckBox("&Use Dynamic Memory for this virtual machine.")
        self._dynamic.setChecked(True)
        self._kind = QComboBox()
        for label, *_ in WORKLOADS:
            self._kind.addItem(label)
        self._first, self._second = spin(0), spin(0)
        self._first_label, self._second_label = QLabel(), QLabel()
        self._autostart = QCheckBox("Start &automatically with the host")
        self._integration = QCheckBox("&Integration services installed in the guest")
        self._integration.setChecked(True)
        self._guest = QComboBox()
        self._guest.addItem("Not specified (Windows, every feature)", None)
        for guest in GuestOs:
            self._guest.addItem(guest.label, guest.value)
        self._advice = QLabel()  # Best-Practices-style warnings for the guest
        self._advice.setWordWrap(True)
        self._advice.setStyleSheet("QLabel { color: #8a5a00; }")
        self.error = error_label()
        self._build()
        self._kind.currentIndexChanged.connect(self._on_kind)
        self._on_kind(0)
        self._guest.currentIndexChanged.connect(self._on_guest)
        for signal in (self._startup.valueChanged, self._dynamic.toggled):
            signal.connect(self._update_advice)
        self._update_advice()

    def _build(self) -> None:
        form = QFormLayout()
        form.addRow("&Name:", self._name)
        form.addRow("&Startup memory:", self._startup)
        form.addRow("", self._dynamic)
        form.addRow("&Guest OS:", self._guest)
        form.addRow("", self._advice)
        form.addRow("&Workload:", self._kind)
        form.addRow(self._first_label, self._first)
        form.addRow(self._second_label, self._second)
        form.addRow("", self._autostart)
        form.addRow("", self._integration)
        layout = QVBoxLayout(self)
        intro = QLabel("Specify the name, the startup memory and the guest's workload.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons(self, self._on_ok))

    @Slot(int)
    def _on_kind(self, index: int) -> None:
        _label, _kind, first, second, defaults = WORKLOADS[index]
        self._first_label.setText(first[1])
        self._first.setValue(defaults[0])
        self._second_label.setVisible(second is not None)
        self._second.setVisible(second is not None)
        if second:
            self._second_label.setText(second[1])
            self._second.setValue(defaults[1])
            self._second.setSuffix(" MB/h" if second[0] == "leak_mb_per_hour" else " MB")

    @Slot(int)
    def _on_guest(self, _index: int) -> None:
        """An appliance has no integration services; other guests have them."""
        guest = self._guest_os()
        self._integration.setChecked(guest is not GuestOs.APPLIANCE)
        self._integration.setEnabled(guest is not GuestOs.APPLIANCE)
        self._update_advice()

    def _guest_os(self) -> GuestOs | None:
        value = self._guest.currentData()
        return GuestOs(value) if value else None

    @Slot()
    def _update_advice(self) -> None:
        draft = self.draft()["memory"]
        settings = MemorySettings.model_validate(draft)
        advice = guest_warnings(self._guest_os(), settings, self._profile)
        self._advice.setText("\n".join(advice))
        self._advice.setVisible(bool(advice))

    def draft(self) -> dict:
        """The VM as typed (unvalidated), in scenario-file form."""
        _label, kind, first, second, _ = WORKLOADS[self._kind.currentIndex()]
        workload = {"kind": kind, first[0]: self._first.value()}
        if second:
            workload[second[0]] = self._second.value()
        if kind == "diurnal":
            workload["peak_mb"] = max(workload["peak_mb"], workload["base_mb"])
        startup = self._startup.value()
        maximum = self._profile.limits.maximum_max_mb
        maximum = min(maximum, 1048576)
        return {
            "name": self._name.text().strip(),
            "autostart": self._autostart.isChecked(),
            "integration_services": self._integration.isChecked(),
            "guest_os": self._guest.currentData(),
            "memory": {"dynamic_memory_enabled": self._dynamic.isChecked(),
                       "startup_mb": startup, "minimum_mb": min(512, startup),
                       "maximum_mb": maximum},
            "workload": workload,
        }

    @Slot()
    def _on_ok(self) -> None:
        draft = self.draft()
        try:
            if draft["name"] in self._taken:
                raise ValueError(f"A virtual machine named '{draft['name']}' already exists.")
            vm = VirtualMachine.model_validate(draft)
            check_memory_settings(vm.memory, self._profile, vm.name)
        except MemoryChangeError as err:
            self._show(str(err), self._startup)
            return
        except (ValidationError, ValueError) as err:
            self._show(first_error(err), self._name)
            return
        self.vm = vm
        self.accept()

    def _show(self, text: str, widget: QWidget) -> None:
        self.error.setText(text)
        self.error.show()
        widget.setFocus(Qt.FocusReason.OtherFocusReason)
