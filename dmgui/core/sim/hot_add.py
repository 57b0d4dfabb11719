"""Hot-add latency for the balancer loop (issue 8 §1.5); used by
:meth:`dmgui.core.sim.engine.Simulation._balance`."""

from __future__ import annotations

import numpy as np


class HotAdd:
    """Hot-add latency (issue 8 §1.5): memory above what the guest already sees is
    added only once the target has stayed above it for ``delay_s`` seconds;
    un-ballooning up to it is immediate. A model parameter (``hot_add_delay_s``).

    The rule, per tick and VM (as in ``tests/benchmarks/reference_loop.py``): the
    target *wants* hot-add while it is above ``seen``, the high-water mark of the
    VM's assigned memory (what its guest sees); ``wait`` counts the ticks it has
    wanted it in a row, and while ``wait <= delay`` the target is held at ``seen``.

    Only the VMs whose target rises above their guest-visible memory somewhere in the
    segment are tracked tick by tick (the high-water mark only grows, so the others
    never want hot-add in it): a handful of columns instead of every VM. The per-tick
    work is a few operations on those columns, with no scalar operands: the tracked
    targets are copied once per segment, and the wait is kept as the tick at which the
    hold would end (``due = since + delay``, where ``since`` is the first tick of the
    current run of wants, so ``wait > delay`` is ``due <= k``).
    """

    def __init__(self, v, moved: np.ndarray, delay_s: int, target: np.ndarray) -> None:
        self.v, self.delay = v, float(delay_s)
        if self.delay > 0:  # (target > guest_visible).any(axis=0), in one pass
            self.cols = np.flatnonzero((target.max(axis=0) > v.guest_visible) & moved)
        else:
            self.cols = np.zeros(0, np.intp)
        n, c = target.shape[0], self.cols.size
        if c == 0:
            return
        self._wanted = list(target[:, self.cols])  # the tracked targets, a row per tick
        # Row k holds k + 1 (a full row: ufuncs are quicker without broadcasting).
        self._step = step = int(self.delay)
        ticks = np.empty((n + step, c))
        ticks[:] = np.arange(1.0, n + step + 1.0)[:, None]
        self._ticks = list(ticks)
        self.seen = v.guest_visible[self.cols].copy()
        self._next = self.seen  # ``seen`` after this tick if it is not contended
        # The others' targets stay at or below what the guest sees: their wait is 0.
        self._due = self.delay - v.hot_wait[self.cols]  # since = -wait before tick 0
        self._limited = np.empty(c)  # this tick's tracked targets, after the hold
        self._calm = np.empty(c, bool)  # target at or below ``seen``
        self._adds = np.empty(c, bool)  # wanted for more than ``delay`` ticks
        self._k = -1

    def limit(self, k: int, target: np.ndarray) -> np.ndarray:
        """Tick ``k``'s target, held at the guest-visible memory while hot-add waits.

        ``target`` is row ``k`` of the segment's targets; it is limited in place and
        returned. Ticks come in order, each followed by :meth:`grew`.
        """
        if self.cols.size == 0:
            return target
        self._k = k
        wanted, seen, limited = self._wanted[k], self.seen, self._limited
        np.less_equal(wanted, seen, out=self._calm)
        # A run of wants that ends now would be due delay ticks after the next tick.
        np.putmask(self._due, self._calm, self._ticks[k + self._step])
        np.less(self._due, self._ticks[k], out=self._adds)  # wait > delay: hot-add
        self._next = np.where(self._adds, wanted, seen)
        np.minimum(wanted, self._next, out=limited)  # held at seen, or hot-added
        target[self.cols] = limited
        return target

    def grew(self, row: np.ndarray, contended: bool) -> None:
        """Memory assigned this tick is memory the guest sees from now on.

        After an uncontended tick, ``row = max(previous row - rate, limited target)``
        and the previous row is at most ``seen``, so ``seen`` rises exactly where
        the target was hot-added (prepared by :meth:`limit`). The first tick (whose
        previous row is the assigned memory) and contended ticks read ``row`` itself.
        """
        if self.cols.size == 0:
            return
        if contended or self._k == 0:
            np.maximum(self.seen, row[self.cols], out=self.seen)
        else:  # the hot-added targets
            self.seen = self._next

    def store(self) -> None:
        """Keep the waits for the next segment (0 for the VMs not tracked)."""
        wait = np.zeros_like(self.v.hot_wait)
        if self.cols.size:
            wait[self.cols] = (self._k + 1.0 + self.delay) - self._due
        self.v.hot_wait[:] = wait
