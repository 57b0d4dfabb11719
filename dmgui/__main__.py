"""``python -m dmgui``: same as the ``dmgui`` console script."""

from dmgui.cli import main

# Guarded: a spawned planner worker imports this module again (as __mp_main__) and
# must not run dmgui a second time.
if __name__ == "__main__":
    raise SystemExit(main())
