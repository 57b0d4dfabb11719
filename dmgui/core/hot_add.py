"""Hot-add latency for the balancer loop (issue 8 §1.5); used by
:meth:`dmgui.core.engine.Simulation._balance`."""

from __future__ import annotations

import numpy as np


class HotAdd:
    """Hot-add latency (issue 8 §1.5): memory above what the guest already sees is
    added only once the target has stayed above it for ``delay_s`` seconds;
    un-ballooning up to it is immediate. A model parameter (``hot_add_delay_s``).

    Only the VMs whose target rises above their guest-visible memory somewhere in the
    segment are tracked tick by tick (the high-water mark only grows, so the others
    never want hot-add in it): a handful of columns instead of every VM.
    """

    def __init__(self, v, moved: np.ndarray, delay_s: int, target: np.ndarray) -> None:
        self.v, self.delay = v, float(delay_s)
        self.wait = v.hot_wait.copy()
        over = (target > v.guest_visible) & moved if self.delay > 0 else None
        self.cols = (np.flatnonzero(over.any(axis=0)) if over is not None
                     else np.zeros(0, np.intp))
        keep = np.zeros(self.wait.shape, bool)
        keep[self.cols] = True
        self.wait[~keep] = 0.0  # their targets stay at or below what the guest sees
        self.seen = v.guest_visible[self.cols].copy()

    def limit(self, k: int, target: np.ndarray) -> np.ndarray:
        """Tick ``k``'s target, held at the guest-visible memory while hot-add waits."""
        if self.cols.size == 0:
            return target
        wants = target[self.cols] > self.seen
        waited = np.where(wants, self.wait[self.cols] + 1.0, 0.0)
        self.wait[self.cols] = waited
        held = wants & (waited <= self.delay)
        if not held.any():
            return target
        target = target.copy()
        target[self.cols[held]] = self.seen[held]
        return target

    def grew(self, row: np.ndarray) -> None:
        """Memory assigned this tick is memory the guest sees from now on."""
        if self.cols.size:
            np.maximum(self.seen, row[self.cols], out=self.seen)

    def store(self) -> None:
        """Keep the waits for the next segment."""
        self.v.hot_wait[:] = self.wait
