"""Install (or remove) dmgui's Linux launcher entry and icon for the current user.

    python packaging/install_desktop.py                 # Exec = dist/dmgui/dmgui or `dmgui`
    python packaging/install_desktop.py --exec /opt/dmgui/dmgui
    python packaging/install_desktop.py --uninstall

Files go to $XDG_DATA_HOME (default ~/.local/share): applications/dmgui.desktop and
icons/hicolor/scalable/apps/dmgui.svg.

The Exec= value follows the Desktop Entry Specification ("The Exec key"): see
exec_quote() and escape_string(). An --exec path the key cannot carry (a control
character such as a newline, or text that is not UTF-8) is refused with exit status 2.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "packaging" / "linux" / "dmgui.desktop.in"
ICON = ROOT / "resources" / "icons" / "app.svg"


# Desktop Entry Specification, "The Exec key": an argument holding any of these must be
# quoted; inside the double quotes the second set is escaped with a backslash.
RESERVED = frozenset(" \t\n\"'\\><~|&;$*?#()`")
ESCAPED_IN_QUOTES = frozenset('"`$\\')


class UnrepresentableExec(ValueError):
    """An argument that no Exec= value can carry."""


def exec_quote(arg: str) -> str:
    """`arg` as one argument of an Exec= command line, before string escaping.

    A literal ``%`` becomes ``%%`` (a single ``%`` starts a field code; field codes
    are expanded after unquoting, so this holds inside quotes too). An argument with a
    reserved character is enclosed in double quotes, with ``"``, backtick, ``$`` and
    ``\\`` inside escaped by a backslash. Others are left bare. Control characters
    (newline, tab, ...) and text that is not UTF-8 raise UnrepresentableExec: launchers
    do not reliably carry them, and a desktop file is UTF-8.
    """
    try:
        arg.encode("utf-8")
    except UnicodeEncodeError:
        raise UnrepresentableExec(f"{arg!r} is not valid UTF-8") from None
    for ch in arg:
        if unicodedata.category(ch) == "Cc":
            raise UnrepresentableExec(f"{arg!r} contains the control character "
                                      f"{ch!r}, which an Exec= argument cannot hold")
    arg = arg.replace("%", "%%")
    if not arg or any(ch in RESERVED for ch in arg):
        return '"' + "".join("\\" + ch if ch in ESCAPED_IN_QUOTES else ch
                             for ch in arg) + '"'
    return arg


def escape_string(value: str) -> str:
    """`value` as written for a key of type string (spec "Possible value types").

    Backslash, newline, tab and carriage return become ``\\\\``, ``\\n``, ``\\t``,
    ``\\r``. Exec= is a string, so this applies on top of exec_quote(): a backslash in a
    quoted argument is four backslashes in the file.
    """
    return (value.replace("\\", "\\\\").replace("\n", "\\n")
            .replace("\t", "\\t").replace("\r", "\\r"))


def exec_value(*args: str) -> str:
    """The Exec= value (as written in the file) that runs `args` as given."""
    return escape_string(" ".join(exec_quote(arg) for arg in args))


def data_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def targets() -> tuple[Path, Path]:
    home = data_home()
    return (home / "applications" / "dmgui.desktop",
            home / "icons" / "hicolor" / "scalable" / "apps" / "dmgui.svg")


def default_exec() -> str:
    bundle = ROOT / "dist" / "dmgui" / "dmgui"
    if bundle.exists():
        return str(bundle)
    found = shutil.which("dmgui")
    if found:
        return found
    raise SystemExit("no dmgui to launch: build the bundle (python packaging/build.py), "
                     "install the package, or pass --exec PATH")


def install(exec_path: str) -> None:
    # Quote first: an unrepresentable path must leave nothing half-installed.
    text = TEMPLATE.read_text(encoding="utf-8").replace("@EXEC@", exec_value(exec_path))
    desktop, icon = targets()
    desktop.parent.mkdir(parents=True, exist_ok=True)
    icon.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ICON, icon)
    desktop.write_text(text, encoding="utf-8")
    desktop.chmod(0o755)
    _refresh(desktop.parent)
    print(f"installed {desktop} and {icon} (Exec={exec_path})")
    if "%" in exec_path:
        # The entry is valid, but GLib (GNOME, ...) and KDE look for the program before
        # turning %% back into %, find no such file, and leave the entry out of menus.
        print("warning: the program path contains '%': desktop menus may not list this "
              "entry; a path without '%' avoids that", file=sys.stderr)


def uninstall() -> None:
    for path in targets():
        path.unlink(missing_ok=True)
        print(f"removed {path}")


def _refresh(applications: Path) -> None:
    """Ask the desktop to notice the new entry, where the tool exists."""
    if shutil.which("update-desktop-database"):
        subprocess.run(["update-desktop-database", str(applications)], check=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--exec", dest="exec_path", help="program the launcher runs")
    parser.add_argument("--uninstall", action="store_true", help="remove the entry")
    args = parser.parse_args(argv)
    if args.uninstall:
        uninstall()
        return 0
    try:
        install(args.exec_path or default_exec())
    except UnrepresentableExec as exc:
        print(f"{parser.prog}: error: --exec {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
