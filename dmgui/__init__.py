"""dmgui: a desktop lab for Hyper-V Dynamic Memory.

This package root imports no Qt; the GUI lives in :mod:`dmgui.qt` and the
simulation core in :mod:`dmgui.core`.
"""

__version__ = "0.1.0"
