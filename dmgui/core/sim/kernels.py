"""The compiled kernels behind :mod:`dmgui.core.sim.compiled` (imports Numba).

Only :func:`dmgui.core.sim.compiled.warm_up` imports this module, so a program that
never simulates (or runs where Numba is absent) never pays for importing Numba.
Each kernel repeats a NumPy computation of the engine or the summary step by step,
in the same order on the same float64 values, so the results are the same bits;
the docstrings name the NumPy code each one mirrors.
"""

from __future__ import annotations

import numba
import numpy as np

# cache: machine code is kept next to this file (or in Numba's user cache), so only
# the first process after an install compiles. nogil: the kernels touch no Python
# object, so the GUI thread runs while they do.
_njit = numba.njit(cache=True, nogil=True)


@_njit
def _block_sum(a, lo, n):
    """NumPy's sum of a block of at most 128 values: eight running sums, then the rest."""
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[lo + i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    stop = n - n % 8
    while i < stop:
        j = lo + i
        r0 += a[j]
        r1 += a[j + 1]
        r2 += a[j + 2]
        r3 += a[j + 3]
        r4 += a[j + 4]
        r5 += a[j + 5]
        r6 += a[j + 6]
        r7 += a[j + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@_njit
def pairwise_sum(a, lo, n):
    """NumPy's pairwise summation of ``a[lo:lo + n]`` (``np.add.reduce`` on a
    contiguous float64 array), reproduced exactly: blocks of up to 128 values
    (:func:`_block_sum`), larger ranges halved at a multiple of 8 and the halves'
    sums added. NumPy recurses; this walks the same tree with an explicit stack
    (Numba's cache cannot reload a recursive function)."""
    if n <= 128:
        return _block_sum(a, lo, n)
    # One frame per open range: its start, length, split point, stage and left sum.
    f_lo = np.empty(64, np.intp)
    f_n = np.empty(64, np.intp)
    f_half = np.empty(64, np.intp)
    f_stage = np.zeros(64, np.intp)
    f_left = np.empty(64)
    f_lo[0], f_n[0], f_stage[0] = lo, n, 0
    top = 0
    ret = 0.0
    while top >= 0:
        if f_stage[top] == 0:
            if f_n[top] <= 128:  # a leaf: its sum goes back to the parent
                ret = _block_sum(a, f_lo[top], f_n[top])
                top -= 1
                continue
            half = f_n[top] // 2
            half -= half % 8
            f_half[top] = half
            f_stage[top] = 1
            f_lo[top + 1], f_n[top + 1], f_stage[top + 1] = f_lo[top], half, 0
            top += 1
        elif f_stage[top] == 1:  # the left half is summed: now the right half
            f_left[top] = ret
            f_stage[top] = 2
            half = f_half[top]
            f_lo[top + 1], f_n[top + 1], f_stage[top + 1] = f_lo[top] + half, \
                f_n[top] - half, 0
            top += 1
        else:  # both halves summed
            ret = f_left[top] + ret
            top -= 1
    return ret


@_njit
def weighted_fill(need, budget, claim, order, give, scratch, ords):
    """:func:`dmgui.core.sim.balancer.weighted_fill` into ``give`` (same steps).

    ``need`` is clipped at 0 in place; ``scratch`` [4, N] and ``ords`` [N] are
    working memory.
    """
    n_vms = need.size
    for i in range(n_vms):
        if not need[i] >= 0.0:
            need[i] = 0.0
        give[i] = 0.0
    if budget <= 0:
        return
    n, before, c_ord, scale = scratch[0], scratch[1], scratch[2], scratch[3]
    m = 0
    for j in range(n_vms):
        x = need[order[j]]
        if x > 0:
            ords[m] = order[j]
            n[m] = x
            m += 1
    if m == 0:
        return
    running = 0.0
    for j in range(m):  # np.add.accumulate, then minus n
        running += n[j]
        before[j] = running - n[j]
    if before[m - 1] + n[m - 1] <= budget:
        for i in range(n_vms):
            give[i] = need[i]
        return
    weighted = 0.0
    for j in range(m):  # the cumulative claimed need, kept as "rest" for now
        c = claim[ords[j]]
        c_ord[j] = c
        claimed = c * n[j]
        weighted += claimed
        scale[j] = weighted - claimed
    total = weighted
    k = 0
    for j in range(m):
        s = (budget - before[j]) / (total - scale[j])
        scale[j] = s
    for j in range(m):  # argmax of (scale * claim < 1): the first, or 0 if none
        if scale[j] * c_ord[j] < 1.0:
            k = j
            break
    sk = scale[k]
    for j in range(m):
        share = c_ord[j] * sk
        if not share <= 1.0:
            share = 1.0
        give[ords[j]] = share * n[j]

@_njit
def contended_step(a, floor, tk, lo, rate, claim, order, pool, row, work, scratch,
                   ords):
    """:func:`dmgui.core.sim.balancer.contended_step` into ``row`` (same steps)."""
    n_vms = a.size
    keep, desired, to_demand, to_buffer, give_d, give_b = (
        work[0], work[1], work[2], work[3], work[4], work[5])
    for i in range(n_vms):
        shrunk = a[i] - rate[i]
        desired[i] = tk[i] if tk[i] >= shrunk else shrunk
        keep[i] = lo[i] if lo[i] >= shrunk else shrunk
    kept = pairwise_sum(keep, 0, n_vms)
    if kept > pool:
        for i in range(n_vms):
            if keep[i] > lo[i]:
                keep[i] = lo[i]
        kept = pairwise_sum(keep, 0, n_vms)
    spare = pool - kept
    for i in range(n_vms):
        x = floor[i] if floor[i] >= keep[i] else keep[i]
        if x > desired[i]:
            x = desired[i]
        x -= keep[i]
        to_demand[i] = x
        to_buffer[i] = (desired[i] - keep[i]) - x
    weighted_fill(to_demand, spare, claim, order, give_d, scratch, ords)
    spare -= pairwise_sum(give_d, 0, n_vms)
    weighted_fill(to_buffer, spare if spare >= 0.0 else 0.0, claim, order, give_b,
                  scratch, ords)
    for i in range(n_vms):
        got = keep[i] + give_d[i]
        got += give_b[i]
        row[i] = np.floor(got * 0.5) * 2.0

@_njit
def balance(demand, half_factor, lo, hi, rate, moved, a, seen, wait, delay, pool,
            claim, order, out):
    """The tick loop of ``Simulation._balance`` over a segment.

    ``demand`` [T, N] in, ``out`` [T, N] assigned memory out; ``a`` (assigned),
    ``seen`` (guest-visible) and ``wait`` (hot-add wait, s) [N] are updated in
    place. ``half_factor`` is ``buffer_factor * 0.5``; ``lo``/``hi``/``rate`` are
    the bounds and balloon rate (equal bounds and rate 0 for VMs not moved).
    """
    n_ticks, n_vms = demand.shape
    tk = np.empty(n_vms)
    floor = np.empty(n_vms)
    work = np.empty((6, n_vms))
    scratch = np.empty((4, n_vms))
    ords = np.empty(n_vms, np.intp)
    hold = delay > 0
    for i in range(n_vms):
        if not (hold and moved[i]):
            wait[i] = 0.0
    for k in range(n_ticks):
        row = out[k]
        for i in range(n_vms):
            t = np.ceil(demand[k, i] * half_factor[i]) * 2.0
            if not t >= lo[i]:
                t = lo[i]
            if not t <= hi[i]:
                t = hi[i]
            if hold and moved[i]:  # hot-add waits; un-ballooning does not
                if t > seen[i]:
                    wait[i] += 1.0
                    if wait[i] <= delay:
                        t = seen[i]
                else:
                    wait[i] = 0.0
            tk[i] = t
            shrunk = a[i] - rate[i]
            row[i] = shrunk if shrunk >= t else t
        if pairwise_sum(row, 0, n_vms) > pool:
            for i in range(n_vms):
                f = np.ceil(demand[k, i] * 0.5) * 2.0
                if not f >= lo[i]:
                    f = lo[i]
                if not f <= hi[i]:
                    f = hi[i]
                floor[i] = f if f <= tk[i] else tk[i]
            contended_step(a, floor, tk, lo, rate, claim, order, pool, row, work,
                           scratch, ords)
        for i in range(n_vms):
            a[i] = row[i]
            if row[i] > seen[i]:
                seen[i] = row[i]


@_njit
def fold(a, g, start, stop, rep, moving, first_moving, prev_a, hist, n_bins, sum_a, max_a,
         short_n, seg_g, added, removed, avg_pressure):
    """One segment of a block folded into the run summary, in one pass over its rows
    (what :class:`dmgui.core.sim.summary.SummaryAccumulator` computes with NumPy).

    Accumulates in place: ``sum_a``/``max_a`` (assigned), ``short_n`` (ticks the guest
    committed more than it had), ``seg_g`` (demand of reporting VMs, summed over the
    segment's rows in order, as ``g[rows].sum(axis=0)``), ``added``/``removed`` (MB moved
    while running: ``first_moving`` for the first row's step from ``prev_a``,
    ``moving`` for the others) and ``hist`` (pressure bins of reporting VMs, the last
    bin for anything higher). Writes each row's Average Pressure to ``avg_pressure``
    and returns the largest row total of assigned memory. Memory values are whole
    (even) MB, so sums of them are exact in any order.
    """
    n_vms = a.shape[1]
    count = 0
    for i in range(n_vms):
        if rep[i]:
            count += 1
    totals = np.zeros(stop - start)
    pressure_sums = np.zeros(stop - start)
    # A VM's pressure moves slowly: count runs of the same bin and touch the
    # histogram (megabytes, scattered) only when a run ends.
    run_bin = np.full(n_vms, -1, np.int64)
    run_len = np.zeros(n_vms, np.int64)
    for k in range(start, stop):
        total = 0.0
        pressure_sum = 0.0
        for i in range(n_vms):
            x = a[k, i]
            d = g[k, i]
            sum_a[i] += x
            if x > max_a[i]:
                max_a[i] = x
            if d > x:
                short_n[i] += 1
            total += x
            if k == start:
                step = (x - prev_a[i]) if first_moving[i] else 0.0
            else:
                step = (x - a[k - 1, i]) if moving[i] else 0.0
            if step > 0:
                added[i] += step
            elif step < 0:
                removed[i] -= step
            if rep[i]:
                seg_g[i] += d
                p = np.rint(d * 100.0 / (x if x >= 1.0 else 1.0))
                pressure_sum += p
                b = int(p)
                if b > n_bins - 1:
                    b = n_bins - 1
                if b == run_bin[i]:
                    run_len[i] += 1
                else:
                    if run_len[i]:
                        hist[i * n_bins + run_bin[i]] += run_len[i]
                    run_bin[i] = b
                    run_len[i] = 1
        totals[k - start] = total
        pressure_sums[k - start] = pressure_sum
    for i in range(n_vms):
        if run_len[i]:
            hist[i * n_bins + run_bin[i]] += run_len[i]
    max_total = -np.inf
    for k in range(start, stop):
        if totals[k - start] > max_total:
            max_total = totals[k - start]
        avg_pressure[k] = pressure_sums[k - start] / count if count else 0.0
    return max_total


