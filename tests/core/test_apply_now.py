"""Simulation.apply_now: a user's action takes effect now, without a tick (issue 8 §2.1).

Only Run (``advance``) moves simulated time. A paused viewer applies what the user
submitted with ``apply_now``: the commands, and only them, at the current second.
Scheduled events, transitions and the auto-start due then wait for the next tick.
"""

from __future__ import annotations

import numpy as np
import pytest

# tests/ is not a package: pytest puts this folder on sys.path.
from scenario_builders import constant, dm, event, kinds, scenario, static, vm

from dmgui.core.model.states import VmState
from dmgui.core.sim.engine import STARTING_S, Simulation

OFF, STARTING, RUNNING = VmState.OFF, VmState.STARTING, VmState.RUNNING


def _lab(events=()):
    """A (auto-start, DM), B (not auto-start, static), an event scheduled at t = 0."""
    return scenario(
        [vm("A", dm(1024, 512, 4096), constant(800)),
         vm("B", static(1024), constant(300), autostart=False)],
        events=events)


def test_before_the_first_tick_an_edit_applies_to_the_off_autostart_vm():
    sim = Simulation(_lab(events=[event(0, "B", "start")]))
    sim.submit("set_memory", "A", {"startup_mb": 2048})
    block = sim.apply_now()
    # No tick: the time, the auto-start and the event scheduled at t = 0 all wait.
    assert sim.time == 0 and len(block) == 0
    assert sim.vms.state.tolist() == [OFF, OFF]
    assert [(e.at_s, e.vm, e.kind) for e in block.events] == [(0, "A", "set_memory")]
    assert block.events[0].message == "Memory settings changed."
    assert sim.settings("A").startup_mb == 2048  # accepted: A is Off
    assert kinds(sim) == ["set_memory"]
    # Run: the auto-start and the scheduled start happen at t = 0, with the new Startup.
    run = sim.advance(10)
    assert run.time[0] == 0
    assert [(e.at_s, e.vm, e.kind) for e in run.events[:2]] == [(0, "A", "start"),
                                                               (0, "B", "start")]
    assert run.state[0].tolist() == [STARTING, STARTING]
    assert run.assigned[0, 0] == 2048


def test_apply_now_with_nothing_submitted_changes_nothing():
    sim = Simulation(_lab(events=[event(0, "B", "start")]))
    block = sim.apply_now()
    assert sim.time == 0 and len(block) == 0 and block.events == ()
    assert sim.vms.state.tolist() == [OFF, OFF] and sim.event_log == []


def test_a_start_applies_at_the_current_second_and_due_events_wait():
    sim = Simulation(_lab(events=[event(30, "A", "set_memory", {"buffer_percent": 50})]))
    sim.advance(30)  # paused at t = 30, the scheduled change is due now
    sim.submit("start", "B")
    block = sim.apply_now()
    assert sim.time == 30 and len(block) == 0
    assert [(e.at_s, e.vm, e.kind) for e in block.events] == [(30, "B", "start")]
    assert sim.vms.state[1] == STARTING and sim.vms.assigned[1] == 1024
    assert sim.settings("A").buffer_percent == 20  # the event at 30 has not fired
    nxt = sim.advance(STARTING_S + 1)
    assert nxt.time[0] == 30
    assert [(e.at_s, e.kind) for e in nxt.events] == [(30, "set_memory")]
    assert sim.settings("A").buffer_percent == 50
    assert nxt.state[STARTING_S, 1] == RUNNING  # started at 30, Running at 32


def test_an_auto_start_vm_started_by_hand_is_not_started_again():
    sim = Simulation(_lab())
    sim.submit("start", "A")
    block = sim.apply_now()
    assert [(e.at_s, e.vm, e.kind) for e in block.events] == [(0, "A", "start")]
    sim.advance(5)
    assert kinds(sim, "A").count("start") == 1
    assert "start_failed" not in kinds(sim, "A")


def test_added_memory_of_a_change_made_while_paused_counts_in_the_next_tick():
    sc = scenario([vm("S", static(1024), constant(300))], host_={
        "memory_mb": 8192, "version": "2016", "reserve_mb": 0, "vm_overhead_mb": 0})
    sim = Simulation(sc)
    sim.advance(60)
    sim.submit("set_memory", "S", {"startup_mb": 2048})
    assert sim.apply_now().events[0].kind == "set_memory"
    nxt = sim.advance(1)
    assert nxt.assigned[0, 0] == 2048
    added, _removed = nxt.memory_moved()
    assert added[0] == 1024 and nxt.added[0, 0] == 1024


def test_apply_now_is_the_same_as_the_commands_of_a_tick_when_nothing_else_is_due():
    sc = _lab()
    ticked, paused = Simulation(sc), Simulation(sc)
    ticked.advance(100)
    paused.advance(100)
    for sim in (ticked, paused):
        sim.submit("start", "B")
        sim.submit("set_memory", "A", {"maximum_mb": 8192})
    paused.apply_now()
    a, b = ticked.advance(50), paused.advance(50)
    np.testing.assert_array_equal(a.assigned, b.assigned)
    np.testing.assert_array_equal(a.state, b.state)
    assert [(e.at_s, e.vm, e.kind) for e in ticked.event_log] == [
        (e.at_s, e.vm, e.kind) for e in paused.event_log]


@pytest.mark.parametrize("action", ["turn_off", "shutdown"])
def test_a_power_action_on_an_off_vm_before_the_first_tick_is_refused_as_off(action):
    sim = Simulation(_lab())
    sim.submit(action, "A")
    block = sim.apply_now()
    assert [e.kind for e in block.events] == ["ignored"]
    assert "virtual machine is off" in block.events[0].message
    sim.advance(5)
    assert sim.vms.state[0] == RUNNING  # the auto-start still happens on Run
