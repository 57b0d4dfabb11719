"""Scenario files are read strictly (issue 7 items 7, 10, 11): wrong types, keys
given twice, numbers no real host has and names that hide characters are refused,
each with the field named, as one line."""

from __future__ import annotations

import copy
import json

import pytest

from dmgui.core.model.names import check_display_name, one_line
from dmgui.core.model.scenario import ScenarioError, load_scenario

VALID = {
    "schema_version": 1, "name": "Strict",
    "host": {"name": "HV01", "memory_mb": 8192, "version": "2012R2"},
    "vms": [{"name": "A", "autostart": True,
             "memory": {"dynamic_memory_enabled": True, "startup_mb": 1024,
                        "minimum_mb": 512, "maximum_mb": 2048},
             "workload": {"kind": "trace", "points": [[0, 100], [60, 200]]}}],
    "events": [{"at_s": 30, "vm": "A", "action": "shutdown"}],
}


def _error(tmp_path, data=None, text=None) -> str:
    path = tmp_path / "s.json"
    path.write_text(text if text is not None else json.dumps(data))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert "\n" not in message and message.startswith(str(path))
    return message


def _with(path: str, value):
    data = copy.deepcopy(VALID)
    *parents, last = path.split(".")
    node = data
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    node[int(last) if last.isdigit() else last] = value
    return data


def test_the_valid_scenario_loads(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps(VALID))
    assert load_scenario(path).vms[0].name == "A"


@pytest.mark.parametrize("path, value, field", [
    ("schema_version", True, "schema_version"),
    ("schema_version", "1", "schema_version"),
    ("schema_version", 2, "schema_version"),
    ("host.memory_mb", "8192", "host.memory_mb"),
    ("host.memory_mb", 8192.0, "host.memory_mb"),
    ("vms.0.autostart", "yes", "vms[0].autostart"),
    ("vms.0.autostart", 1, "vms[0].autostart"),
    ("vms.0.memory.startup_mb", "1024", "vms[0].memory.startup_mb"),
    ("vms.0.memory.dynamic_memory_enabled", "true", "dynamic_memory_enabled"),
    ("events.0.at_s", "30", "events[0].at_s"),
    ("seed", "7", "seed"),
    # Fields added by issue 8: the same strictness.
    ("vms.0.guest_os", "windows95", "vms[0].guest_os"),
    ("vms.0.guest_os", 5, "vms[0].guest_os"),
    ("vms.0.generation", 3, "vms[0].generation"),
    ("vms.0.generation", True, "vms[0].generation"),
    ("host.balloon_rate_percent", "5", "host.balloon_rate_percent"),
    ("host.balloon_rate_percent", 0, "host.balloon_rate_percent"),
    ("host.hot_add_delay_s", -1, "host.hot_add_delay_s"),
    ("host.hot_add_delay_s", 10**6, "host.hot_add_delay_s"),
    ("host.reserve_mb", "auto", "host.reserve_mb"),
])
def test_item10_wrong_types_are_refused_with_the_field_named(tmp_path, path, value, field):
    assert field in _error(tmp_path, _with(path, value))


@pytest.mark.parametrize("text, key", [
    ('{"schema_version": 1, "schema_version": 1}', "schema_version"),
    ('{"schema_version": 1, "host": {"memory_mb": 4096, "memory_mb": 8192}}', "memory_mb"),
])
def test_item10_a_key_given_twice_is_refused(tmp_path, text, key):
    message = _error(tmp_path, text=text)
    assert "given twice" in message and key in message


@pytest.mark.parametrize("path, value, field", [
    ("host.memory_mb", 24 * 1024 * 1024 + 1, "host.memory_mb"),
    ("host.memory_mb", 10**30, "host.memory_mb"),
    ("host.vm_overhead_mb", 10**9, "host.vm_overhead_mb"),
    ("events.0.at_s", 366 * 86400 + 1, "events[0].at_s"),
    ("vms.0.workload.points", [[0, 100], [10**12, 200]], "points"),
    ("name", "x" * 257, "name"),
    ("host.name", "h" * 256, "host.name"),
    ("seed", 2**63, "seed"),
])
def test_item10_numbers_and_names_no_real_host_has_are_refused(tmp_path, path, value,
                                                               field):
    assert field in _error(tmp_path, _with(path, value))


def test_item10_the_largest_real_values_still_load(tmp_path):
    data = _with("host.memory_mb", 24 * 1024 * 1024)
    data["events"][0]["at_s"] = 366 * 86400
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data))
    assert load_scenario(path).host.memory_mb == 24 * 1024 * 1024


BAD_CHARACTERS = {
    "right-to-left override": "\u202e",
    "left-to-right isolate": "\u2066",
    "zero-width space": "\u200b",
    "zero-width joiner": "\u200d",
    "byte order mark": "\ufeff",
    "line separator": "\u2028",
    "paragraph separator": "\u2029",
    "next line (NEL)": "\x85",
    "C1 control": "\x9b",
    "C0 control": "\x07",
    "delete": "\x7f",
    "private use": "\ue000",
    "combining grapheme joiner": "\u034f",
    "variation selector": "\ufe0f",
    "Hangul filler": "\u3164",
    "blank braille pattern": "\u2800",
}


@pytest.mark.parametrize("what", sorted(BAD_CHARACTERS))
@pytest.mark.parametrize("field", ["vms.0.name", "host.name", "name"])
def test_item11_names_that_hide_characters_are_refused(tmp_path, what, field):
    char = BAD_CHARACTERS[what]
    data = _with(field, f"Web{char}01")
    if field == "vms.0.name":
        data["events"] = []
    message = _error(tmp_path, data)
    assert f"U+{ord(char):04X}" in message


@pytest.mark.parametrize("name", ["FILE01 ", " FILE01", "FILE01\u00a0"])
def test_item11_names_with_leading_or_trailing_spaces_are_refused(name):
    with pytest.raises(ValueError, match="start or end with a space"):
        check_display_name(name)


def test_item11_visible_unicode_and_markup_characters_are_fine():
    for name in ("Überwachung 01", "财务服务器", "<b>web</b> & co", "Web-01 (test)"):
        assert check_display_name(name) == name


def test_messages_quoting_user_text_stay_one_line():
    assert one_line("a\nb\u2028c") == "a\\nb\\u2028c"
    assert one_line("plain") == "plain"
