"""Hyper-V Manager's Actions pane: a host group and a selected-VM group of links."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from dmgui.qt.plain_text import plain_label, plain_tooltip, set_plain


class ActionsPane(QFrame):
    """A column of flat buttons bound to shared QActions, under two headers."""

    def __init__(self, host_actions: list[QAction], vm_actions: list[QAction],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("actionsPane")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(_header("Actions", big=True))
        self._host_header = _header("Host")
        layout.addWidget(self._host_header)
        for action in host_actions:
            layout.addWidget(_link(action))
        self._vm_header = _header("No virtual machine selected")
        self._vm_header.setWordWrap(True)  # "NAME (+N more selected)" in a narrow pane
        layout.addWidget(self._vm_header)
        for action in vm_actions:
            layout.addWidget(_link(action))
        layout.addStretch(1)
        self.setMinimumWidth(190)

    def set_host_name(self, name: str) -> None:
        """Title of the host group (the host's name, as in Hyper-V Manager)."""
        set_plain(self._host_header, name)

    def set_vm_name(self, name: str | None, selected: int = 1) -> None:
        """Title of the VM group: the current VM, and how many more are selected
        (the power actions act on all of them, the others on ``name``)."""
        text = name or "No virtual machine selected"
        if name and selected > 1:
            text = f"{name} (+{selected - 1} more selected)"
        set_plain(self._vm_header, text)
        self._vm_header.setToolTip(plain_tooltip(
            f"{selected} virtual machines selected: Start, Turn Off, Shut Down, Save, "
            f"Pause, Resume and Reset act on each; Settings, Clone, Add Copies and "
            f"Delete on {name}" if name and selected > 1 else ""))


def _header(text: str, big: bool = False) -> QLabel:
    label = plain_label(text)  # shows host and VM names
    label.setObjectName("actionsHeader")
    weight = "bold"
    size = "font-size: 11pt;" if big else ""
    label.setStyleSheet(
        f"QLabel {{ background: #dfe7f1; border-bottom: 1px solid #b7c4d6; "
        f"padding: 4px 6px; font-weight: {weight}; {size} }}")
    return label


def _link(action: QAction) -> QToolButton:
    button = QToolButton()
    button.setDefaultAction(action)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    button.setAutoRaise(True)
    button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    button.setStyleSheet("QToolButton { text-align: left; padding: 3px 10px; }")
    return button
