"""Command-line argument helpers shared by ``dmgui simulate`` and the GUI entry point."""

from __future__ import annotations

import argparse
import re
from typing import NoReturn

EXIT_BAD_INPUT = 2
MAX_DURATION_S = 366 * 86400
_DURATION_RE = re.compile(r"(\d+(?:\.\d+)?)([dhms]?)")
_UNIT_S = {"d": 86400, "h": 3600, "m": 60, "s": 1, "": 1}


class UsageError(Exception):
    """Bad command-line input; the message is shown as one line."""


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line and exit 2 (no usage dump)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def parse_duration(text: str) -> int:
    """Seconds in '2h', '90m', '1h30m', '45s', '1d' or a bare number of seconds."""
    text = text.strip().lower()
    pos, total = 0, 0.0
    for match in _DURATION_RE.finditer(text):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNIT_S[match.group(2)]
        pos = match.end()
    if not text or pos != len(text):
        raise argparse.ArgumentTypeError(
            f"invalid duration '{text}' (use e.g. 2h, 90m, 1h30m, 45s or 3600)")
    if total < 1:
        raise argparse.ArgumentTypeError(f"duration '{text}' must be at least 1 second")
    if total > MAX_DURATION_S:
        raise argparse.ArgumentTypeError(f"duration '{text}' is too long (at most 366d)")
    return int(round(total))


def parse_milliseconds(text: str) -> int:
    """A whole number of milliseconds >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid milliseconds '{text}' (a whole number)") from None
    if value < 0:
        raise argparse.ArgumentTypeError("milliseconds must be 0 or more")
    return value


def parse_seed(text: str) -> int:
    """A workload seed: a whole number >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid seed '{text}' (a whole number)") from None
    if value < 0:
        raise argparse.ArgumentTypeError("seed must be 0 or more")
    return value


