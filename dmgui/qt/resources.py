"""Qt-side resource helpers: icons from the one resource resolver."""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QIcon

from dmgui.core.model.states import VmState
from dmgui.core.resources import resource_path


@cache
def icon(name: str) -> QIcon:
    """The icon ``resources/icons/<name>.svg`` (an empty icon if it is missing)."""
    try:
        return QIcon(str(resource_path(f"icons/{name}.svg")))
    except FileNotFoundError:
        return QIcon()


def state_icon(state: int) -> QIcon:
    """The VM list's icon for a VmState code: ``vm-<state>.svg`` (off, starting,
    running, stopping, saved, paused)."""
    shown = VmState.STARTING if state == VmState.WAITING else VmState(state)
    return icon(f"vm-{shown.name.lower()}")  # Hyper-V shows a waiting start as Starting


def app_icon() -> QIcon:
    """The application and window icon."""
    return icon("app")
