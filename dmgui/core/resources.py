"""Find files of the top-level ``resources/`` folder, wherever dmgui runs from.

One resolver for the three layouts (style.md §5.9):

* a PyInstaller bundle: ``<sys._MEIPASS>/resources``;
* an installed wheel: ``dmgui/_resources`` (pyproject force-includes it there);
* a source checkout or editable install: ``<repo>/resources``.

Documents of the top-level ``docs/`` folder that the app shows (Help → The Model)
are copied into the resources at build time, as ``docs/<name>`` (pyproject's
force-include, ``packaging/dmgui.spec``'s datas): a checkout reads them from
``<repo>/docs``, so there is one hand-maintained copy.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DEFAULT_SCENARIO = "scenarios/home-server-2008r2.json"
#: The model description (docs/model.md), shown by Help → The Model.
MODEL_DOC = "model.md"


def resources_root() -> Path:
    """The folder holding dmgui's resources; raises FileNotFoundError if none exists."""
    for candidate in _candidates():
        if candidate.is_dir():
            return candidate
    tried = ", ".join(str(c) for c in _candidates())
    raise FileNotFoundError(f"dmgui resources not found (looked in {tried})")


def _candidates() -> list[Path]:
    package = Path(__file__).resolve().parent.parent
    found = []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        found.append(Path(bundle) / "resources")
    found.append(package / "_resources")
    found.append(_checkout_resources())
    return found


def _checkout_resources() -> Path:
    return Path(__file__).resolve().parent.parent.parent / "resources"


def docs_folder() -> Path:
    """Where the shipped documents are: ``<resources>/docs``, or ``<repo>/docs`` in a
    checkout (whose resources folder is ``<repo>/resources``)."""
    root = resources_root()
    shipped = root / "docs"
    # A PyInstaller bundle has dmgui/ beside resources/ too, like a checkout.
    if shipped.is_dir() or root != _checkout_resources() or hasattr(sys, "_MEIPASS"):
        return shipped
    return root.parent / "docs"


def doc_path(name: str = MODEL_DOC) -> Path:
    """Absolute path of the shipped document ``name``; FileNotFoundError if missing."""
    folder = docs_folder()
    path = folder / name
    if not path.is_file():
        raise FileNotFoundError(f"missing dmgui document: {name} (in {folder})")
    return path


def resource_path(relative: str) -> Path:
    """Absolute path of ``relative`` inside the resources folder (must exist)."""
    path = resources_root() / relative
    if not path.exists():
        raise FileNotFoundError(f"missing dmgui resource: {relative} (in {path.parent})")
    return path


def default_scenario_path() -> Path:
    """The built-in default scenario (the 24 GB home server)."""
    return resource_path(DEFAULT_SCENARIO)


def samples_folder() -> Path:
    """The folder of the sample scenarios shipped with dmgui (the default one's)."""
    return default_scenario_path().parent


def shipped_sample(path: str | os.PathLike[str]) -> Path | None:
    """The shipped sample ``path`` is, resolved, or None.

    Files are compared by resolved path, not by name: a symlink to a sample or a
    relative path through the samples folder is the sample; a copy of one elsewhere
    is not. Any existing file in the samples folder counts as a sample.
    """
    try:
        folder = samples_folder().resolve()
        target = Path(path).resolve()
    except (OSError, RuntimeError):  # no resources, a symlink loop
        return None
    if target.parent == folder and target.is_file():
        return target
    return None
