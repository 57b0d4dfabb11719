"""Command-line argument helpers shared by ``dmgui simulate`` and the GUI entry point."""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from typing import NoReturn

from dmgui.core.model.limits import MAX_SEED, MAX_SIM_SECONDS
from dmgui.core.model.names import OneLineError

EXIT_BAD_INPUT = 2
MAX_DURATION_S = MAX_SIM_SECONDS
MAX_MILLISECONDS = 2**31 - 1  # what a QTimer accepts (about 24.8 days)
_DURATION_RE = re.compile(r"([0-9]+(?:\.[0-9]+)?)([dhms]?)")  # ASCII digits only
_UNIT_S = {"d": 86400, "h": 3600, "m": 60, "s": 1, "": 1}


class UsageError(OneLineError):
    """Bad command-line input; the message is shown as one line."""


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line and exit 2 (no usage dump)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)

    def parse_known_args(self, args: Sequence[str] | None = None,
                         namespace: argparse.Namespace | None = None):
        """Parse, then check that every single-valued option got exactly one value.

        argparse drops a ``--`` even from ``--seed=--`` and hands the option an
        empty list instead of calling its type; every such value is refused here,
        for this parser and (through the sub-parser action) each subcommand's.
        """
        namespace, extras = super().parse_known_args(args, namespace)
        for action in self._actions:
            value = getattr(namespace, action.dest, None)
            if isinstance(action, argparse._AppendAction):  # a list of single values
                value = next((v for v in value or () if isinstance(v, list)), None)
            if action.nargs is None and action.option_strings and isinstance(value, list):
                raise UsageError(f"argument {'/'.join(action.option_strings)}: "
                                 "expected one value")
        return namespace, extras


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
        value = int(text) if len(text) <= 32 else -1
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid milliseconds '{text}' (a whole number)") from None
    if not 0 <= value <= MAX_MILLISECONDS:
        raise argparse.ArgumentTypeError(
            f"milliseconds must be a whole number from 0 to {MAX_MILLISECONDS}")
    return value


def parse_seed(text: str) -> int:
    """A workload seed: a whole number from 0 to 2**63 - 1."""
    try:
        if not (text.isascii() and text.isdigit()):
            raise ValueError(text)
        value = int(text) if len(text) <= 32 else -1
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid seed '{text}' (a whole number)") from None
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"seed must be a whole number from 0 to {MAX_SEED}")
    return value


def parse_path(text: str) -> str:
    """A file name: not empty, no NUL character."""
    if not text:
        raise argparse.ArgumentTypeError("empty file name")
    if "\0" in text:
        raise argparse.ArgumentTypeError("a file name cannot contain a NUL character")
    return text


