"""Reading a host's inventory as PowerShell writes it (issue 10 §1): ``Get-VM``,
``Get-VMMemory`` and ``Get-VMHost`` through ``ConvertTo-Json`` or ``Export-Csv``.

Accepted, as Windows writes them (spec §4.2-4.3):

* JSON from Windows PowerShell 5.1 (pretty-printed, or ``-Compress``) and
  PowerShell 7; a list of objects, one object (a pipeline of one VM is not a
  list), or 5.1's ``{"value": [...], "Count": n}`` wrapper; ``"\\/Date(…)\\/"``
  values, ``TimeSpan`` objects and nested objects cut to type names are ignored
  like every property dmgui does not model.
* CSV from ``Export-Csv`` / ``ConvertTo-Csv``, with or without the ``#TYPE`` line,
  every cell quoted or not, ``True``/``False`` booleans, enums by name, an empty
  cell for ``$null``, and a ``;`` or tab delimiter (``-UseCulture``).
* UTF-8 with or without a BOM, UTF-16 (``Out-File`` in 5.1), ASCII (``Export-Csv``
  in 5.1): :func:`~dmgui.core.formats.text.decode_text`.

Each object is recognised by its properties: ``MemoryStartup`` (Get-VM),
``Startup`` (Get-VMMemory), ``MemoryCapacity`` (Get-VMHost); property names are
compared case-insensitively, as PowerShell does. Records of one VM name (compared
case-insensitively) in one file are merged, so ``@(Get-VM; Get-VMMemory *)``
gives one VM; merging across files is :mod:`dmgui.core.formats.combine`'s job.

Decisions:

* Bytes become MB by exact division by 1048576. Hyper-V keeps VM memory in whole
  MB (WMI's ``VirtualQuantity``/``Reservation``/``Limit`` are MB), so a VM value
  that is not a whole MB was edited by hand: that VM is a problem, not rounded.
  The host's ``MemoryCapacity`` is physical RAM and rarely whole MB: it is rounded
  down (the part MB is not there to give).
* ``Priority`` (0-100) becomes Hyper-V's weight, Priority × 100 (spec §4.1).
* ``State``, a number or a name (spec §2.4), becomes ``running``: True for states
  in which the VM holds its memory (Running, Starting, Stopping, Paused, Saving,
  Resuming... and their Critical variants), False for Off, Saved, FastSaved and
  Hibernated (and Critical variants), None for Other and ComponentServicing.
* The strict JSON decoder (:mod:`dmgui.core.strict_json`) is used: PowerShell
  never writes ``NaN`` bare (a NaN double becomes the string ``"NaN"``) and never
  writes one key twice (PowerShell property names are unique case-insensitively).
* A record whose name or startup memory is missing, or with any modelled field
  present but unreadable, is left out and named in ``Inventory.problems``; the
  rest import. Nothing is checked against Hyper-V's rules here (the merge does).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import fields

from dmgui.core.formats.imported import ImportedHost, ImportedVm, Inventory
from dmgui.core.formats.text import ImportProblem, decode_text
from dmgui.core.model.names import one_line
from dmgui.core.strict_json import JsonProblem, decode_json

MB = 1024 * 1024
_INT64_MAX = 2**63 - 1
_INTEGER = re.compile(r"\s*[+-]?\d{1,19}\s*")

# Microsoft.HyperV.PowerShell.VMState (spec §2.4). The names of the Critical
# variants follow the enum's order (32785..32796) [INF].
_STATES: dict[int, tuple[str, bool | None]] = {
    1: ("Other", None), 2: ("Running", True), 3: ("Off", False), 4: ("Stopping", True),
    6: ("Saved", False), 9: ("Paused", True), 10: ("Starting", True), 11: ("Reset", True),
    32773: ("Saving", True), 32776: ("Pausing", True), 32777: ("Resuming", True),
    32779: ("FastSaved", False), 32780: ("FastSaving", True),
    32781: ("ForceShutdown", True), 32782: ("ForceReboot", True),
    32783: ("Hibernated", False), 32784: ("ComponentServicing", None),
    32785: ("RunningCritical", True), 32786: ("OffCritical", False),
    32787: ("StoppingCritical", True), 32788: ("SavedCritical", False),
    32789: ("PausedCritical", True), 32790: ("StartingCritical", True),
    32791: ("ResetCritical", True), 32792: ("SavingCritical", True),
    32793: ("PausingCritical", True), 32794: ("ResumingCritical", True),
    32795: ("FastSavedCritical", False), 32796: ("FastSavingCritical", True),
}
_STATE_NAMES = {name.casefold(): running for name, running in _STATES.values()}

# The property that tells which cmdlet wrote a record, in the order they are tried.
_KINDS = (("memorycapacity", "Get-VMHost"), ("memorystartup", "Get-VM"),
          ("startup", "Get-VMMemory"))


class _BadRecord(ValueError):
    """A record that cannot be imported; the message says why."""


def looks_like_inventory(text: str) -> bool:
    """Whether ``text`` looks like PowerShell inventory output (a cheap sniff for
    format detection: the JSON or CSV shape and a property only Get-VM,
    Get-VMMemory or Get-VMHost has)."""
    body = text.lstrip("\ufeff \t\r\n")
    if body.startswith(("[", "{")):
        return ('"MemoryStartup"' in body or '"MemoryCapacity"' in body
                or ('"Startup"' in body and '"VMName"' in body))
    first = body.split("\n", 1)[0].strip()
    if first.startswith("#TYPE "):
        return True
    names = {cell.strip().strip('"').casefold() for cell in re.split(r"[,;\t]", first)}
    return bool(names & {"memorystartup", "memorycapacity"}
                or {"startup", "vmname"} <= names)


def read_inventory(data: bytes, source: str) -> Inventory:
    """The VMs and host in one PowerShell JSON or CSV file.

    Raises :class:`~dmgui.core.formats.text.ImportProblem` (one line naming
    ``source``) when the file is not such output at all; records that cannot be
    imported are listed in the result's ``problems``.
    """
    text = decode_text(data, source).lstrip("\ufeff")
    if not text.strip():
        raise ImportProblem(f"{source}: the file is empty")
    inventory = Inventory(source=source)
    if text.lstrip()[:1] in ("[", "{"):
        records = _json_records(text, source, inventory.problems)
    else:
        records = _csv_records(text, source, inventory.problems)
    kinds = [(label, _kind(record), record) for label, record in records]
    if not any(kind for _, kind, _ in kinds):
        raise ImportProblem(f"{source}: no Get-VM, Get-VMMemory or Get-VMHost "
                            "records (none has MemoryStartup, Startup or MemoryCapacity)")
    _Merger(inventory).add_all(kinds)
    return inventory


def _json_records(text: str, source: str,
                  problems: list[str]) -> list[tuple[str, dict[str, object]]]:
    try:
        value = decode_json(text.encode("utf-8"))
    except (JsonProblem, UnicodeEncodeError) as err:
        raise ImportProblem(f"{source}: {err}") from None
    if isinstance(value, dict) and _is_value_count_wrapper(value):
        value = next(v for k, v in value.items() if k.casefold() == "value")
    items = value if isinstance(value, list) else [value]
    records = []
    for number, item in enumerate(items, 1):
        if isinstance(item, dict):
            records.append((f"{source} record {number}", item))
        else:
            problems.append(f"{source} record {number}: not an object but "
                            f"{_show(item)}")
    return records


def _is_value_count_wrapper(value: dict[str, object]) -> bool:
    """Windows PowerShell 5.1 writes an array that carries extended properties as
    ``{"value": [...], "Count": n}``."""
    keys = {key.casefold(): item for key, item in value.items()}
    return keys.keys() == {"value", "count"} and isinstance(keys["value"], list)


def _csv_records(text: str, source: str,
                 problems: list[str]) -> list[tuple[str, dict[str, object]]]:
    lines = text.splitlines(keepends=True)
    skipped = 0
    while skipped < len(lines) and (not lines[skipped].strip()
                                    or lines[skipped].startswith("#TYPE")):
        skipped += 1
    body = "".join(lines[skipped:])
    reader = csv.reader(io.StringIO(body, newline=""), strict=True,
                        delimiter=_delimiter(lines[skipped] if skipped < len(lines) else ""))
    records = []
    try:
        header = next(reader, [])
        if not any(cell.strip().casefold() in ("memorystartup", "startup", "memorycapacity")
                   for cell in header):
            raise ImportProblem(f"{source}: not PowerShell inventory (neither ConvertTo-Json "
                                "nor Export-Csv output of Get-VM, Get-VMMemory or Get-VMHost)")
        for row in reader:
            label = f"{source} line {reader.line_num + skipped}"
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                problems.append(f"{label}: {len(row)} cells, but the header has "
                                f"{len(header)}")
                continue
            records.append((label, {name.strip(): (cell if cell != "" else None)
                                    for name, cell in zip(header, row)}))
    except csv.Error as err:
        raise ImportProblem(f"{source} line {reader.line_num + skipped}: not valid CSV "
                            f"({err})") from None
    return records


def _delimiter(header: str) -> str:
    """``,``, or the ``;`` / tab ``Export-Csv -UseCulture`` writes in some locales."""
    if header.startswith('"'):
        end = header.find('"', 1)
        after = header[end + 1:end + 2] if end > 0 else ""
        return after if after in (";", "\t", "|") else ","
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _kind(record: dict[str, object]) -> str | None:
    keys = {key.casefold() for key in record}
    return next((kind for key, kind in _KINDS if key in keys), None)


class _Merger:
    """Turns recognised records into the inventory, one ImportedVm per VM name."""

    def __init__(self, inventory: Inventory) -> None:
        self.inventory = inventory
        self.vms: dict[str, tuple[ImportedVm, dict[str, str]]] = {}  # name -> vm, kind->label
        self.refused: set[str] = set()
        self.host_label = ""

    def add_all(self, kinds: list[tuple[str, str | None, dict[str, object]]]) -> None:
        problems = self.inventory.problems
        for label, kind, record in kinds:
            try:
                props = _Props(record)
                if kind is None:
                    raise _BadRecord("not a Get-VM, Get-VMMemory or Get-VMHost object")
                if kind == "Get-VMHost":
                    self._add_host(label, props)
                else:
                    self._add_vm(label, kind, _read_vm(kind, props, label))
            except _BadRecord as err:
                problems.append(f"{label}: {err}")
        self.inventory.vms = [vm for key, (vm, _) in self.vms.items()
                              if key not in self.refused]

    def _add_host(self, label: str, props: _Props) -> None:
        name = props.get("Name", _text) or props.get("ComputerName", _text)
        capacity = props.get("MemoryCapacity", _integer)
        if capacity is None or capacity < 0:
            raise _BadRecord(f"host {_show(name)}: MemoryCapacity is "
                             f"{'missing' if capacity is None else 'negative'}")
        if self.inventory.host is not None:
            raise _BadRecord(f"a second Get-VMHost record (host {_show(name)}); only the "
                             f"first ({self.host_label}) was imported")
        self.host_label = label
        self.inventory.host = ImportedHost(source=label, name=name,
                                           memory_mb=capacity // MB)

    def _add_vm(self, label: str, kind: str, vm: ImportedVm) -> None:
        key = vm.name.casefold()
        if key not in self.vms:
            self.vms[key] = (vm, {kind: label})
            return
        first, labels = self.vms[key]
        if kind in labels:
            raise _BadRecord(f"VM {_show(vm.name)} has a second {kind} record; only the "
                             f"first ({labels[kind]}) was imported (dmgui needs unique names)")
        labels[kind] = label
        first.source = f"{first.source} + {label.removeprefix(self.inventory.source + ' ')}"
        for item in fields(ImportedVm):
            mine, theirs = getattr(first, item.name), getattr(vm, item.name)
            if item.name in ("name", "source") or theirs is None:
                continue
            if mine is not None and mine != theirs:
                self.refused.add(key)
                other = next(k for k in labels if k != kind)
                raise _BadRecord(f"VM {_show(vm.name)} not imported: its {kind} record "
                                 f"gives {item.name} {theirs}, its {other} record {mine}")
            setattr(first, item.name, theirs)


def _read_vm(kind: str, props: _Props, label: str) -> ImportedVm:
    """One VM from a Get-VM or Get-VMMemory record (property names by spec §4.2)."""
    vm_kind = kind == "Get-VM"
    name = props.get("Name", _text) if vm_kind else None
    name = name or props.get("VMName", _text)
    if not name:
        raise _BadRecord(f"a {kind} record without a VM name")
    prefix = "Memory" if vm_kind else ""
    try:
        startup = props.get(prefix + "Startup", _mb)
        if startup is None:
            raise _BadRecord(f"{prefix}Startup is missing")
        vm = ImportedVm(name=name, source=label, startup_mb=startup,
                        dynamic_memory_enabled=props.get("DynamicMemoryEnabled", _bool),
                        minimum_mb=props.get(prefix + "Minimum", _mb),
                        maximum_mb=props.get(prefix + "Maximum", _mb))
        if vm_kind:
            vm.running = props.get("State", _running)
            vm.generation = props.get("Generation", _generation)
        else:
            vm.buffer_percent = props.get("Buffer", _integer)
            priority = props.get("Priority", _integer)
            vm.weight = None if priority is None else priority * 100
    except _BadRecord as err:
        raise _BadRecord(f"VM {_show(name)}: {err}") from None
    return vm


class _Props:
    """A record's properties, looked up case-insensitively as PowerShell does."""

    def __init__(self, record: dict[str, object]) -> None:
        self._values: dict[str, object] = {}
        for key, value in record.items():
            folded = key.casefold()
            if folded in self._values:
                raise _BadRecord(f"the property {_show(key)} is given twice "
                                 "(names differing only in case)")
            self._values[folded] = value

    def get(self, name: str, convert: Callable[[object], object]):
        """The converted value of ``name``; None if absent or null."""
        value = self._values.get(name.casefold())
        if value is None:
            return None
        try:
            return convert(value)
        except _BadRecord as err:
            raise _BadRecord(f"{name} {_show(value)} {err}") from None


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise _BadRecord("is not text")
    return value


def _integer(value: object) -> int:
    if isinstance(value, bool):
        raise _BadRecord("is not a whole number")
    if isinstance(value, str) and _INTEGER.fullmatch(value):
        value = int(value)
    if not isinstance(value, int):
        raise _BadRecord("is not a whole number")
    if abs(value) > _INT64_MAX:
        raise _BadRecord("is out of range")
    return value


def _mb(value: object) -> int:
    number = _integer(value)
    if number < 0:
        raise _BadRecord("is negative")
    if number % MB:
        raise _BadRecord("bytes is not a whole number of MB (Hyper-V sets memory in MB)")
    return number // MB


def _bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().casefold() in ("true", "false"):
        return value.strip().casefold() == "true"
    raise _BadRecord("is not True or False")


def _running(value: object) -> bool | None:
    if isinstance(value, str) and value.strip().casefold() in _STATE_NAMES:
        return _STATE_NAMES[value.strip().casefold()]
    try:
        return _STATES[_integer(value)][1]
    except (_BadRecord, KeyError):
        raise _BadRecord("is not a Hyper-V VM state") from None


def _generation(value: object) -> int:
    generation = _integer(value)
    if generation not in (1, 2):
        raise _BadRecord("is not 1 or 2")
    return generation


def _show(value: object) -> str:
    """A value quoted for a one-line message, cut to 60 characters."""
    if isinstance(value, (dict, list)):
        return "an object" if isinstance(value, dict) else "a list"
    text = json.dumps(value, ensure_ascii=False)
    return one_line(text if len(text) <= 60 else text[:57] + "...")
