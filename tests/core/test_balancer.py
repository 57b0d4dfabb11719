"""Unit tests of the balancer's pure functions (spec §3.1, §3.3, §7.5)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dmgui.core.sim import balancer
from dmgui.core.sim.balancer import (
    align_down,
    align_up,
    balloon_rate_mb,
    contended_step,
    targets,
    uncontended_step,
    weight_claims,
    weighted_fill,
)


def arr(*values: float) -> np.ndarray:
    return np.array(values, dtype=float)


# -- alignment and rates ---------------------------------------------------------------


def test_align_up_and_down():
    x = arr(0, 0.1, 1, 1.999, 2, 2.001, 3, 4, 1053, 1054, 1000.5)
    assert align_up(x).tolist() == [0, 2, 2, 2, 2, 4, 4, 4, 1054, 1054, 1002]
    assert align_down(x).tolist() == [0, 0, 0, 0, 2, 2, 2, 4, 1052, 1054, 1000]


@given(st.floats(0, 1e7, allow_nan=False, allow_subnormal=False))
def test_alignment_brackets_the_value(x):
    up, down = float(align_up(np.array(x))), float(align_down(np.array(x)))
    assert up % 2 == 0 and down % 2 == 0
    assert down <= x <= up and up - down <= 2
    if x % 2 == 0:
        assert up == down == x


def test_balloon_rate_is_five_percent_of_startup_even_and_at_least_2():
    assert balancer.BALLOON_RATE_FRACTION == 0.05
    assert balloon_rate_mb(arr(1024, 512, 32, 8, 4096, 1000)).tolist() == [
        50,
        24,
        2,
        2,
        204,
        50,
    ]


# -- targets ---------------------------------------------------------------------------


def test_targets_floor_is_demand_target_adds_buffer_both_aligned():
    floor, target = targets(
        arr(1000, 999, 300), arr(1.2, 1.2, 1.2), arr(32, 32, 32), arr(8192, 8192, 8192)
    )
    assert floor.tolist() == [1000, 1000, 300]
    assert target.tolist() == [1200, 1200, 360]  # 999 × 1.2 = 1198.8 → 1200


def test_targets_clamp_to_minimum_and_maximum():
    floor, target = targets(
        arr(300, 1054, 0, 5000),
        arr(1.2, 1.2, 1.5, 1.05),
        arr(512, 512, 64, 512),
        arr(4096, 1024, 1024, 4096),
    )
    assert floor.tolist() == [512, 1024, 64, 4096]
    assert target.tolist() == [512, 1024, 64, 4096]


def test_targets_broadcast_over_ticks():
    demand = np.array([[100.0, 200.0], [300.0, 400.0], [500.0, 10000.0]])
    floor, target = targets(demand, arr(1.2, 2.0), arr(32, 32), arr(8192, 8192))
    assert floor.shape == target.shape == (3, 2)
    assert target.tolist() == [[120, 400], [360, 800], [600, 8192]]


@given(
    st.lists(
        st.tuples(
            st.floats(0, 1e6),
            st.integers(5, 2000),
            st.integers(16, 4096),
            st.integers(0, 4096),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_targets_are_even_ordered_and_within_bounds(rows):
    demand = arr(*[r[0] for r in rows])
    factor = arr(*[1 + r[1] / 100 for r in rows])
    minimum = arr(*[2 * r[2] for r in rows])
    maximum = minimum + arr(*[2 * r[3] for r in rows])
    floor, target = targets(demand, factor, minimum, maximum)
    for x in (floor, target):
        assert np.all(x % 2 == 0)
        assert np.all((minimum <= x) & (x <= maximum))
    assert np.all(floor <= target)


# -- uncontended step ------------------------------------------------------------------


def test_uncontended_step_grows_at_once_and_shrinks_by_at_most_rate():
    assigned = arr(1024, 1024, 600, 530)
    target = arr(2400, 512, 600, 512)
    rate = arr(50, 50, 50, 50)
    assert uncontended_step(assigned, target, rate).tolist() == [2400, 974, 600, 512]


def test_uncontended_shrink_reaches_target_in_steps():
    a, target, rate = arr(1024), arr(512), arr(50)
    path = [float(a[0])]
    while a[0] > target[0]:
        a = uncontended_step(a, target, rate)
        path.append(float(a[0]))
    assert path[-1] == 512 and len(path) == 12
    assert all(0 < x - y <= 50 for x, y in zip(path, path[1:], strict=False))


# -- weighted fill (issue 8 §1.2: weight without a cliff) ------------------------------


def _share(give, need):
    return give / need


def test_weighted_fill_gives_everything_when_it_fits_and_nothing_from_nothing():
    need = arr(100, 200, 300)
    w = arr(5000, 5000, 9000)
    assert weighted_fill(need, 1000, weight_claims(w)).tolist() == [100, 200, 300]
    assert weighted_fill(need, 0, weight_claims(w)).tolist() == [0, 0, 0]
    assert weighted_fill(need, -5, weight_claims(w)).tolist() == [0, 0, 0]


def test_weighted_fill_equal_weights_share_pro_rata():
    give = weighted_fill(arr(100, 300, 50), 225, weight_claims(arr(5000, 5000, 5000)))
    assert give.tolist() == pytest.approx([50, 150, 25])


def test_one_weight_point_moves_the_split_a_little():
    # The campaign's cliff: 5001 vs 5000 gave one VM all and left the other paging.
    give = weighted_fill(arr(1000, 1000), 1000, weight_claims(arr(5001, 5000)))
    assert give[0] > give[1]
    assert give[0] - give[1] < 1.0  # well under 0.1 % of the split
    assert give.sum() == pytest.approx(1000)


def test_10000_vs_0_is_close_to_strict_priority():
    give = weighted_fill(arr(1000, 1000), 1000, weight_claims(arr(10000, 0)))
    assert give[0] > 999 and give[1] < 1


def test_every_1000_points_double_the_claim():
    give = weighted_fill(arr(1000, 1000), 300, weight_claims(arr(6000, 5000)))
    assert give[0] / give[1] == pytest.approx(2.0)


@settings(max_examples=300)
@given(
    st.lists(st.tuples(st.floats(1, 5000), st.integers(0, 10000)), min_size=1, max_size=8),
    st.floats(-100, 20000),
)
def test_weighted_fill_properties(items, budget):
    need = arr(*[x[0] for x in items])
    w = arr(*[x[1] for x in items])
    give = weighted_fill(need, budget, weight_claims(w))
    assert np.all(give >= 0) and np.all(give <= need + 1e-9)
    assert give.sum() == pytest.approx(min(max(budget, 0), need.sum()), rel=1e-9, abs=1e-6)
    share = _share(give, need)
    order = np.argsort(w, kind="stable")
    # A higher weight never ends up with a smaller share of its need.
    assert np.all(np.diff(share[order]) >= -1e-9)
    # Equal weights: equal shares.
    for weight in set(w.tolist()):
        same = share[w == weight]
        assert np.ptp(same) <= 1e-9


@settings(max_examples=200)
@given(
    st.lists(st.tuples(st.floats(1, 5000), st.integers(0, 9999)), min_size=2, max_size=8),
    st.floats(1, 20000),
    st.integers(0, 7),
)
def test_a_one_point_weight_change_moves_little_memory(items, budget, who):
    need = arr(*[x[0] for x in items])
    w = arr(*[x[1] for x in items])
    who %= len(items)
    before = weighted_fill(need, budget, weight_claims(w))
    w[who] += 1
    after = weighted_fill(need, budget, weight_claims(w))
    # 2 ** (1/1000) - 1 = 0.07 %: no VM's gift moves by more than 0.1 % of the budget.
    assert np.abs(after - before).max() <= 0.001 * min(budget, need.sum()) + 1e-6
    assert after[who] >= before[who] - 1e-9


# -- contended step --------------------------------------------------------------------


def _contended(assigned, floor, target, minimum, rate, weight, pool):
    return contended_step(
        arr(*assigned),
        arr(*floor),
        arr(*target),
        arr(*minimum),
        arr(*rate),
        weight_claims(arr(*weight)),
        pool,
    )


def test_contended_demand_before_buffer():
    # Both at 1000 demand, targets 1200 and 2000; pool 2300: floors first (2000), the
    # remaining 300 to the buffers, 256 : 1 by weight (9000 vs 1000): the higher weight
    # gets 299.8 MB (1,298 after 2 MB alignment), the lower 0.2 MB (rounded away).
    got = _contended(
        [1000, 1000],
        [1000, 1000],
        [2000, 1200],
        [512, 512],
        [50, 50],
        [9000, 1000],
        2300,
    )
    assert got.tolist() == [1298, 1000]


def test_contended_low_weight_floor_served_before_high_weight_buffer():
    got = _contended(
        [600, 600], [1000, 1000], [2000, 1200], [512, 512], [50, 50], [9000, 1000], 2100
    )
    assert got.tolist() == [1098, 1000]  # both floors first; 100 MB of buffer, 256 : 1


def test_contended_higher_weight_served_first_below_demand():
    got = _contended(
        [1000, 1000],
        [1500, 1500],
        [1800, 1800],
        [512, 512],
        [50, 50],
        [9000, 1000],
        2400,
    )
    # keep = 950 each; spare 500 for 550 + 550 missed: shared 256 : 1 by weight, so
    # nearly all to the high weight (498 MB), 2 MB to the low one (rounded away).
    assert got.tolist() == [1448, 950]


def test_contended_equal_weights_share_pro_rata():
    got = _contended(
        [512, 512],
        [1512, 812],
        [2000, 1000],
        [512, 512],
        [50, 50],
        [5000, 5000],
        1024 + 650,
    )
    # spare 650 shared in proportion to what each misses of its demand: 1000 : 300.
    assert got.tolist() == [1012, 662]


def test_contended_keeps_what_ballooning_cannot_take_yet():
    got = _contended(
        [2000, 600], [600, 2000], [720, 2400], [512, 512], [100, 50], [1000, 9000], 2600
    )
    # The low-weight VM only balloons 100 MB this tick, whatever the high one wants.
    assert got[0] == 1900 and got[1] == 700


def test_contended_never_below_minimum():
    got = _contended(
        [600, 600],
        [2000, 2000],
        [2400, 2400],
        [512, 580],
        [200, 200],
        [9000, 1000],
        1200,
    )
    assert np.all(got >= arr(512, 580))
    assert got.sum() <= 1200


def test_contended_pool_below_minimums_falls_back_to_minimums():
    got = _contended(
        [800, 800], [1000, 1000], [1200, 1200], [512, 512], [50, 50], [5000, 5000], 900
    )
    assert got.tolist() == [512, 512]


@settings(max_examples=200)
@given(
    st.lists(
        st.tuples(
            st.integers(16, 2048),  # minimum / 2
            st.integers(0, 2048),  # assigned above minimum / 2
            st.floats(0, 8000),  # demand
            st.integers(5, 200),  # buffer %
            st.integers(0, 4),  # weight level
            st.integers(1, 100),  # rate / 2
        ),
        min_size=1,
        max_size=8,
    ),
    st.floats(0, 1.2),
)
def test_contended_step_invariants(vms, pool_share):
    minimum = arr(*[2 * v[0] for v in vms])
    assigned = minimum + arr(*[2 * v[1] for v in vms])
    maximum = minimum + 16384
    demand = arr(*[v[2] for v in vms])
    factor = arr(*[1 + v[3] / 100 for v in vms])
    weight = arr(*[2000 * v[4] for v in vms])
    rate = arr(*[2 * v[5] for v in vms])
    floor, target = targets(demand, factor, minimum, maximum)
    desired = uncontended_step(assigned, target, rate)
    pool = float(np.floor(minimum.sum() + pool_share * (desired.sum() - minimum.sum())))
    got = contended_step(assigned, floor, target, minimum, rate, weight_claims(weight),
                         pool)
    assert np.all(got % 2 == 0)
    assert np.all(got >= minimum)
    assert np.all(got <= desired)  # never above target (or the shrink limit)
    assert got.sum() <= max(pool, minimum.sum())
    keep = np.maximum(minimum, assigned - rate)
    if keep.sum() <= pool:
        assert np.all(got >= keep)  # ballooning is gradual
        # Demand before buffer: nobody has buffer while some VM that could grow misses
        # demand (beyond the 2 MB rounding of a pro-rata share).
        short_of_floor = got < np.minimum(floor, desired) - 2
        has_buffer = got > np.maximum(floor, keep)
        assert not (short_of_floor.any() and has_buffer.any())
        # Weight: within the demand round, a heavier VM never gets a smaller share of
        # what it misses than a lighter one (2 MB rounding aside).
        served_floor = np.clip(floor, keep, desired)
        missing = served_floor - keep
        got_floor = np.minimum(got, served_floor) - keep
        for i in np.flatnonzero(missing > 4):
            for j in np.flatnonzero((weight > weight[i]) & (missing > 4)):
                assert got_floor[j] / missing[j] >= got_floor[i] / missing[i] - 4 / missing[j]
