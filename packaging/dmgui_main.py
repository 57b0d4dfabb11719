"""PyInstaller entry point: the same as the ``dmgui`` console script."""

import multiprocessing

if __name__ == "__main__":
    # First: a process-pool worker of the bundle (dmgui plan) must not parse the
    # command line or start the GUI.
    multiprocessing.freeze_support()
    from dmgui.cli import main

    raise SystemExit(main())
