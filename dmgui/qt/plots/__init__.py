"""Parts of :class:`dmgui.qt.plot_panel.PlotPanel`: history store, styling and tabs.

PySide6 is imported here, before any module of this package imports pyqtgraph, so
pyqtgraph binds to PySide6 even where PyQt is also installed (style.md §5.8).
"""

import PySide6  # noqa: F401
