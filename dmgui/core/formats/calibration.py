"""How close is the model to the real host: simulated vs measured Assigned Memory.

``dmgui simulate --compare PERFMON.csv`` replays a scenario and compares, sample by
sample, the simulated Assigned Memory with the Physical Memory counter of a perfmon
log (spec §5.2: Physical Memory *is* the assigned memory). :class:`Calibration` folds
the engine's blocks as they stream by, keeping one simulated value per log sample
and matched VM (never the run itself); :meth:`Calibration.result` is the
``"calibration"`` object of the summary JSON and :func:`calibration_table` its text.

Definitions
-----------

Matching
    A scenario VM and a log trace (one ``Hyper-V Dynamic Memory VM(NAME)`` instance
    on one host) match when their names are equal under :meth:`str.casefold`, as
    Hyper-V compares names. Only traces that have a Physical Memory column take
    part (a guest's ``Memory\\Committed Bytes`` trace has none). With ``host``
    (``--compare-host``) only that host's traces do (its name also compared
    case-insensitively; a host the log does not have is an error). A name shared by
    several traces (the same VM name on two hosts, or two instances differing only in
    case) or by several scenario VMs is *ambiguous*: listed in ``"ambiguous"`` and
    not compared. Scenario VMs and log traces left over are listed in ``"unmatched"``;
    neither is an error, but a log that matches no scenario VM at all raises
    :class:`CalibrationProblem` (one line naming the file).

Time
    ``times_s`` counts from the log's first sample, which is the simulation's
    t = 0 (``dmgui import`` builds the scenario that way). A sample at ``t`` is
    compared with the simulated tick ``floor(t)``: several samples within one second
    compare with the same tick, irregular times are fine. Samples whose tick was not
    simulated (after the run's end) are left out and counted
    (``"samples_beyond_duration"`` for the log's rows, ``"beyond_duration"`` per VM),
    with a note when the run is shorter than the log. Blank (NaN) measured cells are
    skipped and counted (``"blank_samples"``). :func:`default_duration` is the run
    length that covers every sample: ``floor(last sample time) + 1`` seconds.

Off samples
    A measured sample while the simulated VM holds no memory (Off, Saved, or still
    waiting for memory to start) is compared like any other, with the simulated
    0 MB: perfmon has a ``Hyper-V Dynamic Memory VM`` instance only for a running
    VM, so such a sample is a real disagreement (typically a start the model refused
    for lack of memory). They are also counted per VM in ``"simulated_off"``.

Per VM (each entry of ``"vms"``, keyed by the scenario name)
    ``samples``: samples compared (measured not blank, tick simulated);
    ``mean_abs_error_mb``: mean of ``|simulated − measured|``;
    ``p95_abs_error_mb``: its 95th percentile, *nearest rank* (the smallest error
    that at least 95 % of the samples do not exceed: the ``ceil(0.95·n)``-th smallest,
    the rule :mod:`dmgui.core.sim.summary` uses for pressure);
    ``within_5pct``: the share (0..1) of samples with ``|simulated − measured| ≤
    5 % × measured`` (for a measured 0 MB: only a simulated 0 MB is within);
    ``mean_measured_mb``, ``mean_simulated_mb``: means over the same samples;
    ``pressure``: when the log has Current Pressure for the VM, its comparison with
    the simulated pressure (``round(100 × demand / assigned)``) in percentage points,
    over the samples above at which the simulated VM reports a pressure (a running
    Dynamic Memory VM whose guest reports: not a static VM, not while it boots):
    ``samples``, ``mean_abs_error``, ``mean_measured``, ``mean_simulated`` (else
    ``null``). Also ``log_name`` and
    ``log_host`` (the trace compared), ``blank_samples``, ``beyond_duration`` and
    ``simulated_off``. MB values are rounded to 0.1, shares to 0.0001; a statistic
    of no sample is ``null``.

Host (``"host"``)
    The same statistics on the *total* Assigned Memory of the matched VMs (not of
    every scenario VM), simulated vs measured, at the log rows where every matched
    VM has a measured sample (rows with a blank for any of them are left out and
    counted in ``"rows_with_blanks"``). ``"available"``: when the matched VMs are all
    on one log host (or ``host`` was given) and the log has that host's balancer
    Available Memory, its statistics against the simulated host Available Memory
    (the VM pool minus every scenario VM's assigned memory, so reserve and overhead
    settings show up here); else ``null``.

The object
    ``source`` (the file as named), ``started`` (the log's first sample time, as
    written), ``host_name`` (the log host compared, or ``null`` when the matched VMs
    are on several), ``log_duration_s`` (first to last sample), ``duration_s``
    (seconds simulated), ``log_samples``, ``samples_beyond_duration``, ``vms``,
    ``host``, ``unmatched`` (``{"scenario": [names], "log": [{"name", "host"}]}``),
    ``ambiguous`` (``[{"scenario": [names], "log": [{"name", "host"}]}]``), ``notes``
    (one line each: what was left out and why) and ``log_problems`` (the importer's).
"""

from __future__ import annotations

import io
import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from dmgui.core.formats.imported import PerfmonLog, Series, VmTrace
from dmgui.core.model.limits import MAX_SIM_SECONDS
from dmgui.core.model.names import OneLineError, one_line
from dmgui.core.model.states import holds_memory
from dmgui.core.sim.block import Block

#: Keys of a statistics object (per VM, host total, Available Memory).
STAT_KEYS = ("samples", "mean_abs_error_mb", "p95_abs_error_mb", "within_5pct",
             "mean_measured_mb", "mean_simulated_mb")


class CalibrationProblem(OneLineError):
    """A log that cannot be compared with the scenario (one line naming the file)."""


def log_length_s(log: PerfmonLog) -> float:
    """Seconds from the log's first sample to its last."""
    series = [vm_series for vm in log.vms for vm_series in _all_series(vm)]
    series += list(log.available_mb.values())
    return max((float(s.times_s[-1]) for s in series if s.times_s.size), default=0.0)


def default_duration(log: PerfmonLog) -> int:
    """The run length (s) that simulates the tick of every sample of ``log``:
    ``floor(last sample time) + 1``, at most the longest run."""
    return int(min(MAX_SIM_SECONDS, math.floor(log_length_s(log)) + 1))


@dataclass(frozen=True)
class _Match:
    column: int  # the VM's column in the blocks
    name: str  # scenario name
    trace: VmTrace


class Calibration:
    """Compares simulated Assigned Memory with a perfmon log's, block by block.

    ``names`` are the scenario's VM names in block column order; ``host`` limits the
    comparison to one log host. Raises :class:`CalibrationProblem` if ``host`` is not
    in the log or no VM matches. Then :meth:`add` every block of the run (in time
    order) and read :meth:`result`.
    """

    def __init__(self, names: list[str], log: PerfmonLog, host: str | None = None) -> None:
        self.names = list(names)
        self.log = log
        self.host = self._chosen_host(host)
        self.matches: list[_Match] = []
        self.ambiguous: list[dict] = []
        self.unmatched_scenario: list[str] = []
        self.unmatched_log: list[dict] = []
        self.notes: list[str] = []
        self._match()
        if not self.matches:
            raise CalibrationProblem(self._nothing_matches())
        times = self.matches[0].trace.physical_mb.times_s
        if not all(np.array_equal(m.trace.physical_mb.times_s, times) for m in self.matches):
            raise ValueError("the series of one log must share their sample times")
        self.times_s = times
        self.ticks = np.floor(times).astype(np.int64)
        n, m = times.size, len(self.matches)
        self.columns = np.array([match.column for match in self.matches], np.intp)
        self.measured = np.column_stack([match.trace.physical_mb.values
                                         for match in self.matches])
        self.covered = np.zeros(n, bool)
        self.sim_assigned = np.zeros((n, m))
        self.sim_off = np.zeros((n, m), bool)
        self.has_pressure = [match.trace.current_pressure is not None
                             for match in self.matches]
        self.sim_pressure = np.zeros((n, m), np.float32) if any(self.has_pressure) else None
        self.sim_reporting = np.zeros((n, m), bool) if any(self.has_pressure) else None
        self.available_host = self._available_host()
        self.sim_available = np.zeros(n) if self.available_host else None
        self.ticks_simulated = 0

    # --- matching ------------------------------------------------------------------

    def _chosen_host(self, host: str | None) -> str | None:
        if host is None:
            return None
        hosts = sorted({vm.host for vm in self.log.vms} | set(self.log.available_mb))
        for name in hosts:
            if name.casefold() == host.casefold():
                return name
        raise CalibrationProblem(f"{self.log.source}: the log has no host '{host}' "
                                 f"(it has {_names(hosts)})")

    def _match(self) -> None:
        traces = [vm for vm in self.log.vms
                  if self.host is None or vm.host.casefold() == self.host.casefold()]
        logs: dict[str, list[VmTrace]] = defaultdict(list)
        for trace in traces:
            if trace.physical_mb is not None:
                logs[trace.name.casefold()].append(trace)
        scenario: dict[str, list[int]] = defaultdict(list)
        for column, name in enumerate(self.names):
            scenario[name.casefold()].append(column)
        for key, columns in scenario.items():
            found = logs.get(key, [])
            if not found:
                self.unmatched_scenario += [self.names[c] for c in columns]
            elif len(columns) > 1 or len(found) > 1:
                self.ambiguous.append({"scenario": [self.names[c] for c in columns],
                                       "log": [_where(t) for t in found]})
            else:
                self.matches.append(_Match(columns[0], self.names[columns[0]], found[0]))
        for trace in traces:
            if trace.physical_mb is None:
                self.unmatched_log.append(_where(trace))
                if trace.name.casefold() in scenario:
                    self.notes.append(f"{one_line(trace.name)} on {one_line(trace.host)}: "
                                      "no Physical Memory column, so it is not compared")
            elif trace.name.casefold() not in scenario:
                self.unmatched_log.append(_where(trace))
        for entry in self.ambiguous:
            hosts = sorted({where["host"] for where in entry["log"]})
            self.notes.append(f"{one_line(entry['scenario'][0])}: ambiguous, not compared ("
                              + (f"several log instances on {_names(hosts)}; choose a host "
                                 "with --compare-host" if len(entry["log"]) > 1 else
                                 f"scenario VMs {_names(entry['scenario'])} share the name")
                              + ")")

    def _nothing_matches(self) -> str:
        log_names = sorted({t.name for t in self.log.vms if t.physical_mb is not None
                            and (self.host is None
                                 or t.host.casefold() == self.host.casefold())})
        where = f" on host {self.host}" if self.host else ""
        text = (f"{self.log.source}: no VM of the log{where} matches a scenario VM by name "
                f"(log: {_names(log_names) or 'no VM with Physical Memory'}; "
                f"scenario: {_names(self.names) or 'no VM'})")
        if self.ambiguous:
            text += (f"; ambiguous: {_names([a['scenario'][0] for a in self.ambiguous])} "
                     "(choose a host with --compare-host)")
        return text

    def _available_host(self) -> str | None:
        hosts = {match.trace.host for match in self.matches}
        host = self.host if self.host is not None else (hosts.pop() if len(hosts) == 1
                                                        else None)
        if host is None:
            self.notes.append(f"the matched VMs are on several log hosts "
                              f"({_names(sorted({m.trace.host for m in self.matches}))}): "
                              "the host total adds them all; Available Memory is not "
                              "compared")
            return None
        if host not in self.log.available_mb:
            return None
        return host

    # --- streaming -----------------------------------------------------------------

    def add(self, block: Block) -> None:
        """Fold in one block of the run: keep the simulated values at the ticks of
        the log's samples."""
        if len(block) == 0:
            return
        self.ticks_simulated += len(block)
        time = block.time
        lo = int(np.searchsorted(self.ticks, time[0], "left"))
        hi = int(np.searchsorted(self.ticks, time[-1], "right"))
        if lo == hi:
            return
        wanted = self.ticks[lo:hi]
        pos = np.minimum(np.searchsorted(time, wanted), len(time) - 1)
        hit = time[pos] == wanted
        if not hit.any():
            return
        rows = lo + np.flatnonzero(hit)
        keep = np.zeros(len(block), bool)
        keep[pos[hit]] = True
        sub = block.rows(keep)
        # pos[hit] never decreases: the k-th kept row is the k-th distinct position.
        which = np.cumsum(keep)[pos[hit]] - 1
        cols = self.columns
        self.covered[rows] = True
        self.sim_assigned[rows] = sub.assigned[which][:, cols]
        self.sim_off[rows] = ~holds_memory(sub.state[which][:, cols])
        if self.sim_pressure is not None:
            self.sim_pressure[rows] = sub.pressure[which][:, cols]
            reporting = np.zeros((len(sub), len(cols)), bool)
            for seg in sub.segments:
                reporting[seg.start:seg.stop] = seg.reporting[cols]
            self.sim_reporting[rows] = reporting[which]
        if self.sim_available is not None:
            self.sim_available[rows] = sub.available[which]

    # --- results -------------------------------------------------------------------

    def result(self) -> dict[str, object]:
        """The ``"calibration"`` object of the summary JSON (see the module docstring)."""
        blank = np.isnan(self.measured)
        compared = ~blank & self.covered[:, None]
        vms = {}
        for j, match in enumerate(self.matches):
            ok = compared[:, j]
            entry = {
                "log_name": match.trace.name,
                "log_host": match.trace.host,
                **_stats(self.measured[ok, j], self.sim_assigned[ok, j]),
                "blank_samples": int(blank[:, j].sum()),
                "beyond_duration": int((~blank[:, j] & ~self.covered).sum()),
                "simulated_off": int((ok & self.sim_off[:, j]).sum()),
                "pressure": self._pressure(j, match.trace),
            }
            vms[match.name] = entry
        full = self.covered & ~blank.any(axis=1)
        host = {
            "vms": len(self.matches),
            **_stats(self.measured[full].sum(axis=1), self.sim_assigned[full].sum(axis=1)),
            "rows_with_blanks": int((self.covered & blank.any(axis=1)).sum()),
            "available": self._available(),
        }
        beyond = int((~self.covered).sum())
        length = log_length_s(self.log)
        notes = list(self.notes)
        if beyond:
            notes.append(f"the run simulated {self.ticks_simulated} s and the log covers "
                         f"{_seconds(length)} s: {beyond} log sample"
                         f"{'s' if beyond > 1 else ''} after the run "
                         f"{'are' if beyond > 1 else 'is'} left out")
        return {
            "source": self.log.source,
            "started": self.log.started,
            "host_name": self.host if self.host is not None else _single_host(self.matches),
            "log_duration_s": round(length, 3),
            "duration_s": self.ticks_simulated,
            "log_samples": int(self.times_s.size),
            "samples_beyond_duration": beyond,
            "vms": vms,
            "host": host,
            "unmatched": {"scenario": list(self.unmatched_scenario),
                          "log": list(self.unmatched_log)},
            "ambiguous": list(self.ambiguous),
            "notes": notes,
            "log_problems": list(self.log.problems),
        }

    def _pressure(self, j: int, trace: VmTrace) -> dict | None:
        if trace.current_pressure is None or self.sim_pressure is None:
            return None
        measured = trace.current_pressure.values
        ok = (self.covered & ~np.isnan(measured) & ~np.isnan(self.measured[:, j])
              & self.sim_reporting[:, j])
        n = int(ok.sum())
        sim = self.sim_pressure[ok, j].astype(np.float64)
        return {"samples": n,
                "mean_abs_error": _mean(np.abs(sim - measured[ok])),
                "mean_measured": _mean(measured[ok]),
                "mean_simulated": _mean(sim)}

    def _available(self) -> dict | None:
        if self.sim_available is None:
            return None
        measured = self.log.available_mb[self.available_host].values
        ok = self.covered & ~np.isnan(measured)
        return {"log_host": self.available_host,
                **_stats(measured[ok], self.sim_available[ok])}


def _stats(measured: np.ndarray, simulated: np.ndarray) -> dict[str, object]:
    """The statistics of :data:`STAT_KEYS` (``None`` for no sample)."""
    n = int(measured.size)
    if n == 0:
        return dict.fromkeys(STAT_KEYS) | {"samples": 0}
    err = np.abs(simulated - measured)
    rank = (95 * n + 99) // 100  # ceil(0.95 n), exactly
    p95 = float(np.partition(err, rank - 1)[rank - 1])
    within = int(np.count_nonzero(err * 20 <= measured))
    return {"samples": n,
            "mean_abs_error_mb": _mean(err),
            "p95_abs_error_mb": round(p95, 1),
            "within_5pct": round(within / n, 4),
            "mean_measured_mb": _mean(measured),
            "mean_simulated_mb": _mean(simulated)}


def _mean(values: np.ndarray) -> float | None:
    return round(float(values.mean()), 1) if values.size else None


def _all_series(vm: VmTrace) -> list[Series]:
    fields = (vm.physical_mb, vm.guest_visible_mb, vm.current_pressure,
              vm.average_pressure, vm.added_mb, vm.removed_mb, vm.demand_mb)
    return [s for s in fields if s is not None]


def _where(trace: VmTrace) -> dict[str, str]:
    return {"name": trace.name, "host": trace.host}


def _single_host(matches: list[_Match]) -> str | None:
    hosts = {match.trace.host for match in matches}
    return hosts.pop() if len(hosts) == 1 else None


def _names(names: list[str], limit: int = 6) -> str:
    shown = [f"'{one_line(n)}'" for n in names[:limit]]
    more = len(names) - limit
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def _seconds(value: float) -> str:
    return f"{value:g}" if value < 1e6 else f"{value:.0f}"


# --- the table -----------------------------------------------------------------------

def calibration_table(result: dict[str, object]) -> str:
    """The comparison as a terminal table (after the summary table)."""
    out = io.StringIO()
    out.write(f"\ncalibration vs {one_line(result['source'])} (started {result['started']}; "
              f"{result['log_samples']} samples over {_seconds(result['log_duration_s'])} s, "
              f"{result['duration_s']} s simulated)\n")
    out.write(f"{'VM':<24} {'samples':>8} {'mean err':>9} {'p95 err':>8} {'within 5%':>10} "
              f"{'mean meas':>10} {'mean sim':>9} {'pr err':>7}\n")
    for name, s in result["vms"].items():
        pressure = s["pressure"]["mean_abs_error"] if s["pressure"] else None
        out.write(_row(name, s, pressure))
    host = result["host"]
    out.write(_row(f"host total ({host['vms']} VMs)", host, None))
    if host["available"]:
        out.write(_row(f"available ({host['available']['log_host']})", host["available"],
                       None))
    unmatched = result["unmatched"]
    if unmatched["scenario"]:
        out.write(f"not in the log: {_names(unmatched['scenario'], 20)}\n")
    if unmatched["log"]:
        out.write("not in the scenario: " + _names(
            [f"{w['host']}\\{w['name']}" for w in unmatched["log"]], 20) + "\n")
    for note in result["notes"]:
        out.write(f"note: {note}\n")
    for problem in result["log_problems"]:
        out.write(f"log: {problem}\n")
    return out.getvalue()


def _row(name: str, s: dict, pressure: float | None) -> str:
    within = "-" if s["within_5pct"] is None else f"{100 * s['within_5pct']:.1f} %"
    return (f"{one_line(name)[:24]:<24} {s['samples']:>8} {_mb(s['mean_abs_error_mb']):>9} "
            f"{_mb(s['p95_abs_error_mb']):>8} {within:>10} {_mb(s['mean_measured_mb']):>10} "
            f"{_mb(s['mean_simulated_mb']):>9} {_mb(pressure):>7}\n")


def _mb(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"
