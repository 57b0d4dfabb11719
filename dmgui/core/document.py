"""An open scenario being edited: the scenario, its file and whether it has unsaved edits."""

from __future__ import annotations

import os
from pathlib import Path

from dmgui.core.files import FileId
from dmgui.core.model.memory import MemorySettings
from dmgui.core.model.names import copy_names
from dmgui.core.model.scenario import (
    Host,
    Scenario,
    VirtualMachine,
    parse_scenario,
    read_scenario,
    save_scenario,
)
from dmgui.core.resources import shipped_sample


class ScenarioDocument:
    """Holds the scenario a window shows and edits.

    Every edit builds a new, fully validated :class:`Scenario` (they are frozen), so
    a refused edit (``ScenarioError``/``ValueError``) leaves the document unchanged.
    """

    def __init__(self, scenario: Scenario, path: Path | None = None,
                 file_id: FileId | None = None) -> None:
        self.scenario = scenario
        self.path = Path(path) if path else None
        self.dirty = False
        #: The identity of the file it was read from (scripted outputs must differ).
        self.file_id = file_id
        #: The shipped sample this document is an untitled copy of (see
        #: :meth:`open_for_editing`); None for any other document.
        self.sample: Path | None = None

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> ScenarioDocument:
        """Load ``path``; raises ScenarioError with a one-line message."""
        scenario, file_id = read_scenario(path)
        return cls(scenario, Path(path), file_id)

    @classmethod
    def open_for_editing(cls, path: str | os.PathLike[str]) -> ScenarioDocument:
        """Load ``path`` as :meth:`open` does; a shipped sample (the same file, however
        it is named) opens as an untitled copy: no :attr:`path`, so Save asks where and
        never writes over the sample, and :attr:`sample` names it."""
        document = cls.open(path)
        sample = shipped_sample(path)
        if sample is not None:
            document.path = None
            document.sample = sample
        return document

    @property
    def display_name(self) -> str:
        """The scenario's name for the title bar (marked when a sample's copy)."""
        if self.sample is not None and self.path is None:
            return f"{self.scenario.name} (copy of sample)"
        return self.scenario.name

    def save(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Save atomically to ``path`` (or the current file) and mark clean."""
        target = Path(path) if path else self.path
        if target is None:
            raise ValueError("no file name to save to")
        save_scenario(self.scenario, target)
        self.path = target
        self.sample = None  # saved: its own file now
        self.dirty = False
        return target

    def _replace(self, **changes: object) -> Scenario:
        data = self.scenario.model_dump()
        data.update(changes)
        self.scenario = parse_scenario(data, "The change")
        self.dirty = True
        return self.scenario

    def vm(self, name: str) -> VirtualMachine:
        """The VM called ``name`` (KeyError if none)."""
        return self.scenario.vms[self.scenario.vm_index(name)]

    def set_memory(self, name: str, settings: MemorySettings) -> Scenario:
        """Replace a VM's memory settings (already validated by the caller's rules)."""
        vms = [vm.model_dump() for vm in self.scenario.vms]
        vms[self.scenario.vm_index(name)]["memory"] = settings.model_dump()
        return self._replace(vms=vms)

    def add_vm(self, vm: VirtualMachine) -> Scenario:
        """Append a new VM; its name must be unique."""
        if any(v.name == vm.name for v in self.scenario.vms):
            raise ValueError(f"A virtual machine named '{vm.name}' already exists.")
        return self._replace(vms=[v.model_dump() for v in self.scenario.vms]
                             + [vm.model_dump()])

    def delete_vm(self, name: str) -> Scenario:
        """Remove a VM and its scheduled events."""
        vms = [v.model_dump() for v in self.scenario.vms if v.name != name]
        events = [e.model_dump() for e in self.scenario.events if e.vm != name]
        return self._replace(vms=vms, events=events)

    def set_host(self, host: Host) -> Scenario:
        """Replace the host settings (every VM must still be valid for its version).

        On a version without a separate Minimum (2008 R2 SP1) each VM's Minimum is
        its Startup RAM, as Hyper-V Manager sets it there (spec §1.2); so a VM made
        on such a host keeps Minimum = Startup when the host moves to a later
        version, and the comparison stays like for like (issue 8 §2.4).
        """
        vms = [vm.model_dump() for vm in self.scenario.vms]
        old = self.scenario.host.version
        if not (host.version.separate_minimum and old.separate_minimum):
            for vm in vms:
                vm["memory"]["minimum_mb"] = vm["memory"]["startup_mb"]
        return self._replace(host=host.model_dump(), vms=vms)

    def update_vm(self, name: str, /, **fields: object) -> Scenario:
        """Replace some of a VM's fields (``workload``, ``autostart``, ``guest_os``...);
        values may be models or their dumps. The name cannot change here."""
        if "name" in fields:
            raise ValueError("update_vm does not rename a virtual machine")
        vms = [vm.model_dump() for vm in self.scenario.vms]
        i = self.scenario.vm_index(name)
        for key, value in fields.items():
            vms[i][key] = value.model_dump() if hasattr(value, "model_dump") else value
        return self._replace(vms=vms)

    def add_copies(self, name: str, count: int) -> tuple[Scenario, list[str]]:
        """Append ``count`` copies of VM ``name`` (settings, workload, start action
        and guest), named ``NAME-2``, ``NAME-3``... (the first free ones); its
        scheduled events are not copied. Returns the scenario and the new names."""
        if count < 1:
            raise ValueError("The number of copies must be at least 1.")
        template = self.vm(name).model_dump()
        new_names = copy_names(name, count, {vm.name for vm in self.scenario.vms})
        copies = [dict(template, name=new) for new in new_names]
        scenario = self._replace(vms=[vm.model_dump() for vm in self.scenario.vms] + copies)
        return scenario, new_names

    def rename(self, name: str) -> Scenario:
        """Set the scenario's name (shown in the title bar and saved in the file)."""
        return self._replace(name=name)

    def unique_vm_name(self, base: str = "New Virtual Machine") -> str:
        """``base``, or ``base (2)``, ``base (3)``... whichever is free."""
        taken = {vm.name for vm in self.scenario.vms}
        if base not in taken:
            return base
        n = 2
        while f"{base} ({n})" in taken:
            n += 1
        return f"{base} ({n})"
