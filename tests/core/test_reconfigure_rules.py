"""Editing a VM of a running simulation (issue 8 §2.3): what may change while it runs.

A VM that is not Off keeps its guest OS, integration services and generation;
its workload, boot delay and automatic start may change at any time, and a
running VM's new workload takes effect from the next tick without a jump in its
state or memory.
"""

from __future__ import annotations

import numpy as np
import pytest
from scenario_builders import constant, dm, host, scenario, vm

from dmgui.core.model.scenario import Scenario, VirtualMachine, parse_scenario
from dmgui.core.model.states import VmState
from dmgui.core.sim.engine import Simulation
from dmgui.core.sim.reconfigure import (
    TURN_OFF_FIRST,
    reconfigure_problem,
    vm_edit_problem,
)


def _edited(sc: Scenario, name: str, **fields) -> Scenario:
    data = sc.model_dump()
    for v in data["vms"]:
        if v["name"] == name:
            v.update(fields)
    return parse_scenario(data)


def _problem(sim: Simulation, new: Scenario) -> str | None:
    """What the engine's check says, given the scenario it runs (``old``)."""
    v = sim.vms
    return reconfigure_problem(sim.names, v.state, v.assigned, v.managed_mask(),
                               v.settings, sim.host, new, old=sim.scenario)


@pytest.fixture
def running() -> Simulation:
    """'App' (constant 1000 MB, boot delay 5 s) has run 60 s; 'Off' never started."""
    sc = scenario([vm("App", dm(1024, 512, 4096), constant(1000), boot_delay_s=5),
                   vm("Off", dm(), constant(300), autostart=False)], host(8192))
    sim = Simulation(sc)
    sim.advance(60)
    return sim


@pytest.mark.parametrize(("fields", "what"), [
    ({"guest_os": "ws2016"}, "guest operating system"),
    ({"integration_services": False}, "integration services"),
    ({"generation": 1}, "generation"),
    ({"guest_os": "ws2016", "integration_services": False},
     "guest operating system or integration services"),
])
def test_a_running_vm_keeps_its_guest(running, fields, what):
    new = _edited(running.scenario, "App", **fields)
    expected = TURN_OFF_FIRST.format(vm="App", what=what)
    assert expected.startswith("Turn off 'App' before changing its ")
    assert _problem(running, new) == expected
    old_vm, new_vm = running.scenario.vms[0], new.vms[0]
    assert vm_edit_problem(old_vm, new_vm, VmState.RUNNING) == expected


@pytest.mark.parametrize("state", [VmState.STARTING, VmState.STOPPING, VmState.WAITING,
                                   VmState.SAVED, VmState.PAUSED])
def test_any_state_but_off_keeps_the_guest(state):
    old = VirtualMachine(name="A")
    new = VirtualMachine(name="A", guest_os="linux")
    assert vm_edit_problem(old, new, state) is not None
    assert vm_edit_problem(old, new, VmState.OFF) is None


def test_an_off_vm_may_change_its_guest(running):
    new = _edited(running.scenario, "Off", guest_os="appliance",
                  integration_services=False, generation=1)
    assert _problem(running, new) is None


@pytest.mark.parametrize("fields", [
    {"workload": {"kind": "constant", "mb": 2000}},
    {"boot_delay_s": 45},
    {"autostart": False},
    {"autostart_delay_s": 120},
])
def test_workload_boot_delay_and_start_action_may_change_while_running(running, fields):
    assert _problem(running, _edited(running.scenario, "App", **fields)) is None


def test_without_the_old_scenario_only_the_host_checks_run(running):
    # The signature callers used before issue 8 §2.3 keeps working.
    v = running.vms
    new = _edited(running.scenario, "App", guest_os="ws2016")
    assert reconfigure_problem(running.names, v.state, v.assigned, v.managed_mask(),
                               v.settings, running.host, new) is None


def test_a_running_vms_new_workload_applies_from_the_next_tick_without_a_jump(running):
    i = running.names.index("App")
    v = running.vms
    before = {k: getattr(v, k)[i].copy() for k in
              ("state", "assigned", "guest_visible", "boot_time", "demand")}
    assert before["demand"] == 1000 and before["assigned"] == 1200  # 20 % buffer
    running.reconfigure(_edited(running.scenario, "App",
                                workload={"kind": "constant", "mb": 2000}))
    v = running.vms
    for key, value in before.items():  # the edit itself moves nothing
        assert getattr(v, key)[i] == value, key
    block = running.advance(30)
    demand = block.demand[:, i]
    assert demand[0] == 2000 and (demand == 2000).all()  # the next tick on
    assigned = block.assigned[:, i]
    assert (np.diff(assigned) >= 0).all() and assigned[-1] == 2400  # grows to target
    assert running.vms.state[i] == VmState.RUNNING


def test_a_boot_spike_keeps_its_uptime_across_the_edit():
    # The workload bank is rebuilt, but the guest's boot time is the VM's own.
    spike = {"kind": "boot_spike", "steady_mb": 600, "spike_mb": 800, "decay_s": 60}
    sc = scenario([vm("App", dm(1024, 512, 4096), constant(600), boot_delay_s=5)])
    sim = Simulation(sc)
    sim.advance(600)
    sim.reconfigure(_edited(sim.scenario, "App", workload=spike))
    demand = sim.advance(1).demand[0, 0]
    assert 600 <= demand < 601  # 10 minutes up: the spike has decayed, no new boot


def test_autostart_set_before_the_first_tick_starts_the_vm_at_run():
    sc = scenario([vm("App", dm(), constant(300), autostart=False)])
    sim = Simulation(sc)
    sim.reconfigure(_edited(sc, "App", autostart=True))
    sim.advance(1)
    assert sim.vms.state[0] != VmState.OFF
