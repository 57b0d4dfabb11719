"""How much a scenario's VMs could share over a day: the sum of each VM's peak demand
divided by the peak of their total demand (1.0: they all peak together, nothing to
share). The README's planner section quotes these figures.

    python tests/benchmarks/peak_sharing.py resources/scenarios/vdi-pool-2008r2.json ...
"""

from __future__ import annotations

import sys

import numpy as np

from dmgui.core.model.scenario import load_scenario
from dmgui.core.planning.candidates import start_times
from dmgui.core.sim.workload_bank import WorkloadBank


def sharing(path: str, horizon_s: int = 86400) -> tuple[float, float]:
    """(sum of the VMs' peak demands, peak of their total demand), MB."""
    sc = load_scenario(path)
    bank = WorkloadBank([v.workload for v in sc.vms], seed=sc.seed,
                        names=[v.name for v in sc.vms])
    demand = bank.demand(np.arange(horizon_s, dtype=np.int64), start_times(sc))
    return float(demand.max(axis=0).sum()), float(demand.sum(axis=1).max())


if __name__ == "__main__":
    for name in sys.argv[1:]:
        peaks, total = sharing(name)
        print(f"{name}: sum of peaks {peaks:,.0f} MB, peak of the sum {total:,.0f} MB, "
              f"ratio {peaks / total:.2f}")
