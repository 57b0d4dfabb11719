"""Test-wide setup: Qt runs offscreen and never touches the developer's settings."""

from __future__ import annotations

import os

# Before any Qt import (style.md §5.11).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

# CI runs the same examples every time (no flaky red from a newly drawn case); a
# developer's runs keep exploring new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path, monkeypatch):
    """Point QSettings-style storage (XDG config) at a per-test folder."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
