"""Reading a Hyper-V VM configuration file (issue 10 §1): the
``Virtual Machines\\<GUID>.xml`` of Windows Server 2008 R2, 2012 and 2012 R2.

What is read (spec §6.1): the VM's name from ``configuration/properties/name``,
its generation from ``properties/subtype`` (generation - 1), and its memory from
``configuration/settings/memory/bank``: ``dynamic_memory_enabled`` (``type="bool"``,
``True``/``False``), ``size`` (Startup), ``reservation`` (Minimum) and ``limit``
(Maximum) in MB, ``target_memory_buffer`` in percent and ``priority``, which is
already Hyper-V's weight 0..10000 (5000 in the real sample, PowerShell's
Priority 50). Everything else in the file is ignored. One file is one VM, so any
field that cannot be read refuses the file with an :class:`ImportProblem`.

Hardening: the file is parsed with :mod:`defusedxml` with DTDs, entity
declarations and external references all refused (Hyper-V never writes them), and
only after checking its size against :data:`MAX_CONFIG_BYTES` (16 MB; real files
are tens of KB). UTF-16 with a BOM (as Hyper-V writes it) and UTF-8 are both read,
whatever the XML declaration claims.

Windows Server 2016 and later keep the configuration in a binary ``.vmcx`` file,
which is not documented; such a file (by name, or binary content) is refused with
a message pointing to ``Get-VM | ConvertTo-Json``.
"""

from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as ElementTree

import defusedxml.ElementTree as SafeElementTree
from defusedxml import DefusedXmlException

from dmgui.core.formats.imported import ImportedVm, Inventory
from dmgui.core.formats.text import ImportProblem, decode_text
from dmgui.core.model.names import one_line

#: The largest configuration file dmgui parses (bytes).
MAX_CONFIG_BYTES = 16 * 1024 * 1024

_INTEGER = re.compile(r"\s*[+-]?\d{1,19}\s*")
_TEXT_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def looks_like_vm_config(data: bytes) -> bool:
    """Whether ``data`` looks like a Hyper-V VM configuration: XML whose root is
    ``<configuration>``, or binary data (a 2016+ ``.vmcx``, which
    :func:`read_vm_config` refuses with an explanation)."""
    if _is_binary(data):
        return True
    text = _head_text(data[:4096]).lstrip("\ufeff \t\r\n")
    return text.startswith("<") and "<configuration" in text


def read_vm_config(data: bytes, source: str) -> Inventory:
    """The one VM a configuration file describes.

    Raises :class:`~dmgui.core.formats.text.ImportProblem` (one line naming
    ``source``) for a file that is not such a configuration, is refused
    (entities, size, ``.vmcx``), or whose memory settings cannot be read.
    """
    if source.casefold().endswith(".vmcx") or _is_binary(data):
        raise ImportProblem(
            f"{source} is a Windows Server 2016+ .vmcx file (binary), which dmgui "
            "cannot read; on the host run `Get-VM | ConvertTo-Json | Out-File vms.json` "
            "(and `Get-VMMemory * | ConvertTo-Json`) and import that instead")
    if len(data) > MAX_CONFIG_BYTES:
        raise ImportProblem(f"{source}: refused: {len(data):,} bytes is over the "
                            f"{MAX_CONFIG_BYTES // (1024 * 1024)} MB dmgui reads for a VM "
                            "configuration file (real ones are far smaller)")
    root = _parse(decode_text(data, source), source)
    if root.tag != "configuration":
        raise ImportProblem(f"{source}: not a Hyper-V VM configuration file (its root "
                            f"element is <{one_line(str(root.tag))[:60]}>, not "
                            "<configuration>)")
    name = _value(root, "properties/name", "string", source)
    if not name:
        raise ImportProblem(f"{source}: the VM has no name (properties/name)")
    bank = root.find("settings/memory/bank")
    if bank is None:
        raise ImportProblem(f"{source}: no memory settings (settings/memory/bank)")
    vm = ImportedVm(name=name, source=source,
                    dynamic_memory_enabled=_bool(bank, "dynamic_memory_enabled", source),
                    startup_mb=_integer(bank, "size", source),
                    minimum_mb=_integer(bank, "reservation", source),
                    maximum_mb=_integer(bank, "limit", source),
                    buffer_percent=_integer(bank, "target_memory_buffer", source),
                    weight=_integer(bank, "priority", source))
    if vm.startup_mb is None:
        raise ImportProblem(f"{source}: settings/memory/bank has no size (Startup RAM)")
    subtype = _integer(root, "properties/subtype", source)
    if subtype is not None and subtype not in (0, 1):
        raise ImportProblem(f"{source}: properties/subtype is {subtype}, not 0 "
                            "(generation 1) or 1 (generation 2)")
    vm.generation = None if subtype is None else subtype + 1
    return Inventory(source=source, vms=[vm])


def _is_binary(data: bytes) -> bool:
    """NUL bytes in data that is not UTF-16/32 text (which has NULs in every other
    byte): a ``.vmcx``/``.vmrs`` or other binary file."""
    head = data[:4096]
    if 0 not in head or head.startswith(_TEXT_BOMS):
        return False
    even, odd = head[0::2], head[1::2]
    utf16 = even.count(0) * 10 >= len(even) * 9 or odd.count(0) * 10 >= len(odd) * 9
    return not utf16


def _head_text(head: bytes) -> str:
    """The start of a file as text, for sniffing (a character cut at the end and
    undecodable bytes are dropped)."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                          (codecs.BOM_UTF16_BE, "utf-16-be")):
        if head.startswith(bom):
            return head[len(bom):].decode(encoding, errors="ignore")
    if 0 in head:
        little = head[1::2].count(0) >= head[0::2].count(0)
        return head.decode("utf-16-le" if little else "utf-16-be", errors="ignore")
    return head.decode("utf-8", errors="ignore")


def _parse(text: str, source: str) -> ElementTree.Element:
    try:
        return SafeElementTree.fromstring(text, forbid_dtd=True, forbid_entities=True,
                                          forbid_external=True)
    except DefusedXmlException:
        raise ImportProblem(
            f"{source}: refused: the file defines XML entities or a DTD (<!DOCTYPE>, "
            "<!ENTITY>), which a Hyper-V configuration file never has; dmgui does not "
            "expand them") from None
    except ElementTree.ParseError as err:
        raise ImportProblem(f"{source}: not valid XML ({one_line(str(err))[:200]})") from None


def _value(parent: ElementTree.Element, path: str, kind: str,
           source: str) -> str | None:
    """The text of ``path`` under ``parent`` (None if absent), after checking its
    ``type`` attribute is ``kind``."""
    element = parent.find(path)
    if element is None:
        return None
    declared = element.get("type")
    if declared is not None and declared != kind:
        raise ImportProblem(f"{source}: {_where(parent, path)} has "
                            f'type="{one_line(declared)[:40]}", not "{kind}"')
    return (element.text or "").strip()


def _integer(parent: ElementTree.Element, path: str, source: str) -> int | None:
    text = _value(parent, path, "integer", source)
    if text is None:
        return None
    if not _INTEGER.fullmatch(text) or int(text) < 0:
        raise ImportProblem(f"{source}: {_where(parent, path)} is "
                            f'"{one_line(text)[:40]}", not a whole number')
    return int(text)


def _bool(parent: ElementTree.Element, path: str, source: str) -> bool | None:
    text = _value(parent, path, "bool", source)
    if text is None:
        return None
    if text.casefold() not in ("true", "false"):
        raise ImportProblem(f"{source}: {_where(parent, path)} is "
                            f'"{one_line(text)[:40]}", not True or False')
    return text.casefold() == "true"


def _where(parent: ElementTree.Element, path: str) -> str:
    return f"settings/memory/bank/{path}" if parent.tag == "bank" else path
