"""The compiled balancer loop and summary fold give NumPy's results, bit for bit.

:mod:`dmgui.core.sim.compiled` promises the same values as the engine's NumPy
loop and the summary's NumPy fold, not merely close ones: every block's assigned
memory, the hot-add waits and every summary statistic are compared for equality
on the shipped scenarios, a contended 300-VM day from the engine benchmark, and
hypothesis' random scenarios (contention, hot-add waits, Smart Paging, failed
starts, settings changes).
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given

# Hypothesis strategies of the engine property tests (this folder is on sys.path).
from test_engine_properties import PROPERTY_SETTINGS, scenarios, smart_paging_scenarios

from dmgui.core.model.scenario import Scenario, load_scenario
from dmgui.core.resources import resource_path
from dmgui.core.sim import compiled
from dmgui.core.sim.engine import Simulation
from dmgui.core.sim.summary import SummaryAccumulator

pytestmark = pytest.mark.skipif(not compiled.warm_up(),
                                reason="Numba is not installed here (or DMGUI_ENGINE=numpy)")

SUMMARY_ARRAYS = ("sum_assigned", "max_assigned", "paging_s", "warning_s", "sum_demand",
                  "added_mb", "removed_mb", "pressure_hist", "on_ticks", "report_ticks",
                  "smart_paging_s")
SUMMARY_SCALARS = ("min_available", "sum_avg_pressure", "pressure_ticks", "ticks")


@contextmanager
def _numpy_path(active: bool):
    """Run the block with the NumPy loops (``active``), then restore the kernels."""
    saved = compiled.balance_segment, compiled.fold_segment
    if active:
        compiled.balance_segment = compiled.fold_segment = None
    try:
        yield
    finally:
        compiled.balance_segment, compiled.fold_segment = saved


def _run(scenario: Scenario, ticks: int, use_compiled: bool, block_s: int = 600):
    """Assigned memory per block, final engine arrays and the summary of one run."""
    with _numpy_path(not use_compiled):
        sim = Simulation(scenario)
        acc = SummaryAccumulator(sim.names)
        assigned = []
        for block in sim.run(ticks, block_s=block_s):
            assigned.append(block.assigned.copy())
            acc.add(block)
        result = acc.result()
    return assigned, sim, acc, result


def assert_same_run(scenario: Scenario, ticks: int, block_s: int = 600) -> None:
    fast = _run(scenario, ticks, True, block_s)
    slow = _run(scenario, ticks, False, block_s)
    for k, (x, y) in enumerate(zip(fast[0], slow[0], strict=True)):
        assert np.array_equal(x, y), f"block {k}: assigned memory differs"
    for name in ("assigned", "guest_visible", "hot_wait", "state"):
        assert np.array_equal(getattr(fast[1].vms, name), getattr(slow[1].vms, name)), name
    for name in SUMMARY_ARRAYS:
        assert np.array_equal(getattr(fast[2], name), getattr(slow[2], name)), name
    for name in SUMMARY_SCALARS:
        assert getattr(fast[2], name) == getattr(slow[2], name), name
    assert fast[3] == slow[3]


def test_pairwise_sum_is_numpys_sum() -> None:
    rng = np.random.default_rng(5)
    from dmgui.core.sim.kernels import pairwise_sum

    for n in [*range(0, 300), 1000, 1001, 8192, 8193, 20_000]:
        a = rng.uniform(0, 5000, n) * 1.37
        assert pairwise_sum(a, 0, n) == np.add.reduce(a), n


@pytest.mark.parametrize("name", ["contention-2012r2.json", "home-server-mix-2008r2.json",
                                  "vdi-pool-2008r2.json", "finance-host-2012r2.json"])
def test_shipped_scenarios_run_the_same(name) -> None:
    scenario = load_scenario(resource_path(f"scenarios/{name}"))
    assert_same_run(scenario, 6 * 3600)


def test_a_contended_benchmark_morning_runs_the_same() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from bench_engine import build_scenario

    scenario = build_scenario(n_vms=300)
    # Up to 11:00 on a host sized below the peaks: boot storm, contended ticks from
    # about 09:00, hot-add waits, runtime settings changes; an odd block size cuts
    # segments at new places.
    assert_same_run(scenario, 11 * 3600, block_s=997)


@PROPERTY_SETTINGS
@given(scenarios(duration=1200))
def test_random_scenarios_run_the_same(scenario) -> None:
    assert_same_run(scenario, 1200, block_s=173)


@PROPERTY_SETTINGS
@given(smart_paging_scenarios(duration=900))
def test_random_smart_paging_scenarios_run_the_same(scenario) -> None:
    assert_same_run(scenario, 900, block_s=211)


def test_dmgui_engine_numpy_turns_the_kernels_off(monkeypatch) -> None:
    monkeypatch.setenv("DMGUI_ENGINE", "numpy")
    assert not compiled.available()
    monkeypatch.setenv("DMGUI_ENGINE", "")
    assert compiled.available()
