"""The engine against the spec's scenarios (spec §2.3, §3, §7.7) and lifecycle rules.

Every scenario is small and exact: hosts have no per-VM overhead unless the test
is about overhead, and workloads are ``constant`` or step ``trace`` so each
expected number can be worked out by hand (shown in the comments).
"""

from __future__ import annotations

import numpy as np
import pytest

# tests/ is not a package: pytest puts this folder on sys.path.
from scenario_builders import (
    constant,
    dm,
    event,
    host,
    kinds,
    records,
    scenario,
    simulate,
    static,
    trace,
    vm,
)

from dmgui.core.model.memory import FAILED_TO_MODIFY
from dmgui.core.model.scenario import parse_scenario
from dmgui.core.model.states import MemoryStatus, VmState, not_enough_memory_short
from dmgui.core.sim import balancer
from dmgui.core.sim.block import memory_status_scalar
from dmgui.core.sim.engine import (
    START_WAIT_S,
    STARTING_S,
    STOPPING_S,
    VERY_LOW_WEIGHT,
    Simulation,
)

OFF, STARTING, RUNNING, STOPPING, WAITING, SAVED, PAUSED = (int(s) for s in VmState)
NONE, OK, LOW, WARNING, PAGING = (int(s) for s in MemoryStatus)
BOOT = 20  # default boot_delay_s: the guest's VSC reports 20 s after the start


# -- T1-T3: target, pressure and Memory Status -----------------------------------------


def test_t1_demand_1000_buffer_20_settles_at_1200_pressure_83_ok():
    sim, b = simulate(
        scenario([vm("A", dm(1024, 512, 4096, buffer=20), constant(1000))]), 60
    )
    settled = slice(BOOT, None)
    assert np.all(b.assigned[settled, 0] == 1200)  # 1000 × 1.2, growth is immediate
    assert np.all(b.demand[settled, 0] == 1000)
    assert np.all(b.pressure[settled, 0] == 83)  # round(100 × 1000 / 1200)
    assert np.all(b.status[settled, 0] == OK)
    assert np.all(b.average_pressure[settled] == 83)
    assert np.all(b.paging[:, 0] == 0)


def test_t2_demand_above_maximum_warning_pressure_103():
    sim, b = simulate(scenario([vm("A", dm(1024, 512, 1024), constant(1054))]), 60)
    settled = slice(BOOT, None)
    assert np.all(b.assigned[:, 0] == 1024)  # never above Maximum
    assert np.all(b.status[settled, 0] == WARNING)
    assert np.all(b.pressure[settled, 0] == 103)  # round(100 × 1054 / 1024)
    assert np.all(b.paging[settled, 0] == 30)  # the guest pages what it lacks


@pytest.mark.parametrize(
    ("assigned", "demand", "buffer", "expected"),
    [
        (1100, 1000, 20, MemoryStatus.LOW),  # T3: 100 / 200 = 50 %
        (1200, 1000, 20, MemoryStatus.OK),  # 100 %
        (1162, 1000, 20, MemoryStatus.OK),  # 81 % > 80
        (1160, 1000, 20, MemoryStatus.LOW),  # 80 % is not > 80
        (1000, 1000, 20, MemoryStatus.LOW),  # 0 % is not < 0
        (998, 1000, 20, MemoryStatus.WARNING),  # negative
        (1024, 1054, 20, MemoryStatus.WARNING),  # T2
    ],
)
def test_t3_memory_status_thresholds(assigned, demand, buffer, expected):
    assert memory_status_scalar(assigned, demand, buffer) is expected


def test_t3_running_vm_held_between_demand_and_target_is_low():
    # Pool 1100 MB: demand 1000 fits, the 1200 MB target does not.
    sim, b = simulate(
        scenario([vm("A", dm(1024, 512, 4096), constant(1000))], host(1100)), 60
    )
    settled = slice(BOOT, None)
    assert np.all(b.assigned[settled, 0] == 1100)
    assert np.all(b.status[settled, 0] == LOW)
    assert np.all(b.pressure[settled, 0] == 91)
    assert np.all(b.available[settled] == 0)
    assert np.all(b.paging[:, 0] == 0)


# -- T7, T8: start admission and Smart Paging ------------------------------------------


def test_t7_cold_start_without_memory_fails_and_never_uses_smart_paging():
    # 2012R2 has Smart Paging; 512 MB free = B's Minimum, but a cold start needs 1024.
    sc = scenario(
        [vm("A", static(1536)), vm("B", dm(1024, 512, 4096), autostart=False)],
        host(2048, "2012R2"),
        events=[event(10, "B", "start")],
    )
    sim, b = simulate(sc, 60)
    assert np.all(b.state[:, 1] == OFF)
    assert np.all(b.assigned[:, 1] == 0)
    assert np.all(b.smart_paging == 0)
    assert np.all(b.status[:, 1] == NONE)
    failed = records(sim, "start_failed", "B")
    assert len(failed) == 1 and failed[0].at_s == 10
    assert not_enough_memory_short("B") in failed[0].message
    assert (
        "Not enough memory in the system to start the virtual machine B."
        in failed[0].message
    )
    assert "ram size 1024 megabytes" in failed[0].message
    assert "smart_paging" not in kinds(sim)
    assert np.all(b.assigned[:, 0] == 1536)  # the running VM is untouched


def test_t7_autostart_that_does_not_fit_stays_off():
    sc = scenario([vm("Big", static(4096))], host(2048))
    sim, b = simulate(sc, 10)
    assert np.all(b.state[:, 0] == OFF)
    assert [(e.at_s, e.kind) for e in sim.event_log] == [(0, "start_failed")]


def _full_host_restart(
    version: str, restart_at: int = 100
) -> tuple[Simulation, object]:
    """A and B idle at their 512 MB Minimum, C static 1024: a 2048 MB host is full.

    A is restarted at ``restart_at``; after its 10 s Stopping, only its own 512 MB
    are free and nothing can be reclaimed (B is at its Minimum).
    """
    sc = scenario(
        [
            vm("A", dm(1024, 512, 4096), constant(300)),
            vm("B", dm(1024, 512, 4096), constant(300)),
            vm("C", static(1024), autostart=False),
        ],
        host(2048, version),
        events=[event(60, "C", "start"), event(restart_at, "A", "restart")],
    )
    return simulate(sc, 200)


def test_t8_restart_on_full_2012r2_host_uses_smart_paging_until_guest_reports():
    sim, b = _full_host_restart("2012R2")
    assert np.all(b.assigned[90:100] == [512, 512, 1024])
    assert np.all(b.available[90:100] == 0)
    back = 100 + STOPPING_S  # A stops and starts again at 110
    ready = back + BOOT  # its guest reports at 130
    booting = slice(back, ready)
    assert np.all(b.state[back : back + STARTING_S, 0] == STARTING)
    assert np.all(b.state[back + STARTING_S :, 0] == RUNNING)
    assert np.all(b.assigned[booting, 0] == 512)  # physical: what was free
    assert np.all(b.smart_paging[booting, 0] == 512)  # Startup − physical
    assert np.all(b.status[booting, 0] == PAGING)
    assert np.all(b.guest_visible[booting, 0] == 1024)  # the guest sees Startup RAM
    sp = records(sim, "smart_paging", "A")
    assert len(sp) == 1 and sp[0].at_s == back
    assert "512 MB" in sp[0].message
    # Once the guest reports, ballooning removes the paged part at A's balloon rate,
    # A holding its physical memory: Paging lasts until the file is empty (issue 8
    # §1.4; Microsoft expects under 10 minutes).
    after = b.smart_paging[ready:, 0]
    rate = 50  # 5 % of 1,024 MB, 2 MB aligned
    assert after[:5].tolist() == [512 - rate * k for k in range(1, 6)]
    cleared = records(sim, "smart_paging_cleared", "A")
    assert len(cleared) == 1 and cleared[0].at_s == ready + 10  # ceil(512 / 50) - 1
    done = cleared[0].at_s
    assert np.all(b.status[ready:done, 0] == PAGING)
    assert np.all(b.smart_paging[done:, 0] == 0)
    assert np.all(b.status[done:, 0] == OK)
    assert "start_failed" not in kinds(sim)
    assert np.all(b.available >= 0)


def test_t8_smart_paging_is_only_for_restarts_of_dm_vms():
    """The same full host, but A is shut down and started again (cold start): fails."""
    sc = scenario(
        [
            vm("A", dm(1024, 512, 4096), constant(300)),
            vm("B", dm(1024, 512, 4096), constant(300)),
            vm("C", static(1024), autostart=False),
        ],
        host(2048, "2012R2"),
        events=[
            event(60, "C", "start"),
            event(100, "A", "shutdown"),
            event(120, "A", "start"),
        ],
    )
    sim, b = simulate(sc, 150)
    assert [e.kind for e in records(sim, "start_failed", "A")] == ["start_failed"]
    assert np.all(b.state[110:, 0] == OFF)
    assert np.all(b.smart_paging == 0)


def test_t8_on_2008r2sp1_a_dm_restart_needs_no_smart_paging():
    """On 2008 R2 SP1 Minimum = Startup, so a DM VM always holds its Startup RAM
    and a restart gets its own memory back: Smart Paging never exists there.

    (The spec's "restart fails on SP1" cannot be built: a VM can only need Smart
    Paging when it sits below its Startup RAM, which SP1 does not allow.)"""
    sc = scenario(
        [vm("A", dm(1024, 512, 4096), constant(300)), vm("C", static(1024))],
        host(2048, "2008R2SP1"),
        events=[event(100, "A", "restart")],
    )
    sim, b = simulate(sc, 150)
    assert sim.settings("A").minimum_mb == 1024
    assert np.all(b.assigned[:, 0][b.state[:, 0] != OFF] == 1024)
    assert [e.kind for e in records(sim, "restart", "A")] == ["restart"]
    assert records(sim, "start", "A")[-1].message == "Started after a restart."
    assert np.all(b.smart_paging == 0) and np.all(b.status != PAGING)


# -- T9: weight under contention -------------------------------------------------------


def test_t9_high_weight_keeps_demand_and_buffer_longer():
    # Both guests ramp from 500 to 1600 MB over 300 s on a 2800 MB host.
    ramp = trace([(30, 500), (330, 1600)], interpolation="linear")
    sc = scenario(
        [
            vm("High", dm(1024, 512, 4096, weight=9000), ramp),
            vm("Low", dm(1024, 512, 4096, weight=1000), ramp),
        ],
        host(2800),
    )
    sim, b = simulate(sc, 400)
    rows = slice(40, None)  # settled after the boot-time shrink
    a, d = b.assigned[rows], b.demand[rows]
    floor = balancer.align_up(d)
    target = balancer.align_up(d * 1.2)
    high, low = 0, 1
    assert np.all(a >= 512)  # minimums hold
    assert np.all(b.available >= 0)
    # Enough memory: weight changes nothing.
    plenty = b.available[rows] > 4
    assert plenty.any() and np.all(a[plenty, high] == a[plenty, low])
    # The high-weight VM has its whole target whenever the low one has any buffer.
    low_has_buffer = a[:, low] > floor[:, low]
    assert np.all(a[low_has_buffer, high] == target[low_has_buffer, high])
    # The low one loses its buffer first: it is short of target while high is not.
    low_short = (a[:, low] < target[:, low]) & (a[:, high] == target[:, high])
    assert low_short.any()
    # Demand before buffer: whenever the low VM is below its demand, the high one is not
    # and has no buffer either (it gets its floor, nothing more is shared out).
    low_paging = a[:, low] < d[:, low]
    assert low_paging.any()
    assert np.all(a[low_paging, high] >= d[low_paging, high])
    assert np.all(b.paging[rows][low_paging, high] == 0)
    assert np.all(b.status[rows][low_paging, low] == WARNING)
    assert np.all(b.paging[rows][low_paging, low] > 0)
    # The high one never pages; at the end it has its demand, the low one the rest.
    assert np.all(b.paging[:, high] == 0)
    assert b.assigned[-1].tolist() == [1600, 1200]
    assert b.pressure[-1].tolist() == [100, 133]


def test_t9_contended_memory_goes_to_demand_before_buffers():
    """High weight wants a lot of buffer; the low-weight VM gets its demand first."""
    sc = scenario(
        [
            vm("High", dm(1024, 512, 8192, buffer=100, weight=9000), constant(1000)),
            vm("Low", dm(1024, 512, 8192, buffer=20, weight=1000), constant(1000)),
        ],
        host(2600),
    )
    sim, b = simulate(sc, 60)
    # Floors 1000 + 1000 = 2000 fit in 2600; the rest (600) goes to the buffers, split
    # 256 : 1 by weight (9000 vs 1000): High 599.6 MB (1,598 aligned), Low 0.4 MB.
    assert b.assigned[-1].tolist() == [1598, 1000]
    assert b.status[-1].tolist() == [LOW, LOW]


# -- T10, T11, boot phase --------------------------------------------------------------


def test_t10_without_integration_services_stays_at_startup_and_reports_nothing():
    sc = scenario(
        [vm("A", dm(1024, 512, 4096), constant(300), integration_services=False)]
    )
    sim, b = simulate(sc, 600)
    assert np.all(b.state[STARTING_S:, 0] == RUNNING)
    assert np.all(b.assigned[:, 0] == 1024)
    assert np.all(b.demand[:, 0] == 0)
    assert np.all(b.pressure[:, 0] == 0)
    assert np.all(b.status[:, 0] == NONE)
    assert np.all(b.guest_demand[:, 0] == 300)  # the guest still commits memory
    assert "guest_ready" not in kinds(sim)


def test_t11_idle_guest_balloons_gradually_down_to_minimum():
    startup = 1024
    sc = scenario([vm("A", dm(startup, 512, 4096), constant(300))])
    sim, b = simulate(sc, 120)
    a = b.assigned[:, 0]
    rate = float(balancer.balloon_rate_mb(np.array([startup]))[0])
    assert rate == 50  # 5 % of 1024, rounded down to 2 MB
    assert a[-1] == 512  # max(Minimum 512, 300 × 1.2 = 360)
    assert np.all(a[:BOOT] == startup)
    steps = np.diff(a)
    assert np.all(steps <= 0)
    assert np.all(-steps <= rate)  # never more than the balloon rate per tick
    assert a[BOOT] == startup - rate  # the first reporting tick removes one step only
    assert np.count_nonzero(steps) == 11  # 1024 → 974 → … → 524 → 512
    assert np.all(a >= 512)
    assert np.all(b.guest_visible[:, 0] == startup)  # ballooning hides nothing from it


@pytest.mark.parametrize("boot_delay", [0, 1, 7, 45])
def test_boot_phase_holds_startup_and_reports_nothing_until_vsc(boot_delay):
    sc = scenario(
        [vm("A", dm(2048, 512, 4096), constant(300), boot_delay_s=boot_delay)]
    )
    sim, b = simulate(sc, 80)
    ready = max(boot_delay, STARTING_S)  # the VSC reports at the earliest once Running
    assert np.all(b.state[:STARTING_S, 0] == STARTING)
    assert np.all(b.state[STARTING_S:, 0] == RUNNING)
    assert np.all(b.assigned[:ready, 0] == 2048)
    assert np.all(b.guest_visible[:ready, 0] == 2048)
    assert np.all(b.demand[:ready, 0] == 0)
    assert np.all(b.status[:ready, 0] == NONE)
    assert np.all(b.pressure[:ready, 0] == 0)
    assert b.demand[ready, 0] == 300 and b.status[ready, 0] == OK
    assert [e.at_s for e in records(sim, "guest_ready", "A")] == [ready]


def test_static_vm_holds_startup_from_start_to_stop_and_off_vms_hold_nothing():
    sc = scenario(
        [vm("S", static(2048), constant(3000)), vm("Idle", dm(), autostart=False)],
        events=[event(100, "S", "shutdown")],
    )
    sim, b = simulate(sc, 150)
    stop = 100 + STOPPING_S
    assert np.all(b.assigned[:stop, 0] == 2048)
    assert np.all(b.assigned[stop:, 0] == 0)
    assert np.all(b.state[stop:, 0] == OFF)
    assert np.all(b.demand[:, 0] == 0) and np.all(b.pressure[:, 0] == 0)
    assert np.all(b.status[:, 0] == NONE)
    assert np.all(b.paging[:stop, 0] == 952)  # the guest commits 3000 MB in 2048 MB
    assert np.all(b.state[:, 1] == OFF)
    for name in (
        "assigned",
        "guest_visible",
        "demand",
        "guest_demand",
        "paging",
        "smart_paging",
        "pressure",
    ):
        assert np.all(getattr(b, name)[:, 1] == 0), name
        assert np.all(getattr(b, name)[stop:, 0] == 0), name


def test_growth_reaches_target_in_one_tick():
    sc = scenario([vm("A", dm(1024, 512, 8192), trace([(0, 500), (100, 2000)]))])
    sim, b = simulate(sc, 120)
    assert b.assigned[99, 0] == 600
    assert b.assigned[100, 0] == 2400
    assert b.guest_visible[100, 0] == 2400  # hot-added
    assert b.status[100, 0] == OK


def test_growth_is_capped_by_free_memory():
    sc = scenario(
        [vm("A", dm(1024, 512, 8192), trace([(0, 500), (100, 2000)]))], host(2200)
    )
    sim, b = simulate(sc, 120)
    assert b.assigned[100, 0] == 2200
    assert b.available[100] == 0


# -- start admission reclaims from running DM VMs --------------------------------------


def _reclaim_scenario(
    memory_mb: int, starter: dict, demand: float = 1000, startup: int = 1024
) -> object:
    """A (weight 2000) and B (weight 3000) idle at demand × 1.2; C starts at t = 100."""
    return scenario(
        [
            vm("A", dm(startup, 512, 4096, weight=2000), constant(demand)),
            vm("B", dm(startup, 512, 4096, weight=3000), constant(demand)),
            vm("C", starter, autostart=False),
        ],
        host(memory_mb),
        events=[event(100, "C", "start")],
    )


def test_start_reclaims_buffer_from_lower_weight_vms_first():
    # Free 3200 − 2 × 1200 = 800; C needs 1024: 200 from A's buffer, then 24 from B's,
    # ballooned out at 50 MB/s (5 % of 1,024): C waits 4 s (issue 8 §1.3).
    sim, b = simulate(_reclaim_scenario(3200, static(1024, weight=5000)), 130)
    assert b.assigned[99].tolist() == [1200, 1200, 0]
    assert [e.at_s for e in records(sim, "start_waiting", "C")] == [100]
    assert [e.at_s for e in records(sim, "start", "C")] == [104]
    assert "waiting 4 s" in records(sim, "start", "C")[0].message
    assert np.all(b.state[100:104, 2] == WAITING) and np.all(b.assigned[100:104, 2] == 0)
    assert b.assigned[104, 2] == 1024
    assert np.all(-np.diff(b.assigned[99:105, :2], axis=0) <= 50)  # gradual
    assert np.all(b.assigned[99:, :2] >= 1000)  # both keep their demand
    assert np.all(b.state[106:, 2] == RUNNING)
    assert np.all(b.available >= 0)
    # The balancer then shares the 176 MB of buffer left, 2 : 1 by weight (3000 vs 2000)
    # in proportion to what each misses of its buffer: B keeps more of its buffer.
    a_buf, b_buf = b.assigned[-1, 0] - 1000, b.assigned[-1, 1] - 1000
    assert a_buf + b_buf == 174 and b_buf > a_buf > 0


def test_start_reclaims_below_demand_but_never_below_minimum():
    # Free 200; short 824: both buffers (400), then 424 below A's demand (A ≥ 512):
    # A balloons 624 MB at 50 MB/s, so C waits 13 s.
    sim, b = simulate(_reclaim_scenario(2600, static(1024, weight=5000)), 130)
    started = records(sim, "start", "C")[0].at_s
    assert started == 113
    assert b.assigned[started, 2] == 1024
    assert np.all(b.assigned[100:, :2] >= 512)
    assert np.all(-np.diff(b.assigned[99:, :2], axis=0) <= 50)
    # Both page afterwards, the lower weight (A) far more: the shortfall is shared by
    # weight (issue 8 §1.2), not laid on A alone.
    assert np.all(b.paging[started + 1:, 0] > 2 * b.paging[started + 1:, 1])
    assert np.all(b.paging[started + 1:, 0] > 0)


def test_a_start_that_cannot_be_ballooned_in_time_fails_and_frees_the_donors():
    # A (Startup 256 MB, so it balloons only 12 MB/s) holds 1,800 MB; C needs 1,000 MB
    # more than is free: 84 s of ballooning, more than a start may wait, so C fails at
    # 100 + START_WAIT_S with Hyper-V's text (issue 8 §1.3).
    sc = scenario(
        [vm("A", dm(256, 64, 4096, weight=2000), constant(1500)),
         vm("C", static(1200, weight=5000), autostart=False)],
        host(2000), events=[event(100, "C", "start")])
    sim, b = simulate(sc, 240)
    assert b.assigned[99, 0] == 1800
    assert kinds(sim, "C") == ["start_waiting", "start_failed"]
    failed = records(sim, "start_failed", "C")[0]
    assert failed.at_s == 100 + START_WAIT_S
    assert "Not enough memory in the system to start the virtual machine C" in failed.message
    assert np.all(b.state[100:failed.at_s, 1] == WAITING)
    assert b.state[failed.at_s, 1] == OFF
    assert np.all(-np.diff(b.assigned[99:failed.at_s, 0]) <= 12)
    # Once the start is abandoned nobody is held down: A grows back to its target.
    assert b.assigned[-1, 0] == 1800


def test_turning_off_a_waiting_vm_cancels_its_start():
    sc = scenario(
        [vm("A", dm(1024, 512, 4096, weight=2000), constant(1000)),
         vm("B", dm(1024, 512, 4096, weight=3000), constant(1000)),
         vm("C", static(1024, weight=5000), autostart=False)],
        host(2600), events=[event(100, "C", "start"), event(105, "C", "turn_off")])
    sim, b = simulate(sc, 140)
    assert kinds(sim, "C") == ["start_waiting", "turn_off"]
    assert np.all(b.state[105:, 2] == OFF)
    assert b.assigned[-1, :2].tolist() == [1200, 1200]  # the donors grow back


@pytest.mark.parametrize(("weight", "starts"), [(5000, True), (2500, False)])
def test_start_takes_below_demand_only_from_vms_of_weight_at_most_its_own(
    weight, starts
):
    # Demand 800: A, B at 960; free 80. C needs 800: buffers 320 + A's 288 = 688 < 800;
    # B's 288 below demand may only be taken by a starter of weight >= 3000.
    sim, b = simulate(
        _reclaim_scenario(2000, static(800, weight=weight), demand=800, startup=960),
        130,
    )
    assert b.assigned[99].tolist() == [960, 960, 0]
    if starts:
        assert kinds(sim, "C")[:2] == ["start_waiting", "start"]
        started = records(sim, "start", "C")[0].at_s
        assert b.assigned[started, 2] == 800
        assert np.all(b.assigned[100:, :2] >= 512)
    else:
        assert kinds(sim, "C") == ["start_failed"]
        assert b.assigned[100].tolist() == [960, 960, 0]  # nothing taken for nothing
        assert np.all(b.assigned[100:].sum(axis=1) == 1920)


def test_very_low_weight_start_does_not_reclaim_and_fails():
    assert VERY_LOW_WEIGHT == 1000
    sim, b = simulate(_reclaim_scenario(3200, static(1024, weight=500)), 130)
    assert kinds(sim, "C") == ["start_failed"]
    assert np.all(b.assigned[40:, :2] == 1200)
    assert np.all(b.assigned[:, 2] == 0)


def test_start_that_cannot_fit_even_after_reclaim_takes_nothing():
    sim, b = simulate(_reclaim_scenario(3200, static(3000, weight=9000)), 130)
    assert kinds(sim, "C") == ["start_failed"]
    assert np.all(b.assigned[90:, :2] == 1200)


def test_start_in_the_tick_a_guest_first_reports_respects_its_demand():
    # A (weight 9000) holds 2048 with demand 1800: its buffer is 248 MB. B (weight 5000)
    # needs 1024 with 600 free: 424 short, more than A's buffer, and B may not take A's
    # demand. One second later the start fails as it should; at t = 20 it succeeds and
    # pushes A to 1624 MB, 176 MB below its demand.
    results = {}
    for at in (20, 21):
        sc = scenario(
            [
                vm("A", dm(2048, 512, 4096, weight=9000), constant(1800)),
                vm("B", static(1024, weight=5000), autostart=False),
            ],
            host(2048 + 600),
            events=[event(at, "B", "start")],
        )
        sim, b = simulate(sc, 40)
        results[at] = (kinds(sim, "B"), float(b.paging[at:, 0].max()))
    assert results[21] == (["start_failed"], 0.0)
    assert results[20] == results[21]


# -- lifecycle events ------------------------------------------------------------------


def test_shutdown_stops_after_stopping_period_and_frees_memory():
    sc = scenario(
        [vm("A", dm(1024, 512, 4096), constant(1000))],
        events=[event(100, "A", "shutdown")],
    )
    sim, b = simulate(sc, 130)
    stop = 100 + STOPPING_S
    assert np.all(b.state[100:stop, 0] == STOPPING)
    assert np.all(b.assigned[100:stop, 0] == 1200)  # held, not balanced
    assert np.all(b.status[100:stop, 0] == NONE) and np.all(b.demand[100:stop, 0] == 0)
    assert np.all(b.state[stop:, 0] == OFF)
    assert np.all(b.assigned[stop:, 0] == 0)
    assert np.all(b.available[stop:] == 8192)
    assert [(e.at_s, e.kind) for e in sim.event_log[-2:]] == [
        (100, "shutdown"),
        (stop, "stopped"),
    ]


def test_turn_off_is_immediate():
    sc = scenario(
        [vm("A", dm(1024, 512, 4096), constant(1000))],
        events=[event(100, "A", "turn_off")],
    )
    sim, b = simulate(sc, 110)
    assert b.state[99, 0] == RUNNING and b.assigned[99, 0] == 1200
    assert np.all(b.state[100:, 0] == OFF) and np.all(b.assigned[100:, 0] == 0)
    assert (100, "turn_off") in [(e.at_s, e.kind) for e in sim.event_log]


def test_turn_off_while_stopping_is_allowed():
    sc = scenario(
        [vm("A")], events=[event(50, "A", "shutdown"), event(53, "A", "turn_off")]
    )
    sim, b = simulate(sc, 70)
    assert np.all(b.state[50:53, 0] == STOPPING) and np.all(b.state[53:, 0] == OFF)
    assert "stopped" not in kinds(sim) and "ignored" not in kinds(sim)


def test_restart_stops_then_boots_again():
    sc = scenario(
        [vm("A", dm(1024, 512, 4096), constant(1000))],
        events=[event(100, "A", "restart")],
    )
    sim, b = simulate(sc, 160)
    back = 100 + STOPPING_S
    assert np.all(b.state[100:back, 0] == STOPPING)
    assert np.all(b.state[back : back + STARTING_S, 0] == STARTING)
    assert np.all(b.state[back + STARTING_S :, 0] == RUNNING)
    assert np.all(
        b.assigned[back : back + BOOT, 0] == 1024
    )  # Startup RAM while booting
    assert np.all(b.demand[back : back + BOOT, 0] == 0)
    assert np.all(b.assigned[back + BOOT :, 0] == 1200)
    assert [(e.at_s, e.kind) for e in sim.event_log if e.at_s >= 100] == [
        (100, "restart"),
        (back, "stopped"),
        (back, "start"),
        (back + BOOT, "guest_ready"),
    ]


def test_boot_spike_restarts_with_the_guest():
    spike = {"kind": "boot_spike", "steady_mb": 500, "spike_mb": 1000, "decay_s": 30}
    sc = scenario(
        [vm("A", dm(1024, 512, 4096), spike)], events=[event(300, "A", "restart")]
    )
    sim, b = simulate(sc, 320)
    assert b.guest_demand[0, 0] == 1500 and b.guest_demand[310, 0] == 1500
    assert b.guest_demand[299, 0] < 501


@pytest.mark.parametrize(
    ("action", "at", "state_label"),
    [
        ("start", 50, "running"),
        ("start", 1, "starting"),
        ("shutdown", 10, "off"),
        ("restart", 10, "off"),
        ("turn_off", 10, "off"),
        ("shutdown", 55, "stopping"),
    ],
)
def test_actions_that_do_not_apply_are_ignored(action, at, state_label):
    events = [event(at, "A", action)]
    autostart = state_label != "off"
    if state_label == "stopping":
        events.insert(0, event(50, "A", "shutdown"))
    sc = scenario([vm("A", autostart=autostart)], events=events)
    sim, b = simulate(sc, 80)
    ignored = records(sim, "ignored", "A")
    assert [e.at_s for e in ignored] == [at]
    assert f"virtual machine is {state_label}" in ignored[0].message
    assert kinds(sim, "A").count("start") == int(autostart)


def test_submit_takes_effect_at_the_next_tick():
    sim = Simulation(
        scenario(
            [vm("A", dm(1024, 512, 4096), constant(1000)), vm("B", autostart=False)]
        )
    )
    first = sim.advance(50)
    assert first.state[-1].tolist() == [RUNNING, OFF]
    sim.submit("shutdown", "A")
    sim.submit("start", "B")
    sim.submit("set_memory", "A", {"buffer_percent": 50})
    second = sim.advance(5)
    assert second.time[0] == 50
    assert second.state[0].tolist() == [STOPPING, STARTING]
    assert [(e.at_s, e.vm, e.kind) for e in second.events] == [
        (50, "A", "shutdown"),
        (50, "B", "start"),
        (50, "A", "set_memory"),
    ]
    assert sim.settings("A").buffer_percent == 50
    with pytest.raises(KeyError):
        sim.submit("start", "nobody")


def test_submit_between_run_blocks():
    sim = Simulation(scenario([vm("A", dm(1024, 512, 4096), constant(1000))]))
    blocks = []
    for k, block in enumerate(sim.run(100, block_s=30)):
        blocks.append(block)
        if k == 1:
            sim.submit("turn_off", "A")
    assert [len(x) for x in blocks] == [30, 30, 30, 10]
    assert blocks[1].state[-1, 0] == RUNNING
    assert np.all(blocks[2].state[:, 0] == OFF) and blocks[2].events[0].at_s == 60


# -- set_memory ------------------------------------------------------------------------


def _grow_after_100(events, version="2012R2", memory=None):
    sc = scenario(
        [vm("A", memory or dm(1024, 512, 1024), trace([(0, 500), (100, 2000)]))],
        host(8192, version),
        events=events,
    )
    return simulate(sc, 130)


def test_runtime_raise_of_maximum_is_accepted_and_takes_effect():
    sim, b = _grow_after_100([event(50, "A", "set_memory", {"maximum_mb": 4096})])
    assert records(sim, "set_memory", "A")[0].at_s == 50
    assert sim.settings("A").maximum_mb == 4096
    assert b.assigned[100, 0] == 2400  # beyond the old 1024 Maximum
    ctrl_sim, ctrl = _grow_after_100([])
    assert np.all(ctrl.assigned[:, 0] <= 1024)


@pytest.mark.parametrize(
    "patch",
    [
        {"minimum_mb": 800},  # raise Minimum
        {"maximum_mb": 800},  # lower Maximum (startup 1024 ≤ maximum still fails V7)
        {"startup_mb": 768},  # change Startup
        {"dynamic_memory_enabled": False},  # toggle DM
    ],
)
def test_runtime_changes_hyperv_refuses_leave_settings_unchanged(patch):
    memory = dm(1024, 512, 2048)
    sim, b = _grow_after_100([event(50, "A", "set_memory", patch)], memory=memory)
    refused = records(sim, "set_memory_refused", "A")
    assert [e.at_s for e in refused] == [50]
    assert refused[0].message.startswith("Failed to modify device 'Memory'.")
    assert refused[0].message.startswith(FAILED_TO_MODIFY)
    s = sim.settings("A")
    assert (s.dynamic_memory_enabled, s.startup_mb, s.minimum_mb, s.maximum_mb) == (
        True,
        1024,
        512,
        2048,
    )
    assert "set_memory" not in kinds(sim, "A")
    assert b.assigned[100, 0] == 2048  # still bounded by the old Maximum


def test_runtime_lower_minimum_is_accepted_and_takes_effect():
    sc = scenario(
        [vm("A", dm(1024, 512, 4096), constant(100))],
        events=[event(100, "A", "set_memory", {"minimum_mb": 64})],
    )
    sim, b = simulate(sc, 200)
    assert b.assigned[99, 0] == 512
    assert b.assigned[-1, 0] == 120  # 100 × 1.2
    assert np.all(-np.diff(b.assigned[:, 0]) <= 50)


def test_2008r2sp1_refuses_any_change_while_running_but_not_while_off():
    sc = scenario(
        [
            vm("S", static(1024)),
            vm("D", dm(1024, 1024, 4096)),
            vm("Off", dm(), autostart=False),
        ],
        host(8192, "2008R2SP1"),
        events=[
            event(50, "S", "set_memory", {"startup_mb": 2048}),
            event(50, "D", "set_memory", {"buffer_percent": 50}),
            event(50, "D", "set_memory", {"weight": 100}),
            event(50, "D", "set_memory", {"maximum_mb": 8192}),
            event(50, "Off", "set_memory", {"startup_mb": 2048, "maximum_mb": 8192}),
        ],
    )
    sim, b = simulate(sc, 60)
    assert [e.vm for e in records(sim, "set_memory_refused")] == ["S", "D", "D", "D"]
    assert all(
        e.message.startswith(FAILED_TO_MODIFY)
        for e in records(sim, "set_memory_refused")
    )
    assert sim.settings("S").startup_mb == 1024
    assert (
        sim.settings("D").buffer_percent,
        sim.settings("D").weight,
        sim.settings("D").maximum_mb,
    ) == (20, 5000, 4096)
    assert [e.vm for e in records(sim, "set_memory")] == ["Off"]
    assert (
        sim.settings("Off").startup_mb == 2048
        and sim.settings("Off").minimum_mb == 2048
    )
    assert np.all(b.assigned[:, 0] == 1024)


def test_2016_static_runtime_resize_is_accepted_and_changes_assigned():
    sc = scenario(
        [vm("A", static(1024), constant(500))],
        host(8192, "2016"),
        events=[
            event(50, "A", "set_memory", {"startup_mb": 2048}),
            event(70, "A", "set_memory", {"startup_mb": 256}),
        ],
    )
    sim, b = simulate(sc, 100)
    assert b.assigned[49, 0] == 1024
    assert np.all(b.assigned[50:, 0] == 2048)
    assert np.all(b.guest_visible[50:, 0] == 2048)
    assert sim.settings("A").startup_mb == 2048
    refused = records(sim, "set_memory_refused", "A")  # the guest uses 500 MB > 256 MB
    assert [e.at_s for e in refused] == [70]


def test_2016_static_resize_must_fit_the_host():
    sc = scenario(
        [vm("A", static(1024), constant(500))],
        host(2048, "2016"),
        events=[
            event(50, "A", "set_memory", {"startup_mb": 2050}),
            event(60, "A", "set_memory", {"startup_mb": 2048}),
        ],
    )
    sim, b = simulate(sc, 70)
    assert [e.at_s for e in records(sim, "set_memory_refused", "A")] == [50]
    assert [e.at_s for e in records(sim, "set_memory", "A")] == [60]
    assert b.assigned[-1, 0] == 2048 and b.available[-1] == 0


def test_2012r2_static_runtime_resize_is_refused():
    sc = scenario(
        [vm("A", static(1024))],
        host(8192, "2012R2"),
        events=[event(50, "A", "set_memory", {"startup_mb": 2048})],
    )
    sim, b = simulate(sc, 60)
    assert [e.at_s for e in records(sim, "set_memory_refused", "A")] == [50]
    assert np.all(b.assigned[:, 0] == 1024)


# -- host overhead and reserve ---------------------------------------------------------


def test_available_memory_counts_reserve_and_overhead_of_every_vm_not_off():
    sc = scenario(
        [
            vm("A", dm(1024, 512, 4096), constant(1000)),
            vm("B", static(2048), autostart=False),
            vm("C", static(512), autostart=False),
        ],
        host(8192, reserve_mb=1000, vm_overhead_mb=64),
        events=[event(30, "B", "start"), event(60, "B", "shutdown")],
    )
    sim, b = simulate(sc, 100)
    not_off = (b.state != OFF).sum(axis=1)
    expected = 8192 - 1000 - b.assigned.sum(axis=1) - 64 * not_off
    np.testing.assert_array_equal(b.available, expected)
    assert b.available[40] == 8192 - 1000 - 1200 - 2048 - 128
    assert b.available[65] == 8192 - 1000 - 1200 - 2048 - 128  # Stopping still costs
    assert b.available[-1] == 8192 - 1000 - 1200 - 64


@pytest.mark.parametrize(("memory_mb", "starts"), [(1090, True), (1088, False)])
def test_start_needs_startup_plus_overhead(memory_mb, starts):
    sc = scenario(
        [vm("A", static(1024))], host(memory_mb, reserve_mb=2, vm_overhead_mb=64)
    )
    sim, b = simulate(sc, 5)
    assert kinds(sim) == (["start"] if starts else ["start_failed"])
    if starts:
        assert np.all(b.available == 0)


def test_autostart_order_is_by_weight():
    sc = scenario(
        [vm("Low", static(1024, weight=100)), vm("High", static(1024, weight=9000))],
        host(1500),
    )
    sim, b = simulate(sc, 5)
    assert [(e.vm, e.kind) for e in sim.event_log] == [
        ("High", "start"),
        ("Low", "start_failed"),
    ]


# -- derived values --------------------------------------------------------------------


def test_guest_visible_is_a_high_water_mark_reset_by_a_restart():
    sc = scenario(
        [vm("A", dm(1024, 512, 8192), trace([(0, 500), (100, 2000), (150, 500)]))],
        events=[event(300, "A", "restart")],
    )
    sim, b = simulate(sc, 320)
    assert b.assigned[120, 0] == 2400 and b.assigned[299, 0] == 600  # ballooned back
    assert np.all(b.guest_visible[100:300, 0] == 2400)
    assert np.all(b.guest_visible[:100, 0] == 1024)
    assert np.all(b.guest_visible[310:, 0] == 1024)  # a new boot sees Startup RAM


def test_average_pressure_is_the_mean_over_reporting_dm_vms():
    sc = scenario(
        [
            vm("A", dm(1024, 512, 4096), constant(1000)),
            vm("B", dm(1024, 512, 1024), constant(1054)),
            vm("S", static(1024), constant(5000)),
            vm("Late", dm(1024, 512, 4096), constant(1000), boot_delay_s=60),
        ]
    )
    sim, b = simulate(sc, 80)
    assert np.all(b.average_pressure[:BOOT] == 0)
    assert np.all(b.average_pressure[BOOT:60] == 93)  # (83 + 103) / 2
    assert np.all(b.average_pressure[60:] == pytest.approx((83 + 103 + 83) / 3))


def test_turn_off_during_a_restart_cancels_it():
    sc = scenario(
        [vm("A")], events=[event(50, "A", "restart"), event(55, "A", "turn_off")]
    )
    sim, b = simulate(sc, 100)
    assert np.all(b.state[55:, 0] == OFF)
    assert kinds(sim, "A").count("restart") == 1 and "stopped" not in kinds(sim, "A")


def test_advance_needs_a_positive_number_of_ticks_and_blocks_are_read_only():
    sim = Simulation(scenario([vm("A")]))
    with pytest.raises(ValueError):
        sim.advance(0)
    b = sim.advance(3)
    assert b.time.tolist() == [0, 1, 2] and len(b) == 3
    with pytest.raises(ValueError):
        b.assigned[0, 0] = 1.0
    assert sim.advance(2).time.tolist() == [3, 4]


def test_tiny_positive_demand_does_not_overflow_memory_status():
    import warnings

    sc = scenario([vm("A", dm(1024, 512, 4096), constant(1e-306))])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sim, b = simulate(sc, 30)
    assert np.all(b.status[BOOT:, 0] == OK)


def test_shutdown_needs_integration_services():
    sc = scenario(
        [vm("A", static(512), constant(100), integration_services=False)],
        events=[event(30, "A", "shutdown"), event(40, "A", "turn_off")],
    )
    sim, b = simulate(sc, 60)
    ignored = records(sim, "ignored", "A")
    assert len(ignored) == 1 and "Shutdown integration service" in ignored[0].message
    assert b.state[39, 0] == RUNNING and b.state[41, 0] == OFF


def test_reconfigure_keeps_runtime_settings_and_refuses_unsafe_edits():
    sc = scenario(
        [vm("A", dm(1024, 512, 4096), constant(3000))],
        host(16384),
        events=[event(30, "A", "set_memory", memory={"maximum_mb": 8192})],
    )
    sim, _ = simulate(sc, 60)
    assert sim.settings("A").maximum_mb == 8192
    grown = parse_scenario({**sc.model_dump(mode="json"),
                            "vms": [*sc.model_dump(mode="json")["vms"],
                                    vm("B", static(512), autostart=False)]})
    sim.reconfigure(grown)  # the file still says 4096: the running VM keeps 8192
    assert sim.settings("A").maximum_mb == 8192
    small = grown.model_copy(update={"host": grown.host.model_copy(
        update={"memory_mb": 256})})
    with pytest.raises(ValueError, match="need at least"):
        sim.reconfigure(small)
    other = grown.model_copy(update={"host": grown.host.model_copy(
        update={"version": "2016"})})
    with pytest.raises(ValueError, match="only while every virtual machine is off"):
        sim.reconfigure(other)
    without_a = grown.model_copy(update={"vms": grown.vms[1:], "events": []})
    with pytest.raises(ValueError, match="Turn off 'A'"):
        sim.reconfigure(without_a)
    assert sim.names == ["A", "B"]


# -- model parameters: balloon rate and hot-add delay (issue 8 §1.5) --------------------


def test_hot_add_waits_the_delay_but_un_ballooning_does_not():
    # Demand 300 → the VM balloons to 512 (Minimum); at 200 demand jumps to 2000.
    sc = scenario([vm("A", dm(1024, 512, 4096), trace([(0, 300), (200, 2000)]))],
                  host(8192, hot_add_delay_s=5))
    sim, b = simulate(sc, 260)
    assert b.assigned[199, 0] == 512
    assert b.assigned[200, 0] == 1024  # back up to what the guest sees: at once
    assert np.all(b.assigned[200:205, 0] == 1024)  # hot-add waits 5 s
    assert b.assigned[205, 0] == 2400  # then the target (2000 × 1.2)


def test_a_short_spike_meets_the_hot_add_lag():
    sc = scenario([vm("A", dm(1024, 512, 4096), trace([(0, 900), (100, 2000),
                                                      (103, 900)], "step"))],
                  host(8192, hot_add_delay_s=5))
    sim, b = simulate(sc, 200)
    assert b.assigned[:, 0].max() == 1080 and np.all(b.paging[100:103, 0] > 0)


@pytest.mark.parametrize("percent, rate", [(5.0, 50), (10.0, 102), (1.0, 10)])
def test_the_balloon_rate_is_a_host_parameter(percent, rate):
    sc = scenario([vm("A", dm(1024, 512, 4096), constant(100))],
                  host(8192, balloon_rate_percent=percent))
    sim, b = simulate(sc, 200)
    ready = 20 + 1
    drops = -np.diff(b.assigned[ready - 1:, 0])
    assert drops.max() == rate


def test_autostart_delay_spreads_the_starts_in_delay_then_weight_order():
    sc = scenario([
        vm("late", static(512), autostart_delay_s=30),
        vm("heavy", static(512, weight=9000)),
        vm("light", static(512, weight=100)),
        vm("mid", static(512), autostart_delay_s=10),
    ], host(4096))
    sim, b = simulate(sc, 40)
    starts = [(r.at_s, r.vm) for r in records(sim, "start")]
    assert starts == [(0, "heavy"), (0, "light"), (10, "mid"), (30, "late")]
    assert b.state[29, 0] == OFF and b.state[30, 0] == STARTING


def test_a_vm_started_by_hand_before_its_delay_is_not_started_again():
    sc = scenario([vm("A", static(512), autostart_delay_s=30)], host(4096),
                  [event(5, "A", "start")])
    sim, _ = simulate(sc, 40)
    assert [r.at_s for r in records(sim, "start")] == [5]
    assert kinds(sim, "A").count("ignored") == 0


def test_a_guest_that_reports_during_a_wait_does_not_take_the_freed_memory():
    # Nine VMs (demand 500, Startup 512, Minimum 256) started 30 s apart on 4096 MB;
    # the 10th waits while the 9th's guest is still booting. When that guest reports
    # it may not grow into the memory being ballooned out for the 10th.
    vms = [vm(f"V{k}", dm(512, 256, 2048), constant(500), autostart=False)
           for k in range(10)]
    events = [event(30 * k, f"V{k}", "start") for k in range(10)]
    sim, b = simulate(scenario(vms, host(4096), events), 400)
    assert kinds(sim, "V9")[:2] == ["start_waiting", "start"]
    assert not records(sim, "start_failed")
