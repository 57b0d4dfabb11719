"""The Settings dialog's "Simulation" pages: what dmgui simulates inside the guest.

Hyper-V has no such pages: a real guest runs its own workload and is whatever OS
was installed. Here the Workload page edits the VM's demand model
(:mod:`dmgui.core.model.workloads`) and the Guest page its guest OS
(:mod:`dmgui.core.model.guest_os`, with New VM's Best-Practices-style advice), the boot
delay of its Dynamic Memory driver and shows its generation. Each page says so at
the top, and the tree lists them in a section of their own.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from dmgui.core.model.guest_os import GuestOs, guest_warnings
from dmgui.core.model.memory import MemorySettings, VersionProfile
from dmgui.core.model.workloads import Workload
from dmgui.qt.settings_pages import note_bar, page_layout, wrapped
from dmgui.qt.workload_editor import WorkloadEditor

SIMULATION_SECTION = "Simulation (not Hyper-V)"
SIMULATION_NOTE = ("Not a Hyper-V setting: dmgui simulates this inside the guest. The "
                   "scenario file keeps it with the virtual machine.")
WORKLOAD_TEXT = ("The guest's committed memory over time: the Memory Demand the "
                 "Dynamic Memory driver reports (and what the guest pages when it gets "
                 "less).")
WORKLOAD_LIVE = ("A change applies at once, also while the virtual machine runs: from "
                 "the next simulated second the guest commits what the new workload "
                 "gives, and its memory follows at the balancer's usual pace.")
GUEST_NOT_SPECIFIED = "Not specified (Windows, every feature)"
GUEST_TEXT = ("The guest decides whether Dynamic Memory works in it on this host, "
              "whether it has integration services, and what memory it supports.")
GUEST_RUNNING = ("Turn off the virtual machine to change its guest operating system: "
                 "the running guest stays the one that was started.")
BOOT_TEXT = ("Seconds from the start until the guest's Dynamic Memory driver first "
             "reports (Microsoft: 5–30 s for Windows, 45 s for Linux). Until then the "
             "virtual machine holds its Startup RAM. A change applies at its next start.")
GENERATION_TEXT = ("Hyper-V fixes the generation when it creates the virtual machine; "
                   "it cannot be changed here. On 2016 hosts Generation 1 allows at most "
                   "1 TB of memory, Generation 2 at most 12 TB.")
BOOT_SPIN_MAX = 99_999  # wide on purpose: a bad number must reach validation


def simulation_bar() -> QFrame:
    """The blue strip that marks a page as dmgui's, not Hyper-V's."""
    bar = QFrame()
    bar.setObjectName("simulation_bar")
    bar.setStyleSheet(
        "QFrame#simulation_bar { background: #e5f1fb; border: 1px solid #99c9ef; }"
        "QFrame#simulation_bar QLabel { color: #1f1f1f; background: transparent; }")
    label = wrapped(SIMULATION_NOTE)
    label.setObjectName("simulation_note")
    layout = QVBoxLayout(bar)
    layout.setContentsMargins(8, 6, 8, 6)
    layout.addWidget(label)
    return bar


def guest_combo() -> QComboBox:
    """The guest OS drop-down of New VM and the Guest page: "Not specified" (data
    None), then every :class:`GuestOs` (data: its value)."""
    combo = QComboBox()
    combo.setAccessibleName("Guest operating system")
    combo.addItem(GUEST_NOT_SPECIFIED, None)
    for guest in GuestOs:
        combo.addItem(guest.label, guest.value)
    return combo


def chosen_guest(combo: QComboBox) -> GuestOs | None:
    """The guest OS a :func:`guest_combo` shows (None: not specified)."""
    value = combo.currentData()
    return GuestOs(value) if value else None


def advice_label() -> QLabel:
    """The amber, wrapped label of the Best-Practices-style advice for a guest."""
    label = wrapped("")
    label.setStyleSheet("QLabel { color: #8a5a00; }")
    return label


def show_advice(label: QLabel, guest: GuestOs | None, settings: MemorySettings,
                profile: VersionProfile) -> None:
    """:func:`~dmgui.core.model.guest_os.guest_warnings` in ``label`` (hidden if none)."""
    advice = guest_warnings(guest, settings, profile)
    label.setText("\n".join(advice))
    label.setVisible(bool(advice))


class WorkloadPage(QWidget):
    """The VM's workload, every number of its kind (:class:`WorkloadEditor`).

    Attributes
    ----------
    editor : WorkloadEditor
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = WorkloadEditor(detailed=True)
        group = QGroupBox("Workload")
        box = QVBoxLayout(group)
        box.addWidget(wrapped(WORKLOAD_TEXT))
        box.addSpacing(4)
        box.addWidget(self.editor)
        box.addSpacing(4)
        box.addWidget(wrapped(WORKLOAD_LIVE))
        page_layout(self, simulation_bar(), group)
        self.editor.changed.connect(self.changed)

    def load(self, workload: Workload) -> None:
        """Show a VM's workload."""
        self.editor.load(workload)


class GuestPage(QWidget):
    """Guest OS (with its advice), boot delay and the read-only generation.

    Attributes
    ----------
    guest_combo : QComboBox
        "Not specified" (data None) and every :class:`GuestOs` (data: its value).
    boot_delay : QSpinBox
    advice : QLabel
        The Best-Practices-style warnings for the guest and the Memory page's draft.
    """

    changed = Signal()
    guest_changed = Signal(object)  # GuestOs or None

    def __init__(self, profile: VersionProfile, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._profile = profile
        self._memory = MemorySettings()
        self.guest_combo = guest_combo()
        self.advice = advice_label()
        self.boot_delay = QSpinBox()
        self.boot_delay.setRange(-BOOT_SPIN_MAX, BOOT_SPIN_MAX)
        self.boot_delay.setSuffix(" s")
        self.boot_delay.setAccessibleName("Boot delay")
        self.generation = QLabel()
        self.generation.setObjectName("generation")
        self.lock_bar, _text = note_bar(GUEST_RUNNING, "guest_lock")
        page_layout(self, simulation_bar(), self.lock_bar, self._guest_group(),
                    self._boot_group(), self._generation_group())
        self.guest_combo.currentIndexChanged.connect(self._on_guest)
        self.boot_delay.valueChanged.connect(self.changed)

    def _guest_group(self) -> QGroupBox:
        group = QGroupBox("Guest operating system")
        form = _form(group)
        form.addRow(wrapped(GUEST_TEXT))
        label = QLabel("&Guest OS:")
        label.setBuddy(self.guest_combo)
        form.addRow(label, self.guest_combo)
        form.addRow(self.advice)
        return group

    def _boot_group(self) -> QGroupBox:
        group = QGroupBox("Boot")
        form = _form(group)
        label = QLabel("&Boot delay:")
        label.setBuddy(self.boot_delay)
        form.addRow(label, self.boot_delay)
        form.addRow(wrapped(BOOT_TEXT))
        return group

    def _generation_group(self) -> QGroupBox:
        group = QGroupBox("Generation")
        form = _form(group)
        form.addRow("Generation:", self.generation)
        form.addRow(wrapped(GENERATION_TEXT))
        return group

    def load(self, guest: GuestOs | None, boot_delay_s: int, generation: int,
             running: bool) -> None:
        """Show a VM's guest; its guest OS is locked unless the VM is Off."""
        with QSignalBlocker(self.guest_combo), QSignalBlocker(self.boot_delay):
            self.guest_combo.setCurrentIndex(
                self.guest_combo.findData(guest.value if guest else None))
            self.boot_delay.setValue(boot_delay_s)
        self.generation.setText(str(generation))
        self.guest_combo.setEnabled(not running)
        self.lock_bar.setVisible(running)
        self._update_advice()

    def guest(self) -> GuestOs | None:
        """The guest OS the page shows (None: not specified)."""
        return chosen_guest(self.guest_combo)

    def show_memory(self, settings: MemorySettings) -> None:
        """The Memory page's draft, which the advice is about."""
        self._memory = settings
        self._update_advice()

    @Slot(int)
    def _on_guest(self, _index: int) -> None:
        self._update_advice()
        self.guest_changed.emit(self.guest())
        self.changed.emit()

    def _update_advice(self) -> None:
        show_advice(self.advice, self.guest(), self._memory, self._profile)


def _form(group: QGroupBox) -> QFormLayout:
    """A form in ``group`` whose fields keep their natural width, as Hyper-V's do."""
    form = QFormLayout(group)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
    return form
