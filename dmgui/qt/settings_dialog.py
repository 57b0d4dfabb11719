"""Hyper-V Manager's "Settings for <VM> on <HOST>" dialog, with a live Memory page.

The dialog edits a draft: Apply and OK run Hyper-V's rules
(:func:`dmgui.core.memory.check_memory_change`) and either emit
:attr:`SettingsDialog.settings_applied` or show Hyper-V's "Error applying Memory
changes" box, keeping every edit in place (spec §1.4).
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt, Signal, Slot
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import (
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
from dmgui.qt.memory_page import MemoryPage
from dmgui.qt.plain_text import plain_message_box, window_title_text
from dmgui.qt.resources import app_icon, icon

SECONDARY_ROLE = Qt.ItemDataRole.UserRole + 1  # grey second line under an item
PAGE_ROLE = Qt.ItemDataRole.UserRole + 2  # index of the item's page in the stack
NOT_SIMULATED = "dmgui does not simulate this setting."
ERROR_TITLE = "Error applying Memory changes"

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


def _management(
    vm_name: str, profile: VersionProfile
) -> list[tuple[str, str, QStyle.StandardPixmap]]:
    """The Management section; its names follow the host version (spec §1.1)."""
    hyperv_dir = r"C:\ProgramData\Microsoft\Windows\Hyper-V"
    items = [
        ("Name", vm_name, _SP.SP_FileDialogDetailedView),
        ("Integration Services", "All services offered", _SP.SP_FileDialogInfoView),
    ]
    if profile is VersionProfile.WS2008R2SP1:
        items.append(("Snapshot File Location", hyperv_dir, _SP.SP_DirIcon))
    else:
        checkpoints = "Production" if profile is VersionProfile.WS2016 else hyperv_dir
        items.append(("Checkpoints", checkpoints, _SP.SP_DirIcon))
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

    Attributes
    ----------
    memory_page : MemoryPage
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
    ) -> None:
        super().__init__(parent)
        self._vm_name = vm_name
        self._profile = profile
        self._running = running
        self._applied = settings
        self._error_field = ""
        self.error_box: QMessageBox | None = None
        self.setWindowTitle(window_title_text(f"Settings for {vm_name} on {host_name}"))
        self.setWindowIcon(app_icon())
        self.memory_page = MemoryPage(profile, running)
        self.memory_page.load(settings)
        self._stack = QStackedWidget()
        self._build_hardware_list()
        self._build_layout()
        self._wire()
        self._hardware_list.setCurrentItem(self._memory_item)
        self._set_memory_text(settings)
        self._update_apply()
        self.resize(800, 700)

    def _build_hardware_list(self) -> None:
        self._hardware_list = QTreeWidget()
        self._hardware_list.setHeaderHidden(True)
        self._hardware_list.setRootIsDecorated(False)
        self._hardware_list.setIndentation(14)
        self._hardware_list.setIconSize(QSize(16, 16))
        self._hardware_list.setItemDelegate(_HardwareItemDelegate(self._hardware_list))
        self._hardware_list.setMinimumWidth(270)
        self._hardware_list.setAccessibleName("Hardware and management settings")
        sections = (("Hardware", _HARDWARE),
                    ("Management", _management(self._vm_name, self._profile)))
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
        if name == "Memory":
            self._memory_item = item
            page: QWidget = self.memory_page
            item.setIcon(0, icon("host"))
        else:
            page = _placeholder_page(name)
            item.setIcon(0, self.style().standardIcon(pixmap))
        item.setData(0, PAGE_ROLE, self._stack.addWidget(page))

    def _build_layout(self) -> None:
        vm_combo = QComboBox()
        state_icon = icon("vm-running" if self._running else "vm-off")
        vm_combo.addItem(state_icon, self._vm_name)
        vm_combo.setAccessibleName("Virtual machine")
        left = QVBoxLayout()
        left.addWidget(vm_combo)
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
        chain = [vm_combo, self._hardware_list, *self.memory_page.focus_chain(),
                 self._button_ok, self._button_cancel, self._button_apply]
        for first, second in zip(chain, chain[1:]):
            QWidget.setTabOrder(first, second)

    def _wire(self) -> None:
        self._hardware_list.currentItemChanged.connect(self._on_item_changed)
        self.memory_page.changed.connect(self._update_apply)
        self._buttons.accepted.connect(self._on_ok)
        self._buttons.rejected.connect(self.reject)
        self._button_apply.clicked.connect(self._on_apply)

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
        self.memory_page.focus_field(self._error_field)


def _placeholder_page(title: str) -> QWidget:
    page = QWidget()
    group = QGroupBox(title)
    QVBoxLayout(group).addWidget(QLabel(NOT_SIMULATED))
    layout = QVBoxLayout(page)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(group)
    layout.addStretch(1)
    return page
