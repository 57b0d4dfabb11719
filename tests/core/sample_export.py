"""The shipped example of a Hyper-V host's exports (``resources/samples/hyperv-export``).

A *synthetic* host, written with the test fixture generators in exactly the shapes
Windows writes (Windows PowerShell 5.1 ``ConvertTo-Json``, a perfmon data collector's
CSV), so a newcomer can try ``dmgui import`` without a host. Nothing in it was
measured: the "measured" Physical Memory follows a simple stand-in for a host, written
here and independent of dmgui's model (the target demand × (1 + buffer), reached 30 s
late when growing and at most 2 % of Startup RAM per 15 s sample when shrinking), so
the calibration shows a plausible, imperfect match rather than a perfect one.

Regenerate after changing it (``tests/core/test_sample_export.py`` checks the shipped
files are what this writes)::

    python tests/core/sample_export.py
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from perfmon_fixtures import FixtureVm, perfmon_csv  # noqa: E402
from powershell_fixtures import (  # noqa: E402
    Host,
    Vm,
    get_vm_json,
    get_vmhost_json,
    get_vmmemory_json,
)

FOLDER = Path(__file__).resolve().parents[2] / "resources" / "samples" / "hyperv-export"
HOST = "LAB-HV01"
INTERVAL_S = 15
HOURS = 4
#: The VMs: settings (MB) and the shape of their demand over the four hours.
VMS = (
    Vm("WEB01", startup_mb=1024, minimum_mb=512, maximum_mb=4096, buffer=20, priority=50,
       state=2, host=HOST),
    Vm("SQL01", startup_mb=2048, minimum_mb=1024, maximum_mb=8192, buffer=10, priority=80,
       state=2, host=HOST),
    Vm("FILE01", startup_mb=512, minimum_mb=512, maximum_mb=2048, buffer=25, priority=50,
       state=2, host=HOST),
    Vm("APP01", dynamic=False, startup_mb=2048, minimum_mb=2048, maximum_mb=2048,
       state=2, host=HOST),
    Vm("TEST01", startup_mb=1024, minimum_mb=512, maximum_mb=2048, buffer=20, state=3,
       host=HOST),
)


def demand(name: str, t: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A plausible demand curve (MB) for each Dynamic Memory VM that runs."""
    hours = t / 3600.0
    if name == "WEB01":  # a morning rush and a smaller afternoon one
        base = 700 + 900 * np.exp(-((hours - 1.0) / 0.5) ** 2) \
            + 500 * np.exp(-((hours - 3.0) / 0.4) ** 2)
        return base * (1 + 0.04 * rng.standard_normal(t.size))
    if name == "SQL01":  # a cache that grows, a nightly-style job at 2 h
        base = 1800 + 1200 * (1 - np.exp(-hours / 1.5))
        job = np.where((hours > 2.0) & (hours < 2.5), 1500.0, 0.0)
        return base + job + 30 * rng.standard_normal(t.size)
    if name == "FILE01":  # bursts of copies
        bursts = (np.sin(2 * math.pi * hours * 3) > 0.6) * 500.0
        return 380 + bursts + 20 * rng.standard_normal(t.size)
    raise ValueError(name)


def host_assigned(vm: Vm, demand_mb: np.ndarray) -> np.ndarray:
    """The stand-in host's Physical Memory per sample (see the module docstring)."""
    target = np.clip(np.ceil(demand_mb * (1 + vm.buffer / 100) / 2) * 2,
                     vm.minimum_mb, vm.maximum_mb)
    late = np.concatenate([target[:2], target[:-2]])  # 30 s = two samples late
    out = np.empty_like(target)
    current = float(vm.startup_mb)
    step = 0.02 * vm.startup_mb
    for k, want in enumerate(late):
        current = want if want >= current else max(want, current - step)
        out[k] = math.floor(current / 2) * 2
    return out


def files() -> dict[str, bytes]:
    """The example's files, by name."""
    rng = np.random.default_rng(2024)
    t = np.arange(0, HOURS * 3600 + 1, INTERVAL_S, dtype=float)
    traced = []
    total = np.zeros(t.size)
    for vm in VMS:
        if not vm.dynamic or vm.state != 2:
            total += vm.startup_mb if vm.state == 2 else 0
            continue
        d = np.maximum(demand(vm.name, t, rng), 64.0)
        physical = host_assigned(vm, d)
        total += physical
        traced.append(FixtureVm(vm.name, demand_mb=d.round(1).tolist(), host=HOST,
                                physical_mb=physical.tolist()))
    capacity_mb = 16384
    available = capacity_mb - 1024 - total  # a stand-in root reserve and overheads
    return {
        "get-vm.json": get_vm_json(list(VMS)),
        "get-vmmemory.json": get_vmmemory_json(list(VMS)),
        "get-vmhost.json": get_vmhost_json([Host(HOST, memory_bytes=capacity_mb * 2**20)]),
        "perfmon.csv": perfmon_csv(traced, t.tolist(), hosts={HOST: available.tolist()}),
    }


def main() -> int:
    FOLDER.mkdir(parents=True, exist_ok=True)
    for name, data in files().items():
        (FOLDER / name).write_bytes(data)
        print(f"wrote {FOLDER / name} ({len(data):,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
