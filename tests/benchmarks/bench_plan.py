"""Planner benchmark (issue 9 §5): ``dmgui plan`` on the default scenario, and a
20-point sweep.

Run from the repository root::

    python tests/benchmarks/bench_plan.py              # 24 h horizon, all cores
    python tests/benchmarks/bench_plan.py --horizon 2h --workers 1   # quick

1. **plan**: the built-in home server, template WIN7-01, criterion ok, 24 h horizon,
   a local process pool of ``--workers`` (default: the cores) — exactly what
   ``dmgui plan --vm WIN7-01`` does, timed from the call to the answer (the pool's
   start-up included);
2. **sweep**: the same plus ``--sweep buffer=5,10,15,20,25,30,40,50,75,100
   --sweep startup=512,1024`` (20 points).

``plan_vm_ticks_per_s`` is every simulated VM-tick of the plan (VMs × seconds actually
simulated, over every count tried) divided by the plan's wall time.

The last line is machine-readable: ``plan_s=<n> sweep_s=<n> plan_vm_ticks_per_s=<n>``.
Targets (issue 9 §5): plan <= 10 s and sweep <= 60 s on a 2-core machine.
This is a script, not a test: nothing here asserts on timings.
"""

from __future__ import annotations

import argparse
import time

from dmgui.core.args import parse_duration
from dmgui.core.model.scenario import load_scenario
from dmgui.core.planning.executors import default_workers, local_executor
from dmgui.core.planning.planner import PlanRequest, PlanResult, plan
from dmgui.core.resources import default_scenario_path

SWEEP = {"buffer": [5, 10, 15, 20, 25, 30, 40, 50, 75, 100], "startup": [512, 1024]}


def timed_plan(request: PlanRequest, workers: int) -> tuple[PlanResult, float]:
    """Plan the default scenario on a fresh pool; the wall time includes the pool."""
    scenario = load_scenario(default_scenario_path())
    start = time.perf_counter()
    executor = local_executor(workers)
    try:
        result = plan(scenario, request, executor)
    finally:
        executor.shutdown()
    return result, time.perf_counter() - start


def vm_ticks(result: PlanResult) -> int:
    """VM-ticks simulated for the plan's curve."""
    return sum(p.vms * p.simulated_s for p in result.curve)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--horizon", type=parse_duration, default=86400)
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--no-sweep", action="store_true")
    args = parser.parse_args()
    request = PlanRequest(template="WIN7-01", horizon_s=args.horizon)
    result, plan_s = timed_plan(request, args.workers)
    print(result.summary())
    print(f"plan: {len(result.curve)} simulations, {vm_ticks(result):,} VM-ticks, "
          f"{plan_s:.1f} s on {args.workers} workers")
    sweep_s = float("nan")
    if not args.no_sweep:
        swept, sweep_s = timed_plan(PlanRequest(template="WIN7-01", horizon_s=args.horizon,
                                                sweep=SWEEP), args.workers)
        for row in swept.sweep:
            print(f"  buffer={row['buffer']:>3} startup={row['startup']:>4}: "
                  f"{row['max_vms']} VMs, gain {row['density_gain']}")
        print(f"sweep: {len(swept.sweep)} points, {sweep_s:.1f} s")
    rate = vm_ticks(result) / plan_s
    print(f"plan_s={plan_s:.1f} sweep_s={sweep_s:.1f} plan_vm_ticks_per_s={rate:.0f}")


if __name__ == "__main__":
    main()
