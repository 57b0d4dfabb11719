"""The density planner on hosts whose answers are worked out on paper (issue 9).

The host has 4096 MB for VMs (no reserve, no per-VM overhead). Each template VM's
guest commits a constant 500 MB; Dynamic Memory: Startup 512, Minimum 256, Maximum
2048, buffer 20 % (target 600 MB).

* ``ok``: dynamic — 7 VMs share 4096 MB: 585 MB each, 85 MB of a 100 MB buffer is
  AvailableMemoryBuffer 85 > 80, Memory Status OK; 8 VMs get 512 each, buffer 12 %:
  Low. Static (peak for ok = 500 × 1.2 = 600 MB): 6 × 600 = 3600; the 7th needs
  600 and 496 is free, so it fails to start. Gain 7 / 6 − 1.
* ``no-paging``: dynamic — 8 × 512 = 4096 MB, no paging; 9 commit 4500 MB and page.
  Static (peak = 500 MB): 8 × 500 = 4000; a 9th fails to start.
* ``starts``: static as for no-paging, 8. Dynamic — a start may balloon the others
  down to their Minimum (256): 14 × 256 + 512 = 4096, so 15 start; a 16th finds
  15 × 256 = 3840 MB taken at best, 256 free < 512, and fails.
"""

from __future__ import annotations

import pytest
from scenario_builders import constant, dm, event, host, scenario, static, vm

from dmgui.core.planning.candidates import (
    Mode,
    PlanError,
    stagger_step,
    static_version,
    with_copies,
)
from dmgui.core.planning.criterion import Criterion
from dmgui.core.planning.evaluate import PlanSpec, evaluate_point
from dmgui.core.planning.executors import InlineExecutor
from dmgui.core.planning.planner import PlanRequest, plan
from dmgui.core.planning.search import CountSearch

HORIZON = 2 * 3600


def _host_of(template_memory=None, workload=None, **vm_kw):
    return scenario([vm("T", template_memory or dm(512, 256, 2048, buffer=20),
                        workload or constant(500), **vm_kw)], host(4096))


@pytest.mark.parametrize(("criterion", "static_vms", "dynamic_vms"), [
    (Criterion.OK, 6, 7),
    (Criterion.NO_PAGING, 8, 8),
    (Criterion.STARTS, 8, 15),
])
def test_the_paper_host_for_each_mode_and_criterion(criterion, static_vms, dynamic_vms):
    result = plan(_host_of(), PlanRequest(criterion=criterion, horizon_s=HORIZON,
                                          max_vms=20))
    assert result.template == "T"
    assert result.static.max_vms == static_vms
    assert result.dynamic.max_vms == dynamic_vms
    assert result.density_gain == pytest.approx(dynamic_vms / static_vms - 1)
    data = result.to_dict()
    assert data["static"]["max_vms"] == static_vms
    assert data["dynamic"]["max_vms"] == dynamic_vms
    # Both the answer and the count above it were simulated, in each mode.
    for mode, answer in (("static", static_vms), ("dynamic", dynamic_vms)):
        tried = {row["vms"]: row["fits"] for row in data["curve"] if row["mode"] == mode}
        assert tried[answer] is True and tried[answer + 1] is False


def test_what_stops_one_more_is_named():
    result = plan(_host_of(), PlanRequest(horizon_s=HORIZON, max_vms=20))
    static_limit = result.static.limited_by
    assert static_limit.vm == "T-7" and "failed to start" in static_limit.reason
    step = stagger_step(HORIZON, 19)
    assert static_limit.at_s == int(6 * step)  # the 7th VM's start
    dynamic_limit = result.dynamic.limited_by
    assert "Low or Warning" in dynamic_limit.reason
    assert 0 <= dynamic_limit.at_s < HORIZON
    assert "Static: 6 VMs · Dynamic Memory: 7 VMs (+17 %)" in result.summary()


def test_a_static_template_is_the_same_in_both_modes():
    # Static 1000 MB: 4 × 1000 = 4000 fit, the 5th fails to start in both modes.
    result = plan(_host_of(static(1000)), PlanRequest(horizon_s=HORIZON, max_vms=20))
    assert result.static.max_vms == result.dynamic.max_vms == 4
    assert result.density_gain == 0


def test_the_search_never_simulates_every_count():
    result = plan(_host_of(), PlanRequest(horizon_s=HORIZON, max_vms=200,
                                          criterion=Criterion.STARTS))
    dynamic = [p for p in result.curve if p.mode is Mode.DYNAMIC]
    assert len(dynamic) <= 2 * 5 + 1  # doubling to 16, bisection back to 14
    assert len({p.copies for p in dynamic}) == len(dynamic)  # none twice


def test_the_cap_is_reported():
    result = plan(_host_of(static(256), constant(200)),
                  PlanRequest(horizon_s=600, max_vms=5))
    assert result.dynamic.max_vms == 5 and result.dynamic.capped
    assert result.to_dict()["dynamic"]["limited_by"]["reason"] == "reached --max-vms"


def test_a_scenario_that_does_not_fit_as_written_says_so():
    sc = scenario([vm("T", static(1024)), vm("BIG", static(3500))], host(4096))
    result = plan(sc, PlanRequest(template="T", horizon_s=600, max_vms=10))
    assert result.static.max_vms is None and result.dynamic.max_vms is None
    assert result.density_gain is None
    assert "does not fit" in result.summary()


def test_copies_are_staggered_and_named_like_clones():
    sc = with_copies(_host_of(), "T", 3, step=30)
    assert [v.name for v in sc.vms] == ["T", "T-2", "T-3", "T-4"]
    assert [v.autostart_delay_s for v in sc.vms] == [0, 30, 60, 90]


def test_copies_of_an_event_started_template_get_shifted_events():
    sc = scenario([vm("T", dm(512, 256, 2048), constant(300), autostart=False)],
                  host(4096), [event(100, "T", "start")])
    sc2 = with_copies(sc, "T", 2, step=10)
    assert [(e.vm, e.at_s) for e in sc2.events] == [("T", 100), ("T-2", 110), ("T-3", 120)]


def test_static_peak_leaves_out_only_the_tolerated_seconds():
    # Demand 500 MB except 600 MB for 30 s of a 2 h run (0.4 % < 1 %): the peak
    # size for no-paging is 500 with a 1 % tolerance and 600 with none.
    work = {"kind": "trace", "points": [[0, 500], [3000, 600], [3030, 500]],
            "interpolation": "step"}
    sc = _host_of(workload=work)
    one = static_version(sc, {"T"}, "peak", Criterion.NO_PAGING, 0.01, HORIZON)
    none = static_version(sc, {"T"}, "peak", Criterion.NO_PAGING, 0.0, HORIZON)
    ok = static_version(sc, {"T"}, "peak", Criterion.OK, 0.0, HORIZON)
    assert one.vms[0].memory.startup_mb == 500
    assert none.vms[0].memory.startup_mb == 600
    assert ok.vms[0].memory.startup_mb == 720  # 600 × 1.2
    assert not ok.vms[0].memory.dynamic_memory_enabled


@pytest.mark.parametrize(("size", "expected"), [("maximum", 2048), ("startup", 512),
                                                (1000, 1000)])
def test_static_sizes_by_choice(size, expected):
    sc = static_version(_host_of(), {"T"}, size, Criterion.OK, 0.01, HORIZON)
    assert sc.vms[0].memory.startup_mb == expected


def test_an_odd_static_size_is_refused_with_hyper_v_reason():
    with pytest.raises(PlanError, match="T"):
        static_version(_host_of(), {"T"}, 1001, Criterion.OK, 0.01, HORIZON)


def test_a_point_is_judged_after_the_boot():
    # One VM whose demand exceeds its 512 MB static memory for the first 10 s only:
    # it boots for 20 s, so those seconds are not judged.
    work = {"kind": "trace", "points": [[0, 900], [10, 300]], "interpolation": "step"}
    spec = PlanSpec(_host_of(static(512), work), "T", Criterion.NO_PAGING, 0.0, 600,
                    "peak", 30)
    point = evaluate_point(spec, Mode.DYNAMIC, 0)
    assert point.verdict.fits and point.verdict.worst_paging_fraction == 0


def test_count_search_doubles_then_bisects():
    search = CountSearch(max_copies=100)
    fits_up_to = 11
    asked = []

    class _R:
        def __init__(self, c):
            self.copies, self.vms = c, c + 1
            self.verdict = type("V", (), {"fits": c <= fits_up_to, "limited_by": None})

    while (count := search.next_count()) is not None:
        asked.append(count)
        search.tell(_R(count))
    assert asked == [0, 1, 2, 4, 8, 16, 12, 10, 11]
    assert search.answer.copies == 11


@pytest.mark.parametrize(("request_kw", "message"), [
    ({"template": "NOPE"}, "no VM named 'NOPE'"),
    ({"horizon_s": 0}, "horizon"),
    ({"tolerance": 1.0}, "tolerance"),
    ({"max_vms": 0}, "below the scenario's own"),
    ({"sweep": {"colour": [1]}}, "cannot sweep"),
    ({"static_size": "huge"}, "static size"),
    ({"sweep": {"buffer": [3]}}, "sweep point buffer=3"),
])
def test_bad_requests_are_one_line(request_kw, message):
    with pytest.raises(PlanError, match=message) as err:
        plan(_host_of(), PlanRequest(**{"horizon_s": 600, **request_kw}), InlineExecutor())
    assert "\n" not in str(err.value)


def test_a_template_that_never_starts_is_refused():
    sc = _host_of(autostart=False)
    with pytest.raises(PlanError, match="never starts"):
        plan(sc, PlanRequest(horizon_s=600))


def test_several_vms_need_a_named_template():
    sc = scenario([vm("A", static(512)), vm("B", static(512))], host(4096))
    with pytest.raises(PlanError, match="--vm.*A, B"):
        plan(sc, PlanRequest(horizon_s=600))


def test_a_sweep_reports_each_point():
    result = plan(_host_of(), PlanRequest(horizon_s=HORIZON, max_vms=20,
                                          sweep={"buffer": [5, 20]}))
    rows = {row["buffer"]: row for row in result.sweep}
    # Buffer 5 %: 8 VMs get 512 each, 12 MB over demand of a 25 MB buffer, 48 %: Low.
    # 7 VMs: 585 each, buffer fully kept: OK. The buffer-20 point is the plan itself.
    assert rows[20]["max_vms"] == result.dynamic.max_vms == 7
    assert rows[5]["max_vms"] >= 7
    assert rows[20]["density_gain"] == pytest.approx(7 / 6 - 1, abs=1e-4)


def test_a_run_that_failed_for_certain_stops_early_with_the_same_verdict():
    spec = PlanSpec(_host_of(), "T", Criterion.OK, 0.01, HORIZON, "peak",
                    stagger_step(HORIZON, 19))
    point = evaluate_point(spec, Mode.STATIC, 6)  # the 7th static VM cannot start
    assert not point.verdict.fits and point.simulated_s < HORIZON
    assert point.verdict.limited_by.vm == "T-7"
    fitting = evaluate_point(spec, Mode.STATIC, 5)
    assert fitting.verdict.fits and fitting.simulated_s == HORIZON


@pytest.mark.parametrize(("hint", "answer"), [(11, 11), (5, 11), (30, 11), (0, 11),
                                              (3, 0), (7, None)])
def test_a_hinted_search_gallops_to_the_same_answer(hint, answer):
    class _R:
        def __init__(self, c):
            self.copies, self.vms = c, c + 1
            fits = answer is not None and c <= answer
            self.verdict = type("V", (), {"fits": fits, "limited_by": None})

    search = CountSearch(max_copies=100, hint=hint)
    asked = []
    while (count := search.next_count()) is not None:
        asked.append(count)
        search.tell(_R(count))
        assert len(asked) < 30
    assert search.answer.copies == answer
    assert len(asked) == len(set(asked))
    if hint == answer:
        assert asked == [hint, hint + 1]  # a right hint costs two simulations


def test_every_copy_starts_within_the_first_quarter_of_a_short_horizon():
    sc = with_copies(_host_of(), "T", 199, stagger_step(600, 199))
    delays = [v.autostart_delay_s for v in sc.vms]
    assert delays == sorted(delays) and max(delays) <= 150


def test_a_horizon_too_short_to_boot_in_is_refused():
    with pytest.raises(PlanError, match="too short.*at least 80 s"):
        plan(_host_of(), PlanRequest(horizon_s=60))  # a 20 s boot: 4 × 20 = 80


def test_judged_windows_follow_the_vms_events():
    from dmgui.core.planning.candidates import judged_windows

    sc = scenario([vm("T", dm(512, 256, 2048), constant(300))], host(4096),
                  [event(1000, "T", "shutdown"), event(2000, "T", "start"),
                   event(3000, "T", "save"), event(3500, "T", "start"),
                   event(4000, "T", "pause"), event(4100, "T", "resume"),
                   event(5000, "T", "restart")])
    # Boot 20 s; a restore or resume is judged at once; a restart stops for 10 s.
    assert judged_windows(sc, 0, 7200) == [(20, 1000), (2020, 3000), (3500, 4000),
                                           (4100, 5000), (5030, 7200)]


def test_peak_size_counts_only_the_judged_seconds():
    # 600 MB for the 30 s before a shutdown at 1000 s and nothing judged after: with a
    # 1 % tolerance of 980 judged seconds (9 s), 600 MB is the peak that must fit.
    work = {"kind": "trace", "points": [[0, 500], [970, 600]], "interpolation": "step"}
    sc = scenario([vm("T", dm(512, 256, 2048), work)], host(4096),
                  [event(1000, "T", "shutdown")])
    sized = static_version(sc, {"T"}, "peak", Criterion.NO_PAGING, 0.01, 7200)
    assert sized.vms[0].memory.startup_mb == 600


def test_cancel_stops_an_inline_simulation_between_blocks():
    import threading
    import time

    from dmgui.core.planning.planner import PlanCancelled

    stop = threading.Event()
    timer = threading.Timer(0.5, stop.set)
    timer.start()
    start = time.monotonic()
    with pytest.raises(PlanCancelled):
        plan(_host_of(), PlanRequest(horizon_s=60 * 86400, max_vms=20), cancel=stop)
    assert time.monotonic() - start < 3  # one 60-day simulation takes far longer
    timer.cancel()
