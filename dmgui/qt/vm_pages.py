"""The Settings dialog's pages that edit the VM itself rather than its memory.

Integration Services and Automatic Start Action (Hyper-V pages), Workload and Guest
(dmgui's Simulation pages). :class:`VmPages` loads a
:class:`~dmgui.core.model.scenario.VirtualMachine` into them, tells which of its fields the
user changed, and checks those changes as the scenario and the engine will
(:func:`dmgui.core.sim.reconfigure.vm_edit_problem`), naming the page and the field of
a problem so the dialog can show it there and keep every edit.
"""

from __future__ import annotations

from pydantic import ValidationError
from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QWidget

from dmgui.core.model.memory import MemorySettings, VersionProfile
from dmgui.core.model.scenario import VirtualMachine
from dmgui.core.model.states import VmState
from dmgui.core.sim.reconfigure import OFF_ONLY_FIELDS, vm_edit_problem
from dmgui.qt.settings_pages import (
    START_ITEM,
    AutomaticStartPage,
    IntegrationServicesPage,
    integration_text,
)
from dmgui.qt.simulation_pages import GUEST_NOT_SPECIFIED, GuestPage, WorkloadPage
from dmgui.qt.workload_editor import WorkloadInputError, workload_label

#: The tree item (page) that edits each field, in the order pages are checked.
FIELD_PAGES = {
    "guest_os": "Guest",
    "boot_delay_s": "Guest",
    "generation": "Guest",
    "integration_services": "Integration Services",
    "autostart": "Automatic Start Action",
    "autostart_delay_s": "Automatic Start Action",
    "workload": "Workload",
}
_LABELS = {"boot_delay_s": ("Boot delay", " s"),
           "autostart_delay_s": ("The startup delay", " seconds")}


class VmPageError(ValueError):
    """A change a page holds cannot be applied: ``page`` is its tree item's name,
    ``field`` the culprit (or "")."""

    def __init__(self, page: str, reason: str, field: str = "") -> None:
        super().__init__(reason)
        self.page, self.reason, self.field = page, reason, field


class VmPages(QObject):
    """The four pages, the VM they show, and what the user changed on them.

    Attributes
    ----------
    integration : IntegrationServicesPage
    autostart : AutomaticStartPage
    workload : WorkloadPage
    guest : GuestPage
    """

    changed = Signal()

    def __init__(self, profile: VersionProfile, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._profile = profile
        self._vm: VirtualMachine | None = None
        self._state = VmState.OFF
        self.integration = IntegrationServicesPage(profile)
        self.autostart = AutomaticStartPage()
        self.workload = WorkloadPage()
        self.guest = GuestPage(profile)
        for page in (self.integration, self.autostart, self.workload, self.guest):
            page.changed.connect(self.changed)
        self.guest.guest_changed.connect(self.integration.set_guest)

    def pages(self) -> dict[str, QWidget]:
        """Each page by the name of its tree item."""
        return {"Integration Services": self.integration,
                "Automatic Start Action": self.autostart,
                "Workload": self.workload, "Guest": self.guest}

    @property
    def vm(self) -> VirtualMachine | None:
        """The VM as last loaded or applied."""
        return self._vm

    def load(self, vm: VirtualMachine, state: int) -> None:
        """Show ``vm`` (in ``state``: the guest fields lock unless it is Off)."""
        self._vm, self._state = vm, state
        running = state != VmState.OFF
        self.guest.load(vm.guest_os, vm.boot_delay_s, vm.generation, running)
        self.integration.load(vm.integration_services, vm.guest_os, running)  # after
        self.autostart.load(vm.autostart, vm.autostart_delay_s)
        self.workload.load(vm.workload)

    def show_memory(self, settings: MemorySettings) -> None:
        """The Memory page's draft, for the Guest page's advice."""
        self.guest.show_memory(settings)

    def item_texts(self) -> dict[str, str]:
        """The tree's second lines for the applied VM."""
        vm = self._vm
        if vm is None:
            return {}
        return {"Integration Services": integration_text(self._profile,
                                                         vm.integration_services),
                "Automatic Start Action": START_ITEM[vm.autostart],
                "Workload": workload_label(vm.workload),
                "Guest": vm.guest_os.label if vm.guest_os else GUEST_NOT_SPECIFIED}

    # -- drafts --------------------------------------------------------------------------

    def draft(self) -> dict:
        """The fields as the pages show them (unvalidated; the workload as a dict)."""
        return {"guest_os": self.guest.guest(),
                "boot_delay_s": self.guest.boot_delay.value(),
                "integration_services": self.integration.value(),
                "autostart": self.autostart.value(),
                "autostart_delay_s": self.autostart.delay.value(),
                "workload": self.workload.editor.draft()}

    def changes(self) -> dict:
        """The drafted fields that differ from the VM's (empty: nothing to apply)."""
        if self._vm is None:
            return {}
        now = self._vm.model_dump()
        return {k: v for k, v in self.draft().items() if v != now[k]}

    def check(self) -> tuple[dict, VirtualMachine]:
        """The changed fields (as the scenario stores them) and the VM they make.

        Raises :class:`VmPageError` for a bad value (an out-of-range number, a rule
        between fields), or a field that may not change while the VM is not Off.
        """
        changes = self.changes()
        if "workload" in changes:
            try:
                self.workload.editor.workload()
            except WorkloadInputError as err:
                raise VmPageError("Workload", str(err), err.field) from None
        try:
            new = VirtualMachine.model_validate({**self._vm.model_dump(), **changes})
        except ValidationError as err:
            raise _page_error(err) from None
        problem = vm_edit_problem(self._vm, new, self._state)
        if problem:
            field = next(f for f in OFF_ONLY_FIELDS if f in changes)
            raise VmPageError(FIELD_PAGES[field], problem, field)
        dump = new.model_dump()
        return {k: dump[k] for k in changes}, new

    def applied(self, vm: VirtualMachine) -> None:
        """``vm`` is now the VM's definition: the pages' edits are no longer pending."""
        self._vm = vm

    @Slot(str)
    def focus_field(self, field: str) -> None:
        """Put the cursor on the widget of ``field``."""
        if field == "boot_delay_s":
            self.guest.boot_delay.setFocus()
            self.guest.boot_delay.selectAll()
        elif field == "guest_os":
            self.guest.guest_combo.setFocus()
        elif field == "integration_services":
            self.integration.installed.setFocus()
        elif field == "autostart":
            self.autostart.always.setFocus()
        elif field == "autostart_delay_s":
            self.autostart.delay.setFocus()
            self.autostart.delay.selectAll()
        else:  # a workload field (or the kind)
            self.workload.editor.focus_field(field)


def _page_error(err: ValidationError) -> VmPageError:
    """A :class:`VirtualMachine` validation error as the page's sentence."""
    first = err.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else ""
    message = first["msg"].removeprefix("Value error, ")
    if not field:  # a rule between fields names the first one: "integration_services: ..."
        field = message.split(":", 1)[0] if ":" in message else ""
        message = message.split(":", 1)[-1].strip()
    label, unit = _LABELS.get(field, (field, ""))
    ctx = first.get("ctx") or {}
    if first["type"] == "greater_than_equal":
        message = f"{label} must be at least {ctx['ge']}{unit}."
    elif first["type"] == "less_than_equal":
        message = f"{label} must be at most {ctx['le']}{unit}."
    page = FIELD_PAGES.get(field, "Guest")
    return VmPageError(page, message[:1].upper() + message[1:], field)
