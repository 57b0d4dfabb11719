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
  (``max(minimum, assigned - rate)``); the rest of the pool then goes first to
  bring VMs up to their demand and only then to their buffers, each round split
  by :func:`weighted_fill`: a continuous rule in which every
  :data:`WEIGHT_DOUBLING` points of weight double a VM's claim on the shortfall
  (equal weights share in proportion to need; 10000 vs 0 is close to strict
  priority; one point of weight moves the split by about 0.07 %).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

#: Share of a VM's startup RAM that ballooning may remove per second (5 %/s, spec §7.5 [INF]).
BALLOON_RATE_FRACTION = 0.05

#: Weight points that double a VM's claim on memory that is short (10 PowerShell
#: Priority points). Microsoft publishes no split (spec §3.3); 10000 vs 0 gives a
#: claim ratio of 2**10 = 1024, close to strict priority, while 5001 vs 5000 gives
#: 1.0007, almost an even split. [INF], see docs/model.md.
WEIGHT_DOUBLING = 1000.0


def align_up(mb: np.ndarray) -> np.ndarray:
    """Round MB values up to the next multiple of 2 MB (spec §1.3 granularity)."""
    return np.ceil(mb * 0.5) * 2.0


def align_down(mb: np.ndarray) -> np.ndarray:
    """Round MB values down to a multiple of 2 MB."""
    return np.floor(mb * 0.5) * 2.0


def balloon_rate_mb(startup_mb: np.ndarray,
                    fraction: float = BALLOON_RATE_FRACTION) -> np.ndarray:
    """Most MB ballooning may remove from each VM in one second (>= 2 MB, even):
    ``fraction`` of its Startup RAM (the host's ``balloon_rate_percent`` / 100)."""
    return np.maximum(2.0, align_down(np.asarray(startup_mb, float) * fraction))


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


def uncontended_step(assigned: np.ndarray, target: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """What each VM would get with memory to spare: the target, or a rate-limited shrink."""
    return np.maximum(target, assigned - rate)


def contended_step(
    assigned: np.ndarray,
    floor: np.ndarray,
    target: np.ndarray,
    minimum: np.ndarray,
    rate: np.ndarray,
    claims: WeightClaims,
    pool_mb: float,
) -> np.ndarray:
    """Share ``pool_mb`` among DM VMs that together want more than it.

    Each VM keeps ``max(minimum, assigned - rate)`` (ballooning is gradual); the
    remainder is given out by :func:`weighted_fill`, first up to demand
    (``floor``), then up to ``target``. The result is 2 MB aligned, within [minimum, target or
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
    give_demand = weighted_fill(to_demand, spare, claims)
    spare -= give_demand.sum()
    give_buffer = weighted_fill(to_buffer, max(spare, 0.0), claims)
    return align_down(keep + give_demand + give_buffer)


class WeightClaims(NamedTuple):
    """Each VM's claim on memory that is short, ``2 ** (weight / WEIGHT_DOUBLING)``,
    and the VMs in order of claim, highest first (computed once per segment)."""

    claim: np.ndarray
    order: np.ndarray


def weight_claims(weight: np.ndarray) -> WeightClaims:
    """The claims of VMs with these weights (see :func:`weighted_fill`)."""
    claim = np.power(2.0, np.asarray(weight, float) / WEIGHT_DOUBLING)  # 1 … 1024
    return WeightClaims(claim, np.argsort(-claim, kind="stable"))


def weighted_fill(need: np.ndarray, budget: float, claims: WeightClaims) -> np.ndarray:
    """Give ``budget`` MB to VMs that together ``need`` more, by weight.

    Each VM gets the same *share of its need*, scaled by its claim
    ``2 ** (weight / WEIGHT_DOUBLING)``: ``give = need × min(1, λ × claim)`` with
    λ chosen so the gifts add up to ``budget`` (VMs whose whole need fits are
    served in full and the rest shared again: water-filling). Properties (tested):
    equal weights get equal shares of their need; a higher weight never gets a
    smaller share; the shares move continuously with the weights; nothing exceeds
    a VM's need or, in all, the budget.
    """
    need = np.maximum(need, 0.0)
    give = np.zeros_like(need)
    order = claims.order[need[claims.order] > 0]
    if budget <= 0 or order.size == 0:
        return give
    claim = claims.claim[order]
    n = need[order]
    need_before = np.cumsum(n) - n  # sequential sums: a plain loop gets the same bits
    weighted = np.cumsum(claim * n)
    if need_before[-1] + n[-1] <= budget:
        give[order] = n
        return give
    # If the k highest claims are served in full, the rest share at this scale; the
    # answer is the first k whose next VM would not be served in full.
    scale = (budget - need_before) / (weighted[-1] - (weighted - claim * n))
    k = int(np.argmax(scale * claim < 1.0))
    give[order] = n * np.minimum(scale[k] * claim, 1.0)
    return give
