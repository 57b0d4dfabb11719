"""File → Export Run as CSV... and File → Export Plot... (issue 10, "From the GUI").

Export Run as CSV writes the rows :class:`~dmgui.qt.run_record.RunRecord` keeps of
the current run, in ``dmgui simulate --csv``'s columns (one row per VM every 10
simulated seconds, up to the run's last simulated day). Export Plot writes the
plot tab shown (Virtual machine, Host or Overview: its plots, legends and colour bar)
as a PNG or SVG image with pyqtgraph's exporters; it is also on the plots'
right-click menu (pyqtgraph's own menu is turned off with mouse zoom).

Both write atomically through :mod:`dmgui.core.files` (the image is made in memory,
then written as the scenario is): a refused or failed write leaves an existing file
as it was, and a non-blocking message box names the file. The scenario's file and
the shipped samples are never written over.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pyqtgraph as pg
from PySide6.QtCore import QDir, QObject, QSettings, Qt, Slot
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QTabWidget

from dmgui.core.files import (
    FileId,
    FileProblem,
    check_distinct,
    describe_os_error,
    resolve_output,
    write_bytes,
)
from dmgui.core.resources import shipped_sample
from dmgui.qt.export_commands import LAST_FOLDER_KEY
from dmgui.qt.plain_text import plain_message_box
from dmgui.qt.plots.image_export import plot_image, svg_available
from dmgui.qt.plots.style import format_clock
from dmgui.qt.run_record import MAX_SAMPLES, SAMPLE_S, RunRecord

if TYPE_CHECKING:
    from dmgui.qt.main_window import MainWindow

RUN_TITLE = "Export Run as CSV"
RUN_FILTER = "CSV files (*.csv);;All files (*)"
RUN_NOT_WRITTEN = "The run was not exported."
#: What the run CSV holds, for the action's tip and the "nothing yet" box.
RUN_CONTENTS = (f"one row per VM every {SAMPLE_S} simulated seconds, in the columns "
                f"of dmgui simulate --csv, from the start of the run (or its last "
                f"reset) and at most its last {MAX_SAMPLES * SAMPLE_S // 3600} hours")
PLOT_TITLE = "Export Plot"
#: File dialog filter -> the suffix (and format) it stands for.
PLOT_FILTERS = {"PNG image (*.png)": ".png", "SVG image (*.svg)": ".svg"}
PLOT_NOT_WRITTEN = "The plot was not exported."
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class GuiExports(QObject):
    """Slots behind Export Run as CSV and Export Plot of one :class:`MainWindow`;
    keeps the run's rows (:attr:`record`) from the frames the window shows."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.w = window
        self.record = RunRecord()
        self.last_message: QMessageBox | None = None

    def connect_actions(self) -> None:
        """Bind the actions, feed the record, and put Export Plot on the plots'
        right-click menu."""
        a = self.w.app_actions
        a.export_run.triggered.connect(self.export_run)
        a.export_plot.triggered.connect(self.export_plot)
        self.w.frame_shown.connect(self._on_frame_shown)
        for view in self.w.plots.findChildren(pg.GraphicsLayoutWidget):
            view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
            view.addAction(a.export_plot)

    @Slot(object)
    def _on_frame_shown(self, frame) -> None:
        self.record.add(frame)

    # -- the run -------------------------------------------------------------------

    @Slot()
    def export_run(self) -> str | None:
        """Ask for a file and write the run's CSV; returns the path written, or None
        (nothing to export, cancelled, or an error was shown)."""
        if not len(self.record):
            self._message(QMessageBox.Icon.Information, RUN_TITLE,
                          "There is no run to export yet: press Run first.",
                          f"The CSV holds {RUN_CONTENTS}.")
            return None
        start = self._start_folder() / self._file_name("run.csv")
        path, _ = QFileDialog.getSaveFileName(self.w, RUN_TITLE, str(start), RUN_FILTER)
        if not path:
            return None
        if not Path(path).suffix:
            path += ".csv"
        # 64 VMs over a simulated day: about 2.5 s (a few VMs for hours: a blink).
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            rows = self.record.write_csv(self._target(path))
        except FileProblem as err:
            return self._not_written(RUN_NOT_WRITTEN, str(err))
        except OSError as err:  # the write itself failed (a full disk): file untouched
            return self._not_written(RUN_NOT_WRITTEN, describe_os_error(path, err))
        finally:
            QApplication.restoreOverrideCursor()
        first, last = self.record.span() or (0, 0)
        self._done(path, f"Exported {rows:,} rows ({format_clock(first)} to "
                         f"{format_clock(last)}) to {path}")
        return path

    # -- the plot ------------------------------------------------------------------

    @Slot()
    def export_plot(self) -> str | None:
        """Show the plots, ask for a file (PNG or SVG, by its suffix or the filter
        chosen) and write the plot tab shown; returns the path written, or None."""
        self.w.show_plots()  # the user sees what is exported
        tabs = self.w.plots.findChild(QTabWidget)
        tab = tabs.currentWidget()
        vm = getattr(tab, "selected", None)  # the Virtual machine tab's VM
        label = " ".join(filter(None, (tabs.tabText(tabs.currentIndex()), vm)))
        path = self._ask_plot_file(label)
        if not path:
            return None
        self.w.plots.redraw()  # the newest data, if it came since the last redraw
        try:
            target = self._target(path)
            write_bytes(target, plot_image(tab, Path(path).suffix.lower()))
        except FileProblem as err:
            return self._not_written(PLOT_NOT_WRITTEN, str(err))
        except OSError as err:
            return self._not_written(PLOT_NOT_WRITTEN, describe_os_error(path, err))
        self._done(path, f"Exported the {label} plot to {path}")
        return path

    def _ask_plot_file(self, label: str) -> str | None:
        """The image file the user names, with the chosen filter's suffix if it has
        none; None if cancelled or refused (a message box says why)."""
        svg = svg_available()
        filters = [f for f, suffix in PLOT_FILTERS.items() if svg or suffix != ".svg"]
        start = self._start_folder() / self._file_name(f"{label}.png")
        path, chosen = QFileDialog.getSaveFileName(self.w, PLOT_TITLE, str(start),
                                                   ";;".join(filters), filters[0])
        suffix = Path(path).suffix.lower()
        if path and not suffix:
            suffix = PLOT_FILTERS.get(chosen, ".png")
            path += suffix
        if not path:
            return None
        if suffix not in PLOT_FILTERS.values():
            return self._not_written(PLOT_NOT_WRITTEN, f"cannot write {path}: plots "
                                     "are exported as PNG (.png) or SVG (.svg) images")
        if suffix == ".svg" and not svg:
            return self._not_written(PLOT_NOT_WRITTEN, f"cannot write {path}: this "
                                     "dmgui has no SVG support (Qt's QtSvg module is "
                                     "not installed); export a PNG (.png) image")
        return path

    # -- helpers -------------------------------------------------------------------

    def _target(self, path: str):
        """The checked output: never a shipped sample or the scenario's own file."""
        if shipped_sample(path) is not None:
            raise FileProblem(f"cannot write {path}: it is a sample scenario shipped "
                              "with dmgui, which is never overwritten")
        target = resolve_output(path)
        check_distinct({"the export": target}, _scenario_files(self.w))
        return target

    def _file_name(self, what: str) -> str:
        """``Lab-host-Host.png`` for the scenario "Lab host" and ``what`` "Host.png"."""
        stem, suffix = os.path.splitext(f"{self.w.document.scenario.name}-{what}")
        return (_UNSAFE.sub("-", stem).strip(".-")[:100] or "dmgui") + suffix

    def _start_folder(self) -> Path:
        """The last export folder, else the scenario's, else the home folder."""
        value = QSettings().value(LAST_FOLDER_KEY)
        if isinstance(value, str) and value and Path(value).is_dir():
            return Path(value)
        path = self.w.document.path
        if path is not None and shipped_sample(path) is None:
            return path.parent
        return Path(QDir.homePath())

    def _done(self, path: str, status: str) -> None:
        QSettings().setValue(LAST_FOLDER_KEY, str(Path(path).parent.absolute()))
        self.w.statusBar().showMessage(status, 8000)

    def _not_written(self, text: str, detail: str) -> None:
        self._message(QMessageBox.Icon.Critical, "dmgui", text, detail)

    def _message(self, icon: QMessageBox.Icon, title: str, text: str,
                 informative: str) -> QMessageBox:
        """A non-blocking message box (plain text: it quotes paths), kept for tests."""
        box = plain_message_box(icon, title, text, informative, parent=self.w)
        self.last_message = box
        box.open()
        return box


def _scenario_files(window: MainWindow) -> dict[str, FileId]:
    """The scenario's file as it is now and as it was read: never written over."""
    document = window.document
    read = document.file_id
    files = {"the opened scenario": read} if read is not None else {}
    try:
        if document.path is not None:
            files["the scenario"] = FileId.of_stat(os.stat(document.path))
    except OSError:
        pass  # gone or unreadable: nothing there to protect
    return files
