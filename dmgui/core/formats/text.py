"""Decoding the text files Windows tools write (PowerShell, perfmon, Hyper-V XML)."""

from __future__ import annotations

import codecs

from dmgui.core.model.names import OneLineError


class ImportProblem(OneLineError):
    """A file dmgui cannot import; the message is one line naming the file."""


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode_text(data: bytes, source: str) -> str:
    """The text of ``data``: UTF-8 or UTF-16/32 with a BOM (the BOM dropped), UTF-16
    without one (guessed from NUL bytes: Windows PowerShell's ``Out-File``), UTF-8,
    and else Windows-1252 (perfmon's ANSI logs). Raises :class:`ImportProblem`, also
    for text with a NUL character: no Windows text export has one, so the file is
    binary or damaged, and a reader must not take the cell it sits in for a blank."""
    text = _decoded(data, source)
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ImportProblem(f"{source}: line {line} contains a NUL character: the file "
                            "is binary or damaged, not a text export")
    return text


def _decoded(data: bytes, source: str) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _decode(data[len(bom):], encoding, source)
    head = data[:200]
    if len(head) >= 2 and head.count(0) * 3 >= len(head):
        even_nuls = head[0::2].count(0)
        return _decode(data, "utf-16-be" if even_nuls > head[1::2].count(0) else "utf-16-le",
                       source)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _decode(data: bytes, encoding: str, source: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as err:
        raise ImportProblem(f"{source}: not valid {encoding.upper()} text "
                            f"(byte {err.start}): {err.reason}") from None
