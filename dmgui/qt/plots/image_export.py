"""A plot tab as PNG or SVG bytes, with pyqtgraph's exporters.

The whole layout of a tab is exported (its plots, legends and colour bar), at its
size on screen, with the background the tab shows and without the hover cursor.
Nothing is written here: the caller writes the bytes atomically
(:func:`dmgui.core.files.write_bytes`).

pyqtgraph 0.14.0's SVG exporter fails on Qt 6.10 and later, whose SVG generator ends
a closed path with a ``Z`` token the exporter cannot parse (pyqtgraph/pyqtgraph#3495,
fixed after 0.14.0): :func:`_closed_paths_tolerated` hides those tokens from it while
it moves the coordinates, then puts them back where they were. SVG also needs Qt's
QtSvg module, which the PyInstaller bundle leaves out (:func:`svg_available`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from pyqtgraph.exporters import ImageExporter, SVGExporter
from PySide6.QtCore import QBuffer, QIODevice

from dmgui.qt.plots.base import PlotTab

# The module, not the class the package re-exports under the same name.
_SVG_MODULE = importlib.import_module("pyqtgraph.exporters.SVGExporter")
_CLOSE = ("Z", "z")


def svg_available() -> bool:
    """Whether Qt's SVG module, which the SVG exporter needs, can be imported."""
    try:
        importlib.import_module("PySide6.QtSvg")
    except ImportError:
        return False
    return True


def plot_image(tab: PlotTab, suffix: str) -> bytes:
    """``tab``'s whole layout as PNG (``suffix`` ".png") or SVG (".svg") bytes,
    without the hover cursor.

    Raises :class:`OSError` if the PNG cannot be encoded.
    """
    item = tab.graphics.ci
    with tab.cursor_hidden():
        if suffix == ".svg":
            with _closed_paths_tolerated():
                return SVGExporter(item).export(toBytes=True)
        image = ImageExporter(item).export(toBytes=True)
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise OSError("the image could not be encoded as PNG")
    return bytes(buffer.data())


@contextmanager
def _closed_paths_tolerated() -> Iterator[None]:
    """While exporting, wrap pyqtgraph's coordinate correction (see the module
    docstring); a pyqtgraph without it is left alone."""
    correct = getattr(_SVG_MODULE, "correctCoordinates", None)
    if correct is None:
        yield
        return
    _SVG_MODULE.correctCoordinates = _without_close_tokens(correct)
    try:
        yield
    finally:
        _SVG_MODULE.correctCoordinates = correct


def _without_close_tokens(correct: Callable) -> Callable:
    def wrapper(node, defs, item, options):
        closed = {}  # path element -> how many coordinates precede each Z
        for path in node.getElementsByTagName("path"):
            tokens = path.getAttribute("d").split()
            if any(token in _CLOSE for token in tokens):
                closed[path] = _close_positions(tokens)
                path.setAttribute("d", " ".join(t for t in tokens if t not in _CLOSE))
        correct(node, defs, item, options)
        for path, positions in closed.items():
            tokens = path.getAttribute("d").split()  # one per coordinate, as before
            for index in positions:  # final indices: in ascending order
                tokens.insert(index, "Z")
            path.setAttribute("d", " ".join(tokens))
    return wrapper


def _close_positions(tokens: list[str]) -> list[int]:
    """Where each Z goes back in the list of coordinate tokens (and the Zs before)."""
    positions, coordinates = [], 0
    for token in tokens:
        if token in _CLOSE:
            positions.append(coordinates + len(positions))
        else:
            coordinates += 1
    return positions
