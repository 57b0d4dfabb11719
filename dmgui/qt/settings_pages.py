"""Hyper-V pages of the VM Settings dialog besides Memory: Integration Services,
Automatic Start Action and the "not simulated" placeholders, with the small pieces
every page uses (wrapped texts, the yellow note bar).

Each editable page holds a draft: ``load`` shows a VM's value, ``value`` returns
what the page shows now, and ``changed`` fires on every edit. The dialog compares
and applies (:mod:`dmgui.qt.vm_pages`).
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QSpinBox,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from dmgui.core.model.guest_os import GuestOs
from dmgui.core.model.memory import VersionProfile

NOT_SIMULATED = "dmgui does not simulate this setting."
# The Integration Services item's second line. Hyper-V Manager reads "All services
# offered", or "Some services offered" when one is unticked, as Guest services is by
# default from 2012 R2 on (recalled [INF]). dmgui models integration services as one
# switch of the guest, all or none (spec §1.5); the "none" wording is dmgui's [INF].
IS_ALL = "All services offered"
IS_SOME = "Some services offered"
IS_NONE = "None in the guest"
GUEST_SERVICES = "Guest services"  # 2012 R2+, off by default [INF]
IS_TEXT = ("Select the services that you want Hyper-V to offer to this virtual "
           "machine. To use the services you select, they must be supported by the "
           "guest operating system.")  # recalled wording [INF]
IS_HAS = ("This virtual machine's guest has the integration services: its Dynamic "
          "Memory driver reports demand and takes memory, and Shut Down works.")
IS_HAS_NOT = ("This virtual machine's guest has no integration services: it keeps its "
              "Startup RAM and reports no demand, and it can be turned off but not shut "
              "down.")
IS_MODEL = ("dmgui models the services as one setting of the VM (the scenario's "
            "\"integration_services\"): all of them or none. The services above follow "
            "it.")
IS_INSTALLED = "The guest has the integration services &installed"
IS_MISSING = "The guest has &no integration services"
IS_RUNNING = ("Turn off the virtual machine to change its integration services: a "
              "running guest keeps the ones it started with.")
IS_APPLIANCE = ("An appliance guest has no integration services (see the Guest page "
                "under Simulation).")

# Hyper-V Manager's Automatic Start Action page (recalled wording [INF]).
START_QUESTION = ("What do you want this virtual machine to do when the physical "
                  "computer starts?")
START_NOTHING = "&Nothing"
START_IF_RUNNING = "&Automatically start if it was running when the service stopped"
START_ALWAYS = "Al&ways start this virtual machine automatically"
# dmgui's host starts with the simulation: there is no earlier run whose state a VM
# could resume, so the middle choice is shown (as Hyper-V has it) but not offered.
START_MODEL = ("dmgui's host starts when the simulation starts (00:00:00) and has no "
               "earlier run to remember, so \"if it was running\" is not offered: "
               "Always starts the virtual machine at 00:00:00 (the scenario's "
               "\"autostart\"), after the startup delay; Nothing leaves it off. A change "
               "takes effect when the host starts: at the next Reset, or at Run if the "
               "simulation is still at 00:00:00.")
START_DELAY_TEXT = ("Specify a startup delay to reduce resource contention between "
                    "virtual machines.")  # recalled wording [INF]
DELAY_SPIN_MAX = 99_999_999  # wide on purpose: a bad number must reach validation
# The tree's second line per choice (recalled [INF]).
START_ITEM = {True: "Always start", False: "None"}


def wrapped(text: str) -> QLabel:
    """A word-wrapped plain-text label."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    return label


def note_bar(text: str, object_name: str = "note_bar") -> tuple[QFrame, QLabel]:
    """The Memory page's yellow information bar: an icon and a wrapped text."""
    bar = QFrame()
    bar.setObjectName(object_name)
    bar.setStyleSheet(
        f"QFrame#{object_name} {{ background: #fff4ce; border: 1px solid #e5d28a; }}"
        f"QFrame#{object_name} QLabel {{ color: #1f1f1f; background: transparent; }}"
    )
    icon = QLabel()
    pixmap = bar.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxInformation)
    icon.setPixmap(pixmap.pixmap(16, 16))
    icon.setAlignment(Qt.AlignmentFlag.AlignTop)
    label = wrapped(text)
    row = QHBoxLayout(bar)
    row.setContentsMargins(8, 6, 8, 6)
    row.addWidget(icon)
    row.addWidget(label, 1)
    return bar, label


def page_layout(page: QWidget, *widgets: QWidget) -> QVBoxLayout:
    """Stack ``widgets`` at the top of ``page``, as the Memory page does."""
    layout = QVBoxLayout(page)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(10)
    for widget in widgets:
        layout.addWidget(widget)
    layout.addStretch(1)
    return layout


def placeholder_page(title: str) -> QWidget:
    """A page of a setting dmgui does not simulate."""
    page = QWidget()
    group = QGroupBox(title)
    QVBoxLayout(group).addWidget(QLabel(NOT_SIMULATED))
    page_layout(page, group)
    return page


def services(profile: VersionProfile) -> list[str]:
    """The services Hyper-V Manager lists for ``profile`` (recalled names [INF])."""
    backup = ("Backup (volume snapshot)" if profile is VersionProfile.WS2008R2SP1
              else "Backup (volume checkpoint)")
    names = ["Operating system shutdown", "Time synchronization", "Data Exchange",
             "Heartbeat", backup]
    if profile is not VersionProfile.WS2008R2SP1:
        names.append(GUEST_SERVICES)
    return names


def integration_text(profile: VersionProfile, has: bool) -> str:
    """The Integration Services item's second line for a VM of ``profile``."""
    if not has:
        return IS_NONE
    return IS_ALL if GUEST_SERVICES not in services(profile) else IS_SOME


class IntegrationServicesPage(QWidget):
    """The Integration Services page: the services, and whether the guest has them.

    The service check boxes follow the one setting dmgui models (all or none); the
    two radio buttons edit it. Both are locked while the VM is not Off and for an
    appliance guest, which has none.

    Attributes
    ----------
    boxes : list of QCheckBox
        The services, ticked as the VM has them (never edited one by one).
    installed, missing : QRadioButton
        The guest has the integration services / has none.
    """

    changed = Signal()

    def __init__(self, profile: VersionProfile, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._running = False
        self._guest: GuestOs | None = None
        self.boxes: list[QCheckBox] = []
        self.status = wrapped("")
        self.status.setObjectName("integration_status")
        self.installed = QRadioButton(IS_INSTALLED)
        self.missing = QRadioButton(IS_MISSING)
        self._choice = QButtonGroup(self)
        for button in (self.installed, self.missing):
            self._choice.addButton(button)
        self.lock_bar, self._lock_text = note_bar("", "integration_lock")
        page_layout(self, self.lock_bar, self._services_group(profile),
                    self._guest_group())
        self.installed.toggled.connect(self._on_toggled)

    def _services_group(self, profile: VersionProfile) -> QGroupBox:
        group = QGroupBox("Integration Services")
        box = QVBoxLayout(group)
        box.addWidget(wrapped(IS_TEXT))
        for name in services(profile):
            check = QCheckBox(name)
            check.setEnabled(False)
            box.addWidget(check)
            self.boxes.append(check)
        box.addSpacing(8)
        box.addWidget(self.status)
        return group

    def _guest_group(self) -> QGroupBox:
        group = QGroupBox("In the guest (simulation)")
        box = QVBoxLayout(group)
        box.addWidget(self.installed)
        box.addWidget(self.missing)
        box.addWidget(wrapped(IS_MODEL))
        return group

    def load(self, has: bool, guest: GuestOs | None, running: bool) -> None:
        """Show a VM: whether its guest has the services, its guest OS, its state."""
        self._running, self._guest = running, guest
        self.show_value(has)
        self._update_lock()

    def show_value(self, has: bool) -> None:
        """Tick every service offered by default if the guest has them, none if not."""
        (self.installed if has else self.missing).setChecked(True)
        self._show_services(has)

    def value(self) -> bool:
        """Whether the page says the guest has the integration services."""
        return self.installed.isChecked()

    def set_guest(self, guest: GuestOs | None) -> None:
        """The Guest page's choice: an appliance has none; leaving one, the new guest
        gets its default (the services installed), as New VM does."""
        was_appliance = self._guest is GuestOs.APPLIANCE
        self._guest = guest
        if guest is GuestOs.APPLIANCE:
            self.show_value(False)
        elif was_appliance:
            self.show_value(guest.facts.integration_services if guest else True)
        self._update_lock()

    def _update_lock(self) -> None:
        reason = (IS_RUNNING if self._running
                  else IS_APPLIANCE if self._guest is GuestOs.APPLIANCE else "")
        self._lock_text.setText(reason)
        self.lock_bar.setVisible(bool(reason))
        for button in (self.installed, self.missing):
            button.setEnabled(not reason)

    def _on_toggled(self, _checked: bool) -> None:
        self._show_services(self.value())
        self.changed.emit()

    def _show_services(self, has: bool) -> None:
        for check in self.boxes:
            check.setChecked(has and check.text() != GUEST_SERVICES)
        self.status.setText(IS_HAS if has else IS_HAS_NOT)


class AutomaticStartPage(QWidget):
    """Hyper-V's Automatic Start Action page: ``autostart`` and ``autostart_delay_s``.

    "Always start" is ``autostart = True`` and "Nothing" is False; the middle choice
    is shown disabled (see :data:`START_MODEL`). As in Hyper-V, the startup delay is
    disabled with "Nothing".

    Attributes
    ----------
    nothing, if_running, always : QRadioButton
    delay : QSpinBox
        The startup delay, seconds.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.nothing = QRadioButton(START_NOTHING)
        self.if_running = QRadioButton(START_IF_RUNNING)
        self.if_running.setEnabled(False)
        self.if_running.setToolTip(START_MODEL)
        self.always = QRadioButton(START_ALWAYS)
        group = QGroupBox("Automatic Start Action")
        box = QVBoxLayout(group)
        box.addWidget(wrapped(START_QUESTION))
        choices = QButtonGroup(self)
        for button in (self.nothing, self.if_running, self.always):
            choices.addButton(button)
            box.addWidget(button)
        box.addSpacing(8)
        self.model_note = wrapped(START_MODEL)
        box.addWidget(self.model_note)
        page_layout(self, group, self._delay_group())
        self.always.toggled.connect(self._on_choice)
        self.delay.valueChanged.connect(self.changed)

    def _delay_group(self) -> QGroupBox:
        self.delay = QSpinBox()
        self.delay.setRange(-DELAY_SPIN_MAX, DELAY_SPIN_MAX)
        self.delay.setSuffix(" seconds")
        self.delay.setAccessibleName("Startup delay")
        group = QGroupBox("Automatic start delay")
        form = QFormLayout(group)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.addRow(wrapped(START_DELAY_TEXT))
        label = QLabel("Startup &delay:")
        label.setBuddy(self.delay)
        form.addRow(label, self.delay)
        return group

    def load(self, autostart: bool, delay_s: int = 0) -> None:
        """Show a VM's ``autostart`` and ``autostart_delay_s``."""
        with QSignalBlocker(self.delay):
            self.delay.setValue(delay_s)
        (self.always if autostart else self.nothing).setChecked(True)
        self.delay.setEnabled(autostart)

    def value(self) -> bool:
        """The ``autostart`` the page shows."""
        return self.always.isChecked()

    @Slot(bool)
    def _on_choice(self, always: bool) -> None:
        self.delay.setEnabled(always)
        self.changed.emit()
