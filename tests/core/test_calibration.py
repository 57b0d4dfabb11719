"""Simulated vs measured Assigned Memory (issue 10 §2): :mod:`dmgui.core.formats.calibration`.

Logs are written by ``perfmon_fixtures`` and read back by the real importer; the
scenarios use static VMs (their assigned memory is their Startup from t = 0) so
every expected error is computed by hand.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

# tests/ is not a package: pytest puts this folder on sys.path.
from perfmon_fixtures import FixtureVm, perfmon_csv
from scenario_builders import constant, dm, host, scenario, static, trace, vm

from dmgui.core.formats.calibration import (
    STAT_KEYS,
    Calibration,
    CalibrationProblem,
    calibration_table,
    default_duration,
)
from dmgui.core.formats.perfmon import read_perfmon
from dmgui.core.sim.engine import Simulation

TIMES = [float(t) for t in range(0, 100, 10)]  # 10 samples, every 10 s


def measured(name: str, physical, host: str = "HV01", **kwargs) -> FixtureVm:
    """A log VM whose Physical Memory is ``physical`` (demand: half of it)."""
    physical = np.asarray(physical, dtype=float)
    return FixtureVm(name, demand_mb=physical / 2, physical_mb=physical, host=host, **kwargs)


def log_of(vms, times=TIMES, **kwargs):
    return read_perfmon(perfmon_csv(vms, times, **kwargs), "host.csv")


def run(sc, log, duration: int = 100, block_s: int = 600, compare_host=None) -> dict:
    sim = Simulation(sc)
    cal = Calibration(sim.names, log, compare_host)
    for block in sim.run(duration, block_s=block_s):
        cal.add(block)
    return cal.result()


def statics(*pairs, memory_mb: int = 16384):
    """A scenario of static VMs: ``(name, startup MB)`` pairs."""
    return scenario([vm(name, static(mb), constant(100)) for name, mb in pairs],
                    host(memory_mb))


def test_constant_vm_measured_at_its_startup_has_no_error():
    result = run(statics(("WEB01", 2048)), log_of([measured("WEB01", [2048] * 10)]))
    web = result["vms"]["WEB01"]
    assert {k: web[k] for k in STAT_KEYS} == {
        "samples": 10, "mean_abs_error_mb": 0.0, "p95_abs_error_mb": 0.0,
        "within_5pct": 1.0, "mean_measured_mb": 2048.0, "mean_simulated_mb": 2048.0}
    assert web["log_name"] == "WEB01" and web["log_host"] == "HV01"
    assert web["blank_samples"] == web["beyond_duration"] == web["simulated_off"] == 0
    assert {k: result["host"][k] for k in STAT_KEYS} == {k: web[k] for k in STAT_KEYS}
    assert result["host"]["vms"] == 1
    assert result["unmatched"] == {"scenario": [], "log": []}
    assert result["ambiguous"] == [] and result["notes"] == []
    assert result["duration_s"] == 100 and result["log_samples"] == 10
    assert result["log_duration_s"] == 90.0 and result["samples_beyond_duration"] == 0
    assert result["source"] == "host.csv" and result["host_name"] == "HV01"
    json.dumps(result, allow_nan=False)  # JSON-ready: no NaN, no numpy types


def test_measured_10_percent_high_on_half_the_samples():
    # Simulated 2000 MB; measured 2000 × 5 then 2200 × 5 (10 % more): errors 0 and 200.
    result = run(statics(("A", 2000)), log_of([measured("A", [2000] * 5 + [2200] * 5)]))
    a = result["vms"]["A"]
    assert a["samples"] == 10
    assert a["mean_abs_error_mb"] == 100.0
    assert a["p95_abs_error_mb"] == 200.0  # the 10th smallest of 10 (ceil(9.5))
    assert a["within_5pct"] == 0.5  # 200 > 5 % of 2200 = 110
    assert a["mean_measured_mb"] == 2100.0 and a["mean_simulated_mb"] == 2000.0


def test_within_5_percent_is_relative_to_the_measured_value():
    # |2000 − 2100| = 100 ≤ 105 (within); |2000 − 1900| = 100 > 95 (not);
    # simulated 2100 vs measured 2000: exactly 5 %, within.
    result = run(statics(("A", 2000), ("B", 2000), ("C", 2100)),
                 log_of([measured("A", [2100] * 10), measured("B", [1900] * 10),
                         measured("C", [2000] * 10)]))
    assert [result["vms"][n]["within_5pct"] for n in "ABC"] == [1.0, 0.0, 1.0]
    # Host total: simulated 6100 vs measured 6000, 1.67 %.
    assert result["host"]["mean_abs_error_mb"] == 100.0
    assert result["host"]["within_5pct"] == 1.0


def test_within_5_percent_of_a_measured_zero_needs_a_simulated_zero():
    sc = scenario([vm("On", static(1024), constant(100)),
                   vm("Off", static(1024), constant(100), autostart=False)], host(16384))
    with np.errstate(divide="ignore", invalid="ignore"):  # the fixture's pressure: 0 / 0
        log = log_of([measured("On", [0] * 10), measured("Off", [0] * 10)])
    result = run(sc, log)
    assert result["vms"]["On"]["within_5pct"] == 0.0
    assert result["vms"]["Off"]["within_5pct"] == 1.0


def test_p95_is_the_nearest_rank():
    times = [float(t) for t in range(20)]
    # Errors 1, 2, ..., 20 MB: nearest rank ceil(0.95 × 20) = 19 → 19 (numpy's linear
    # interpolation would say 19.05).
    result = run(statics(("A", 2000)), log_of([measured("A", 2000 - np.arange(1, 21))],
                                              times), duration=20)
    assert result["vms"]["A"]["p95_abs_error_mb"] == 19.0
    assert result["vms"]["A"]["mean_abs_error_mb"] == 10.5


def test_blank_samples_are_skipped_and_counted():
    result = run(statics(("A", 2000), ("B", 1000)),
                 log_of([measured("A", [2000] * 9 + [3000],
                                  blanks={"Physical Memory": [9, 2]}),
                         measured("B", [1100] * 10, blanks={"Physical Memory": [4]})]))
    a, b = result["vms"]["A"], result["vms"]["B"]
    assert a["samples"] == 8 and a["blank_samples"] == 2 and a["mean_abs_error_mb"] == 0.0
    assert b["samples"] == 9 and b["blank_samples"] == 1 and b["mean_abs_error_mb"] == 100.0
    # The host total only at rows where both have a sample: 10 − {2, 4, 9}.
    assert result["host"]["samples"] == 7 and result["host"]["rows_with_blanks"] == 3
    assert result["host"]["mean_measured_mb"] == 3100.0
    assert result["host"]["mean_abs_error_mb"] == 100.0


def test_names_match_case_insensitively_and_leftovers_are_listed():
    sc = statics(("Web01", 2048), ("straße", 1024), ("OnlyInScenario", 512))
    log = log_of([measured("WEB01", [2048] * 10), measured("STRASSE", [1024] * 10),
                  measured("OnlyInLog", [700] * 10)])
    result = run(sc, log)
    assert set(result["vms"]) == {"Web01", "straße"}  # casefold: ß ≡ ss
    assert result["vms"]["Web01"]["log_name"] == "WEB01"
    assert result["vms"]["straße"]["mean_abs_error_mb"] == 0.0
    assert result["unmatched"] == {"scenario": ["OnlyInScenario"],
                                   "log": [{"name": "OnlyInLog", "host": "HV01"}]}
    assert result["host"]["vms"] == 2


def _two_hosts():
    sc = statics(("DC01", 1024), ("WEB01", 2048))
    log = log_of([measured("DC01", [1024] * 10, host="HV01"),
                  measured("WEB01", [2048] * 10, host="HV01"),
                  measured("dc01", [1124] * 10, host="HV02")],
                 hosts={"HV01": [9000.0] * 10, "HV02": [5000.0] * 10})
    return sc, log


def test_a_name_on_two_hosts_is_ambiguous_and_not_compared():
    sc, log = _two_hosts()
    result = run(sc, log)
    assert set(result["vms"]) == {"WEB01"}
    assert result["ambiguous"] == [{"scenario": ["DC01"],
                                    "log": [{"name": "DC01", "host": "HV01"},
                                            {"name": "dc01", "host": "HV02"}]}]
    assert result["unmatched"] == {"scenario": [], "log": []}
    assert any("DC01" in n and "--compare-host" in n for n in result["notes"])
    # WEB01 is on HV01 only: HV01's Available Memory is compared (16384 − 3072).
    assert result["host"]["available"]["log_host"] == "HV01"
    assert result["host"]["available"]["mean_simulated_mb"] == 16384 - 3072


def test_compare_host_picks_one_host():
    sc, log = _two_hosts()
    result = run(sc, log, compare_host="hv02")
    assert set(result["vms"]) == {"DC01"}
    assert result["vms"]["DC01"]["log_host"] == "HV02"
    assert result["vms"]["DC01"]["mean_abs_error_mb"] == 100.0
    assert result["unmatched"]["scenario"] == ["WEB01"]
    assert result["host_name"] == "HV02" and result["ambiguous"] == []
    assert result["host"]["available"]["log_host"] == "HV02"
    assert result["host"]["available"]["mean_measured_mb"] == 5000.0


def test_unknown_host_and_only_ambiguous_names_are_one_line_errors():
    _, log = _two_hosts()
    with pytest.raises(CalibrationProblem, match=r"host\.csv: the log has no host 'HV9'"):
        Calibration(["DC01"], log, "HV9")
    with pytest.raises(CalibrationProblem, match=r"host\.csv: .*ambiguous: 'DC01'.*"
                                                 r"--compare-host"):
        Calibration(["DC01"], log)
    assert len(Calibration(["DC01"], log, "HV01").result()["vms"]) == 1


def test_scenario_names_equal_but_for_case_are_ambiguous():
    sc = statics(("web", 1024), ("WEB", 1024), ("db", 2048))
    result = run(sc, log_of([measured("Web", [1024] * 10), measured("DB", [2048] * 10)]))
    assert set(result["vms"]) == {"db"}
    assert result["ambiguous"] == [{"scenario": ["web", "WEB"],
                                    "log": [{"name": "Web", "host": "HV01"}]}]


def test_nothing_matching_is_one_line_naming_the_file():
    log = log_of([measured("X", [1] * 10), measured("Y", [1] * 10)])
    with pytest.raises(CalibrationProblem) as err:
        Calibration(["A", "B"], log)
    message = str(err.value)
    assert message.startswith("host.csv: no VM of the log matches a scenario VM")
    assert "'X', 'Y'" in message and "'A', 'B'" in message and "\n" not in message


def test_samples_after_the_run_are_left_out_and_counted():
    log = log_of([measured("A", [2000] * 5 + [9999] * 5)])  # t = 0, 10, ..., 90
    assert default_duration(log) == 91  # floor(90) + 1: tick 90 is simulated
    result = run(statics(("A", 2000)), log, duration=45)  # ticks 0..44
    a = result["vms"]["A"]
    assert a["samples"] == 5 and a["beyond_duration"] == 5 and a["mean_abs_error_mb"] == 0
    assert result["samples_beyond_duration"] == 5 and result["duration_s"] == 45
    assert any("simulated 45 s" in n and "90 s" in n and "5 log samples" in n
               for n in result["notes"])
    # Exactly the covering duration: nothing left out.
    assert run(statics(("A", 2000)), log, duration=91)["samples_beyond_duration"] == 0
    assert run(statics(("A", 2000)), log, duration=90)["samples_beyond_duration"] == 1


def _dynamic():
    """A DM VM whose assigned memory changes every second during 60..88 s."""
    return scenario([vm("D", dm(1024, 512, 4096),
                        trace([(0, 500), (30, 2000), (60, 800), (90, 3000)])),
                     vm("S", static(2048), constant(500))], host(16384))


def _assigned(sc, duration: int) -> np.ndarray:
    sim = Simulation(sc)
    return sim.advance(duration).assigned.copy()


def test_irregular_times_compare_with_the_tick_they_fall_in():
    sc = _dynamic()
    assigned = _assigned(sc, 120)
    times = np.array([0.0, 0.4, 0.999, 60.2, 60.9, 61.5, 62.999, 63.0, 70.7, 75.25, 87.5])
    ticks = np.floor(times).astype(int)
    assert len(set(assigned[ticks, 0])) > 5  # the test means something
    log = log_of([measured("D", assigned[ticks, 0]), measured("S", assigned[ticks, 1])],
                 times)
    result = run(sc, log, duration=120)
    assert result["vms"]["D"]["samples"] == len(times)
    assert result["vms"]["D"]["mean_abs_error_mb"] == 0.0
    assert result["host"]["mean_abs_error_mb"] == 0.0
    # Read with the next tick instead (as rounding would), it would not match.
    shifted = log_of([measured("D", assigned[ticks + 1, 0])], times)
    assert run(sc, shifted, duration=120)["vms"]["D"]["mean_abs_error_mb"] > 0


def test_streaming_over_many_blocks_gives_the_one_block_result():
    sc = _dynamic()
    times = np.round(np.linspace(0, 150, 41) + np.linspace(0, 0.9, 41), 3)
    log = log_of([measured("D", np.linspace(900, 3000, 41)), measured("S", [2000] * 41)],
                 times, hosts={"HV01": np.linspace(12000, 13000, 41)})
    one = run(sc, log, duration=160, block_s=160)
    for block_s in (1, 7, 60):
        assert run(sc, log, duration=160, block_s=block_s) == one
    assert 30 < one["vms"]["D"]["pressure"]["samples"] < 41  # not while it boots
    assert one["vms"]["S"]["pressure"]["samples"] == 0  # static: no pressure
    assert one["vms"]["S"]["pressure"]["mean_abs_error"] is None
    assert one["host"]["available"]["samples"] == 41


def test_samples_while_the_model_has_the_vm_off_compare_with_0_mb():
    sc = scenario([vm("A", static(1024), constant(100), autostart=False)], host(16384))
    result = run(sc, log_of([measured("A", [1000] * 10)]))
    a = result["vms"]["A"]
    assert a["samples"] == 10 and a["simulated_off"] == 10
    assert a["mean_abs_error_mb"] == 1000.0 and a["mean_simulated_mb"] == 0.0


def test_pressure_is_compared_in_points():
    # Demand 1000 MB; the log says 1200 MB assigned and 1000 / 1200 × 100 = 83.33 %.
    sc = scenario([vm("D", dm(1024, 512, 4096), constant(1000))], host(16384))
    times = [float(t) for t in range(0, 120, 10)]
    log = log_of([FixtureVm("D", demand_mb=[1000] * 12, physical_mb=[1200] * 12)], times)
    d = run(sc, log, duration=120)["vms"]["D"]
    block = Simulation(sc).advance(120)
    # From t = 30 on, the model has 1200 MB and pressure 83 too (before: it boots).
    assert block.assigned[30:, 0].tolist() == [1200.0] * 90
    assert block.pressure[30:, 0].tolist() == [83.0] * 90
    # Compared only where the model's guest reports (from t = 20, after its boot).
    reports = block.pressure[::10, 0] > 0
    assert reports.tolist() == [False] * 2 + [True] * 10
    errors = np.abs(block.pressure[::10, 0][reports] - 1000 / 1200 * 100)
    assert d["pressure"] == {"samples": 10,
                             "mean_abs_error": round(float(errors.mean()), 1),
                             "mean_measured": 83.3,
                             "mean_simulated": round(float(block.pressure[::10, 0][reports]
                                                           .mean()), 1)}
    assert d["mean_abs_error_mb"] == round(float(np.abs(block.assigned[::10, 0] - 1200)
                                                 .mean()), 1)


def test_a_guest_committed_bytes_trace_is_not_a_candidate():
    # The guest WEB01 logs its own Committed Bytes: a trace named WEB01 on host WEB01
    # with no Physical Memory. It neither matches nor makes WEB01 ambiguous.
    log = log_of([measured("WEB01", [2048] * 10)], guests={"WEB01": [900.0] * 10})
    result = run(statics(("WEB01", 2048)), log)
    assert result["vms"]["WEB01"]["log_host"] == "HV01"
    assert result["ambiguous"] == []
    assert result["unmatched"]["log"] == [{"name": "WEB01", "host": "WEB01"}]
    assert any("no Physical Memory" in n for n in result["notes"])


def test_vms_on_several_hosts_add_up_without_available_memory():
    sc = statics(("A", 1000), ("B", 2000))
    log = log_of([measured("A", [1000] * 10, host="HV01"),
                  measured("B", [2100] * 10, host="HV02")],
                 hosts={"HV01": [1.0] * 10})
    result = run(sc, log)
    assert result["host"]["mean_measured_mb"] == 3100.0
    assert result["host"]["available"] is None and result["host_name"] is None
    assert any("several log hosts" in n for n in result["notes"])


def test_the_table_shows_every_vm_the_host_and_the_leftovers():
    _, log = _two_hosts()
    result = run(statics(("DC01", 1024), ("WEB01", 2048), ("NEW", 512)), log)
    table = calibration_table(result)
    lines = table.splitlines()
    assert lines[1].startswith("calibration vs host.csv")
    assert "within 5%" in lines[2]
    web = next(line for line in lines if line.startswith("WEB01"))
    # No pressure error: a static VM reports no pressure.
    assert web.split() == ["WEB01", "10", "0", "0", "100.0", "%", "2048", "2048", "-"]
    assert any(line.startswith("host total (1 VMs)") for line in lines)
    assert any(line.startswith("available (HV01)") for line in lines)
    assert "not in the log: 'NEW'" in table
    assert any(line.startswith("note: ") and "DC01" in line for line in lines)


def test_a_block_without_log_samples_changes_nothing():
    log = log_of([measured("A", [2000] * 3)], [0.0, 70.0, 80.0])
    sim = Simulation(statics(("A", 2000)))
    cal = Calibration(sim.names, log)
    cal.add(sim.advance_empty())
    assert cal.result()["vms"]["A"]["samples"] == 0
    assert cal.result()["vms"]["A"]["mean_abs_error_mb"] is None
    cal.add(sim.advance(50))  # ticks 0..49: the sample at 0
    before = cal.result()
    cal.add(sim.advance(10))  # ticks 50..59: none
    after = cal.result()
    assert before["vms"] == after["vms"] and after["vms"]["A"]["samples"] == 1
    assert after["duration_s"] == 60
    cal.add(sim.advance(100))
    assert cal.result()["vms"]["A"]["samples"] == 3
