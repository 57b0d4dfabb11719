"""What the VM actions do to the selected VMs: power actions on every selected VM they
make sense for, Clone and Add Copies of the current VM, Turn Off All.

The power actions follow Hyper-V Manager: each acts on the selected VMs whose state
allows it (:data:`dmgui.qt.actions.ALLOWED`) and skips the others; Shut Down, Turn
Off, Delete Saved State and Reset ask once, naming the VMs. Requests go through
:meth:`WindowCommands._power`, which remembers them so the engine's answer (a start
failure, a refusal) comes back as Hyper-V's dialog. Copies are added through
:meth:`WindowCommands._reconfigure`, so the running engine gets the new scenario.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Slot

from dmgui.core.model.states import VmState
from dmgui.qt.actions import allows
from dmgui.qt.name_dialogs import AddCopiesDialog

if TYPE_CHECKING:
    from dmgui.qt.main_window import MainWindow
    from dmgui.qt.window_commands import WindowCommands

# Hyper-V Manager's Reset question; the exact wording was not found in the spec's
# sources (recalled: "Are you sure you want to reset the selected virtual
# machine(s)?") [INF].
RESET_TITLE = "Reset Machine"
RESET_TEXT = ("Are you sure you want to reset {what}?\n\nA reset restarts {it} at once, "
              "without shutting down {its} guest operating system: unsaved data in "
              "{it} will be lost.")
# Hyper-V Manager's texts for Turn Off and Shut Down of one VM; for several, the same
# question names them (Hyper-V Manager asks once for the selected VMs) [INF].
TURN_OFF_TEXT = ("If you turn off {vm}, unsaved data in {it} will be lost. Are you "
                 "sure you want to turn {it} off?")
SHUT_DOWN_TEXT = "Are you sure you want to shut down {what}?"
# [INF]: Hyper-V Manager asks before it deletes a saved state; wording recalled.
DELETE_SAVED_TITLE = "Delete Saved State"
DELETE_SAVED_TEXT = ("Are you sure you want to delete the saved state of {what}?\n\n"
                     "{It} will be off: what was running in {it} is lost, as if {it} "
                     "had been turned off.")
TURN_OFF_ALL_TITLE = "Turn Off All Virtual Machines"
TURN_OFF_ALL_TEXT = ("Turn off every virtual machine that is not off: {what}?\n\n"
                     "Unsaved data in them will be lost, and saved states are deleted.")
NAMES_SHOWN = 8  # a question names at most this many VMs, then "and N more"


def quoted_names(names: list[str], limit: int = NAMES_SHOWN) -> str:
    """``'A'``, ``'A' and 'B'``, ``'A', 'B' and 'C'``, or the first ``limit`` names
    and "N more"."""
    quoted = [f"'{n}'" for n in names[:limit]]
    rest = len(names) - len(quoted)
    if rest:
        return f"{', '.join(quoted)} and {rest} more"
    if len(quoted) == 1:
        return quoted[0]
    return f"{', '.join(quoted[:-1])} and {quoted[-1]}"


def _what(names: list[str]) -> dict[str, str]:
    """The words of a question about ``names``: one VM by name, several by count
    and names."""
    if len(names) == 1:
        return {"what": quoted_names(names), "vm": f"the virtual machine '{names[0]}'",
                "it": "it", "its": "its", "It": "It"}
    several = f"these {len(names)} virtual machines ({quoted_names(names)})"
    return {"what": several, "vm": several, "it": "them", "its": "their", "It": "They"}


class VmCommands(QObject):
    """Slots behind the VM actions that act on the selection."""

    def __init__(self, window: MainWindow, commands: WindowCommands) -> None:
        super().__init__(window)
        self.w = window
        self.commands = commands
        self.copies_dialog: AddCopiesDialog | None = None

    def connect_actions(self) -> None:
        """Bind the VM actions' ``triggered`` to their slots."""
        a = self.w.app_actions
        a.start.triggered.connect(self.start)
        a.shutdown.triggered.connect(self.shut_down)
        a.turn_off.triggered.connect(self.turn_off)
        a.save_state.triggered.connect(self.save)
        a.pause_vm.triggered.connect(self.pause)
        a.resume.triggered.connect(self.resume)
        a.delete_saved_state.triggered.connect(self.delete_saved_state)
        a.reset_vm.triggered.connect(self.reset)
        a.clone.triggered.connect(self.clone)
        a.add_copies.triggered.connect(self.add_copies)
        a.turn_off_all.triggered.connect(self.turn_off_all)

    # -- the selection -----------------------------------------------------------------

    def targets(self, action: str) -> list[str]:
        """The selected VMs ``action`` (a key of :data:`~dmgui.qt.actions.ALLOWED`)
        makes sense for, top to bottom."""
        return [vm for vm in self.w.selected_vms()
                if allows(action, self.w.model.live(vm).state)]

    def _send(self, action: str, vms: list[str]) -> None:
        for vm in vms:
            self.commands._power(action, vm)

    def _ask(self, title: str, text: str) -> bool:
        return self.commands.confirm(title, text)  # tests replace confirm

    # -- power actions -------------------------------------------------------------------

    @Slot()
    def start(self) -> None:
        """Start the selected Off VMs and restore the Saved ones (no question)."""
        self._send("start", self.targets("start"))

    @Slot()
    def shut_down(self) -> None:
        """Shut down the selected running VMs' guests, after one question."""
        vms = self.targets("shutdown")
        title = "Shut Down Machine" if len(vms) == 1 else "Shut Down Machines"
        if vms and self._ask(title, SHUT_DOWN_TEXT.format(**_what(vms))):
            self._send("shutdown", vms)

    @Slot()
    def turn_off(self) -> None:
        """Turn off the selected VMs that are on (not Saved ones: Delete Saved State
        is their action), after one question."""
        vms = self.targets("turn_off")
        title = "Turn Off Machine" if len(vms) == 1 else "Turn Off Machines"
        if vms and self._ask(title, TURN_OFF_TEXT.format(**_what(vms))):
            self._send("turn_off", vms)

    @Slot()
    def save(self) -> None:
        """Save the selected running or paused VMs (no question, as Hyper-V Manager)."""
        self._send("save", self.targets("save"))

    @Slot()
    def pause(self) -> None:
        """Pause the selected running VMs."""
        self._send("pause", self.targets("pause"))

    @Slot()
    def resume(self) -> None:
        """Resume the selected paused VMs."""
        self._send("resume", self.targets("resume"))

    @Slot()
    def delete_saved_state(self) -> None:
        """Delete the saved state of the selected Saved VMs (they are then Off),
        after one question; the engine does it as a Turn Off."""
        vms = self.targets("delete_saved_state")
        if vms and self._ask(DELETE_SAVED_TITLE, DELETE_SAVED_TEXT.format(**_what(vms))):
            self._send("turn_off", vms)

    @Slot()
    def reset(self) -> None:
        """Hyper-V Manager's Reset, after one question: a hard reset of the selected
        VMs that hold memory (running, starting, stopping or paused).

        Simulated as Turn Off and Start at the same simulated second, so no guest
        shutdown takes time and no integration services are needed; the log shows
        "turn off" then "start". While the simulation runs it is paused around the
        commands, so no tick can fall between them (paused, the engine applies each
        at once at the current second). Every VM is turned off before any starts, so
        their memory is free for the starts. Each start is an ordinary one: if the
        VM's Startup RAM is not free it waits for memory to be ballooned out of
        others (or fails with Hyper-V's text) and does not use Smart Paging, which
        the engine keeps for a guest restart. The guest-initiated restart stays a
        scenario event ("restart").
        """
        vms = self.targets("reset")
        if not vms or not self._ask(RESET_TITLE, RESET_TEXT.format(**_what(vms))):
            return
        running = self.w.running
        if running:
            self.w.engine.pause_requested.emit()  # queued calls arrive in order
        self._send("turn_off", vms)
        self._send("start", vms)
        if running:
            self.w.engine.run_requested.emit()

    def vms_on(self) -> list[str]:
        """Every VM of the scenario that is not Off (Saved ones included)."""
        return [vm.name for vm in self.w.document.scenario.vms
                if self.w.model.live(vm.name).state != VmState.OFF]

    @Slot()
    def turn_off_all(self) -> bool:
        """Turn off every VM that is not Off, after one question; a Saved VM's saved
        state is deleted. True if the user agreed (the engine does it at once while
        paused, else at the next tick)."""
        vms = self.vms_on()
        if not vms or not self._ask(TURN_OFF_ALL_TITLE, TURN_OFF_ALL_TEXT.format(
                what=quoted_names(vms))):
            return False
        self._send("turn_off", vms)
        return True

    # -- copies ---------------------------------------------------------------------------

    @Slot()
    def clone(self) -> None:
        """Add one copy of the current VM (NAME-2, or the first free NAME-N); it is
        Off and selected."""
        vm = self.w.selected_vm()
        if vm:
            self.copy_vm(vm, 1)

    @Slot()
    def add_copies(self) -> None:
        """Ask how many copies of the current VM to add (window-modal, not blocking)."""
        vm = self.w.selected_vm()
        if not vm:
            return
        taken = {v.name for v in self.w.document.scenario.vms}
        dialog = AddCopiesDialog(vm, taken, lambda n: self.copy_vm(vm, n, quiet=False),
                                 self.w)
        if self.copies_dialog is not None:
            self.copies_dialog.deleteLater()  # one dialog kept at a time
        self.copies_dialog = dialog
        dialog.open()

    def copy_vm(self, vm: str, count: int, quiet: bool = True) -> list[str]:
        """Add ``count`` copies of ``vm`` (Off) to the document and the engine and
        select the first; the new names, or [] if the change was refused (shown in a
        message box; with ``quiet`` False a ValueError for the caller's dialog)."""
        added: list[str] = []

        def edit(document):
            scenario, names = document.add_copies(vm, count)
            added[:] = names
            return scenario

        if not self.commands._reconfigure(edit, quiet=quiet):
            return []
        self.w.select_vm(added[0])
        self.w.statusBar().showMessage(
            f"Added {quoted_names(added)}." if count <= 3
            else f"Added {count} copies of '{vm}' ({added[0]} to {added[-1]}).", 10000)
        return added
