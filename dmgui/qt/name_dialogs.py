"""Two small dialogs about names: Add Copies (how many copies of a VM, named NAME-2,
NAME-3...) and Scenario Name.

Each validates on OK through an ``apply`` callback that raises ValueError (or
ScenarioError) with a one-line reason; the reason is shown in red inside the dialog
and the typed value is kept, as in the other dialogs of the main window.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import ValidationError
from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from dmgui.core.model.limits import MAX_SCENARIO_NAME, MAX_VM_NAME
from dmgui.core.model.names import check_display_name, copy_names
from dmgui.core.model.scenario import ScenarioError
from dmgui.qt.dialog_parts import buttons, error_label, first_error
from dmgui.qt.plain_text import plain_label, window_title_text
from dmgui.qt.resources import app_icon

MAX_COPIES = 500  # enough for a capacity study, few enough to stay responsive
SHOWN_NAME = 40  # longer names are shortened in the middle in this dialog's texts


def short(name: str, limit: int = SHOWN_NAME) -> str:
    """``name``, or its start and end around "…" if longer than ``limit``
    (a 100-character VM name would not fit a small dialog)."""
    if len(name) <= limit:
        return name
    head = (limit - 1) // 2
    return f"{name[:head]}…{name[len(name) - (limit - 1 - head):]}"


class AddCopiesDialog(QDialog):
    """How many copies of ``vm`` to add; their names are previewed.

    ``apply(count)`` adds them (raising ValueError when the scenario refuses); the
    dialog closes when it succeeds.
    """

    def __init__(self, vm: str, taken: set[str], apply: Callable[[int], object],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Add Copies of {window_title_text(short(vm))}")
        self.setWindowIcon(app_icon())
        self._vm, self._taken, self._apply = vm, set(taken), apply
        self.count = QSpinBox()
        self.count.setRange(1, MAX_COPIES)
        self.count.setValue(1)
        self.count.setAccelerated(True)
        self.count.setToolTip(f"From 1 to {MAX_COPIES} copies")
        intro = plain_label(
            f"Each copy has the settings, workload, start action and guest of "
            f"'{short(vm)}' "
            "(not its scheduled events) and is added Off.")
        intro.setWordWrap(True)
        self.preview = plain_label()
        self.preview.setWordWrap(True)
        self.error = error_label()
        form = QFormLayout()
        form.addRow("&Number of copies:", self.count)
        form.addRow("Names:", self.preview)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons(self, self._on_ok))
        self.count.valueChanged.connect(self._update_preview)
        self._update_preview()
        self.setMinimumWidth(420)

    def names(self) -> list[str]:
        """The names the copies would get."""
        return copy_names(self._vm, self.count.value(), self._taken)

    def problem(self) -> str | None:
        """Why the copies cannot be added as asked (names too long), or None."""
        names = self.names()
        longest = max(names, key=len)
        if len(longest) > MAX_VM_NAME:
            return (f"The copies' names would be too long: '{short(longest)}' has "
                    f"{len(longest)} characters, and a virtual machine name has at most "
                    f"{MAX_VM_NAME}. Rename '{short(self._vm)}' to a shorter name "
                    "first.")
        return None

    @Slot()
    def _update_preview(self) -> None:
        names = [short(n) for n in self.names()]
        shown = names[0] if len(names) == 1 else f"{names[0]} to {names[-1]}"
        if len(names) == 2:
            shown = f"{names[0]} and {names[1]}"
        self.preview.setText(shown)
        problem = self.problem()
        self.error.setText(problem or "")
        self.error.setVisible(problem is not None)
        self.adjustSize()  # room for the wrapped error line, or none

    @Slot()
    def _on_ok(self) -> None:
        problem = self.problem()
        if problem is None:
            try:
                self._apply(self.count.value())
            except (ScenarioError, ValueError) as err:
                problem = f"The copies were not added: {err}"
        if problem:
            self.error.setText(problem)
            self.error.show()
            self.adjustSize()
            return
        self.accept()


class ScenarioNameDialog(QDialog):
    """The scenario's name (shown in the title bar, saved in the file).

    ``apply(name)`` renames the scenario (raising ValueError when the scenario model
    refuses the name); the dialog closes when it succeeds.
    """

    def __init__(self, name: str, apply: Callable[[str], object],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Scenario Name")
        self.setWindowIcon(app_icon())
        self._apply = apply
        self.name = QLineEdit(name)
        self.name.setMaxLength(MAX_SCENARIO_NAME + 1)  # one more, so "too long" shows
        self.name.selectAll()
        self.error = error_label()
        form = QFormLayout()
        form.addRow("Scenario &name:", self.name)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons(self, self._on_ok))
        self.setMinimumWidth(440)

    def problem(self) -> str | None:
        """Why the typed name is refused, or None (the model's own rule, checked
        first here so the message names the field)."""
        text = self.name.text()
        if len(text) > MAX_SCENARIO_NAME:
            return f"Name: at most {MAX_SCENARIO_NAME} characters."
        try:
            check_display_name(text)
        except ValueError as err:
            return f"Name: {err}."
        return None

    @Slot()
    def _on_ok(self) -> None:
        problem = self.problem()
        if problem is None:
            try:
                self._apply(self.name.text())
            except (ScenarioError, ValidationError, ValueError) as err:
                problem = first_error(err)
        if problem:
            self.error.setText(problem)
            self.error.show()
            self.adjustSize()
            self.name.setFocus()
            return
        self.accept()
