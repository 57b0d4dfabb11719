"""Missing X11 libraries are named before Qt aborts (issue 8 §2.8).

When Qt's xcb platform plugin cannot load one of its libraries, Qt names one and
aborts. ``dmgui`` checks the plugin's libraries first (one ``ldd`` call, a
``ctypes`` fallback) and names every missing one, with its Debian/Ubuntu package,
in one error line (exit status 2). The check never stops the app when it cannot
itself run.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys

import pytest

from dmgui.qt import app

# glibc's ldd on libqxcb.so with two libraries missing (one listed twice: it is
# needed by libqxcb.so and by libQt6XcbQpa.so.6).
LDD_TWO_MISSING = """\
\tlinux-vdso.so.1 (0x00007ffd0c3f2000)
\tlibQt6XcbQpa.so.6 => /venv/PySide6/Qt/plugins/platforms/../../lib/libQt6XcbQpa.so.6 (0x00007f)
\tlibxcb-cursor.so.0 => /lib/x86_64-linux-gnu/libxcb-cursor.so.0 (0x00007f)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-util.so.1 => /lib/x86_64-linux-gnu/libxcb-util.so.1 (0x00007f)
\tlibxcb-keysyms.so.1 => not found
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\t/lib64/ld-linux-x86-64.so.2 (0x00007f)
"""
LDD_ALL_PRESENT = "\n".join(line for line in LDD_TWO_MISSING.splitlines()
                            if "not found" not in line)
LDD_MUSL = """\
\t/lib/ld-musl-x86_64.so.1 (0x7f)
Error loading shared library libxcb-cursor.so.0: No such file or directory (needed by \
/venv/PySide6/Qt/plugins/platforms/libqxcb.so)
\tlibxcb.so.1 => /usr/lib/libxcb.so.1 (0x7f)
Error loading shared library libfoo.so.3: No such file or directory (needed by x.so)
"""


@pytest.fixture
def x11_session(monkeypatch):
    """An X11 session where Qt would pick its xcb plugin."""
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("DISPLAY", ":93")
    for name in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE"):
        monkeypatch.delenv(name, raising=False)


def _ldd_says(monkeypatch, output):
    calls = []

    def fake(path):
        calls.append(path)
        return output

    monkeypatch.setattr(app, "_run_ldd", fake)
    return calls


# -- the parser and the package names ----------------------------------------------

def test_parse_ldd_lists_each_missing_library_once_in_order():
    assert app.parse_ldd(LDD_TWO_MISSING) == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    assert app.parse_ldd(LDD_ALL_PRESENT) == []
    assert app.parse_ldd("") == []


def test_parse_ldd_reads_musl_errors_too():
    assert app.parse_ldd(LDD_MUSL) == ["libxcb-cursor.so.0", "libfoo.so.3"]


def test_the_issue_s_three_libraries_map_to_their_debian_packages():
    assert app.XCB_PACKAGES["libxcb-cursor.so.0"] == "libxcb-cursor0"
    assert app.XCB_PACKAGES["libxcb-icccm.so.4"] == "libxcb-icccm4"
    assert app.XCB_PACKAGES["libxcb-keysyms.so.1"] == "libxcb-keysyms1"
    assert app.XCB_PACKAGES["libxkbcommon-x11.so.0"] == "libxkbcommon-x11-0"


def test_the_problem_names_every_library_with_its_package_in_one_line():
    text = app.xcb_problem(["libxcb-cursor.so.0", "libxcb-icccm.so.4",
                            "libxcb-keysyms.so.1", "libweird.so.9"])
    assert "\n" not in text
    for lib, package in (("libxcb-cursor.so.0", "libxcb-cursor0"),
                         ("libxcb-icccm.so.4", "libxcb-icccm4"),
                         ("libxcb-keysyms.so.1", "libxcb-keysyms1")):
        assert f"{lib} (Debian/Ubuntu package {package})" in text
    assert "libweird.so.9" in text  # no package known: named all the same
    assert text.endswith("sudo apt-get install -y libxcb-cursor0 libxcb-icccm4 "
                         "libxcb-keysyms1")


# -- the check ---------------------------------------------------------------------

def test_the_check_runs_ldd_once_on_qt_s_xcb_plugin(monkeypatch):
    calls = _ldd_says(monkeypatch, LDD_TWO_MISSING)
    assert app.missing_xcb_libraries() == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    assert len(calls) == 1
    assert calls[0].name == "libqxcb.so" and calls[0].parent.name == "platforms"


def test_nothing_missing_is_no_problem(monkeypatch, x11_session):
    _ldd_says(monkeypatch, LDD_ALL_PRESENT)
    assert app.missing_xcb_libraries() == []
    assert app._check_display(offscreen_ok=False) == ""
    assert "QT_QPA_PLATFORM" not in os.environ


def test_without_ldd_each_library_is_tried_with_ctypes(monkeypatch):
    _ldd_says(monkeypatch, None)  # no ldd on this system
    tried = []

    def fake_cdll(name):
        tried.append(name)
        if name in ("libxcb-cursor.so.0", "libxkbcommon-x11.so.0"):
            raise OSError(f"{name}: cannot open shared object file")

    monkeypatch.setattr(app.ctypes, "CDLL", fake_cdll)
    assert app.missing_xcb_libraries() == ["libxcb-cursor.so.0", "libxkbcommon-x11.so.0"]
    assert {"libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1",
            "libxcb-image.so.0", "libxcb-render-util.so.0", "libxcb-xkb.so.1",
            "libxkbcommon-x11.so.0"} <= set(tried)


def test_a_check_that_cannot_run_never_blocks_the_app(monkeypatch, x11_session):
    def broken(path):
        raise RuntimeError("unexpected")

    monkeypatch.setattr(app, "_run_ldd", broken)
    assert app.missing_xcb_libraries() == []
    monkeypatch.setattr(app, "_xcb_plugin", lambda: None)  # no plugin found
    assert app.missing_xcb_libraries() == []
    assert app._check_display(offscreen_ok=False) == ""


@pytest.mark.parametrize("env", [
    {"QT_QPA_PLATFORM": "offscreen"},
    {"QT_QPA_PLATFORM": "wayland"},
    {"WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"},  # Qt picks Wayland
])
def test_no_check_when_qt_would_not_use_xcb(monkeypatch, x11_session, env):
    calls = _ldd_says(monkeypatch, LDD_TWO_MISSING)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert app._check_display(offscreen_ok=False) == ""
    assert calls == []


def test_no_check_without_a_display(monkeypatch, x11_session):
    calls = _ldd_says(monkeypatch, LDD_TWO_MISSING)
    monkeypatch.delenv("DISPLAY")
    assert "no display" in app._check_display(offscreen_ok=False)
    assert calls == []


def test_qt_qpa_platform_xcb_is_checked(monkeypatch, x11_session):
    _ldd_says(monkeypatch, LDD_TWO_MISSING)
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    assert "libxcb-icccm4" in app._check_display(offscreen_ok=False)


def test_a_screenshot_falls_back_to_offscreen(monkeypatch, x11_session):
    _ldd_says(monkeypatch, LDD_TWO_MISSING)
    assert app._check_display(offscreen_ok=True) == ""
    assert os.environ["QT_QPA_PLATFORM"] == "offscreen"


def test_dmgui_exits_2_naming_both_missing_libraries(qapp, monkeypatch, x11_session):
    """The whole start-up path. (A QApplication exists already, so a check that let
    the start go on would show a window offscreen and quit, not abort.)"""
    _ldd_says(monkeypatch, LDD_TWO_MISSING)
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert app.run_app(["--quit-after", "50"]) == 2
    lines = err.getvalue().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("dmgui: error: ")
    assert "libxcb-icccm.so.4 (Debian/Ubuntu package libxcb-icccm4)" in lines[0]
    assert "libxcb-keysyms.so.1 (Debian/Ubuntu package libxcb-keysyms1)" in lines[0]


def test_the_check_is_fast():
    """One ldd call: far below what a user notices at start."""
    import time
    app.missing_xcb_libraries()  # warm: the first run may load ldd from disk
    start = time.perf_counter()
    app.missing_xcb_libraries()
    assert time.perf_counter() - start < 0.5


def test_on_this_machine(tmp_path):
    """For real, in a fresh process: if this system lacks any of the plugin's
    libraries, ``dmgui`` names them all and exits 2 (no X server is needed)."""
    missing = app.missing_xcb_libraries()
    if not missing:
        pytest.skip("every library of Qt's xcb plugin is installed here")
    env = {k: v for k, v in os.environ.items()
           if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE")}
    env["DISPLAY"] = ":93"
    proc = subprocess.run([sys.executable, "-m", "dmgui", "--quit-after", "0"], env=env,
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, lines
    for lib in missing:
        assert lib in lines[0]
