"""Tests for dmgui.core.model.workloads: the workload models and WorkloadBank."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from dmgui.core.model.workloads import (
    BootSpikeWorkload,
    BurstyWorkload,
    ConstantWorkload,
    DiurnalWorkload,
    LeakWorkload,
    MediaStreamingWorkload,
    TraceWorkload,
    Workload,
)
from dmgui.core.sim.workload_bank import WorkloadBank

HOUR = 3600
DAY = 86400
ADAPTER = TypeAdapter(Workload)
GENERATOR_KINDS = ["diurnal", "bursty", "media_streaming", "leak", "boot_spike"]


def demand(workloads, times, boot=None, seed=0):
    """Demand [T, N] of a bank built from `workloads` (models or dicts)."""
    bank = WorkloadBank(workloads, seed=seed)
    if boot is None:
        boot = np.zeros(len(bank))
    return bank.demand(np.asarray(times, dtype=np.int64), np.asarray(boot, dtype=float))


def one(workload, times, boot=0.0, seed=0):
    return demand([workload], times, [boot], seed)[:, 0]


def at_hour(h):
    return int(h * HOUR)


# --------------------------------------------------------------------- models
def test_constant_is_flat():
    values = one(ConstantWorkload(mb=1536), np.arange(0, 2 * DAY, 997))
    assert np.all(values == 1536.0)


def test_trace_linear_holds_outside_and_interpolates_inside():
    w = TraceWorkload(kind="trace", points=[(100, 1000), (200, 2000), (400, 0)])
    values = one(w, [0, 99, 100, 150, 200, 300, 399, 400, 10_000])
    np.testing.assert_allclose(values, [1000, 1000, 1000, 1500, 2000, 1000, 10, 0, 0])


def test_trace_step_takes_latest_point_at_or_before_t():
    w = TraceWorkload(points=[(100, 1000), (200, 2000), (400, 0)], interpolation="step")
    values = one(w, [0, 100, 150, 199, 200, 399, 400, 5000])
    np.testing.assert_array_equal(values, [1000, 1000, 1000, 1000, 2000, 2000, 0, 0])


def test_trace_same_second_twice_is_a_jump():
    w = TraceWorkload(points=[(0, 100), (60, 700), (60, 300), (120, 300)])
    values = one(w, [30, 59, 60, 61, 90])
    np.testing.assert_allclose(values, [400, 690, 300, 300, 300])


def test_trace_single_point_is_constant():
    assert np.all(one(TraceWorkload(points=[(500, 42)]), [0, 500, 9999]) == 42)


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ([], "at least one"),
        ([(10, 100), (5, 100)], "non-decreasing"),
        ([(0, 100), (10, -1)], "between 0 and"),
        ([(-5, 100)], "not between 0 and"),
        ([(0, float("nan"))], "finite"),
    ],
)
def test_trace_rejects_bad_points(points, message):
    with pytest.raises(ValidationError, match=message):
        TraceWorkload(points=points)


def test_unknown_kind_is_rejected_naming_the_discriminator():
    with pytest.raises(ValidationError, match="kind"):
        ADAPTER.validate_python({"kind": "sinusoid", "mb": 1})


def test_unknown_field_is_rejected():
    with pytest.raises(ValidationError, match="extra"):
        ADAPTER.validate_python({"kind": "constant", "mb": 1, "mbb": 2})


@pytest.mark.parametrize("kind", GENERATOR_KINDS)
def test_generators_are_valid_with_defaults_only(kind):
    model = ADAPTER.validate_python({"kind": kind})
    assert model.kind == kind
    assert ADAPTER.validate_json(model.model_dump_json()) == model


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "diurnal", "base_mb": 4000, "peak_mb": 1000},
        {"kind": "diurnal", "start_hour": 9, "end_hour": 9},
        {"kind": "diurnal", "noise_pct": 80},
        {"kind": "bursty", "bursts_per_hour": -1},
        {"kind": "media_streaming", "evening_start_hour": 20, "evening_end_hour": 20},
        {"kind": "leak", "restart_every_hours": 0},
        {"kind": "boot_spike", "decay_s": 0},
        {"kind": "constant", "mb": float("inf")},
        {"kind": "diurnal", "seed": -1},
    ],
)
def test_generators_reject_nonsense(data):
    with pytest.raises(ValidationError):
        ADAPTER.validate_python(data)


def test_models_are_frozen():
    with pytest.raises(ValidationError):
        ConstantWorkload(mb=1).mb = 2


# ------------------------------------------------------------------- behaviour
def test_diurnal_shape_without_noise():
    w = DiurnalWorkload(base_mb=1000, peak_mb=5000, noise_pct=0, lunch_dip_pct=20)
    v = one(w, [at_hour(h) for h in (3, 8, 10, 12.5, 15, 18, 22)])
    np.testing.assert_allclose(
        v, [1000, 3000, 5000, 1000 + 4000 * 0.8, 5000, 3000, 1000]
    )


def test_diurnal_is_busy_late_morning_and_near_base_at_night():
    w = DiurnalWorkload(base_mb=1000, peak_mb=5000)
    v = one(w, [at_hour(3), at_hour(11)])
    assert v[1] > v[0] + 3000
    assert abs(v[0] - 1000) <= 1000 * 0.05 + 1e-9


def test_diurnal_day_offset_shifts_the_day():
    w = DiurnalWorkload(noise_pct=0, day_offset_s=-3 * HOUR)  # local time = t - 3 h
    v = one(w, [at_hour(11), at_hour(13)])
    np.testing.assert_allclose(v, [w.base_mb + (w.peak_mb - w.base_mb) / 2, w.peak_mb])


def test_diurnal_night_shift_wraps_past_midnight():
    w = DiurnalWorkload(start_hour=22, end_hour=6, noise_pct=0, lunch_dip_pct=0)
    v = one(w, [at_hour(2), at_hour(12)])
    np.testing.assert_allclose(v, [w.peak_mb, w.base_mb])


def test_diurnal_is_smooth_between_minutes():
    v = one(DiurnalWorkload(), np.arange(at_hour(7), at_hour(10)))
    assert np.max(np.abs(np.diff(v))) < 20  # MB per second: no minute-edge jumps


def test_leak_is_a_sawtooth_that_drops_at_restart():
    w = LeakWorkload(
        base_mb=500, leak_mb_per_hour=60, restart_every_hours=6, restart_phase_hours=1
    )
    t = np.arange(0, 2 * DAY, 30)
    v = one(w, t)
    np.testing.assert_allclose(v, 500 + 60 * ((t / HOUR + 1) % 6))
    restart = at_hour(5)  # 5 h + 1 h of phase = the first restart
    before, after = one(w, [restart - 1, restart])
    assert before == pytest.approx(500 + 60 * (6 - 1 / HOUR))
    assert after == 500


def test_boot_spike_decays_with_uptime():
    w = BootSpikeWorkload(steady_mb=1000, spike_mb=2000, decay_s=100)
    t = np.arange(5000, 6000)
    v = one(w, t, boot=5000.0)
    np.testing.assert_allclose(v, 1000 + 2000 * np.exp(-(t - 5000) / 100), rtol=1e-12)
    assert v[0] == 3000 and np.all(np.diff(v) < 0)


def test_boot_spike_counts_uptime_zero_before_boot_and_when_off():
    w = BootSpikeWorkload(steady_mb=1000, spike_mb=2000)
    assert np.all(one(w, [0, 10, 99], boot=100.5) == 3000)
    assert np.all(one(w, [0, 10_000], boot=np.nan) == 3000)


def test_bursty_has_bursts_and_a_mean_in_between():
    w = BurstyWorkload(
        base_mb=1000, burst_mb=3000, bursts_per_hour=6, burst_seconds=120
    )
    v = one(w, np.arange(DAY), seed=7)
    assert set(np.unique(v)) == {1000.0, 4000.0}
    assert 1000 < v.mean() < 4000
    busy = np.flatnonzero(np.diff((v > 1000).astype(int)) == 1).size
    assert 6 * 24 * 0.6 < busy < 6 * 24 * 1.4  # bursts start at about the set rate


def test_bursty_bursts_last_burst_seconds():
    w = BurstyWorkload(bursts_per_hour=1, burst_seconds=90, seed=3)
    busy = one(w, np.arange(3 * DAY)) > w.base_mb
    edges = np.flatnonzero(np.diff(busy.astype(np.int8)))
    runs = np.diff(edges)[int(not busy[edges[0] + 1]) :: 2]  # lengths of busy runs
    assert runs.size > 10 and np.all(runs >= 90)


def test_bursty_without_bursts_is_flat():
    assert np.all(one(BurstyWorkload(bursts_per_hour=0), np.arange(DAY)) == 1024)


def test_media_streaming_is_idle_at_noon_and_busier_in_the_evening():
    w = MediaStreamingWorkload(idle_mb=800, per_stream_mb=400, max_streams=4)
    days = np.arange(14) * DAY
    noon = one(w, days + at_hour(12))
    evening = one(w, (days[:, None] + np.arange(at_hour(18), at_hour(23), 600)).ravel())
    assert np.all(noon == 800)
    assert evening.mean() > 800 + 400
    streams = (evening - 800) / 400
    assert set(np.unique(streams)) <= set(range(5)) and streams.max() >= 3


def test_media_streaming_changes_only_at_session_boundaries():
    w = MediaStreamingWorkload(session_minutes=30, seed=5)
    v = one(w, np.arange(at_hour(18), at_hour(23)))
    changes = np.flatnonzero(np.diff(v)) + 1 + at_hour(18)
    assert np.all(changes % 1800 == 0)


# ----------------------------------------------------------------- properties
mb = st.floats(0, 1e6)
hour = st.floats(0, 24)
seed = st.none() | st.integers(0, 2**64 - 1)


@st.composite
def trace(draw):
    times = sorted(
        draw(
            st.lists(
                st.floats(0, 5e5) | st.integers(0, 500_000), min_size=1, max_size=8
            )
        )
    )
    values = draw(st.lists(mb, min_size=len(times), max_size=len(times)))
    return TraceWorkload(
        points=list(zip(times, values, strict=True)),
        interpolation=draw(st.sampled_from(["linear", "step"])),
    )


@st.composite
def diurnal(draw):
    base, start_h = draw(mb), draw(hour)
    end_h = draw(hour.filter(lambda h: (h - start_h) % 24 != 0))
    return DiurnalWorkload(
        base_mb=base,
        peak_mb=base + draw(mb),
        start_hour=start_h,
        end_hour=end_h,
        ramp_minutes=draw(st.floats(0, 720)),
        lunch_dip_pct=draw(st.floats(0, 100)),
        noise_pct=draw(st.floats(0, 50)),
        day_offset_s=draw(st.floats(-DAY, DAY)),
        seed=draw(seed),
    )


workload = st.one_of(
    st.builds(ConstantWorkload, mb=mb),
    trace(),
    diurnal(),
    st.builds(
        BurstyWorkload,
        base_mb=mb,
        burst_mb=mb,
        bursts_per_hour=st.floats(0, 60),
        burst_seconds=st.floats(1, 3600),
        seed=seed,
    ),
    st.builds(
        MediaStreamingWorkload,
        idle_mb=mb,
        per_stream_mb=mb,
        max_streams=st.integers(0, 256),
        evening_start_hour=st.just(18.0) | st.floats(0, 23),
        evening_end_hour=st.just(23.5),
        session_minutes=st.floats(1, 1440),
        day_offset_s=st.floats(-DAY, DAY),
        seed=seed,
    ),
    st.builds(
        LeakWorkload,
        base_mb=mb,
        leak_mb_per_hour=st.floats(0, 1e4),
        restart_every_hours=st.floats(1 / 60, 8760),
        restart_phase_hours=st.floats(0, 8760),
    ),
    st.builds(
        BootSpikeWorkload, steady_mb=mb, spike_mb=mb, decay_s=st.floats(1, 86400)
    ),
)
boot_time = st.none() | st.floats(0, 1e6) | st.just(np.nan)
start = st.integers(0, 400 * DAY)


def boots(draw_list, n):
    return np.array([np.nan if b is None else b for b in draw_list[:n]], dtype=float)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(workload, min_size=1, max_size=6),
    st.lists(boot_time, min_size=6, max_size=6),
    start,
    st.integers(1, 900),
    st.integers(-(2**40), 2**40),
)
def test_demand_is_finite_and_non_negative(
    workloads, boot_list, t0, length, scenario_seed
):
    v = demand(
        workloads,
        np.arange(t0, t0 + length),
        boots(boot_list, len(workloads)),
        scenario_seed,
    )
    assert v.shape == (length, len(workloads))
    assert np.all(np.isfinite(v)) and np.all(v >= 0)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(workload, min_size=1, max_size=6),
    st.lists(boot_time, min_size=6, max_size=6),
    start,
    st.integers(2, 1500),
    st.data(),
)
def test_chunking_does_not_change_values(workloads, boot_list, t0, length, data):
    bank = WorkloadBank(workloads, seed=11)
    b = boots(boot_list, len(workloads))
    times = np.arange(t0, t0 + length)
    whole = bank.demand(times, b)
    cuts = sorted(data.draw(st.sets(st.integers(1, length - 1), max_size=4)))
    parts = [bank.demand(chunk, b) for chunk in np.split(times, cuts)]
    np.testing.assert_array_equal(np.concatenate(parts), whole)
    picked = np.array(
        sorted(data.draw(st.sets(st.integers(0, length - 1), min_size=1)))
    )
    np.testing.assert_array_equal(bank.demand(times[picked], b), whole[picked])


@pytest.mark.parametrize("kind", GENERATOR_KINDS)
def test_every_kind_survives_chunking_over_a_day(kind):
    bank = WorkloadBank([{"kind": kind}] * 3 + [{"kind": "constant", "mb": 1}], seed=2)
    times = np.arange(DAY)
    boot = np.array([0.0, 4000.5, np.nan, 0.0])
    whole = bank.demand(times, boot)
    parts = [bank.demand(c, boot) for c in np.array_split(times, 173)]
    np.testing.assert_array_equal(np.concatenate(parts), whole)


def test_trace_with_points_inside_minutes_survives_chunking():
    w = [
        TraceWorkload(points=[(t, (t * 7) % 1000) for t in range(13, 5000, 37)]),
        TraceWorkload(points=[(0, 5), (3600, 9)], interpolation="step"),
    ]
    bank = WorkloadBank(w)
    times = np.arange(6000)
    whole = bank.demand(times, np.zeros(2))
    parts = [bank.demand(c, np.zeros(2)) for c in np.split(times, [600, 601, 3000])]
    np.testing.assert_array_equal(np.concatenate(parts), whole)
    ts, vs = np.array(w[0].points).T
    np.testing.assert_allclose(whole[:, 0], np.interp(times, ts, vs), rtol=1e-12)


# -------------------------------------------------------------- seeds and bank
RANDOM = [{"kind": k} for k in ("diurnal", "bursty", "media_streaming")]
WEEK = np.arange(0, 7 * DAY, 7)


def test_same_seed_gives_identical_output():
    np.testing.assert_array_equal(
        demand(RANDOM, WEEK, seed=42), demand(RANDOM, WEEK, seed=42)
    )


def test_other_scenario_seed_changes_every_random_kind():
    a, b = demand(RANDOM, WEEK, seed=42), demand(RANDOM, WEEK, seed=43)
    assert all(not np.array_equal(a[:, i], b[:, i]) for i in range(len(RANDOM)))


def test_vms_with_the_same_workload_differ_unless_seeded_alike():
    v = demand([RANDOM[1]] * 2 + [{"kind": "bursty", "seed": 9}] * 2, WEEK)
    assert not np.array_equal(v[:, 0], v[:, 1])
    np.testing.assert_array_equal(v[:, 2], v[:, 3])


def test_explicit_workload_seed_ignores_scenario_seed_and_position():
    w = {"kind": "media_streaming", "seed": 123}
    a = demand([w], WEEK, seed=1)[:, 0]
    b = demand([ConstantWorkload(mb=1), w], WEEK, boot=[0, 0], seed=2)[:, 1]
    np.testing.assert_array_equal(a, b)


def test_a_vm_does_not_depend_on_the_other_vms():
    mixed = [{"kind": k} for k in GENERATOR_KINDS] + [
        {"kind": "trace", "points": [[0, 1], [99, 9]]}
    ]
    alone = demand(
        mixed[:1] + [{"kind": "constant", "mb": 0}] * 5, WEEK, boot=np.zeros(6)
    )
    together = demand(mixed, WEEK, boot=np.zeros(6))
    np.testing.assert_array_equal(alone[:, 0], together[:, 0])


def test_bank_order_does_not_matter_for_seeded_workloads():
    # The bank evaluates kind by kind and then restores VM order.
    mixed = [
        {"kind": k, "seed": i}
        for i, k in enumerate(("diurnal", "bursty", "media_streaming"))
    ]
    mixed += [{"kind": "leak"}, {"kind": "boot_spike"}, {"kind": "constant", "mb": 3}]
    boot = np.arange(6) * 100.0
    grouped = demand(mixed + mixed, WEEK, boot=np.tile(boot, 2))
    interleaved = demand(
        [w for pair in zip(mixed, mixed, strict=True) for w in pair],
        WEEK,
        boot=boot.repeat(2),
    )
    np.testing.assert_array_equal(interleaved[:, ::2], grouped[:, :6])
    np.testing.assert_array_equal(interleaved[:, 1::2], grouped[:, 6:])


def test_demand_checks_shapes_and_handles_empty_input():
    bank = WorkloadBank([ConstantWorkload(mb=5)] * 2)
    assert bank.demand(np.array([], dtype=np.int64), np.zeros(2)).shape == (0, 2)
    assert WorkloadBank([]).demand(np.arange(3), np.zeros(0)).shape == (3, 0)
    with pytest.raises(ValueError, match="boot_times"):
        bank.demand(np.arange(3), np.zeros(3))


def test_names_make_a_vms_pattern_follow_its_name():
    workloads = [{"kind": "bursty"}, {"kind": "diurnal"}, {"kind": "media_streaming"}]
    names = ["web", "sql", "plex"]
    a = WorkloadBank(workloads, seed=5, names=names).demand(WEEK, np.zeros(3))
    b = WorkloadBank(workloads[::-1], seed=5, names=names[::-1]).demand(
        WEEK, np.zeros(3)
    )
    np.testing.assert_array_equal(a, b[:, ::-1])
    renamed = WorkloadBank(workloads, seed=5, names=["web2", "sql", "plex"])
    assert not np.array_equal(renamed.demand(WEEK, np.zeros(3))[:, 0], a[:, 0])
    with pytest.raises(ValueError, match="names"):
        WorkloadBank(workloads, names=names[:2])


def test_out_receives_the_result_even_as_a_strided_view():
    workloads = [{"kind": k} for k in (*GENERATOR_KINDS, "diurnal", "leak")]
    bank = WorkloadBank(workloads, seed=3)
    times, boot = np.arange(1000, 1600), np.linspace(0, 900, len(workloads))
    expected = bank.demand(times, boot)
    big = np.full((900, 2 * len(workloads)), -1.0)
    view = big[100:700, ::2]
    assert bank.demand(times, boot, out=view) is view
    np.testing.assert_array_equal(view, expected)
    assert np.all(big[:, 1::2] == -1) and np.all(big[:100] == -1)
    with pytest.raises(ValueError, match="out"):
        bank.demand(times, boot, out=np.empty((600, 3)))


def test_diurnal_start_spread_shifts_each_vms_day_by_its_own_draw():
    from dmgui.core.sim.workload_bank import WorkloadBank

    day = {"kind": "diurnal", "base_mb": 500, "peak_mb": 1500, "ramp_minutes": 0,
           "noise_pct": 0, "lunch_dip_pct": 0, "start_hour": 8, "end_hour": 18}
    spread = dict(day, start_spread_minutes=120)
    names = [f"D{k}" for k in range(50)]
    times = np.arange(7 * 3600, 11 * 3600, 60)
    flat = WorkloadBank([day] * 50, names=names).demand(times, np.zeros(50))
    late = WorkloadBank([spread] * 50, names=names).demand(times, np.zeros(50))
    up = lambda d: times[np.argmax(d >= 1000, axis=0)]  # noqa: E731 - first busy minute
    assert set(up(flat)) == {8 * 3600}
    starts = up(late)
    assert starts.min() >= 8 * 3600 and starts.max() <= 10 * 3600
    assert len(set(starts)) > 20  # spread, each VM its own
    again = WorkloadBank([spread] * 50, names=names).demand(times, np.zeros(50))
    assert np.array_equal(late, again)  # the draw follows the VM's name
