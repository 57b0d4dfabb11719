"""The settings advisor: Startup, Minimum, Maximum, Buffer and Weight per Dynamic
Memory VM, from its demand, each with its reason — and proved (issue 9 §2).

The method (docs/planner.md, "The advisor"):

1. Simulate the scenario as written over the horizon and measure each Dynamic Memory
   VM's demand (the guest's commit, which the workload sets, whatever memory it gets):
   its peak and lowest demand after boot, its peak while booting (before the guest's
   first report it lives on Startup RAM), and the 99th percentile of its growth over
   one minute, relative to its demand. Whether it met the criterion is judged too.
2. Advise, each value aligned to 2 MB and within Hyper-V's limits:
   * **Buffer** = that growth, rounded up to 5 % (5 %–100 %): the spare memory that
     covers a minute's growth before hot-add and the balancer catch up;
   * **Startup** = the boot peak × (1 + buffer), never below the guest OS's
     recommended minimum;
   * **Minimum** (2012+) = the lowest demand after boot, at most Startup: ballooning may
     take it that far down when others need memory, and no further;
   * **Maximum** = the peak demand × (1 + buffer), at least Startup: room for its
     worst minute, a cap on a runaway guest;
   * **Weight** = kept, unless the VM failed the criterion while others did not:
     then 7500 (memory goes to higher weight first; the split is the model's).
3. **Prove it**: plan the template's density with the scenario as written and with
   the advice, under the same criterion. Advice is given only if the advised scenario
   still meets the criterion for every VM and the density does not drop; otherwise
   VMs are tried one at a time and only the advice that passes is kept.
"""

from __future__ import annotations

import math
import threading
from concurrent.futures import Executor
from dataclasses import dataclass, field

import numpy as np

from dmgui.core.model.memory import (
    BUFFER_RANGE,
    MemoryChangeError,
    MemorySettings,
    check_memory_settings,
)
from dmgui.core.model.scenario import Scenario, parse_scenario
from dmgui.core.planning.candidates import PlanError
from dmgui.core.planning.criterion import Criterion
from dmgui.core.planning.evaluate import BLOCK_S, judge_for
from dmgui.core.planning.planner import PlanCancelled, PlanRequest, plan
from dmgui.core.sim import compiled
from dmgui.core.sim.admission import STARTING_S
from dmgui.core.sim.engine import Simulation

GROWTH_WINDOW_S = 60
GROWTH_QUANTILE = 0.99
RAISED_WEIGHT = 7500
_GROWTH_BINS = 2001  # 0.1 % steps up to 200 %


@dataclass
class DemandStats:
    """What the advisor measured of one VM's demand over the horizon."""

    peak_mb: float = 0.0
    low_mb: float = math.inf
    boot_peak_mb: float = 0.0
    growth_p99: float = 0.0  # relative growth over GROWTH_WINDOW_S
    judged_s: int = 0


@dataclass
class Advice:
    """One VM's advised settings and the reason for each."""

    vm: str
    current: MemorySettings
    advised: MemorySettings
    reasons: dict[str, str]
    given: bool = True
    withheld_because: str = ""

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        fields = ("startup_mb", "minimum_mb", "maximum_mb", "buffer_percent", "weight")
        return {"vm": self.vm, "given": self.given,
                "withheld_because": self.withheld_because or None,
                "current": {f: getattr(self.current, f) for f in fields},
                "advised": {f: getattr(self.advised, f) for f in fields},
                "reasons": self.reasons}


@dataclass
class AdviceResult:
    """The advice for every Dynamic Memory VM and its proof."""

    template: str
    criterion: Criterion
    advice: list[Advice]
    density_before: int | None
    density_after: int | None
    scenario: Scenario  # the scenario with the given advice applied
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """The JSON of ``dmgui advise --json``."""
        return {"template": self.template, "criterion": self.criterion.value,
                "density_before": self.density_before,
                "density_after": self.density_after,
                "vms": [a.to_dict() for a in self.advice], "notes": self.notes}


def measure(scenario: Scenario, horizon_s: int, criterion: Criterion, tolerance: float,
            seed: int | None = None, cancel: threading.Event | None = None,
            ) -> tuple[dict[str, DemandStats], dict[str, bool]]:
    """Simulate ``scenario`` as written; each VM's demand figures and whether it met
    ``criterion`` (VMs that never ran are left out). Setting ``cancel`` stops it
    between blocks (:class:`~dmgui.core.planning.planner.PlanCancelled`)."""
    compiled.warm_up()
    sim = Simulation(scenario, seed=seed)
    judge = judge_for(scenario, tolerance, horizon_s)
    n = len(scenario.vms)
    stats = [DemandStats() for _ in range(n)]
    growth = np.zeros((n, _GROWTH_BINS), np.int64)
    tail = np.zeros((0, n))  # the last minute of the previous block
    boot = np.array([max(vm.boot_delay_s, STARTING_S) for vm in scenario.vms], float)
    for block in sim.run(horizon_s, block_s=BLOCK_S):
        if cancel is not None and cancel.is_set():
            raise PlanCancelled()
        judge.add(block)
        ready = judge.ready_at
        t = block.time[:, None].astype(float)
        g = np.asarray(block.guest_demand)
        judged = t >= ready[None, :]
        booting = (t >= ready[None, :] - boot[None, :]) & ~judged & (g > 0)
        _fold(stats, g, judged, booting)
        both = np.vstack([tail, g])
        if both.shape[0] > GROWTH_WINDOW_S:
            before, after = both[:-GROWTH_WINDOW_S], both[GROWTH_WINDOW_S:]
            ok = (before > 0) & judged[-after.shape[0]:]
            rel = np.where(ok, (after - before) / np.where(before > 0, before, 1), -1.0)
            for i in range(n):
                vals = rel[:, i][rel[:, i] >= 0]
                if vals.size:
                    idx = np.minimum((vals * 1000).astype(int), _GROWTH_BINS - 1)
                    growth[i] += np.bincount(idx, minlength=_GROWTH_BINS)
        tail = both[-GROWTH_WINDOW_S:]
    verdict_ok = {}
    paging, low = judge.fractions()
    for i, vm in enumerate(scenario.vms):
        counts = growth[i]
        if counts.sum():
            rank = math.ceil(GROWTH_QUANTILE * counts.sum())
            stats[i].growth_p99 = float(np.searchsorted(np.cumsum(counts), rank)) / 1000
        stats[i].judged_s = int(judge.judged[i])
        bad = paging[i] if criterion is Criterion.NO_PAGING else max(paging[i], low[i])
        verdict_ok[vm.name] = (criterion is Criterion.STARTS or bad <= tolerance) and \
            not any(r.vm == vm.name for r in judge.failed)
    named = {vm.name: stats[i] for i, vm in enumerate(scenario.vms) if stats[i].judged_s}
    return named, verdict_ok


def _fold(stats: list[DemandStats], g: np.ndarray, judged: np.ndarray,
          booting: np.ndarray) -> None:
    peak = np.where(judged, g, -np.inf).max(axis=0, initial=-np.inf)
    low = np.where(judged, g, np.inf).min(axis=0, initial=np.inf)
    boot_peak = np.where(booting, g, -np.inf).max(axis=0, initial=-np.inf)
    for i, s in enumerate(stats):
        s.peak_mb = max(s.peak_mb, float(peak[i]))
        s.low_mb = min(s.low_mb, float(low[i]))
        s.boot_peak_mb = max(s.boot_peak_mb, float(boot_peak[i]))


def advise_vm(scenario: Scenario, name: str, stats: DemandStats, failed: bool,
              others_failed: bool) -> Advice:
    """The advice for one Dynamic Memory VM (see the module docstring)."""
    vm = scenario.vms[scenario.vm_index(name)]
    cur = vm.memory
    version = scenario.host.version
    lim = version.limits
    reasons: dict[str, str] = {}
    growth_pct = 100 * stats.growth_p99
    buffer = int(min(100, max(BUFFER_RANGE[0], 5 * math.ceil(growth_pct / 5 - 1e-9))))
    reasons["buffer_percent"] = (f"p99 of 1-minute demand growth is {growth_pct:.0f} %: "
                                 f"buffer {buffer} %")
    factor = 1 + buffer / 100
    os_min = vm.guest_os.facts.startup_min_mb if vm.guest_os else None
    boot = stats.boot_peak_mb if stats.boot_peak_mb > 0 else stats.low_mb
    startup = _mb(boot * factor)
    reasons["startup_mb"] = (f"boot demand peaks at {boot:,.0f} MB + {buffer} % buffer: "
                             f"Startup {startup:,} MB")
    floor = max(lim.startup_min_mb, os_min or 0)
    if startup < floor:
        startup = floor
        reasons["startup_mb"] += (f", raised to the {floor} MB "
                                  + ("recommended for " + vm.guest_os.label
                                     if os_min and os_min == floor else "Hyper-V minimum"))
    maximum = min(max(_mb(stats.peak_mb * factor), startup), lim.maximum_max_mb)
    reasons["maximum_mb"] = (f"peak demand {stats.peak_mb:,.0f} MB + {buffer} % buffer: "
                             f"Maximum {maximum:,} MB")
    if version.separate_minimum:
        minimum = min(max(_mb(stats.low_mb), lim.minimum_min_mb), startup)
        reasons["minimum_mb"] = (f"demand never fell below {stats.low_mb:,.0f} MB after "
                                 f"boot: Minimum {minimum:,} MB")
    else:
        minimum = startup
        reasons["minimum_mb"] = "2008 R2 SP1 has no separate Minimum (it is Startup)"
    weight = cur.weight
    reasons["weight"] = f"kept at {weight}: it met the criterion"
    if failed and not others_failed:
        weight = max(weight, RAISED_WEIGHT)
        reasons["weight"] = (f"it failed the criterion while the others met it: weight "
                             f"{weight} (memory goes to higher weight first)")
    elif failed:
        reasons["weight"] = f"kept at {weight}: every VM was short, a weight only moves it"
    advised = cur.model_copy(update={"startup_mb": startup, "minimum_mb": minimum,
                                     "maximum_mb": maximum, "buffer_percent": buffer,
                                     "weight": weight})
    try:
        check_memory_settings(advised, version, name)
    except MemoryChangeError as err:  # should not happen: every value is in range
        return Advice(name, cur, cur, reasons, False, err.reason)
    return Advice(name, cur, advised, reasons)


def _mb(value: float) -> int:
    return int(math.ceil(max(value, 0.0) / 2.0) * 2)


def apply_advice(scenario: Scenario, advice: list[Advice]) -> Scenario:
    """``scenario`` with the given advice's settings."""
    data = scenario.model_dump(mode="json")
    for a in advice:
        if a.given:
            data["vms"][scenario.vm_index(a.vm)]["memory"] = a.advised.model_dump(mode="json")
    return parse_scenario(data, "The advice")


def advise(scenario: Scenario, request: PlanRequest, executor: Executor | None = None,
           progress=None, cancel: threading.Event | None = None) -> AdviceResult:
    """Advise every Dynamic Memory VM of ``scenario`` and prove it (module docstring).

    ``progress`` and ``cancel`` work as for :func:`~dmgui.core.planning.planner.plan`.
    """
    dm = [vm.name for vm in scenario.vms if vm.memory.dynamic_memory_enabled]
    if not dm:
        raise PlanError("the scenario has no Dynamic Memory VM to advise")
    stats, met = measure(scenario, request.horizon_s, request.criterion,
                         request.tolerance, request.seed, cancel)
    failed = {name for name, ok in met.items() if not ok}
    advice = [advise_vm(scenario, name, stats[name], name in failed,
                        bool(failed - {name}))
              for name in dm if name in stats]
    before = plan(scenario, request, executor, progress, cancel)
    result = _prove(scenario, request, advice, met, before.dynamic.max_vms, executor,
                    progress, cancel)
    result.template = before.template
    return result


def _prove(scenario: Scenario, request: PlanRequest, advice: list[Advice],
           met_before: dict[str, bool], before: int | None, executor,
           progress, cancel=None) -> AdviceResult:
    """Keep the advice that breaks no VM that met the criterion and does not lower the
    density."""
    def check(candidate: list[Advice]) -> tuple[bool, int | None, str]:
        advised = apply_advice(scenario, candidate)
        _, met = measure(advised, request.horizon_s, request.criterion,
                         request.tolerance, request.seed, cancel)
        broken = [name for name, ok in met.items() if not ok and met_before.get(name)]
        if broken:
            return False, None, f"with it {', '.join(broken)} fails the criterion"
        after = plan(advised, request, executor, progress, cancel).dynamic.max_vms
        if (after or 0) < (before or 0):
            return False, after, f"it lowers the density from {before} to {after} VMs"
        return True, after, ""

    ok, after, why = check(advice)
    notes = []
    if not ok:
        notes.append(f"All the advice together was not given: {why}; each VM was "
                     "tried on its own.")
        kept: list[Advice] = []
        for a in advice:
            good, value, reason = check([*kept, a])
            if good:
                kept.append(a)
                after = value
            else:
                a.given, a.withheld_because = False, reason
        if not kept:
            after = before
    advised = apply_advice(scenario, [a for a in advice if a.given])
    return AdviceResult("", request.criterion, advice, before, after, advised, notes)
