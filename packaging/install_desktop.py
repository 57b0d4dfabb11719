"""Install (or remove) dmgui's Linux launcher entry and icon for the current user.

    python packaging/install_desktop.py                 # Exec = dist/dmgui/dmgui or `dmgui`
    python packaging/install_desktop.py --exec /opt/dmgui/dmgui
    python packaging/install_desktop.py --uninstall

Files go to $XDG_DATA_HOME (default ~/.local/share): applications/dmgui.desktop and
icons/hicolor/scalable/apps/dmgui.svg.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "packaging" / "linux" / "dmgui.desktop.in"
ICON = ROOT / "resources" / "icons" / "app.svg"


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
    desktop, icon = targets()
    desktop.parent.mkdir(parents=True, exist_ok=True)
    icon.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ICON, icon)
    text = TEMPLATE.read_text().replace("@EXEC@", shlex.quote(exec_path))
    desktop.write_text(text)
    desktop.chmod(0o755)
    _refresh(desktop.parent)
    print(f"installed {desktop} and {icon} (Exec={exec_path})")


def uninstall() -> None:
    for path in targets():
        path.unlink(missing_ok=True)
        print(f"removed {path}")


def _refresh(applications: Path) -> None:
    """Ask the desktop to notice the new entry, where the tool exists."""
    if shutil.which("update-desktop-database"):
        subprocess.run(["update-desktop-database", str(applications)], check=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--exec", dest="exec_path", help="program the launcher runs")
    parser.add_argument("--uninstall", action="store_true", help="remove the entry")
    args = parser.parse_args()
    if args.uninstall:
        uninstall()
    else:
        install(args.exec_path or default_exec())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
