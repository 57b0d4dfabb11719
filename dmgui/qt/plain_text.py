"""Show user-provided text (VM, host and scenario names, paths) as plain text.

Names may contain ``<``, ``>`` and ``&``. Qt's text widgets default to
``Qt::AutoText`` and render a string as HTML whenever ``Qt::mightBeRichText`` says
it looks like markup, so a VM named ``<img src="/etc/passwd">`` would be drawn as
an image and make Qt read a local file. Every widget of the GUI that can show such
a string gets it through one of these helpers:

* labels and message boxes are switched to ``Qt.TextFormat.PlainText``;
* text that is rich on purpose (a bold plot title, a tooltip) escapes the name
  with :func:`html_text` or :func:`plain_tooltip`;
* :func:`mnemonic_text` and :func:`window_title_text` undo the two other
  interpretations Qt applies to plain strings (``&`` shortcuts and ``[*]``).
"""

from __future__ import annotations

import html

from PySide6 import QtGui
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

PLAIN = Qt.TextFormat.PlainText
_Buttons = QMessageBox.StandardButton


def plain_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    """A :class:`QLabel` that never interprets its text as HTML."""
    label = QLabel(parent)
    set_plain(label, text)
    return label


def set_plain(label: QLabel, text: str) -> None:
    """Show ``text`` in ``label`` literally (the format is set before the text)."""
    label.setTextFormat(PLAIN)
    label.setText(text)


def html_text(text: str) -> str:
    """``text`` escaped for a string that is composed as HTML on purpose."""
    return html.escape(text)


def plain_tooltip(text: str) -> str:
    """A tooltip that shows ``text`` literally.

    Tooltips have no text-format setting: Qt guesses. Escaping alone is not enough
    (``a & b`` escaped to ``a &amp; b`` would not look rich and would show the
    entity), so the text is turned into a rich-text paragraph, which always is.
    """
    if not text:
        return ""
    # QtGui's part of the Qt namespace holds the text functions.
    return QtGui.Qt.convertFromPlainText(text, Qt.WhiteSpaceMode.WhiteSpaceNormal)


def mnemonic_text(text: str) -> str:
    """``text`` for a widget that reads ``&`` as a shortcut mark (group box titles)."""
    return text.replace("&", "&&")


def window_title_text(text: str) -> str:
    """``text`` for a window title: Qt replaces a lone ``[*]`` with the unsaved mark;
    a doubled one is shown as ``[*]``."""
    return text.replace("[*]", "[*][*]")


def plain_message_box(icon: QMessageBox.Icon, title: str, text: str,
                      informative: str = "", buttons: _Buttons = _Buttons.Ok,
                      parent: QWidget | None = None) -> QMessageBox:
    """A message box whose text and informative text are plain text.

    The informative label takes the box's text format, whichever is set first.
    """
    box = QMessageBox(icon, title, text, buttons, parent)
    box.setTextFormat(PLAIN)
    if informative:
        box.setInformativeText(informative)
    return box


def ask(parent: QWidget | None, title: str, text: str,
        buttons: _Buttons = _Buttons.Yes | _Buttons.No,
        default: _Buttons = _Buttons.NoButton) -> _Buttons:
    """A blocking question with plain text, like :meth:`QMessageBox.question`."""
    box = plain_message_box(QMessageBox.Icon.Question, title, text, buttons=buttons,
                            parent=parent)
    if default != _Buttons.NoButton:
        box.setDefaultButton(default)
    box.exec()
    clicked = box.clickedButton()  # None if closed without a button
    answer = box.standardButton(clicked) if clicked else _Buttons.NoButton
    box.deleteLater()  # as QMessageBox.question's box, it goes once answered
    return answer
