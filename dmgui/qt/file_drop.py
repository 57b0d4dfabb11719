"""Files dropped on the main window (issue 10, "From the GUI").

One ``.json`` file that is a dmgui scenario (a JSON object with ``schema_version``)
opens as File → Open opens it (unsaved changes are offered to be saved first);
anything else (Hyper-V exports: Get-VM JSON, CSV, configuration XML, ``.vmcx``, or
several files) opens File → Import from Hyper-V... with the files listed, so the
options and any file's problem show there. Only local files are taken (the drag
shows the copy cursor only for them); text, web links and folders are not.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from PySide6.QtCore import QMimeData, Qt
from PySide6.QtGui import QDragMoveEvent, QDropEvent

from dmgui.core.files import FileProblem, read_input
from dmgui.core.strict_json import JsonProblem, decode_json

if TYPE_CHECKING:
    from dmgui.qt.main_window import MainWindow


def local_files(mime: QMimeData) -> list[str]:
    """The local files a drag carries, in order; empty unless it carries only
    files (not text, a web link or a folder)."""
    if not mime.hasUrls():
        return []
    paths = [url.toLocalFile() if url.isLocalFile() else "" for url in mime.urls()]
    if not paths or not all(paths) or any(os.path.isdir(path) for path in paths):
        return []
    return paths


def accept_files(event: QDragMoveEvent | QDropEvent) -> list[str]:
    """Accept a drag (enter, move) or drop of local files as a copy; ignore any
    other. Returns the files (empty when ignored)."""
    paths = local_files(event.mimeData())
    if paths and event.possibleActions() & Qt.DropAction.CopyAction:
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        return paths
    event.ignore()
    return []


def is_scenario_file(path: str) -> bool:
    """Whether ``path`` is a ``.json`` file holding a JSON object with a
    ``schema_version`` (a dmgui scenario, valid or not: Open says what is wrong)."""
    if not path.casefold().endswith(".json"):
        return False
    try:
        data = decode_json(read_input(path).data)
    except (FileProblem, JsonProblem):
        return False  # the Import dialog names the problem
    return isinstance(data, dict) and "schema_version" in data


def open_files(window: MainWindow, paths: list[str]) -> None:
    """Open a dropped scenario, or the Import dialog with ``paths`` listed."""
    if len(paths) == 1 and is_scenario_file(paths[0]):
        window.commands.open_scenario(paths[0])
        return
    scenario = window.commands.scenario
    before = scenario.import_dialog
    scenario.import_from_hyperv()  # asks to save unsaved changes first
    dialog = scenario.import_dialog
    if dialog is not None and dialog is not before:  # not cancelled
        dialog.add_files(paths)
