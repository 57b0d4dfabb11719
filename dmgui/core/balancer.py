"""The Dynamic Memory balancer: one tick as pure functions over numpy arrays.

Documented rules this follows (spec §3, §7.5):

* target = demand × (1 + buffer/100), 2 MB aligned, clamped to [minimum, maximum]
  ([3P S11, S13]; the buffer is "not maintained when the host lacks memory" [DOC S1]);
* memory is added by un-ballooning then hot-add, quickly; it is removed only by
  ballooning, gradually ([MSB S17]; rates undocumented);
* weight has no effect when memory suffices; when short, higher weight is given
  memory first and memory is taken from lower weight first ([MSB S3]);
* nothing goes below Minimum or above Maximum, and nothing exceeds the host.

The undocumented parts are modelling choices, described in ``docs/model.md``:

* growth reaches the target within one tick (1 s);
* ballooning removes at most :func:`balloon_rate_mb` per second from a VM;
* under contention each VM first keeps what ballooning cannot yet take from it
  (``max(minimum, assigned - rate)``); the rest of the pool then goes, by
  strictly descending weight (equal weights share in proportion to need), first
  to bring VMs up to their demand and only then to their buffers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Share of a VM's startup RAM that ballooning may remove per second (5 %/s, spec §7.5 [INF]).
BALLOON_RATE_FRACTION = 0.05


def align_up(mb: np.ndarray) -> np.ndarray:
    """Round MB values up to the next multiple of 2 MB (spec §1.3 granularity)."""
    return np.ceil(mb * 0.5) * 2.0


def align_down(mb: np.ndarray) -> np.ndarray:
    """Round MB values down to a multiple of 2 MB."""
    return np.floor(mb * 0.5) * 2.0


def balloon_rate_mb(startup_mb: np.ndarray) -> np.ndarray:
    """Most MB ballooning may remove from each VM in one second (>= 2 MB, even)."""
    return np.maximum(2.0, align_down(np.asarray(startup_mb, float) * BALLOON_RATE_FRACTION))


def targets(
    demand: np.ndarray,
    buffer_factor: np.ndarray,
    minimum: np.ndarray,
    maximum: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(floor, target)`` for demand of shape [..., N].

    ``floor`` is the demand alone and ``target`` the demand plus buffer, both
    2 MB aligned and clamped to [minimum, maximum]. ``buffer_factor`` is
    ``1 + buffer_percent / 100``.
    """
    floor = np.clip(align_up(demand), minimum, maximum)
    target = np.clip(align_up(demand * buffer_factor), minimum, maximum)
    return floor, target


def weight_groups(weight: np.ndarray) -> list[np.ndarray]:
    """Indices grouped by equal weight, highest weight first."""
    order = np.argsort(-weight, kind="stable")
    sorted_w = weight[order]
    cuts = np.flatnonzero(np.diff(sorted_w)) + 1
    return np.split(order, cuts)


def uncontended_step(assigned: np.ndarray, target: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """What each VM would get with memory to spare: the target, or a rate-limited shrink."""
    return np.maximum(target, assigned - rate)


def contended_step(
    assigned: np.ndarray,
    floor: np.ndarray,
    target: np.ndarray,
    minimum: np.ndarray,
    rate: np.ndarray,
    groups: Sequence[np.ndarray],
    pool_mb: float,
) -> np.ndarray:
    """Share ``pool_mb`` among DM VMs that together want more than it.

    Each VM keeps ``max(minimum, assigned - rate)`` (ballooning is gradual); the
    remainder is given out by weight group, first up to demand (``floor``), then
    up to ``target``. The result is 2 MB aligned, within [minimum, target or
    the shrink limit], and sums to at most ``max(pool_mb, sum(minimum))``.
    """
    desired = uncontended_step(assigned, target, rate)
    keep = np.maximum(minimum, assigned - rate)
    if keep.sum() > pool_mb:
        # The pool shrank under the VMs (host settings changed): fall back to
        # their minimums, which always hold.
        keep = np.minimum(keep, minimum)
    spare = pool_mb - keep.sum()
    to_demand = np.clip(floor, keep, desired) - keep
    to_buffer = desired - keep - to_demand
    give_demand = priority_fill(to_demand, spare, groups)
    spare -= give_demand.sum()
    give_buffer = priority_fill(to_buffer, max(spare, 0.0), groups)
    return align_down(keep + give_demand + give_buffer)


def priority_fill(need: np.ndarray, budget: float, groups: Sequence[np.ndarray]) -> np.ndarray:
    """Give ``budget`` to ``need`` group by group; the last group served shares pro rata."""
    give = np.zeros_like(need)
    for idx in groups:
        if budget <= 0:
            break
        group_need = need[idx]
        total = group_need.sum()
        if total <= budget:
            give[idx] = group_need
            budget -= total
        else:
            give[idx] = group_need * (budget / total)
            break
    return give
