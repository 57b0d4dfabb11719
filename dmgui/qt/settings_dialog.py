"""Hyper-V Manager's "Settings for <VM> on <HOST>" dialog, with a live Memory page.

The dialog edits a draft: Apply and OK run Hyper-V's rules
(:func:`dmgui.core.memory.check_memory_change`) and either emit
:attr:`SettingsDialog.settings_applied` or show Hyper-V's "Error applying Memory
changes" box, keeping every edit in place (spec §1.4).

As in Hyper-V Manager, the drop-down above the settings tree lists every VM of the
host and picking another one shows that VM's settings in the same window (issue 8
§2.5). The dialog knows nothing of the main window: it is given a callable that
returns every VM as a :class:`VmChoice`, read again at each switch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QSignalBlocker,
    QSize,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QScrollArea,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dmgui.core.memory import (
    FAILED_TO_MODIFY,
    MemoryChangeError,
    MemorySettings,
    VersionProfile,
    check_memory_change,
)
from dmgui.core.states import VmState
from dmgui.qt.memory_page import MemoryPage
from dmgui.qt.plain_text import ask, plain_message_box, window_title_text
from dmgui.qt.resources import app_icon, icon, state_icon

SECONDARY_ROLE = Qt.ItemDataRole.UserRole + 1  # grey second line under an item
PAGE_ROLE = Qt.ItemDataRole.UserRole + 2  # index of the item's page in the stack
NOT_SIMULATED = "dmgui does not simulate this setting."
ERROR_TITLE = "Error applying Memory changes"
# The question when another VM is picked with edits not applied. Hyper-V Manager asks
# before it leaves a VM with pending changes; its exact words were not found [INF].
PENDING_TEXT = "Apply the changes you made to the settings of '{vm}'?"
PENDING_INFO = ("Choose Apply to save them before showing '{other}', Discard to drop "
                "them, or Cancel to stay on '{vm}'.")
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
            "\"integration_services\"): all of them or none.")

_SP = QStyle.StandardPixmap
_HARDWARE = (
    ("Add Hardware", "", _SP.SP_FileDialogNewFolder),
    ("BIOS", "Boot from CD", _SP.SP_ComputerIcon),
    ("Memory", "", None),
    ("Processor", "1 Virtual processor", _SP.SP_DesktopIcon),
    ("IDE Controller 0", "Hard Drive", _SP.SP_DriveHDIcon),
    ("IDE Controller 1", "DVD Drive", _SP.SP_DriveCDIcon),
    ("SCSI Controller", "", _SP.SP_DriveHDIcon),
    ("Network Adapter", "Not connected", _SP.SP_DriveNetIcon),
    ("COM 1", "None", _SP.SP_FileIcon),
    ("COM 2", "None", _SP.SP_FileIcon),
    ("Diskette Drive", "None", _SP.SP_DriveFDIcon),
)


@dataclass(frozen=True)
class VmChoice:
    """One VM as the Settings dialog's drop-down lists it.

    Attributes
    ----------
    name:
        The VM's name.
    settings:
        Its memory settings now.
    state:
        Its :class:`~dmgui.core.states.VmState` now (any state but Off counts as
        running: the runtime rules apply).
    integration_services:
        Whether its guest has the integration services.
    """

    name: str
    settings: MemorySettings
    state: int = VmState.OFF
    integration_services: bool = True

    @property
    def running(self) -> bool:
        """The VM is not Off: Hyper-V's runtime rules apply (spec §1.4 V7–V9)."""
        return self.state != VmState.OFF


def _management(
    vm_name: str, profile: VersionProfile, integration_services: bool = True
) -> list[tuple[str, str, QStyle.StandardPixmap]]:
    """The Management section; its names follow the host version (spec §1.1)."""
    hyperv_dir = r"C:\ProgramData\Microsoft\Windows\Hyper-V"
    items = [
        ("Name", vm_name, _SP.SP_FileDialogDetailedView),
        ("Integration Services", _integration_text(profile, integration_services),
         _SP.SP_FileDialogInfoView),
    ]
    if profile is VersionProfile.WS2008R2SP1:
        items.append(("Snapshot File Location", hyperv_dir, _SP.SP_DirIcon))
    elif profile is VersionProfile.WS2012R2:
        # 2012 R2 renamed snapshots to checkpoints; the page is still only a folder.
        items.append(("Checkpoint File Location", hyperv_dir, _SP.SP_DirIcon))
    else:  # 2016 brought the Checkpoints page (type: Production by default)
        items.append(("Checkpoints", "Production", _SP.SP_DirIcon))
    if profile.smart_paging:
        items.append(("Smart Paging File Location", hyperv_dir, _SP.SP_DirIcon))
    items += [
        ("Automatic Start Action", "Restart if previously running", _SP.SP_MediaPlay),
        ("Automatic Stop Action", "Save", _SP.SP_MediaStop),
    ]
    return items


class _HardwareItemDelegate(QStyledItemDelegate):
    """Draws an item's :data:`SECONDARY_ROLE` text in grey under its name."""

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        size = super().sizeHint(option, index)
        if index.data(SECONDARY_ROLE):
            size.setHeight(size.height() + option.fontMetrics.height())
        return size

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        secondary = index.data(SECONDARY_ROLE)
        if not secondary:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.displayAlignment = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
        style = opt.widget.style()
        style.drawControl(
            QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget
        )
        text_rect = style.subElementRect(
            QStyle.SubElement.SE_ItemViewItemText, opt, opt.widget
        )
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        role = (QPalette.ColorRole.HighlightedText if selected
                else QPalette.ColorRole.PlaceholderText)
        rect = text_rect.adjusted(2, opt.fontMetrics.height() + 1, 0, 0)
        elided = opt.fontMetrics.elidedText(
            secondary, Qt.TextElideMode.ElideMiddle, rect.width()
        )
        painter.save()
        painter.setPen(opt.palette.color(role))
        painter.drawText(rect, opt.displayAlignment, elided)
        painter.restore()


class SettingsDialog(QDialog):
    """Hyper-V's 'Settings for <VM> on <HOST>' dialog; only the Memory page is live.

    Parameters
    ----------
    vm_name, host_name:
        Shown in the title, as in Hyper-V Manager.
    settings:
        The VM's current memory settings.
    profile:
        The host version: picks the Memory page layout and the rules.
    running:
        The VM is running now; runtime rules apply (spec §1.4 V7–V9).
    parent:
        The Qt parent (the main window).
    integration_services:
        Whether the VM's guest has the integration services (its Integration
        Services item and page show it).
    vms:
        Returns every VM of the host, in list order, as it is now; the drop-down
        lists them and picking one shows its settings in this dialog. None: the
        drop-down holds only this VM.

    Attributes
    ----------
    memory_page : MemoryPage
    vm_combo : QComboBox
        The drop-down of virtual machines above the settings tree.
    error_box : QMessageBox or None
        The last "Error applying Memory changes" box shown.
    """

    settings_applied = Signal(str, object)  # (vm_name, validated MemorySettings)

    def __init__(
        self,
        vm_name: str,
        settings: MemorySettings,
        profile: VersionProfile,
        running: bool,
        host_name: str = "HV01",
        parent: QWidget | None = None,
        *,
        integration_services: bool = True,
        vms: Callable[[], Sequence[VmChoice]] | None = None,
    ) -> None:
        super().__init__(parent)
        self._vm_name = vm_name
        self._profile = profile
        self._running = running
        self._applied = settings
        self._integration = integration_services
        self._host_name = host_name
        self._vms = vms
        self._error_field = ""
        self.error_box: QMessageBox | None = None
        self.setWindowIcon(app_icon())
        self.memory_page = MemoryPage(profile, running)
        self.memory_page.load(settings)
        self.integration_page = _IntegrationServicesPage(profile)
        self._stack = QStackedWidget()
        self._build_hardware_list()
        self._build_layout()
        self._wire()
        self._hardware_list.setCurrentItem(self._memory_item)
        self._show_vm_texts()
        self._update_apply()
        self.resize(800, 700)

    @property
    def vm_name(self) -> str:
        """The VM whose settings the dialog shows."""
        return self._vm_name

    def _build_hardware_list(self) -> None:
        self._hardware_list = QTreeWidget()
        self._hardware_list.setHeaderHidden(True)
        self._hardware_list.setRootIsDecorated(False)
        self._hardware_list.setIndentation(14)
        self._hardware_list.setIconSize(QSize(16, 16))
        self._hardware_list.setItemDelegate(_HardwareItemDelegate(self._hardware_list))
        self._hardware_list.setMinimumWidth(270)
        self._hardware_list.setAccessibleName("Hardware and management settings")
        self._items: dict[str, QTreeWidgetItem] = {}
        sections = (("Hardware", _HARDWARE),
                    ("Management",
                     _management(self._vm_name, self._profile, self._integration)))
        for title, entries in sections:
            section = QTreeWidgetItem(self._hardware_list, [title])
            section.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = section.font(0)
            font.setBold(True)
            section.setFont(0, font)
            for name, secondary, pixmap in entries:
                self._add_item(section, name, secondary, pixmap)
            section.setExpanded(True)

    def _add_item(
        self,
        section: QTreeWidgetItem,
        name: str,
        secondary: str,
        pixmap: QStyle.StandardPixmap | None,
    ) -> None:
        item = QTreeWidgetItem(section, [name])
        item.setData(0, SECONDARY_ROLE, secondary)
        self._items[name] = item
        if name == "Memory":
            self._memory_item = item
            page: QWidget = self.memory_page
            item.setIcon(0, icon("host"))
        else:
            page = (self.integration_page if name == "Integration Services"
                    else _placeholder_page(name))
            item.setIcon(0, self.style().standardIcon(pixmap))
        item.setData(0, PAGE_ROLE, self._stack.addWidget(page))

    def _build_layout(self) -> None:
        self.vm_combo = QComboBox()
        self.vm_combo.setAccessibleName("Virtual machine")
        self.vm_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self._fill_vm_combo(self._choices())
        left = QVBoxLayout()
        left.addWidget(self.vm_combo)
        left.addWidget(self._hardware_list, 1)
        scroll = QScrollArea()
        scroll.setWidget(self._stack)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        panes = QHBoxLayout()
        panes.addLayout(left)
        panes.addWidget(scroll, 1)
        panes.setSpacing(12)
        self._buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.Apply
        )
        button = self._buttons.button
        self._button_ok = button(QDialogButtonBox.StandardButton.Ok)
        self._button_cancel = button(QDialogButtonBox.StandardButton.Cancel)
        self._button_apply = button(QDialogButtonBox.StandardButton.Apply)
        layout = QVBoxLayout(self)
        layout.addLayout(panes, 1)
        layout.addWidget(self._buttons)
        chain = [self.vm_combo, self._hardware_list, *self.memory_page.focus_chain(),
                 self._button_ok, self._button_cancel, self._button_apply]
        for first, second in zip(chain, chain[1:]):
            QWidget.setTabOrder(first, second)

    def _wire(self) -> None:
        self._hardware_list.currentItemChanged.connect(self._on_item_changed)
        self.memory_page.changed.connect(self._update_apply)
        self._buttons.accepted.connect(self._on_ok)
        self._buttons.rejected.connect(self.reject)
        self._button_apply.clicked.connect(self._on_apply)
        self.vm_combo.currentIndexChanged.connect(self._on_vm_picked)

    # -- the virtual machine drop-down -------------------------------------------

    def _choices(self) -> list[VmChoice]:
        """Every VM the drop-down lists (this one alone without a ``vms`` source)."""
        mine = VmChoice(self._vm_name, self._applied,
                        VmState.RUNNING if self._running else VmState.OFF,
                        self._integration)
        if self._vms is None:
            return [mine]
        return list(self._vms()) or [mine]

    def _fill_vm_combo(self, choices: Sequence[VmChoice]) -> None:
        """List ``choices`` (state icons as in the VM list) with this VM current."""
        with QSignalBlocker(self.vm_combo):
            self.vm_combo.clear()
            for choice in choices:
                self.vm_combo.addItem(state_icon(choice.state), choice.name)
            self.vm_combo.setCurrentIndex(max(0, self.vm_combo.findText(
                self._vm_name, Qt.MatchFlag.MatchExactly)))

    @Slot(int)
    def _on_vm_picked(self, index: int) -> None:
        name = self.vm_combo.itemText(index)
        if index < 0 or name == self._vm_name or not self.switch_to(name):
            self._fill_vm_combo(self._choices())  # back on the VM shown (or refreshed)

    def switch_to(self, name: str) -> bool:
        """Show the settings of VM ``name`` in this dialog, as Hyper-V's drop-down does.

        Edits not applied yet are first offered with :meth:`ask_pending`: Apply (a
        refused change keeps the dialog on this VM, with Hyper-V's error), Discard,
        or Cancel (stay). Returns whether the dialog now shows ``name``.
        """
        if name == self._vm_name:
            return True
        if self._button_apply.isEnabled():
            answer = self.ask_pending(self._vm_name, name)
            if answer == QMessageBox.StandardButton.Apply:
                if not self._apply():
                    return False
            elif answer != QMessageBox.StandardButton.Discard:
                return False
        choices = self._choices()
        choice = next((c for c in choices if c.name == name), None)
        if choice is None:  # deleted since the list was filled
            return False
        self._load_vm(choice)
        self._fill_vm_combo(choices)
        return True

    def ask_pending(self, current: str, other: str) -> QMessageBox.StandardButton:
        """Apply / Discard / Cancel for edits not applied (blocking; tests replace
        it)."""
        buttons = (QMessageBox.StandardButton.Apply | QMessageBox.StandardButton.Discard
                   | QMessageBox.StandardButton.Cancel)
        return ask(self, "Settings",  # plain text: it quotes VM names
                   PENDING_TEXT.format(vm=current) + "\n\n"
                   + PENDING_INFO.format(vm=current, other=other),
                   buttons, QMessageBox.StandardButton.Apply)

    def _load_vm(self, choice: VmChoice) -> None:
        """Show ``choice``'s settings: title, tree texts, Memory and Integration
        Services pages."""
        if self.error_box is not None:
            self.error_box.close()
        self._vm_name = choice.name
        self._running = choice.running
        self._applied = choice.settings
        self._integration = choice.integration_services
        self._error_field = ""
        self.memory_page.set_running(choice.running)
        self.memory_page.load(choice.settings)
        self._show_vm_texts()
        self._update_apply()

    def _show_vm_texts(self) -> None:
        """The title and the tree's second lines that name or describe the VM."""
        self.setWindowTitle(window_title_text(
            f"Settings for {self._vm_name} on {self._host_name}"))
        self._items["Name"].setData(0, SECONDARY_ROLE, self._vm_name)
        self._items["Integration Services"].setData(
            0, SECONDARY_ROLE, _integration_text(self._profile, self._integration))
        self.integration_page.show_value(self._integration)
        self._set_memory_text(self._applied)

    # -- editing -------------------------------------------------------------------

    def draft(self) -> MemorySettings:
        """What the Memory page holds now (unvalidated)."""
        return self.memory_page.draft()

    def _baseline(self) -> MemorySettings:
        """The last applied settings as the page shows them (SP1: Minimum = Startup)."""
        if self._profile.separate_minimum:
            return self._applied
        return self._applied.model_copy(update={"minimum_mb": self._applied.startup_mb})

    @Slot()
    def _update_apply(self) -> None:
        self._button_apply.setEnabled(self.draft() != self._baseline())

    @Slot(QTreeWidgetItem, QTreeWidgetItem)
    def _on_item_changed(
        self, current: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None
    ) -> None:
        if current is not None and current.data(0, PAGE_ROLE) is not None:
            self._stack.setCurrentIndex(current.data(0, PAGE_ROLE))

    @Slot()
    def _on_apply(self) -> None:
        self._apply()

    @Slot()
    def _on_ok(self) -> None:
        if self._apply():
            self.accept()

    def _apply(self) -> bool:
        """Validate the draft as Hyper-V would; emit and remember it if accepted."""
        try:
            checked = check_memory_change(
                self._applied, self.draft(), self._profile, self._vm_name, self._running
            )
        except MemoryChangeError as err:
            self._show_error(err)
            return False
        if checked != self._baseline():
            self._applied = checked
            self._set_memory_text(checked)
            self.settings_applied.emit(self._vm_name, checked)
        self._update_apply()
        return True

    def _set_memory_text(self, settings: MemorySettings) -> None:
        self._memory_item.setData(0, SECONDARY_ROLE, f"{settings.startup_mb} MB")

    def _show_error(self, err: MemoryChangeError) -> None:
        """Hyper-V's error box; the fields keep their values, the culprit gets focus."""
        self._hardware_list.setCurrentItem(self._memory_item)
        self._error_field = err.field
        self.memory_page.focus_field(err.field)
        if self.error_box is not None:
            self.error_box.close()
            self.error_box.deleteLater()
        # Plain text: the reason quotes the VM name.
        box = plain_message_box(QMessageBox.Icon.Critical, "Settings", ERROR_TITLE,
                                f"{FAILED_TO_MODIFY}\n\n{err.reason}", parent=self)
        box.setDetailedText(err.details)
        # The task dialog's main instruction is larger and blue.
        box.setStyleSheet(
            "QLabel#qt_msgbox_label { color: #003399; font-size: 12pt; }"
            "QLabel#qt_msgbox_informativelabel { min-width: 380px; }"
        )
        box.finished.connect(self._on_error_closed)
        self.error_box = box
        box.open()

    @Slot(int)
    def _on_error_closed(self, _result: int) -> None:
        if self._error_field:
            self.memory_page.focus_field(self._error_field)


class _IntegrationServicesPage(QWidget):
    """The Integration Services page: the services, ticked as the VM has them.

    Read-only here: the check boxes show the VM's ``integration_services`` (all or
    none, as dmgui models them).
    """

    def __init__(self, profile: VersionProfile, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        group = QGroupBox("Integration Services")
        box = QVBoxLayout(group)
        box.addWidget(_wrapped(IS_TEXT))
        self.boxes: list[QCheckBox] = []
        for name in _services(profile):
            check = QCheckBox(name)
            check.setEnabled(False)
            box.addWidget(check)
            self.boxes.append(check)
        self.status = _wrapped("")
        self.status.setObjectName("integration_status")
        box.addSpacing(8)
        box.addWidget(self.status)
        box.addWidget(_wrapped(IS_MODEL))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(group)
        layout.addStretch(1)

    def show_value(self, has: bool) -> None:
        """Tick every service offered by default if the guest has them, none if not."""
        for check in self.boxes:
            check.setChecked(has and check.text() != GUEST_SERVICES)
        self.status.setText(IS_HAS if has else IS_HAS_NOT)


def _services(profile: VersionProfile) -> list[str]:
    """The services Hyper-V Manager lists for ``profile`` (recalled names [INF])."""
    backup = ("Backup (volume snapshot)" if profile is VersionProfile.WS2008R2SP1
              else "Backup (volume checkpoint)")
    names = ["Operating system shutdown", "Time synchronization", "Data Exchange",
             "Heartbeat", backup]
    if profile is not VersionProfile.WS2008R2SP1:
        names.append(GUEST_SERVICES)
    return names


def _integration_text(profile: VersionProfile, has: bool) -> str:
    """The Integration Services item's second line for a VM of ``profile``."""
    if not has:
        return IS_NONE
    return IS_ALL if GUEST_SERVICES not in _services(profile) else IS_SOME


def _wrapped(text: str) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    return label


def _placeholder_page(title: str) -> QWidget:
    page = QWidget()
    group = QGroupBox(title)
    QVBoxLayout(group).addWidget(QLabel(NOT_SIMULATED))
    layout = QVBoxLayout(page)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(group)
    layout.addStretch(1)
    return page
