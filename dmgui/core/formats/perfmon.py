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

import codecs
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
    simple = _simple_layout(data, decode_text(data, source))
    table = _read_simple(simple) if simple is not None else None
    if table is None:  # quoting or bytes perfmon does not write: the csv module reads it
        table = _read_csv(decode_text(data, source), source)
    table.times.flags.writeable = False  # shared by every Series of the log
    log = PerfmonLog(source=source, started=table.started, problems=table.problems)
    _build(log, table.columns, table.times, table.values)
    log.problems = [one_line(problem) for problem in log.problems]  # names may hold a CR
    return log


@dataclass
class _Table:
    """What a reader found: the usable columns, the first sample's time as written,
    the kept samples' times (s) and each column's values, and the problem lines."""

    columns: list[_Column]
    started: str
    times: np.ndarray
    values: dict[int, np.ndarray]
    problems: list[str]


def _read_csv(text: str, source: str) -> _Table:
    """Read ``text`` with the csv module: any CSV, however quoted."""
    try:
        rows = list(_numbered_rows(text))
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
    return _Table(columns, started, times, values, problems + value_problems)


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
    times = (np.array(stamps, dtype=np.int64) - stamps[0]) / 1e6
    return kept[0][1][0].strip(), times, kept, _time_problems(unreadable, backwards)


def _time_problems(unreadable: list[int], backwards: list[int]) -> list[str]:
    """The lines for rows skipped for their time, given the rows' line numbers."""
    problems = []
    if unreadable:
        problems.append(f"{_rows(unreadable)} skipped: the first cell is not a time "
                        f"MM/dd/yyyy HH:mm:ss.fff (first at line {unreadable[0]})")
    if backwards:
        problems.append(f"{_rows(backwards)} skipped: the time is not after the previous "
                        f"sample's (first at line {backwards[0]})")
    return problems


def _ragged(samples: list[tuple[int, list[str]]], width: int) -> list[str]:
    short = [line for line, cells in samples if len(cells) < width]
    long = [line for line, cells in samples if len(cells) > width]
    return _ragged_problems(short, long)


def _ragged_problems(short: list[int], long: list[int]) -> list[str]:
    """The lines for rows with fewer or more cells than the header (line numbers)."""
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
    return values, [_not_numbers(len(bad), *min(bad))]


def _not_numbers(count: int, line: int, index: int, cell: str) -> str:
    """The line for ``count`` cells not numbers, the first at ``line``, column ``index``."""
    return (f"{count} cell{'s' if count > 1 else ''} not a number, read as blank "
            f"(first at line {line}, column {index + 1}: {_show(cell)})")


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


# -- the fast reader ---------------------------------------------------------------------
#
# perfmon, relog and typeperf quote every cell and write ASCII, one record per line. Data
# lines checked to be exactly that are split and converted with numpy, a block of lines
# at a time, without a Python object per cell: a week of 50 VMs at 15 s is 12 million
# cells (issue 10 §5). The result is the csv reader's, cell for cell: any cell that is
# not a plain decimal or blank, and any time not in the usual form, goes through the
# same Python code; a file with any other line is read by :func:`_read_csv`.

_BLOCK_BYTES = 1 << 22  # lines read at a time: bounds the temporary arrays
_QUOTE, _COMMA, _LF, _CR, _SPACE, _DOT, _MINUS, _ZERO = b'",\n\r .-0'
_MAX_DIGITS = 18  # the most a decimal converted here has: m < 10**18 fits int64
_POW10 = 10.0 ** np.arange(_MAX_DIGITS + 1)  # exact doubles
_INT_POW10 = 10 ** np.arange(_MAX_DIGITS + 1, dtype=np.int64)
_INT_POW5 = 5 ** np.arange(_MAX_DIGITS + 1, dtype=np.int64)
#: "MM/dd/yyyy HH:mm:ss.fff": where the digits are, and the other characters.
_TIME_DIGITS = np.array([0, 1, 3, 4, 6, 7, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22])
_TIME_MARKS = {2: b"/", 5: b"/", 10: b" ", 13: b":", 16: b":", 19: b"."}
_MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
_DAYS_BEFORE = np.concatenate([[0], np.cumsum(_MONTH_DAYS)[:-1]])


@dataclass(frozen=True)
class _Simple:
    """A file whose data lines may be read by :func:`_read_simple`."""

    header: list[str]
    first_line: int  # number of the first line after the header (as csv counts)
    raw: bytes  # ASCII; the data lines run from ``start`` to the end
    start: int


def _simple_layout(data: bytes, text: str) -> _Simple | None:
    """The header, read by the csv module, and the data lines' bytes if they are
    ASCII; else None."""
    found = _header(text)
    if found is None:
        return None
    header, lines, offset = found
    skip = len(data) - len(text)
    if text.isascii() and (skip == 0 or skip == 3 and data.startswith(codecs.BOM_UTF8)):
        raw, start = data, offset + skip  # the text is the bytes (no copy)
    else:
        rest = text[offset:]
        if not rest.isascii():
            return None
        raw, start = rest.encode("ascii"), 0
    return _Simple(header, lines + 1, raw, start)


def _header(text: str) -> tuple[list[str], int, int] | None:
    """The first record of ``text`` as the csv module reads it, the number of lines
    it took and where it ends; None if there is none or it is not CSV. Only as much of
    the text as it needs is read (a StringIO of it all takes 4 bytes a character)."""
    size = 1 << 16
    while True:
        stream = io.StringIO(text[:size], newline="")
        reader = csv.reader(stream, strict=False)
        try:
            header = next((cells for cells in reader if cells), None)
        except csv.Error:
            return None
        if stream.tell() < size or size >= len(text):  # the record's line end was read
            return None if header is None else (header, reader.line_num, stream.tell())
        size *= 4
def _read_simple(simple: _Simple) -> _Table | None:
    """Read the data lines of ``simple``; None if a line is not ``"…","…"`` or if no
    row has a readable time (the csv reader then says what it says)."""
    columns, problems = _columns(simple.header)
    if not columns:
        return None
    reader = _SimpleReader(len(simple.header), columns)
    raw, start, line = simple.raw, simple.start, simple.first_line
    while start < len(raw):
        end = raw.find(b"\n", start + _BLOCK_BYTES)
        end = len(raw) if end < 0 else end + 1
        block = np.frombuffer(raw, np.uint8, end - start, start)
        lines = reader.read_block(block, line, raw.count(b"\r", start, end))
        if lines is None:
            return None
        start, line = end, line + lines
    return reader.table(problems)


class _SimpleReader:
    """The state carried from block to block: the latest time, the rows skipped, the
    cells not numbers, and the values so far (one row per column)."""

    def __init__(self, width: int, columns: list[_Column]) -> None:
        self.columns = columns
        self.width = width
        self.wanted = np.array([column.index for column in columns])
        self.values: list[np.ndarray] = []  # per block, one row per column
        self.kept = 0
        self.stamps: list[np.ndarray] = []
        self.latest = np.iinfo(np.int64).min
        self.started = ""
        self.skipped: dict[str, list[np.ndarray]] = defaultdict(list)
        self.bad = 0
        self.first_bad: tuple[int, int, str] | None = None

    def read_block(self, block: np.ndarray, first_line: int, returns: int) -> int | None:
        """Read a block of whole lines that holds ``returns`` CRs; the number of lines,
        or None if one is not simple."""
        found = _line_cells(block, returns)
        if found is None:
            return None
        lines, first, count, starts, ends, line_count = found
        lines += first_line
        stamps, readable = _stamps(block, starts[first], ends[first])
        before = np.maximum(np.maximum.accumulate(np.where(readable, stamps, self.latest)),
                            self.latest)  # the latest time up to each row
        kept = readable & (stamps > np.concatenate([[self.latest], before[:-1]]))
        self.latest = before[-1] if len(before) else self.latest
        if not self.kept and kept.any():
            at = first[kept.argmax()]
            self.started = _text(block, starts[at], ends[at]).strip()
        for name, skip in (("unreadable", ~readable), ("backwards", readable & ~kept),
                           ("short", kept & (count < self.width)),
                           ("long", kept & (count > self.width))):
            self.skipped[name].append(lines[skip])
        self.stamps.append(stamps[kept])
        self._numbers(block, starts, ends, lines[kept], first[kept], count[kept])
        return line_count

    def _numbers(self, block, starts, ends, lines, first, count) -> None:
        """Convert the wanted cells of the kept rows (``first``: their first cells)."""
        at = first[:, None] + self.wanted
        if (count >= self.width).all():
            values, bad = (found.reshape(at.shape) for found in
                           _cell_numbers(block, starts[at.ravel()], ends[at.ravel()]))
        else:  # a missing cell is blank
            present = self.wanted < count[:, None]
            values = np.full(at.shape, np.nan)
            bad = np.zeros(at.shape, dtype=bool)
            values[present], bad[present] = _cell_numbers(block, starts[at[present]],
                                                          ends[at[present]])
        self.values.append(values.T.copy())
        self.kept += len(first)
        if bad.any():
            self.bad += int(bad.sum())
            if self.first_bad is None:
                row = bad.any(axis=1).argmax()
                index = int(self.wanted[bad[row]].min())
                cell = first[row] + index
                text = _text(block, starts[cell], ends[cell])
                self.first_bad = (int(lines[row]), index, text)

    def table(self, problems: list[str]) -> _Table | None:
        if not self.kept:
            return None
        lines = {name: np.concatenate(found).tolist() for name, found in self.skipped.items()}
        problems += _time_problems(lines["unreadable"], lines["backwards"])
        problems += _ragged_problems(lines["short"], lines["long"])
        if self.first_bad is not None:
            problems.append(_not_numbers(self.bad, *self.first_bad))
        stamps = np.concatenate(self.stamps)
        values = np.concatenate(self.values, axis=1)
        self.values.clear()
        return _Table(self.columns, self.started, (stamps - stamps[0]) / 1e6,
                      {column.index: values[n] for n, column in enumerate(self.columns)},
                      problems)


def _line_cells(block: np.ndarray, returns: int):
    """Where the cells of a block of whole lines are, if each line is empty or
    ``"cell","cell",…`` with no quote or comma in a cell (so that the csv module reads
    the same cells) and every CR ends a line: per record, its line index in the block,
    the index of its first cell and its number of cells; per cell, its start and end;
    and the block's number of lines. None if a line is anything else."""
    newlines = np.flatnonzero(block == _LF)
    ends = newlines if block[-1] == _LF else np.append(newlines, len(block))
    begins = np.concatenate([[0], newlines + 1])[:len(ends)]
    crlf = (ends > begins) & (block[np.maximum(ends - 1, 0)] == _CR)
    ends = ends - crlf
    records = np.flatnonzero(ends > begins)
    first, last = begins[records], ends[records] - 1  # each record's opening and closing quote
    commas = np.flatnonzero(block == _COMMA)
    # Each comma sits between two quotes of its own; the record's quotes are its first
    # and last characters; and there is no other quote: each cell is between them.
    if (returns != np.count_nonzero(crlf) or np.any(last <= first)
            or np.any(block[first] != _QUOTE) or np.any(block[last] != _QUOTE)
            or np.any(block[first + 1] == _COMMA) or np.any(block[last - 1] == _COMMA)
            or len(commas) and (commas[0] == 0 or commas[-1] == len(block) - 1
                                or np.any(block[commas - 1] != _QUOTE)
                                or np.any(block[commas + 1] != _QUOTE)
                                or np.any(np.diff(commas) < 3))
            or np.count_nonzero(block == _QUOTE) != 2 * (len(commas) + len(records))):
        return None
    separators = np.searchsorted(commas, last) - np.searchsorted(commas, first)
    count = separators + 1
    at = np.cumsum(count) - count  # index of each record's first cell
    starts = np.empty(count.sum(), dtype=np.int64)
    ends = np.empty(count.sum(), dtype=np.int64)
    starts[at], ends[at + separators] = first + 1, last
    before = np.arange(len(commas)) + np.repeat(np.arange(len(records)), separators)
    ends[before], starts[before + 1] = commas - 1, commas + 2
    if len(starts) and (ends - starts).max() > csv.field_size_limit():
        return None
    return records, at, count, starts, ends, len(begins)


def _text(block: np.ndarray, start: int, end: int) -> str:
    return block[start:end].tobytes().decode("ascii")


def _stamps(block: np.ndarray, starts: np.ndarray, ends: np.ndarray):
    """:func:`_microseconds` of the cells ``block[starts:ends]``: (stamps, readable).
    Times written ``MM/dd/yyyy HH:mm:ss.fff`` are read here, others by the regex."""
    stamps = np.zeros(len(starts), dtype=np.int64)
    readable = np.zeros(len(starts), dtype=bool)
    usual = np.flatnonzero(ends - starts == 23)
    chars = _fixed(block, starts[usual], 23)
    digits = chars[:, _TIME_DIGITS].astype(np.int64) - _ZERO
    numeric = ((digits >= 0) & (digits <= 9)).all(axis=1)
    digits[~numeric] = 0
    (month, day, year, hour, minute, second, milli) = (
        digits[:, i:j] @ _INT_POW10[j - i - 1::-1]
        for i, j in ((0, 2), (2, 4), (4, 8), (8, 10), (10, 12), (12, 14), (14, 17)))
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month0 = np.clip(month - 1, 0, 11)
    marks = np.all([chars[:, at] == ord(mark) for at, mark in _TIME_MARKS.items()], axis=0)
    ok = (numeric & marks & (month >= 1) & (month <= 12) & (year >= 1) & (hour <= 23)
          & (minute <= 59) & (second <= 59) & (day >= 1)
          & (day <= _MONTH_DAYS[month0] + (month == 2) * leap))
    years = year - 1
    days = (365 * years + years // 4 - years // 100 + years // 400 + _DAYS_BEFORE[month0]
            + (month > 2) * leap + day)
    seconds = ((days * 24 + hour) * 60 + minute) * 60 + second
    stamps[usual] = seconds * 1_000_000 + milli * 1000
    readable[usual] = ok
    for row in np.setdiff1d(np.arange(len(starts)), usual[ok]).tolist():
        stamp = _microseconds(_text(block, starts[row], ends[row]))
        stamps[row], readable[row] = (0, False) if stamp is None else (stamp, True)
    return stamps, readable


def _cell_numbers(block: np.ndarray, starts: np.ndarray, ends: np.ndarray):
    """What :func:`_numbers` gives for the cells ``block[starts:ends]`` (in order):
    (values, not a number). Plain decimals and ``" "`` are read here in bulk: up to 8
    digits at once, the others grouped by length and where their point is; any other
    cell by :func:`_numbers`."""
    values = np.full(len(starts), np.nan)
    bad = np.zeros(len(starts), dtype=bool)
    lengths = ends - starts
    short = np.flatnonzero((lengths >= 1) & (lengths <= 8) & (ends >= 8))
    numbers, digits = _eight_digits(block, ends[short], lengths[short])
    values[short[digits]] = numbers[digits]
    todo = lengths > 0
    todo[short[digits]] = False
    rest = np.flatnonzero(todo)
    if not len(rest):
        return values, bad
    starts, ends, lengths = starts[rest], ends[rest], lengths[rest]
    points = np.flatnonzero(block == _DOT)
    cell = np.searchsorted(starts, points, side="right") - 1
    inside = (cell >= 0) & (points < ends[cell])
    cell, points = cell[inside], points[inside]
    point = np.full(len(starts), -1)
    point[cell] = points - starts[cell]
    key = (lengths * 32 + point + 1).astype(np.int16)
    key[(lengths > _MAX_DIGITS + 2) | (np.bincount(cell, minlength=len(starts)) > 1)] = 0
    order = np.argsort(key, kind="stable")
    others = []
    for group in np.split(order, np.flatnonzero(np.diff(key[order])) + 1):
        length, at = divmod(int(key[group[0]]), 32)
        if length:
            numbers, ok, blank = _decimals(block, starts[group], length, at - 1)
            values[rest[group[ok]]] = numbers
            group = group[~ok & ~blank]
        others.append(group)
    other = np.concatenate(others)
    if len(other):
        cells = zip(starts[other].tolist(), ends[other].tolist())
        values[rest[other]], wrong = _numbers([_text(block, s, e) for s, e in cells])
        bad[rest[other[wrong]]] = True
    return values, bad


def _eight_digits(block: np.ndarray, ends: np.ndarray, lengths: np.ndarray):
    """Cells of 1 to 8 characters (ending at ``ends`` >= 8) that are all digits: their
    values, and which are. Eight bytes at a time, as a little-endian word: the cell's
    first character is the lowest byte the cell holds (SWAR, as in simdjson)."""
    if not len(ends):
        return np.zeros(0), np.zeros(0, dtype=bool)
    words = np.ndarray((len(block) - 7,), "<u8", block, strides=(1,))[ends - 8]
    keep = np.uint64(0xFFFFFFFFFFFFFFFF) << (np.uint64(8) * (8 - lengths).astype(np.uint64))
    zeros, high = np.uint64(0x3030303030303030), np.uint64(0xF0F0F0F0F0F0F0F0)
    words = (words & keep) | (zeros & ~keep)  # the bytes before the cell read as "0"s
    digits = ((words & high) == zeros) & (((words + np.uint64(0x0606060606060606)) & high)
                                          == zeros)  # each byte 0x30-0x39
    words -= zeros
    words = words * np.uint64(10) + (words >> np.uint64(8))
    pairs = np.uint64(0x000000FF000000FF)
    words = ((words & pairs) * np.uint64(100 + (1000000 << 32))
             + ((words >> np.uint64(16)) & pairs) * np.uint64(1 + (10000 << 32)))
    words >>= np.uint64(32)
    return (words & np.uint64(0xFFFFFFFF)).astype(np.float64), digits


def _decimals(block: np.ndarray, starts: np.ndarray, length: int, point: int):
    """The cells of ``length`` characters at ``starts`` with a point at ``point`` (-1:
    none) read as ``-?D+(.D+)?`` with at most 18 digits: (the values of those that are,
    exactly as float() reads them; which are; which are blank)."""
    columns = np.ascontiguousarray(_fixed(block, starts, length).T)
    negative = columns[0] == _MINUS
    ok = np.ones(len(starts), dtype=bool)
    mantissa = np.zeros(len(starts), dtype=np.int64)
    for at, column in enumerate(columns):
        if at != point:
            digit = column - _ZERO
            if at == 0:  # a sign, or a digit
                ok &= (digit < 10) | negative
                digit[negative] = 0
            else:  # a row with another character is not ok: its mantissa is not used
                ok &= digit < 10
            mantissa *= 10
            mantissa += digit
    digits = length - (point >= 0) - negative
    ok &= (digits >= 1) & (digits <= _MAX_DIGITS)
    if point >= 0:
        ok &= (point > negative) & (point < length - 1)
    exponent = length - 1 - point if point >= 0 else 0  # <= the digits, so <= 18 if ok
    value = _exact_quotient(mantissa[ok], exponent) if ok.any() else np.zeros(0)
    blank = columns[0] == _SPACE if length == 1 else np.zeros(len(starts), dtype=bool)
    return np.where(negative[ok], -value, value), ok, blank


def _fixed(block: np.ndarray, starts: np.ndarray, length: int) -> np.ndarray:
    """The ``length`` bytes at each of ``starts``: one row each."""
    if not len(starts):
        return np.zeros((0, length), dtype=np.uint8)
    every = np.ndarray((len(block) - length + 1,), f"S{length}", block, strides=(1,))
    return every[starts].view(np.uint8).reshape(len(starts), length)


def _exact_quotient(mantissa: np.ndarray, exponent: int) -> np.ndarray:
    """``mantissa / 10**exponent`` rounded to the nearest double, ties to even: what
    float() reads for the decimal (0 <= mantissa < 10**18, 0 <= exponent <= 18)."""
    value = np.empty(len(mantissa))
    small = mantissa <= 2**53
    # Both are exact doubles, so the one division rounds once (Clinger's fast path).
    value[small] = mantissa[small] / _POW10[exponent]
    big = ~small
    if big.any():
        value[big] = _long_division(mantissa[big], exponent)
    return value


def _long_division(mantissa: np.ndarray, exponent: int) -> np.ndarray:
    """:func:`_exact_quotient` for mantissas over 2**53, in integers: m / 10**k is
    (m / 5**k) * 2**-k; the quotient m / 5**k is taken to 55-57 bits by long division,
    then rounded to 53 by its remaining bits and whether anything is left over."""
    divisor = _INT_POW5[exponent]  # < 2**42
    shift = 56 - np.frexp(mantissa / divisor)[1].astype(np.int64)  # -> [2**54, 2**57)
    quotient = mantissa // divisor  # by a scalar: a multiplication (libdivide)
    remainder = mantissa - quotient * divisor
    down = np.maximum(-shift, 0)
    sticky = (quotient & ((1 << down) - 1)) != 0
    quotient >>= down
    left = np.maximum(shift, 0)
    while left.any():
        step = np.minimum(left, 20)  # remainder << 20 < 2**62
        remainder <<= step
        digits = remainder // divisor
        remainder -= digits * divisor
        quotient = (quotient << step) + digits
        left -= step
    sticky |= remainder != 0
    drop = 2 + (quotient >= 2**55) + (quotient >= 2**56)  # bits beyond 53
    kept = quotient >> drop
    rest = quotient & ((1 << drop) - 1)
    half = 1 << (drop - 1)
    kept += (rest > half) | ((rest == half) & (sticky | ((kept & 1) == 1)))
    return np.ldexp(kept.astype(np.float64), (drop - shift - exponent).astype(np.int32))


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
