"""The details pane under the VM list: the VM's Memory tab and a host summary.

On a 2008 R2 SP1 host there is no "Minimum Memory" row: SP1's UI has no Minimum (it
is Startup, spec §1.2). The pane learns the host version from :meth:`show_host`.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QFormLayout, QGroupBox, QHBoxLayout, QLabel, QWidget

from dmgui.core.model.memory import MemorySettings, VersionProfile
from dmgui.core.model.scenario import Host
from dmgui.core.model.states import STATUS_LABELS
from dmgui.core.sim.frame import format_mb
from dmgui.qt.host_dialog import profile_label
from dmgui.qt.plain_text import mnemonic_text, plain_label
from dmgui.qt.vm_table_model import NO_MEMORY_STATES, VmLive


def _form(parent: QWidget, labels: list[str]) -> tuple[QFormLayout, dict[str, QLabel]]:
    form = QFormLayout(parent)
    form.setHorizontalSpacing(24)
    form.setVerticalSpacing(2)
    values = {}
    for text in labels:
        value = plain_label()  # values include the host name
        value.setMinimumWidth(120)
        form.addRow(QLabel(text), value)
        values[text] = value
    return form, values


MEMORY_LABELS = ["Startup Memory:", "Dynamic Memory:", "Minimum Memory:", "Maximum Memory:",
                 "Assigned Memory:", "Memory Demand:", "Memory Status:"]
HOST_LABELS = ["Host:", "Version:", "Total memory:", "Reserve:", "VM overhead:",
               "Assigned to VMs:", "Available memory:", "Average pressure:"]


class DetailsPane(QWidget):
    """The selected VM's Memory details (spec §2.2) beside a host summary."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.memory_box, host = QGroupBox("Memory"), QGroupBox("Host")
        self._memory_form, self.memory_values = _form(self.memory_box, MEMORY_LABELS)
        self.host_values = _form(host, HOST_LABELS)[1]
        self._profile: VersionProfile | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.memory_box, 1)
        layout.addWidget(host, 1)

    def show_vm(self, settings: MemorySettings | None, live: VmLive | None,
                name: str | None = None) -> None:
        """Fill the Memory tab (blank when no VM is selected)."""
        v = self.memory_values
        title = f"Memory — {mnemonic_text(name)}" if name else "Memory"
        self.memory_box.setTitle(title)
        if settings is None or live is None:
            for label in v.values():
                label.setText("")
            return
        dm = settings.dynamic_memory_enabled
        off = live.state in NO_MEMORY_STATES  # Off or Saved: no memory shown
        v["Startup Memory:"].setText(format_mb(settings.startup_mb))
        v["Dynamic Memory:"].setText("Enabled" if dm else "Disabled")
        # Blank on SP1 too, where the row is hidden (Minimum = Startup there).
        separate = self._profile is None or self._profile.separate_minimum
        v["Minimum Memory:"].setText(format_mb(settings.minimum_mb) if dm and separate
                                     else "")
        v["Maximum Memory:"].setText(format_mb(settings.maximum_mb) if dm else "")
        v["Assigned Memory:"].setText("" if off else format_mb(live.assigned))
        demand = "" if off or live.demand <= 0 else format_mb(live.demand)
        v["Memory Demand:"].setText(demand)
        v["Memory Status:"].setText("" if off else STATUS_LABELS[live.status])

    def show_host(self, host: Host, assigned_mb: float, available_mb: float,
                  average_pressure: float, running_vms: int,
                  overhead_mb: float = 0.0) -> None:
        """Fill the Host tab (``overhead_mb``: the running VMs' overhead in all)."""
        self._set_profile(host.version)
        v = self.host_values
        v["Host:"].setText(host.name)
        v["Version:"].setText(profile_label(host.version))
        v["Total memory:"].setText(format_mb(host.memory_mb))
        reserve = format_mb(host.effective_reserve_mb)
        v["Reserve:"].setText(f"Automatic ({reserve})" if host.reserve_is_automatic
                              else reserve)
        if host.overhead_is_automatic:
            v["VM overhead:"].setText(f"{overhead_mb:,.0f} MB for {running_vms} running "
                                      "(automatic, by VM size)")
        else:
            v["VM overhead:"].setText(
                f"{host.vm_overhead_mb} MB × {running_vms} running = "
                f"{host.vm_overhead_mb * running_vms} MB")
        v["Assigned to VMs:"].setText(format_mb(assigned_mb))
        v["Available memory:"].setText(format_mb(available_mb))
        pressure = "" if not np.isfinite(average_pressure) or average_pressure <= 0 else (
            f"{average_pressure:.0f} %")
        v["Average pressure:"].setText(pressure)

    def _set_profile(self, profile: VersionProfile) -> None:
        """Show the Memory rows the host version has (SP1: no Minimum Memory)."""
        if profile is self._profile:
            return
        self._profile = profile
        self._memory_form.setRowVisible(self.memory_values["Minimum Memory:"],
                                        profile.separate_minimum)
        if not profile.separate_minimum:
            self.memory_values["Minimum Memory:"].setText("")
