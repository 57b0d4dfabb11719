"""A straightforward per-VM, pure-Python version of the engine's tick.

This is the yardstick of ``bench_engine.py``: the same tick semantics as
:mod:`dmgui.core.sim.engine` / :mod:`dmgui.core.sim.balancer` / :mod:`dmgui.core.sim.block`,
written the obvious way, ``for tick: for vm:`` over plain Python floats and lists.
It covers the balancing ticks between events and lifecycle transitions (what the
engine's ``_run_segment`` does); starting, stopping and admission are not
modelled, so the caller hands it a window in which no VM changes state.

Per tick and VM it computes, like the engine:

* floor = demand and target = demand x (1 + buffer/100), each rounded up to 2 MB
  and clamped to [minimum, maximum];
* hot-add latency: a target above the guest-visible memory is held there until it
  has stayed above it for the host's ``hot_add_delay_s`` seconds;
* uncontended: assigned = max(target, assigned - balloon rate);
* if the managed VMs then want more than the pool: each keeps
  max(minimum, assigned - rate), and the spare pool goes by descending weight
  (pro rata within equal weight) first up to demand, then up to the target;
  the result is rounded down to 2 MB;
* derived values: reported demand, pressure = round(100 x demand / assigned),
  Memory Status from AvailableMemoryBuffer, paging, guest-visible high-water
  mark, host Available Memory and Average Pressure.

Demand (the guest's commit) is an input: the caller precomputes it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

# Memory Status codes (dmgui.core.model.states.MemoryStatus); repeated here on purpose so
# the loop has no numpy/enum in it.
NONE, OK, LOW, WARNING, PAGING = 0, 1, 2, 3, 4


@dataclass
class VmState:
    """One VM as the reference loop sees it (plain Python values)."""

    managed: bool  # running DM VM whose guest reports demand
    assigned: float
    guest_visible: float
    smart_paging: float
    minimum: float
    maximum: float
    buffer_percent: float
    weight: float
    rate: float
    hot_wait: float = 0.0  # seconds the target has been above guest-visible


@dataclass
class Outputs:
    """Per-tick rows the loop produces: lists of T lists of N values (or T values)."""

    assigned: list = field(default_factory=list)
    demand: list = field(default_factory=list)
    guest_visible: list = field(default_factory=list)
    pressure: list = field(default_factory=list)
    status: list = field(default_factory=list)
    paging: list = field(default_factory=list)
    available: list = field(default_factory=list)
    average_pressure: list = field(default_factory=list)
    contended_ticks: int = 0


OK_RATIO = 80.5 / 100.0 / 100.0  # round(x) > 80  <=>  x > 80.5


def run_reference(vms: list[VmState], guest_demand: list[list[float]],
                  free_pool_mb: float, hot_add_delay_s: float = 0.0) -> Outputs:
    """Run ``len(guest_demand)`` ticks over ``vms`` (mutated: assigned, guest_visible).

    ``guest_demand[k][i]`` is VM ``i``'s committed memory at tick ``k`` (0 when Off);
    ``free_pool_mb`` is the host pool minus the overhead of the running VMs.
    """
    n = len(vms)
    out = Outputs()
    # Memory held by VMs the balancer does not move (static, starting, not reporting).
    others = 0.0
    for vm in vms:
        if not vm.managed:
            others += vm.assigned
    pool = free_pool_mb - others
    # The managed VMs, in index order (the weighted split needs no ordering).
    groups = [i for i in range(n) if vms[i].managed]
    floor = [0.0] * n
    desired = [0.0] * n

    for demand_row in guest_demand:
        # Pass 1: what each managed VM would get with memory to spare.
        wanted = 0.0
        for i in range(n):
            vm = vms[i]
            if not vm.managed:
                continue
            d = demand_row[i]
            f = math.ceil(d * 0.5) * 2.0
            f = min(max(f, vm.minimum), vm.maximum)
            t = math.ceil(d * (1.0 + vm.buffer_percent / 100.0) * 0.5) * 2.0
            t = min(max(t, vm.minimum), vm.maximum)
            if hot_add_delay_s > 0:  # hot-add waits; un-ballooning does not
                if t > vm.guest_visible:
                    vm.hot_wait += 1.0
                    if vm.hot_wait <= hot_add_delay_s:
                        t = vm.guest_visible
                else:
                    vm.hot_wait = 0.0
                f = min(f, t)
            want = max(vm.assigned - vm.rate, t)
            floor[i] = f
            desired[i] = want
            wanted += want
        if wanted <= pool:
            for i in range(n):
                if vms[i].managed:
                    vms[i].assigned = desired[i]
        else:
            out.contended_ticks += 1
            _contended(vms, groups, floor, desired, pool)
        # Pass 2: the values Hyper-V shows for this tick.
        row_a, row_d, row_gv, row_p, row_s, row_pg = [], [], [], [], [], []
        total_assigned = 0.0
        pressure_sum = 0.0
        reporting = 0
        for i in range(n):
            vm = vms[i]
            a = vm.assigned
            g = demand_row[i]
            total_assigned += a
            row_a.append(a)
            row_pg.append(max(g - a, 0.0))
            if vm.managed:
                if a > vm.guest_visible:
                    vm.guest_visible = a
                p = float(round(100.0 * g / a))
                spare = a - g
                if spare < 0:
                    s = WARNING
                else:  # AvailableMemoryBuffer = round(100 * spare / ideal) > 80
                    s = OK if spare > g * (vm.buffer_percent * OK_RATIO) else LOW
                row_d.append(g)
                row_p.append(p)
                row_s.append(s)
                pressure_sum += p
                reporting += 1
            else:
                row_d.append(0.0)
                row_p.append(0.0)
                row_s.append(PAGING if vm.smart_paging > 0 else NONE)
            row_gv.append(vm.guest_visible)
        out.assigned.append(row_a)
        out.demand.append(row_d)
        out.guest_visible.append(row_gv)
        out.pressure.append(row_p)
        out.status.append(row_s)
        out.paging.append(row_pg)
        out.available.append(free_pool_mb - total_assigned)
        out.average_pressure.append(pressure_sum / reporting if reporting else 0.0)
    return out


def _contended(vms: list[VmState], groups: list[int], floor: list[float],
               desired: list[float], pool: float) -> None:
    """Share ``pool`` by weight when the managed VMs want more than it."""
    keep: dict[int, float] = {}
    kept = 0.0
    for i in groups:
        vm = vms[i]
        k = max(vm.minimum, vm.assigned - vm.rate)  # ballooning is gradual
        keep[i] = k
        kept += k
    if kept > pool:  # the pool shrank under the VMs: fall back to their minimums
        kept = 0.0
        for i in keep:
            keep[i] = min(keep[i], vms[i].minimum)
            kept += keep[i]
    spare = pool - kept
    to_demand: dict[int, float] = {}
    to_buffer: dict[int, float] = {}
    for i, k in keep.items():
        td = min(max(floor[i], k), desired[i]) - k
        to_demand[i] = td
        to_buffer[i] = desired[i] - k - td
    give_demand = _weighted_fill(to_demand, spare, vms)
    given = 0.0
    for g in give_demand.values():
        given += g
    spare -= given
    give_buffer = _weighted_fill(to_buffer, max(spare, 0.0), vms)
    for i, k in keep.items():
        vms[i].assigned = math.floor((k + give_demand[i] + give_buffer[i]) * 0.5) * 2.0


def _weighted_fill(need: dict[int, float], budget: float,
                   vms: list[VmState]) -> dict[int, float]:
    """The same water-filling as dmgui.core.sim.balancer.weighted_fill, one VM at a time."""
    give = dict.fromkeys(need, 0.0)
    order = sorted((i for i in need if need[i] > 0),
                   key=lambda i: -(2.0 ** (vms[i].weight / 1000.0)))
    if budget <= 0 or not order:
        return give
    claim = [2.0 ** (vms[i].weight / 1000.0) for i in order]
    n = [need[i] for i in order]
    before, claims, total_need, total_claims = [], [], 0.0, 0.0
    for c, x in zip(claim, n):
        before.append(total_need)
        total_need += x
        total_claims += c * x
        claims.append(total_claims)
    if total_need <= budget:
        for i, x in zip(order, n):
            give[i] = x
        return give
    scale = 0.0
    for k in range(len(order)):
        scale = (budget - before[k]) / (total_claims - (claims[k] - claim[k] * n[k]))
        if scale * claim[k] < 1.0:
            break
    for i, c, x in zip(order, claim, n):
        give[i] = x * min(scale * c, 1.0)
    return give
