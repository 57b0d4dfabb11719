"""ScenarioDocument's edits (issue 8 §2.3, §2.4): each builds a new validated scenario
or changes nothing."""

from __future__ import annotations

import pytest
from scenario_builders import constant, dm, event, host, scenario, static, vm

from dmgui.core.document import ScenarioDocument
from dmgui.core.model.names import copy_names
from dmgui.core.model.scenario import Host, ScenarioError


def _doc(version="2012R2"):
    return ScenarioDocument(scenario(
        [vm("WEB", dm(1024, 512, 4096), constant(700)), vm("DB", static(2048))],
        host(16384, version=version), [event(60, "WEB", "shutdown")]))


def test_copies_are_named_after_the_template_and_skip_taken_names():
    assert copy_names("WEB", 3, {"WEB", "WEB-3"}) == ["WEB-2", "WEB-4", "WEB-5"]


def test_add_copies_copies_settings_and_workload_but_not_events():
    doc = _doc()
    sc, names = doc.add_copies("WEB", 2)
    assert names == ["WEB-2", "WEB-3"]
    assert [v.name for v in sc.vms] == ["WEB", "DB", "WEB-2", "WEB-3"]
    template = doc.vm("WEB")
    for name in names:
        copy = doc.vm(name)
        assert copy.memory == template.memory and copy.workload == template.workload
        assert copy.autostart == template.autostart
    assert [e.vm for e in sc.events] == ["WEB"]
    assert doc.dirty


def test_add_copies_refuses_nonsense_and_changes_nothing():
    doc = _doc()
    before = doc.scenario
    with pytest.raises(ValueError):
        doc.add_copies("WEB", 0)
    with pytest.raises(KeyError):
        doc.add_copies("nope", 1)
    long_name = "x" * 100
    doc2 = ScenarioDocument(scenario([vm(long_name, static(512))], host(4096)))
    with pytest.raises(ScenarioError):
        doc2.add_copies(long_name, 1)  # "x…x-2" is longer than a VM name may be
    assert doc.scenario is before and not doc.dirty


def test_update_vm_changes_only_the_given_fields():
    doc = _doc()
    doc.update_vm("WEB", workload=constant(900), autostart=False)
    web = doc.vm("WEB")
    assert web.workload.mb == 900 and not web.autostart
    assert web.memory == _doc().vm("WEB").memory
    with pytest.raises(ValueError):
        doc.update_vm("WEB", name="other")
    with pytest.raises(ScenarioError):
        doc.update_vm("WEB", guest_os="appliance", integration_services=True)


def test_rename_validates_the_name():
    doc = _doc()
    doc.rename("Lab 2")
    assert doc.scenario.name == "Lab 2"
    with pytest.raises(ScenarioError):
        doc.rename("bad\u202ename")
    assert doc.scenario.name == "Lab 2"


def test_a_vm_made_on_sp1_keeps_minimum_equal_to_startup_on_a_later_version():
    # On 2008 R2 SP1 there is no separate Minimum: the file may still hold one.
    doc = _doc("2008R2SP1")
    assert doc.vm("WEB").memory.minimum_mb == 512  # as written in the file
    doc.set_host(Host(memory_mb=16384, version="2012R2"))
    assert doc.vm("WEB").memory.minimum_mb == 1024  # = Startup, like for like
    doc.set_host(Host(memory_mb=16384, version="2016"))
    assert doc.vm("WEB").memory.minimum_mb == 1024
    other = _doc("2012R2")
    other.set_host(Host(memory_mb=16384, version="2016"))
    assert other.vm("WEB").memory.minimum_mb == 512  # a real Minimum is kept
