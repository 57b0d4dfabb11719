"""RingBuffer: the rolling window behind the plots."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dmgui.core.sim.ring import RingBuffer


def test_keeps_rows_in_order_until_full():
    ring = RingBuffer(4, 2)
    ring.extend(np.array([[1, 10], [2, 20]]))
    ring.extend(np.array([[3, 30]]))
    assert len(ring) == 3
    assert ring.view().tolist() == [[1, 10], [2, 20], [3, 30]]


def test_wraps_and_keeps_newest():
    ring = RingBuffer(3, 1)
    for i in range(7):
        ring.extend(np.array([i]))
    assert ring.view().ravel().tolist() == [4, 5, 6]
    assert ring.column(0).tolist() == [4, 5, 6]


def test_block_longer_than_capacity_keeps_its_tail():
    ring = RingBuffer(3, 1)
    ring.extend(np.arange(10).reshape(-1, 1))
    assert ring.view().ravel().tolist() == [7, 8, 9]


def test_wrong_column_count_is_refused():
    ring = RingBuffer(3, 2)
    with pytest.raises(ValueError, match="expected 2 columns"):
        ring.extend(np.zeros((1, 3)))


def test_clear_and_bad_capacity():
    ring = RingBuffer(2, 1)
    ring.extend(np.array([1.0]))
    ring.clear()
    assert len(ring) == 0 and ring.view().shape == (0, 1)
    with pytest.raises(ValueError):
        RingBuffer(0, 1)


def test_view_is_a_copy():
    ring = RingBuffer(2, 1)
    ring.extend(np.array([1.0]))
    ring.view()[0, 0] = 99
    assert ring.view()[0, 0] == 1.0


@given(st.integers(1, 20), st.lists(st.integers(0, 15), min_size=1, max_size=12))
def test_matches_the_tail_of_all_rows(capacity, chunk_sizes):
    ring = RingBuffer(capacity, 2)
    everything = []
    counter = 0
    for size in chunk_sizes:
        rows = np.arange(counter, counter + size * 2).reshape(size, 2)
        counter += size * 2
        everything.extend(rows.tolist())
        ring.extend(rows)
    expected = everything[-capacity:] if everything else []
    assert ring.view().tolist() == expected
