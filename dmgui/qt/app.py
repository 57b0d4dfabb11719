"""Start the desktop app: ``dmgui [SCENARIO.json]``.

Options for scripted runs: ``--quit-after MS`` (smoke tests), ``--screenshot OUT.png``
and ``--screenshot-settings OUT.png`` with ``--after 10m`` (render after that much
simulated time, then exit).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from PySide6.QtCore import (
    QEvent,
    QMessageLogContext,
    QObject,
    QTimer,
    QtMsgType,
    qInstallMessageHandler,
)
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from dmgui import __version__
from dmgui.core.args import (
    EXIT_BAD_INPUT,
    OneLineParser,
    UsageError,
    parse_duration,
    parse_milliseconds,
    parse_path,
    parse_seed,
)
from dmgui.core.document import ScenarioDocument
from dmgui.core.files import FileProblem, check_distinct
from dmgui.core.resources import default_scenario_path
from dmgui.core.scenario import ScenarioError
from dmgui.qt.engine_worker import EngineController
from dmgui.qt.main_window import MainWindow
from dmgui.qt.resources import app_icon
from dmgui.qt.screenshots import ScreenshotJob, check_screenshot_target


def build_parser() -> argparse.ArgumentParser:
    """Arguments of the GUI entry point."""
    parser = OneLineParser(prog="dmgui", description="A desktop lab for Hyper-V Dynamic Memory. "
                     "'dmgui simulate --help' for the headless simulator.")
    parser.add_argument("--version", action="version", version=f"dmgui {__version__}")
    parser.add_argument("scenario", nargs="?", type=parse_path,
                        help="scenario JSON (default: built-in)")
    parser.add_argument("--seed", type=parse_seed, default=None, help="workload seed")
    parser.add_argument("--paused", action="store_true", help="do not start simulating")
    parser.add_argument("--quit-after", type=parse_milliseconds, metavar="MS",
                        help="close the window after MS milliseconds (smoke tests)")
    parser.add_argument("--screenshot", metavar="OUT.png", type=parse_path,
                        help="save a picture of the main window and exit")
    parser.add_argument("--screenshot-settings", metavar="OUT.png", type=parse_path,
                        help="save a picture of the selected VM's Memory settings and exit")
    parser.add_argument("--after", type=parse_duration, default=0,
                        help="simulated time before the screenshots (e.g. 10m)")
    # For tests/benchmarks/bench_gui.py: exit once the main window has painted.
    parser.add_argument("--exit-after-paint", action="store_true", help=argparse.SUPPRESS)
    return parser


def run_app(argv: Sequence[str]) -> int:
    """Run the GUI; returns the process exit status."""
    try:
        args = build_parser().parse_args(list(argv))
        if args.after and not (args.screenshot or args.screenshot_settings):
            raise UsageError("--after needs --screenshot or --screenshot-settings")
    except UsageError as err:
        print(f"dmgui: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    problem = _check_display(bool(args.screenshot or args.screenshot_settings))
    if problem:
        print(f"dmgui: error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    qInstallMessageHandler(_qt_message)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("dmgui")
    app.setOrganizationName("dmgui")
    app.setApplicationVersion(__version__)
    app.setWindowIcon(app_icon())
    app.setDesktopFileName("dmgui")  # ties windows to packaging/linux/dmgui.desktop
    scripted = bool(args.screenshot or args.screenshot_settings
                    or args.quit_after is not None)
    document, problem = _open_document(args.scenario)
    if problem and scripted:
        return EXIT_BAD_INPUT  # a scripted run must not picture another scenario
    try:
        shots = _screenshot_targets(args, document)
    except FileProblem as err:
        print(f"dmgui: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    engine = EngineController(document.scenario, seed=args.seed)
    window = MainWindow(document, engine)
    window.show()
    engine.start()
    if problem:
        window.commands.message(QMessageBox.Icon.Critical, "dmgui",
                                "The scenario could not be opened; showing the built-in "
                                "scenario instead.", problem)
    if shots:
        job = ScreenshotJob(window, args.after, shots.get("--screenshot"),
                            shots.get("--screenshot-settings"))
        job.start()
    elif not args.paused:
        engine.run_requested.emit()
    if args.exit_after_paint:
        exit_after_first_paint(window)
    if args.quit_after is not None:
        QTimer.singleShot(args.quit_after, window.close)
    code = app.exec()
    engine.shutdown()
    _dispose(window)
    return code


def _screenshot_targets(args: argparse.Namespace, document: ScenarioDocument) -> dict:
    """Check the screenshot files before anything runs: an image format dmgui can
    write, a file it may replace, and never the scenario or each other."""
    names = {"--screenshot": args.screenshot,
             "--screenshot-settings": args.screenshot_settings}
    shots = {flag: check_screenshot_target(flag, name) for flag, name in names.items()
             if name}
    inputs = {"the scenario": document.file_id} if document.file_id else {}
    check_distinct(shots, inputs)
    return shots


def _dispose(window: MainWindow) -> None:
    """Destroy the window's Qt objects now, while the QApplication still exists.

    Left to interpreter shutdown, their destruction order is arbitrary and was seen
    to crash (SIGSEGV after a clean exit) in about three runs out of four.
    """
    window.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


class _FirstPaint(QObject):
    """Quits the app right after any widget of the watched window paints."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.Paint and isinstance(watched, QWidget)
                and watched.window() is self._window):
            QApplication.instance().removeEventFilter(self)
            QTimer.singleShot(0, QApplication.instance().quit)
        return False


def exit_after_first_paint(window: MainWindow) -> None:
    """Make the app quit once ``window`` has painted (startup benchmark)."""
    window.document.dirty = False
    window.remember_geometry = False
    QApplication.instance().installEventFilter(_FirstPaint(window))


_QUIET_QT = ("This plugin does not support propagateSizeHints()",)


def _qt_message(mode: QtMsgType, context: QMessageLogContext, message: str) -> None:
    """Forward Qt's messages to stderr, minus the offscreen platform's known noise."""
    if message not in _QUIET_QT:
        sys.stderr.write(f"{message}\n")


def _check_display(offscreen_ok: bool) -> str:
    """Pick the offscreen platform for screenshots without a display; explain a
    missing display instead of letting Qt abort."""
    if os.environ.get("QT_QPA_PLATFORM") or not sys.platform.startswith("linux"):
        return ""
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return ""
    if offscreen_ok:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        return ""
    return ("no display to open a window on (set DISPLAY, or QT_QPA_PLATFORM=offscreen); "
            "'dmgui simulate' runs without one")


def _open_document(path: str | None) -> tuple[ScenarioDocument, str]:
    """The scenario to show, and the problem text if ``path`` could not be used."""
    if path:
        try:
            return ScenarioDocument.open(path), ""
        except ScenarioError as err:
            print(f"dmgui: error: {err}", file=sys.stderr)
            problem = str(err)
    else:
        problem = ""
    default = ScenarioDocument.open(default_scenario_path())
    default.path = None  # "Save" asks for a file rather than overwrite the built-in one
    return default, problem


def main() -> int:
    """``python -m dmgui.qt.app``."""
    return run_app(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())

