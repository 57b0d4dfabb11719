"""One point of a plan: build the candidate scenario, simulate it, judge it.

:func:`evaluate_point` is the unit of work the executors run (a process pool or a Dask
cluster), so it is a top-level function of picklable arguments.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np

from dmgui.core.model.scenario import Scenario, VirtualMachine
from dmgui.core.planning.candidates import (
    Mode,
    copy_names_for,
    static_version,
    with_copies,
)
from dmgui.core.planning.criterion import Criterion, Judge, Verdict
from dmgui.core.sim import compiled
from dmgui.core.sim.engine import Simulation


class PlanCancelled(Exception):
    """The user cancelled the plan."""


BLOCK_S = 900  # simulated seconds per engine block (a failed run stops at the next)


@dataclass(frozen=True)
class PlanSpec:
    """What every point of one plan shares."""

    scenario: Scenario
    template: str
    criterion: Criterion
    tolerance: float
    horizon_s: int
    static_size: str | int
    step_s: float  # seconds between copies' starts
    seed: int | None = None
    #: Set to stop a simulation between blocks — only for one run in this process
    #: (an Event does not travel to a worker process; see :func:`plan`).
    cancel: threading.Event | None = field(default=None, compare=False)


@dataclass(frozen=True)
class PointResult:
    """A simulated count: ``copies`` copies of the template on top of the scenario."""

    mode: Mode
    copies: int
    vms: int
    verdict: Verdict
    #: Seconds simulated: the horizon, or less for a run stopped once it had failed
    #: for certain (its figures then cover that time).
    simulated_s: int = 0

    def to_dict(self) -> dict[str, object]:
        """A row of the JSON contract's ``curve``."""
        v = self.verdict
        return {"mode": self.mode.value, "vms": self.vms, "fits": v.fits,
                "failed_starts": v.failed_starts,
                "worst_paging_fraction": round(v.worst_paging_fraction, 6),
                "worst_low_fraction": round(v.worst_low_fraction, 6),
                "min_available_mb": round(v.min_available_mb, 1),
                "simulated_s": self.simulated_s}


def candidate(spec: PlanSpec, mode: Mode, copies: int) -> Scenario:
    """The scenario simulated for ``copies`` copies in ``mode``."""
    scenario = with_copies(spec.scenario, spec.template, copies, spec.step_s)
    if mode is Mode.STATIC:
        sized = {spec.template, *copy_names_for(spec.scenario, spec.template, copies)}
        scenario = static_version(scenario, sized, spec.static_size, spec.criterion,
                                  spec.tolerance, spec.horizon_s, spec.seed)
    return scenario


def evaluate_point(spec: PlanSpec, mode: Mode, copies: int) -> PointResult:
    """Simulate ``copies`` copies in ``mode`` over the horizon and judge the run; a
    run stops as soon as it has failed for certain."""
    compiled.warm_up()  # once per process: the compiled balancer, if Numba is here
    scenario = candidate(spec, mode, copies)
    judge = judge_for(scenario, spec.tolerance, spec.horizon_s)
    sim = Simulation(scenario, seed=spec.seed)
    for block in sim.run(spec.horizon_s, block_s=BLOCK_S):
        if spec.cancel is not None and spec.cancel.is_set():
            raise PlanCancelled()
        judge.add(block)
        if judge.failed_for_certain(spec.criterion, sim.time, spec.horizon_s):
            break
    stopped = sim.time if sim.time < spec.horizon_s else None
    return PointResult(mode, copies, len(scenario.vms),
                       judge.verdict(spec.criterion, stopped), sim.time)


def judge_for(scenario: Scenario, tolerance: float, horizon_s: int) -> Judge:
    """A :class:`Judge` for ``scenario``'s VMs."""
    vms: list[VirtualMachine] = list(scenario.vms)
    return Judge([vm.name for vm in vms],
                 np.array([vm.boot_delay_s for vm in vms], float),
                 np.array([vm.memory.buffer_percent for vm in vms], float),
                 tolerance, horizon_s)
