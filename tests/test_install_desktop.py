"""packaging/install_desktop.py writes Exec= as the Desktop Entry Specification says.

The spec ("The Exec key", and "Possible value types" for strings) is re-implemented here
as a strict reader, parse_exec(), written from the spec text rather than from the
installer, so the quoting is checked by reading it back, not by comparing with itself.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "packaging" / "install_desktop.py"

# Loaded by path: the folder is not a package (and "packaging" is also a PyPI name).
_spec = importlib.util.spec_from_file_location("install_desktop", SCRIPT)
install_desktop = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(install_desktop)
exec_quote = install_desktop.exec_quote
exec_value = install_desktop.exec_value
UnrepresentableExec = install_desktop.UnrepresentableExec

# ---- a reader written from the spec ------------------------------------------------

# "Possible value types": escapes in a value of type string.
STRING_ESCAPES = {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}
# "The Exec key": reserved characters, and those escaped inside double quotes.
SPEC_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")
SPEC_ESCAPED_IN_QUOTES = set('"`$\\')
FIELD_CODES = set("fFuUdDnNickvm")


def field_code(letter: str) -> tuple[str, str]:
    """How parse_exec() reports a field code: never equal to a literal argument."""
    return ("field code", letter)


def unescape_string(raw: str) -> str:
    out, i = [], 0
    while i < len(raw):
        if raw[i] == "\\":
            if raw[i + 1:i + 2] not in STRING_ESCAPES:
                raise ValueError(f"invalid string escape at {i}: {raw[i:i + 2]!r}")
            out.append(STRING_ESCAPES[raw[i + 1]])
            i += 2
        else:
            out.append(raw[i])
            i += 1
    return "".join(out)


def split_command(command: str) -> list[tuple[str, bool]]:
    """Undo the quoting: (argument, was quoted) pairs; anything off-spec raises."""
    args, i, n = [], 0, len(command)
    while i < n:
        if command[i] == " ":                     # arguments are separated by a space
            i += 1
            continue
        if command[i] != '"':
            end = command.find(" ", i)
            end = n if end < 0 else end
            word = command[i:end]
            if bad := SPEC_RESERVED & set(word):
                raise ValueError(f"reserved character {min(bad)!r} outside quotes")
            args.append((word, False))
            i = end
            continue
        i += 1
        arg = []
        while True:
            if i >= n:
                raise ValueError("unterminated double quote")
            ch = command[i]
            if ch == '"':
                i += 1
                break
            if ch == "\\":
                if command[i + 1:i + 2] not in SPEC_ESCAPED_IN_QUOTES:
                    after = command[i + 1:i + 2]
                    raise ValueError(f"backslash before {after!r} in quotes")
                arg.append(command[i + 1])
                i += 2
                continue
            if ch in SPEC_ESCAPED_IN_QUOTES:
                raise ValueError(f"unescaped {ch!r} inside quotes")
            arg.append(ch)
            i += 1
        if i < n and command[i] != " ":
            raise ValueError("a quoted argument must be quoted in whole")
        args.append(("".join(arg), True))
    return args


def expand_percent(arg: str, quoted: bool) -> str | tuple[str, str]:
    """Field codes, expanded after unquoting: %% is a literal %; a field code is only
    accepted as a whole unquoted argument (reported by field_code())."""
    if not quoted and len(arg) == 2 and arg[0] == "%" and arg[1] in FIELD_CODES:
        return field_code(arg[1])
    out, i = [], 0
    while i < len(arg):
        if arg[i] == "%":
            if arg[i + 1:i + 2] != "%":
                raise ValueError(f"field code {arg[i:i + 2]!r} inside an argument")
            out.append("%")
            i += 2
        else:
            out.append(arg[i])
            i += 1
    return "".join(out)


def parse_exec(value_in_file: str) -> list[str | tuple[str, str]]:
    """The argv a launcher gets from an Exec= value as written in the file."""
    args = [expand_percent(arg, quoted)
            for arg, quoted in split_command(unescape_string(value_in_file))]
    if not args or not isinstance(args[0], str) or "=" in args[0]:
        raise ValueError("no program, or '=' in the program name")
    return args


# ---- the quoting function ----------------------------------------------------------

@pytest.mark.parametrize("arg", ["/usr/bin/dmgui", "dmgui", "/opt/dmgui-1.0/bin/dm_gui",
                                 "/opt/é/dmgui"])
def test_arguments_without_reserved_characters_stay_bare(arg):
    assert exec_quote(arg) == arg == exec_value(arg)


@pytest.mark.parametrize("char", sorted(SPEC_RESERVED - {"\t", "\n"}))
def test_every_reserved_character_is_double_quoted(char):
    quoted = exec_quote(f"/a{char}b")
    assert quoted[0] == quoted[-1] == '"'
    inner = quoted[1:-1]
    escaped = "\\" + char if char in SPEC_ESCAPED_IN_QUOTES else char
    assert inner == f"/a{escaped}b"
    assert parse_exec(exec_value(f"/a{char}b")) == [f"/a{char}b"]


@pytest.mark.parametrize("arg, command, in_file", [
    ("/opt/dm gui/dmgui", '"/opt/dm gui/dmgui"', '"/opt/dm gui/dmgui"'),
    ("/opt/it's/dmgui", '"/opt/it\'s/dmgui"', '"/opt/it\'s/dmgui"'),
    ('/a"b', '"/a\\"b"', '"/a\\\\"b"'),
    ("/a$b", '"/a\\$b"', '"/a\\\\$b"'),
    ("/a`b", '"/a\\`b"', '"/a\\\\`b"'),
    # A backslash: escaped for the quotes, then for the string: four in the file.
    ("/a\\b", '"/a\\\\b"', '"/a\\\\\\\\b"'),
    ("/opt/100%/dmgui", "/opt/100%%/dmgui", "/opt/100%%/dmgui"),
    ("/opt/100% sure/dmgui", '"/opt/100%% sure/dmgui"', '"/opt/100%% sure/dmgui"'),
    ("/opt/%f", "/opt/%%f", "/opt/%%f"),
    ("", '""', '""'),
])
def test_quoting_examples_from_the_spec(arg, command, in_file):
    assert exec_quote(arg) == command
    assert exec_value(arg) == in_file


def test_a_backslash_is_four_backslashes_in_the_file():
    assert exec_value("/x\\y") == '"/x' + "\\" * 4 + 'y"'


@pytest.mark.parametrize("arg", ["/a\nb", "/a\tb", "/a\rb", "/a\x00b", "/a\x1bb",
                                 "/a\x7fb", "/a\x85b"])
def test_control_characters_are_refused(arg):
    with pytest.raises(UnrepresentableExec, match="control character"):
        exec_quote(arg)


def test_text_that_is_not_utf8_is_refused():
    # What a non-UTF-8 byte in a command-line path becomes in Python (surrogateescape).
    with pytest.raises(UnrepresentableExec, match="not valid UTF-8"):
        exec_quote("/opt/\udcff/dmgui")


def test_the_spec_reader_rejects_the_old_single_quoted_form():
    with pytest.raises(ValueError, match="reserved character"):
        parse_exec("'/opt/dm gui/dmgui' %f")


NASTY = "/opt/my \"dm\" $HOME `id` \\ it's 100% & (x);~#*?<>|/é/dmgui"


def test_a_nasty_path_reads_back_exactly():
    assert parse_exec(exec_value(NASTY) + " %f") == [NASTY, field_code("f")]


@given(st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1)
       .filter(lambda s: "=" not in s))
def test_any_representable_argument_reads_back_exactly(arg):
    assert parse_exec(exec_value(arg) + " %f") == [arg, field_code("f")]
    assert parse_exec(exec_value("dmgui", arg, arg)) == ["dmgui", arg, arg]


# ---- the installer end to end ------------------------------------------------------

def run_installer(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the script with its target folder ($XDG_DATA_HOME) and $HOME in tmp_path."""
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "data"),
               HOME=str(tmp_path / "home"))
    return subprocess.run([sys.executable, str(SCRIPT), *args], env=env,
                          capture_output=True, text=True, timeout=60, check=False)


def installed_exec(tmp_path: Path) -> str:
    desktop = tmp_path / "data" / "applications" / "dmgui.desktop"
    lines = [line for line in desktop.read_text(encoding="utf-8").splitlines()
             if line.startswith("Exec=")]
    assert len(lines) == 1
    return lines[0].removeprefix("Exec=")


def test_installer_writes_an_exec_that_reads_back_exactly(tmp_path):
    proc = run_installer(tmp_path, "--exec", NASTY)
    assert proc.returncode == 0, proc.stderr
    assert parse_exec(installed_exec(tmp_path)) == [NASTY, field_code("f")]
    assert "may not list this entry" in proc.stderr      # the '%' caveat


def test_installer_refuses_an_unrepresentable_path_in_one_line(tmp_path):
    proc = run_installer(tmp_path, "--exec", "/opt/dm\ngui/dmgui")
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "control character" in proc.stderr
    assert not (tmp_path / "data").exists()


def validator_errors(path: Path) -> list[str]:
    """desktop-file-validate's errors for `path`.

    Version=1.5 (the current spec) is reported as unknown by desktop-file-utils before
    0.27, which knows spec 1.4 only; that one error says nothing about this file and
    is left out.
    """
    proc = subprocess.run(["desktop-file-validate", str(path)], capture_output=True,
                          text=True, timeout=60, check=False)
    out = proc.stdout + proc.stderr
    errors = [line for line in out.splitlines() if ": error: " in line
              and not ('"Version"' in line and "is not a known version" in line)]
    assert proc.returncode == 0 or ": error: " in out, out   # failed, but said why
    return errors


needs_validator = pytest.mark.skipif(
    shutil.which("desktop-file-validate") is None,
    reason="desktop-file-validate is not on PATH (Debian/Ubuntu: desktop-file-utils)")


@needs_validator
def test_installed_entry_passes_desktop_file_validate(tmp_path):
    assert run_installer(tmp_path, "--exec", NASTY).returncode == 0
    assert validator_errors(tmp_path / "data" / "applications" / "dmgui.desktop") == []


@needs_validator
def test_desktop_file_validate_rejects_single_quoted_exec(tmp_path):
    """The validator does check Exec quoting: the installer's old output fails it."""
    old = tmp_path / "old.desktop"
    old.write_text("[Desktop Entry]\nType=Application\nName=dmgui\n"
                   "Exec='/opt/dm gui/dmgui' %f\n", encoding="utf-8")
    assert any("reserved character ''' outside of a quote" in line
               for line in validator_errors(old))


@pytest.mark.skipif(shutil.which("gio") is None, reason="gio (GLib) is not on PATH")
def test_glib_launches_the_installed_entry_with_the_exact_path(tmp_path):
    """GLib reads the entry back as the same program path and file argument.

    No '%' in this path: GLib looks for the program before expanding %% (see the
    installer's warning), so such an entry is valid but not launchable by GLib.
    """
    folder = tmp_path / NASTY.replace("100% ", "").lstrip("/").removesuffix("/dmgui")
    folder.mkdir(parents=True)
    program = folder / "dmgui"
    record = tmp_path / "argv.txt"
    program.write_text('#!/bin/sh\nprintf "%s\\n" "$0" "$@" > "$DMGUI_ARGV.tmp"\n'
                       'mv "$DMGUI_ARGV.tmp" "$DMGUI_ARGV"\n')
    program.chmod(0o755)
    assert run_installer(tmp_path, "--exec", str(program)).returncode == 0
    document = tmp_path / "a scenario.json"
    document.write_text("{}")
    proc = subprocess.run(["gio", "launch",
                           str(tmp_path / "data" / "applications" / "dmgui.desktop"),
                           str(document)],
                          env=dict(os.environ, DMGUI_ARGV=str(record)),
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    deadline = time.monotonic() + 20
    while not record.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert record.read_text().splitlines() == [str(program), str(document)]
