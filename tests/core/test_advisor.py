"""The settings advisor on hosts whose advice is worked out by hand (issue 9 §2)."""

from __future__ import annotations

import pytest
from scenario_builders import constant, dm, host, scenario, static, trace, vm

from dmgui.core.planning import advisor
from dmgui.core.planning.advisor import advise, measure
from dmgui.core.planning.candidates import PlanError
from dmgui.core.planning.criterion import Criterion
from dmgui.core.planning.planner import PlanRequest

HORIZON = 3600


def _one(workload, memory=None, version="2012R2", guest_os=None):
    machine = vm("T", memory or dm(1024, 512, 4096, buffer=20), workload)
    if guest_os:
        machine["guest_os"] = guest_os
    return scenario([machine], host(8192, version=version))


def test_a_steady_guest_gets_a_small_buffer_and_tight_sizes():
    # Constant 500 MB: no growth, buffer 5 %; 500 × 1.05 = 525 → 526 MB Startup and
    # Maximum; Minimum = the lowest demand, 500 MB.
    result = advise(_one(constant(500)), PlanRequest(horizon_s=HORIZON, max_vms=20))
    (a,) = result.advice
    assert (a.advised.buffer_percent, a.advised.startup_mb, a.advised.minimum_mb,
            a.advised.maximum_mb, a.advised.weight) == (5, 526, 500, 526, 5000)
    assert a.reasons["buffer_percent"] == "p99 of 1-minute demand growth is 0 %: buffer 5 %"
    assert "Startup 526 MB" in a.reasons["startup_mb"]
    assert a.given
    assert result.density_after >= result.density_before


def test_startup_never_goes_below_the_guest_os_recommendation():
    # Windows 7 SP1: 512 MB recommended; demand 300 would give 316 MB.
    result = advise(_one(constant(300), guest_os="win7sp1"),
                    PlanRequest(horizon_s=HORIZON, max_vms=20))
    (a,) = result.advice
    assert a.advised.startup_mb == 512
    assert "recommended for Windows 7 SP1" in a.reasons["startup_mb"]
    assert a.advised.minimum_mb == 300  # still the lowest demand (≤ Startup)


def test_growth_sets_the_buffer():
    # Demand ramps linearly 10 % of 1000 MB per minute, 20 minutes up, 20 down: the
    # p99 of 1-minute growth is the steepest rise relative to demand, 100/1000 = 10 %
    # (at the start of the ramp), so the buffer is 10 %.
    points = [(0, 1000), (1200, 3000), (2400, 1000), (3600, 1000)]
    result = advise(_one(trace(points, "linear")), PlanRequest(horizon_s=HORIZON,
                                                                max_vms=20))
    (a,) = result.advice
    assert a.advised.buffer_percent == 10
    assert a.advised.maximum_mb == pytest.approx(3000 * 1.10, abs=2)


def test_sp1_has_no_separate_minimum():
    result = advise(_one(constant(500), version="2008R2SP1"),
                    PlanRequest(horizon_s=HORIZON, max_vms=20))
    (a,) = result.advice
    assert a.advised.minimum_mb == a.advised.startup_mb
    assert "no separate Minimum" in a.reasons["minimum_mb"]


def test_advice_that_breaks_the_criterion_is_withheld(monkeypatch):
    real = advisor.advise_vm

    def too_small(*args, **kwargs):  # a Maximum below the demand: it would page
        advice = real(*args, **kwargs)
        advice.advised = advice.advised.model_copy(update={"maximum_mb": 400,
                                                           "startup_mb": 400,
                                                           "minimum_mb": 400})
        return advice

    monkeypatch.setattr(advisor, "advise_vm", too_small)
    result = advise(_one(constant(500)), PlanRequest(horizon_s=HORIZON, max_vms=20))
    (a,) = result.advice
    assert not a.given and "fails the criterion" in a.withheld_because
    assert result.scenario.vms[0].memory.maximum_mb == 4096  # unchanged
    assert result.density_after == result.density_before


def test_measure_reports_whether_each_vm_met_the_criterion():
    sc = scenario([vm("A", dm(1024, 512, 1024), constant(1000)),
                   vm("B", dm(1024, 512, 4096), constant(500))], host(8192))
    stats, met = measure(sc, 600, Criterion.OK, 0.01)
    assert met == {"A": False, "B": True}  # A: 1000 of a 1024 Maximum, buffer short
    assert stats["B"].peak_mb == 500 and stats["B"].low_mb == 500


def test_a_scenario_without_dynamic_memory_has_nothing_to_advise():
    with pytest.raises(PlanError, match="no Dynamic Memory VM"):
        advise(_one(constant(500), static(1024)), PlanRequest(horizon_s=600))


def test_a_set_cancel_event_stops_the_advice():
    import threading

    from dmgui.core.planning.planner import PlanCancelled

    stop = threading.Event()
    stop.set()
    with pytest.raises(PlanCancelled):
        advise(_one(constant(500)), PlanRequest(horizon_s=HORIZON), cancel=stop)
