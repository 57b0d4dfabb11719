"""Performance Monitor CSV (PDH-CSV 4.0, from perfmon, relog or typeperf) → :class:`PerfmonLog`.

The shape (spec §5.3): a header row whose first cell is ``(PDH-CSV 4.0)`` plus an
optional time zone (localized, sometimes cut short, so it is never read) and whose
other cells are counter paths ``\\\\HOST\\Object(Instance)\\Counter``; then one row
per sample, a local ``MM/dd/yyyy HH:mm:ss.fff`` time and one quoted decimal per
column, ``" "`` where a sample is missing.

Read here, in any column order and from any number of hosts:

* ``Hyper-V Dynamic Memory VM(NAME)\\…`` (spec §5.2): Physical Memory, Guest Visible
  Physical Memory, Added Memory and Removed Memory in MB; Current Pressure and
  Average Pressure in percent. One :class:`VmTrace` per (host, instance).
* ``Hyper-V Dynamic Memory Balancer(…)\\Available Memory`` (spec §5.1, MB), per host:
  the ``System Balancer`` instance when the log has it, else the sum of the
  per-NUMA-node instances (a problem line says so).
* a guest-side ``\\\\GUEST\\Memory\\Committed Bytes`` (bytes → MB): a trace named after
  the computer whose demand is its committed memory (what the guest reports as
  demand, spec §3.1). A host's own Committed Bytes is ignored, with a problem line.

Demand per sample is Physical Memory × Current Pressure / 100: spec §5.2 defines
Current Pressure as demand / assigned × 100 and Physical Memory as the assigned
memory. (Azure Migrate multiplies by Guest Visible Physical Memory instead, spec
§5.2 [DOC] S28; the two differ only while memory is ballooned out.)

Nothing is guessed: instance names stay exactly as written (``WEB01#1`` included),
and every row or cell that could not be read, or choice made, is one line in
:attr:`PerfmonLog.problems`. A file with nothing usable raises :class:`ImportProblem`.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from operator import itemgetter

import numpy as np

from dmgui.core.formats.imported import PerfmonLog, Series, VmTrace
from dmgui.core.formats.text import ImportProblem, decode_text
from dmgui.core.model.names import one_line

VM_OBJECT = "Hyper-V Dynamic Memory VM"
BALANCER_OBJECT = "Hyper-V Dynamic Memory Balancer"
SYSTEM_BALANCER = "System Balancer"
#: Counter name (as perfmon writes it) → :class:`VmTrace` field. All MB or percent.
VM_COUNTERS = {
    "Physical Memory": "physical_mb",
    "Guest Visible Physical Memory": "guest_visible_mb",
    "Current Pressure": "current_pressure",
    "Average Pressure": "average_pressure",
    "Added Memory": "added_mb",
    "Removed Memory": "removed_mb",
}
_VM_FIELDS = {name.lower(): field for name, field in VM_COUNTERS.items()}
_AVAILABLE = "available memory"
_COMMITTED = "memory\\committed bytes"
_BYTES_PER_MB = 1024 * 1024  # Hyper-V's MB are binary (PowerShell's 512MB, spec §4.1)
_LOOKED_FOR = (f"looked for \\\\HOST\\{VM_OBJECT}(NAME)\\ with {', '.join(VM_COUNTERS)}; "
               f"\\\\HOST\\{BALANCER_OBJECT}(...)\\Available Memory; "
               "or a guest's \\\\GUEST\\Memory\\Committed Bytes")
_TIME = re.compile(r"\s*(\d{1,2})/(\d{1,2})/(\d{4}) (\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?\s*\Z",
                   re.ASCII)
_COUNTER_PATH = re.compile(r"\\\\[^\\]+\\[^\\(]+(?:\(.*\))?\\[^\\]+\Z", re.DOTALL)
_INSTANCE_NUMBER = re.compile(r"(.*)#(\d+)\Z", re.DOTALL)


def looks_like_perfmon(text: str) -> bool:
    """Whether ``text`` looks like a perfmon CSV: the first cell of its first line
    starts with ``(PDH-CSV``, or another cell is a ``\\\\HOST\\Object\\Counter`` path."""
    first = text[:65536].lstrip("\ufeff").split("\n", 1)[0]
    try:
        cells = next(csv.reader([first]), [])
    except csv.Error:
        return False
    return bool(cells) and (cells[0].startswith("(PDH-CSV")
                            or any(_COUNTER_PATH.match(cell) for cell in cells[1:]))


def read_perfmon(data: bytes, source: str) -> PerfmonLog:
    """The Dynamic Memory traces in a perfmon CSV file's ``data``.

    ``source`` names the file in messages. Times are seconds from the first sample
    that has a readable time (kept irregular); blank cells are NaN. Raises
    :class:`ImportProblem` (one line naming ``source``) when the file is not CSV, has
    no Dynamic Memory counter or no sample.
    """
    try:
        rows = list(_numbered_rows(decode_text(data, source)))
    except csv.Error as err:
        raise ImportProblem(f"{source}: not a perfmon CSV file ({err})") from None
    if not rows:
        raise ImportProblem(f"{source}: the file is empty")
    header = rows[0][1]
    columns, problems = _columns(header)
    if not columns:
        raise ImportProblem(f"{source}: no Dynamic Memory counter in the header ({_LOOKED_FOR})")
    started, times, samples, time_problems = _samples(rows[1:], source)
    problems += time_problems + _ragged(samples, len(header))
    values, value_problems = _values(samples, columns, len(header))
    problems += value_problems
    times.flags.writeable = False  # shared by every Series of the log
    log = PerfmonLog(source=source, started=started, problems=problems)
    _build(log, columns, times, values)
    log.problems = [one_line(problem) for problem in log.problems]  # names may hold a CR
    return log


@dataclass(frozen=True)
class _Column:
    index: int
    path: str
    host: str
    kind: str  # "vm", "balancer" or "guest"
    instance: str
    field: str  # a VmTrace field for "vm"; "" otherwise


def _numbered_rows(text: str):
    """``(line number, cells)`` for each non-empty CSV record of ``text``."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    for cells in reader:
        if cells:
            yield reader.line_num, cells


def _parse_path(index: int, path: str) -> _Column | None:
    """The column a counter path names, or None if it is no counter read here.

    The instance runs from the object's ``(`` to the last ``)\\``, so it may hold
    parentheses, commas and backslashes."""
    if not path.startswith("\\\\"):
        return None
    host, sep, rest = path[2:].partition("\\")
    if not host or not sep:
        return None
    if rest.lower() == _COMMITTED:
        return _Column(index, path, host, "guest", host, "")
    for obj, kind in ((VM_OBJECT, "vm"), (BALANCER_OBJECT, "balancer")):
        start = len(obj) + 1
        if rest[:start].lower() != obj.lower() + "(":
            continue
        end = rest.rfind(")\\")
        if end <= start:
            return None
        instance, counter = rest[start:end], rest[end + 2:].lower()
        if kind == "vm" and counter in _VM_FIELDS:
            return _Column(index, path, host, kind, instance, _VM_FIELDS[counter])
        if kind == "balancer" and counter == _AVAILABLE:
            return _Column(index, path, host, kind, instance, "")
    return None


def _columns(header: list[str]) -> tuple[list[_Column], list[str]]:
    """The usable columns of ``header`` (cell 0, the time, is never read) and the
    problem lines about them: repeated paths, the host's own Committed Bytes."""
    columns: list[_Column] = []
    problems: list[str] = []
    seen: set[str] = set()
    for index, path in enumerate(header[1:], start=1):
        column = _parse_path(index, path)
        if column is None:
            continue
        if path in seen:
            problems.append(f"column {index + 1} repeats {_show(path)}: the first one is used")
            continue
        seen.add(path)
        columns.append(column)
    dm_hosts = {c.host.lower() for c in columns if c.kind != "guest"}
    for column in [c for c in columns if c.kind == "guest" and c.host.lower() in dm_hosts]:
        columns.remove(column)
        problems.append(f"{_show(column.path)} ignored: {column.host} logs Hyper-V Dynamic Memory "
                        "counters, so it is a host, and its Committed Bytes are not a VM's demand")
    return columns, problems


def _microseconds(cell: str) -> int | None:
    """``MM/dd/yyyy HH:mm:ss.fff`` as microseconds since year 1, or None."""
    match = _TIME.match(cell)
    if match is None:
        return None
    month, day, year, hour, minute, second, fraction = match.groups()
    days = _day(month, day, year)
    hour, minute, second = int(hour), int(minute), int(second)
    if days is None or hour > 23 or minute > 59 or second > 59:
        return None
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    return (((days * 24 + hour) * 60 + minute) * 60 + second) * 1_000_000 + micro


@lru_cache(maxsize=256)
def _day(month: str, day: str, year: str) -> int | None:
    try:
        return date(int(year), int(month), int(day)).toordinal()
    except ValueError:
        return None


def _samples(rows: list[tuple[int, list[str]]], source: str):
    """The rows with a readable time after the previous one: ``(started, times_s,
    [(line, cells)], problems)``. Raises :class:`ImportProblem` if there is none."""
    kept: list[tuple[int, list[str]]] = []
    stamps: list[int] = []
    unreadable: list[int] = []
    backwards: list[int] = []
    for line, cells in rows:
        stamp = _microseconds(cells[0])
        if stamp is None:
            unreadable.append(line)
        elif stamps and stamp <= stamps[-1]:
            backwards.append(line)
        else:
            stamps.append(stamp)
            kept.append((line, cells))
    if not kept:
        if not rows:
            raise ImportProblem(f"{source}: no samples (only the header line)")
        first = rows[0]
        raise ImportProblem(f"{source}: no sample has a time MM/dd/yyyy HH:mm:ss.fff "
                            f"(line {first[0]} starts {_show(first[1][0])})")
    problems = []
    if unreadable:
        problems.append(f"{_rows(unreadable)} skipped: the first cell is not a time "
                        f"MM/dd/yyyy HH:mm:ss.fff (first at line {unreadable[0]})")
    if backwards:
        problems.append(f"{_rows(backwards)} skipped: the time is not after the previous "
                        f"sample's (first at line {backwards[0]})")
    times = (np.array(stamps, dtype=np.int64) - stamps[0]) / 1e6
    return kept[0][1][0].strip(), times, kept, problems


def _ragged(samples: list[tuple[int, list[str]]], width: int) -> list[str]:
    short = [line for line, cells in samples if len(cells) < width]
    long = [line for line, cells in samples if len(cells) > width]
    problems = []
    if short:
        problems.append(f"{_rows(short)} with fewer cells than the header: the missing "
                        f"values are read as blank (first at line {short[0]})")
    if long:
        problems.append(f"{_rows(long)} with more cells than the header: the extra cells "
                        f"are ignored (first at line {long[0]})")
    return problems


def _values(samples, columns: list[_Column],
            width: int) -> tuple[dict[int, np.ndarray], list[str]]:
    """Each column's numbers (NaN for a blank, a missing or an unreadable cell)."""
    rows = [cells if len(cells) == width else (cells + [""] * width)[:width]
            for _, cells in samples]
    values: dict[int, np.ndarray] = {}
    bad: list[tuple[int, int, str]] = []  # (line, column, cell)
    for column in columns:
        cells = list(map(itemgetter(column.index), rows))
        values[column.index], wrong = _numbers(cells)
        bad += [(samples[row][0], column.index, cells[row]) for row in wrong]
    if not bad:
        return values, []
    line, index, cell = min(bad)
    problem = (f"{len(bad)} cell{'s' if len(bad) > 1 else ''} not a number, read as blank "
               f"(first at line {line}, column {index + 1}: {_show(cell)})")
    return values, [problem]


def _numbers(cells: list[str]) -> tuple[np.ndarray, list[int]]:
    """``cells`` as numbers, NaN where blank, and the rows whose cell is not a finite
    decimal number (read as NaN too)."""
    joined = "".join(cells)
    # float() also reads "1_000" and non-ASCII digits: such columns take the slow path.
    if joined.isascii() and "_" not in joined:
        try:
            numbers = np.array([float(c) if c.strip() else math.nan for c in cells],
                               dtype=np.float64)
        except ValueError:
            pass  # a cell that is not a number: the slow path finds it
        else:
            unread = np.flatnonzero(~np.isfinite(numbers))
            numbers[unread] = np.nan
            return numbers, [row for row in unread.tolist() if cells[row].strip()]
    values: list[float] = []
    wrong_rows: list[int] = []
    for row, cell in enumerate(cells):
        cell = cell.strip()
        try:
            number = float(cell) if cell.isascii() and "_" not in cell else math.nan
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            number = math.nan
            if cell:
                wrong_rows.append(row)
        values.append(number)
    return np.array(values, dtype=np.float64), wrong_rows


def _build(log: PerfmonLog, columns: list[_Column], times: np.ndarray,
           values: dict[int, np.ndarray]) -> None:
    """Fill ``log`` with one trace per (host, instance) and Available Memory per host."""
    traces: dict[tuple[str, str], VmTrace] = {}
    balancers: dict[str, dict[str, np.ndarray]] = defaultdict(dict)
    for column in sorted(columns, key=lambda c: (*_order(c.host, c.instance), c.index)):
        series = Series(times, values[column.index])
        if column.kind == "balancer":
            balancers[column.host][column.instance] = series.values
            continue
        trace = traces.setdefault((column.host, column.instance),
                                  VmTrace(name=column.instance, host=column.host))
        if column.kind == "guest":
            trace.demand_mb = Series(times, series.values / _BYTES_PER_MB)
        else:
            setattr(trace, column.field, series)
    for trace in traces.values():
        if (trace.demand_mb is None and trace.physical_mb is not None
                and trace.current_pressure is not None):
            demand = trace.physical_mb.values * trace.current_pressure.values / 100
            trace.demand_mb = Series(times, demand)
    log.vms = list(traces.values())
    for host, instances in balancers.items():
        log.available_mb[host] = Series(times, _available(host, instances, log.problems))
    log.problems += _numbered_instances(log.vms)


def _available(host: str, instances: dict[str, np.ndarray], problems: list[str]) -> np.ndarray:
    """A host's Available Memory: its System Balancer, else the sum over its balancer
    instances (one per NUMA node on newer builds, spec §5.1 [INF])."""
    system = {name.lower(): v for name, v in instances.items()}.get(SYSTEM_BALANCER.lower())
    others = sorted(name for name in instances if name.lower() != SYSTEM_BALANCER.lower())
    if system is not None:
        if others:
            problems.append(f"{host}: Available Memory from {SYSTEM_BALANCER}; the balancer "
                            f"instances {_list(others)} are not added to it")
        return system
    if len(others) > 1:
        problems.append(f"{host}: no {SYSTEM_BALANCER} column, so Available Memory is the "
                        f"sum of the balancer instances {_list(others)}")
    return np.sum([instances[name] for name in others], axis=0)


def _numbered_instances(traces: list[VmTrace]) -> list[str]:
    """Problem lines for ``NAME#n`` instances: perfmon's way to tell apart two
    instances that share a name. They are kept as written; the merge decides."""
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    names = {(t.host, t.name) for t in traces}
    for host, name in sorted(names, key=lambda hn: _order(*hn)):
        match = _INSTANCE_NUMBER.match(name)
        if match:
            groups[(host, match.group(1))].append(name)
    problems = []
    for (host, base), numbered in groups.items():
        why = "(perfmon adds #n to tell same-named instances apart); kept as written"
        if (host, base) in names or len(numbered) > 1:
            listed = ([base] if (host, base) in names else []) + numbered
            problems.append(f"{host}: instances {_list(listed)} share the "
                            f"name {_show(base)} {why}")
        else:
            problems.append(f"{host}: instance {_show(numbered[0])} may be a second VM "
                            f"named {_show(base)} {why}")
    return problems


def _order(host: str, instance: str) -> tuple[str, str, str, str]:
    """Traces are listed by host, then instance, whatever the column order."""
    return host.lower(), host, instance.lower(), instance


def _rows(lines: list[int]) -> str:
    return f"{len(lines)} row{'s' if len(lines) > 1 else ''}"


def _show(text: str) -> str:
    """``text`` quoted for a problem line, cut at 60 characters."""
    return f"'{text if len(text) <= 60 else text[:60] + '…'}'"


def _list(names: list[str]) -> str:
    return ", ".join(map(_show, names))
