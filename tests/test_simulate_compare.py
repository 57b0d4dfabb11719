"""``dmgui simulate --compare PERFMON.csv`` end to end (issue 10 §2).

A generated scenario and a generated perfmon log (``tests/core/perfmon_fixtures``)
go through :func:`dmgui.cli.main`; the numbers themselves are checked in
``tests/core/test_calibration.py``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from dmgui.cli import main
from dmgui.core.formats.calibration import STAT_KEYS

# The fixture generators live next to the core tests (tests/ is not a package).
sys.path.insert(0, str(Path(__file__).resolve().parent / "core"))
from perfmon_fixtures import FixtureVm, irregular_times, perfmon_csv  # noqa: E402

TIMES = irregular_times(25, interval_s=15.0, seed=3)  # about 9 minutes, one long gap


def _static(name: str, mb: int) -> dict:
    return {"name": name, "autostart": True,
            "memory": {"dynamic_memory_enabled": False, "startup_mb": mb},
            "workload": {"kind": "constant", "mb": 200}}


SCENARIO = {
    "schema_version": 1, "name": "Measured host",
    "host": {"name": "HV01", "memory_mb": 16384, "reserve_mb": 0, "vm_overhead_mb": 0,
             "version": "2016"},
    "vms": [
        _static("WEB01", 2048),
        _static("db01", 4096),
        {"name": "APP", "autostart": True,
         "memory": {"dynamic_memory_enabled": True, "startup_mb": 1024, "minimum_mb": 512,
                    "maximum_mb": 4096, "buffer_percent": 20, "weight": 5000},
         "workload": {"kind": "constant", "mb": 1000}},
        _static("SPARE", 512),
    ],
    "events": [],
}


def _log(n: int = len(TIMES)) -> bytes:
    vms = [FixtureVm("WEB01", demand_mb=[1000] * n, physical_mb=[2048] * n),
           FixtureVm("DB01", demand_mb=[2000] * n, physical_mb=[4096 * 1.1] * n),
           FixtureVm("APP", demand_mb=[1000] * n, physical_mb=[1200] * n,
                     blanks={"Physical Memory": [3]}),
           FixtureVm("LEGACY", demand_mb=[300] * n, physical_mb=[512] * n)]
    return perfmon_csv(vms, TIMES[:n], hosts={"HV01": [16384 - 7344] * n})


@pytest.fixture
def files(tmp_path):
    scenario = tmp_path / "host.json"
    scenario.write_text(json.dumps(SCENARIO), encoding="utf-8")
    log = tmp_path / "host.csv"
    log.write_bytes(_log())
    return scenario, log


def test_json_gets_the_calibration_and_the_duration_covers_the_log(files, tmp_path):
    scenario, log = files
    out = tmp_path / "out.json"
    assert main(["simulate", str(scenario), "--compare", str(log), "--json", str(out)]) == 0
    summary = json.loads(out.read_text())
    cal = summary["calibration"]
    # Default duration: the last sample's time, rounded down, plus one second.
    assert summary["duration_s"] == int(TIMES[-1]) + 1 == cal["duration_s"]
    assert set(cal) == {"source", "started", "host_name", "log_duration_s", "duration_s",
                        "log_samples", "samples_beyond_duration", "vms", "host",
                        "unmatched", "ambiguous", "notes", "log_problems"}
    assert cal["source"] == str(log) and cal["host_name"] == "HV01"
    assert cal["log_samples"] == len(TIMES) and cal["samples_beyond_duration"] == 0
    assert set(cal["vms"]) == {"WEB01", "db01", "APP"}
    for entry in cal["vms"].values():
        assert set(STAT_KEYS) <= set(entry)
        assert {"log_name", "log_host", "blank_samples", "beyond_duration",
                "simulated_off", "pressure"} <= set(entry)
    assert cal["vms"]["WEB01"]["mean_abs_error_mb"] == 0.0
    assert cal["vms"]["WEB01"]["within_5pct"] == 1.0
    assert cal["vms"]["db01"]["log_name"] == "DB01"
    assert cal["vms"]["db01"]["mean_abs_error_mb"] == pytest.approx(409.6, abs=0.1)
    assert cal["vms"]["db01"]["within_5pct"] == 0.0
    assert cal["vms"]["APP"]["samples"] == len(TIMES) - 1
    assert cal["vms"]["APP"]["blank_samples"] == 1
    assert cal["host"]["samples"] == len(TIMES) - 1 and cal["host"]["vms"] == 3
    assert set(STAT_KEYS) <= set(cal["host"]["available"])
    assert cal["unmatched"] == {"scenario": ["SPARE"],
                                "log": [{"name": "LEGACY", "host": "HV01"}]}
    assert cal["ambiguous"] == []


def test_the_table_follows_the_summary_table(files, capfd):
    scenario, log = files
    assert main(["simulate", str(scenario), "--compare", str(log)]) == 0
    out = capfd.readouterr().out
    summary_part, _, calibration_part = out.partition("\ncalibration vs ")
    assert summary_part.splitlines()[0].startswith("VM ")  # the summary table first
    lines = calibration_part.splitlines()
    assert lines[0].startswith(f"{log} (started ")
    assert {line.split()[0] for line in lines[2:5]} == {"WEB01", "db01", "APP"}
    assert any(line.startswith("host total (3 VMs)") for line in lines)
    assert "not in the log: 'SPARE'" in calibration_part
    assert "not in the scenario: 'HV01\\LEGACY'" in calibration_part


def test_a_shorter_duration_says_so(files, tmp_path):
    scenario, log = files
    out = tmp_path / "out.json"
    assert main(["simulate", str(scenario), "--compare", str(log), "--duration", "2m",
                 "--json", str(out)]) == 0
    cal = json.loads(out.read_text())["calibration"]
    inside = sum(1 for t in TIMES if t < 120)
    assert cal["duration_s"] == 120
    assert cal["samples_beyond_duration"] == len(TIMES) - inside
    assert cal["vms"]["WEB01"]["samples"] == inside
    assert any("simulated 120 s" in note for note in cal["notes"])


def test_without_compare_nothing_changes(files, tmp_path):
    scenario, _ = files
    out = tmp_path / "out.json"
    assert main(["simulate", str(scenario), "--json", str(out)]) == 0
    summary = json.loads(out.read_text())
    assert "calibration" not in summary and summary["duration_s"] == 7200


def _refused(capsys, argv, *absent: Path) -> str:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err.splitlines()
    assert len(err) == 1 and err[0].startswith("dmgui: error: ")
    for path in absent:
        assert not path.exists()
    return err[0]


@pytest.mark.parametrize("content", [
    b"",
    b"not,a,perfmon\nfile\n",
    b'"(PDH-CSV 4.0)","\\\\HV01\\Processor(_Total)\\% Processor Time"\n"x","1"\n',
    b'"(PDH-CSV 4.0)","\\\\HV01\\Hyper-V Dynamic Memory VM(A)\\Physical Memory"\n',
])
def test_a_bad_log_is_one_line_and_nothing_is_written(files, tmp_path, capsys, content):
    scenario, log = files
    log.write_bytes(content)
    out, csv_out = tmp_path / "out.json", tmp_path / "out.csv"
    line = _refused(capsys, ["simulate", str(scenario), "--compare", str(log),
                             "--json", str(out), "--csv", str(csv_out)], out, csv_out)
    assert str(log) in line


def test_a_missing_log_is_one_line(files, tmp_path, capsys):
    scenario, _ = files
    missing = tmp_path / "missing.csv"
    out = tmp_path / "out.json"
    line = _refused(capsys, ["simulate", str(scenario), "--compare", str(missing),
                             "--json", str(out)], out)
    assert str(missing) in line


def test_a_log_matching_no_vm_is_one_line(files, tmp_path, capsys):
    scenario, log = files
    log.write_bytes(perfmon_csv([FixtureVm("OTHER", demand_mb=[1] * 3)], [0, 15, 30]))
    out = tmp_path / "out.json"
    line = _refused(capsys, ["simulate", str(scenario), "--compare", str(log),
                             "--json", str(out)], out)
    assert f"{log}: no VM of the log matches a scenario VM" in line


def test_compare_host(files, tmp_path, capsys):
    scenario, log = files
    out = tmp_path / "out.json"
    assert main(["simulate", str(scenario), "--compare", str(log), "--compare-host", "hv01",
                 "--json", str(out)]) == 0
    assert json.loads(out.read_text())["calibration"]["host_name"] == "HV01"
    line = _refused(capsys, ["simulate", str(scenario), "--compare", str(log),
                             "--compare-host", "HV02", "--json", str(out)])
    assert "no host 'HV02'" in line
    line = _refused(capsys, ["simulate", str(scenario), "--compare-host", "HV01"])
    assert "--compare-host needs --compare" in line


def test_the_log_is_never_written_over(files, capsys):
    scenario, log = files
    before = log.read_bytes()
    line = _refused(capsys, ["simulate", str(scenario), "--compare", str(log),
                             "--json", str(log)])
    assert "--compare" in line and log.read_bytes() == before


def test_help_documents_compare_and_its_default_duration(capsys):
    with pytest.raises(SystemExit):
        main(["simulate", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--compare PERFMON.csv" in text and "--compare-host HOST" in text
    assert "with --compare, the log's length" in text
