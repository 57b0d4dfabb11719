"""PyInstaller entry point: the same as the ``dmgui`` console script."""

from dmgui.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
