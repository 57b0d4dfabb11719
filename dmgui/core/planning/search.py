"""The search for the most VMs that fit: doubling, then bisection (issue 9 §1).

A :class:`CountSearch` never simulates every count. It tries the scenario as written
(0 copies), then 1, 2, 4, 8… copies until a count fails or the cap is reached, then
bisects between the last count that fit and the first that failed. Given a *hint* (a
sweep point starts from the plan's own answer) it tries the hint and the count above it
first and gallops from there (±1, ±2, ±4…) until it has a count that fits and one that
fails, then bisects: a hint that is right costs two simulations. It ends with the
answer *and* the count above it both simulated, so "what stops one more" is a real
run, not a guess. Fitting is assumed to be monotone in the count (one more VM never
makes a failing host fit); the curve shows every count tried, so a reader can see it.
"""

from __future__ import annotations

from dataclasses import dataclass

from dmgui.core.planning.criterion import Limit
from dmgui.core.planning.evaluate import PointResult


@dataclass(frozen=True)
class Answer:
    """One mode's answer: the most VMs that fit and what stops one more.

    ``max_vms`` counts every VM on the host (the scenario's and the copies); None
    when even the scenario as written does not fit. ``limited_by`` is None only when
    the cap was reached; then ``capped`` is True.
    """

    max_vms: int | None
    copies: int | None
    limited_by: Limit | None
    capped: bool = False

    def to_dict(self) -> dict[str, object]:
        """The JSON contract's ``static`` / ``dynamic`` object."""
        limit = self.limited_by.to_dict() if self.limited_by else None
        if self.capped:
            limit = {"vm": None, "reason": "reached --max-vms", "at_s": None}
        return {"max_vms": self.max_vms, "limited_by": limit}


class CountSearch:
    """Chooses the next copy count to simulate, from the results so far."""

    def __init__(self, max_copies: int, hint: int | None = None) -> None:
        self.max_copies = max(0, max_copies)
        self.hint = None if hint is None else min(max(hint, 0), self.max_copies)
        self.tried: dict[int, PointResult] = {}
        self._fit: int | None = None  # the most copies seen to fit
        self._fail: int | None = None  # the fewest copies seen to fail
        self.answer: Answer | None = None

    def next_count(self) -> int | None:
        """The count to simulate next, or None when the answer is known."""
        if self.answer is not None:
            return None
        if self._fit is None or self._fail is None:
            if self.hint is not None:
                return self._gallop()
            if 0 not in self.tried:
                return 0
            if self._fit is None:  # the scenario as written does not fit
                return self._finish(None)
            if self._fit >= self.max_copies:  # doubling, up to the cap
                return self._finish(self._fit, capped=True)
            return min(max(1, 2 * self._fit), self.max_copies)
        if self._fail - self._fit > 1:  # bisection
            return (self._fit + self._fail) // 2
        return self._finish(self._fit)

    def _gallop(self) -> int | None:
        """From the hint: up while counts fit, down while they fail, in growing steps."""
        if not self.tried:
            return self.hint
        if self._fit is not None:  # going up from the highest fit
            if self._fit >= self.max_copies:
                return self._finish(self._fit, capped=True)
            return min(self._fit + max(1, self._fit - self.hint), self.max_copies) \
                if self._fit > self.hint else self._fit + 1
        if self._fail == 0:  # going down from the lowest failure
            return self._finish(None)
        return max(0, self._fail - max(1, self.hint - self._fail))

    def tell(self, result: PointResult) -> None:
        """Record a simulated count."""
        self.tried[result.copies] = result
        c = result.copies
        if result.verdict.fits:
            self._fit = c if self._fit is None else max(self._fit, c)
        else:
            self._fail = c if self._fail is None else min(self._fail, c)
        if self._fit is not None and self._fail is not None and self._fail <= self._fit:
            # Not monotone: trust the failure, search below it again.
            self._fit = max((k for k, r in self.tried.items()
                             if r.verdict.fits and k < self._fail), default=None)

    def _finish(self, copies: int | None, capped: bool = False) -> None:
        """Record the answer (callers return this None: nothing left to simulate)."""
        if copies is None:
            self.answer = Answer(None, None, self.tried[0].verdict.limited_by)
        elif capped:
            self.answer = Answer(self.tried[copies].vms, copies, None, capped=True)
        else:
            above = self.tried[self._fail]
            self.answer = Answer(self.tried[copies].vms, copies, above.verdict.limited_by)
