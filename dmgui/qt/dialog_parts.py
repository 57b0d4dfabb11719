"""Pieces shared by the main window's small dialogs: MB spin boxes, the red error
line, OK/Cancel buttons, and the first validation problem as one line."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import ValidationError
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QSpinBox

from dmgui.qt.plain_text import plain_label


def spin(value: int, maximum: int = 99_999_999, suffix: str = " MB") -> QSpinBox:
    """A spin box of whole MB (or ``suffix``) from 0 to ``maximum``."""
    spin = QSpinBox()
    spin.setRange(0, maximum)
    spin.setValue(value)
    spin.setSuffix(suffix)
    spin.setAccelerated(True)
    return spin


def error_label() -> QLabel:
    """A hidden red, word-wrapped label for a validation problem."""
    label = plain_label()  # problems quote the typed names
    label.setWordWrap(True)
    label.setStyleSheet("QLabel { color: #b3261e; }")
    label.hide()
    return label


def buttons(dialog: QDialog, on_ok: Callable[[], None]) -> QDialogButtonBox:
    """OK (runs ``on_ok``, which accepts when valid) and Cancel."""
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                           | QDialogButtonBox.StandardButton.Cancel)
    box.accepted.connect(on_ok)
    box.rejected.connect(dialog.reject)
    return box



def first_error(err: Exception) -> str:
    """The first problem of ``err`` as one line naming the field."""
    if isinstance(err, ValidationError):
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        msg = first["msg"].removeprefix("Value error, ")
        if where == "name":
            return {"string_too_short": "Name: enter a name.",
                    "string_too_long": "Name: at most 100 characters.",
                    "string_pattern_mismatch": "Name: control characters are not "
                    "allowed."}.get(first["type"], f"Name: {msg}")
        return f"{where}: {msg}" if where else msg
    return str(err)
