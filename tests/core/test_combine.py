"""``dmgui import``'s merge (issue 10 §1 "Combine"): PowerShell JSON/CSV, VM
configuration XML and perfmon CSV files, written by the fixture generators, become one
valid scenario whose VMs replay the measured demand; every assumption is said, and an
impossible merge is refused, not guessed."""

from __future__ import annotations

import math

import numpy as np
import pytest
from perfmon_fixtures import FixtureVm, irregular_times, perfmon_csv
from powershell_fixtures import (
    Host,
    Vm,
    export_csv,
    get_vm_json,
    get_vmhost_json,
    vm_config_xml,
    vmmemory_record,
)

from dmgui.core.formats.combine import (
    MAX_TRACE_POINTS,
    ConfigInventory,
    combine,
    downsample,
    parse_version,
    read_host_file,
)
from dmgui.core.formats.imported import Inventory, PerfmonLog
from dmgui.core.formats.text import ImportProblem
from dmgui.core.model.capacity import auto_reserve_mb, auto_vm_overhead_mb
from dmgui.core.model.memory import VersionProfile
from dmgui.core.model.scenario import Scenario, scenario_to_json
from dmgui.core.model.workloads import ConstantWorkload, TraceWorkload
from dmgui.core.sim.engine import Simulation

WEB = Vm("WEB01", dynamic=True, startup_mb=1024, minimum_mb=512, maximum_mb=4096,
         buffer=50, priority=80, state=2)
SQL = Vm("Sql01", dynamic=False, startup_mb=2048, minimum_mb=2048, maximum_mb=2048,
         state=3, generation=1)
TIMES = [0, 15, 30, 45, 60, 75]
DEMAND = [600.0, 700.25, 912.5, 1300.0, 880.0, 640.0]


def read(data: bytes, source: str):
    return read_host_file(data, source)


def vms_json(*vms: Vm) -> Inventory:
    return read(get_vm_json(list(vms)), "vms.json")


def memory_csv(*vms: Vm) -> Inventory:
    return read(export_csv([vmmemory_record(vm) for vm in vms]), "memory.csv")


def log(*vms: FixtureVm, times=TIMES, source="log.csv") -> PerfmonLog:
    return read(perfmon_csv(list(vms), times), source)


def by_name(scenario: Scenario) -> dict:
    return {vm.name: vm for vm in scenario.vms}


def mentions(lines: list[str], *words: str) -> list[str]:
    return [line for line in lines if all(word in line for word in words)]


# --- format detection --------------------------------------------------------------

def test_each_format_is_detected_by_its_content():
    assert isinstance(read(get_vm_json([WEB]), "a.txt"), Inventory)
    assert isinstance(read(export_csv([vmmemory_record(WEB)]), "b.dat"), Inventory)
    config = read(vm_config_xml("APP01"), "c.bin")
    assert isinstance(config, ConfigInventory) and config.config_version == 1280
    assert isinstance(read(perfmon_csv([FixtureVm("WEB01", DEMAND)], TIMES), "d.json"),
                      PerfmonLog)


@pytest.mark.parametrize("data, source, words", [
    (b"just some notes\r\n", "notes.txt", ["notes.txt is not a PowerShell inventory "
                                           "(JSON/CSV), a VM configuration XML or a "
                                           "perfmon CSV"]),
    (b"", "empty.csv", ["empty.csv is not", "empty"]),
    (b"\x00\x01\x02binary\x00\x00\xff" * 20, "blob.bin", ["blob.bin is not", "binary"]),
    (b"\x00\x01\x02vmcx\x00" * 20, "VM.vmcx", ["VM.vmcx", ".vmcx", "Get-VM"]),
    (b"\x00\x01binary\x00" * 20, "log.blg", ["log.blg", "relog"]),
    (b'{"Name": "x"}', "other.json", ["other.json is not"]),
])
def test_other_files_are_refused_naming_the_file(data, source, words):
    with pytest.raises(ImportProblem) as info:
        read(data, source)
    message = str(info.value)
    assert "\n" not in message and all(word in message for word in words), message


# --- merging -----------------------------------------------------------------------

def test_json_csv_xml_and_perfmon_merge_by_name():
    files = [vms_json(WEB, SQL), memory_csv(Vm("web01", buffer=50, priority=80,
                                                startup_mb=1024, maximum_mb=4096)),
             read(vm_config_xml("App01", dynamic=True, startup_mb=2048, minimum_mb=1024,
                                maximum_mb=8192, buffer=30, priority=7000), "app.xml"),
             log(FixtureVm("web01", DEMAND), FixtureVm("APP01", DEMAND))]
    result = combine(files, host_memory_mb=16384)
    vms = by_name(result.scenario)
    assert list(vms) == ["WEB01", "Sql01", "App01"]  # the inventory's spelling
    web, sql, app = vms["WEB01"], vms["Sql01"], vms["App01"]
    assert (web.memory.buffer_percent, web.memory.weight, web.memory.maximum_mb) == (
        50, 8000, 4096)  # Get-VMMemory's Buffer and Priority on Get-VM's VM
    assert (app.memory.startup_mb, app.memory.minimum_mb, app.memory.weight) == (
        2048, 1024, 7000)
    assert isinstance(web.workload, TraceWorkload) and isinstance(app.workload, TraceWorkload)
    # Static, no trace: what its 2048 MB holds with the default 20 % buffer.
    assert isinstance(sql.workload, ConstantWorkload) and sql.workload.mb == 1706
    assert (web.autostart, sql.autostart, app.autostart) == (True, False, True)
    assert (sql.generation, app.generation) == (1, 1)
    assert result.traced == ["WEB01", "App01"] and result.problems == []
    assert mentions(result.assumptions, "App01", "State is not given", "starts")
    assert mentions(result.assumptions, "Sql01", "static memory", "no trace", "1706 MB")
    assert mentions(result.assumptions, "Buffer and Priority", "Sql01")
    assert not mentions(result.assumptions, "WEB01", "Buffer")


def test_names_match_case_insensitively_and_the_inventory_spelling_wins():
    files = [log(FixtureVm("WEB01", DEMAND)), vms_json(Vm("Web01", state=2)),
             memory_csv(Vm("wEB01"))]
    scenario = combine(files, host_memory_mb=8192).scenario
    assert [vm.name for vm in scenario.vms] == ["Web01"]
    assert isinstance(scenario.vms[0].workload, TraceWorkload)


def test_conflicting_records_leave_the_vm_out_naming_the_values():
    files = [vms_json(WEB, SQL), memory_csv(Vm("WEB01", startup_mb=2048, buffer=50,
                                                maximum_mb=4096))]
    result = combine(files, host_memory_mb=8192)
    assert [vm.name for vm in result.scenario.vms] == ["Sql01"]
    [line] = result.problems
    assert "WEB01" in line and "left out" in line
    assert "Startup 1024 MB (vms.json record 1) vs 2048 MB (memory.csv line 3)" in line


def test_duplicate_names_are_reported():
    twice = read(get_vm_json([WEB, Vm("web01", startup_mb=2048)]), "vms.json")
    result = combine([twice], host_memory_mb=8192)
    assert mentions(result.problems, "second Get-VM record")
    same = [read(vm_config_xml("APP01"), f"{n}.xml") for n in (1, 2)]
    result = combine(same, host_memory_mb=8192)
    assert len(result.scenario.vms) == 1
    assert mentions(result.assumptions, "APP01", "2 configuration files", "imported once")
    other = read(vm_config_xml("app01", startup_mb=2048), "3.xml")
    with pytest.raises(ImportProblem, match="no VM could be imported.*Startup 1024 MB"):
        combine([*same, other], host_memory_mb=8192)


def test_a_trace_for_a_vm_the_inventory_lacks_fails_naming_vm_and_file():
    files = [vms_json(WEB), log(FixtureVm("WEB01", DEMAND), FixtureVm("GHOST", DEMAND),
                                source="host.csv")]
    with pytest.raises(ImportProblem) as info:
        combine(files)
    message = str(info.value)
    assert "host.csv" in message and "'GHOST'" in message and "vms.json" in message
    with pytest.raises(ImportProblem, match=r"is it 'WEB01'\?"):
        combine([vms_json(WEB), log(FixtureVm("WEB01#1", DEMAND))])


def test_perfmon_logs_alone_fail_saying_which_files_give_settings():
    with pytest.raises(ImportProblem) as info:
        combine([log(FixtureVm("WEB01", DEMAND)), log(FixtureVm("X", DEMAND), source="b.csv")])
    message = str(info.value)
    assert "log.csv, b.csv" in message and "Get-VM" in message and "XML" in message


def test_two_different_hosts_fail():
    hosts = [read(get_vmhost_json([Host("HV01")]), "h1.json"),
             read(get_vmhost_json([Host("HV02")]), "h2.json")]
    with pytest.raises(ImportProblem, match="two different hosts"):
        combine([vms_json(WEB), *hosts])


def test_settings_hyper_v_refuses_leave_the_vm_out_with_its_message():
    odd = Vm("ODD", startup_mb=1023, minimum_mb=512, maximum_mb=4096)
    low = Vm("LOWBUF", buffer=3)
    result = combine([vms_json(WEB, odd, low), memory_csv(odd, low)], host_memory_mb=8192)
    assert [vm.name for vm in result.scenario.vms] == ["WEB01"]
    assert mentions(result.problems, "'ODD' left out", "Failed to modify device 'Memory'.",
                    "properly aligned")
    assert mentions(result.problems, "'LOWBUF' left out", "buffer must be between 5 and 2000")
    big = combine([vms_json(WEB, Vm("BIG", maximum_mb=1048576))], version="2008R2SP1",
                  host_memory_mb=8192)
    assert mentions(big.problems, "'BIG' left out", "65536 MB")


def test_names_hyper_v_shows_differently_leave_the_vm_out():
    result = combine([vms_json(WEB, Vm("bad\u202ename")), log(FixtureVm("WEB01", DEMAND))],
                     host_memory_mb=8192)
    assert [vm.name for vm in result.scenario.vms] == ["WEB01"]
    assert mentions(result.problems, "left out", "invisible formatting character")


def test_a_dynamic_vm_without_minimum_or_maximum_is_left_out():
    result = combine([vms_json(WEB, Vm("NOMAX", drop=("MemoryMaximum",)))],
                     host_memory_mb=8192)
    assert mentions(result.problems, "'NOMAX' left out", "Minimum or Maximum is not given")


def test_an_off_vm_with_a_trace_stays_off_and_says_so():
    result = combine([vms_json(SQL), log(FixtureVm("SQL01", DEMAND))], host_memory_mb=8192)
    sql = result.scenario.vms[0]
    assert isinstance(sql.workload, TraceWorkload) and not sql.autostart
    assert mentions(result.assumptions, "Off in the inventory", "stays off")


def test_nothing_left_to_import_fails():
    with pytest.raises(ImportProblem, match="no VM could be imported"):
        combine([vms_json(Vm("ODD", startup_mb=1023))])
    with pytest.raises(ImportProblem, match="no VM could be imported"):
        combine([read(get_vmhost_json([Host()]), "host.json")])


# --- version, host memory, reserve ---------------------------------------------------

@pytest.mark.parametrize("text, profile, noted", [
    ("2008R2SP1", VersionProfile.WS2008R2SP1, False), ("2008R2", VersionProfile.WS2008R2SP1, True),
    ("2012", VersionProfile.WS2012R2, True), ("2012R2", VersionProfile.WS2012R2, False),
    ("WS2012 R2", VersionProfile.WS2012R2, False), ("2016", VersionProfile.WS2016, False),
    ("2019", VersionProfile.WS2016, True), ("Windows Server 2022", VersionProfile.WS2016, True),
])
def test_versions_map_onto_the_three_profiles_saying_so(text, profile, noted):
    assert parse_version(text).profile is profile
    result = combine([vms_json(WEB)], version=text, host_memory_mb=8192)
    assert result.scenario.host.version is profile
    assert bool(mentions(result.assumptions, "version:")) == noted


def test_an_unknown_version_is_refused():
    with pytest.raises(ValueError, match="unknown Windows Server version '2010'"):
        parse_version("2010")
    with pytest.raises(ImportProblem, match="2008R2SP1, 2008R2, 2012"):
        combine([vms_json(WEB)], version="Vista")


def test_the_version_comes_from_the_configuration_xml_else_2012_r2_is_assumed():
    xml = read(vm_config_xml("APP01"), "app.xml")
    result = combine([xml], host_memory_mb=8192)
    assert result.scenario.host.version is VersionProfile.WS2012R2
    assert mentions(result.assumptions, "version: 2012 R2", "configuration version 1280",
                    "app.xml")
    old = vm_config_xml("OLD", encoding="utf-8").replace(
        b'<version type="integer">1280</version>', b'<version type="integer">768</version>')
    result = combine([read(old, "old.xml")], host_memory_mb=8192)
    assert result.scenario.host.version is VersionProfile.WS2008R2SP1
    assert mentions(result.assumptions, "2008 R2", "768", "below 2012")
    result = combine([vms_json(WEB)], host_memory_mb=8192)
    assert mentions(result.assumptions, "version: 2012 R2", "give --version")
    assert combine([xml], version="2016", host_memory_mb=8192).scenario.host.version is (
        VersionProfile.WS2016)


def test_host_memory_from_the_option_else_get_vmhost():
    host = read(get_vmhost_json([Host("HV07", memory_bytes=34359738368 + 12345)]), "host.json")
    result = combine([vms_json(WEB), host])
    assert (result.scenario.host.memory_mb, result.scenario.host.name) == (32768, "HV07")
    assert not mentions(result.assumptions, "host memory")
    assert combine([vms_json(WEB), host], host_memory_mb=24576).scenario.host.memory_mb == 24576


def test_host_memory_assumed_from_the_vms_peaks_rounded_up_to_a_gb():
    peak = [600.0, 900.0, 3000.0, 900.0]  # assigned up to 3600 MB, above WEB's Startup
    files = [vms_json(WEB, SQL), log(FixtureVm("WEB01", peak), times=[0, 15, 30, 45])]
    result = combine(files)
    memory = result.scenario.host.memory_mb
    need = 3600 + 2048 + auto_vm_overhead_mb(1024) + auto_vm_overhead_mb(2048)
    assert memory % 1024 == 0 and memory - auto_reserve_mb(memory) >= need
    smaller = memory - 1024
    assert smaller - auto_reserve_mb(smaller) < need
    [line] = mentions(result.assumptions, "host memory:")
    assert f"{memory} MB" in line and "5648 MB in all" in line and "--host-memory" in line


def test_the_reserve_stays_automatic_and_is_recorded():
    result = combine([vms_json(WEB)], host_memory_mb=16384)
    assert result.scenario.host.reserve_mb is None
    assert mentions(result.assumptions, "root reserve: automatic",
                    f"{auto_reserve_mb(16384)} MB")


def test_the_description_lists_the_files_and_every_assumption():
    files = [vms_json(WEB, SQL), log(FixtureVm("WEB01", DEMAND))]
    result = combine(files, name="Lab copy")
    scenario = result.scenario
    assert scenario.name == "Lab copy"
    assert "vms.json, log.csv" in scenario.description.splitlines()[0]
    assert all(line in scenario.description for line in result.assumptions)
    assert combine(files).scenario.name == "Imported from vms.json"
    with pytest.raises(ImportProblem, match="invalid scenario name"):
        combine(files, name=" padded")


# --- traces --------------------------------------------------------------------------

def test_the_trace_starts_at_zero_with_rounded_demand_and_measured_assignment():
    fixture = FixtureVm("WEB01", DEMAND, physical_mb=[1000, 1000, 1100.05, 1600, 1200, 1000])
    result = combine([vms_json(WEB), log(fixture, times=[t + 0.1234 for t in TIMES])],
                     host_memory_mb=8192)
    web = result.scenario.vms[0]
    times = [t for t, _ in web.workload.points]
    assert times[0] == 0 and times[1] == 15.0  # t = 0 at the log's first sample
    expected = fixture.expected_demand()
    assert [mb for _, mb in web.workload.points] == [round(v, 1) for v in expected]
    assert web.workload.interpolation == "linear"
    assert web.measured.source == "log.csv"
    assert web.measured.assigned == [(t, round(mb, 1)) for t, mb in zip(
        times, fixture.assigned())]


def test_blank_samples_are_dropped():
    fixture = FixtureVm("WEB01", DEMAND, blanks={"Current Pressure": [1, 2]})
    web = combine([vms_json(WEB), log(fixture)], host_memory_mb=8192).scenario.vms[0]
    assert [t for t, _ in web.workload.points] == [0, 45, 60, 75]
    assert len(web.measured.assigned) == len(TIMES)


def test_a_vm_whose_log_has_no_demand_keeps_a_constant_workload():
    fixture = FixtureVm("WEB01", DEMAND, counters=("Physical Memory",))
    result = combine([vms_json(WEB), log(fixture)], host_memory_mb=8192)
    web = result.scenario.vms[0]
    assert isinstance(web.workload, ConstantWorkload) and web.measured is not None
    assert mentions(result.assumptions, "WEB01", "give no demand", "1024 MB")


def test_downsample_keeps_every_sample_that_fits():
    t, v = np.arange(10.0), np.array([1, 2, np.nan, 4, 5, 6, 7, 8, 9, 10.0])
    kept_t, kept_v = downsample(t, v, max_points=9)
    assert list(kept_t) == [0, 1, 3, 4, 5, 6, 7, 8, 9] and not np.isnan(kept_v).any()


@pytest.mark.parametrize("seed", range(5))
def test_downsample_keeps_every_bucket_peak_within_the_limit(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2001, 30000))
    t = np.cumsum(rng.uniform(0.5, 30, n))
    v = rng.uniform(500, 1000, n)
    spikes = rng.choice(n, 20, replace=False)
    v[spikes] = rng.uniform(5000, 9000, 20)
    v[rng.choice(n, 50)] = np.nan
    kept_t, kept_v = downsample(t, v)
    assert len(kept_t) <= MAX_TRACE_POINTS and np.all(np.diff(kept_t) > 0)
    assert kept_t[0] == t[0] and kept_t[-1] == t[-1]
    assert np.nanmax(v) in kept_v
    buckets = np.minimum(((t - t[0]) / (t[-1] - t[0]) * 1998).astype(int), 1997)
    for b in np.unique(buckets[np.isfinite(v)]):  # each bucket's peak, at its time
        peak = np.nanargmax(np.where(buckets == b, v, -np.inf))
        assert (t[peak], v[peak]) in set(zip(kept_t, kept_v))
    for i in spikes[np.isfinite(v[spikes])]:  # a spike is lost only to a higher one
        assert t[i] in kept_t or np.nanmax(v[buckets == buckets[i]]) > v[i]


def test_a_long_log_is_downsampled_keeping_its_peaks():
    n = 6000
    demand = 600 + 200 * np.sin(np.arange(n) / 300)
    demand[4321] = 3000.0
    fixture = FixtureVm("WEB01", demand, physical_mb=np.full(n, 3200.0))
    files = [vms_json(WEB), read(perfmon_csv([fixture], np.arange(n) * 1.0), "long.csv")]
    web = combine(files, host_memory_mb=8192).scenario.vms[0]
    points = web.workload.points
    assert len(points) <= MAX_TRACE_POINTS and len(web.measured.assigned) <= MAX_TRACE_POINTS
    assert (4321.0, 3000.0) in points and points[0][0] == 0 and points[-1][0] == n - 1


def test_several_logs_are_aligned_by_their_start_times():
    first = log(FixtureVm("WEB01", DEMAND), source="morning.csv")
    later = log(FixtureVm("SQL01", DEMAND), times=[t + 3600 for t in TIMES],
                source="noon.csv")
    result = combine([vms_json(WEB, SQL), later, first], host_memory_mb=8192)
    web, sql = result.scenario.vms
    assert web.workload.points[0][0] == 0 and sql.workload.points[0][0] == 3600
    assert mentions(result.assumptions, "aligned", "morning.csv at t = 0 s",
                    "noon.csv at t = 3600 s")


def test_one_vm_in_consecutive_logs_is_joined_in_time_order():
    first = log(FixtureVm("WEB01", DEMAND), source="1.csv")
    second = log(FixtureVm("WEB01", DEMAND[::-1]), times=[t + 600 for t in TIMES],
                 source="2.csv")
    web = combine([vms_json(WEB), second, first], host_memory_mb=8192).scenario.vms[0]
    times = [t for t, _ in web.workload.points]
    assert times == TIMES + [t + 600 for t in TIMES]
    assert web.measured.source == "1.csv, 2.csv"
    overlapping = log(FixtureVm("WEB01", DEMAND), times=[t + 30 for t in TIMES],
                      source="3.csv")
    with pytest.raises(ImportProblem, match="'WEB01' has traces in 1.csv and 3.csv that "
                       "overlap"):
        combine([vms_json(WEB), first, overlapping])


def test_one_log_with_two_traces_for_one_vm_fails():
    data = perfmon_csv([FixtureVm("WEB01", DEMAND), FixtureVm("web01", DEMAND, host="HV02")],
                       TIMES)
    with pytest.raises(ImportProblem, match="two traces for VM"):
        combine([vms_json(WEB), read(data, "two.csv")])


# --- the scenario runs ---------------------------------------------------------------

@pytest.mark.parametrize("times", [TIMES, irregular_times(40, seed=3).tolist()])
def test_the_scenario_replays_the_measured_demand(times):
    demand = (700 + 300 * np.sin(np.arange(len(times)))).round(3)
    fixture = FixtureVm("WEB01", demand)
    files = [vms_json(WEB, SQL), log(fixture, times=times)]
    result = combine(files, host_memory_mb=8192)
    scenario = Scenario.model_validate_json(scenario_to_json(result.scenario), strict=True)
    assert scenario == result.scenario
    length = math.ceil(times[-1]) + 1
    sim = Simulation(scenario)
    blocks = list(sim.run(length))
    seconds = np.concatenate([b.time for b in blocks])
    guest = np.concatenate([b.guest_demand for b in blocks])[:, 0]
    assert len(seconds) == length
    expected = np.interp(seconds, *zip(*scenario.vms[0].workload.points))
    np.testing.assert_allclose(guest, expected, atol=1e-6)
    whole = [i for i, t in enumerate(times) if float(t).is_integer()]
    np.testing.assert_allclose(guest[[int(times[i]) for i in whole]],
                               fixture.expected_demand()[whole], atol=0.05)


def test_a_long_description_is_cut_to_what_a_scenario_holds():
    many = [Vm(f"VM-{n:03d}", state=3) for n in range(400)]
    result = combine([vms_json(*many)], host_memory_mb=1024 * 1024)
    assert len(result.scenario.vms) == 400 and len(result.assumptions) > 400
    description = result.scenario.description
    assert len(description) <= 20_000 and description.endswith("printed by dmgui import)")
