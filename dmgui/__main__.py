"""``python -m dmgui``: same as the ``dmgui`` console script."""

from dmgui.cli import main

raise SystemExit(main())
