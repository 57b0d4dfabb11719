"""Run summaries: per-VM and host statistics accumulated block by block.

Every tick counts (not only the sampled ones), yet nothing per tick is kept:
each :class:`~dmgui.core.block.Block` is folded into running sums, maxima and
a per-VM pressure histogram, so a day of 1,000 VMs needs a few MB.
"""

from __future__ import annotations

import numpy as np

from dmgui.core.block import Block
from dmgui.core.states import EventRecord, MemoryStatus, VmState

PRESSURE_BINS = 1001  # 0..1000 %, higher values land in the last bin


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
        self.pressure_hist = np.zeros(n * PRESSURE_BINS, np.int64)
        self.min_available = np.inf
        self.sum_avg_pressure = 0.0
        self.pressure_ticks = 0
        self.events: list[EventRecord] = []

    def add(self, block: Block) -> None:
        """Fold one block in."""
        self.ticks += len(block)
        self.on_ticks += (block.state != VmState.OFF).sum(axis=0)
        self.sum_assigned += block.assigned.sum(axis=0)
        np.maximum(self.max_assigned, block.assigned.max(axis=0, initial=0.0),
                   out=self.max_assigned)
        reporting = (block.status >= MemoryStatus.OK) & (block.status <= MemoryStatus.WARNING)
        self.report_ticks += reporting.sum(axis=0)
        self.sum_demand += block.demand.sum(axis=0)
        self.paging_s += (block.paging > 0).sum(axis=0)
        self.warning_s += (block.status == MemoryStatus.WARNING).sum(axis=0)
        self.smart_paging_s += (block.smart_paging > 0).sum(axis=0)
        self._add_pressure(block, reporting)
        if len(block):
            self.min_available = min(self.min_available, float(block.available.min()))
        any_reporting = reporting.any(axis=1)
        self.sum_avg_pressure += float(block.average_pressure[any_reporting].sum())
        self.pressure_ticks += int(any_reporting.sum())
        self.events.extend(block.events)

    def _add_pressure(self, block: Block, reporting: np.ndarray) -> None:
        # Bin every cell, then take the non-reporting cells (pressure 0) back out
        # of bin 0: cheaper than selecting the reporting cells first.
        n_vms = len(self.names)
        p = np.minimum(block.pressure, PRESSURE_BINS - 1).astype(np.int64)
        p += self._offsets(n_vms)
        self.pressure_hist += np.bincount(p.ravel(), minlength=self.pressure_hist.size)
        silent = len(block) - reporting.sum(axis=0)
        self.pressure_hist[self._offsets(n_vms)] -= silent

    def _offsets(self, n_vms: int) -> np.ndarray:
        return np.arange(n_vms, dtype=np.int64) * PRESSURE_BINS

    def p95_pressure(self) -> np.ndarray:
        """95th percentile of each VM's reported pressure (NaN if it never reported)."""
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
