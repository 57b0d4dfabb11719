"""The desktop app against hostile files and arguments (issue 7 items 2, 4, 5, 7, 9).

Screenshot targets are checked before anything is touched and written atomically;
GUI Save follows the same rules as every other writer; a FIFO, a device or
undecodable JSON as the scenario is a message (dialog or one line), never a hang
or a traceback; scripted runs on a scenario that cannot be loaded exit 2.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys

import pytest
from test_main_window import SCENARIO, open_window

from dmgui.core.files import resolve_output
from dmgui.qt import screenshots
from dmgui.qt.app import _open_document


def _env():
    return dict(os.environ, QT_QPA_PLATFORM="offscreen")


def _dmgui(args, cwd, timeout=120):
    return subprocess.run([sys.executable, "-m", "dmgui", *args], capture_output=True,
                          text=True, timeout=timeout, env=_env(), cwd=cwd)


def _one_line_exit_2(proc, *fragments):
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert proc.stderr.startswith("dmgui: error:") and proc.stderr.count("\n") == 1, \
        proc.stderr
    assert "Traceback" not in proc.stderr
    for fragment in fragments:
        assert fragment in proc.stderr, proc.stderr


@pytest.fixture
def window(qtbot, tmp_path):
    win = open_window(qtbot, tmp_path / "lab.json", SCENARIO)
    yield win
    win.engine.shutdown()


# --- item 2 and 9: screenshots ---------------------------------------------------


def test_item2_a_screenshot_name_that_is_no_image_leaves_the_file_alone(tmp_path):
    scenario = tmp_path / "s.json"
    scenario.write_text(json.dumps(SCENARIO))
    before = scenario.read_bytes()
    proc = _dmgui([str(scenario), "--screenshot", str(scenario)], tmp_path)
    _one_line_exit_2(proc, "image format", str(scenario))
    assert scenario.read_bytes() == before


def test_item2_the_scenario_is_never_the_screenshot(tmp_path):
    scenario = tmp_path / "s.png"  # a scenario that happens to end in .png
    scenario.write_text(json.dumps(SCENARIO))
    proc = _dmgui([str(scenario), "--screenshot", str(scenario)], tmp_path)
    _one_line_exit_2(proc, "is the scenario file")
    assert json.loads(scenario.read_text())["name"] == SCENARIO["name"]


def test_item2_a_screenshot_replaces_its_file_atomically(tmp_path):
    shot = tmp_path / "main.png"
    shot.write_bytes(b"old picture")
    shot.chmod(0o640)
    inode = shot.stat().st_ino
    proc = _dmgui(["--screenshot", str(shot)], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert shot.read_bytes().startswith(b"\x89PNG")
    assert shot.stat().st_ino != inode  # renamed into place, not rewritten in place
    assert oct(shot.stat().st_mode & 0o777) == oct(0o640)
    assert sorted(os.listdir(tmp_path)) == ["main.png"]  # no temporary left behind


def test_item9_an_unwritable_screenshot_names_the_path_and_reason(tmp_path):
    shot = tmp_path / "ro.png"
    shot.write_bytes(b"keep")
    shot.chmod(0o444)
    _one_line_exit_2(_dmgui(["--screenshot", str(shot)], tmp_path), str(shot),
                     "read-only")
    assert shot.read_bytes() == b"keep"
    proc = _dmgui(["--screenshot", str(tmp_path / "no" / "x.png")], tmp_path)
    _one_line_exit_2(proc, "no folder")


def test_item9_a_failed_write_names_the_path_and_reason(qtbot, window, tmp_path,
                                                        monkeypatch):
    target = resolve_output(str(tmp_path / "shot.png"))

    def full_disk(_target, _data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(screenshots, "write_bytes", full_disk)
    problem = screenshots.save_screenshot(window, target)
    assert problem == ("could not save the screenshot: cannot write "
                       f"{tmp_path / 'shot.png'}: No space left on device")


@pytest.mark.parametrize("extra", [["--screenshot", "x.png"], ["--quit-after", "100"],
                                   ["--screenshot-settings", "x.png"]])
def test_item9_a_scripted_run_on_a_bad_scenario_exits_2(tmp_path, extra):
    bad = tmp_path / "bad.json"
    bad.write_text("{broken")
    _one_line_exit_2(_dmgui([str(bad), *extra], tmp_path), "not valid JSON")
    assert sorted(os.listdir(tmp_path)) == ["bad.json"]  # no picture of another scenario


# --- item 4: GUI Save follows the one rule -------------------------------------------


def test_item4_gui_save_refuses_a_read_only_file(qtbot, window, tmp_path):
    target = tmp_path / "ro.json"
    target.write_text("keep")
    target.chmod(0o444)
    assert not window.commands._save_to(str(target))
    box = window.commands.last_message
    assert "read-only" in box.informativeText()
    box.close()
    assert target.read_text() == "keep"


def test_item5_gui_save_refuses_a_fifo_without_blocking(qtbot, window, tmp_path):
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    assert not window.commands._save_to(str(fifo))
    assert "FIFO" in window.commands.last_message.informativeText()
    window.commands.last_message.close()


# --- items 5 and 7: what cannot be read as a scenario ---------------------------------


def _nasty_inputs(tmp_path):
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000)
    digits = tmp_path / "digits.json"
    digits.write_text('{"schema_version": 1, "seed": ' + "7" * 5000 + "}")
    return {"FIFO": fifo, "character device": "/dev/zero",
            "nested too deeply": deep, "4300 digits": digits}


def test_items5_7_file_open_shows_a_dialog_and_keeps_the_scenario(qtbot, window, tmp_path):
    for fragment, path in _nasty_inputs(tmp_path).items():
        assert not window.commands.open_scenario(str(path))
        box = window.commands.last_message
        assert fragment in box.informativeText(), box.informativeText()
        box.close()
        assert window.document.scenario.name == SCENARIO["name"]


def test_items5_7_gui_start_falls_back_with_the_problem_named(tmp_path, capsys):
    for fragment, path in _nasty_inputs(tmp_path).items():
        document, problem = _open_document(str(path))
        assert fragment in problem
        assert document.path is None and document.scenario.vms  # the built-in one
    err = capsys.readouterr().err
    assert "Traceback" not in err


def test_item5_gui_start_on_a_fifo_in_a_scripted_run_exits_2(tmp_path):
    os.mkfifo(tmp_path / "fifo")
    _one_line_exit_2(_dmgui([str(tmp_path / "fifo"), "--quit-after", "100"], tmp_path,
                            timeout=60), "FIFO")
