"""Decoding JSON that a person or a script handed dmgui, refusing what JSON allows
but a scenario must not have.

Python's :func:`json.loads` accepts ``NaN`` and ``Infinity``, keeps the last of
two equal keys silently, and fails with ``RecursionError`` or ``ValueError``
(integers of over 4,300 digits) outside :class:`json.JSONDecodeError`.
:func:`decode_json` turns each of these into one :class:`JsonProblem`.
"""

from __future__ import annotations

import json

from dmgui.core.model.names import OneLineError


class JsonProblem(OneLineError):
    """Text that is not acceptable JSON; the message is one line."""


def decode_json(data: bytes) -> object:
    """Decode UTF-8 JSON (a byte order mark is allowed) strictly."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise JsonProblem(f"not UTF-8 text (byte {err.start}: {err.reason})") from None
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_keys,
                          parse_constant=_no_constant)
    except json.JSONDecodeError as err:
        raise JsonProblem(f"not valid JSON (line {err.lineno}, column {err.colno}: "
                          f"{err.msg})") from None
    except RecursionError:
        raise JsonProblem("not usable JSON (nested too deeply)") from None
    except ValueError as err:  # our hooks, and int() over its digit limit
        raise JsonProblem(f"not usable JSON ({_first_line(err)})") from None


def _no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"the key {json.dumps(key)[:80]} is given twice in one object")
        result[key] = value
    return result


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a number dmgui accepts")


def _first_line(err: Exception) -> str:
    text = str(err).splitlines()[0] if str(err) else type(err).__name__
    if text.startswith("Exceeds the limit"):  # int()'s digit limit, CVE-2020-10735
        return "an integer with more than 4300 digits"
    return text[:200]
