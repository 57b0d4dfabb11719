"""Block: derived values, added/removed memory, sampling and merging."""

from __future__ import annotations

import numpy as np

from dmgui.core.formats.report import sample_rows
from dmgui.core.model.scenario import parse_scenario
from dmgui.core.sim.block import concat_blocks
from dmgui.core.sim.engine import Simulation
from dmgui.core.sim.summary import SummaryAccumulator


def _scenario(points):
    return parse_scenario({
        "schema_version": 1,
        "host": {"memory_mb": 8192, "reserve_mb": 0, "vm_overhead_mb": 0},
        "vms": [{"name": "A", "autostart": True, "boot_delay_s": 5,
                 "memory": {"dynamic_memory_enabled": True, "startup_mb": 1024,
                            "minimum_mb": 512, "maximum_mb": 4096},
                 "workload": {"kind": "trace", "points": points,
                              "interpolation": "step"}}],
    })


def test_idle_guest_balloons_out_and_counts_removed_memory():
    sim = Simulation(_scenario([[0, 300]]))
    block = sim.advance(300)
    assert block.assigned[-1, 0] == 512  # T11: max(512, 360)
    assert block.removed[:, 0].sum() == 1024 - 512
    assert block.added[:, 0].sum() == 0
    # the start itself (0 -> 1024 MB) is an allocation, not an add
    assert block.added[0, 0] == 0


def test_growth_counts_added_memory_and_the_summary_totals_it():
    sim = Simulation(_scenario([[0, 800], [100, 2000]]))
    acc = SummaryAccumulator(sim.names)
    for block in sim.run(200, block_s=70):  # the jump crosses a block boundary
        acc.add(block)
    vm = acc.result()["vms"]["A"]
    assert vm["max_assigned_mb"] == 2400
    assert vm["added_mb"] - vm["removed_mb"] == 2400 - 1024


def test_sampled_rows_count_changes_since_the_previous_sample():
    sim = Simulation(_scenario([[0, 800], [100, 2000]]))
    block = sim.advance(200)
    sampled = sample_rows(block, 50)
    assert sampled.time.tolist() == [0, 50, 100, 150]
    net = sampled.added[:, 0] - sampled.removed[:, 0]
    # t=0 and t=50: nothing, the VM was still Starting at the previous sample
    assert net[:2].tolist() == [0, 0]
    assert net[2:].tolist() == np.diff(sampled.assigned[1:, 0]).tolist()


def test_concat_keeps_the_tail_and_all_events():
    sim = Simulation(_scenario([[0, 800]]))
    first, second = sim.advance(100), sim.advance(100)
    joined = concat_blocks([first, second], keep_last=150)
    assert joined.time.tolist() == list(range(50, 200))
    np.testing.assert_array_equal(joined.assigned, np.concatenate(
        [first.assigned, second.assigned])[50:])
    assert joined.events == first.events + second.events
    np.testing.assert_array_equal(joined.status, np.concatenate(
        [first.status, second.status])[50:])


def test_sampling_and_merging_keep_the_guest_visible_high_water_mark():
    # Demand spikes between two samples: the hot-added memory stays guest-visible.
    sim = Simulation(_scenario([[0, 800], [30, 2000], [50, 800]]))  # past the hot-add delay
    block = sim.advance(120)
    assert block.guest_visible[:, 0].max() == 2400
    sampled = sample_rows(block, 50)
    np.testing.assert_array_equal(sampled.guest_visible, block.guest_visible[::50])
    first, second = block.rows(slice(0, 60)), block.rows(slice(60, 120))
    merged = concat_blocks([first, second], keep_last=40)
    np.testing.assert_array_equal(merged.guest_visible, block.guest_visible[80:])


def test_memory_moved_totals_match_the_per_tick_arrays():
    sim = Simulation(_scenario([[0, 800], [60, 2000], [200, 300], [260, 1500]]))
    blocks = [sim.advance(100)]
    sim.submit("restart", "A")
    blocks += list(sim.run(300, block_s=90))
    assert any(e.kind == "restart" for b in blocks for e in b.events)
    for block in blocks:
        added, removed = block.memory_moved()
        np.testing.assert_allclose(added, block.added.sum(axis=0))
        np.testing.assert_allclose(removed, block.removed.sum(axis=0))
