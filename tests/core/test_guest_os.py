"""Guest OS per VM (issue 8 §1.6, spec §1.5): Dynamic Memory support per host
version, integration services, runtime resize of static memory, generation limits,
and Best-Practices-style warnings. Scenarios without the field behave as before."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scenario_builders import constant, dm, event, host, scenario, simulate, static, vm

from dmgui.core.model.guest_os import GuestOs, guest_warnings
from dmgui.core.model.memory import MemorySettings, VersionProfile
from dmgui.core.model.scenario import ScenarioError, load_scenario, parse_scenario


def _with_guest(vm_dict: dict, guest: str | None, **extra) -> dict:
    out = dict(vm_dict, **extra)
    if guest is not None:
        out["guest_os"] = guest
    if guest == "appliance" and "integration_services" not in extra:
        out.pop("integration_services", None)  # the guest's default applies
    return out


@pytest.mark.parametrize("version, reports", [("2008R2SP1", False), ("2012R2", True),
                                              ("2016", True)])
def test_linux_dynamic_memory_needs_a_2012_r2_host(version, reports):
    sc = scenario([_with_guest(vm("L", dm(1024, 1024 if version == "2008R2SP1" else 512,
                                          4096), constant(300)), "linux")],
                  host(8192, version))
    sim, b = simulate(sc, 120)
    kinds = [e.kind for e in sim.event_log]
    assert ("guest_ready" in kinds) == reports
    if not reports:  # stays at Startup RAM and reports nothing (spec §1.5)
        assert np.all(b.assigned[5:, 0] == 1024) and np.all(b.demand[:, 0] == 0)


def test_an_appliance_has_no_integration_services_by_default_and_cannot_claim_them():
    sc = scenario([_with_guest(vm("FW", static(512), constant(200)), "appliance")], host())
    assert sc.vms[0].integration_services is False
    with pytest.raises(ScenarioError, match="appliance"):
        parse_scenario({"schema_version": 1, "host": host(),
                        "vms": [_with_guest(vm("FW", static(512), constant(200)),
                                            "appliance", integration_services=True)]})


@pytest.mark.parametrize("guest, allowed", [(None, True), ("ws2016", True), ("win10", True),
                                            ("ws2012", False), ("appliance", False)])
def test_2016_runtime_resize_of_static_memory_depends_on_the_guest(guest, allowed):
    sc = scenario([_with_guest(vm("S", static(1024), constant(300)), guest)],
                  host(8192, "2016"),
                  events=[event(60, "S", "set_memory", {"startup_mb": 2048})])
    sim, b = simulate(sc, 70)
    kinds = [e.kind for e in sim.event_log if e.vm == "S"]
    assert ("set_memory" in kinds) == allowed
    assert b.assigned[-1, 0] == (2048 if allowed else 1024)


def test_no_runtime_resize_while_the_guest_boots():
    sc = scenario([_with_guest(vm("S", static(1024), constant(300), boot_delay_s=30),
                               "ws2016")], host(8192, "2016"),
                  events=[event(10, "S", "set_memory", {"startup_mb": 2048})])
    sim, _ = simulate(sc, 20)
    refused = [e for e in sim.event_log if e.kind == "set_memory_refused"]
    assert refused and "still booting" in refused[0].message


def test_generation_1_on_2016_has_at_most_1_tb():
    big = dm(1024, 512, 2 * 1024 * 1024)
    parse_scenario({"schema_version": 1, "host": host(8192, "2016"),
                    "vms": [dict(vm("G2", big, constant(100)), generation=2)]})
    with pytest.raises(ScenarioError, match="Generation 1"):
        parse_scenario({"schema_version": 1, "host": host(8192, "2016"),
                        "vms": [dict(vm("G1", big, constant(100)), generation=1)]})


def test_warnings_follow_the_guests_recommendations():
    s = MemorySettings(dynamic_memory_enabled=True, startup_mb=256, minimum_mb=256,
                       maximum_mb=65536)
    warn = guest_warnings(GuestOs.WIN7_SP1, s, VersionProfile.WS2008R2SP1)
    assert any("below the 512 MB recommended for Windows 7 SP1" in w for w in warn)
    assert not any("more than" in w for w in warn)  # 64 GB ≤ 192 GB
    w2003 = guest_warnings(GuestOs.WS2003_SP2, s.model_copy(update={"startup_mb": 128,
                           "minimum_mb": 128}), VersionProfile.WS2012R2)
    assert not any("below" in w for w in w2003)  # 128 MB recommended for 2003
    assert any("more than Windows Server 2003 SP2" in w for w in w2003)  # 64 GB > 32 GB
    linux = guest_warnings(GuestOs.LINUX, s, VersionProfile.WS2008R2SP1)
    assert any("Dynamic Memory does not work" in w for w in linux)
    assert guest_warnings(None, s, VersionProfile.WS2012R2) == []


def test_old_scenarios_without_the_field_still_load(tmp_path):
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"schema_version": 1, "host": host(),
                                "vms": [vm("A", dm(), constant(100))]}))
    loaded = load_scenario(path)
    assert loaded.vms[0].guest_os is None and loaded.vms[0].generation == 2
    (tmp_path / "new.json").write_text(json.dumps(
        {"schema_version": 1, "host": host(),
         "vms": [_with_guest(vm("A", dm(), constant(100)), "win10")]}))
    assert load_scenario(tmp_path / "new.json").vms[0].guest_os is GuestOs.WIN10
