"""``dmgui import FILE... -o SCENARIO.json`` end to end (issue 10 §1 "Combine"): the
scenario it writes is one ``dmgui simulate`` runs, the report goes to stderr, and every
bad input is one line, exit 2, nothing written."""

from __future__ import annotations

import argparse
import importlib.util
import json
from pathlib import Path

import pytest
from core.perfmon_fixtures import FixtureVm, perfmon_csv
from core.powershell_fixtures import (
    Host,
    Vm,
    export_csv,
    get_vm_json,
    get_vmhost_json,
    vm_config_xml,
    vmmemory_record,
)

from dmgui.cli import main
from dmgui.cli.import_cmd import parse_size_mb
from dmgui.core.model.scenario import load_scenario

REPO = Path(__file__).resolve().parents[1]
TIMES = [0, 15, 30, 45, 60, 75, 90, 105]
DEMAND = [600, 650, 900, 1400, 1250, 800, 700, 640]
VMS = [Vm("WEB01", startup_mb=1024, minimum_mb=512, maximum_mb=4096, state=2),
       Vm("SQL01", dynamic=False, startup_mb=2048, minimum_mb=2048, maximum_mb=2048,
          state=3)]


@pytest.fixture
def host_files(tmp_path) -> list[Path]:
    files = {"vms.json": get_vm_json(VMS),
             "memory.csv": export_csv([vmmemory_record(vm) for vm in VMS]),
             "host.json": get_vmhost_json([Host("HV01", memory_bytes=16 * 1024**3)]),
             "perfmon.csv": perfmon_csv([FixtureVm("web01", DEMAND)], TIMES)}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    return [tmp_path / name for name in files]


def _one_line_error(capfd) -> str:
    captured = capfd.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and captured.err.startswith("dmgui: error: "), (
        captured.err)
    return captured.err


def test_import_writes_a_scenario_that_simulate_runs(host_files, tmp_path, capfd):
    out = tmp_path / "imported.json"
    assert main(["import", *map(str, host_files), "-o", str(out)]) == 0
    captured = capfd.readouterr()
    assert captured.out == ""
    report = captured.err.splitlines()
    assert report[0] == (f"imported 2 VMs into {out}: 1 with a measured trace, host HV01 "
                         "with 16384 MB, version 2012R2")
    assert any(line.startswith("assumed: version: 2012 R2") for line in report)
    scenario = load_scenario(out)
    web, sql = scenario.vms
    assert web.workload.kind == "trace" and web.autostart and not sql.autostart
    assert [mb for _, mb in web.workload.points] == DEMAND
    assert scenario.name == "Imported from vms.json"
    summary = tmp_path / "summary.json"
    assert main(["simulate", str(out), "--duration", "2m", "--json", str(summary)]) == 0
    result = json.loads(summary.read_text())
    assert result["duration_s"] == 120 and list(result["vms"]) == ["WEB01", "SQL01"]


def test_options_set_name_version_and_host_memory(host_files, capfd):
    args = ["import", *map(str, host_files), "-o", "-", "--host-memory", "1.5TB",
            "--version", "2019", "--name", "HV01 copy"]
    assert main(args) == 0
    captured = capfd.readouterr()
    scenario = json.loads(captured.out)  # the scenario alone on the standard output
    assert (scenario["name"], scenario["host"]["memory_mb"], scenario["host"]["version"]) == (
        "HV01 copy", 1572864, "2016")
    assert "into the standard output" in captured.err
    assert "assumed: version: 2019, modelled as 2016" in captured.err


def test_a_vm_left_out_is_reported_and_the_rest_imported(tmp_path, capfd):
    (tmp_path / "vms.json").write_bytes(get_vm_json([VMS[0], Vm("ODD", startup_mb=1023)]))
    out = tmp_path / "s.json"
    assert main(["import", str(tmp_path / "vms.json"), "-o", str(out),
                 "--host-memory", "8GB"]) == 0
    err = capfd.readouterr().err
    assert [vm.name for vm in load_scenario(out).vms] == ["WEB01"]
    assert "not imported: VM 'ODD' left out" in err and "properly aligned" in err


@pytest.mark.parametrize("make, words", [
    (lambda d: [d / "missing.json"], ["missing.json", "cannot read"]),
    (lambda d: [_write(d / "notes.txt", b"hello\r\n")],
     ["notes.txt is not a PowerShell inventory (JSON/CSV), a VM configuration XML or a "
      "perfmon CSV"]),
    (lambda d: [_write(d / "VM.vmcx", b"\x00\x01vmcx\x00" * 30)], [".vmcx", "Get-VM"]),
    (lambda d: [_write(d / "log.csv", perfmon_csv([FixtureVm("WEB01", DEMAND)], TIMES))],
     ["no VM settings", "log.csv", "Get-VM"]),
    (lambda d: [_write(d / "vms.json", get_vm_json(VMS)),
                _write(d / "log.csv", perfmon_csv([FixtureVm("GHOST", DEMAND)], TIMES))],
     ["log.csv", "'GHOST'", "lacks"]),
    (lambda d: [_write(d / "vms.json", get_vm_json([Vm("ODD", startup_mb=1023)]))],
     ["no VM could be imported", "properly aligned"]),
    (lambda d: [_write(d / "a.xml", vm_config_xml("A"))] * 2, ["is given twice"]),
    (lambda d: [d], ["it is a folder"]),
])
def test_bad_input_is_one_line_exit_2_and_nothing_written(make, words, tmp_path, capfd):
    out = tmp_path / "out" / "s.json"
    out.parent.mkdir()
    assert main(["import", *map(str, make(tmp_path)), "-o", str(out)]) == 2
    err = _one_line_error(capfd)
    assert all(word in err for word in words), err
    assert list(out.parent.iterdir()) == []


@pytest.mark.parametrize("option", [
    ["--host-memory", "24"], ["--host-memory", "0GB"], ["--host-memory", "lots"],
    ["--host-memory", "0.5MB"], ["--host-memory", "25TB"], ["--version", "2010"],
    ["--name", "bad\nname"], ["--name", ""], [],
])
def test_bad_options_are_one_line_exit_2_and_nothing_written(option, host_files, tmp_path,
                                                             capfd):
    out = tmp_path / "s.json"
    out.write_text("old")
    args = ["import", *map(str, host_files), *option]
    args += ["-o", str(out)] if option else []  # [] : -o missing
    assert main(args) == 2
    _one_line_error(capfd)
    assert out.read_text() == "old"


def test_the_output_may_not_be_an_input(host_files, capfd):
    before = host_files[0].read_bytes()
    alias = host_files[0].parent / "." / host_files[0].name
    assert main(["import", *map(str, host_files), "-o", str(alias)]) == 2
    assert "is an input file" in _one_line_error(capfd)
    assert host_files[0].read_bytes() == before


def test_an_unwritable_output_is_refused_before_any_work(host_files, tmp_path, capfd):
    assert main(["import", *map(str, host_files), "-o", str(tmp_path / "no" / "s.json")]) == 2
    assert "no folder" in _one_line_error(capfd)


@pytest.mark.parametrize("text, mb", [("24GB", 24576), ("24576MB", 24576), ("1.5TB", 1572864),
                                      ("32 GiB", 32768), ("512m", 512), ("24TB", 25165824)])
def test_parse_size_mb(text, mb):
    assert parse_size_mb(text) == mb


@pytest.mark.parametrize("text", ["24", "-1GB", "1.0000001GB", "GB", "1e3GB", "24 GB MB"])
def test_parse_size_mb_refuses(text):
    with pytest.raises(argparse.ArgumentTypeError):
        parse_size_mb(text)


def test_the_bundle_checks_import_inputs_import(tmp_path, capfd):
    """packaging/build.py's ``import`` check writes its inputs on the fly: they import
    here as the bundle must import them."""
    spec = importlib.util.spec_from_file_location("dmgui_build", REPO / "packaging" / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    files = build.import_inputs(tmp_path)
    out = tmp_path / "imported.json"
    assert main(["import", *map(str, files), "-o", str(out), "--host-memory", "8GB"]) == 0
    scenario = load_scenario(out)
    web = scenario.vms[0]
    assert (web.name, web.workload.kind, web.memory.buffer_percent, web.memory.weight) == (
        "WEB01", "trace", 25, 6000)
    assert len(scenario.vms) == 2 and len(web.workload.points) == 40


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
