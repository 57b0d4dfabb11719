"""Parsing the planner's options from text, for the CLI and the GUI alike.

Each parser returns the value or raises ``argparse.ArgumentTypeError`` with one line
that says what is accepted (the CLI turns it into exit 2, the GUI shows it inline).
"""

from __future__ import annotations

import argparse
import re

from dmgui.core.planning.criterion import Criterion
from dmgui.core.planning.planner import SWEEP_KEYS

STATIC_SIZES = ("peak", "maximum", "startup")
MAX_SWEEP_VALUES = 100
MAX_VMS_LIMIT = 5000
_INT_RE = re.compile(r"[0-9]{1,9}")


def parse_criterion(text: str) -> Criterion:
    """``ok``, ``no-paging`` or ``starts``."""
    try:
        return Criterion(text.strip().lower())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid criterion '{text}' (choose ok, no-paging or starts)") from None


def parse_tolerance(text: str) -> float:
    """A share of time: ``1%``, ``0.5 %`` or a fraction such as ``0.01``; below 100 %."""
    raw = text.strip()
    percent = raw.endswith("%")
    number = raw.rstrip("%").strip()
    try:
        if not number.isascii() or not re.fullmatch(r"[0-9]+(\.[0-9]+)?", number):
            raise ValueError(number)
        value = float(number) / (100.0 if percent else 1.0)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid tolerance '{text}' (use e.g. 1% or 0.01)") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(
            f"tolerance '{text}' must be at least 0 % and below 100 %")
    return value


def parse_static_size(text: str) -> str | int:
    """``peak``, ``maximum``, ``startup`` or a whole number of MB."""
    raw = text.strip().lower().removesuffix("mb").strip()
    if raw in STATIC_SIZES:
        return raw
    if _INT_RE.fullmatch(raw) and int(raw) > 0:
        return int(raw)
    raise argparse.ArgumentTypeError(
        f"invalid static size '{text}' (choose peak, maximum, startup or a number of MB)")


def parse_count(text: str) -> int:
    """A whole number of VMs from 1 to :data:`MAX_VMS_LIMIT`."""
    raw = text.strip()
    if _INT_RE.fullmatch(raw) and 1 <= int(raw) <= MAX_VMS_LIMIT:
        return int(raw)
    raise argparse.ArgumentTypeError(
        f"invalid number of VMs '{text}' (a whole number from 1 to {MAX_VMS_LIMIT})")


def parse_workers(text: str) -> int:
    """A whole number of worker processes from 1 to 256."""
    raw = text.strip()
    if _INT_RE.fullmatch(raw) and 1 <= int(raw) <= 256:
        return int(raw)
    raise argparse.ArgumentTypeError(
        f"invalid number of workers '{text}' (a whole number from 1 to 256)")


def parse_sweep(text: str) -> tuple[str, list[int]]:
    """``KEY=V1,V2,…`` with KEY one of the sweepable template settings and whole-number
    values (MB for sizes, % for the buffer, 0–10000 for the weight)."""
    key, sep, values = text.partition("=")
    key = key.strip().lower()
    if not sep or key not in SWEEP_KEYS:
        raise argparse.ArgumentTypeError(
            f"invalid sweep '{text}' (use KEY=V1,V2,… with KEY one of "
            f"{', '.join(SWEEP_KEYS)})")
    items = [v.strip() for v in values.split(",")]
    if not items or any(not _INT_RE.fullmatch(v) for v in items):
        raise argparse.ArgumentTypeError(
            f"invalid sweep values in '{text}' (whole numbers separated by commas)")
    if len(items) > MAX_SWEEP_VALUES:
        raise argparse.ArgumentTypeError(
            f"too many sweep values in '{text}' (at most {MAX_SWEEP_VALUES})")
    numbers = list(dict.fromkeys(int(v) for v in items))  # duplicates once
    return key, numbers
