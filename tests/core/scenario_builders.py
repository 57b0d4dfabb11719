"""Builders for engine test scenarios: plain dicts, validated by ``parse_scenario``.

Every builder returns the JSON shape of the scenario contract, so a test reads
like the scenario file it stands for. Hosts default to ``vm_overhead_mb = 0``,
``hot_add_delay_s = 0`` and ``reserve_mb = 0`` so that the arithmetic in the tests stays exact.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from dmgui.core.model.scenario import Scenario, parse_scenario
from dmgui.core.sim.block import Block
from dmgui.core.sim.engine import Simulation


def dm(
    startup: int = 1024,
    minimum: int = 512,
    maximum: int = 4096,
    buffer: int = 20,
    weight: int = 5000,
) -> dict:
    """Dynamic Memory settings."""
    return {
        "dynamic_memory_enabled": True,
        "startup_mb": startup,
        "minimum_mb": minimum,
        "maximum_mb": maximum,
        "buffer_percent": buffer,
        "weight": weight,
    }


def static(startup: int = 1024, weight: int = 5000) -> dict:
    """Static memory settings."""
    return {"dynamic_memory_enabled": False, "startup_mb": startup, "weight": weight}


def constant(mb: float) -> dict:
    return {"kind": "constant", "mb": mb}


def trace(points: Sequence[tuple[float, float]], interpolation: str = "step") -> dict:
    return {
        "kind": "trace",
        "points": [list(p) for p in points],
        "interpolation": interpolation,
    }


def vm(
    name: str,
    memory: dict | None = None,
    workload: dict | None = None,
    *,
    autostart: bool = True,
    integration_services: bool = True,
    boot_delay_s: int | None = None,
    autostart_delay_s: int | None = None,
) -> dict:
    out = {
        "name": name,
        "memory": memory if memory is not None else dm(),
        "workload": workload if workload is not None else constant(256),
        "autostart": autostart,
        "integration_services": integration_services,
    }
    if boot_delay_s is not None:
        out["boot_delay_s"] = boot_delay_s
    if autostart_delay_s is not None:
        out["autostart_delay_s"] = autostart_delay_s
    return out


def host(
    memory_mb: int = 8192,
    version: str = "2012R2",
    reserve_mb: int = 0,
    vm_overhead_mb: int = 0,
    hot_add_delay_s: int = 0,
    balloon_rate_percent: float = 5.0,
) -> dict:
    return {
        "memory_mb": memory_mb,
        "version": version,
        "reserve_mb": reserve_mb,
        "vm_overhead_mb": vm_overhead_mb,
        "hot_add_delay_s": hot_add_delay_s,
        "balloon_rate_percent": balloon_rate_percent,
    }


def event(at_s: int, vm_name: str, action: str, memory: dict | None = None) -> dict:
    out = {"at_s": at_s, "vm": vm_name, "action": action}
    if memory is not None:
        out["memory"] = memory
    return out


def scenario(
    vms: Iterable[dict],
    host_: dict | None = None,
    events: Iterable[dict] = (),
    seed: int = 0,
) -> Scenario:
    return parse_scenario(
        {
            "schema_version": 1,
            "host": host_ if host_ is not None else host(),
            "vms": list(vms),
            "events": list(events),
            "seed": seed,
        }
    )


def simulate(
    sc: Scenario, ticks: int, seed: int | None = None
) -> tuple[Simulation, Block]:
    """Run ``ticks`` seconds in one block."""
    sim = Simulation(sc, seed=seed)
    return sim, sim.advance(ticks)


def concat(blocks: Sequence[Block]) -> dict[str, np.ndarray]:
    """Stack the arrays of consecutive blocks (events excluded)."""
    return {k: np.concatenate([getattr(b, k) for b in blocks]) for k in Block.ARRAYS}


def kinds(sim: Simulation, vm_name: str | None = None) -> list[str]:
    """Kinds of the event records so far, optionally for one VM."""
    return [e.kind for e in sim.event_log if vm_name is None or e.vm == vm_name]


def records(sim: Simulation, kind: str, vm_name: str | None = None) -> list:
    return [
        e
        for e in sim.event_log
        if e.kind == kind and (vm_name is None or e.vm == vm_name)
    ]
