"""Invariants of the engine on random scenarios (hypothesis), checked at every tick.

Scenarios have 1-8 VMs on a 2008R2SP1 / 2012R2 / 2016 host, static and Dynamic
Memory, every workload kind with modest sizes, a host that is sometimes too small
(so contention, reclaim, Smart Paging and failed starts happen) and random
start / shutdown / turn_off / restart / set_memory events.
"""

from __future__ import annotations

import hypothesis
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# tests/ is not a package: pytest puts this folder on sys.path.
from scenario_builders import concat, dm, event, host, scenario, static, vm

from dmgui.core.model.scenario import Scenario
from dmgui.core.model.states import MemoryStatus, VmState
from dmgui.core.sim import balancer
from dmgui.core.sim.engine import Simulation

OFF = int(VmState.OFF)
REPORTING = np.array([MemoryStatus.OK, MemoryStatus.LOW, MemoryStatus.WARNING], np.int8)

PROPERTY_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

even = st.integers(16, 2048).map(lambda x: 2 * x)  # 32 … 4096 MB
# No tiny positive demands: they overflow the Memory Status division (see
# test_engine_rules.py::test_tiny_positive_demand_does_not_overflow_memory_status).
mb = st.just(0.0) | st.floats(0.5, 3000)


@st.composite
def memory_settings(draw, crowded: bool = False) -> dict:
    startup = draw(even)
    weight = draw(
        st.sampled_from([0, 500, 999, 1000, 2500, 5000, 9000, 10000])
        | st.integers(0, 10000)
    )
    if crowded and draw(st.booleans()):
        weight = draw(st.sampled_from([0, 500, 999]))  # restarts without reclaim
    if not crowded and not draw(st.booleans()):
        return static(startup, weight=weight)
    low = startup // 8 if crowded else startup // 2
    minimum = 2 * draw(st.integers(16, max(16, low)))
    maximum = startup + 2 * draw(st.integers(0, 2048))
    return dm(
        startup, minimum, maximum, buffer=draw(st.integers(5, 300)), weight=weight
    )


@st.composite
def workloads(draw) -> dict:
    kind = draw(
        st.sampled_from(
            ["constant", "trace", "diurnal", "bursty", "boot_spike", "leak"]
        )
    )
    if kind == "constant":
        return {"kind": "constant", "mb": draw(mb)}
    if kind == "trace":
        times = sorted(draw(st.lists(st.integers(0, 2000), min_size=1, max_size=5)))
        return {
            "kind": "trace",
            "points": [[t, draw(mb)] for t in times],
            "interpolation": draw(st.sampled_from(["linear", "step"])),
        }
    if kind == "diurnal":
        base = draw(mb)
        return {
            "kind": "diurnal",
            "base_mb": base,
            "peak_mb": base + draw(mb),
            "noise_pct": draw(st.floats(0, 20)),
            "ramp_minutes": draw(st.floats(0, 60)),
            # put t = 0 somewhere in the day, often just before the morning ramp
            "day_offset_s": draw(
                st.sampled_from([8 * 3600 - 900.0, 18 * 3600 - 600.0])
                | st.floats(0, 86400)
            ),
        }
    if kind == "bursty":
        return {
            "kind": "bursty",
            "base_mb": draw(mb),
            "burst_mb": draw(mb),
            "bursts_per_hour": draw(st.floats(0, 60)),
            "burst_seconds": draw(st.floats(1, 600)),
        }
    if kind == "boot_spike":
        return {
            "kind": "boot_spike",
            "steady_mb": draw(mb),
            "spike_mb": draw(mb),
            "decay_s": draw(st.floats(5, 600)),
        }
    return {
        "kind": "leak",
        "base_mb": draw(mb),
        "leak_mb_per_hour": draw(st.just(0.0) | st.floats(1, 20000)),
        "restart_every_hours": draw(st.floats(0.05, 2)),
        "restart_phase_hours": draw(st.floats(0, 2)),
    }


memory_patch = st.fixed_dictionaries(
    {},
    optional={
        "dynamic_memory_enabled": st.booleans(),
        "startup_mb": even,
        "minimum_mb": even,
        "maximum_mb": st.integers(16, 4096).map(lambda x: 2 * x),
        "buffer_percent": st.integers(5, 300),
        "weight": st.integers(0, 10000),
    },
)


@st.composite
def scenarios(draw, duration: int) -> Scenario:
    """Random scenarios; a third are *crowded*: Dynamic Memory VMs with low Minimums on
    a host that cannot hold their Startup RAM, often restarted (Smart Paging, reclaim).
    """
    crowded = draw(st.integers(0, 2)) == 0
    n = draw(st.integers(2 if crowded else 1, 8))
    version = draw(st.sampled_from(["2012R2", "2012R2", "2016", "2016", "2008R2SP1"]))
    vms = []
    for i in range(n):
        vms.append(
            vm(
                f"VM{i}",
                draw(memory_settings(crowded)),
                draw(workloads()),
                autostart=draw(st.booleans()) or draw(st.booleans()),
                integration_services=draw(st.integers(0, 5)) > 0,
                boot_delay_s=draw(st.integers(0, 60)),
            )
        )
    startups = sum(v["memory"]["startup_mb"] for v in vms)
    reserve = draw(st.sampled_from([0, 0, 512, 1024]) | st.integers(0, 1024))
    overhead = draw(st.sampled_from([0, 0, 32, 64]))
    # Tight hosts make contention, reclaim, Smart Paging and failed starts.
    share = draw(
        st.floats(0.9, 1.4)
        if crowded
        else st.sampled_from([0.5, 0.6, 0.75, 0.9]) | st.floats(0.3, 2.0)
    )
    memory = (
        reserve
        + max(64, int(share * startups) + overhead * n)
        + draw(st.integers(0, 1))
    )
    actions = [
        "start",
        "shutdown",
        "turn_off",
        "restart",
        "set_memory",
        "restart",
        "start",
    ]
    if crowded:
        actions = ["restart"] * 4 + actions
    events = []
    for _ in range(draw(st.integers(0, 16 if crowded else 12))):
        action = draw(st.sampled_from(actions))
        patch = draw(memory_patch) if action == "set_memory" else None
        # crowded hosts restart VMs once their guests report and the balancer has
        # handed the memory around
        at = draw(st.integers(60 if crowded and action == "restart" else 0, duration))
        events.append(event(at, f"VM{draw(st.integers(0, n - 1))}", action, patch))
    return scenario(
        vms,
        host(memory, version, reserve_mb=reserve, vm_overhead_mb=overhead),
        events=events,
        seed=draw(st.integers(0, 2**32)),
    )


def _run_with_settings(sc: Scenario, duration: int, extra_cuts: list[int]):
    """Advance in chunks cut at every set_memory time (and ``extra_cuts``) so that the
    settings in force during each chunk are known.

    Returns the simulation, its blocks, their stacked arrays and, per tick and VM, the
    settings arrays in force (``startup``, ``minimum``, ``maximum``, ``dm``,
    ``buffer_factor``, ``rate``).
    """
    sim = Simulation(sc)
    cuts = {e.at_s for e in sc.events if e.action.value == "set_memory"} | set(
        extra_cuts
    )
    bounds = sorted({0, duration} | {c for c in cuts if 0 < c < duration})
    names = ("startup", "minimum", "maximum", "dm", "buffer_factor", "rate")
    blocks, held = [], {name: [] for name in names}
    for start, end in zip(bounds, bounds[1:], strict=False):
        blocks.append(sim.advance(end - start))
        for name in names:
            values = getattr(sim.vms, name)
            held[name].append(
                np.broadcast_to(values.copy(), (end - start, values.size))
            )
    return sim, blocks, concat(blocks), {k: np.concatenate(v) for k, v in held.items()}


@st.composite
def smart_paging_scenarios(draw, duration: int) -> Scenario:
    """An idle DM VM at its Minimum, restarted while greedy VMs have filled the host:
    the restart often needs Smart Paging (or fails, on 2008 R2 SP1 never)."""
    version = draw(st.sampled_from(["2012R2", "2016"]))
    startup = draw(st.integers(128, 2048).map(lambda x: 2 * x))
    minimum = 2 * draw(st.integers(16, startup // 4))
    idle = vm(
        "Idle",
        dm(
            startup,
            minimum,
            startup * 2,
            weight=draw(st.sampled_from([0, 999, 1000, 5000])),
        ),
        {"kind": "constant", "mb": draw(st.just(0.0) | st.floats(1, minimum * 0.8))},
        boot_delay_s=draw(st.integers(0, 45)),
    )
    greedy = []
    for i in range(draw(st.integers(1, 4))):
        size = draw(even)
        greedy.append(
            vm(
                f"Greedy{i}",
                dm(
                    size,
                    2 * draw(st.integers(16, size // 2)),
                    size * 4,
                    weight=draw(st.sampled_from([1000, 5000, 10000])),
                    buffer=draw(st.integers(5, 50)),
                ),
                draw(
                    st.sampled_from(
                        [
                            {"kind": "constant", "mb": size * 3.0},
                            {
                                "kind": "bursty",
                                "base_mb": size * 0.5,
                                "burst_mb": size * 4.0,
                                "bursts_per_hour": 60,
                                "burst_seconds": 300,
                            },
                        ]
                    )
                ),
            )
        )
    overhead = draw(st.sampled_from([0, 32]))
    memory = sum(v["memory"]["startup_mb"] + overhead for v in [idle, *greedy])
    restarts = draw(st.lists(st.integers(60, duration - 60), min_size=1, max_size=3))
    return scenario(
        [idle, *greedy],
        host(memory, version, vm_overhead_mb=overhead),
        events=[event(t, "Idle", "restart") for t in restarts],
        seed=draw(st.integers(0, 1000)),
    )


@PROPERTY_SETTINGS
@given(data=st.data(), duration=st.integers(300, 1500))
def test_invariants_hold_at_every_tick(data, duration):
    sc = data.draw(scenarios(duration))
    cuts = data.draw(st.lists(st.integers(1, duration - 1), max_size=4))
    _check_invariants(sc, duration, cuts)


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_invariants_hold_through_smart_paging_restarts(data):
    duration = 400
    sim, b = _check_invariants(
        data.draw(smart_paging_scenarios(duration)), duration, []
    )
    # Only the restarted VM uses Smart Paging, from its restart until its guest reports.
    assert np.all(b["smart_paging"][:, 1:] == 0)
    sp_events = [e for e in sim.event_log if e.kind == "smart_paging"]
    hypothesis.event("restart " + ("with Smart Paging" if sp_events else "without"))
    assert all(e.vm == "Idle" for e in sp_events)
    cleared = [e.at_s for e in sim.event_log if e.kind == "smart_paging_cleared"]
    for e in sp_events:
        end = min([t for t in cleared if t > e.at_s], default=duration)
        paging = b["smart_paging"][:, 0] > 0
        assert (
            np.all(paging[e.at_s : end]) or (b["state"][e.at_s : end, 0] == OFF).any()
        )


def _check_invariants(sc: Scenario, duration: int, cuts: list[int]):
    sim, blocks, b, held = _run_with_settings(sc, duration, cuts)
    minimum, maximum, dyn = held["minimum"], held["maximum"], held["dm"]
    h = sc.host
    assert np.array_equal(b["time"], np.arange(duration))
    state, a, gv = b["state"], b["assigned"], b["guest_visible"]
    not_off = state != OFF
    # Reporting DM VMs: Memory Status OK/Low/Warning, or Paging once the guest reports
    # (a Smart Paging file lasts until ballooning has covered it, issue 8 §1.4).
    paging_status = b["status"] == MemoryStatus.PAGING
    reporting = np.isin(b["status"], REPORTING) | (paging_status & (b["demand"] > 0))
    waiting = (state == VmState.WAITING).any(axis=1)  # a start waits: nobody grows

    # 1. reporting DM VMs stay within [Minimum, Maximum] of the settings in force.
    assert np.all(dyn[reporting]) and np.all(state[reporting] == VmState.RUNNING)
    assert np.all(a[reporting] >= minimum[reporting])
    assert np.all(a[reporting] <= maximum[reporting])

    # 2. the host is never overcommitted; Available Memory is the exact remainder.
    expected = (
        h.memory_mb
        - h.reserve_mb
        - a.sum(axis=1)
        - h.vm_overhead_mb * (not_off & (state != VmState.WAITING)).sum(axis=1)
    )
    np.testing.assert_array_equal(b["available"], expected)
    assert np.all(b["available"] >= 0)

    # 3. values are finite, non-negative and memory comes in 2 MB pages.
    for name, values in b.items():
        assert np.all(np.isfinite(values)), name
    for name in (
        "assigned",
        "guest_visible",
        "demand",
        "guest_demand",
        "paging",
        "smart_paging",
        "pressure",
        "average_pressure",
    ):
        assert np.all(b[name] >= 0), name
    assert np.all(a % 2 == 0) and np.all(gv % 2 == 0)
    assert np.all(b["smart_paging"] % 2 == 0)

    # 4. Off VMs hold nothing; a VM's guest sees at least what it is assigned.
    for name in (
        "assigned",
        "guest_visible",
        "demand",
        "smart_paging",
        "pressure",
        "guest_demand",
        "paging",
    ):
        assert np.all(b[name][~not_off] == 0), name
    assert np.all(b["status"][~not_off] == MemoryStatus.NONE)
    assert np.all(gv[not_off] >= a[not_off])

    # Derived values agree with their definitions.
    np.testing.assert_array_equal(b["paging"], np.maximum(b["guest_demand"] - a, 0))
    assert np.array_equal(b["status"] == MemoryStatus.PAGING, b["smart_paging"] > 0)
    assert np.all(b["demand"][reporting] == b["guest_demand"][reporting])
    assert np.all(b["demand"][~reporting] == 0) and np.all(
        b["pressure"][~reporting] == 0
    )
    assert np.all(b["status"][~dyn] == MemoryStatus.NONE)  # static VMs show a blank
    with np.errstate(divide="ignore", invalid="ignore"):
        assert np.all(
            b["pressure"][reporting]
            == np.rint(100 * b["demand"][reporting] / a[reporting])
        )
    # Smart Paging holds the gap up to Startup RAM of a restarted DM VM while it boots,
    # then shrinks as ballooning and added memory cover it.
    sp = b["smart_paging"] > 0
    assert np.all(dyn[sp])
    assert np.all(a[sp] + b["smart_paging"][sp] <= held["startup"][sp])
    new_file = {e.at_s for e in sim.event_log if e.kind == "smart_paging"}
    same_file = np.array([t not in new_file for t in range(1, duration)])
    file_kept = sp[1:] & sp[:-1] & same_file[:, None]  # a file only shrinks until it goes
    assert np.all(b["smart_paging"][1:][file_kept] <= b["smart_paging"][:-1][file_kept])
    assert np.all(a[sp] >= minimum[sp])

    # Work conservation: a reporting VM is short of its target only when the host has
    # no memory left to give (up to the 2 MB rounding of each pro-rata share).
    target = np.clip(
        balancer.align_up(b["demand"] * held["buffer_factor"]), minimum, maximum
    )
    moved = reporting & (b["smart_paging"] == 0)  # a Smart-Paged VM holds its memory
    # (Growth above what the guest sees waits hot_add_delay_s: not counted here; a rule
    # test checks the delay.)
    short = moved & (a < np.minimum(target, gv))
    ticks = np.flatnonzero(short.any(axis=1) & ~waiting)
    assert np.all(b["available"][ticks] < 2 * moved[ticks].sum(axis=1)), ticks[:5]

    # Ballooning is gradual: from one reporting tick to the next a VM loses at most its
    # balloon rate, starts included (a start waits while memory is ballooned out,
    # issue 8 §1.3).
    both = reporting[1:] & reporting[:-1]
    drop = a[:-1] - a[1:]
    assert np.all(drop[both] <= held["rate"][1:][both])

    # The event log is ordered and every record belongs to its block.
    log = sim.event_log
    assert [e.at_s for e in log] == sorted(e.at_s for e in log)
    assert sum(len(x.events) for x in blocks) == len(log)
    for x in blocks:
        assert all(x.time[0] <= e.at_s <= x.time[-1] for e in x.events)
    return sim, b


@PROPERTY_SETTINGS
@given(data=st.data())
def test_deterministic_and_independent_of_chunking(data):
    duration = 1000
    sc = data.draw(scenarios(duration))
    whole = Simulation(sc).advance(duration)
    again = Simulation(sc).advance(duration)
    chunked_sim = Simulation(sc)
    chunks = list(chunked_sim.run(duration, block_s=137))
    assert [len(c) for c in chunks] == [137] * 7 + [41]
    chunked = concat(chunks)
    for name, values in concat([whole]).items():
        assert np.array_equal(values, concat([again])[name]), name
        assert np.array_equal(values, chunked[name]), name
        assert values.dtype == chunked[name].dtype, name
    assert whole.events == again.events
    assert whole.events == tuple(e for c in chunks for e in c.events)
    assert chunked_sim.event_log == list(whole.events)


@settings(max_examples=25, deadline=None)
@given(
    seeds=st.lists(st.integers(0, 2**32), min_size=2, max_size=2, unique=True),
    noise=st.floats(1, 20),
    bursts=st.floats(10, 60),
)
def test_a_different_seed_changes_random_workloads(seeds, noise, bursts):
    sc = scenario(
        [
            vm(
                "Office",
                dm(1024, 512, 8192),
                {
                    "kind": "diurnal",
                    "noise_pct": noise,
                    "base_mb": 500,
                    "peak_mb": 2000,
                },
            ),
            vm(
                "Batch",
                dm(1024, 512, 8192),
                {
                    "kind": "bursty",
                    "base_mb": 500,
                    "burst_mb": 1000,
                    "bursts_per_hour": bursts,
                    "burst_seconds": 60,
                },
            ),
            vm(
                "Pinned",
                dm(1024, 512, 8192),
                {
                    "kind": "bursty",
                    "seed": 7,
                    "base_mb": 500,
                    "burst_mb": 1000,
                    "bursts_per_hour": bursts,
                    "burst_seconds": 60,
                },
            ),
            vm("Flat", dm(1024, 512, 8192), {"kind": "constant", "mb": 700}),
        ],
        host(16384),
    )
    runs = [Simulation(sc, seed=s).advance(1800) for s in seeds]
    first, second = (r.guest_demand for r in runs)
    assert not np.array_equal(first[:, 0], second[:, 0])  # diurnal noise
    assert not np.array_equal(first[:, 1], second[:, 1])  # burst times
    assert np.array_equal(first[:, 2], second[:, 2])  # an explicit workload seed wins
    assert np.array_equal(first[:, 3], second[:, 3])
    # The scenario's own seed is the default.
    default = Simulation(sc.model_copy(update={"seed": seeds[0]})).advance(1800)
    assert np.array_equal(default.guest_demand, first)
