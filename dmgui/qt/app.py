"""Start the desktop app: ``dmgui [SCENARIO.json]``.

Options for scripted runs: ``--quit-after MS`` (smoke tests), ``--screenshot OUT.png``
and ``--screenshot-settings OUT.png`` with ``--after 10m`` (render after that much
simulated time, then exit).
"""

from __future__ import annotations

import argparse
import ctypes
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

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
from dmgui.core.model.scenario import ScenarioError
from dmgui.core.resources import default_scenario_path
from dmgui.core.sim import compiled
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


#: Milliseconds after the window is shown before the compiled kernels load.
WARM_UP_DELAY_MS = 1500


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
    # The compiled engine kernels (when Numba is installed) load in a background
    # thread once the window is up (importing Numba before the first paint made the
    # start 1.6x slower); the engine runs on NumPy until then, with the same results.
    QTimer.singleShot(WARM_UP_DELAY_MS, lambda: threading.Thread(
        target=compiled.warm_up, name="dmgui-warm-up", daemon=True).start())
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
    """Explain what would make Qt abort at start, in one line ("" if nothing would).

    Without a display, screenshots use the offscreen platform and a window is
    refused with an explanation. When Qt would use its X11 (xcb) platform plugin,
    the plugin's libraries are checked first (:func:`missing_xcb_libraries`): Qt
    names only one missing library, then aborts; this names all of them with their
    Debian/Ubuntu packages (screenshots fall back to the offscreen platform).
    """
    if not sys.platform.startswith("linux"):
        return ""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    display = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    if not platform and not display:
        if offscreen_ok:
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
            return ""
        return ("no display to open a window on (set DISPLAY, or "
                "QT_QPA_PLATFORM=offscreen); 'dmgui simulate' runs without one")
    if not _xcb_would_be_used(platform):
        return ""
    missing = missing_xcb_libraries()
    if not missing:
        return ""
    if offscreen_ok and not platform:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # a picture needs no X11 libraries
        return ""
    return xcb_problem(missing)


def _xcb_would_be_used(platform: str) -> bool:
    """Whether Qt would load its xcb plugin: a DISPLAY, and QT_QPA_PLATFORM naming
    xcb first, or unset outside a Wayland session (where Qt picks Wayland)."""
    if not os.environ.get("DISPLAY"):
        return False
    if platform:
        return platform.split(";")[0].split(":")[0].strip() == "xcb"
    wayland = (os.environ.get("XDG_SESSION_TYPE") == "wayland"
               and bool(os.environ.get("WAYLAND_DISPLAY")))
    return not wayland


# The libraries Qt's xcb plugin (and libQt6XcbQpa) load that a minimal Linux system may
# lack, each with the Debian/Ubuntu package that provides it.
XCB_PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-xinput.so.0": "libxcb-xinput0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-glx.so.0": "libxcb-glx0",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libSM.so.6": "libsm6",
    "libICE.so.6": "libice6",
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libOpenGL.so.0": "libopengl0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libdbus-1.so.3": "libdbus-1-3",
}
_LDD_TIMEOUT_S = 5


def missing_xcb_libraries(
        run_ldd: Callable[[Path], str | None] | None = None) -> list[str]:
    """The shared libraries Qt's xcb platform plugin needs and cannot find.

    One ``ldd`` call on ``platforms/libqxcb.so`` (it lists the libraries of
    libQt6XcbQpa too: ldd follows every dependency) takes a few milliseconds; without
    ``ldd`` (or if it gives no answer), each library of :data:`XCB_PACKAGES` that
    Qt's plugin links is tried with ``ctypes``. Nothing is cached between runs. When
    the check itself cannot run (no plugin found, an unexpected error) it reports
    nothing: it never keeps the app from starting.
    """
    try:
        plugin = _xcb_plugin()
        if plugin is None:
            return []
        output = (run_ldd or _run_ldd)(plugin)
        if output is not None and ("=>" in output or "Error loading" in output):
            return parse_ldd(output)
        return _missing_by_loading(_XCB_FALLBACK)
    except Exception:  # noqa: BLE001 - a failed check must not stop the app
        return []


def parse_ldd(output: str) -> list[str]:
    """The libraries ``ldd`` reports missing, once each, in its order.

    glibc prints ``libfoo.so.1 => not found``; musl prints ``Error loading shared
    library libfoo.so.1: No such file or directory (needed by ...)``.
    """
    missing: list[str] = []
    for line in output.splitlines():
        name, arrow, where = line.strip().partition("=>")
        if arrow and where.strip() == "not found":
            name = name.strip()
        else:
            found = re.match(r"\s*Error loading shared library (\S+?):", line)
            name = found.group(1) if found else ""
        if name and name not in missing:
            missing.append(name)
    return missing


def xcb_problem(missing: Sequence[str]) -> str:
    """One line naming every missing library, with its Debian/Ubuntu package."""
    named = ", ".join(f"{lib} (Debian/Ubuntu package {XCB_PACKAGES[lib]})"
                      if lib in XCB_PACKAGES else lib for lib in missing)
    packages = list(dict.fromkeys(XCB_PACKAGES[lib] for lib in missing
                                  if lib in XCB_PACKAGES))
    install = (f"; install them with: sudo apt-get install -y {' '.join(packages)}"
               if packages else "")
    return (f"Qt's X11 platform plugin (xcb) cannot load, missing {named}; "
            f"'dmgui simulate' needs no display{install}")


# What libqxcb.so and libQt6XcbQpa link beyond Qt, OpenGL and the C libraries (Qt 6),
# tried one by one when ldd cannot tell.
_XCB_FALLBACK = tuple(lib for lib in XCB_PACKAGES
                      if lib.startswith(("libxcb", "libxkbcommon", "libX11"))
                      and lib not in ("libxcb-xinput.so.0", "libxcb-xinerama.so.0",
                                      "libxcb-glx.so.0"))


def _xcb_plugin() -> Path | None:
    """Qt's ``platforms/libqxcb.so``, wherever PySide6's Qt keeps its plugins."""
    import PySide6  # noqa: PLC0415 - only when the check runs
    from PySide6.QtCore import QLibraryInfo  # noqa: PLC0415

    folders = [Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))]
    package = Path(PySide6.__file__).parent
    folders += [package / "Qt" / "plugins", package / "plugins"]
    for folder in folders:
        plugin = folder / "platforms" / "libqxcb.so"
        if plugin.is_file():
            return plugin
    return None


def _run_ldd(path: Path) -> str | None:
    """``ldd path``'s output, or None without ldd or if it fails to run."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return None
    try:
        done = subprocess.run([ldd, str(path)], capture_output=True, text=True,
                              timeout=_LDD_TIMEOUT_S, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout + done.stderr


def _missing_by_loading(names: Sequence[str]) -> list[str]:
    """Those of ``names`` the dynamic loader cannot load."""
    missing = []
    for name in names:
        try:
            ctypes.CDLL(name)
        except OSError:
            missing.append(name)
    return missing


def _open_document(path: str | None) -> tuple[ScenarioDocument, str]:
    """The scenario to show, and the problem text if ``path`` could not be used.

    A shipped sample (the default scenario too) opens as an untitled copy: "Save"
    asks for a file rather than overwrite it.
    """
    if path:
        try:
            return ScenarioDocument.open_for_editing(path), ""
        except ScenarioError as err:
            print(f"dmgui: error: {err}", file=sys.stderr)
            problem = str(err)
    else:
        problem = ""
    default = ScenarioDocument.open_for_editing(default_scenario_path())
    default.path = None  # even if the resources were not found as the samples folder
    return default, problem


def main() -> int:
    """``python -m dmgui.qt.app``."""
    return run_app(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())

