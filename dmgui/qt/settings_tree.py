"""The settings tree on the left of the VM Settings dialog.

As in Hyper-V Manager: a bold *Hardware* and *Management* section, each item with
its name and a grey second line (the setting's value), and one page per item in a
stack. dmgui adds a third section, :data:`SIMULATION_SECTION`, for what it simulates
inside the guest; it is not a Hyper-V section and says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import (
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from dmgui.core.model.memory import VersionProfile
from dmgui.qt.resources import icon
from dmgui.qt.settings_pages import integration_text, placeholder_page
from dmgui.qt.simulation_pages import SIMULATION_NOTE, SIMULATION_SECTION

SECONDARY_ROLE = Qt.ItemDataRole.UserRole + 1  # grey second line under an item
PAGE_ROLE = Qt.ItemDataRole.UserRole + 2  # index of the item's page in the stack

_SP = QStyle.StandardPixmap
Entry = tuple[str, str, "QStyle.StandardPixmap | None"]  # name, second line, icon
HARDWARE: tuple[Entry, ...] = (
    ("Add Hardware", "", _SP.SP_FileDialogNewFolder),
    ("BIOS", "Boot from CD", _SP.SP_ComputerIcon),
    ("Memory", "", None),  # the app's own host icon
    ("Processor", "1 Virtual processor", _SP.SP_DesktopIcon),
    ("IDE Controller 0", "Hard Drive", _SP.SP_DriveHDIcon),
    ("IDE Controller 1", "DVD Drive", _SP.SP_DriveCDIcon),
    ("SCSI Controller", "", _SP.SP_DriveHDIcon),
    ("Network Adapter", "Not connected", _SP.SP_DriveNetIcon),
    ("COM 1", "None", _SP.SP_FileIcon),
    ("COM 2", "None", _SP.SP_FileIcon),
    ("Diskette Drive", "None", _SP.SP_DriveFDIcon),
)
SIMULATION: tuple[Entry, ...] = (
    ("Workload", "", _SP.SP_FileDialogContentsView),
    ("Guest", "", _SP.SP_ComputerIcon),
)


def management(vm_name: str, profile: VersionProfile,
               integration_services: bool = True) -> list[Entry]:
    """The Management section; its names follow the host version (spec §1.1)."""
    hyperv_dir = r"C:\ProgramData\Microsoft\Windows\Hyper-V"
    items: list[Entry] = [
        ("Name", vm_name, _SP.SP_FileDialogDetailedView),
        ("Integration Services", integration_text(profile, integration_services),
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
        ("Automatic Start Action", "", _SP.SP_MediaPlay),
        ("Automatic Stop Action", "Save", _SP.SP_MediaStop),
    ]
    return items


class SettingsTree(QTreeWidget):
    """The sections and items; each item shows its page of ``stack`` when current.

    Attributes
    ----------
    items : dict of str to QTreeWidgetItem
        Every item by name ("Memory", "Workload"...).
    """

    def __init__(self, stack: QStackedWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._stack = stack
        self.items: dict[str, QTreeWidgetItem] = {}
        self.setHeaderHidden(True)
        self.setRootIsDecorated(False)
        self.setIndentation(14)
        self.setIconSize(QSize(16, 16))
        self.setItemDelegate(_HardwareItemDelegate(self))
        self.setMinimumWidth(270)
        self.setAccessibleName("Hardware and management settings")
        self.currentItemChanged.connect(self._on_current)

    def add_section(self, title: str, entries: Sequence[Entry],
                    pages: Mapping[str, QWidget], tooltip: str = "") -> QTreeWidgetItem:
        """A bold section of ``entries``; an entry without a page in ``pages`` gets
        the "not simulated" one."""
        section = QTreeWidgetItem(self, [title])
        section.setFlags(Qt.ItemFlag.ItemIsEnabled)
        font = section.font(0)
        font.setBold(True)
        section.setFont(0, font)
        section.setToolTip(0, tooltip)
        for name, secondary, pixmap in entries:
            item = QTreeWidgetItem(section, [name])
            item.setData(0, SECONDARY_ROLE, secondary)
            item.setIcon(0, icon("host") if pixmap is None
                         else self.style().standardIcon(pixmap))
            item.setToolTip(0, tooltip)
            page = pages.get(name) or placeholder_page(name)
            item.setData(0, PAGE_ROLE, self._stack.addWidget(page))
            self.items[name] = item
        section.setExpanded(True)
        return section

    def add_simulation_section(self, pages: Mapping[str, QWidget]) -> QTreeWidgetItem:
        """dmgui's own section, last, in italics: not a Hyper-V setting."""
        section = self.add_section(SIMULATION_SECTION, SIMULATION, pages, SIMULATION_NOTE)
        font = section.font(0)
        font.setItalic(True)
        section.setFont(0, font)
        return section

    def set_secondary(self, name: str, text: str) -> None:
        """Item ``name``'s grey second line."""
        self.items[name].setData(0, SECONDARY_ROLE, text)

    def select(self, name: str) -> None:
        """Make item ``name`` current (its page shows)."""
        self.setCurrentItem(self.items[name])

    def _on_current(self, current: QTreeWidgetItem | None,
                    _previous: QTreeWidgetItem | None) -> None:
        if current is not None and current.data(0, PAGE_ROLE) is not None:
            self._stack.setCurrentIndex(current.data(0, PAGE_ROLE))


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
