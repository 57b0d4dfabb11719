"""Hyper-V VM configuration XML import (issue 10 §1): 2008 R2-2012 R2
``Virtual Machines\\<GUID>.xml`` read with a hardened parser; 2016+ ``.vmcx``
refused with a pointer to ``Get-VM | ConvertTo-Json``."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from powershell_fixtures import Vm, export_csv, get_vm_json, vm_config_xml, vm_record

from dmgui.core.formats import vm_config
from dmgui.core.formats.text import ImportProblem
from dmgui.core.formats.vm_config import looks_like_vm_config, read_vm_config


def _problem(data: bytes, source: str = "vm.xml") -> str:
    with pytest.raises(ImportProblem) as info:
        read_vm_config(data, source)
    message = str(info.value)
    assert message.startswith(source) and len(message.splitlines()) == 1
    return message


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8"])
def test_round_trip(encoding):
    data = vm_config_xml("SQL & Web <01>", dynamic=True, startup_mb=2048, minimum_mb=512,
                         maximum_mb=16384, priority=8000, buffer=35, generation=2,
                         encoding=encoding)
    if encoding == "utf-16":
        assert data.startswith(codecs.BOM_UTF16_LE)
    inventory = read_vm_config(data, "ABC.xml")
    assert inventory.source == "ABC.xml" and inventory.host is None
    assert inventory.problems == []
    [vm] = inventory.vms
    assert (vm.name, vm.source, vm.dynamic_memory_enabled, vm.startup_mb, vm.minimum_mb,
            vm.maximum_mb, vm.weight, vm.buffer_percent, vm.generation, vm.running) == (
        "SQL & Web <01>", "ABC.xml", True, 2048, 512, 16384, 8000, 35, 2, None)


def test_static_memory_as_in_the_2012r2_sample():
    [vm] = read_vm_config(vm_config_xml("2012R2"), "vm.XML").vms
    assert (vm.dynamic_memory_enabled, vm.startup_mb, vm.minimum_mb, vm.maximum_mb,
            vm.weight, vm.buffer_percent, vm.generation) == (
        False, 1024, 512, 1048576, 5000, 20, 1)


def test_declaration_that_disagrees_with_the_encoding_is_read():
    """An editor re-saved the UTF-16 file as UTF-8 but kept encoding="UTF-16"."""
    text = vm_config_xml("a").decode("utf-16")
    assert 'encoding="UTF-16"' in text
    assert read_vm_config(text.encode("utf-8"), "a.xml").vms[0].name == "a"


def test_optional_elements_may_be_missing():
    """priority and target_memory_buffer are inferred for native files (spec §6.1)."""
    data = vm_config_xml("a", bank={"priority": None, "target_memory_buffer": None,
                                    "limit": None, "reservation": None})
    [vm] = read_vm_config(data, "a.xml").vms
    assert (vm.startup_mb, vm.weight, vm.buffer_percent, vm.maximum_mb) == (1024, None,
                                                                           None, None)


@pytest.mark.parametrize(("bank", "reason"), [
    ({"size": None}, "settings/memory/bank has no size"),
    ({"size": ("integer", "1 GB")}, 'settings/memory/bank/size is "1 GB", not a whole number'),
    ({"limit": ("integer", "-5")}, "settings/memory/bank/limit is \"-5\", not a whole number"),
    ({"reservation": ("string", "512")}, 'has type="string", not "integer"'),
    ({"dynamic_memory_enabled": ("bool", "Yes")}, "is \"Yes\", not True or False"),
    ({"priority": ("integer", "1" * 30)}, "not a whole number"),
])
def test_unreadable_memory_settings_refuse_the_file(bank, reason):
    assert reason in _problem(vm_config_xml("a", bank=bank))


def test_bad_generation_refuses_the_file():
    assert "properties/subtype is 5" in _problem(vm_config_xml("a", generation=6))


@pytest.mark.parametrize(("text", "reason"), [
    ("<configuration><settings/></configuration>", "the VM has no name"),
    ('<configuration><properties><name type="string"> </name></properties></configuration>',
     "the VM has no name"),
    ('<configuration><properties><name type="string">a</name></properties></configuration>',
     "no memory settings (settings/memory/bank)"),
    ("<vm/>", "its root element is <vm>, not <configuration>"),
    ("<configuration>", "not valid XML"),
    ("hello", "not valid XML"),
    ("", "not valid XML"),
])
def test_files_that_are_not_vm_configurations(text, reason):
    assert reason in _problem(text.encode("utf-8"))


# --- Hardening ---------------------------------------------------------------------

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<configuration><properties><name type="string">&lol9;</name></properties></configuration>
"""


@pytest.mark.parametrize("doctype", [
    '<!DOCTYPE configuration [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n',
    '<!DOCTYPE configuration [<!ENTITY % p SYSTEM "http://example.invalid/x.dtd"> %p;]>\n',
    '<!DOCTYPE configuration SYSTEM "http://example.invalid/config.dtd">\n',
    '<!DOCTYPE configuration [<!ENTITY n "inner">]>\n',
])
def test_external_entities_and_dtds_are_refused(doctype):
    message = _problem(vm_config_xml("a", doctype=doctype))
    assert "refused: the file defines XML entities" in message


def test_billion_laughs_is_refused():
    message = _problem(BILLION_LAUGHS.encode("utf-16"))
    assert "refused: the file defines XML entities" in message


def test_oversize_file_is_refused_before_parsing():
    text = vm_config_xml("a", encoding="utf-8").decode()
    padding = " " * vm_config.MAX_CONFIG_BYTES
    padded = text.replace("<configuration>", "<configuration>" + padding)
    message = _problem(padded.encode())
    assert "refused" in message and "16 MB" in message


# --- 2016+ .vmcx ---------------------------------------------------------------------

@pytest.mark.parametrize(("data", "source"), [
    (bytes(range(256)) * 8, "3F2504E0-4F89-11D3-9A0C-0305E82C3301.vmcx"),
    (bytes(range(256)) * 8, "config.bin"),
    (b"\x00\x01\x02\x03binary\x00\x00\x07\x08" * 50, "x.xml"),
    (vm_config_xml("a"), "looks-like-xml-but.VMCX"),
])
def test_vmcx_is_refused_with_a_pointer_to_get_vm(data, source):
    message = _problem(data, source)
    assert "Windows Server 2016+ .vmcx file" in message
    assert "Get-VM | ConvertTo-Json" in message


# --- Format sniffing ---------------------------------------------------------------

@pytest.mark.parametrize("data", [
    vm_config_xml("a"), vm_config_xml("a", encoding="utf-8"),
    vm_config_xml("a").decode("utf-16").encode("utf-16-be"),
    bytes(range(256)) * 4,  # binary: routed here for the .vmcx message
])
def test_looks_like_vm_config(data):
    assert looks_like_vm_config(data)


@pytest.mark.parametrize("data", [
    b"", b"hello", get_vm_json([Vm("a")]), get_vm_json([Vm("a")], encoding="utf-16"),
    export_csv([vm_record(Vm("a"))]), b'<?xml version="1.0"?><scenario/>',
    b'{"schema_version": 1}',
])
def test_does_not_look_like_vm_config(data):
    assert not looks_like_vm_config(data)


# --- Robustness --------------------------------------------------------------------

def _config_or_problem(data: bytes, source: str = "fuzz.xml") -> None:
    try:
        inventory = read_vm_config(data, source)
    except ImportProblem as err:
        assert len(str(err).splitlines()) == 1 and str(err).startswith(source)
        return
    assert len(inventory.vms) == 1 and inventory.vms[0].name


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=400),
                 *(st.text(max_size=300).map(lambda text, e=encoding: text.encode(
                     e, "surrogatepass")) for encoding in ("utf-8", "utf-16"))))
def test_arbitrary_bytes_give_a_vm_or_an_import_problem(data):
    _config_or_problem(data)
    looks_like_vm_config(data)  # never raises either


_ELEMENTS = ["dynamic_memory_enabled", "limit", "priority", "reservation", "size",
             "target_memory_buffer"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(_ELEMENTS),
                       st.none() | st.tuples(
                           st.sampled_from(["integer", "bool", "string", ""]),
                           st.text(max_size=30)), max_size=6),
       st.text(min_size=1, max_size=30), st.sampled_from(["utf-16", "utf-8"]))
def test_arbitrary_element_values_give_a_vm_or_an_import_problem(bank, name, encoding):
    try:
        data = vm_config_xml(name, bank=bank, encoding=encoding)
    except UnicodeEncodeError:  # a lone surrogate cannot be written at all
        return
    _config_or_problem(data)
