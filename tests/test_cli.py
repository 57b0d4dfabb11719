"""The headless CLI: ``dmgui simulate``."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest

from dmgui.cli import main, parse_duration
from dmgui.core.formats.report import CSV_COLUMNS
from dmgui.core.model.scenario import load_scenario
from dmgui.core.resources import default_scenario_path

SMALL = {
    "schema_version": 1, "name": "Small",
    "host": {"name": "HV01", "memory_mb": 4096, "reserve_mb": 0, "vm_overhead_mb": 0,
             "version": "2012R2"},
    "vms": [
        {"name": "A", "autostart": True,
         "memory": {"dynamic_memory_enabled": True, "startup_mb": 1024, "minimum_mb": 512,
                    "maximum_mb": 2048, "buffer_percent": 20, "weight": 5000},
         "workload": {"kind": "constant", "mb": 1000}},
        {"name": "Big", "autostart": False,
         "memory": {"dynamic_memory_enabled": False, "startup_mb": 8192},
         "workload": {"kind": "constant", "mb": 100}},
    ],
    "events": [{"at_s": 60, "vm": "Big", "action": "start"}],
}


@pytest.fixture
def small_scenario(tmp_path):
    path = tmp_path / "small.json"
    path.write_text(json.dumps(SMALL))
    return path


@pytest.mark.parametrize("text, seconds", [
    ("2h", 7200), ("90m", 5400), ("1h30m", 5400), ("45s", 45), ("3600", 3600), ("1d", 86400),
])
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


def test_csv_has_the_contract_columns_and_one_row_per_vm_per_sample(small_scenario, tmp_path):
    out = tmp_path / "out.csv"
    code = main(["simulate", str(small_scenario), "--duration", "10m", "--sample", "30s",
                 "--csv", str(out)])
    assert code == 0
    with out.open(newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == list(CSV_COLUMNS)
    assert rows[0] == ("time_s,vm,state,demand_mb,assigned_mb,guest_visible_mb,pressure,"
                       "memory_status,paging_mb").split(",")
    body = rows[1:]
    assert len(body) == 2 * (600 // 30)
    assert {int(r[0]) % 30 for r in body} == {0}
    last_a = [r for r in body if r[1] == "A"][-1]
    assert last_a[2:] == ["Running", "1000", "1200", "1200", "83", "OK", "0"]
    big = [r for r in body if r[1] == "Big"][-1]
    assert big[2] == "Off" and big[4] == "0" and big[7] == ""


def test_json_summary_reports_vms_host_and_failed_start(small_scenario, tmp_path):
    out = tmp_path / "out.json"
    assert main(["simulate", str(small_scenario), "--duration", "10m",
                 "--json", str(out)]) == 0
    summary = json.loads(out.read_text())
    assert summary["duration_s"] == 600
    a = summary["vms"]["A"]
    assert a["max_assigned_mb"] == 1200
    assert a["mean_demand_mb"] == 1000
    assert a["p95_pressure"] == 83
    assert summary["vms"]["Big"]["mean_assigned_mb"] is None
    assert summary["host"]["min_available_mb"] == 4096 - 1200
    failed = [e for e in summary["events"] if e["kind"] == "start_failed"]
    assert failed and failed[0]["vm"] == "Big" and failed[0]["at_s"] == 60
    assert "Not enough memory in the system to start the virtual machine Big." in (
        failed[0]["message"])


def test_no_outputs_prints_a_table(small_scenario, capfd):
    # The table is written to the standard output's descriptor (checked and reported
    # like every other output), so the fd-level capture sees it.
    assert main(["simulate", str(small_scenario), "--duration", "5m"]) == 0
    out = capfd.readouterr().out
    assert "A" in out and "host: min available" in out and "start_failed" in out


def test_seed_changes_random_workloads_and_is_deterministic(tmp_path):
    runs = []
    for seed in (1, 1, 2):
        out = tmp_path / f"s{len(runs)}.csv"
        assert main(["simulate", "--duration", "20m", "--seed", str(seed),
                     "--csv", str(out)]) == 0
        runs.append(out.read_text())
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


def test_default_scenario_is_the_home_server():
    scenario = load_scenario(default_scenario_path())
    assert scenario.host.memory_mb == 24576
    assert scenario.host.version.value == "2008R2SP1"
    assert 8 <= len(scenario.vms) <= 12


@pytest.mark.parametrize("args, fragment", [
    (["simulate", "--duration", "soon"], "invalid duration 'soon'"),
    (["simulate", "--duration", "0s"], "at least 1 second"),
    (["simulate", "--seed", "-3"], "invalid seed '-3'"),
    (["simulate", "--seed", str(2**63)], "seed must be a whole number from 0"),
    (["simulate", "--seed", "x"], "invalid seed"),
    (["simulate", "--bogus"], "unrecognized arguments"),
    (["simulate", "/nonexistent/scenario.json"], "cannot read the file"),
])
def test_bad_input_exits_2_with_one_line(args, fragment, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("dmgui: error:")
    assert fragment in err
    assert "Traceback" not in err


def test_broken_scenario_names_file_and_field(tmp_path, capsys):
    bad = dict(SMALL, vms=[dict(SMALL["vms"][0], workload={"kind": "lunar", "mb": 3})])
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    assert main(["simulate", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "vms[0].workload" in err and err.count("\n") == 1


def test_unwritable_output_is_a_clear_error(small_scenario, tmp_path, capsys):
    target = tmp_path / "missing-dir" / "out.csv"
    assert main(["simulate", str(small_scenario), "--duration", "1m",
                 "--csv", str(target)]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_existing_csv_untouched_when_run_is_interrupted(small_scenario, tmp_path, monkeypatch):
    out = tmp_path / "out.csv"
    out.write_text("precious\n")

    def explode(self, block):
        raise KeyboardInterrupt

    monkeypatch.setattr("dmgui.core.sim.summary.SummaryAccumulator.add", explode)
    assert main(["simulate", str(small_scenario), "--duration", "1m", "--csv", str(out)]) == 130
    assert out.read_text() == "precious\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "small.json"]


def test_progress_bar_on_request(small_scenario, capsys):
    assert main(["simulate", str(small_scenario), "--duration", "10m", "--progress"]) == 0
    err = capsys.readouterr().err
    assert "simulating [" in err and "100.0%" in err


def test_real_entry_point_runs_default_scenario(tmp_path):
    """``python -m dmgui simulate`` as a user runs it, in a subprocess."""
    out = tmp_path / "s.json"
    proc = subprocess.run(
        [sys.executable, "-m", "dmgui", "simulate", "--duration", "30m", "--json", str(out)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    summary = json.loads(out.read_text())
    assert len(summary["vms"]) >= 8
    assert any(e["kind"] == "start" for e in summary["events"])


@pytest.mark.parametrize("args, fragment", [
    (["simulate", "--duration", "99999999999999d"], "too long"),
    (["simulate", "--json", "/nonexistent-dir/x.json"], "cannot write"),
])
def test_more_bad_input(args, fragment, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") == 1


def test_json_to_a_symlink_replaces_the_target_not_the_link(small_scenario, tmp_path):
    target = tmp_path / "target.json"
    target.write_text("{}")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    assert main(["simulate", str(small_scenario), "--duration", "1m",
                 "--json", str(link)]) == 0
    assert link.is_symlink()
    assert json.loads(target.read_text())["duration_s"] == 60


@pytest.mark.parametrize("path", sorted(default_scenario_path().parent.glob("*.json")),
                         ids=lambda p: p.name)
def test_every_shipped_scenario_runs(path, tmp_path):
    out = tmp_path / "summary.json"
    assert main(["simulate", str(path), "--duration", "2h", "--json", str(out)]) == 0
    summary = json.loads(out.read_text())
    assert summary["duration_s"] == 7200 and summary["vms"]


def test_contention_lab_shows_what_it_promises(tmp_path):
    out = tmp_path / "summary.json"
    path = default_scenario_path().parent / "contention-2012r2.json"
    assert main(["simulate", str(path), "--duration", "2h", "--json", str(out)]) == 0
    kinds = {e["kind"] for e in json.loads(out.read_text())["events"]}
    assert {"start_failed", "smart_paging", "smart_paging_cleared", "set_memory",
            "set_memory_refused"} <= kinds


def test_the_default_scenario_runs_clean_for_a_day(tmp_path):
    # Issue 8 §1.9: a newcomer's first run shows no refusal or failure in red; rule
    # demonstrations live in the contention lab.
    out = tmp_path / "summary.json"
    assert main(["simulate", "--duration", "1d", "--json", str(out)]) == 0
    events = json.loads(out.read_text())["events"]
    bad = [e for e in events if e["kind"] in ("start_failed", "set_memory_refused")]
    assert events and not bad


def test_memory_tuning_is_harmless_and_reports_itself():
    from dmgui.core.sim.tuning import keep_freed_memory
    result = keep_freed_memory()
    assert isinstance(result, bool)
    if sys.platform.startswith("linux"):
        assert result  # glibc took the settings
