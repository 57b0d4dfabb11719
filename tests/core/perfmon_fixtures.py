"""Realistic Performance Monitor CSVs (PDH-CSV 4.0) for the importer's tests.

:func:`perfmon_csv` writes the shape real perfmon data collector sets, relog and
typeperf write (spec §5.3, and the real logs described in the shared samples): every
cell double-quoted, a first header cell ``(PDH-CSV 4.0) (<time zone>)(<bias>)``,
counter paths ``\\\\HOST\\Hyper-V Dynamic Memory VM(NAME)\\Physical Memory``, local
``MM/dd/yyyy HH:mm:ss.fff`` times, full-precision doubles (``%.17g``: ``734``,
``83.333333333333329``), ``" "`` for a missing sample and for the first sample of
averaged counters, CRLF lines and the ANSI code page. :class:`Quirks` switches on the
variations an importer must survive: shuffled columns, a localized or cut header
cell, typeperf's six decimals and header, LF lines, UTF-8 / UTF-8-BOM / UTF-16 text,
unrelated counters. Several hosts, ``#n`` instances, odd names, irregular times and
blank cells come from the arguments themselves.

Every VM is written from a known demand series: Physical Memory is the assigned
memory and Current Pressure = demand / assigned × 100 (spec §5.2), so an importer
that computes Physical Memory × Current Pressure / 100 must give the demand back.
:meth:`FixtureVm.counters` returns exactly what the file holds (NaN where blank), for
comparisons.

Usage::

    vm = FixtureVm("WEB01", demand_mb=[600, 700, 900])
    data = perfmon_csv([vm], times_s=[0, 15, 30.5], hosts={"HV01": [8000, 7900, 7700]})
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

START = datetime(2024, 11, 27, 10, 0, 0, 123000)
HEADER_PERFMON = "(PDH-CSV 4.0) (Pacific Standard Time)(480)"
HEADER_INDIA = "(PDH-CSV 4.0) (India Standard Time)(-330)"
HEADER_TYPEPERF = "(PDH-CSV 4.0)"
HEADER_CUT = "(PDH-CSV 4.0) (RTZ 2 ("  # a Russian log's header cell, cut short
HEADER_RUSSIAN = "(PDH-CSV 4.0) (RTZ 2 (зима))(-180)"
BYTES_PER_MB = 1024 * 1024

#: The counters of set "Hyper-V Dynamic Memory VM" the importer reads (spec §5.2).
VM_COUNTERS = ("Physical Memory", "Guest Visible Physical Memory", "Current Pressure",
               "Average Pressure", "Added Memory", "Removed Memory")
#: Columns no importer should read: other objects, and counts or percent in the
#: Dynamic Memory sets that are not imported. ``{host}`` is filled in.
NOISE_COUNTERS = (
    "\\\\{host}\\Processor(_Total)\\% Processor Time",
    "\\\\{host}\\Memory\\Available MBytes",
    "\\\\{host}\\Hyper-V Dynamic Memory Balancer(System Balancer)\\Average Pressure",
    "\\\\{host}\\Hyper-V Dynamic Memory VM(NOISE)\\Memory Add Operations",
    "\\\\{host}\\LogicalDisk(C:)\\Avg. Disk Read Queue Length",
)


@dataclass(frozen=True)
class Quirks:
    """How the file is written; the defaults are a perfmon data collector set's log."""

    header: str = HEADER_PERFMON  # first header cell
    newline: str = "\r\n"
    encoding: str = "cp1252"  # also "utf-8", "utf-8-sig", "utf-16" (BOM), "utf-16-le"
    shuffle: int | None = None  # seed: counter columns in a random order
    blank_first_average: bool = True  # " " in the first sample of Average Pressure
    integer_pressure: bool = False  # pressures rounded to whole percent
    decimals: int | None = None  # typeperf writes 6 ("734.000000"); None: full precision
    noise_columns: int = 0  # unrelated counter columns per host (cycling NOISE_COUNTERS)


@dataclass
class FixtureVm:
    """One VM written as ``Hyper-V Dynamic Memory VM(name)`` counters on ``host``.

    ``name`` is the instance exactly as written (``WEB01#1``, ``SQL (prod), 2``).
    ``physical_mb`` defaults to demand + 20 % rounded up to 2 MB (at least 512).
    ``blanks`` maps a counter name to the sample indexes written ``" "``.
    """

    name: str
    demand_mb: Sequence[float]
    host: str = "HV01"
    physical_mb: Sequence[float] | None = None
    counters: tuple[str, ...] = VM_COUNTERS
    blanks: Mapping[str, Collection[int]] = field(default_factory=dict)

    def assigned(self) -> np.ndarray:
        if self.physical_mb is not None:
            return np.asarray(self.physical_mb, dtype=float)
        demand = np.asarray(self.demand_mb, dtype=float)
        return np.maximum(512.0, np.ceil(demand * 1.2 / 2) * 2)

    def counters_written(self, quirks: Quirks = Quirks()) -> dict[str, np.ndarray]:
        """Each counter as the file holds it (NaN where the cell is blank)."""
        physical = self.assigned()
        pressure = np.asarray(self.demand_mb, dtype=float) / physical * 100
        if quirks.integer_pressure:
            pressure = np.round(pressure)
        steps = np.diff(physical, prepend=physical[:1])
        values = {
            "Physical Memory": physical,
            "Guest Visible Physical Memory": np.maximum.accumulate(physical),
            "Current Pressure": pressure,
            "Average Pressure": np.cumsum(pressure) / np.arange(1, len(pressure) + 1),
            "Added Memory": np.cumsum(np.maximum(steps, 0)),
            "Removed Memory": np.cumsum(np.maximum(-steps, 0)),
        }
        if quirks.blank_first_average and len(physical):
            values["Average Pressure"][0] = np.nan
        for counter, rows in self.blanks.items():
            values[counter][list(rows)] = np.nan
        if quirks.decimals is not None:
            values = {k: np.round(v, quirks.decimals) for k, v in values.items()}
        return {k: v for k, v in values.items() if k in self.counters}

    def expected_demand(self, quirks: Quirks = Quirks()) -> np.ndarray:
        """Physical Memory × Current Pressure / 100 as the written cells give it."""
        written = self.counters_written(quirks)
        return written["Physical Memory"] * written["Current Pressure"] / 100


def irregular_times(count: int, interval_s: float = 15.0, seed: int = 0) -> np.ndarray:
    """``count`` increasing sample times (s, whole milliseconds) about ``interval_s``
    apart, with jitter and one long gap (a paused collector), starting at 0."""
    rng = np.random.default_rng(seed)
    steps = interval_s + rng.uniform(-0.05, 0.05, count) * interval_s
    if count > 3:
        steps[count // 2] = interval_s * 7.5
    return np.round(np.concatenate([[0.0], np.cumsum(steps[1:])]), 3)


def perfmon_csv(vms: Sequence[FixtureVm] = (), times_s: Sequence[float] = (), *,
                hosts: Mapping[str, Sequence[float] | Mapping[str, Sequence[float]]] = {},
                guests: Mapping[str, Sequence[float]] = {},
                quirks: Quirks = Quirks()) -> bytes:
    """A perfmon CSV file's bytes.

    ``vms`` give the ``Hyper-V Dynamic Memory VM`` columns; ``hosts`` maps a host name
    to its Available Memory (MB): a sequence is the ``System Balancer`` instance, a
    mapping gives instances by name (per NUMA node); ``guests`` maps a computer name
    to its committed memory in MB, written as ``\\\\NAME\\Memory\\Committed Bytes``.
    Every sequence has one value per ``times_s`` (seconds after :data:`START`).
    """
    columns: list[tuple[str, list[str]]] = []
    for vm in vms:
        for counter, values in vm.counters_written(quirks).items():
            path = f"\\\\{vm.host}\\Hyper-V Dynamic Memory VM({vm.name})\\{counter}"
            columns.append((path, _cells(values, quirks)))
    for host, available in hosts.items():
        instances = available if isinstance(available, Mapping) else {"System Balancer":
                                                                      available}
        for instance, values in instances.items():
            path = f"\\\\{host}\\Hyper-V Dynamic Memory Balancer({instance})\\Available Memory"
            columns.append((path, _cells(values, quirks)))
    for guest, committed_mb in guests.items():
        cells = [str(round(mb * BYTES_PER_MB)) for mb in committed_mb]
        columns.append((f"\\\\{guest}\\Memory\\Committed Bytes", cells))
    noisy_hosts = sorted({vm.host for vm in vms} | set(hosts) | set(guests))
    for host in noisy_hosts:
        for n in range(quirks.noise_columns):
            path = NOISE_COUNTERS[n % len(NOISE_COUNTERS)].format(host=host)
            columns.append((path + ("" if n < len(NOISE_COUNTERS) else f" {n}"),
                            [f"{(n * 7 + t) % 97:.17g}" for t in range(len(times_s))]))
    if quirks.shuffle is not None:
        order = np.random.default_rng(quirks.shuffle).permutation(len(columns))
        columns = [columns[i] for i in order]
    return write_rows([[quirks.header] + [path for path, _ in columns]]
                      + [[timestamp(t)] + [cells[row] for _, cells in columns]
                         for row, t in enumerate(times_s)], quirks)


def write_rows(rows: Sequence[Sequence[str]], quirks: Quirks = Quirks()) -> bytes:
    """``rows`` as perfmon writes them: every cell quoted, ``quirks`` line ends and
    encoding (for tests that build rows by hand)."""
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator=quirks.newline).writerows(rows)
    return out.getvalue().encode(quirks.encoding)


def timestamp(seconds: float) -> str:
    """``seconds`` after :data:`START` as ``MM/dd/yyyy HH:mm:ss.fff``."""
    when = START + timedelta(milliseconds=round(seconds * 1000))
    return when.strftime("%m/%d/%Y %H:%M:%S.") + f"{when.microsecond // 1000:03d}"


def _cells(values: Sequence[float], quirks: Quirks) -> list[str]:
    spec = ".17g" if quirks.decimals is None else f".{quirks.decimals}f"
    return [" " if np.isnan(v) else format(float(v), spec) for v in values]
