"""Small dialogs of the main window: New Virtual Machine, and Host Settings (in
:mod:`dmgui.qt.host_dialog`, re-exported here).

Both edit a draft and validate it with the core models on OK; a problem is shown
inside the dialog (its text in red, the field focused) and every edit is kept. New
VM's workload editor and guest OS choice are the Settings dialog's
(:mod:`dmgui.qt.workload_editor`, :mod:`dmgui.qt.simulation_pages`).
"""

from __future__ import annotations

from pydantic import ValidationError
from PySide6.QtCore import QEvent, Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from dmgui.core.model.guest_os import GuestOs
from dmgui.core.model.memory import (
    MemoryChangeError,
    MemorySettings,
    VersionProfile,
    check_memory_settings,
)
from dmgui.core.model.scenario import VirtualMachine
from dmgui.qt.dialog_parts import buttons, error_label, first_error, spin
from dmgui.qt.host_dialog import HostSettingsDialog, profile_label
from dmgui.qt.resources import app_icon
from dmgui.qt.simulation_pages import (
    advice_label,
    chosen_guest,
    guest_combo,
    show_advice,
)
from dmgui.qt.workload_editor import WorkloadEditor, WorkloadInputError

__all__ = ["HostSettingsDialog", "NewVmDialog", "profile_label"]


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
        self._workload = WorkloadEditor(detailed=False)  # each kind's main numbers
        self._autostart = QCheckBox("Start &automatically with the host")
        self._integration = QCheckBox("&Integration services installed in the guest")
        self._integration.setChecked(True)
        self._guest = guest_combo()
        self._advice = advice_label()  # Best-Practices-style warnings for the guest
        self.error = error_label()
        self._build()
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
        form.addRow(self._advice)  # spans the form: QFormLayout sizes it right
        form.addRow("", self._autostart)
        form.addRow("", self._integration)
        workload = QGroupBox("Workload (simulation)")
        QVBoxLayout(workload).addWidget(self._workload)
        layout = QVBoxLayout(self)
        intro = QLabel("Specify the name, the startup memory and the guest's workload.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(workload)
        layout.addWidget(self.error)
        layout.addWidget(buttons(self, self._on_ok))

    @Slot(int)
    def _on_guest(self, _index: int) -> None:
        """An appliance has no integration services; other guests have them."""
        guest = self._guest_os()
        self._integration.setChecked(guest is not GuestOs.APPLIANCE)
        self._integration.setEnabled(guest is not GuestOs.APPLIANCE)
        self._update_advice()

    def _guest_os(self) -> GuestOs | None:
        return chosen_guest(self._guest)

    @Slot()
    def _update_advice(self) -> None:
        settings = MemorySettings.model_validate(self.draft()["memory"])
        show_advice(self._advice, self._guest_os(), settings, self._profile)

    def event(self, event: QEvent) -> bool:
        """After each re-layout, grow to show every line of the wrapped texts (the
        advice, the workload's description): a window's minimum size ignores their
        height-for-width, so they would be cut or overlap the next rows."""
        handled = super().event(event)
        if event.type() == QEvent.Type.LayoutRequest and self.isVisible():
            needed = self.heightForWidth(self.width())
            if needed > self.height():
                self.resize(self.width(), needed)
        return handled

    def draft(self) -> dict:
        """The VM as typed (unvalidated), in scenario-file form."""
        startup = self._startup.value()
        maximum = self._profile.limits.maximum_max_mb
        maximum = min(maximum, 1048576)
        return {
            "name": self._name.text().strip(),
            "autostart": self._autostart.isChecked(),
            "integration_services": self._integration.isChecked(),
            "guest_os": self._guest.currentData(),
            "memory": {"dynamic_memory_enabled": self._dynamic.isChecked(),
                       # 2008 R2 SP1 has no separate Minimum: it is Startup (§1.2).
                       "startup_mb": startup,
                       "minimum_mb": (min(512, startup) if self._profile.separate_minimum
                                      else startup),
                       "maximum_mb": maximum},
            "workload": self._workload.draft(),
        }

    @Slot()
    def _on_ok(self) -> None:
        draft = self.draft()
        try:
            if draft["name"] in self._taken:
                raise ValueError(f"A virtual machine named '{draft['name']}' already exists.")
            self._workload.workload()  # its own sentence, naming the field
            vm = VirtualMachine.model_validate(draft)
            check_memory_settings(vm.memory, self._profile, vm.name)
        except MemoryChangeError as err:
            self._show(str(err), self._startup)
            return
        except WorkloadInputError as err:
            self._show(str(err), self._workload)
            self._workload.focus_field(err.field)
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
