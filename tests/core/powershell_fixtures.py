"""Files as Windows writes them, for the importer tests (and the CLI's): PowerShell's
``Get-VM`` / ``Get-VMMemory`` / ``Get-VMHost`` through ``ConvertTo-Json`` or
``Export-Csv``, and a Hyper-V 2008 R2-2012 R2 VM configuration XML.

The shapes follow spec §4.2-4.3 and §6.1 and the real files described in the
samples' README (property order, unmodelled properties, enums as numbers,
``TimeSpan`` objects, ``"\\/Date(ms)\\/"``, nested objects cut to type names at
``ConvertTo-Json``'s default ``-Depth 2``); every value is generated here.

Records hold .NET-like values (:class:`Enum`, :class:`TimeSpan`, :class:`DateTime`,
:class:`PsObject`, :class:`Collection`) so that each writer renders them as
PowerShell would: JSON gives enums as numbers and expands objects one level deep,
CSV gives everything's ``ToString()``.
"""

from __future__ import annotations

import codecs
import datetime
import json
import uuid
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

MB = 1024 * 1024
_CRLF = "\r\n"


@dataclass(frozen=True)
class Enum:
    """A .NET enum value: a number in JSON (a name with ``-EnumsAsStrings``), its
    name in CSV."""

    value: int
    name: str


@dataclass(frozen=True)
class TimeSpan:
    """A ``System.TimeSpan`` (100 ns ticks): an object of 11 numbers in JSON,
    ``[d.]hh:mm:ss[.fffffff]`` in CSV."""

    ticks: int


@dataclass(frozen=True)
class DateTime:
    """A ``System.DateTime``: ``"\\/Date(ms)\\/"`` in 5.1 JSON, ISO 8601 in PS 7,
    ``M/d/yyyy h:mm:ss tt`` (en-US) in CSV."""

    unix_ms: int


@dataclass(frozen=True)
class PsObject:
    """An object: expanded to its properties while within ``-Depth`` 2, its type
    name beyond it and in CSV."""

    type_name: str
    props: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Collection:
    """A .NET collection (``type_name`` is its ``ToString()``): a JSON list while
    within ``-Depth`` 2."""

    type_name: str
    items: tuple = ()


@dataclass
class Vm:
    """One VM's settings in the units PowerShell shows (MB only here; records are
    in bytes). ``extra`` replaces or adds raw properties, ``drop`` removes them."""

    name: str
    dynamic: bool = True
    startup_mb: int = 1024
    minimum_mb: int = 512
    maximum_mb: int = 1048576
    buffer: int = 20
    priority: int = 50
    state: int = 3  # VMState: 2 Running, 3 Off (spec §2.4)
    generation: int = 2
    host: str = "HV01"
    uptime_s: float = 0.0
    extra: dict = field(default_factory=dict)
    drop: tuple[str, ...] = ()

    @property
    def vm_id(self) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, "dmgui-test/" + self.name))


@dataclass
class Host:
    """A Hyper-V host as ``Get-VMHost`` shows it."""

    name: str = "HV01"
    memory_bytes: int = 34359738368  # MemoryCapacity
    logical_processors: int = 16
    extra: dict = field(default_factory=dict)
    drop: tuple[str, ...] = ()


STATE_NAMES = {2: "Running", 3: "Off", 4: "Stopping", 6: "Saved", 9: "Paused",
               10: "Starting", 32779: "FastSaved", 32783: "Hibernated",
               32785: "RunningCritical", 1: "Other"}
_NIL_GUID = "00000000-0000-0000-0000-000000000000"


def vm_record(vm: Vm) -> PsObject:
    """A ``Microsoft.HyperV.PowerShell.VirtualMachine`` with Get-VM's properties, in
    the order Windows PowerShell 5.1 writes them on a 2012 R2 host."""
    running = vm.state == 2
    adapters = Collection("System.Collections.Generic.List`1[Microsoft.HyperV."
                          "PowerShell.VMNetworkAdapter]",
                          (PsObject("Microsoft.HyperV.PowerShell.VMNetworkAdapter",
                                    {"Name": "Network Adapter"}),))
    props = {
        "Id": vm.vm_id, "Name": vm.name,
        "State": Enum(vm.state, STATE_NAMES.get(vm.state, str(vm.state))),
        "IntegrationServicesState": "",
        "OperationalStatus": Collection("Microsoft.HyperV.PowerShell.VMOperationalStatus[]",
                                        (Enum(2, "Ok"),)),
        "PrimaryOperationalStatus": Enum(2, "Ok"), "SecondaryOperationalStatus": None,
        "StatusDescriptions": Collection("System.String[]", ("Operating normally",)),
        "PrimaryStatusDescription": "Operating normally",
        "SecondaryStatusDescription": None, "Status": "Operating normally",
        "Heartbeat": Enum(2, "OkApplicationsUnknown") if running else None,
        "ReplicationState": Enum(0, "Disabled"), "ReplicationHealth": Enum(0, "NotApplicable"),
        "ReplicationMode": Enum(0, "None"), "CPUUsage": 3 if running else 0,
        "MemoryAssigned": vm.startup_mb * MB if running else 0,
        "MemoryDemand": vm.startup_mb * MB * 3 // 4 // MB * MB if running else 0,
        "MemoryStatus": "OK" if running and vm.dynamic else "",
        "SmartPagingFileInUse": False, "Uptime": TimeSpan(round(vm.uptime_s * 10**7)),
        "IntegrationServicesVersion": None, "ResourceMeteringEnabled": False,
        "ConfigurationLocation": "C:\\Hyper-V", "SnapshotFileLocation": "C:\\Hyper-V",
        "AutomaticStartAction": Enum(3, "StartIfRunning"),
        "AutomaticStopAction": Enum(3, "Save"), "AutomaticStartDelay": 0,
        "SmartPagingFilePath": "C:\\Hyper-V", "NumaAligned": None, "NumaNodesCount": 1,
        "NumaSocketCount": 1,
        "Key": PsObject("Microsoft.HyperV.PowerShell.VirtualMachineObjectKey",
                        {"Id": vm.vm_id}),
        "IsDeleted": False, "ComputerName": vm.host, "Version": "5.0", "Notes": "",
        "Generation": vm.generation, "Path": "C:\\Hyper-V",
        "CreationTime": DateTime(1488869314761), "IsClustered": False,
        "SizeOfSystemFiles": 46832, "ParentSnapshotId": None, "ParentSnapshotName": None,
        "MemoryStartup": vm.startup_mb * MB, "DynamicMemoryEnabled": vm.dynamic,
        "MemoryMinimum": vm.minimum_mb * MB, "MemoryMaximum": vm.maximum_mb * MB,
        "ProcessorCount": 2, "RemoteFxAdapter": None, "NetworkAdapters": adapters,
        "FibreChannelHostBusAdapters": "",
        "ComPort1": _com_port(vm, 1), "ComPort2": _com_port(vm, 2),
        "FloppyDrive": _floppy(vm) if vm.generation == 1 else None,
        "DVDDrives": Collection("System.Collections.Generic.List`1[Microsoft.HyperV."
                                "PowerShell.DvdDrive]",
                                (PsObject("Microsoft.HyperV.PowerShell.DvdDrive"),)),
        "HardDrives": Collection("System.Collections.Generic.List`1[Microsoft.HyperV."
                                 "PowerShell.HardDiskDrive]",
                                 (PsObject("Microsoft.HyperV.PowerShell.HardDiskDrive"),)),
        "VMIntegrationService": Collection(
            "System.Collections.Generic.List`1[Microsoft.HyperV.PowerShell."
            "VMIntegrationComponent]",
            tuple(PsObject(f"Microsoft.HyperV.PowerShell.{kind}") for kind in (
                "VMIntegrationComponent", "DataExchangeComponent", "ShutdownComponent",
                "GuestServiceInterfaceComponent"))),
        "VMName": vm.name, "VMId": vm.vm_id,
    }
    return PsObject("Microsoft.HyperV.PowerShell.VirtualMachine",
                    _adjust(props, vm.extra, vm.drop))


def vmmemory_record(vm: Vm) -> PsObject:
    """A ``Microsoft.HyperV.PowerShell.VMMemory`` (spec §4.2-4.3: bytes, Buffer in
    percent, Priority 0-100, MaximumPerNumaNode in MB)."""
    props = {
        "ResourcePoolName": "Primordial", "Buffer": vm.buffer,
        "DynamicMemoryEnabled": vm.dynamic, "Maximum": vm.maximum_mb * MB,
        "MaximumPerNumaNode": 12288, "Minimum": vm.minimum_mb * MB,
        "Priority": vm.priority, "Startup": vm.startup_mb * MB, "Name": "Memory",
        "Id": f"Microsoft:{vm.vm_id.upper()}\\4764334D-E001-4176-82EE-5594EC9B530E",
        "VMId": vm.vm_id, "VMName": vm.name, "VMCheckpointId": _NIL_GUID,
        "VMCheckpointName": None, "ComputerName": vm.host, "IsDeleted": False,
        "CimSession": PsObject("CimSession: .", {"ComputerName": None,
                                                 "InstanceId": vm.vm_id}),
        "Key": None,
    }
    return PsObject("Microsoft.HyperV.PowerShell.VMMemory", _adjust(props, vm.extra, vm.drop))


def vmhost_record(host: Host) -> PsObject:
    """A ``Microsoft.HyperV.PowerShell.VMHost`` (``MemoryCapacity`` in bytes)."""
    numa = PsObject("Microsoft.HyperV.PowerShell.VMHostNumaNode")
    props = {
        "VirtualHardDiskPath": "C:\\Hyper-V\\Virtual Hard Disks",
        "VirtualMachinePath": "C:\\Hyper-V", "FullyQualifiedDomainName": "example.com",
        "Name": host.name, "MacAddressMinimum": "00155D1FD200",
        "MacAddressMaximum": "00155D1FD2FF", "MaximumStorageMigrations": 2,
        "MaximumVirtualMachineMigrations": 2, "VirtualMachineMigrationEnabled": True,
        "VirtualMachineMigrationAuthenticationType": Enum(1, "Kerberos"),
        "VirtualMachineMigrationPerformanceOption": Enum(0, "TCPIP"),
        "UseAnyNetworkForMigration": True, "FibreChannelWwnn": "C003FF0000FFFF00",
        "LogicalProcessorCount": host.logical_processors,
        "MemoryCapacity": host.memory_bytes,
        "ResourceMeteringSaveInterval": TimeSpan(36000000000),
        "NumaSpanningEnabled": True, "EnableEnhancedSessionMode": False,
        "HostNumaStatus": Collection("Microsoft.HyperV.PowerShell.VMHostNumaNode[]",
                                     (numa, numa)),
        "NumaStatus": None, "IovSupport": False,
        "IovSupportReasons": Collection(
            "System.String[]", ("The chipset does not do interrupt remapping.",)),
        "ComputerName": host.name,
    }
    return PsObject("Microsoft.HyperV.PowerShell.VMHost",
                    _adjust(props, host.extra, host.drop))


def get_vm_json(vms: list[Vm], style: str = "ps51", single: bool = False,
                encoding: str = "utf-8", **options) -> bytes:
    """``Get-VM | ConvertTo-Json`` as a file (options: see :func:`to_json`)."""
    return _encode(to_json([vm_record(vm) for vm in vms], style, single, **options),
                   encoding)


def get_vmmemory_json(vms: list[Vm], style: str = "ps51", single: bool = False,
                      encoding: str = "utf-8", **options) -> bytes:
    """``Get-VMMemory * | ConvertTo-Json`` as a file."""
    return _encode(to_json([vmmemory_record(vm) for vm in vms], style, single, **options),
                   encoding)


def get_vmhost_json(hosts: list[Host], style: str = "ps51", single: bool = True,
                    encoding: str = "utf-8", **options) -> bytes:
    """``Get-VMHost | ConvertTo-Json`` as a file (one host: a single object)."""
    return _encode(to_json([vmhost_record(host) for host in hosts], style, single,
                           **options), encoding)


def to_json(records: list[PsObject], style: str = "ps51", single: bool = False,
            enums_as_strings: bool = False, value_wrapper: bool = False) -> str:
    """``ConvertTo-Json`` text of ``records``, ended by CRLF as ``Out-File`` writes it.

    ``style``: ``"ps51"`` (Windows PowerShell 5.1: 4-space indent, two spaces after
    each colon, nested values aligned under their opening bracket, HTML characters
    escaped), ``"compress"`` (5.1 ``-Compress``), ``"ps7"`` (2-space indent, ISO
    dates, ``1.0`` for whole doubles) or ``"ps7-compress"``. ``single``: write the
    one record as a bare object (a pipeline of one), not a list.
    ``enums_as_strings``: PS 7's ``-EnumsAsStrings``. ``value_wrapper``: 5.1's
    ``{"value": [...], "Count": n}`` for an array with extended properties.
    """
    ps7 = style.startswith("ps7")
    tree: object = [_plain(record, 0, ps7, enums_as_strings) for record in records]
    if single:
        assert len(records) == 1, "single=True writes exactly one record"
        tree = tree[0]
    elif value_wrapper:
        tree = {"value": tree, "Count": len(records)}
    if style in ("compress", "ps7-compress"):
        text = _compact(tree, ps7)
    elif style == "ps51":
        text = _pretty51(tree, 0)
    elif style == "ps7":
        text = _pretty7(tree, 0)
    else:
        raise ValueError(f"unknown style {style!r}")
    return text + _CRLF


def export_csv(records: list[PsObject], with_type_line: bool = True,
               encoding: str = "ascii", delimiter: str = ",") -> bytes:
    """``Export-Csv`` of ``records``: the ``#TYPE`` line (5.1's default; PS 7's
    ``-IncludeTypeInformation``), a header from the first record's properties, every
    value quoted, ``$null`` as an empty unquoted cell, CRLF lines. ``encoding``:
    5.1 writes ASCII (non-ASCII becomes ``?``), PS 7 ``"utf-8"``; ``delimiter``:
    ``";"`` for ``-UseCulture`` in many European locales."""
    header = list(records[0].props)
    lines = [f"#TYPE {records[0].type_name}"] if with_type_line else []
    lines.append(delimiter.join(_quote(name) for name in header))
    for record in records:
        values = (record.props.get(name) for name in header)
        lines.append(delimiter.join("" if value is None else _quote(_to_string(value))
                                    for value in values))
    return _encode(_CRLF.join(lines) + _CRLF, encoding)


def vm_config_xml(name: str, dynamic: bool = False, startup_mb: int = 1024,
                  minimum_mb: int = 512, maximum_mb: int = 1048576, priority: int = 5000,
                  buffer: int = 20, generation: int = 1, encoding: str = "utf-16",
                  bank: dict[str, tuple[str, str] | None] | None = None,
                  doctype: str = "") -> bytes:
    """A 2012 R2 ``Virtual Machines\\<GUID>.xml`` (spec §6.1, the real sample's
    layout): device sections, ``properties`` with the name and ``subtype``
    (generation - 1), ``settings/memory/bank`` in MB / percent / weight.

    ``bank`` replaces bank elements by name with ``(type, text)`` or removes them
    (``None``); ``doctype`` is inserted after the XML declaration (for the entity
    tests). ``encoding``: ``"utf-16"`` (with BOM, as Hyper-V writes) or ``"utf-8"``.
    """
    elements: dict[str, tuple[str, str] | None] = {
        "dynamic_memory_enabled": ("bool", str(dynamic)),
        "limit": ("integer", str(maximum_mb)), "priority": ("integer", str(priority)),
        "reservation": ("integer", str(minimum_mb)), "size": ("integer", str(startup_mb)),
        "target_memory_buffer": ("integer", str(buffer)),
    }
    elements.update(bank or {})
    bank_xml = "".join(f'        <{tag} type="{kind}">{escape(text)}</{tag}>\n'
                       for tag, item in elements.items() if item for kind, text in [item])
    guid = str(uuid.uuid5(uuid.NAMESPACE_URL, "dmgui-test/" + name)).upper()
    label = {"utf-16": "UTF-16"}.get(encoding, encoding.upper())
    text = _CONFIG_TEMPLATE.format(
        declaration=f'<?xml version="1.0" encoding="{label}" standalone="yes"?>',
        doctype=doctype, name=escape(name), subtype=generation - 1, guid=guid,
        bank=bank_xml).replace("\n", _CRLF)
    return _encode(text, encoding)


_CONFIG_TEMPLATE = """{declaration}
{doctype}<configuration>
  <_2497f4de-e9fa-4204-80e4-4b75c46419c0_>
    <VDEVVersion type="integer">256</VDEVVersion>
  </_2497f4de-e9fa-4204-80e4-4b75c46419c0_>
  <_83f8638b-8dca-4152-9eda-2ca8b33039b4_>
    <VDEVVersion type="integer">1280</VDEVVersion>
    <controller0>
      <drive0>
        <pathname type="string">D:\\VMs\\{name}\\disk.vhdx</pathname>
        <type type="string">VHD</type>
        <weight type="integer">100</weight>
      </drive0>
    </controller0>
  </_83f8638b-8dca-4152-9eda-2ca8b33039b4_>
  <global_settings>
    <devices>
      <generation_id type="string">fd66d6917bb7cdbf9a906875a3cf499b</generation_id>
    </devices>
    <snapshots>
      <list>
        <size type="integer">0</size>
      </list>
    </snapshots>
  </global_settings>
  <manifest>
    <size type="integer">1</size>
    <vdev001>
      <device type="string">58f75a6d-d949-4320-99e1-a2a2576d581c</device>
      <name type="string">Microsoft Synthetic Mouse</name>
    </vdev001>
    <version type="integer">260</version>
  </manifest>
  <properties>
    <creation_time type="bytes">j3iz2977zwE=
</creation_time>
    <global_id type="string">{guid}</global_id>
    <highly_available type="bool">False</highly_available>
    <last_powered_off_time type="integer">130599959406707888</last_powered_off_time>
    <name type="string">{name}</name>
    <notes type="string"></notes>
    <subtype type="integer">{subtype}</subtype>
    <type_id type="string">Virtual Machines</type_id>
    <version type="integer">1280</version>
  </properties>
  <settings>
    <global>
      <logical_id type="string">{guid}</logical_id>
    </global>
    <memory>
      <bank>
{bank}      </bank>
      <vnuma>
        <max_size_per_node type="integer">6610</max_size_per_node>
      </vnuma>
    </memory>
    <processors>
      <count type="integer">1</count>
      <limit type="integer">100000</limit>
      <reservation type="integer">0</reservation>
      <weight type="integer">100</weight>
    </processors>
  </settings>
</configuration>
"""


def _adjust(props: dict, extra: dict, drop: tuple[str, ...]) -> dict:
    props = {**props, **extra}
    return {key: value for key, value in props.items() if key not in drop}


def _com_port(vm: Vm, number: int) -> PsObject:
    return PsObject("Microsoft.HyperV.PowerShell.VMComPort", {
        "Path": "", "ComputerName": vm.host, "Name": f"COM{number}",
        "Id": f"Microsoft:{vm.vm_id.upper()}\\8E3A359F-559A-4B6A-98A9-1690A6100ED7"
              f"\\{number - 1}",
        "IsDeleted": False, "VMId": vm.vm_id, "VMName": vm.name,
        "VMSnapshotId": _NIL_GUID, "VMSnapshotName": None,
        "Key": PsObject("Microsoft.HyperV.PowerShell.VMDeviceObjectKey")})


def _floppy(vm: Vm) -> PsObject:
    return PsObject("Microsoft.HyperV.PowerShell.VMFloppyDiskDrive", {
        "PoolName": None, "Path": None, "Disk": None, "ComputerName": vm.host.lower(),
        "Name": "DisketteDrive", "IsDeleted": False, "VMId": vm.vm_id, "VMName": vm.name})


def _plain(value: object, depth: int, ps7: bool, enums_as_strings: bool) -> object:
    """``value`` as ConvertTo-Json sees it at ``depth`` (the top record is 0):
    objects and collections deeper than 1 become their ``ToString()``."""
    if isinstance(value, Enum):
        return value.name if enums_as_strings else value.value
    if isinstance(value, DateTime):
        return _iso(value) if ps7 else _Raw(f'"\\/Date({value.unix_ms})\\/"')
    if isinstance(value, TimeSpan):
        if depth > 1:
            return _to_string(value)
        value = PsObject("System.TimeSpan", _timespan_props(value.ticks))
    if isinstance(value, PsObject):
        if depth > 1:
            return value.type_name
        return {key: _plain(item, depth + 1, ps7, enums_as_strings)
                for key, item in value.props.items()}
    if isinstance(value, Collection):
        if depth > 1:
            return value.type_name
        return [_plain(item, depth + 1, ps7, enums_as_strings) for item in value.items]
    return value


class _Raw(str):
    """JSON text written as is (5.1's ``"\\/Date(…)\\/"``)."""


def _timespan_props(ticks: int) -> dict:
    seconds, rest = divmod(ticks, 10**7)
    minutes, secs = divmod(seconds, 60)
    hours, mins = divmod(minutes, 60)
    days, hrs = divmod(hours, 24)
    return {"Ticks": ticks, "Days": days, "Hours": hrs, "Milliseconds": rest // 10**4,
            "Minutes": mins, "Seconds": secs, "TotalDays": ticks / 864e9,
            "TotalHours": ticks / 36e9, "TotalMilliseconds": ticks / 1e4,
            "TotalMinutes": ticks / 6e8, "TotalSeconds": ticks / 1e7}


def _scalar(value: object, ps7: bool) -> str:
    if isinstance(value, _Raw):
        return str(value)
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, float):
        # JavaScriptSerializer writes a whole double as an integer; Json.NET as 1.0.
        return repr(value) if ps7 or not value.is_integer() else str(int(value))
    if isinstance(value, int):
        return str(value)
    text = json.dumps(str(value), ensure_ascii=False)
    if not ps7:  # JavaScriptSerializer escapes HTML-significant characters
        for ch in "'<>&":
            text = text.replace(ch, f"\\u{ord(ch):04x}")
    return text


def _compact(value: object, ps7: bool) -> str:
    if isinstance(value, dict):
        return "{" + ",".join(f"{_scalar(k, ps7)}:{_compact(v, ps7)}"
                              for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_compact(v, ps7) for v in value) + "]"
    return _scalar(value, ps7)


def _pretty51(value: object, column: int) -> str:
    """5.1's own pretty printer: contents 4 columns right of the opening bracket,
    the closing bracket under it, ``"key":  value`` (empty: a blank line inside)."""
    inner = " " * (column + 4)
    if isinstance(value, dict):
        parts = []
        for key, item in value.items():
            head = inner + _scalar(key, False) + ":  "
            parts.append(head + (_pretty51(item, len(head))
                                 if isinstance(item, (dict, list)) else _scalar(item, False)))
        opening, closing = "{", "}"
    elif isinstance(value, list):
        parts = [inner + (_pretty51(item, len(inner)) if isinstance(item, (dict, list))
                          else _scalar(item, False)) for item in value]
        opening, closing = "[", "]"
    else:
        return _scalar(value, False)
    return opening + _CRLF + ("," + _CRLF).join(parts) + _CRLF + " " * column + closing


def _pretty7(value: object, level: int) -> str:
    """Json.NET's indented format: two spaces a level, ``"key": value``."""
    pad = "  " * (level + 1)
    if isinstance(value, dict) and value:
        parts = [f"{pad}{_scalar(k, True)}: {_pretty7(v, level + 1)}"
                 for k, v in value.items()]
        return "{" + _CRLF + ("," + _CRLF).join(parts) + _CRLF + "  " * level + "}"
    if isinstance(value, list) and value:
        parts = [pad + _pretty7(v, level + 1) for v in value]
        return "[" + _CRLF + ("," + _CRLF).join(parts) + _CRLF + "  " * level + "]"
    if isinstance(value, (dict, list)):
        return "{}" if isinstance(value, dict) else "[]"
    return _scalar(value, True)


def _iso(value: DateTime) -> str:
    moment = datetime.datetime.fromtimestamp(value.unix_ms / 1000, datetime.timezone.utc)
    return moment.isoformat(timespec="milliseconds")


def _to_string(value: object) -> str:
    """.NET ``ToString()`` as Export-Csv writes it (en-US culture)."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, TimeSpan):
        seconds, rest = divmod(value.ticks, 10**7)
        days, seconds = divmod(seconds, 86400)
        text = f"{seconds // 3600:02}:{seconds // 60 % 60:02}:{seconds % 60:02}"
        return (f"{days}." if days else "") + text + (f".{rest:07}" if rest else "")
    if isinstance(value, DateTime):
        moment = datetime.datetime.fromtimestamp(value.unix_ms / 1000, datetime.timezone.utc)
        hour = moment.hour % 12 or 12
        return (f"{moment.month}/{moment.day}/{moment.year} {hour}:{moment.minute:02}:"
                f"{moment.second:02} {'AM' if moment.hour < 12 else 'PM'}")
    if isinstance(value, (PsObject, Collection)):
        return value.type_name
    return str(value)


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _encode(text: str, encoding: str) -> bytes:
    """Bytes as PowerShell writes them: ``"utf-16"`` is Out-File's UTF-16LE with a
    BOM, ``"ascii"`` replaces what it cannot write with ``?``."""
    if encoding == "utf-16":
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    return text.encode(encoding, errors="replace" if encoding == "ascii" else "strict")
