"""The perfmon CSV importer, through files written by ``perfmon_fixtures`` (issue 10 §1).

Each quirk of real PDH-CSV 4.0 logs gets a round trip: write a log from known
series, read it back, compare. Then the units, the demand formula, the guest-side
log, the files that must be refused with one line naming them, and a property test
that no input makes the importer fail any other way.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

# tests/ is not a package: pytest puts this folder on sys.path.
from perfmon_fixtures import (
    BYTES_PER_MB,
    HEADER_CUT,
    HEADER_INDIA,
    HEADER_RUSSIAN,
    HEADER_TYPEPERF,
    FixtureVm,
    Quirks,
    irregular_times,
    perfmon_csv,
    timestamp,
    write_rows,
)

from dmgui.core.formats import perfmon
from dmgui.core.formats.imported import PerfmonLog, VmTrace
from dmgui.core.formats.perfmon import looks_like_perfmon, read_perfmon
from dmgui.core.formats.text import ImportProblem, decode_text

FIELDS = {"Physical Memory": "physical_mb", "Guest Visible Physical Memory": "guest_visible_mb",
          "Current Pressure": "current_pressure", "Average Pressure": "average_pressure",
          "Added Memory": "added_mb", "Removed Memory": "removed_mb"}
TIMES = [0.0, 15.002, 29.998, 45.0, 60.001, 75.0]
DEMAND = [600.0, 910.5, 1333.25, 1200.0, 480.0, 777.7]
AVAILABLE = [8000.0, 7696.0, 7234.0, 7300.0, 7900.0, 7700.0]


def trace(log: PerfmonLog, name: str, host: str = "HV01") -> VmTrace:
    (found,) = [vm for vm in log.vms if vm.name == name and vm.host == host]
    return found


def assert_round_trip(log: PerfmonLog, vm: FixtureVm, times, quirks: Quirks = Quirks()) -> None:
    """Every counter of ``vm`` reads back as written, and the demand is its own."""
    got = trace(log, vm.name, vm.host)
    for counter, values in vm.counters_written(quirks).items():
        series = getattr(got, FIELDS[counter])
        np.testing.assert_array_equal(series.values, values, err_msg=counter)
        np.testing.assert_array_equal(series.times_s, times)
    np.testing.assert_allclose(got.demand_mb.values, vm.expected_demand(quirks), rtol=1e-12)


def same_logs(a: PerfmonLog, b: PerfmonLog) -> None:
    assert [(vm.host, vm.name) for vm in a.vms] == [(vm.host, vm.name) for vm in b.vms]
    for x, y in zip(a.vms, b.vms):
        for name in (*FIELDS.values(), "demand_mb"):
            sx, sy = getattr(x, name), getattr(y, name)
            assert (sx is None) == (sy is None)
            if sx is not None:
                np.testing.assert_array_equal(sx.values, sy.values)
                np.testing.assert_array_equal(sx.times_s, sy.times_s)
    assert a.available_mb.keys() == b.available_mb.keys()
    for host in a.available_mb:
        np.testing.assert_array_equal(a.available_mb[host].values, b.available_mb[host].values)
    assert a.started == b.started and a.problems == b.problems


def refused(data: bytes, source: str = "bad.csv") -> str:
    with pytest.raises(ImportProblem) as caught:
        read_perfmon(data, source)
    message = str(caught.value)
    assert message.startswith(f"{source}: ") and len(message.splitlines()) == 1
    return message


# --- the shape itself -----------------------------------------------------------------


def test_spec_example_is_read_exactly() -> None:
    data = ('"(PDH-CSV 4.0) (Pacific Standard Time)(480)",'
            '"\\\\HV01\\Hyper-V Dynamic Memory VM(VM1)\\Physical Memory",'
            '"\\\\HV01\\Hyper-V Dynamic Memory VM(VM1)\\Current Pressure",'
            '"\\\\HV01\\Hyper-V Dynamic Memory Balancer(System Balancer)\\Available Memory"\r\n'
            '"11/27/2024 10:00:00.123","734","83","10240"\r\n'
            '"11/27/2024 10:00:15.125","760","81","10214"\r\n').encode()
    log = read_perfmon(data, "spec.csv")
    vm = trace(log, "VM1")
    assert log.source == "spec.csv" and log.started == "11/27/2024 10:00:00.123"
    np.testing.assert_array_equal(vm.physical_mb.times_s, [0.0, 15.002])
    np.testing.assert_array_equal(vm.physical_mb.values, [734, 760])
    np.testing.assert_allclose(vm.demand_mb.values, [734 * 0.83, 760 * 0.81])
    assert vm.guest_visible_mb is None and vm.added_mb is None
    np.testing.assert_array_equal(log.available_mb["HV01"].values, [10240, 10214])
    assert log.problems == []


def test_round_trip_of_every_counter_and_the_demand() -> None:
    vms = [FixtureVm("WEB01", DEMAND), FixtureVm("SQL01", [d * 3 for d in DEMAND])]
    log = read_perfmon(perfmon_csv(vms, TIMES, hosts={"HV01": AVAILABLE}), "hv01.csv")
    for vm in vms:
        assert_round_trip(log, vm, TIMES)
        np.testing.assert_allclose(trace(log, vm.name).demand_mb.values, vm.demand_mb,
                                   rtol=1e-12)
    np.testing.assert_array_equal(log.available_mb["HV01"].values, AVAILABLE)
    assert log.started == timestamp(0) and log.problems == []


def test_averaged_counter_blank_in_the_first_sample_is_nan() -> None:
    log = read_perfmon(perfmon_csv([FixtureVm("VM1", DEMAND)], TIMES), "a.csv")
    average = trace(log, "VM1").average_pressure.values
    assert np.isnan(average[0]) and np.isfinite(average[1:]).all()


def test_any_column_order_reads_the_same() -> None:
    vms = [FixtureVm("B", DEMAND), FixtureVm("A", DEMAND[::-1], host="HV02")]
    kwargs = dict(hosts={"HV01": AVAILABLE, "HV02": AVAILABLE[::-1]}, guests={"G1": DEMAND})
    ordered = read_perfmon(perfmon_csv(vms, TIMES, **kwargs), "x.csv")
    for seed in range(4):
        shuffled = perfmon_csv(vms, TIMES, quirks=Quirks(shuffle=seed, noise_columns=7), **kwargs)
        same_logs(read_perfmon(shuffled, "x.csv"), ordered)


def test_blank_cells_are_nan_and_so_is_the_demand_there() -> None:
    vm = FixtureVm("VM1", DEMAND, blanks={"Physical Memory": [2], "Current Pressure": [4],
                                          "Added Memory": [0, 5]})
    log = read_perfmon(perfmon_csv([vm], TIMES), "b.csv")
    assert_round_trip(log, vm, TIMES)
    demand = trace(log, "VM1").demand_mb.values
    assert np.isnan(demand[[2, 4]]).all()
    np.testing.assert_allclose(np.delete(demand, [2, 4]), np.delete(DEMAND, [2, 4]), rtol=1e-12)


def test_empty_cells_are_nan_too() -> None:
    rows = [[HEADER_TYPEPERF, "\\\\H\\Hyper-V Dynamic Memory VM(V)\\Physical Memory"],
            [timestamp(0), ""], [timestamp(1), "1024"]]
    log = read_perfmon(write_rows(rows), "e.csv")
    np.testing.assert_array_equal(trace(log, "V", "H").physical_mb.values, [np.nan, 1024])


def test_numbered_instances_are_kept_as_written_and_reported() -> None:
    vms = [FixtureVm("WEB01", DEMAND), FixtureVm("WEB01#1", DEMAND[::-1]),
           FixtureVm("build#2", DEMAND)]
    log = read_perfmon(perfmon_csv(vms, TIMES), "n.csv")
    for vm in vms:
        assert_round_trip(log, vm, TIMES)
    assert log.problems == [
        "HV01: instance 'build#2' may be a second VM named 'build' (perfmon adds #n to tell "
        "same-named instances apart); kept as written",
        "HV01: instances 'WEB01', 'WEB01#1' share the name 'WEB01' (perfmon adds #n to tell "
        "same-named instances apart); kept as written",
    ]


@pytest.mark.parametrize("name", ["SQL (prod), node 2", "DC01 (old)", "x)y(z", "a\\b)\\c",
                                  "(", "a,b,,", 'say "hi"', "Prüfung ü"])
def test_commas_parentheses_and_backslashes_in_instance_names(name: str) -> None:
    vm = FixtureVm(name, DEMAND)
    log = read_perfmon(perfmon_csv([vm, FixtureVm("plain", DEMAND)], TIMES), "p.csv")
    assert_round_trip(log, vm, TIMES)
    assert_round_trip(log, FixtureVm("plain", DEMAND), TIMES)


def test_irregular_intervals_are_kept() -> None:
    times = irregular_times(40, seed=3)
    assert len(set(np.diff(times))) > 10
    vm = FixtureVm("VM1", np.linspace(500, 3000, 40))
    log = read_perfmon(perfmon_csv([vm], times, hosts={"HV01": np.full(40, 4096.0)}), "i.csv")
    assert_round_trip(log, vm, times)
    np.testing.assert_array_equal(log.available_mb["HV01"].times_s, times)


@pytest.mark.parametrize("header, encoding", [
    (HEADER_CUT, "cp1252"), (HEADER_RUSSIAN, "utf-8"), (HEADER_RUSSIAN, "cp1251"),
    (HEADER_INDIA, "cp1252"), (HEADER_TYPEPERF, "cp1252"), ("", "cp1252"),
    ("Время", "utf-16"),
])
def test_the_first_header_cell_is_not_read(header: str, encoding: str) -> None:
    vm = FixtureVm("VM1", DEMAND)
    quirks = Quirks(header=header, encoding=encoding)
    log = read_perfmon(perfmon_csv([vm], TIMES, quirks=quirks), "h.csv")
    same_logs(log, read_perfmon(perfmon_csv([vm], TIMES), "h.csv"))


def test_several_hosts_give_one_trace_per_host_and_instance() -> None:
    vms = [FixtureVm("VM1", DEMAND, host="HV01"), FixtureVm("VM1", DEMAND[::-1], host="HV02"),
           FixtureVm("VM2", DEMAND, host="hv-03.contoso.com")]
    hosts = {"HV01": AVAILABLE, "HV02": AVAILABLE[::-1], "hv-03.contoso.com": AVAILABLE}
    log = read_perfmon(perfmon_csv(vms, TIMES, hosts=hosts, quirks=Quirks(shuffle=1)), "s.csv")
    assert [(vm.host, vm.name) for vm in log.vms] == [  # by host, case-insensitively
        ("hv-03.contoso.com", "VM2"), ("HV01", "VM1"), ("HV02", "VM1")]
    for vm in vms:
        assert_round_trip(log, vm, TIMES)
    for host, available in hosts.items():
        np.testing.assert_array_equal(log.available_mb[host].values, available)


def test_balancer_instances_per_numa_node_are_summed() -> None:
    nodes = {"Balancer 0": [4000.0, 3000.0, 2000.0], "Balancer 1": [1000.0, float("nan"), 500.0]}
    log = read_perfmon(perfmon_csv([], [0, 1, 2], hosts={"HV01": nodes}), "numa.csv")
    np.testing.assert_array_equal(log.available_mb["HV01"].values, [5000, np.nan, 2500])
    assert log.vms == []
    assert log.problems == ["HV01: no System Balancer column, so Available Memory is the sum "
                            "of the balancer instances 'Balancer 0', 'Balancer 1'"]


def test_system_balancer_wins_over_per_node_instances() -> None:
    instances = {"Balancer 0": [1.0, 2.0], "System Balancer": [10.0, 20.0],
                 "Balancer 1": [3.0, 4.0]}
    log = read_perfmon(perfmon_csv([], [0, 1], hosts={"HV01": instances}), "numa.csv")
    np.testing.assert_array_equal(log.available_mb["HV01"].values, [10, 20])
    assert log.problems == ["HV01: Available Memory from System Balancer; the balancer "
                            "instances 'Balancer 0', 'Balancer 1' are not added to it"]


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8", "utf-8-sig", "utf-16", "utf-16-le"])
@pytest.mark.parametrize("newline", ["\r\n", "\n"])
def test_encodings_and_line_endings(encoding: str, newline: str) -> None:
    vm = FixtureVm("Prüfung", DEMAND)
    quirks = Quirks(encoding=encoding, newline=newline)
    assert_round_trip(read_perfmon(perfmon_csv([vm], TIMES, quirks=quirks), "u.csv"), vm, TIMES)


def test_typeperf_six_decimals_and_whole_percent_pressure() -> None:
    vm = FixtureVm("VM1", DEMAND)
    quirks = Quirks(header=HEADER_TYPEPERF, decimals=6, integer_pressure=True,
                    blank_first_average=False)
    log = read_perfmon(perfmon_csv([vm], TIMES, quirks=quirks), "t.csv")
    assert_round_trip(log, vm, TIMES, quirks)
    # Whole-percent pressure loses up to half a percent of the assigned memory.
    error = np.abs(trace(log, "VM1").demand_mb.values - DEMAND)
    assert (error <= vm.assigned() * 0.005 + 1e-9).all()


# --- units and the guest-side log ------------------------------------------------------


def test_units_mb_counters_stay_mb_and_counts_are_not_read() -> None:
    vm = FixtureVm("VM1", DEMAND, physical_mb=[1024, 2048, 2048, 1536, 1024, 1024])
    log = read_perfmon(perfmon_csv([vm], TIMES, quirks=Quirks(noise_columns=5)), "u.csv")
    got = trace(log, "VM1")
    np.testing.assert_array_equal(got.added_mb.values, [0, 1024, 1024, 1024, 1024, 1024])
    np.testing.assert_array_equal(got.removed_mb.values, [0, 0, 0, 512, 1024, 1024])
    np.testing.assert_array_equal(got.guest_visible_mb.values, [1024, 2048, 2048, 2048,
                                                                2048, 2048])
    assert [vm.name for vm in log.vms] == ["VM1"]  # not NOISE (Memory Add Operations only)
    assert log.available_mb == {}  # Balancer Average Pressure is a percent, not read


def test_guest_side_committed_bytes_is_demand_in_mb() -> None:
    committed = [1257.125, 1300.0, 2048.5, 900.0, 901.0, 902.0]
    log = read_perfmon(perfmon_csv([], TIMES, guests={"GUEST7": committed}), "guest.csv")
    (vm,) = log.vms
    assert (vm.name, vm.host, vm.physical_mb, vm.current_pressure) == ("GUEST7", "GUEST7",
                                                                       None, None)
    np.testing.assert_allclose(vm.demand_mb.values, committed, rtol=0, atol=1 / BYTES_PER_MB)
    np.testing.assert_array_equal(vm.demand_mb.times_s, TIMES)


def test_committed_bytes_of_a_host_logging_dynamic_memory_is_not_a_vm() -> None:
    data = perfmon_csv([FixtureVm("VM1", DEMAND)], TIMES, guests={"HV01": DEMAND, "G": DEMAND})
    log = read_perfmon(data, "mixed.csv")
    assert [(vm.host, vm.name) for vm in log.vms] == [("G", "G"), ("HV01", "VM1")]
    assert log.problems == ["'\\\\HV01\\Memory\\Committed Bytes' ignored: HV01 logs "
                            "Hyper-V Dynamic Memory counters, so it is a host, and its "
                            "Committed Bytes are not a VM's demand"]


def test_demand_needs_both_physical_memory_and_current_pressure() -> None:
    vm = FixtureVm("VM1", DEMAND, counters=("Physical Memory", "Average Pressure"))
    got = trace(read_perfmon(perfmon_csv([vm], TIMES), "d.csv"), "VM1")
    assert got.demand_mb is None and got.current_pressure is None
    np.testing.assert_array_equal(got.physical_mb.values, vm.assigned())


# --- damaged files ---------------------------------------------------------------------


def lines_of(data: bytes) -> list[str]:
    return data.decode("cp1252").split("\r\n")


def test_rows_with_unreadable_times_are_skipped_and_counted() -> None:
    lines = lines_of(perfmon_csv([FixtureVm("VM1", DEMAND)], TIMES))
    lines[2] = lines[2].replace(timestamp(TIMES[1]), "27.11.2024 10:00:15")
    lines[4] = lines[4].replace(timestamp(TIMES[3]), "13/40/2024 10:00:45.000")
    log = read_perfmon("\r\n".join(lines).encode(), "t.csv")
    np.testing.assert_array_equal(trace(log, "VM1").physical_mb.times_s,
                                  [TIMES[0], TIMES[2], TIMES[4], TIMES[5]])
    assert log.problems == ["2 rows skipped: the first cell is not a time "
                            "MM/dd/yyyy HH:mm:ss.fff (first at line 3)"]


def test_times_that_go_back_or_repeat_are_skipped_and_reported() -> None:
    times = [0.0, 15.0, 10.0, 15.0, 30.0]
    log = read_perfmon(perfmon_csv([FixtureVm("VM1", DEMAND[:5])], times), "back.csv")
    got = trace(log, "VM1")
    np.testing.assert_array_equal(got.physical_mb.times_s, [0, 15, 30])
    np.testing.assert_allclose(got.demand_mb.values, [DEMAND[0], DEMAND[1], DEMAND[4]])
    assert log.problems == ["2 rows skipped: the time is not after the previous sample's "
                            "(first at line 4)"]


def test_ragged_rows() -> None:
    lines = lines_of(perfmon_csv([FixtureVm("VM1", DEMAND, counters=("Physical Memory",
                                                                     "Current Pressure"))],
                                 TIMES))
    lines[2] = lines[2].rsplit(",", 1)[0]  # Current Pressure missing
    lines[3] += ',"1","2"'
    log = read_perfmon("\r\n".join(lines).encode(), "r.csv")
    got = trace(log, "VM1")
    assert np.isnan(got.current_pressure.values[1]) and np.isnan(got.demand_mb.values[1])
    assert np.isfinite(got.current_pressure.values[[0, 2, 3, 4, 5]]).all()
    assert log.problems == [
        "1 row with fewer cells than the header: the missing values are read as blank "
        "(first at line 3)",
        "1 row with more cells than the header: the extra cells are ignored (first at line 4)"]


def test_cells_that_are_not_numbers_are_blank_and_counted() -> None:
    lines = lines_of(perfmon_csv([FixtureVm("VM1", DEMAND, counters=("Physical Memory",))],
                                 TIMES))
    for row, text in ((2, "n/a"), (4, "1,5"), (5, "inf"), (6, "1_000")):
        lines[row] = lines[row].rsplit(",", 1)[0] + f',"{text}"'
    log = read_perfmon("\r\n".join(lines).encode(), "c.csv")
    got = trace(log, "VM1").physical_mb.values
    assert np.isnan(got[[1, 3, 4, 5]]).all() and np.isfinite(got[[0, 2]]).all()
    assert log.problems == ["4 cells not a number, read as blank (first at line 3, "
                            "column 2: 'n/a')"]


def test_a_repeated_column_is_read_once() -> None:
    path = "\\\\HV01\\Hyper-V Dynamic Memory VM(V\x01)\\Physical Memory"
    rows = [["(PDH-CSV 4.0)", path, path], [timestamp(0), "1024", "9"], [timestamp(1), " ", "9"]]
    log = read_perfmon(write_rows(rows, Quirks(encoding="utf-8")), "rep.csv")
    np.testing.assert_array_equal(trace(log, "V\x01").physical_mb.values, [1024, np.nan])
    assert log.problems == ["column 3 repeats '\\\\HV01\\Hyper-V Dynamic Memory VM(V\\x01)"
                            "\\Physical Memory': the first one is used"]


def test_the_log_starts_at_its_first_readable_sample() -> None:
    lines = lines_of(perfmon_csv([FixtureVm("VM1", DEMAND)], TIMES))
    lines[1] = lines[1].replace(timestamp(0), "")
    log = read_perfmon("\r\n".join(lines).encode(), "late.csv")
    assert log.started == timestamp(TIMES[1])
    np.testing.assert_allclose(trace(log, "VM1").physical_mb.times_s,
                               np.subtract(TIMES[1:], TIMES[1]))


def test_one_sample_is_a_log() -> None:
    log = read_perfmon(perfmon_csv([FixtureVm("VM1", [700.0])], [0.0]), "one.csv")
    np.testing.assert_array_equal(trace(log, "VM1").demand_mb.times_s, [0.0])
    np.testing.assert_allclose(trace(log, "VM1").demand_mb.values, [700.0])


def test_a_huge_number_of_columns() -> None:
    vm = FixtureVm("VM1", DEMAND)
    data = perfmon_csv([vm], TIMES, quirks=Quirks(noise_columns=20_000, shuffle=5))
    assert_round_trip(read_perfmon(data, "wide.csv"), vm, TIMES)


@pytest.mark.parametrize("data, says", [
    (b"", "the file is empty"),
    (b"\r\n\r\n", "the file is empty"),
    (perfmon_csv([FixtureVm("VM1", DEMAND)], []), "no samples (only the header line)"),
    (perfmon_csv([], TIMES, quirks=Quirks(noise_columns=5)),
     "no Dynamic Memory counter in the header (looked for \\\\HOST\\Hyper-V Dynamic Memory "
     "VM(NAME)\\ with Physical Memory, Guest Visible Physical Memory, Current Pressure, "
     "Average Pressure, Added Memory, Removed Memory; \\\\HOST\\Hyper-V Dynamic Memory "
     "Balancer(...)\\Available Memory; or a guest's \\\\GUEST\\Memory\\Committed Bytes)"),
    (b'"(PDH-CSV 4.0)","\\\\H\\Hyper-V Dynamic Memory VM()\\Physical Memory"\r\n"x","1"',
     "no Dynamic Memory counter in the header"),
    (write_rows([["(PDH-CSV 4.0)", "\\\\H\\Memory\\Committed Bytes"], ["yesterday", "1"]]),
     "no sample has a time MM/dd/yyyy HH:mm:ss.fff (line 2 starts 'yesterday')"),
    (b'"a","' + b"x" * 200_000 + b'"', "not a perfmon CSV file (field larger than field limit"),
    (b"\xff\xfe\x00\xd8", "not valid UTF-16-LE text"),
])
def test_files_that_are_refused_in_one_line_naming_them(data: bytes, says: str) -> None:
    assert says in refused(data, "C:\\logs\\dm.csv")


def test_looks_like_perfmon() -> None:
    text = perfmon_csv([FixtureVm("VM1", DEMAND)], TIMES).decode("cp1252")
    assert looks_like_perfmon(text)
    assert looks_like_perfmon("\ufeff" + text)
    assert looks_like_perfmon('"(PDH-CSV 4.0) (RTZ 2 (\n')
    assert looks_like_perfmon('"Time","\\\\HV01\\Hyper-V Dynamic Memory VM(a)\\Physical Memory"')
    assert looks_like_perfmon('"Time","\\\\HV01\\Memory\\Committed Bytes"\r\n')
    for other in ('[{"Name":"VM1","MemoryStartup":4294967296}]', '<?xml version="1.0"?>',
                  '[{"Name":"VM1","Path":"C:\\\\ProgramData\\\\Microsoft\\\\Hyper-V"}]',
                  "time_s,vm,state\n0,VM1,Running\n", "", "\\\\"):
        assert not looks_like_perfmon(other)


# --- nothing else ever escapes -----------------------------------------------------------


def check_any_input(data: bytes) -> None:
    assert looks_like_perfmon(data.decode("utf-8", errors="replace")) in (True, False)
    try:
        log = read_perfmon(data, "fuzz.csv")
    except ImportProblem as problem:
        message = str(problem)
        assert message.startswith("fuzz.csv: ") and len(message.splitlines()) == 1
        return
    assert isinstance(log, PerfmonLog) and (log.vms or log.available_mb)
    for series in [s for vm in log.vms for s in vars(vm).values() if hasattr(s, "values")] + [
            *log.available_mb.values()]:
        assert len(series.times_s) == len(series.values)
        assert (np.diff(series.times_s) > 0).all() and series.times_s[0] == 0
    assert all(len(line.splitlines()) == 1 for line in log.problems)


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
VALID = perfmon_csv([FixtureVm("W(1), x", DEMAND), FixtureVm("W#1", DEMAND)], TIMES,
                    hosts={"HV01": {"Balancer 0": AVAILABLE, "Balancer 1": AVAILABLE}},
                    guests={"G": DEMAND})


@FUZZ
@given(st.binary(max_size=2000))
@example(b"\x00" * 10)
@example(b'"(PDH-CSV 4.0)","\\\\H\\Hyper-V Dynamic Memory VM(\x00)\\Current Pressure"\n'
         b'"1/1/1 0:00:00","\x00"')
def test_random_bytes_never_raise_anything_else(data: bytes) -> None:
    check_any_input(data)


@FUZZ
@given(st.text(max_size=300), st.sampled_from(["utf-8", "utf-16", "cp1252"]))
def test_random_text_after_a_valid_header_never_raises_anything_else(text: str,
                                                                     encoding: str) -> None:
    header = VALID.decode("cp1252").split("\r\n", 1)[0]
    check_any_input((header + "\r\n" + text).encode(encoding, errors="replace"))


@FUZZ
@given(st.data())
def test_mutated_valid_logs_never_raise_anything_else(data: st.DataObject) -> None:
    text = VALID.decode("cp1252")
    for _ in range(data.draw(st.integers(1, 6))):
        at = data.draw(st.integers(0, len(text)))
        cut = data.draw(st.integers(0, 20))
        insert = data.draw(st.text(alphabet='",\\()#\r\n 0123456789./:x\x00', max_size=8))
        text = text[:at] + insert + text[at + cut:]
    check_any_input(text.encode("utf-8"))


# --- the fast reader reads what the csv module reads (issue 10 §5) ------------------------


def assert_fast_reads_as_csv(data: bytes) -> None:
    """The file is one the fast reader takes, and it gives the csv reader's table: the
    same columns, first time, problem lines, times and values, bit for bit."""
    text = decode_text(data, "f.csv")
    simple = perfmon._simple_layout(data, text)
    fast = perfmon._read_simple(simple) if simple is not None else None
    assert fast is not None, "the fast reader declined the file"
    slow = perfmon._read_csv(text, "f.csv")
    assert (fast.columns, fast.started, fast.problems) == (slow.columns, slow.started,
                                                           slow.problems)
    assert fast.times.tobytes() == slow.times.tobytes()
    assert fast.values.keys() == slow.values.keys()
    for index, values in slow.values.items():
        assert fast.values[index].tobytes() == values.tobytes(), index


def damaged_log() -> bytes:
    """Every quirk the fast reader handles itself: blanks, unreadable and backward
    times, ragged rows, cells that are not plain numbers, several hosts, #n instances,
    NUMA balancers, a guest, unread columns in any order."""
    times = list(irregular_times(30, seed=4))
    times[7], times[12] = times[5], times[3]  # repeat, then go back
    vms = [FixtureVm("WEB01", np.linspace(400, 3000, 30), blanks={"Physical Memory": [0, 9],
                                                                  "Current Pressure": [3]}),
           FixtureVm("WEB01#1", np.linspace(3000, 400, 30), host="HV02"),
           FixtureVm("SQL (prod), 2", np.full(30, 1234.5), host="hv03")]
    data = perfmon_csv(vms, times, hosts={"HV01": np.full(30, 8192.0),
                                          "HV02": {"Balancer 0": np.arange(30.0),
                                                   "Balancer 1": np.arange(30.0)}},
                       guests={"G1": np.linspace(600, 700, 30)},
                       quirks=Quirks(shuffle=3, noise_columns=7))
    rows = list(csv.reader(io.StringIO(data.decode("cp1252"), newline="")))
    rows[2][0] = "27.11.2024 10:00:15"
    rows[4][0] = f" {rows[4][0]}0 "  # not the usual form, but a time
    rows[5] = rows[5][:-4]
    rows[6] += ["1", "2"]
    web = rows[0].index("\\\\HV01\\Hyper-V Dynamic Memory VM(WEB01)\\Physical Memory")
    for row, cell in enumerate(["n/a", "inf", "-nan", "1_000", "-", "5.", ".5", "+5", " 5",
                                "1e5", "  ", "", "-0", "-12.50", "0.000000000000000001",
                                "123456789012345678901", "x"], start=9):
        rows[row][web] = cell
    return write_rows(rows)


@pytest.mark.parametrize("block_bytes", [1 << 22, 1, 300])
def test_fast_reader_on_a_damaged_log(monkeypatch, block_bytes: int) -> None:
    monkeypatch.setattr(perfmon, "_BLOCK_BYTES", block_bytes)  # 1: a block a line
    assert_fast_reads_as_csv(damaged_log())
    problems = read_perfmon(damaged_log(), "d.csv").problems
    assert [line.split(":")[0].split(" (")[0] for line in problems] == [
        "1 row skipped", "2 rows skipped", "1 row with fewer cells than the header",
        "1 row with more cells than the header", "5 cells not a number, read as blank",
        "HV02", "HV02"]


@pytest.mark.parametrize("quirks", [
    Quirks(), Quirks(newline="\n"), Quirks(encoding="utf-8-sig"), Quirks(encoding="utf-16"),
    Quirks(header=HEADER_RUSSIAN, encoding="utf-8"), Quirks(decimals=6, integer_pressure=True),
])
def test_fast_reader_on_each_way_of_writing(quirks: Quirks) -> None:
    vms = [FixtureVm("Prüfung", DEMAND), FixtureVm("VM2", DEMAND[::-1], blanks={
        "Added Memory": [1, 2]})]
    assert_fast_reads_as_csv(perfmon_csv(vms, TIMES, hosts={"HV01": AVAILABLE},
                                         quirks=quirks))


@pytest.mark.parametrize("change", [
    lambda text: text.replace('"734"', '"7,34"', 1),  # a comma in a cell
    lambda text: text.replace('"734"', '"7""34"', 1),  # a quote in a cell
    lambda text: text.replace('"734"', "734", 1),  # not quoted
    lambda text: text.replace('"734"', '"7\r34"', 1),  # a CR in a cell
    lambda text: text.replace('"734"', '"7é4"', 1),
    lambda text: text + '"x',  # a quoted cell running to the end
])
def test_other_files_are_left_to_the_csv_module(change) -> None:
    rows = [[HEADER_TYPEPERF, "\\\\H\\Hyper-V Dynamic Memory VM(V)\\Physical Memory"],
            [timestamp(0), "734"], [timestamp(1), "1024"]]
    data = change(write_rows(rows).decode()).encode("utf-8")
    simple = perfmon._simple_layout(data, decode_text(data, "o.csv"))
    assert simple is None or perfmon._read_simple(simple) is None


DECIMAL = st.from_regex(r"\A-?[0-9]{1,19}(\.[0-9]{1,19})?\Z")
ODD_CELL = st.sampled_from([" ", "", "  ", "-", ".", "5.", ".5", "+5", "1e5", "1E-5", "nan",
                            "inf", "1_0", " 5", "5 ", "--5", "1.2.3", "0x10", "\t7"])


@FUZZ
@given(st.lists(st.one_of(DECIMAL, ODD_CELL, st.floats().map(lambda x: format(x, ".17g"))),
                min_size=1, max_size=60))
def test_cells_read_in_bulk_are_what_float_reads(cells: list[str]) -> None:
    rows = [[HEADER_TYPEPERF, "\\\\H\\Hyper-V Dynamic Memory VM(V)\\Physical Memory"]]
    assert_fast_reads_as_csv(write_rows(rows + [[timestamp(n), cell]
                                                for n, cell in enumerate(cells)]))


def read_with_csv_only(data: bytes) -> PerfmonLog | str:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(perfmon, "_simple_layout", lambda data, text: None)
        return read_or_problem(data)


def read_or_problem(data: bytes) -> PerfmonLog | str:
    try:
        return read_perfmon(data, "m.csv")
    except ImportProblem as problem:
        return str(problem)


@FUZZ
@given(st.data())
def test_mutated_logs_read_the_same_with_or_without_the_fast_reader(data) -> None:
    text = VALID.decode("cp1252")
    for _ in range(data.draw(st.integers(1, 6))):
        at = data.draw(st.integers(0, len(text)))
        cut = data.draw(st.integers(0, 20))
        insert = data.draw(st.text(alphabet='",\r\n -0123456789./:xe_', max_size=8))
        text = text[:at] + insert + text[at + cut:]
    log, expected = read_or_problem(text.encode()), read_with_csv_only(text.encode())
    if isinstance(expected, str):
        assert log == expected
    else:
        same_logs(log, expected)
