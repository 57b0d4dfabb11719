"""PowerShell inventory import (issue 10 §1): Get-VM, Get-VMMemory and Get-VMHost
through ConvertTo-Json (5.1, 5.1 -Compress, PS 7) and Export-Csv, in every encoding
Windows writes, with the quirks of each; bad records reported one by one."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from powershell_fixtures import (
    Host,
    Vm,
    export_csv,
    get_vm_json,
    get_vmhost_json,
    get_vmmemory_json,
    to_json,
    vm_record,
    vmhost_record,
    vmmemory_record,
)

from dmgui.core.formats.inventory import looks_like_inventory, read_inventory
from dmgui.core.formats.text import ImportProblem, decode_text

JSON_STYLES = ["ps51", "compress", "ps7", "ps7-compress"]
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16"]

VMS = [
    Vm("web01", dynamic=True, startup_mb=1024, minimum_mb=512, maximum_mb=4096,
       state=2, generation=2, uptime_s=754.567),
    Vm("sql01", dynamic=False, startup_mb=8192, minimum_mb=8192, maximum_mb=8192,
       state=3, generation=1),
    Vm("Büro-VM", dynamic=True, startup_mb=2048, minimum_mb=256, maximum_mb=1048576,
       state=9, buffer=50, priority=80),
]


def _by_name(inventory):
    return {vm.name: vm for vm in inventory.vms}


def _one_line(message: str) -> bool:
    return len(message.splitlines()) == 1


# --- Get-VM ----------------------------------------------------------------------

@pytest.mark.parametrize("style", JSON_STYLES)
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_get_vm_json_round_trip(style, encoding):
    inventory = read_inventory(get_vm_json(VMS, style=style, encoding=encoding), "vms.json")
    assert inventory.problems == [] and inventory.host is None
    web, sql, buero = (_by_name(inventory)[name] for name in ("web01", "sql01", "Büro-VM"))
    assert (web.dynamic_memory_enabled, web.startup_mb, web.minimum_mb, web.maximum_mb,
            web.running, web.generation) == (True, 1024, 512, 4096, True, 2)
    assert (sql.dynamic_memory_enabled, sql.startup_mb, sql.running, sql.generation) == (
        False, 8192, False, 1)
    assert buero.maximum_mb == 1048576 and buero.running is True  # Paused holds memory
    # Get-VM has no Buffer or Priority: left for Get-VMMemory.
    assert web.buffer_percent is None and web.weight is None
    assert web.source == "vms.json record 1"


@pytest.mark.parametrize("style", JSON_STYLES)
def test_a_single_vm_is_an_object_not_a_list(style):
    data = get_vm_json(VMS[:1], style=style, single=True)
    assert decode_text(data, "x").lstrip().startswith("{")
    assert [vm.name for vm in read_inventory(data, "one.json").vms] == ["web01"]


def test_windows_powershell_value_count_wrapper_is_unwrapped():
    data = get_vm_json(VMS, style="ps51", value_wrapper=True)
    assert '"Count":  3' in data.decode()
    assert len(read_inventory(data, "vms.json").vms) == 3


def test_ps51_pretty_print_has_two_spaces_after_colons_and_dates():
    text = get_vm_json(VMS[:1], style="ps51").decode()
    assert '"MemoryStartup":  1073741824' in text
    assert '"CreationTime":  "\\/Date(1488869314761)\\/"' in text
    assert '"NetworkAdapters":  [' in text and "\r\n" in text


@pytest.mark.parametrize(("state", "running"), [
    (2, True), (3, False), (4, True), (6, False), (9, True), (10, True), (32773, True),
    (32779, False), (32783, False), (32785, True), (32786, False), (1, None),
    (32784, None), ("Running", True), ("Off", False), ("saved", False),
    ("RunningCritical", True), ("FastSaved", False), ("Other", None),
])
def test_state_numbers_and_names(state, running):
    data = get_vm_json([Vm("a", extra={"State": state})], style="compress")
    assert read_inventory(data, "s.json").vms[0].running is running


def test_enums_as_strings():
    data = get_vm_json(VMS, style="ps7", enums_as_strings=True)
    assert '"State": "Running"' in data.decode()
    inventory = read_inventory(data, "s.json")
    assert [vm.running for vm in inventory.vms] == [True, False, True]


def test_unmodelled_fields_and_new_properties_are_ignored():
    vm = Vm("a", extra={"HugePagesEnabled": True, "Something": {"Deep": [1, {"x": None}]},
                        "Uptime": "6.02:21:14", "NetworkAdapters": "A B"})
    inventory = read_inventory(get_vm_json([vm], style="ps7"), "a.json")
    assert inventory.problems == [] and inventory.vms[0].startup_mb == 1024


def test_property_names_are_matched_case_insensitively():
    text = json.dumps([{"name": "a", "memorystartup": 2 << 30, "DYNAMICMEMORYENABLED": False}])
    vm = read_inventory(text.encode(), "a.json").vms[0]
    assert (vm.name, vm.startup_mb, vm.dynamic_memory_enabled) == ("a", 2048, False)


def test_vm_name_falls_back_to_vmname():
    inventory = read_inventory(get_vm_json([Vm("a", drop=("Name",))], style="compress"),
                               "a.json")
    assert inventory.vms[0].name == "a"


# --- Get-VMMemory and Get-VMHost -------------------------------------------------

@pytest.mark.parametrize("style", JSON_STYLES)
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_get_vmmemory_json_round_trip(style, encoding):
    data = get_vmmemory_json(VMS, style=style, encoding=encoding)
    inventory = read_inventory(data, "mem.json")
    assert inventory.problems == []
    buero = _by_name(inventory)["Büro-VM"]
    assert (buero.startup_mb, buero.minimum_mb, buero.maximum_mb, buero.buffer_percent,
            buero.weight, buero.dynamic_memory_enabled) == (2048, 256, 1048576, 50, 8000, True)
    assert _by_name(inventory)["web01"].weight == 5000  # Priority 50 × 100
    assert buero.running is None and buero.generation is None


@pytest.mark.parametrize("style", JSON_STYLES)
@pytest.mark.parametrize("single", [True, False])
def test_get_vmhost_json(style, single):
    data = get_vmhost_json([Host("HV7", memory_bytes=38644006912)], style=style,
                           single=single)
    inventory = read_inventory(data, "host.json")
    assert inventory.vms == [] and inventory.problems == []
    # Physical RAM is rarely whole MB: rounded down.
    assert (inventory.host.name, inventory.host.memory_mb) == ("HV7", 36853)


def test_get_vm_and_get_vmmemory_in_one_file_are_merged():
    records = [vm_record(vm) for vm in VMS] + [
        vmmemory_record(Vm(vm.name.upper(), dynamic=vm.dynamic, startup_mb=vm.startup_mb,
                           minimum_mb=vm.minimum_mb, maximum_mb=vm.maximum_mb,
                           buffer=vm.buffer, priority=vm.priority)) for vm in VMS]
    inventory = read_inventory(to_json(records, "ps51").encode(), "all.json")
    assert inventory.problems == [] and len(inventory.vms) == 3
    buero = _by_name(inventory)["Büro-VM"]
    assert (buero.running, buero.generation, buero.buffer_percent, buero.weight) == (
        True, 2, 50, 8000)
    assert buero.source == "all.json record 3 + record 6"


def test_conflicting_records_of_one_vm_are_reported_and_left_out():
    records = [vm_record(Vm("a", startup_mb=1024)), vmmemory_record(Vm("a", startup_mb=2048)),
               vm_record(Vm("b"))]
    inventory = read_inventory(to_json(records, "compress").encode(), "c.json")
    assert [vm.name for vm in inventory.vms] == ["b"]
    [problem] = inventory.problems
    assert problem.startswith("c.json record 2: ") and '"a"' in problem
    assert "startup_mb 2048" in problem and "1024" in problem


def test_a_second_vm_of_the_same_name_is_reported():
    inventory = read_inventory(get_vm_json([Vm("a"), Vm("b"), Vm("A", startup_mb=2048)],
                                           style="compress"), "d.json")
    assert [vm.name for vm in inventory.vms] == ["a", "b"]
    assert inventory.vms[0].startup_mb == 1024
    assert inventory.problems == ['d.json record 3: VM "A" has a second Get-VM record; only '
                                  "the first (d.json record 1) was imported (dmgui needs "
                                  "unique names)"]


def test_a_second_host_is_reported():
    data = get_vmhost_json([Host("A"), Host("B")], single=False)
    inventory = read_inventory(data, "h.json")
    assert inventory.host.name == "A"
    assert inventory.problems[0].startswith('h.json record 2: a second Get-VMHost record '
                                            '(host "B")')


# --- Per-record problems -----------------------------------------------------------

@pytest.mark.parametrize(("extra", "drop", "reason"), [
    ({"MemoryStartup": 1073741825}, (), "MemoryStartup 1073741825 bytes is not a whole "
                                        "number of MB"),
    ({"MemoryMinimum": -1048576}, (), "MemoryMinimum -1048576 is negative"),
    ({"MemoryMaximum": "lots"}, (), 'MemoryMaximum "lots" is not a whole number'),
    ({"MemoryMaximum": 1073741824.5}, (), "MemoryMaximum 1073741824.5 is not a whole "
                                          "number"),
    ({"MemoryStartup": 2**70}, (), "is out of range"),
    ({"DynamicMemoryEnabled": "maybe"}, (), 'DynamicMemoryEnabled "maybe" is not True or '
                                            "False"),
    ({"State": 42}, (), "State 42 is not a Hyper-V VM state"),
    ({"State": "Exploded"}, (), 'State "Exploded" is not a Hyper-V VM state'),
    ({"Generation": 3}, (), "Generation 3 is not 1 or 2"),
    ({}, ("MemoryStartup",), None),
    ({"MemoryStartup": None}, (), "MemoryStartup is missing"),
])
def test_a_bad_record_is_reported_and_the_rest_import(extra, drop, reason):
    vms = [Vm("good1"), Vm("bad", extra=extra, drop=drop), Vm("good2")]
    data = get_vm_json(vms, style="ps51")
    if reason is None:  # without MemoryStartup the record is no Get-VM record at all
        reason = "not a Get-VM, Get-VMMemory or Get-VMHost object"
    inventory = read_inventory(data, "inv.json")
    assert [vm.name for vm in inventory.vms] == ["good1", "good2"]
    [problem] = inventory.problems
    assert problem.startswith("inv.json record 2: ") and reason in problem
    assert _one_line(problem)


def test_a_record_without_a_name_is_reported():
    data = get_vm_json([Vm("a", drop=("Name", "VMName")), Vm("b")], style="compress")
    inventory = read_inventory(data, "n.json")
    assert [vm.name for vm in inventory.vms] == ["b"]
    assert inventory.problems == ["n.json record 1: a Get-VM record without a VM name"]


def test_items_that_are_not_objects_are_reported():
    text = to_json([vm_record(Vm("a"))], "compress").strip()[:-1] + ',42,"x",null]'
    inventory = read_inventory(text.encode(), "m.json")
    assert [vm.name for vm in inventory.vms] == ["a"]
    assert inventory.problems == ["m.json record 2: not an object but 42",
                                  'm.json record 3: not an object but "x"',
                                  "m.json record 4: not an object but null"]


def test_names_in_problems_stay_on_one_line():
    data = get_vm_json([Vm("evil\nname", extra={"State": 99}), Vm("ok")], style="compress")
    [problem] = read_inventory(data, "e.json").problems
    assert _one_line(problem) and "evil\\nname" in problem


def test_property_names_differing_only_in_case_are_reported():
    text = '[{"Name":"a","MemoryStartup":1073741824,"memorystartup":2147483648}]'
    inventory = read_inventory(text.encode(), "k.json")
    assert inventory.vms == []
    assert "given twice (names differing only in case)" in inventory.problems[0]


# --- Export-Csv ----------------------------------------------------------------------

@pytest.mark.parametrize("with_type_line", [True, False])
@pytest.mark.parametrize("encoding", ["ascii", "utf-8", "utf-8-sig", "utf-16"])
def test_get_vm_csv_round_trip(with_type_line, encoding):
    data = export_csv([vm_record(vm) for vm in VMS], with_type_line=with_type_line,
                      encoding=encoding)
    inventory = read_inventory(data, "vms.csv")
    assert inventory.problems == [] and len(inventory.vms) == 3
    web = inventory.vms[0]
    assert (web.name, web.dynamic_memory_enabled, web.startup_mb, web.minimum_mb,
            web.maximum_mb, web.running, web.generation) == (
        "web01", True, 1024, 512, 4096, True, 2)
    assert inventory.vms[1].running is False  # State written as "Off"
    # Windows PowerShell 5.1's Export-Csv writes ASCII: ü became "?".
    assert inventory.vms[2].name == ("B?ro-VM" if encoding == "ascii" else "Büro-VM")
    assert web.source == f"vms.csv line {3 if with_type_line else 2}"


def test_get_vmmemory_and_get_vmhost_csv():
    memory = read_inventory(export_csv([vmmemory_record(vm) for vm in VMS]), "m.csv")
    assert [(vm.buffer_percent, vm.weight) for vm in memory.vms] == [
        (20, 5000), (20, 5000), (50, 8000)]
    host = read_inventory(export_csv([vmhost_record(Host("HV2", 2**35))],
                                     with_type_line=False, encoding="utf-8"), "h.csv")
    assert (host.host.name, host.host.memory_mb) == ("HV2", 32768)


def test_csv_with_culture_delimiter():
    data = export_csv([vm_record(vm) for vm in VMS], delimiter=";", encoding="utf-8")
    assert len(read_inventory(data, "de.csv").vms) == 3


def test_csv_row_with_wrong_cell_count_is_reported():
    lines = export_csv([vm_record(vm) for vm in VMS], encoding="utf-8").decode().splitlines()
    lines[3] = lines[3].rsplit(",", 1)[0]
    inventory = read_inventory("\r\n".join(lines).encode(), "x.csv")
    assert [vm.name for vm in inventory.vms] == ["web01", "Büro-VM"]
    assert inventory.problems[0].startswith("x.csv line 4: 59 cells, but the header has 60")


def test_csv_garbage_cell_is_reported():
    data = export_csv([vm_record(Vm("a", extra={"MemoryStartup": "1 GB"})),
                       vm_record(Vm("b"))], encoding="utf-8")
    inventory = read_inventory(data, "g.csv")
    assert [vm.name for vm in inventory.vms] == ["b"]
    assert inventory.problems == ['g.csv line 3: VM "a": MemoryStartup "1 GB" is not a '
                                  "whole number"]


# --- Whole-file failures -------------------------------------------------------------

@pytest.mark.parametrize(("data", "reason"), [
    (b"", "the file is empty"),
    (b"\xef\xbb\xbf  \r\n", "the file is empty"),
    (b"[{", "not valid JSON"),
    (b'[{"Name": NaN}]', "not usable JSON"),
    (b'{"a": 1, "a": 2}', "given twice"),
    (b"42", "not PowerShell inventory"),
    (b"[]", "no Get-VM, Get-VMMemory or Get-VMHost records"),
    (b'[{"Name": "x", "Something": 1}]', "no Get-VM, Get-VMMemory or Get-VMHost records"),
    (b"hello world", "not PowerShell inventory"),
    (b'"Name","Status"\r\n"a","b"\r\n', "not PowerShell inventory"),
    (b"\x00\x01\x02\xff\xfe\x00binary", "NUL character"),
    (b"\xff\xfe\x00\xd8", "not valid UTF-16-LE text"),
    (b'"MemoryStartup","Name"\r\n"1","a\r\n', "not valid CSV"),
])
def test_whole_file_failures_are_one_line_naming_the_file(data, reason):
    with pytest.raises(ImportProblem) as info:
        read_inventory(data, "bad.json")
    message = str(info.value)
    assert message.startswith("bad.json") and reason in message and _one_line(message)


# --- Format sniffing -------------------------------------------------------------

@pytest.mark.parametrize("data", [
    get_vm_json(VMS, style="ps51"), get_vm_json(VMS, style="ps7-compress", encoding="utf-16"),
    get_vmmemory_json(VMS, style="compress"), get_vmhost_json([Host()]),
    export_csv([vm_record(vm) for vm in VMS]),
    export_csv([vmmemory_record(vm) for vm in VMS], with_type_line=False),
    export_csv([vmhost_record(Host())], with_type_line=False, delimiter=";"),
])
def test_looks_like_inventory(data):
    assert looks_like_inventory(decode_text(data, "x"))


@pytest.mark.parametrize("text", [
    "", '{"schema_version": 1, "name": "s", "vms": [{"memory": {"startup_mb": 1}}]}',
    '"(PDH-CSV 4.0) (UTC)(0)","\\\\HV\\Hyper-V Dynamic Memory VM(a)\\Physical Memory"',
    '<?xml version="1.0"?><configuration/>', "hello",
])
def test_does_not_look_like_inventory(text):
    assert not looks_like_inventory(text)


# --- Robustness --------------------------------------------------------------------

def _import_or_problem(data: bytes) -> None:
    try:
        inventory = read_inventory(data, "fuzz.json")
    except ImportProblem as err:
        assert _one_line(str(err)) and str(err).startswith("fuzz.json")
        return
    assert all(_one_line(problem) for problem in inventory.problems)
    for vm in inventory.vms:
        assert vm.startup_mb is not None and vm.name


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=400),
                 *(st.text(max_size=300).map(lambda text, e=encoding: text.encode(
                     e, "surrogatepass")) for encoding in ("utf-8", "utf-16"))))
def test_arbitrary_bytes_give_an_inventory_or_an_import_problem(data):
    _import_or_problem(data)


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                 max_size=3),
    max_leaves=8)
_FIELDS = ["Name", "VMName", "State", "Generation", "MemoryStartup", "MemoryMinimum",
           "MemoryMaximum", "DynamicMemoryEnabled", "Startup", "Buffer", "Priority",
           "MemoryCapacity", "ComputerName"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.dictionaries(st.sampled_from(_FIELDS), _JSON_VALUES, max_size=6),
                max_size=4),
       st.sampled_from(["json", "csv"]))
def test_records_with_arbitrary_values_give_an_inventory_or_an_import_problem(overrides,
                                                                               form):
    vms = [Vm(f"vm{i}", extra=extra) for i, extra in enumerate(overrides)] or [Vm("a")]
    if form == "json":
        data = get_vm_json(vms, style="compress")
    else:
        data = export_csv([vm_record(vm) for vm in vms], encoding="utf-8")
    _import_or_problem(data)
