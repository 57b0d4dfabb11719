"""``dmgui export SCENARIO.json --powershell OUT.ps1 [--host NAME]`` (issue 10 §3):
the script lands where asked, and every bad input is one line, exit 2, nothing written."""

from __future__ import annotations

import json
import os

import pytest

from dmgui.cli import main
from dmgui.core.formats.powershell_export import powershell_script
from dmgui.core.model.scenario import load_scenario

SCENARIO = {
    "schema_version": 1, "name": "Export x'; Remove-VM *; '",
    "host": {"name": "HV01", "memory_mb": 8192, "version": "2012R2"},
    "vms": [{"name": "A'$(Remove-VM *)", "memory": {
        "dynamic_memory_enabled": True, "startup_mb": 1024, "minimum_mb": 512,
        "maximum_mb": 4096, "buffer_percent": 20, "weight": 5000}},
        {"name": "B", "memory": {"dynamic_memory_enabled": False, "startup_mb": 2048}}],
}


@pytest.fixture
def scenario(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps(SCENARIO))
    return path


def _one_line_error(capfd) -> str:
    err = capfd.readouterr().err
    assert err.count("\n") == 1 and err.startswith("dmgui: error: "), err
    return err


def test_export_writes_the_script(scenario, tmp_path, capfd):
    out = tmp_path / "apply.ps1"
    assert main(["export", str(scenario), "--powershell", str(out)]) == 0
    data = out.read_bytes()
    assert data.isascii()
    expected = powershell_script(load_scenario(scenario), script_name="apply.ps1")
    assert data.decode("ascii") == expected
    assert "'A''$(Remove-VM *)'" in expected and ".\\apply.ps1 -WhatIf" in expected
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""


def test_export_to_the_standard_output(scenario, capfd):
    assert main(["export", str(scenario), "--powershell", "-"]) == 0
    captured = capfd.readouterr()
    assert captured.out == powershell_script(load_scenario(scenario))
    assert captured.err == ""


def test_host_option_sets_the_default_computer_name(scenario, capfd):
    assert main(["export", str(scenario), "--powershell", "-", "--host", "HV-07"]) == 0
    assert "[string]$ComputerName = 'HV-07'" in capfd.readouterr().out


def test_an_existing_script_is_replaced(scenario, tmp_path):
    out = tmp_path / "apply.ps1"
    out.write_text("old")
    assert main(["export", str(scenario), "--powershell", str(out)]) == 0
    assert out.read_text().startswith("# Applies the memory settings")


@pytest.mark.parametrize("argv", [
    ["export"],
    ["export", "{scenario}"],
    ["export", "{scenario}", "--powershell"],
    ["export", "{scenario}", "--powershell", ""],
    ["export", "{missing}", "--powershell", "{out}"],
    ["export", "{broken}", "--powershell", "{out}"],
    ["export", "{invalid}", "--powershell", "{out}"],
    ["export", "{scenario}", "--powershell", "{out}", "--host", ""],
    ["export", "{scenario}", "--powershell", "{out}", "--host", "a\nb"],
    ["export", "{scenario}", "--powershell", "{nofolder}"],
    ["export", "{scenario}", "--powershell", "{folder}"],
])
def test_bad_input_is_one_line_and_writes_nothing(argv, scenario, tmp_path, capfd):
    broken = tmp_path / "broken.json"
    broken.write_text('{"schema_version": 1, "vms": [')
    invalid = tmp_path / "invalid.json"
    invalid.write_text(json.dumps({**SCENARIO, "vms": [{"name": "a\nb"}]}))
    paths = {"scenario": scenario, "missing": tmp_path / "missing.json",
             "broken": broken, "invalid": invalid, "out": tmp_path / "out.ps1",
             "nofolder": tmp_path / "no" / "out.ps1", "folder": tmp_path}
    before = sorted(os.listdir(tmp_path))
    assert main([a.format(**paths) for a in argv]) == 2
    _one_line_error(capfd)
    assert sorted(os.listdir(tmp_path)) == before


def test_the_output_cannot_be_the_input(scenario, capfd):
    before = scenario.read_bytes()
    assert main(["export", str(scenario), "--powershell", str(scenario)]) == 2
    assert "never writes over its input" in _one_line_error(capfd)
    assert scenario.read_bytes() == before


def test_the_output_cannot_be_a_link_to_the_input(scenario, tmp_path, capfd):
    link = tmp_path / "link.ps1"
    link.symlink_to(scenario)
    before = scenario.read_bytes()
    assert main(["export", str(scenario), "--powershell", str(link)]) == 2
    _one_line_error(capfd)
    assert scenario.read_bytes() == before


def test_a_read_only_target_is_refused(scenario, tmp_path, capfd):
    out = tmp_path / "apply.ps1"
    out.write_text("keep me")
    out.chmod(0o444)
    try:
        assert main(["export", str(scenario), "--powershell", str(out)]) == 2
        assert "read-only" in _one_line_error(capfd)
        assert out.read_text() == "keep me"
    finally:
        out.chmod(0o644)


def test_export_is_listed_in_the_help(capfd):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "export" in capfd.readouterr().out
