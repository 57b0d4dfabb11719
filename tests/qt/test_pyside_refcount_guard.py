"""Guard against the PySide6 6.12.0 / CPython 3.11 refcount bug on ``None``.

Measured on this project's machines: PySide6 6.12.0 on Python 3.11 drops a
reference to ``None`` on every Qt call that returns void, and after about 5,000
such calls the process aborts with ``Fatal Python error: none_dealloc``.
pyproject.toml pins PySide6 below 6.12 on Python < 3.12; this test fails if an
install ever gets a Qt that has the bug.
"""

from __future__ import annotations

import sys

import pytest

QtCore = pytest.importorskip("PySide6.QtCore")

CALLS = 2000  # well under the ~5,000 that abort, well over noise


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal on 3.12+")
def test_void_qt_calls_leave_none_refcount_alone():
    obj = QtCore.QObject()
    timer = QtCore.QTimer()
    before = sys.getrefcount(None)
    for i in range(CALLS):
        obj.setObjectName("x")  # void
        timer.setInterval(i)  # void
    after = sys.getrefcount(None)
    # A healthy build leaves the count unchanged (allow a little interpreter noise).
    assert abs(after - before) < 50, f"refcount(None) moved by {after - before}"
