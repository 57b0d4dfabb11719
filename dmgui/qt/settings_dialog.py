"""Hyper-V Manager's "Settings for <VM> on <HOST>" dialog.

Live pages: Memory (:mod:`dmgui.qt.memory_page`), Integration Services and Automatic
Start Action (:mod:`dmgui.qt.settings_pages`), and dmgui's own Simulation section,
Workload and Guest (:mod:`dmgui.qt.simulation_pages`); :mod:`dmgui.qt.vm_pages`
holds the last four. Other items show a "not simulated" page.

The dialog edits a draft. Apply and OK check every page: the Memory page with
Hyper-V's rules (:func:`dmgui.core.model.memory.check_memory_change`), the others with the
scenario's models and the runtime rules (:func:`dmgui.core.sim.reconfigure.vm_edit_problem`).
A problem shows an "Error applying <page> changes" box and keeps every edit in place
(spec §1.4). Accepted memory goes out as :attr:`SettingsDialog.settings_applied`, the
other fields as :attr:`SettingsDialog.vm_changed`; whoever applies them may still
refuse with :meth:`SettingsDialog.refuse_vm_change`, shown the same way.

As in Hyper-V Manager, the drop-down above the settings tree lists every VM of the
host and picking another one shows that VM's settings in the same window (issue 8
§2.5). The dialog knows nothing of the main window: it is given a callable that
returns every VM as a :class:`VmChoice`, read again at each switch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from PySide6.QtCore import QSignalBlocker, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QMessageBox,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from dmgui.core.model.memory import (
    FAILED_TO_MODIFY,
    MemoryChangeError,
    MemorySettings,
    VersionProfile,
    check_memory_change,
)
from dmgui.core.model.scenario import VirtualMachine
from dmgui.core.model.states import VmState
from dmgui.qt.memory_page import MemoryPage
from dmgui.qt.plain_text import ask, plain_message_box, window_title_text
from dmgui.qt.resources import app_icon, state_icon
from dmgui.qt.settings_pages import NOT_SIMULATED
from dmgui.qt.settings_tree import (
    HARDWARE,
    PAGE_ROLE,
    SECONDARY_ROLE,
    SettingsTree,
    management,
)
from dmgui.qt.vm_pages import FIELD_PAGES, VmPageError, VmPages

__all__ = ["ERROR_TITLE", "NOT_SIMULATED", "PAGE_ROLE", "SECONDARY_ROLE",
           "SettingsDialog", "VmChoice"]

ERROR_TITLE = "Error applying Memory changes"
PAGE_ERROR_TITLE = "Error applying {page} changes"  # the other pages, Hyper-V's pattern
# The question when another VM is picked with edits not applied. Hyper-V Manager asks
# before it leaves a VM with pending changes; its exact words were not found [INF].
PENDING_TEXT = "Apply the changes you made to the settings of '{vm}'?"
PENDING_INFO = ("Choose Apply to save them before showing '{other}', Discard to drop "
                "them, or Cancel to stay on '{vm}'.")


@dataclass(frozen=True)
class VmChoice:
    """One VM as the Settings dialog's drop-down lists it.

    Attributes
    ----------
    name:
        The VM's name.
    settings:
        Its memory settings now.
    state:
        Its :class:`~dmgui.core.model.states.VmState` now (any state but Off counts as
        running: the runtime rules apply).
    integration_services:
        Whether its guest has the integration services (used without ``vm``).
    vm:
        Its definition in the scenario (workload, guest, start action...); None: a
        VM of default fields with ``settings`` and ``integration_services``.
    """

    name: str
    settings: MemorySettings
    state: int = VmState.OFF
    integration_services: bool = True
    vm: VirtualMachine | None = None

    @property
    def running(self) -> bool:
        """The VM is not Off: Hyper-V's runtime rules apply (spec §1.4 V7–V9)."""
        return self.state != VmState.OFF

    def machine(self) -> VirtualMachine:
        """The VM's definition (from ``vm``, else built from the other fields)."""
        if self.vm is not None:
            return self.vm
        return VirtualMachine(name=self.name, memory=self.settings,
                              integration_services=self.integration_services)


class SettingsDialog(QDialog):
    """Hyper-V's 'Settings for <VM> on <HOST>' dialog.

    Parameters
    ----------
    vm_name, host_name:
        Shown in the title, as in Hyper-V Manager.
    settings:
        The VM's current memory settings.
    profile:
        The host version: picks the Memory page layout and the rules.
    running:
        The VM is running now; runtime rules apply (spec §1.4 V7–V9).
    parent:
        The Qt parent (the main window).
    integration_services:
        Whether the VM's guest has the integration services (without ``vm``).
    vms:
        Returns every VM of the host, in list order, as it is now; the drop-down
        lists them and picking one shows its settings in this dialog. None: the
        drop-down holds only this VM.
    vm:
        The VM's definition (workload, guest, start action...) for the other pages.

    Attributes
    ----------
    memory_page : MemoryPage
    vm_pages : VmPages
        Integration Services, Automatic Start Action, Workload and Guest.
    integration_page : IntegrationServicesPage
    vm_combo : QComboBox
        The drop-down of virtual machines above the settings tree.
    error_box : QMessageBox or None
        The last "Error applying ... changes" box shown.
    """

    settings_applied = Signal(str, object)  # (vm_name, validated MemorySettings)
    vm_changed = Signal(str, dict)  # (vm_name, changed VirtualMachine fields)

    def __init__(
        self,
        vm_name: str,
        settings: MemorySettings,
        profile: VersionProfile,
        running: bool,
        host_name: str = "HV01",
        parent: QWidget | None = None,
        *,
        integration_services: bool = True,
        vms: Callable[[], Sequence[VmChoice]] | None = None,
        vm: VirtualMachine | None = None,
    ) -> None:
        super().__init__(parent)
        self._vm_name = vm_name
        self._profile = profile
        self._running = running
        self._applied = settings
        self._host_name = host_name
        self._vms = vms
        self._refusal: str | None = None
        # Where the last error's culprit is: (page, field). Not a closure: one that
        # holds the dialog would make a reference cycle, and Python's collector may
        # then delete the dialog in the middle of Qt's event handling.
        self._error_at: tuple[str, str] | None = None
        self.error_box: QMessageBox | None = None
        self.setWindowIcon(app_icon())
        self.memory_page = MemoryPage(profile, running)
        self.memory_page.load(settings)
        self.vm_pages = VmPages(profile, self)
        self.integration_page = self.vm_pages.integration
        mine = VmChoice(vm_name, settings, VmState.RUNNING if running else VmState.OFF,
                        integration_services, vm)
        self.vm_pages.load(mine.machine(), mine.state)
        self._stack = QStackedWidget()
        self._build_tree()
        self._build_layout()
        self._wire()
        self._hardware_list.select("Memory")
        self._on_memory_changed()
        self._show_vm_texts()
        self._update_apply()
        self.resize(820, 720)

    @property
    def vm_name(self) -> str:
        """The VM whose settings the dialog shows."""
        return self._vm_name

    def _build_tree(self) -> None:
        tree = self._hardware_list = SettingsTree(self._stack)
        pages = self.vm_pages.pages()
        tree.add_section("Hardware", HARDWARE, {"Memory": self.memory_page})
        tree.add_section("Management",
                         management(self._vm_name, self._profile,
                                    self.vm_pages.vm.integration_services), pages)
        tree.add_simulation_section(pages)
        self._memory_item = tree.items["Memory"]

    def _build_layout(self) -> None:
        self.vm_combo = QComboBox()
        self.vm_combo.setAccessibleName("Virtual machine")
        self.vm_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self._fill_vm_combo(self._choices())
        left = QVBoxLayout()
        left.addWidget(self.vm_combo)
        left.addWidget(self._hardware_list, 1)
        scroll = QScrollArea()
        scroll.setWidget(self._stack)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        panes = QHBoxLayout()
        panes.addLayout(left)
        panes.addWidget(scroll, 1)
        panes.setSpacing(12)
        self._buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.Apply
        )
        button = self._buttons.button
        self._button_ok = button(QDialogButtonBox.StandardButton.Ok)
        self._button_cancel = button(QDialogButtonBox.StandardButton.Cancel)
        self._button_apply = button(QDialogButtonBox.StandardButton.Apply)
        layout = QVBoxLayout(self)
        layout.addLayout(panes, 1)
        layout.addWidget(self._buttons)
        chain = [self.vm_combo, self._hardware_list, *self.memory_page.focus_chain(),
                 self._button_ok, self._button_cancel, self._button_apply]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _wire(self) -> None:
        self.memory_page.changed.connect(self._on_memory_changed)
        self.vm_pages.changed.connect(self._update_apply)
        self._buttons.accepted.connect(self._on_ok)
        self._buttons.rejected.connect(self.reject)
        self._button_apply.clicked.connect(self._on_apply)
        self.vm_combo.currentIndexChanged.connect(self._on_vm_picked)

    # -- the virtual machine drop-down -------------------------------------------

    def _choices(self) -> list[VmChoice]:
        """Every VM the drop-down lists (this one alone without a ``vms`` source)."""
        mine = VmChoice(self._vm_name, self._applied,
                        VmState.RUNNING if self._running else VmState.OFF,
                        self.vm_pages.vm.integration_services, self.vm_pages.vm)
        if self._vms is None:
            return [mine]
        return list(self._vms()) or [mine]

    def _fill_vm_combo(self, choices: Sequence[VmChoice]) -> None:
        """List ``choices`` (state icons as in the VM list) with this VM current."""
        with QSignalBlocker(self.vm_combo):
            self.vm_combo.clear()
            for choice in choices:
                self.vm_combo.addItem(state_icon(choice.state), choice.name)
            self.vm_combo.setCurrentIndex(max(0, self.vm_combo.findText(
                self._vm_name, Qt.MatchFlag.MatchExactly)))

    @Slot(int)
    def _on_vm_picked(self, index: int) -> None:
        name = self.vm_combo.itemText(index)
        if index < 0 or name == self._vm_name or not self.switch_to(name):
            self._fill_vm_combo(self._choices())  # back on the VM shown (or refreshed)

    def switch_to(self, name: str) -> bool:
        """Show the settings of VM ``name`` in this dialog, as Hyper-V's drop-down does.

        Edits not applied yet (on any page) are first offered with
        :meth:`ask_pending`: Apply (a refused change keeps the dialog on this VM,
        with the error), Discard, or Cancel (stay). Returns whether the dialog now
        shows ``name``.
        """
        if name == self._vm_name:
            return True
        if self._button_apply.isEnabled():
            answer = self.ask_pending(self._vm_name, name)
            if answer == QMessageBox.StandardButton.Apply:
                if not self._apply():
                    return False
            elif answer != QMessageBox.StandardButton.Discard:
                return False
        choices = self._choices()
        choice = next((c for c in choices if c.name == name), None)
        if choice is None:  # deleted since the list was filled
            return False
        self._load_vm(choice)
        self._fill_vm_combo(choices)
        return True

    def ask_pending(self, current: str, other: str) -> QMessageBox.StandardButton:
        """Apply / Discard / Cancel for edits not applied (blocking; tests replace
        it)."""
        buttons = (QMessageBox.StandardButton.Apply | QMessageBox.StandardButton.Discard
                   | QMessageBox.StandardButton.Cancel)
        return ask(self, "Settings",  # plain text: it quotes VM names
                   PENDING_TEXT.format(vm=current) + "\n\n"
                   + PENDING_INFO.format(vm=current, other=other),
                   buttons, QMessageBox.StandardButton.Apply)

    def _load_vm(self, choice: VmChoice) -> None:
        """Show ``choice``'s settings: the title, the tree's texts and every page."""
        if self.error_box is not None:
            self.error_box.close()
        self._vm_name = choice.name
        self._running = choice.running
        self._applied = choice.settings
        self._error_at = None
        self.memory_page.set_running(choice.running)
        self.memory_page.load(choice.settings)
        self.vm_pages.load(choice.machine(), choice.state)
        self._on_memory_changed()
        self._show_vm_texts()
        self._update_apply()

    def _show_vm_texts(self) -> None:
        """The title and the tree's second lines that name or describe the VM."""
        self.setWindowTitle(window_title_text(
            f"Settings for {self._vm_name} on {self._host_name}"))
        self._hardware_list.set_secondary("Name", self._vm_name)
        for name, text in self.vm_pages.item_texts().items():
            self._hardware_list.set_secondary(name, text)
        self._set_memory_text(self._applied)

    # -- editing -------------------------------------------------------------------

    def draft(self) -> MemorySettings:
        """What the Memory page holds now (unvalidated)."""
        return self.memory_page.draft()

    def _baseline(self) -> MemorySettings:
        """The last applied settings as the page shows them (SP1: Minimum = Startup)."""
        if self._profile.separate_minimum:
            return self._applied
        return self._applied.model_copy(update={"minimum_mb": self._applied.startup_mb})

    @Slot()
    def _on_memory_changed(self) -> None:
        self.vm_pages.show_memory(self.draft())  # the Guest page's advice
        self._update_apply()

    @Slot()
    def _update_apply(self) -> None:
        pending = self.draft() != self._baseline() or bool(self.vm_pages.changes())
        self._button_apply.setEnabled(pending)

    @Slot()
    def _on_apply(self) -> None:
        self._apply()

    @Slot()
    def _on_ok(self) -> None:
        if self._apply():
            self.accept()

    def _apply(self) -> bool:
        """Check every page; emit and remember what is accepted. False (with the
        error shown and the edits kept) if something is refused."""
        try:
            checked = check_memory_change(
                self._applied, self.draft(), self._profile, self._vm_name, self._running
            )
            fields, vm = self.vm_pages.check()
        except MemoryChangeError as err:
            self._show_memory_error(err)
            return False
        except VmPageError as err:
            self._show_page_error(err)
            return False
        if checked != self._baseline():
            self._applied = checked
            self._set_memory_text(checked)
            self.settings_applied.emit(self._vm_name, checked)
        if fields and not self._emit_vm_change(fields, vm):
            return False
        self._update_apply()
        return True

    def _emit_vm_change(self, fields: dict, vm: VirtualMachine) -> bool:
        """Emit :attr:`vm_changed`; a receiver refuses with :meth:`refuse_vm_change`."""
        self._refusal = None
        self.vm_changed.emit(self._vm_name, fields)
        refusal, self._refusal = self._refusal, None
        if refusal is not None:
            field = next(f for f in FIELD_PAGES if f in fields)
            self._show_page_error(VmPageError(FIELD_PAGES[field], refusal, field))
            self._update_apply()
            return False
        self.vm_pages.applied(vm)
        self._show_vm_texts()
        return True

    @Slot(str)
    def refuse_vm_change(self, reason: str) -> None:
        """Called by a :attr:`vm_changed` receiver that did not apply the change;
        the dialog shows ``reason`` and keeps the edits."""
        self._refusal = reason

    def _set_memory_text(self, settings: MemorySettings) -> None:
        self._hardware_list.set_secondary("Memory", f"{settings.startup_mb} MB")

    def _show_memory_error(self, err: MemoryChangeError) -> None:
        """Hyper-V's error box; the fields keep their values, the culprit gets focus."""
        self._show_error("Memory", err.field, ERROR_TITLE,
                         f"{FAILED_TO_MODIFY}\n\n{err.reason}", err.details)

    def _show_page_error(self, err: VmPageError) -> None:
        self._show_error(err.page, err.field, PAGE_ERROR_TITLE.format(page=err.page),
                         err.reason)

    def _show_error(self, page: str, field: str, title: str, text: str,
                    details: str = "") -> None:
        """Show ``page`` and the error box; the cursor goes to ``field`` now and
        again when the box closes."""
        self._hardware_list.select(page)
        self._error_at = (page, field)
        self._focus_error()
        if self.error_box is not None:
            self.error_box.close()
            self.error_box.deleteLater()
        # Plain text: the reason quotes the VM name.
        box = plain_message_box(QMessageBox.Icon.Critical, "Settings", title, text,
                                parent=self)
        if details:
            box.setDetailedText(details)
        # The task dialog's main instruction is larger and blue.
        box.setStyleSheet(
            "QLabel#qt_msgbox_label { color: #003399; font-size: 12pt; }"
            "QLabel#qt_msgbox_informativelabel { min-width: 380px; }"
        )
        box.finished.connect(self._on_error_closed)
        self.error_box = box
        box.open()

    @Slot(int)
    def _on_error_closed(self, _result: int) -> None:
        self._focus_error()

    def _focus_error(self) -> None:
        """Put the cursor on the last error's culprit (if the dialog still shows it)."""
        if self._error_at is None:
            return
        page, field = self._error_at
        if page == "Memory":
            self.memory_page.focus_field(field)
        else:
            self.vm_pages.focus_field(field)
