"""Run summaries: per-VM and host statistics accumulated block by block.

Every tick counts (not only the sampled ones), yet nothing per tick is kept:
each :class:`~dmgui.core.sim.block.Block` is folded into running sums, maxima and
a per-VM pressure histogram, so a day of 1,000 VMs needs a few MB.
"""

from __future__ import annotations

import numpy as np

from dmgui.core.model.states import EventRecord, VmState, holds_memory
from dmgui.core.sim import compiled
from dmgui.core.sim.block import Block

PRESSURE_BINS = 401  # 0..400 %; higher pressures count as 400 % in the p95


class SummaryAccumulator:
    """Folds blocks into the statistics of the JSON summary."""

    def __init__(self, names: list[str]) -> None:
        n = len(names)
        self.names = list(names)
        self.ticks = 0
        self.on_ticks = np.zeros(n, np.int64)
        self.sum_assigned = np.zeros(n)
        self.max_assigned = np.zeros(n)
        self.report_ticks = np.zeros(n, np.int64)
        self.sum_demand = np.zeros(n)
        self.paging_s = np.zeros(n, np.int64)
        self.warning_s = np.zeros(n, np.int64)
        self.smart_paging_s = np.zeros(n, np.int64)
        self.added_mb = np.zeros(n)
        self.removed_mb = np.zeros(n)
        self.pressure_hist = np.zeros(n * PRESSURE_BINS, np.int64)
        self.min_available = np.inf
        self.sum_avg_pressure = 0.0
        self.pressure_ticks = 0
        self.events: list[EventRecord] = []
        self._pending: list[np.ndarray] = []
        self._pending_cells = 0

    def add(self, block: Block) -> None:
        """Fold one block in (per segment, on the stored arrays: cheap enough for a
        day of 1,000 VMs)."""
        if len(block) == 0:
            self.events.extend(block.events)
            return
        if compiled.fold_segment is not None:
            self._add_compiled(block)
            return
        a, g = block.assigned, block.guest_demand
        self.ticks += len(block)
        self.sum_assigned += a.sum(axis=0)
        np.maximum(self.max_assigned, a.max(axis=0), out=self.max_assigned)
        short = np.greater(g, a)  # the guest commits more than it has: it pages
        self.paging_s += short.sum(axis=0)
        totals = a.sum(axis=1)
        added, removed = block.memory_moved()
        self.added_mb += added
        self.removed_mb += removed
        for seg in block.segments:
            self._add_segment(seg, g, short, totals)
        self._add_pressure(block)
        self.events.extend(block.events)

    def _add_compiled(self, block: Block) -> None:
        """:meth:`add` in one compiled pass per segment (:mod:`dmgui.core.sim.compiled`),
        with the same results, bit for bit."""
        n = len(self.names)
        a, g = block.assigned, block.guest_demand
        self.ticks += len(block)
        prev_a = (block.start_assigned.copy() if block.start_assigned is not None
                  else np.zeros(n))
        prev_s = block.start_state if block.start_state is not None else np.zeros(n, np.int8)
        sum_a, short_n = np.zeros(n), np.zeros(n, np.int64)
        added, removed = np.zeros(n), np.zeros(n)
        avg = np.zeros(len(block))
        reporting_rows = np.zeros(len(block), bool)
        for seg in block.segments:
            rep, running = seg.reporting, seg.state == VmState.RUNNING
            seg_g, seg_short = np.zeros(n), np.zeros(n, np.int64)
            top = compiled.fold_segment(
                a, g, seg.start, seg.stop, rep, running, running & (prev_s == VmState.RUNNING),
                prev_a, self.pressure_hist, PRESSURE_BINS, sum_a, self.max_assigned,
                seg_short, seg_g, added, removed, avg)
            ticks = seg.stop - seg.start
            short_n += seg_short
            self.on_ticks += ticks * holds_memory(seg.state)
            self.report_ticks += ticks * rep
            self.sum_demand += seg_g * rep
            self.warning_s += seg_short * rep
            self.smart_paging_s += ticks * (seg.smart_paging > 0)
            self.min_available = min(self.min_available, seg.pool_mb - top)
            reporting_rows[seg.start:seg.stop] = rep.any()
            prev_a, prev_s = a[seg.stop - 1].copy(), seg.state  # one kernel signature
        self.sum_assigned += sum_a
        self.paging_s += short_n
        self.added_mb += added
        self.removed_mb += removed
        self.sum_avg_pressure += float(avg[reporting_rows].sum())
        self.pressure_ticks += int(reporting_rows.sum())
        self.events.extend(block.events)

    def _add_segment(self, seg, g: np.ndarray, short: np.ndarray,
                     totals: np.ndarray) -> None:
        rows, n, rep = slice(seg.start, seg.stop), seg.stop - seg.start, seg.reporting
        self.on_ticks += n * holds_memory(seg.state)
        self.report_ticks += n * rep
        self.sum_demand += g[rows].sum(axis=0) * rep
        # A reporting VM is in Warning exactly when assigned < demand (spec §2.3).
        self.warning_s += short[rows].sum(axis=0) * rep
        self.smart_paging_s += n * (seg.smart_paging > 0)
        self.min_available = min(self.min_available, seg.pool_mb - float(totals[rows].max()))

    def _add_pressure(self, block: Block) -> None:
        n_vms = len(self.names)
        pressure = block.pressure
        reporting_rows = np.zeros(len(block), bool)
        silent = np.zeros(n_vms, np.int64)
        for seg in block.segments:
            reporting_rows[seg.start:seg.stop] = seg.reporting.any()
            silent += (seg.stop - seg.start) * ~seg.reporting
        self.sum_avg_pressure += float(block.average_pressure[reporting_rows].sum())
        self.pressure_ticks += int(reporting_rows.sum())
        # Bin every cell (non-reporting cells hold 0) and take those back out of bin 0
        # later; the bins are counted in batches so small blocks stay cheap.
        idx = pressure.astype(np.intp)
        np.minimum(idx, PRESSURE_BINS - 1, out=idx)
        idx += self._offsets(n_vms)
        self._pending.append(idx.ravel())
        self._pending_cells += idx.size
        self.pressure_hist[self._offsets(n_vms)] -= silent
        if self._pending_cells >= 4_000_000:
            self._flush_pressure()

    def _flush_pressure(self) -> None:
        if self._pending:
            cells = np.concatenate(self._pending)
            self.pressure_hist += np.bincount(cells, minlength=self.pressure_hist.size)
        self._pending, self._pending_cells = [], 0

    def _offsets(self, n_vms: int) -> np.ndarray:
        return np.arange(n_vms, dtype=np.intp) * PRESSURE_BINS

    def p95_pressure(self) -> np.ndarray:
        """95th percentile of each VM's reported pressure (NaN if it never reported)."""
        self._flush_pressure()
        hist = self.pressure_hist.reshape(len(self.names), PRESSURE_BINS)
        counts = hist.sum(axis=1)
        cum = np.cumsum(hist, axis=1)
        rank = np.ceil(0.95 * counts)
        p95 = (cum < rank[:, None]).sum(axis=1).astype(float)
        p95[counts == 0] = np.nan
        return p95

    def result(self) -> dict[str, object]:
        """The summary as JSON-ready data (``None`` where a value does not exist)."""
        p95 = self.p95_pressure()
        vms = {}
        for i, name in enumerate(self.names):
            on, rep = int(self.on_ticks[i]), int(self.report_ticks[i])
            vms[name] = {
                "seconds_running": on,
                "mean_assigned_mb": _round(self.sum_assigned[i] / on) if on else None,
                "max_assigned_mb": _round(self.max_assigned[i]) if on else None,
                "mean_demand_mb": _round(self.sum_demand[i] / rep) if rep else None,
                "p95_pressure": None if np.isnan(p95[i]) else int(p95[i]),
                "seconds_paging": int(self.paging_s[i]),
                "seconds_warning": int(self.warning_s[i]),
                "seconds_smart_paging": int(self.smart_paging_s[i]),
                "added_mb": _round(self.added_mb[i]),
                "removed_mb": _round(self.removed_mb[i]),
            }
        host = {
            "min_available_mb": _round(self.min_available) if self.ticks else None,
            "mean_average_pressure": (
                _round(self.sum_avg_pressure / self.pressure_ticks)
                if self.pressure_ticks else None
            ),
        }
        return {"duration_s": self.ticks, "host": host, "vms": vms,
                "events": [e.to_dict() for e in self.events]}


def _round(value: float) -> float:
    return round(float(value), 1)
