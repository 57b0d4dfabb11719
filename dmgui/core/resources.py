"""Find files of the top-level ``resources/`` folder, wherever dmgui runs from.

One resolver for the three layouts (style.md §5.9):

* a PyInstaller bundle: ``<sys._MEIPASS>/resources``;
* an installed wheel: ``dmgui/_resources`` (pyproject force-includes it there);
* a source checkout or editable install: ``<repo>/resources``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DEFAULT_SCENARIO = "scenarios/home-server-2008r2.json"


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
    found.append(package.parent / "resources")
    return found


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
