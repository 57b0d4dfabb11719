"""Export PowerShell Script: a scenario's memory settings as a script that applies
them to the VMs of a real Hyper-V host (issue 10 §3).

Two places export: File → Export PowerShell Script... (the window's document as it
is now, unsaved edits included: :func:`export_document`) and the Capacity Planner's
Advisor tab (the scenario with the advised settings). The script is the one ``dmgui
export`` writes (:func:`~dmgui.core.formats.powershell_export.powershell_script`).
It is written atomically through :mod:`dmgui.core.files`: a refused or failed write
leaves an existing file as it was, and a message box names the file. The scenario's
own file and the shipped samples are never written over.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QDir, QSettings
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from dmgui.core.files import (
    FileId,
    FileProblem,
    check_distinct,
    describe_os_error,
    resolve_output,
    write_text,
)
from dmgui.core.formats.powershell_export import powershell_script
from dmgui.core.model.scenario import Scenario
from dmgui.core.resources import shipped_sample
from dmgui.qt.plain_text import plain_message_box

if TYPE_CHECKING:
    from dmgui.qt.main_window import MainWindow

SCRIPT_FILTER = "PowerShell scripts (*.ps1);;All files (*)"
DIALOG_TITLE = "Export PowerShell Script"
NOT_WRITTEN = "The PowerShell script was not written."
#: QSettings key: the folder a script was last exported to.
LAST_FOLDER_KEY = "files/last_export_folder"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def script_file_name(title: str, suffix: str = "") -> str:
    """``Lab-host.ps1`` for a scenario called "Lab host" (``suffix`` before ``.ps1``).

    Only letters, digits, ``.``, ``_`` and ``-``: such a name needs no quoting in
    PowerShell, and the script's "how to run" lines show it.
    """
    stem = _UNSAFE.sub("-", title).strip(".-")[:80] or "scenario"
    return f"{stem}{suffix}.ps1"


def write_script(path: str, scenario: Scenario,
                 protected: dict[str, FileId] | None = None) -> None:
    """Write ``scenario``'s script to ``path`` atomically.

    Raises :class:`FileProblem` (read-only, a folder, one of ``protected``, a
    shipped sample) or :class:`OSError` (the write failed); the file is then as it was.
    """
    if shipped_sample(path) is not None:
        raise FileProblem(f"cannot write {path}: it is a sample scenario shipped "
                          "with dmgui, which is never overwritten")
    target = resolve_output(path)
    check_distinct({"the script": target}, protected or {})
    write_text(target, powershell_script(scenario, script_name=os.path.basename(path)))


def error_box(parent: QWidget | None, detail: str) -> QMessageBox:
    """The non-blocking "not written" message box (plain text: it quotes the path)."""
    box = plain_message_box(QMessageBox.Icon.Critical, "dmgui", NOT_WRITTEN, detail,
                            parent=parent)
    box.open()
    return box


def export_script(parent: QWidget | None, scenario: Scenario, file_name: str,
                  folder: Path | None = None,
                  protected: dict[str, FileId] | None = None) -> str | None:
    """Ask where to save ``scenario``'s script (``file_name`` proposed in the last
    export folder, else ``folder``, else the home folder), then write it.

    Returns the path written, or None (cancelled, or an error was shown).
    """
    start = _last_folder() or folder or Path(QDir.homePath())
    path, _ = QFileDialog.getSaveFileName(parent, DIALOG_TITLE, str(start / file_name),
                                          SCRIPT_FILTER)
    if not path:
        return None
    if not Path(path).suffix:
        path += ".ps1"
    try:
        write_script(path, scenario, protected)
    except FileProblem as err:
        error_box(parent, str(err))
        return None
    except OSError as err:  # the write itself failed (a full disk): file untouched
        error_box(parent, describe_os_error(path, err))
        return None
    QSettings().setValue(LAST_FOLDER_KEY, str(Path(path).parent.absolute()))
    return path


def export_document(window: MainWindow) -> str | None:
    """File → Export PowerShell Script...: the window's document as it is now."""
    document = window.document
    folder = document.path.parent if document.path is not None else None
    path = export_script(window, document.scenario,
                         script_file_name(document.scenario.name), folder,
                         _scenario_files(document.path, document.file_id))
    if path:
        window.statusBar().showMessage(f"Exported the PowerShell script to {path}", 5000)
    return path


def _scenario_files(path: Path | None, read: FileId | None) -> dict[str, FileId]:
    """The scenario's file as it is now and as it was read: never written over."""
    files = {"the opened scenario": read} if read is not None else {}
    try:
        if path is not None:
            files["the scenario"] = FileId.of_stat(os.stat(path))
    except OSError:
        pass  # gone or unreadable: nothing there to protect
    return files


def _last_folder() -> Path | None:
    value = QSettings().value(LAST_FOLDER_KEY)
    if isinstance(value, str) and value and Path(value).is_dir():
        return Path(value)
    return None
