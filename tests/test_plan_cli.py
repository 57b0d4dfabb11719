"""``dmgui plan`` and ``dmgui advise`` from the command line (issue 9 §1, §2, §5, §6):
the JSON contract, the human summary, the executors and every bad input."""

from __future__ import annotations

import csv
import json
import time

import pytest

from dmgui.cli import main

# The planner's paper host (tests/core/test_planner.py): ok → static 6, dynamic 7.
PAPER = {
    "schema_version": 1, "name": "Paper",
    "host": {"name": "HV01", "memory_mb": 4096, "reserve_mb": 0, "vm_overhead_mb": 0,
             "hot_add_delay_s": 0, "version": "2012R2"},
    "vms": [{"name": "T", "autostart": True,
             "memory": {"dynamic_memory_enabled": True, "startup_mb": 512,
                        "minimum_mb": 256, "maximum_mb": 2048, "buffer_percent": 20,
                        "weight": 5000},
             "workload": {"kind": "constant", "mb": 500}}],
}
FAST = ["--horizon", "2h", "--max-vms", "20", "--workers", "1", "--no-progress"]


@pytest.fixture
def paper(tmp_path):
    path = tmp_path / "paper.json"
    path.write_text(json.dumps(PAPER))
    return path


def test_plan_json_follows_the_contract(paper, tmp_path):
    out = tmp_path / "plan.json"
    assert main(["plan", str(paper), *FAST, "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert set(data) == {"template", "criterion", "tolerance", "horizon_s", "static",
                         "dynamic", "density_gain", "curve", "sweep"}
    assert data["template"] == "T" and data["criterion"] == "ok"
    assert data["tolerance"] == 0.01 and data["horizon_s"] == 7200
    assert data["static"]["max_vms"] == 6 and data["dynamic"]["max_vms"] == 7
    assert set(data["static"]["limited_by"]) == {"vm", "reason", "at_s"}
    assert data["density_gain"] == pytest.approx(7 / 6 - 1, abs=1e-4)
    for row in data["curve"]:
        assert {"mode", "vms", "fits", "failed_starts", "worst_paging_fraction",
                "worst_low_fraction", "min_available_mb"} <= set(row)
    assert data["sweep"] == []


def test_plan_prints_a_human_summary(paper, capfd):
    assert main(["plan", str(paper), *FAST]) == 0
    line = capfd.readouterr().out.strip()
    assert line.startswith("Static: 6 VMs · Dynamic Memory: 7 VMs (+17 %) · one more: ")


def test_plan_csv_and_sweep(paper, tmp_path, capfd):
    out = tmp_path / "curve.csv"
    assert main(["plan", str(paper), *FAST, "--csv", str(out),
                 "--sweep", "buffer=5,20"]) == 0
    rows = list(csv.DictReader(out.read_text().splitlines()))
    assert {r["mode"] for r in rows} == {"static", "dynamic"}
    assert main(["plan", str(paper), *FAST, "--sweep", "buffer=5,20"]) == 0
    text = capfd.readouterr().out
    assert "buffer=5: Dynamic Memory" in text and "buffer=20: Dynamic Memory 7 VMs" in text


def test_a_process_pool_gives_the_local_answer(paper, tmp_path):
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    assert main(["plan", str(paper), *FAST, "--json", str(one)]) == 0
    pool = [a if a != "1" else "2" for a in FAST]
    assert main(["plan", str(paper), *pool, "--json", str(two)]) == 0
    assert json.loads(one.read_text()) == json.loads(two.read_text())


def test_a_dask_cluster_gives_the_local_answer(paper, tmp_path):
    distributed = pytest.importorskip("distributed")
    local, remote = tmp_path / "local.json", tmp_path / "dask.json"
    sweep = ["--sweep", "buffer=10,20"]
    assert main(["plan", str(paper), *FAST, *sweep, "--json", str(local)]) == 0
    # Any free ports: another run on this machine may hold the default ones.
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  scheduler_port=0, dashboard_address=":0") as cluster:
        args = [a for a in FAST if a not in ("--workers", "1")]
        assert main(["plan", str(paper), *args, *sweep, "--dask",
                     cluster.scheduler_address, "--json", str(remote)]) == 0
    assert json.loads(local.read_text()) == json.loads(remote.read_text())


def test_an_unreachable_scheduler_is_one_line_within_15_s(paper, capsys):
    start = time.monotonic()
    assert main(["plan", str(paper), "--dask", "tcp://127.0.0.1:9"]) == 2
    assert time.monotonic() - start < 15
    err = capsys.readouterr().err.strip()
    assert err.startswith("dmgui: error: ") and "\n" not in err


@pytest.mark.parametrize(("args", "message"), [
    (["--vm", "NOPE"], "no VM named 'NOPE'"),
    (["--horizon", "0"], "duration"),
    (["--horizon", "soon"], "invalid duration"),
    (["--sweep", "buffer"], "invalid sweep"),
    (["--sweep", "buffer=a,b"], "invalid sweep values"),
    (["--sweep", "colour=1"], "invalid sweep"),
    (["--sweep", "buffer=3"], "sweep point buffer=3"),
    (["--sweep", "buffer=5", "--sweep", "buffer=10"], "given twice"),
    (["--criterion", "fast"], "invalid criterion"),
    (["--static-size", "huge"], "invalid static size"),
    (["--static-size", "1001"], "static size of 'T'"),
    (["--tolerance", "150%"], "below 100 %"),
    (["--tolerance", "x"], "invalid tolerance"),
    (["--max-vms", "0"], "invalid number of VMs"),
    (["--workers", "0"], "invalid number of workers"),
    (["--workers", "2", "--dask", "tcp://x:1"], "do not go together"),
])
def test_bad_plan_input_is_one_line_exit_2_nothing_written(paper, tmp_path, capsys, args,
                                                           message):
    out = tmp_path / "never.json"
    assert main(["plan", str(paper), "--horizon", "10m", *args, "--json", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err
    assert not out.exists()


def test_max_vms_below_the_scenarios_own_count_is_refused(tmp_path, capsys):
    two = dict(PAPER, vms=[PAPER["vms"][0], dict(PAPER["vms"][0], name="U")])
    path = tmp_path / "two.json"
    path.write_text(json.dumps(two))
    assert main(["plan", str(path), "--vm", "T", "--max-vms", "1"]) == 2
    assert "below the scenario's own 2 VMs" in capsys.readouterr().err


def test_several_vms_need_vm_and_the_names_are_listed(tmp_path, capsys):
    two = dict(PAPER, vms=[PAPER["vms"][0], dict(PAPER["vms"][0], name="U")])
    path = tmp_path / "two.json"
    path.write_text(json.dumps(two))
    assert main(["plan", str(path), "--horizon", "10m"]) == 2
    assert "T, U" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["plan", "advise"])
def test_no_output_lands_on_the_scenario(paper, capsys, command):
    before = paper.read_bytes()
    assert main([command, str(paper), "--horizon", "10m", "--json", str(paper)]) == 2
    assert paper.read_bytes() == before
    assert "\n" not in capsys.readouterr().err.strip()


def test_advise_prints_and_writes_the_advice(paper, tmp_path, capfd):
    out = tmp_path / "advice.json"
    assert main(["advise", str(paper), *FAST, "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["template"] == "T" and data["density_before"] == 7
    assert data["density_after"] >= data["density_before"]
    (vm,) = data["vms"]
    assert vm["advised"]["buffer_percent"] == 5  # a constant demand never grows
    assert set(vm["reasons"]) == {"startup_mb", "minimum_mb", "maximum_mb",
                                  "buffer_percent", "weight"}
    assert main(["advise", str(paper), *FAST]) == 0
    text = capfd.readouterr().out
    assert text.startswith("Density of T under 'ok': 7 VMs as written")


@pytest.mark.parametrize(("args", "message"), [
    (["--vm", "NOPE"], "no VM named 'NOPE'"),
    (["--criterion", "x"], "invalid criterion"),
    (["--horizon", "-1"], "invalid duration"),
])
def test_bad_advise_input_is_one_line_exit_2(paper, capsys, args, message):
    assert main(["advise", str(paper), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err


def test_an_interrupted_plan_leaves_no_worker_running(paper, tmp_path):
    import signal
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "dmgui", "plan", str(paper),
                             "--horizon", "7d", "--workers", "2", "--no-progress",
                             "--json", str(tmp_path / "out.json")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        time.sleep(6)  # the pool is up and simulating
        children = _children(proc.pid)
        assert children, "the plan should have started its workers"
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 128 + signal.SIGTERM
    assert b"stopped by SIGTERM" in err
    time.sleep(1)
    alive = [pid for pid in children if _state(pid) not in (None, "Z")]
    assert not alive
    assert not (tmp_path / "out.json").exists()


def _stat(pid: int | str) -> list[str] | None:
    """The fields after the command name in /proc/PID/stat (None: no such process)."""
    from pathlib import Path

    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def _state(pid: int) -> str | None:
    stat = _stat(pid)
    return stat[0] if stat else None


def _children(pid: int) -> list[int]:
    """PIDs whose parent is ``pid`` (Linux /proc)."""
    import os

    return [int(e) for e in os.listdir("/proc")
            if e.isdigit() and (stat := _stat(e)) and int(stat[1]) == pid]


def test_python_m_dmgui_plans_on_a_spawned_pool(paper, tmp_path):
    # Spawned workers import the main module again: `python -m dmgui` must not run
    # dmgui once more in each of them.
    import subprocess
    import sys

    out = tmp_path / "plan.json"
    done = subprocess.run([sys.executable, "-m", "dmgui", "plan", str(paper), *FAST[:4],
                           "--workers", "2", "--no-progress", "--json", str(out)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text())["dynamic"]["max_vms"] == 7
    assert done.stderr == ""
