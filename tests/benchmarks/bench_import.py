"""Import benchmark (issue 10 §5): ``dmgui import`` of a week-long perfmon log.

Run from the repository root::

    python tests/benchmarks/bench_import.py               # 7 days, 50 VMs, 15 s
    python tests/benchmarks/bench_import.py --days 1      # quick
    python tests/benchmarks/bench_import.py --mb 200      # a 200 MB log (issue 10 §4)

1. **generate** (in a child process: neither timed nor in the peak-memory figure):
   a perfmon log exactly as a data collector set writes it (the generator of
   ``tests/core/perfmon_fixtures.py``: PDH-CSV 4.0, every cell quoted,
   ``MM/dd/yyyy HH:mm:ss.fff`` times a few ms off the ``--interval``, full-precision
   doubles, ``" "`` blanks, CRLF, Windows-1252), with the six Dynamic Memory counters
   of ``--vms`` VMs (Physical Memory, Guest Visible Physical Memory, Current and
   Average Pressure, Added and Removed Memory) and the balancer's Available Memory,
   over ``--days`` days (``--mb``: as many days as make a file of about that size);
   plus ``Get-VM | ConvertTo-Json`` and ``Get-VMMemory * | ConvertTo-Json`` for the
   VMs (``tests/core/powershell_fixtures.py``). Each VM's demand is a base, a daily
   cycle, a random walk and short spikes; about 0.1 % of the cells are blank, and one
   VM is off for two hours (every cell of it blank);
2. **import**: ``dmgui.cli.main(["import", LOG, VM.json, MEMORY.json, "-o",
   OUT.json])`` in this process, timed from the call to its return (reading, parsing,
   merging, downsampling, writing the scenario: what a user waits for), ``--repeat``
   times. Peak memory is the process's peak RSS (``ru_maxrss``) read right after;
   it includes the process baseline (interpreter, numpy, pydantic), printed too;
3. **split**: the same steps called one by one, each timed once: reading the files,
   ``read_perfmon`` (decoding and parsing the log), reading the inventories,
   ``combine`` (merge, downsampling, validation), writing (``scenario_to_json`` and
   the atomic write).

The last line is machine-readable: ``import_s=<n> rows=<n> peak_mb=<n>``, where
``import_s`` is the median of the runs. Targets (issue 10 §5): 40,320 rows × 300
columns in <= 10 s and under 1 GB. This is a script, not a test: nothing here asserts
on timings.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import io
import multiprocessing
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

try:
    import resource  # Unix only: peak RSS
except ImportError:  # pragma: no cover - Windows
    resource = None

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for the fixtures
from core.perfmon_fixtures import VM_COUNTERS, FixtureVm, perfmon_csv  # noqa: E402
from core.powershell_fixtures import Vm, get_vm_json, get_vmmemory_json  # noqa: E402

HOST = "HV01"
PREFIXES = ("WEB", "SQL", "APP", "DC", "FS", "RDS", "EXCH", "BUILD", "TEST", "CACHE")


# --------------------------------------------------------------------- files
def _demand(rows: int, interval_s: float, rng: np.random.Generator) -> np.ndarray:
    """One VM's demand (MB): base + daily cycle + random walk + short spikes."""
    hours = np.arange(rows) * interval_s / 3600
    base = float(rng.choice([512, 768, 1024, 1536, 2048, 3072, 4096, 6144]))
    daily = base * rng.uniform(0.1, 0.8) * np.clip(
        np.sin(2 * np.pi * (hours - rng.uniform(0, 24)) / 24), 0, None)
    walk = np.cumsum(rng.normal(0, base * 0.002, rows))
    walk -= np.linspace(0, walk[-1], rows)  # no drift over the week
    spikes = np.zeros(rows)
    for start in rng.integers(0, rows, size=max(1, rows // 2000)):
        spikes[start:start + int(rng.integers(2, 40))] += base * rng.uniform(0.2, 1.0)
    return np.round(np.clip(base + daily + walk + spikes, 200, None), 1)


def _fixture_vms(rows: int, vms: int, interval_s: float, seed: int) -> list[FixtureVm]:
    rng = np.random.default_rng(seed)
    fixtures = []
    for n in range(vms):
        name = f"{PREFIXES[n % len(PREFIXES)]}{n // len(PREFIXES) + 1:02d}"
        blanks = {counter: set(rng.choice(rows, size=max(1, rows // 1000), replace=False)
                               .tolist()) for counter in VM_COUNTERS}
        if n == 7:  # off for two hours: every counter blank
            off = range(rows // 3, min(rows, rows // 3 + int(7200 / interval_s)))
            blanks = {counter: cells | set(off) for counter, cells in blanks.items()}
        fixtures.append(FixtureVm(name, _demand(rows, interval_s, rng), HOST, blanks=blanks))
    return fixtures


def _inventory(fixtures: list[FixtureVm]) -> list[Vm]:
    """Settings that hold each VM's measured Physical Memory."""
    return [Vm(vm.name, dynamic=True, startup_mb=1024, minimum_mb=512,
               maximum_mb=int(np.ceil(vm.assigned().max() / 1024) * 1024 + 1024),
               state=2, host=HOST) for vm in fixtures]


def perfmon_log(rows: int, vms: int, interval_s: float, seed: int = 10) -> bytes:
    """The log's bytes: ``rows`` samples of ``vms`` VMs and the host's balancer."""
    rng = np.random.default_rng(seed + 1)
    times = np.arange(rows) * interval_s + rng.integers(0, 12, rows) / 1000
    fixtures = _fixture_vms(rows, vms, interval_s, seed)
    total = sum(np.ceil(vm.assigned().max()) for vm in fixtures) * 1.1
    available = total - sum(vm.assigned() for vm in fixtures)
    available[rng.choice(rows, size=max(1, rows // 1000), replace=False)] = np.nan
    return perfmon_csv(fixtures, times, hosts={HOST: available})


def generate(folder: str, rows: int, vms: int, interval_s: float) -> dict[str, str]:
    """Write the log and both inventories into ``folder``; their paths."""
    paths = {name: str(Path(folder, name)) for name in ("perfmon.csv", "get-vm.json",
                                                        "get-vmmemory.json")}
    Path(paths["perfmon.csv"]).write_bytes(perfmon_log(rows, vms, interval_s))
    inventory = _inventory(_fixture_vms(rows, vms, interval_s, seed=10))
    Path(paths["get-vm.json"]).write_bytes(get_vm_json(inventory))
    Path(paths["get-vmmemory.json"]).write_bytes(get_vmmemory_json(inventory))
    return paths


def rows_for_mb(mb: float, vms: int, interval_s: float) -> int:
    """How many rows make a log of about ``mb`` MB (measured on 500 rows)."""
    sample = perfmon_log(500, vms, interval_s)
    return int(mb * 2**20 / (len(sample) / 500))


def generate_in_child(folder: str, rows: int, vms: int, interval_s: float) -> dict[str, str]:
    """:func:`generate` in a fresh process, so its memory is not this one's peak."""
    spawn = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=spawn) as pool:
        return pool.submit(generate, folder, rows, vms, interval_s).result()


def kept_files(folder: str, rows: int, vms: int, interval_s: float) -> dict[str, str]:
    """The files for these sizes in ``folder``, generated unless already there."""
    sub = Path(folder, f"{rows}x{vms}at{interval_s:g}")
    names = ("perfmon.csv", "get-vm.json", "get-vmmemory.json")
    if not all((sub / name).is_file() for name in names):
        sub.mkdir(parents=True, exist_ok=True)
        return generate_in_child(str(sub), rows, vms, interval_s)
    return {name: str(sub / name) for name in names}


# --------------------------------------------------------------------- timing
def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KB, macOS bytes)."""
    if resource is None:
        return float("nan")
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / 2**20


def timed_import(paths: dict[str, str], out: str) -> tuple[float, list[str]]:
    """``dmgui import`` end to end; its wall time and its report (stderr) lines."""
    from dmgui.cli import main

    argv = ["import", *paths.values(), "-o", out]
    report = io.StringIO()
    with contextlib.redirect_stderr(report):
        start = time.perf_counter()
        status = main(argv)
        elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"dmgui import failed ({status}): {report.getvalue().strip()}")
    return elapsed, report.getvalue().splitlines()


def split(paths: dict[str, str], out: str) -> dict[str, float]:
    """The import's steps one by one, as ``dmgui import`` calls them; seconds each."""
    from dmgui.core.files import read_input, resolve_output, write_text
    from dmgui.core.formats.combine import combine, read_host_file
    from dmgui.core.formats.perfmon import read_perfmon
    from dmgui.core.model.scenario import scenario_to_json

    steps: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        steps[name], clock = now - clock, now

    files = [read_input(path) for path in paths.values()]
    lap("read files")
    log = read_perfmon(files[0].data, files[0].path)
    lap("read_perfmon")
    inventories = [read_host_file(f.data, f.path) for f in files[1:]]
    lap("inventories")
    result = combine([log, *inventories])
    lap("combine")
    write_text(resolve_output(out), scenario_to_json(result.scenario))
    lap("writing")
    return steps


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--days", type=float, default=7, help="days of samples (7)")
    p.add_argument("--vms", type=int, default=50, help="VMs in the log (50)")
    p.add_argument("--interval", type=float, default=15, help="seconds per sample (15)")
    p.add_argument("--mb", type=float, default=None,
                   help="instead of --days: as many days as make a log of about MB")
    p.add_argument("--repeat", type=int, default=3, help="timed imports (3)")
    p.add_argument("--keep", metavar="DIR", default=None,
                   help="generate the files into DIR and reuse them on later runs with "
                   "the same sizes (default: a temporary folder, removed)")
    args = p.parse_args(argv)
    rows = (round(args.days * 86400 / args.interval) if args.mb is None
            else rows_for_mb(args.mb, args.vms, args.interval))

    with contextlib.ExitStack() as stack:
        folder = args.keep or stack.enter_context(tempfile.TemporaryDirectory(
            prefix="bench_import_"))
        start = time.perf_counter()
        paths = kept_files(folder, rows, args.vms, args.interval)
        size = Path(paths["perfmon.csv"]).stat().st_size
        print(f"log: {rows:,} rows ({rows * args.interval / 86400:.1f} days at "
              f"{args.interval:g} s) x {6 * args.vms + 1} columns ({args.vms} VMs x 6 "
              f"counters + Available Memory), {size / 2**20:.1f} MB; ready in "
              f"{time.perf_counter() - start:.1f} s (generated or kept; not timed)")

        import dmgui.cli  # noqa: F401  (imported before the baseline, as a user's run has)

        base_mb = peak_rss_mb()
        out = str(Path(folder, "scenario.json"))
        runs, report = [], []
        for _ in range(args.repeat):
            elapsed, report = timed_import(paths, out)
            runs.append(elapsed)
        peak_mb = peak_rss_mb()
        print(f"report: {report[0] if report else '(none)'} ({len(report)} lines)")
        print(f"scenario: {Path(out).stat().st_size / 2**20:.1f} MB")
        print(f"import: {', '.join(f'{s:.2f}' for s in runs)} s; best {min(runs):.2f} s, "
              f"median {statistics.median(runs):.2f} s (target <= 10)")
        print(f"  peak RSS {peak_mb:.0f} MB (before the import {base_mb:.0f} MB; "
              "target < 1024)")
        steps = split(paths, out)
        print("split: " + ", ".join(f"{name} {s:.2f} s" for name, s in steps.items()))
    print(f"import_s={statistics.median(runs):.2f} rows={rows} peak_mb={peak_mb:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
