"""What "fits" means: the planner's criteria, judged block by block (issue 9 §1).

Every VM that starts is judged over its *judged time*: the seconds it holds memory
after its guest has booted (``boot_delay_s`` after a start, the same boot time the
engine uses; at once after a restore). Three criteria, each stricter than the last:

* ``starts``: no start (or restore) failed;
* ``no-paging``: and no VM pages more than ``tolerance`` of its judged time — it pages
  while its guest commits more than it is assigned, or while a Smart Paging file is in
  use;
* ``ok``: and no VM is short of its buffer more than ``tolerance`` of its judged time:
  Memory Status Low, Warning or Paging for a Dynamic Memory VM whose guest reports,
  and for any other VM (static memory, no integration services) demand × (1 +
  buffer/100) above its memory — the buffer is what the guest's file cache lives on.

A :class:`Judge` folds :class:`~dmgui.core.sim.block.Block` s into counters (nothing per
tick is kept), and :meth:`Judge.verdict` says whether the run fits and, if not, what
stopped it: which VM, which rule, and when (the second its share of bad time went past
the tolerance for good, or the failed start).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

import numpy as np

from dmgui.core.model.states import EventRecord, MemoryStatus, holds_memory
from dmgui.core.sim.admission import STARTING_S
from dmgui.core.sim.block import Block


class Criterion(str, Enum):
    """The rule every VM must meet (each includes the ones before it)."""

    STARTS = "starts"
    NO_PAGING = "no-paging"
    OK = "ok"


#: Event kinds after which a VM is judged: True after its boot, False at once (its
#: guest was already up).
_BOOTS = {"start": True, "smart_paging": True, "restore": False, "resume": False}
#: Event kinds after which a VM is not judged: off, saved, paused, or going down.
_ENDS = ("stopped", "turn_off", "save", "pause", "shutdown", "restart")


@dataclass(frozen=True)
class Limit:
    """What stopped a run: the VM, the rule in words, and the second it happened."""

    vm: str
    reason: str
    at_s: int

    def to_dict(self) -> dict[str, object]:
        """The JSON contract's ``limited_by`` object."""
        return {"vm": self.vm, "reason": self.reason, "at_s": self.at_s}


@dataclass(frozen=True)
class Verdict:
    """One simulated run judged by a criterion (a point of the planner's curve)."""

    fits: bool
    failed_starts: int
    worst_paging_fraction: float
    worst_low_fraction: float
    min_available_mb: float
    limited_by: Limit | None


class Judge:
    """Folds a run's blocks into per-VM judged, paging and low seconds.

    ``boot_delay_s`` [N] are the VMs' boot delays; ``tolerance`` is the share of judged
    time that may be bad (it decides which bad second is remembered as the crossing).
    """

    def __init__(self, names: list[str], boot_delay_s: np.ndarray, buffer_percent: np.ndarray,
                 tolerance: float, horizon_s: int) -> None:
        n = len(names)
        self.names = list(names)
        self._index = {name: i for i, name in enumerate(names)}
        self.boot = np.maximum(np.asarray(boot_delay_s, float), STARTING_S)
        self.buffer_factor = 1.0 + np.asarray(buffer_percent, float) / 100.0
        self.tolerance = tolerance
        self.ready_at = np.full(n, np.inf)  # judged from this second while it runs
        self.judged = np.zeros(n, np.int64)
        self.paging = np.zeros(n, np.int64)
        self.low = np.zeros(n, np.int64)
        self.failed: list[EventRecord] = []
        self.min_available = math.inf
        # The first bad seconds of each VM, enough to find the one past the tolerance.
        self._keep = int(math.floor(tolerance * horizon_s)) + 1
        self._bad_times: dict[str, list[list[int]]] = {"paging": [[] for _ in range(n)],
                                                       "low": [[] for _ in range(n)]}

    def add(self, block: Block) -> None:
        """Fold one block in, segment by segment (events fall on segment starts)."""
        events = sorted(block.events, key=lambda e: e.at_s)
        if len(block) == 0:
            self._apply_events(events, math.inf)
            return
        t0 = int(block.time[0])
        for seg in block.segments:
            seg_t = t0 + seg.start
            events = self._apply_events(events, seg_t)
            self._add_segment(block, seg, seg_t)
        self._apply_events(events, math.inf)
        self.min_available = min(self.min_available, float(block.available.min()))

    def _apply_events(self, events: list[EventRecord], until: float) -> list[EventRecord]:
        """Apply the records due at or before ``until``; return the rest."""
        k = 0
        while k < len(events) and events[k].at_s <= until:
            self._apply_event(events[k])
            k += 1
        return events[k:]

    def _apply_event(self, record: EventRecord) -> None:
        i = self._index.get(record.vm)
        if i is None:
            return
        if record.kind == "start_failed":
            self.failed.append(record)
        elif record.kind in _BOOTS:
            boots = _BOOTS[record.kind]
            self.ready_at[i] = record.at_s + (self.boot[i] if boots else 0)
        elif record.kind in _ENDS:
            self.ready_at[i] = np.inf

    def _add_segment(self, block: Block, seg, seg_t: int) -> None:
        n = seg.stop - seg.start
        held = holds_memory(seg.state)
        first = np.clip(np.ceil(self.ready_at - seg_t), 0, n)  # first judged row per VM
        first = np.where(held, first, n).astype(np.int64)
        cols = np.flatnonzero(first < n)
        if cols.size == 0:
            return
        self.judged[cols] += n - first[cols]
        rows = slice(seg.start, seg.stop)
        a = block.assigned[rows][:, cols]
        g = block.guest_demand[rows][:, cols]
        judged = np.arange(n)[:, None] >= first[cols][None, :]
        paging = (g > a) | (seg.smart_paging[cols] > 0)[None, :]
        reporting = seg.reporting[cols]
        short = g * self.buffer_factor[cols][None, :] > a
        if reporting.any():
            status = block.status[rows][:, cols]
            short = np.where(reporting[None, :], status >= MemoryStatus.LOW, short)
        self._count("paging", self.paging, paging & judged, cols, seg_t)
        self._count("low", self.low, short & judged, cols, seg_t)

    def _count(self, rule: str, counter: np.ndarray, bad: np.ndarray, cols: np.ndarray,
               seg_t: int) -> None:
        counts = bad.sum(axis=0)
        counter[cols] += counts
        times = self._bad_times[rule]
        for k in np.flatnonzero(counts):
            kept = times[cols[k]]
            if len(kept) < self._keep:
                rows = np.flatnonzero(bad[:, k])[: self._keep - len(kept)]
                kept.extend((rows + seg_t).tolist())

    def failed_for_certain(self, criterion: Criterion, now_s: int, horizon_s: int) -> bool:
        """True when no remaining second can make the run fit: a start failed, or a
        VM has more bad seconds than the tolerance allows even if it ran well (and was
        judged) until the horizon. The planner stops such a run early."""
        if self.failed:
            return True
        if criterion is Criterion.STARTS:
            return False
        most_judged = self.judged + max(horizon_s - now_s, 0)
        allowed = self.tolerance * most_judged + 1e-9
        if (self.paging > allowed).any():
            return True
        return criterion is Criterion.OK and bool((self.low > allowed).any())

    # -- the verdict --------------------------------------------------------------

    def fractions(self) -> tuple[np.ndarray, np.ndarray]:
        """Each VM's paging and low share of its judged time (0 where never judged)."""
        judged = np.maximum(self.judged, 1)
        return self.paging / judged, self.low / judged

    def verdict(self, criterion: Criterion, stopped_at_s: int | None = None) -> Verdict:
        """Whether the run meets ``criterion``, with the curve's figures; a run stopped
        early at ``stopped_at_s`` says over what time its share was measured."""
        paging, low = self.fractions()
        limit = self._limit(criterion, paging, low)
        if limit is not None and stopped_at_s is not None and "%" in limit.reason:
            limit = Limit(limit.vm, f"{limit.reason} in the first "
                          f"{_hours(stopped_at_s)}", limit.at_s)
        return Verdict(
            fits=limit is None,
            failed_starts=len(self.failed),
            worst_paging_fraction=float(paging.max(initial=0.0)),
            worst_low_fraction=float(low.max(initial=0.0)),
            min_available_mb=float(self.min_available),
            limited_by=limit,
        )

    def _limit(self, criterion: Criterion, paging: np.ndarray,
               low: np.ndarray) -> Limit | None:
        if self.failed:
            first = self.failed[0]
            return Limit(first.vm, "failed to start: not enough memory", first.at_s)
        rules = [] if criterion is Criterion.STARTS else [("paging", paging, "paging")]
        if criterion is Criterion.OK:
            rules.append(("low", low, "Low or Warning"))
        for rule, share, words in rules:
            over = share > self.tolerance + 1e-12
            if over.any():
                i = int(np.argmax(np.where(over, share, -1.0)))
                return Limit(self.names[i], f"{words} {100 * share[i]:.1f} % of the time",
                             self._crossing(rule, i))
        return None

    def _crossing(self, rule: str, i: int) -> int:
        """The bad second that took VM ``i`` past the tolerance of its judged time."""
        allowed = int(math.floor(self.tolerance * self.judged[i] + 1e-9))
        kept = self._bad_times[rule][i]
        return int(kept[min(allowed, len(kept) - 1)])


def _hours(seconds: int) -> str:
    """``2 h``, ``1.5 h`` or ``45 min``."""
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f}".rstrip("0").rstrip(".") + " h"
