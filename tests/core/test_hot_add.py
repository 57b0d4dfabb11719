"""The engine's hot-add latency (:class:`dmgui.core.sim.hot_add.HotAdd`) against the rule
written the plain way, tick by tick and VM by VM (issue 8 §1.5, docs/model.md)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dmgui.core.sim.hot_add import HotAdd


def _reference(target, guest_visible, hot_wait, moved, delay, row_of):
    """The rule: a target above what the guest sees waits ``delay`` ticks in a row
    before it is used; until then it is held at what the guest sees (the high-water
    mark of the assigned memory). Returns the limited targets and the final waits."""
    seen = guest_visible.copy()
    wait = np.where(moved, hot_wait, 0.0) if delay > 0 else np.zeros_like(hot_wait)
    limited = target.copy()
    for k in range(target.shape[0]):
        for i in range(target.shape[1]):
            if delay > 0 and moved[i] and target[k, i] > seen[i]:
                wait[i] += 1.0
                if wait[i] <= delay:
                    limited[k, i] = seen[i]
            else:
                wait[i] = 0.0
        row = row_of(k, limited[k])
        seen = np.maximum(seen, row)
    return limited, wait


@st.composite
def segments(draw):
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n_ticks = draw(st.integers(1, 60))
    n_vms = draw(st.integers(1, 12))
    delay = draw(st.sampled_from([0, 1, 2, 5, 7]))
    # Targets (2 MB steps) that ramp, hold, jitter and drop; some VMs never move.
    steps = rng.choice([-4, -2, 0, 0, 0, 2, 2, 4, 8], size=(n_ticks, n_vms))
    jitter = rng.choice([0, 0, 2, 6], size=(n_ticks, n_vms))
    target = 1000.0 + np.cumsum(steps, axis=0) + jitter
    guest_visible = target[0] + rng.choice([-6, -2, 0, 2, 10], size=n_vms)
    hot_wait = rng.integers(0, 9, size=n_vms).astype(float)
    moved = rng.random(n_vms) < 0.85
    # The first row may start above what the guest sees (and fall by the rate).
    assigned = guest_visible + rng.choice([-20, 0, 0, 8], size=n_vms)
    rate = rng.choice([2.0, 4.0, 50.0], size=n_vms)
    contended = rng.random(n_ticks) < draw(st.sampled_from([0.0, 0.2, 0.7]))
    # A contended tick assigns anything from well below the limited target to above it.
    squeeze = rng.choice([-40, -10, -2, 0, 6], size=(n_ticks, n_vms))
    rows = _rows(assigned, rate, contended, squeeze)
    return target, guest_visible, hot_wait, moved, delay, rows, contended


def _rows(assigned, rate, contended, squeeze):
    """A maker of rows as the engine makes them: max(previous - rate, limited target),
    or something else at a contended tick (a fresh one for each run)."""

    def start():
        previous = [assigned]

        def row_of(k, limited):
            row = np.maximum(previous[-1] - rate, limited)
            if contended[k]:
                row = np.maximum(limited + squeeze[k], 2.0)
            previous.append(row)
            return row

        return row_of

    return start


@settings(max_examples=400, deadline=None)
@given(segments())
def test_hot_add_holds_exactly_as_the_tick_by_tick_rule(segment):
    target, guest_visible, hot_wait, moved, delay, rows, contended = segment
    want, want_wait = _reference(target, guest_visible, hot_wait, moved, delay, rows())

    v = SimpleNamespace(guest_visible=guest_visible.copy(), hot_wait=hot_wait.copy())
    targets = target.copy()
    hot = HotAdd(v, moved, delay, targets)
    row_of = rows()
    for k in range(targets.shape[0]):
        limited = hot.limit(k, targets[k])
        assert np.array_equal(limited, want[k]), k
        hot.grew(row_of(k, limited), bool(contended[k]))
    hot.store()
    assert np.array_equal(v.hot_wait, want_wait)
