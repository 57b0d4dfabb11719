"""Scenario files (dmgui.core.model.scenario): the JSON contract, saving and bad files."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from dmgui.core.model.memory import MemorySettings, VersionProfile
from dmgui.core.model.scenario import (
    Action,
    Event,
    Host,
    MemoryPatch,
    Scenario,
    ScenarioError,
    VirtualMachine,
    load_scenario,
    parse_scenario,
    save_scenario,
)
from dmgui.core.model.workloads import ConstantWorkload, TraceWorkload

# The contract example from the issue, verbatim.
CONTRACT_TEXT = """\
{"schema_version": 1, "name": "Finance host",
 "host": {"name": "HV01", "memory_mb": 8192, "reserve_mb": 0, "vm_overhead_mb": 0, "version": "2012R2"},
 "vms": [{"name": "Finance", "autostart": true, "integration_services": true,
          "memory": {"dynamic_memory_enabled": true, "startup_mb": 1024, "minimum_mb": 512,
                     "maximum_mb": 4096, "buffer_percent": 20, "weight": 5000},
          "workload": {"kind": "trace", "points": [[0, 800], [900, 2500]], "interpolation": "linear"}}],
 "events": [{"at_s": 1800, "vm": "Finance", "action": "shutdown"}]}
"""


def contract() -> dict:
    return json.loads(CONTRACT_TEXT)


def write(tmp_path: Path, text: str, name: str = "scenario.json") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load_error(path: Path) -> str:
    """Load ``path`` expecting a ScenarioError; return its one-line message."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    return message


def bad_file_error(tmp_path: Path, data: object) -> str:
    return load_error(write(tmp_path, json.dumps(data)))


def sample_scenario() -> Scenario:
    """A scenario using every part of the contract, with a non-ASCII name."""
    return Scenario(
        schema_version=1,
        name="Größe lab",
        host=Host(name="HV02", memory_mb=16384, reserve_mb=2048, vm_overhead_mb=32,
                  version=VersionProfile.WS2016),
        vms=[
            VirtualMachine(
                name="SQL",
                memory=MemorySettings(dynamic_memory_enabled=True, startup_mb=2048,
                                      minimum_mb=1024, maximum_mb=8192,
                                      buffer_percent=25, weight=8000),
                workload=TraceWorkload(points=[(0, 900), (600, 3000), (1200, 1500)],
                                       interpolation="step"),
                autostart=True,
            ),
            VirtualMachine(name="Web", workload=ConstantWorkload(mb=400),
                           integration_services=False, boot_delay_s=45),
        ],
        events=[
            Event(at_s=0, vm="Web", action=Action.START),
            Event(at_s=300, vm="SQL", action=Action.SET_MEMORY,
                  memory=MemoryPatch(maximum_mb=16384, weight=9000)),
            Event(at_s=900, vm="SQL", action=Action.RESTART),
        ],
        seed=7,
    )


# -- the contract -------------------------------------------------------------------------


def test_contract_example_parses(tmp_path) -> None:
    scenario = load_scenario(write(tmp_path, CONTRACT_TEXT))
    assert scenario.name == "Finance host"
    assert scenario.host == Host(name="HV01", memory_mb=8192, reserve_mb=0,
                                 vm_overhead_mb=0, version=VersionProfile.WS2012R2)
    (vm,) = scenario.vms
    assert vm.name == "Finance"
    assert vm.autostart and vm.integration_services
    assert vm.memory == MemorySettings(dynamic_memory_enabled=True, startup_mb=1024,
                                       minimum_mb=512, maximum_mb=4096,
                                       buffer_percent=20, weight=5000)
    assert vm.workload == TraceWorkload(points=[(0, 800), (900, 2500)],
                                        interpolation="linear")
    assert scenario.events == [Event(at_s=1800, vm="Finance", action=Action.SHUTDOWN)]


def test_contract_example_round_trips(tmp_path) -> None:
    original = load_scenario(write(tmp_path, CONTRACT_TEXT))
    path = tmp_path / "saved.json"
    save_scenario(original, path)
    assert load_scenario(path) == original


def test_save_then_load_gives_an_equal_scenario(tmp_path) -> None:
    path = tmp_path / "lab.json"
    save_scenario(sample_scenario(), path)
    assert load_scenario(path) == sample_scenario()


def test_saved_text_is_json_with_the_contract_key_names(tmp_path) -> None:
    path = tmp_path / "saved.json"
    save_scenario(parse_scenario(contract()), path)
    data = json.loads(path.read_text(encoding="utf-8"))
    expected = contract()
    assert set(expected) <= set(data)
    assert data["schema_version"] == 1
    # The contract's host keys as given, plus the model parameters with their defaults.
    assert data["host"] == {**expected["host"], "balloon_rate_percent": 5.0,
                            "hot_add_delay_s": 5}
    vm, expected_vm = data["vms"][0], expected["vms"][0]
    assert set(expected_vm) <= set(vm)
    assert vm["memory"] == expected_vm["memory"]
    assert vm["workload"] == expected_vm["workload"]
    event = data["events"][0]
    assert {k: event[k] for k in ("at_s", "vm", "action")} == expected["events"][0]


def test_utf8_bom_is_accepted(tmp_path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + CONTRACT_TEXT.encode("utf-8"))
    assert load_scenario(path) == parse_scenario(contract())


# -- set_memory events ----------------------------------------------------------------------


def test_set_memory_event_with_a_partial_patch_parses() -> None:
    data = contract()
    data["events"].append({"at_s": 600, "vm": "Finance", "action": "set_memory",
                           "memory": {"maximum_mb": 8192, "buffer_percent": 50}})
    event = parse_scenario(data).events[1]
    assert event.action is Action.SET_MEMORY
    assert event.memory == MemoryPatch(maximum_mb=8192, buffer_percent=50)


def test_memory_patch_changes_only_the_given_fields() -> None:
    before = MemorySettings(dynamic_memory_enabled=True, startup_mb=1024, minimum_mb=512,
                            maximum_mb=4096, buffer_percent=20, weight=5000)
    after = MemoryPatch(maximum_mb=8192, weight=100).apply_to(before)
    assert after == before.model_copy(update={"maximum_mb": 8192, "weight": 100})
    assert before.maximum_mb == 4096  # the original is untouched


def test_empty_memory_patch_changes_nothing() -> None:
    settings = MemorySettings(startup_mb=2048)
    assert MemoryPatch().apply_to(settings) == settings


# -- bad files: one ScenarioError line naming the file and the problem ------------------------


def test_malformed_json_names_line_and_column(tmp_path) -> None:
    message = load_error(write(tmp_path, '{"name": "x",\n "vms": [}\n'))
    assert "line 2" in message
    assert "column" in message


def test_missing_file(tmp_path) -> None:
    message = load_error(tmp_path / "nowhere.json")
    assert "cannot read" in message


def test_file_that_is_not_utf8(tmp_path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes('{"name": "Gr\u00f6\u00dfe"}'.encode("latin-1"))
    assert "not UTF-8 text" in load_error(path)


def test_unknown_workload_kind(tmp_path) -> None:
    data = contract()
    data["vms"][0]["workload"] = {"kind": "quantum", "mb": 1}
    message = bad_file_error(tmp_path, data)
    assert "vms[0].workload" in message
    assert "quantum" in message


def test_invalid_value_names_the_field(tmp_path) -> None:
    data = contract()
    data["host"]["memory_mb"] = "lots"
    assert "host.memory_mb" in bad_file_error(tmp_path, data)


def test_odd_startup_names_the_field_and_the_alignment_rule(tmp_path) -> None:
    data = contract()
    data["vms"][0]["memory"]["startup_mb"] = 1023
    message = bad_file_error(tmp_path, data)
    assert "vms[0].memory.startup_mb" in message
    assert "properly aligned" in message


def test_memory_rule_violation_names_the_field(tmp_path) -> None:
    data = contract()
    data["vms"][0]["memory"]["minimum_mb"] = 2048  # above startup (V1)
    assert "vms[0].memory.minimum_mb" in bad_file_error(tmp_path, data)


def test_duplicate_vm_names(tmp_path) -> None:
    data = contract()
    data["vms"].append(dict(data["vms"][0]))
    message = bad_file_error(tmp_path, data)
    assert "duplicate VM name 'Finance'" in message


def test_event_naming_an_unknown_vm(tmp_path) -> None:
    data = contract()
    data["events"][0]["vm"] = "Payroll"
    message = bad_file_error(tmp_path, data)
    assert "events[0]" in message
    assert "Payroll" in message


def test_set_memory_event_without_memory(tmp_path) -> None:
    data = contract()
    data["events"][0]["action"] = "set_memory"
    message = bad_file_error(tmp_path, data)
    assert "events[0]" in message
    assert "memory" in message


def test_memory_on_an_event_that_is_not_set_memory(tmp_path) -> None:
    data = contract()
    data["events"][0]["memory"] = {"weight": 100}
    assert "events[0]" in bad_file_error(tmp_path, data)


def test_unknown_top_level_key(tmp_path) -> None:
    data = contract() | {"hosts": []}
    message = bad_file_error(tmp_path, data)
    assert "hosts" in message
    assert "Extra inputs are not permitted" in message


def test_unsupported_schema_version(tmp_path) -> None:
    data = contract() | {"schema_version": 2}
    assert "schema_version" in bad_file_error(tmp_path, data)


@pytest.mark.parametrize("reserve_mb", [8192, 9000])
def test_reserve_must_be_less_than_host_memory(tmp_path, reserve_mb) -> None:
    data = contract()
    data["host"]["reserve_mb"] = reserve_mb
    message = bad_file_error(tmp_path, data)
    assert "host" in message
    assert "reserve_mb" in message


def test_several_problems_still_give_one_line(tmp_path) -> None:
    data = contract()
    data["host"]["memory_mb"] = "lots"
    data["vms"][0]["workload"] = {"kind": "quantum"}
    assert "more problem" in bad_file_error(tmp_path, data)


def test_vm_name_with_a_newline_still_gives_one_line(tmp_path) -> None:
    data = contract()
    data["vms"][0]["name"] = "Fin\nance"
    data["vms"][0]["memory"]["startup_mb"] = 1023
    data["events"] = []
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(tmp_path, json.dumps(data)))
    assert "\n" not in str(info.value)


# -- atomic save ----------------------------------------------------------------------------------


def test_normal_save_leaves_no_temp_files(tmp_path) -> None:
    path = tmp_path / "lab.json"
    save_scenario(sample_scenario(), path)
    save_scenario(parse_scenario(contract()), path)  # over an existing file
    assert os.listdir(tmp_path) == ["lab.json"]
    assert load_scenario(path) == parse_scenario(contract())


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_failed_save_keeps_the_original_file(tmp_path, monkeypatch, failing) -> None:
    path = write(tmp_path, CONTRACT_TEXT, "lab.json")
    original = path.read_bytes()

    def fail(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(f"dmgui.core.model.scenario.os.{failing}", fail)
    with pytest.raises(OSError):
        save_scenario(sample_scenario(), path)
    monkeypatch.undo()
    assert path.read_bytes() == original
    assert os.listdir(tmp_path) == ["lab.json"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_save_keeps_the_existing_file_mode(tmp_path) -> None:
    path = write(tmp_path, CONTRACT_TEXT, "lab.json")
    path.chmod(0o644)
    save_scenario(sample_scenario(), path)
    assert path.stat().st_mode & 0o777 == 0o644


def test_a_json_file_that_is_no_scenario_is_named_as_such(tmp_path) -> None:
    message = bad_file_error(tmp_path, {})
    assert "schema_version" in message and "Field required" in message
