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
    total = np.add.reduce  # as ndarray.sum, without the method's Python wrapper
    shrunk = np.subtract(assigned, rate, dtype=float)  # float: later steps are in place
    desired = np.maximum(target, shrunk)  # uncontended_step
    keep = np.maximum(minimum, shrunk, out=shrunk)
    kept = total(keep)
    if kept > pool_mb:
        # The pool shrank under the VMs (host settings changed): fall back to
        # their minimums, which always hold.
        keep = np.minimum(keep, minimum)
        kept = total(keep)
    spare = pool_mb - kept
    # np.clip(floor, keep, desired) - keep, without np.clip's Python wrapper
    to_demand = np.maximum(floor, keep)
    np.minimum(to_demand, desired, out=to_demand)
    to_demand -= keep
    to_buffer = np.subtract(desired, keep, out=desired)
    to_buffer -= to_demand
    give_demand = weighted_fill(to_demand, spare, claims)
    spare -= total(give_demand)
    give_buffer = weighted_fill(to_buffer, max(spare, 0.0), claims)
    # align_down(keep + give_demand + give_buffer), in place
    got = np.add(keep, give_demand, out=to_demand)
    got += give_buffer
    got *= 0.5
    np.floor(got, out=got)
    got *= 2.0
    return got


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
    if budget <= 0:
        return np.zeros(need.shape, need.dtype)
    n = need.take(claims.order)
    wants = n > 0
    order = claims.order.compress(wants)
    if order.size == 0:
        return np.zeros(need.shape, need.dtype)
    n = n.compress(wants)
    # np.cumsum's sequential sums (a plain loop gets the same bits), without its wrapper
    need_before = np.add.accumulate(n)
    need_before -= n
    if need_before[-1] + n[-1] <= budget:
        return need  # every need fits
    claim = claims.claim.take(order)
    claimed = claim * n
    weighted = np.add.accumulate(claimed)
    # If the k highest claims are served in full, the rest share at this scale; the
    # answer is the first k whose next VM would not be served in full.
    rest = np.subtract(weighted, claimed, out=claimed)
    np.subtract(weighted[-1], rest, out=rest)
    scale = np.subtract(budget, need_before, out=need_before)
    scale /= rest
    k = int((scale * claim < 1.0).argmax())
    share = np.multiply(claim, scale[k], out=claim)
    np.minimum(share, 1.0, out=share)
    share *= n
    give = np.zeros(need.shape, need.dtype)
    give[order] = share
    return give
