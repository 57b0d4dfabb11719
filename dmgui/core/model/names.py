"""Names a person reads (VM, host and scenario names): they must look like what they are.

Refused: control characters (C0, DEL, C1 including NEL), format characters
(bidirectional overrides and isolates, zero-width spaces and joiners, the byte
order mark, soft hyphen), the line and paragraph separators U+2028/U+2029,
lone surrogates, private-use and unassigned code points. Each can make a name
display as something else, hide part of it, or break a line in a log or a CSV.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator

# Unicode general categories that never belong in a displayed name.
_REFUSED_CATEGORIES = {
    "Cc": "a control character",
    "Cf": "an invisible formatting character",
    "Zl": "a line separator",
    "Zp": "a paragraph separator",
    "Cs": "a lone surrogate",
    "Co": "a private-use character",
    "Cn": "an unassigned character",
}


# Default_Ignorable_Code_Point characters outside those categories (Unicode's
# DerivedCoreProperties; Python's unicodedata has no such property), and the blank
# braille pattern: all render as nothing, so two names could look the same.
_INVISIBLE = frozenset([0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180B, 0x180C, 0x180D,
                        0x180F, 0x2800, 0x3164, 0xFFA0, *range(0xFE00, 0xFE10),
                        *range(0xE0100, 0xE01F0)])


def check_display_name(value: str) -> str:
    """Return ``value`` if every character shows as itself; raise ValueError if not."""
    if not value.strip():
        raise ValueError("a name cannot be empty or only spaces")
    if value != value.strip():
        raise ValueError("a name cannot start or end with a space (two names would "
                         "look the same)")
    for ch in value:
        what = _REFUSED_CATEGORIES.get(unicodedata.category(ch))
        if what is None and ord(ch) in _INVISIBLE:
            what = "an invisible character"
        if what:
            name = unicodedata.name(ch, "")
            label = f"U+{ord(ch):04X}" + (f" {name}" if name else "")
            raise ValueError(f"the name contains {what} ({label}); "
                             "a name must show every character it has")
    return value


DisplayName = Annotated[str, AfterValidator(check_display_name)]
"""A ``str`` field that must pass :func:`check_display_name`."""


def one_line(text: str) -> str:
    """``text`` with every character a name may not have written as an escape
    (``\\n``, ``\\x85``, ``\\u2028``...): a message quoting what a user typed
    stays one line that shows exactly what was typed."""
    if all(unicodedata.category(ch) not in _REFUSED_CATEGORIES for ch in text):
        return text
    return "".join(ch.encode("unicode_escape").decode("ascii")
                   if unicodedata.category(ch) in _REFUSED_CATEGORIES else ch
                   for ch in text)


class OneLineError(ValueError):
    """A ValueError whose message is always one line (see :func:`one_line`)."""

    def __init__(self, message: str) -> None:
        super().__init__(one_line(str(message)))


def copy_names(base: str, count: int, taken: set[str]) -> list[str]:
    """``count`` free names for copies of ``base``: ``base-2``, ``base-3``, ... (the
    scheme the planner and Clone VM share), skipping names in ``taken``."""
    names: list[str] = []
    n = 2
    while len(names) < count:
        candidate = f"{base}-{n}"
        if candidate not in taken:
            names.append(candidate)
        n += 1
    return names
