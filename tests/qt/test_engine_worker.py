"""The engine worker's frame hand-off, driven directly (no thread)."""

from __future__ import annotations

from dmgui.core.model.scenario import parse_scenario
from dmgui.qt.engine_worker import EngineWorker


def _scenario(names):
    return parse_scenario({
        "schema_version": 1,
        "host": {"memory_mb": 8192, "vm_overhead_mb": 0},
        "vms": [{"name": n, "autostart": True,
                 "workload": {"kind": "constant", "mb": 300}} for n in names],
    })


def test_pending_frames_merge_per_layout_and_keep_every_event(qtbot):
    worker = EngineWorker(_scenario(["A", "B"]))
    frames = []
    worker.frame_ready.connect(frames.append)
    worker.start()  # t = 0 frame: one in flight
    worker.step(10)  # two in flight
    worker.step(10)  # pending (viewer busy)
    worker.step(10)  # pending
    worker.reconfigure(_scenario(["A", "B", "C"]))  # pending, new layout
    worker.step(5)  # pending, new layout
    assert len(frames) == 2
    for _ in range(4):
        worker.frame_consumed()
    layouts = [f.names for f in frames]
    assert layouts == [("A", "B"), ("A", "B"), ("A", "B"), ("A", "B", "C")]
    merged = frames[2]
    assert len(merged.block) == 20 and merged.block.time[0] == 10
    assert frames[3].block.time.tolist() == list(range(30, 35))
    starts = [e.vm for f in frames for e in f.block.events if e.kind == "start"]
    assert starts == ["A", "B"]
    worker.stop()


def test_reset_drops_stale_pending_frames(qtbot):
    worker = EngineWorker(_scenario(["A"]))
    frames = []
    worker.frame_ready.connect(frames.append)
    worker.start()
    worker.step(10)
    worker.step(10)  # pending
    worker.reset(_scenario(["A"]))
    worker.frame_consumed()
    worker.frame_consumed()
    assert frames[-1].sim_time == 0 and frames[-1].generation == 1
    worker.stop()
