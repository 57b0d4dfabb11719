"""Help: the bundled model description (docs/model.md) and "What the Numbers Mean".

:class:`HelpActions` makes the Help menu's two actions. "The Model" shows all of
docs/model.md in a :class:`MarkdownViewer`; "What the Numbers Mean" (F1; also the
plots' "What these numbers mean" link) shows that document's section of the same
name in a second, smaller viewer. Both are non-modal windows that remember their size.

The document is found by the one resource resolver
(:func:`dmgui.core.resources.doc_path`): from a checkout, an installed wheel and the
PyInstaller bundle alike. If it is missing, the actions show a message box.

Links: ``#anchor`` scrolls to a heading (anchors are GitHub's heading slugs, so links
work on GitHub too); http(s) and mailto links open in the system browser; a relative
link to another Markdown file opens it in the viewer when it is shipped, and otherwise
says so in the viewer's status line. Ctrl+F finds text; Esc closes the find bar, then
the window.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from PySide6.QtCore import QByteArray, QObject, QSettings, QSize, Qt, QUrl, Signal, Slot
from PySide6.QtGui import (
    QAction,
    QBrush,
    QColor,
    QDesktopServices,
    QHideEvent,
    QKeyEvent,
    QKeySequence,
    QShowEvent,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFrameFormat,
    QTextLength,
    QTextList,
    QTextListFormat,
    QTextTable,
    QTextTableFormat,
)
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from dmgui.core.resources import MODEL_DOC, doc_path

#: docs/model.md's "What the numbers mean" heading, as an anchor.
NUMBERS_ANCHOR = "what-the-numbers-mean"
MODEL_TITLE = "The Simulation Model"
NUMBERS_TITLE = "What the Numbers Mean"
_EXTERNAL_SCHEMES = ("http", "https", "mailto")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_CODE_BACKGROUND = QColor("#f3f3f3")
_TABLE_BORDER = QColor("#c8c8c8")
_HEADER_BACKGROUND = QColor("#eeeeee")


def open_external(url: QUrl) -> bool:
    """Open ``url`` with the system's handler (a seam for tests)."""
    return QDesktopServices.openUrl(url)


def heading_anchor(text: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces → '-'.

    >>> heading_anchor("Derived values (§2.3, §5, §7.6)")
    'derived-values-23-5-76'
    """
    text = text.strip().lower()
    kept = "".join(c for c in text if c in " -_" or unicodedata.category(c)[0] in "LN")
    return kept.replace(" ", "-")


def markdown_headings(text: str) -> list[tuple[int, int, str]]:
    """``(line index, level, title)`` of each ATX heading outside code fences."""
    found = []
    fenced = False
    for i, line in enumerate(text.splitlines()):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        match = None if fenced else _HEADING.match(line)
        if match:
            found.append((i, len(match.group(1)), _plain(match.group(2))))
    return found


def markdown_section(text: str, anchor: str) -> str | None:
    """The section of ``text`` under the heading whose anchor is ``anchor``, down to
    the next heading of the same or a higher level (None if there is no such heading).
    """
    lines = text.splitlines()
    headings = markdown_headings(text)
    for n, (start, level, title) in enumerate(headings):
        if heading_anchor(title) != anchor:
            continue
        end = next((i for i, lv, _ in headings[n + 1 :] if lv <= level), len(lines))
        return "\n".join(lines[start:end]).strip() + "\n"
    return None


def _plain(title: str) -> str:
    """A heading's text as shown: Markdown emphasis and code marks dropped."""
    return re.sub(r"`|\*|(?<!\w)_+|_+(?!\w)", "", title)


class MarkdownViewer(QDialog):
    """A non-modal window showing one Markdown document, with links and a find bar.

    Parameters
    ----------
    title:
        Window title (the document's own first heading is not used: the title says
        what the window is for).
    settings_key:
        QSettings group that remembers the window's size and place.
    default_size:
        The size on first use.
    parent:
        The owning window (the viewer stays above it and closes with it).

    Signals
    -------
    anchor_missing(str):
        A ``#anchor`` link pointed at no heading of this document (a section shown
        alone links to the rest of its document).
    """

    anchor_missing = Signal(str)

    def __init__(
        self,
        title: str,
        settings_key: str,
        default_size: QSize,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(False)
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.setWindowFlag(Qt.WindowType.WindowContextHelpButtonHint, False)
        self.setSizeGripEnabled(True)
        self._settings_key = settings_key
        self._default_size = default_size
        self._placed = False
        self.source: Path | None = None  # the file shown (None: text given directly)
        self._base: Path | None = None  # where relative links point
        self.browser = QTextBrowser()
        self.browser.setOpenLinks(False)
        self.browser.setOpenExternalLinks(False)
        self.browser.anchorClicked.connect(self.follow_link)
        self.find_edit = QLineEdit()
        self.find_edit.setPlaceholderText("Find")
        self.find_edit.setClearButtonEnabled(True)
        self.find_edit.returnPressed.connect(self.find_next)
        self.find_edit.textEdited.connect(self._find_as_you_type)
        previous = QPushButton("Previous")
        previous.clicked.connect(self.find_previous)
        following = QPushButton("Next")
        following.clicked.connect(self.find_next)
        for button in (previous, following):
            button.setAutoDefault(False)
        self.find_bar = QWidget()
        bar = QHBoxLayout(self.find_bar)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(QLabel("Find:"))
        bar.addWidget(self.find_edit, stretch=1)
        bar.addWidget(previous)
        bar.addWidget(following)
        self.find_bar.hide()
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.browser, stretch=1)
        layout.addWidget(self.find_bar)
        layout.addWidget(self.status)
        self._add_action(QKeySequence.StandardKey.Find, self.open_find_bar)
        self._add_action(QKeySequence.StandardKey.FindNext, self.find_next)
        self._add_action(QKeySequence.StandardKey.FindPrevious, self.find_previous)

    def _add_action(self, keys: QKeySequence.StandardKey, slot) -> None:
        action = QAction(self)
        action.setShortcuts(keys)
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        self.addAction(action)

    # -- content ---------------------------------------------------------------------

    def show_markdown(self, text: str, base: Path | None = None) -> None:
        """Show Markdown ``text``; relative links and images resolve against ``base``
        (the folder of the file it came from)."""
        self.source = None
        self._base = base
        document = self.browser.document()
        if base is not None:
            document.setBaseUrl(QUrl.fromLocalFile(str(base) + "/"))
        self.browser.setMarkdown(text)
        _polish(document)
        self.show_status("")
        self.browser.moveCursor(QTextCursor.MoveOperation.Start)

    def show_file(self, path: Path, anchor: str | None = None) -> bool:
        """Show the Markdown file ``path`` (at ``anchor``); False (and a status line)
        if it cannot be read."""
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            self.show_status(f"Cannot open {path.name}: {err}")
            return False
        self.show_markdown(text, path.parent)
        self.source = path.resolve()
        if anchor:
            self.scroll_to_anchor(anchor)
        return True

    def anchors(self) -> list[str]:
        """The heading anchors of the document shown, in order."""
        return list(_heading_anchors(self.browser.document()))

    def heading_titles(self) -> list[str]:
        """The headings of the document shown, as displayed."""
        return list(_heading_anchors(self.browser.document()).values())

    def scroll_to_anchor(self, anchor: str) -> bool:
        """Scroll so the heading ``anchor`` is at the top; False if there is none."""
        if anchor not in _heading_anchors(self.browser.document()):
            return False
        self.browser.scrollToAnchor(anchor)
        return True

    def show_status(self, text: str) -> None:
        """A one-line note under the text (an empty text hides it)."""
        self.status.setText(text)
        self.status.setVisible(bool(text))

    # -- links -----------------------------------------------------------------------

    @Slot(QUrl)
    def follow_link(self, url: QUrl) -> None:
        """Anchors scroll, web links open outside, Markdown files open here."""
        self.show_status("")
        if url.scheme() in _EXTERNAL_SCHEMES:
            if not open_external(url):
                self.show_status(f"Could not open {url.toString()}")
            return
        fragment = url.fragment()
        if url.isRelative() and not url.path():
            if not self.scroll_to_anchor(fragment):
                self.anchor_missing.emit(fragment)
            return
        if url.scheme() not in ("", "file") or self._base is None:
            self.show_status(f"Cannot open {url.toString()}")
            return
        target = (
            (self._base / url.path()) if url.isRelative() else Path(url.toLocalFile())
        )
        if self.source is not None and target.resolve() == self.source:
            if fragment and not self.scroll_to_anchor(fragment):
                self.anchor_missing.emit(fragment)
            return
        if not target.is_file():
            self.show_status(
                f"{url.path()} is not shipped with this copy of dmgui "
                "(it is in the project's repository)."
            )
        elif target.suffix.lower() in (".md", ".markdown"):
            self.show_file(target, fragment or None)
        elif not open_external(QUrl.fromLocalFile(str(target))):
            self.show_status(f"Could not open {target}")

    # -- find ------------------------------------------------------------------------

    @Slot()
    def open_find_bar(self) -> None:
        """Show the find bar and put the cursor in it (Ctrl+F)."""
        self.find_bar.show()
        self.find_edit.setFocus()
        self.find_edit.selectAll()

    @Slot()
    def find_next(self) -> bool:
        """Select the next match of the find text (wrapping round); False if none."""
        return self._find(QTextDocument.FindFlag(0))

    @Slot()
    def find_previous(self) -> bool:
        """Select the previous match (wrapping round); False if none."""
        return self._find(QTextDocument.FindFlag.FindBackward)

    def _find(self, flags: QTextDocument.FindFlag) -> bool:
        text = self.find_edit.text()
        if not text:
            return False
        if not self.find_bar.isVisible():
            self.find_bar.show()
        found = self.browser.find(text, flags)
        if not found:  # wrap round
            cursor = self.browser.textCursor()
            backward = bool(flags & QTextDocument.FindFlag.FindBackward)
            cursor.movePosition(
                QTextCursor.MoveOperation.End
                if backward
                else QTextCursor.MoveOperation.Start
            )
            self.browser.setTextCursor(cursor)
            found = self.browser.find(text, flags)
        self.find_edit.setStyleSheet(
            "" if found else "QLineEdit { background: #ffd6d6; }"
        )
        self.show_status("" if found else f"“{text}” not found")
        return found

    @Slot(str)
    def _find_as_you_type(self, text: str) -> None:
        cursor = self.browser.textCursor()
        cursor.setPosition(cursor.selectionStart())  # search again from the match
        self.browser.setTextCursor(cursor)
        if text:
            self.find_next()
        else:
            self.find_edit.setStyleSheet("")
            self.show_status("")

    # -- window ----------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Esc closes the find bar first, then the window."""
        if event.key() == Qt.Key.Key_Escape and self.find_bar.isVisible():
            self.find_bar.hide()
            self.find_edit.setStyleSheet("")
            self.show_status("")
            self.browser.setFocus()
            return
        super().keyPressEvent(event)

    def present(self) -> None:
        """Show, raise and activate the window (placed as last time on first use)."""
        if not self._placed:
            self._placed = True
            geometry = QSettings().value(f"{self._settings_key}/geometry")
            if not (
                isinstance(geometry, QByteArray) and self.restoreGeometry(geometry)
            ):
                self.resize(self._default_size)
        self.show()
        self.raise_()
        self.activateWindow()
        self.browser.setFocus()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._placed = True

    def hideEvent(self, event: QHideEvent) -> None:
        self.save_geometry()
        super().hideEvent(event)

    def save_geometry(self) -> None:
        """Remember the window's size and place (on hiding, and when dmgui quits)."""
        QSettings().setValue(f"{self._settings_key}/geometry", self.saveGeometry())


def _heading_anchors(document: QTextDocument) -> dict[str, str]:
    """{anchor: heading text} of the document's headings, GitHub-style (a repeated
    anchor gets -1, -2, ...), in order."""
    found: dict[str, str] = {}
    block = document.begin()
    while block.isValid():
        if block.blockFormat().headingLevel():
            base = heading_anchor(block.text())
            anchor, n = base, 0
            while anchor in found:
                n += 1
                anchor = f"{base}-{n}"
            found[anchor] = block.text()
        block = block.next()
    return found


def _polish(document: QTextDocument) -> None:
    """Make the rendered Markdown navigable and readable: anchors on headings (Qt's
    Markdown reader makes none), ruled tables with padded cells, shaded code blocks."""
    anchors = iter(_heading_anchors(document))
    cursor = QTextCursor(document)
    cursor.beginEditBlock()
    block = document.begin()
    while block.isValid():
        fmt = block.blockFormat()
        level = fmt.headingLevel()
        if level:
            cursor.setPosition(block.position())
            cursor.setPosition(
                block.position() + max(block.length() - 1, 0),
                QTextCursor.MoveMode.KeepAnchor,
            )
            mark = QTextCharFormat()
            mark.setAnchor(True)
            mark.setAnchorNames([next(anchors)])
            cursor.mergeCharFormat(mark)
            # Air above a section (Qt's Markdown reader leaves headings cramped).
            fmt.setTopMargin(0.0 if level == 1 else 18.0 - 2.0 * level)
            fmt.setBottomMargin(6.0)
            cursor.setBlockFormat(fmt)
        elif fmt.nonBreakableLines() or fmt.hasProperty(fmt.Property.BlockCodeFence):
            fmt.setBackground(QBrush(_CODE_BACKGROUND))
            fmt.setLeftMargin(max(fmt.leftMargin(), 8.0))
            cursor.setPosition(block.position())
            cursor.setBlockFormat(fmt)
        if block.textList() is not None:  # '*' items are hollow circles: use discs
            _style_list(block.textList())
        block = block.next()
    for frame in document.rootFrame().childFrames():
        if isinstance(frame, QTextTable):
            table = frame.format().toTableFormat()
            _style_table(table)
            frame.setFormat(table)
            for column in range(frame.columns()):  # the header row, shaded
                cell = frame.cellAt(0, column)
                shade = cell.format()
                shade.setBackground(QBrush(_HEADER_BACKGROUND))
                cell.setFormat(shade)
    cursor.endEditBlock()


def _style_list(items: QTextList) -> None:
    fmt = items.format()
    if fmt.style() == QTextListFormat.Style.ListCircle and fmt.indent() <= 1:
        fmt.setStyle(QTextListFormat.Style.ListDisc)
        items.setFormat(fmt)


def _style_table(table: QTextTableFormat) -> None:
    table.setBorder(1)
    table.setBorderStyle(QTextFrameFormat.BorderStyle.BorderStyle_Solid)
    table.setBorderBrush(QBrush(_TABLE_BORDER))
    table.setBorderCollapse(True)
    table.setCellPadding(4)
    table.setCellSpacing(0)
    table.setWidth(QTextLength(QTextLength.Type.PercentageLength, 100))
    table.setTopMargin(4)
    table.setBottomMargin(8)


class HelpActions(QObject):
    """The Help menu's "The Model" and "What the Numbers Mean" (F1) and their windows.

    Parameters
    ----------
    window:
        The main window: it owns the actions (so F1 works anywhere in it) and the
        viewers.

    Attributes
    ----------
    model, numbers:
        The two actions.
    model_viewer, numbers_viewer:
        The windows, created on first use (None before).
    """

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self.model = QAction("The &Model", window)
        self.model.setStatusTip("How dmgui models Dynamic Memory (docs/model.md)")
        self.numbers = QAction("What the &Numbers Mean", window)
        self.numbers.setShortcut(QKeySequence(QKeySequence.StandardKey.HelpContents))
        self.numbers.setStatusTip(
            "Assigned Memory, Memory Demand, pressure, buffer "
            "target and Memory Status, explained"
        )
        self.model.triggered.connect(lambda: self.show_model())
        self.numbers.triggered.connect(lambda: self.show_numbers())
        window.addAction(self.numbers)  # F1 works even with the menu bar hidden
        self.model_viewer: MarkdownViewer | None = None
        self.numbers_viewer: MarkdownViewer | None = None
        # A viewer still open when dmgui quits is never hidden: save its size then.
        QApplication.instance().aboutToQuit.connect(self._on_quit)

    def actions(self) -> list[QAction]:
        """The actions, in menu order."""
        return [self.model, self.numbers]

    def connect_plots(self, plots: QObject) -> None:
        """Open the numbers help when the plot panel asks for it (its link)."""
        plots.numbers_help_requested.connect(self._on_numbers_requested)

    @Slot()
    def _on_quit(self) -> None:
        for viewer in (self.model_viewer, self.numbers_viewer):
            if viewer is not None and viewer.isVisible():
                viewer.save_geometry()

    @Slot()
    def _on_numbers_requested(self) -> None:
        self.show_numbers()

    @Slot(str)
    def _on_anchor_missing(self, anchor: str) -> None:
        self.show_model(anchor)

    def show_model(self, anchor: str | None = None) -> MarkdownViewer | None:
        """Show docs/model.md (at ``anchor``); a message box if it is missing."""
        path = self._model_path()
        if path is None:
            return None
        if self.model_viewer is None:
            self.model_viewer = MarkdownViewer(
                MODEL_TITLE, "help_window/model", QSize(820, 720), self._window
            )
        viewer = self.model_viewer
        if viewer.source != path.resolve():
            viewer.show_file(path)
        if anchor and not viewer.scroll_to_anchor(anchor):
            viewer.show_status(f"No section “{anchor}” in {path.name}.")
        viewer.present()
        return viewer

    def show_numbers(self) -> MarkdownViewer | None:
        """Show the "What the numbers mean" section of docs/model.md."""
        path = self._model_path()
        if path is None:
            return None
        try:
            section = markdown_section(path.read_text(encoding="utf-8"), NUMBERS_ANCHOR)
        except (OSError, UnicodeDecodeError) as err:
            self._missing(str(err))
            return None
        if section is None:
            return self.show_model()  # an older document: show it whole
        if self.numbers_viewer is None:
            self.numbers_viewer = MarkdownViewer(
                NUMBERS_TITLE, "help_window/numbers", QSize(720, 690), self._window
            )
            # Its links into the rest of the document open the whole document there.
            self.numbers_viewer.anchor_missing.connect(self._on_anchor_missing)
        viewer = self.numbers_viewer
        viewer.show_markdown(section, path.parent)
        viewer.present()
        return viewer

    def _model_path(self) -> Path | None:
        try:
            return doc_path(MODEL_DOC)
        except (FileNotFoundError, OSError) as err:
            self._missing(str(err))
            return None

    def _missing(self, detail: str) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Help not available",
            "dmgui's model description (docs/model.md) was not found "
            "in this installation, so Help cannot show it.",
            QMessageBox.StandardButton.Ok,
            self._window,
        )
        box.setInformativeText(
            "It is also in the project's repository, as docs/model.md."
        )
        box.setDetailedText(detail)
        box.exec()
