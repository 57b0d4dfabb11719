"""Saved and Paused VMs (issue 8 §1.7; spec §2.4).

Save gives the VM's memory back to the pool and keeps it in the saved state; Start
restores it, which needs that memory again (or the VM waits, then fails with
Hyper-V's start-failure text and stays Saved). Pause keeps the memory and freezes
the guest. The expected numbers are worked out by hand in the comments.
"""

from __future__ import annotations

import numpy as np
import pytest
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

from dmgui.core.model.scenario import ScenarioError, parse_scenario
from dmgui.core.model.states import (
    VmState,
    not_enough_memory_short,
    start_failure_message,
)
from dmgui.core.sim.engine import START_WAIT_S, STARTING_S, Simulation
from dmgui.core.sim.reconfigure import reconfigure_problem

BOOT = 20


def _run(sc, ticks):
    sim = Simulation(sc)
    return sim, sim.advance(ticks)


def test_save_gives_the_memory_back_and_restore_takes_it_again():
    # 4096 MB host, no reserve or overhead; A settles at 1000 × 1.2 = 1200 MB.
    sc = scenario([vm("A", dm(1024, 512, 4096), constant(1000))], host(4096),
                  [event(100, "A", "save"), event(200, "A", "start")])
    sim, b = simulate(sc, 300)
    assert b.assigned[99, 0] == 1200
    assert b.state[100, 0] == VmState.SAVED and b.assigned[100, 0] == 0
    assert b.available[150] == 4096  # everything is back in the pool
    assert b.state[200, 0] == VmState.RUNNING and b.assigned[200, 0] == 1200
    assert b.status[201, 0] != 0  # the guest reports at once: it was reporting
    assert kinds(sim, "A")[-2:] == ["save", "restore"]
    assert "1200 MB" in records(sim, "save", "A")[0].message


def test_a_saved_vm_costs_no_overhead():
    sc = scenario([vm("A", static(1024))], host(4096, vm_overhead_mb=50),
                  [event(60, "A", "save")])
    _, b = simulate(sc, 61)
    assert b.available[59] == 4096 - 1024 - 50
    assert b.available[60] == 4096


def test_the_boot_spike_follows_the_guests_uptime_and_a_trace_the_scenario_clock():
    # A trace is what the guest is asked to do at a scenario second, saved or not;
    # the boot spike decays with the guest's uptime, which stops while it is saved.
    work = trace([(0, 500), (100, 1500)])
    sc = scenario([vm("A", dm(1024, 512, 4096), work)], host(8192),
                  [event(50, "A", "save"), event(200, "A", "start")])
    _, b = simulate(sc, 300)
    assert b.demand[200, 0] == 1500  # the trace's value at 200 s
    spike = {"kind": "boot_spike", "steady_mb": 500, "spike_mb": 1000, "decay_s": 60}
    sc = scenario([vm("A", dm(1024, 512, 4096), spike)], host(8192),
                  [event(40, "A", "save"), event(400, "A", "start")])
    _, b = simulate(sc, 402)
    assert b.demand[401, 0] == pytest.approx(b.demand[39, 0], rel=0.05)


def test_a_first_report_pending_at_save_waits_for_the_restore():
    # Saved 10 s after the start: 10 s of the 20 s boot remain after the restore.
    sc = scenario([vm("A", dm(1024, 512, 4096), constant(300))], host(8192),
                  [event(10, "A", "save"), event(100, "A", "start")])
    sim, b = simulate(sc, 200)
    ready = records(sim, "guest_ready", "A")
    assert [r.at_s for r in ready] == [110]
    assert b.assigned[100, 0] == 1024  # restored holding its Startup RAM


def test_restore_without_the_memory_fails_with_hyper_v_text_and_stays_saved():
    # A (static 3072) is saved; B (static 2048) starts on the 4096 MB host; 2048 MB
    # free is less than A's 3072 and static B gives nothing back.
    sc = scenario([vm("A", static(3072)), vm("B", static(2048), autostart=False)],
                  host(4096),
                  [event(30, "A", "save"), event(40, "B", "start"), event(60, "A", "start")])
    sim, b = simulate(sc, 100)
    failed = records(sim, "start_failed", "A")
    assert len(failed) == 1
    assert failed[0].message == start_failure_message("A", 3072)
    assert not_enough_memory_short("A") in failed[0].message
    assert b.state[-1, 0] == VmState.SAVED
    # Turn Off on a saved VM deletes the saved state.
    sim.submit("turn_off", "A")
    sim.advance(1)
    assert sim.vms.state[0] == VmState.OFF and sim.vms.saved_mb[0] == 0


def _contended(*events):
    """A (DM, demand 1000, target 1200) and B (DM, demand 1500, buffer 100 %, target
    3000) on a 4096 MB host: their buffers share what is left (A holds < 1200)."""
    return scenario([vm("A", dm(1024, 512, 4096), constant(1000)),
                     vm("B", dm(1024, 512, 4096, buffer=100), constant(1500))],
                    host(4096), list(events))


def test_restore_waits_for_ballooning_like_a_start():
    # Saved at 100 s: B grows to its 3000 target. The restore needs what A held
    # (between 1000 and 1200 MB) and 1096 is free: the rest is ballooned out of B's
    # buffer at ~51 MB/s (5 % of 1024).
    sim, b = simulate(_contended(event(100, "A", "save"), event(300, "A", "start")), 600)
    held = b.assigned[99, 0]
    assert 1096 < held <= 1200
    assert b.assigned[299, 1] == 3000
    assert "start_waiting" in kinds(sim, "A")
    restored = records(sim, "restore", "A")
    assert len(restored) == 1 and restored[0].at_s > 300
    assert restored[0].at_s - 300 <= START_WAIT_S
    assert b.assigned[restored[0].at_s, 0] == held


def test_cancelling_a_waiting_restore_keeps_the_saved_state():
    sim, b = simulate(_contended(event(100, "A", "save"), event(300, "A", "start"),
                                 event(301, "A", "turn_off")), 400)
    assert b.state[300, 0] == VmState.WAITING
    assert b.state[301, 0] == VmState.SAVED
    assert "stays saved" in records(sim, "turn_off", "A")[0].message
    assert sim.vms.saved_mb[0] == b.assigned[99, 0]


def test_pause_keeps_the_memory_and_freezes_demand():
    # Demand steps from 500 to 1500 at 100 s; paused from 60 s to 160 s the guest
    # commits nothing new, then follows the trace again.
    work = trace([(0, 500), (100, 1500)])
    sc = scenario([vm("A", dm(1024, 512, 4096), work)], host(8192),
                  [event(60, "A", "pause"), event(160, "A", "resume")])
    sim, b = simulate(sc, 300)
    assert b.state[60, 0] == VmState.PAUSED
    assert np.all(b.assigned[60:160, 0] == b.assigned[59, 0])  # held, not balanced
    assert np.all(b.status[60:160, 0] == 0)  # no report from a frozen guest
    assert b.state[160, 0] == VmState.RUNNING
    assert np.all(b.guest_demand[60:160, 0] == 500)
    assert b.demand[160, 0] == 1500
    assert kinds(sim, "A")[-2:] == ["pause", "resume"]


def test_a_paused_vm_gives_nothing_under_contention():
    # B's demand jumps to 3000 on a 4096 MB host while A (1200) is paused: B gets
    # only what is free; A is not ballooned.
    sc = scenario([vm("A", dm(1024, 512, 4096), constant(1000)),
                   vm("B", dm(1024, 512, 4096), trace([(0, 500), (100, 3000)]))],
                  host(4096), [event(50, "A", "pause")])
    _, b = simulate(sc, 300)
    assert np.all(b.assigned[50:, 0] == 1200)
    assert b.assigned[-1, 1] == 4096 - 1200


def test_start_resumes_a_paused_vm_and_a_paused_vm_can_be_saved():
    sc = scenario([vm("A", static(1024))], host(4096),
                  [event(30, "A", "pause"), event(40, "A", "start"),
                   event(50, "A", "pause"), event(60, "A", "save"),
                   event(70, "A", "start")])
    sim, b = simulate(sc, 80)
    assert kinds(sim, "A")[-5:] == ["pause", "resume", "pause", "save", "restore"]
    assert b.assigned[-1, 0] == 1024


@pytest.mark.parametrize(("when", "action", "state"), [
    (1, "save", "starting"),  # the guest is not up yet
    (1, "pause", "starting"),
    (30, "resume", "running"),
])
def test_actions_that_do_not_apply_are_ignored_with_the_state_named(when, action, state):
    sc = scenario([vm("A", static(1024))], host(4096), [event(when, "A", action)])
    sim, _ = simulate(sc, when + 2)
    ignored = records(sim, "ignored", "A")
    assert len(ignored) == 1 and f"is {state}" in ignored[0].message


@pytest.mark.parametrize("action", ["shutdown", "restart", "save"])
def test_a_saved_vm_refuses_what_needs_a_running_guest(action):
    sc = scenario([vm("A", static(1024))], host(4096),
                  [event(30, "A", "save"), event(40, "A", action)])
    sim, _ = simulate(sc, 41)
    assert "is saved" in records(sim, "ignored", "A")[0].message


def test_shutting_down_a_paused_vm_is_ignored_and_turn_off_works():
    sc = scenario([vm("A", static(1024))], host(4096),
                  [event(30, "A", "pause"), event(40, "A", "shutdown"),
                   event(50, "A", "turn_off")])
    sim, b = simulate(sc, 51)
    assert "is paused" in records(sim, "ignored", "A")[0].message
    assert b.state[-1, 0] == VmState.OFF and b.available[-1] == 4096


def test_the_version_cannot_change_while_a_vm_is_saved():
    sc = scenario([vm("A", static(1024))], host(4096), [event(30, "A", "save")])
    sim, _ = simulate(sc, 31)
    other = parse_scenario(dict(sc.model_dump(mode="json"),
                                host=dict(sc.host.model_dump(mode="json"),
                                          version="2016")))
    v = sim.vms
    assert reconfigure_problem(sim.names, v.state, v.assigned, v.managed_mask(),
                               v.settings, sim.host, other)


def test_a_saved_vm_survives_a_reconfigure():
    sc = scenario([vm("A", dm(1024, 512, 4096), constant(1000))], host(4096),
                  [event(100, "A", "save")])
    sim, _ = simulate(sc, 110)
    grown = parse_scenario(dict(sc.model_dump(mode="json"),
                                vms=[*sc.model_dump(mode="json")["vms"],
                                     vm("B", static(512), autostart=False)]))
    sim.reconfigure(grown)
    sim.submit("start", "A")
    b = sim.advance(1)
    assert b.state[0, 0] == VmState.RUNNING and b.assigned[0, 0] == 1200


def test_events_save_pause_resume_are_scenario_actions_and_others_are_refused():
    sc = scenario([vm("A", static(1024))], host(4096),
                  [event(1, "A", "save"), event(2, "A", "pause"), event(3, "A", "resume")])
    assert [e.action.value for e in sc.events] == ["save", "pause", "resume"]
    with pytest.raises(ScenarioError, match="action"):
        scenario([vm("A", static(1024))], host(4096), [event(1, "A", "hibernate")])


def test_starting_state_lasts_its_seconds_before_save_is_allowed():
    sc = scenario([vm("A", static(1024))], host(4096),
                  [event(STARTING_S, "A", "save")])
    sim, b = simulate(sc, STARTING_S + 1)
    assert kinds(sim, "A")[-1] == "save" and b.state[-1, 0] == VmState.SAVED


@pytest.mark.parametrize("hold", ["save", "pause"])
def test_static_memory_of_a_saved_or_paused_vm_cannot_be_resized(hold):
    sc = scenario([vm("A", static(1024))], host(4096, version="2016"),
                  [event(60, "A", hold),
                   event(70, "A", "set_memory", {"startup_mb": 2048})])
    sim, b = simulate(sc, 71)
    refused = records(sim, "set_memory_refused", "A")
    assert len(refused) == 1 and "while the virtual machine is" in refused[0].message
    assert b.assigned[-1, 0] == (0 if hold == "save" else 1024)
