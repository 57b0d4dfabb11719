"""The vectorised evaluator of guest workloads: many VMs' demand at once.

Randomness is counter-based: every random number is a splitmix64 hash of
(the VM's key, a bucket index such as the minute), so the value for (VM, second)
never depends on how the time axis is chunked nor on the other VMs in the bank.
Random and time-of-day structure lives on whole minutes, is computed on
[minutes, VMs] and only then expanded to ticks. Measured on the 2-core dev box
(``python -m dmgui.core.sim.workload_bank``): a 1000-VM bank of all seven kinds, VMs
interleaved, over 600-tick chunks runs at 145-220 million VM-ticks per CPU-second
(2.7-4.1 ms a chunk; the wall figure matches when no other job shares the CPUs).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence

import numpy as np

from dmgui.core.model.workloads import _ADAPTER, _DAY, _GAMMA, _M64, Workload


# ----------------------------------------------------------------- randomness
def _mix64(z: int) -> int:
    """splitmix64 finaliser on a Python int (used once per VM at construction)."""
    z &= _M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
    return z ^ (z >> 31)


def _uniform2(keys: np.ndarray, buckets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two independent uniforms in [0, 1) per (bucket, VM) from one splitmix64 hash.

    ``keys`` is uint64 [n]; ``buckets`` is an int64 array broadcastable against it.
    """
    # uint64 array arithmetic wraps silently, as the hash wants.
    z = keys + buckets.astype(np.uint64) * np.uint64(_GAMMA)
    z ^= z >> np.uint64(30)
    z *= np.uint64(0xBF58476D1CE4E5B9)
    z ^= z >> np.uint64(27)
    z *= np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return (z >> np.uint64(32)) * 2.0**-32, (z & np.uint64(0xFFFFFFFF)) * 2.0**-32


def _name_id(name: str) -> int:
    """A stable 64-bit number for a VM name (not Python's salted hash())."""
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def _vm_key(workload: Workload, scenario_seed: int, vm_id: int) -> int:
    own = getattr(workload, "seed", None)
    if own is not None:  # an explicit seed gives the same pattern in any scenario
        return _mix64(_mix64(own + _GAMMA) + 0x5EED)
    return _mix64(_mix64(scenario_seed + 2 * _GAMMA) + (vm_id + 1) * _GAMMA)


# ------------------------------------------------------------------- evaluator
class _Clock:
    """Per-call time axis: the ticks and the minute each one falls in."""

    def __init__(self, times: np.ndarray) -> None:
        self.times = times
        self.t = times.astype(np.float64)[:, None]  # [T, 1], exact below 2**53
        minute = times // 60
        new = np.empty(times.shape, dtype=bool)
        new[0] = True
        np.not_equal(minute[1:], minute[:-1], out=new[1:])
        self.minutes = minute[new]  # [B] one row per run of ticks in the same minute
        self.row = np.cumsum(new) - 1  # [T] tick -> row of self.minutes
        self.sec = times - minute * 60  # [T] second within the minute, 0..59
        self.frac = (self.sec / 60.0)[:, None]


class _Group:
    """The VMs of one kind: [n] parameter arrays, evaluated into a [T, n] view."""

    def __init__(self, workloads: list, keys: np.ndarray, cols: np.ndarray) -> None:
        self.keys, self.cols, self.n, self._ws = keys, cols, len(workloads), workloads
        self.setup()

    def p(self, name: str) -> np.ndarray:
        return np.array([getattr(w, name) for w in self._ws], dtype=np.float64)

    def setup(self) -> None:
        raise NotImplementedError

    def evaluate(self, clock: _Clock, boot: np.ndarray, out: np.ndarray) -> None:
        raise NotImplementedError


class _Constant(_Group):
    def setup(self) -> None:
        self.mb = self.p("mb")

    def evaluate(self, clock, boot, out):
        out[...] = self.mb


class _Trace(_Group):
    """All traces in one flat point table. Each VM's run starts with a sentinel that
    holds its first value, so ticks before the first point need no special case."""

    def setup(self) -> None:
        t, v, dv, dt = [], [], [], []
        for w in self._ws:
            ts, vs = np.array(w.points, dtype=np.float64).T
            # The last point holds forever. A point followed by one at the same
            # second is never the latest at or before t; inf just avoids 0 / 0.
            gap = np.append(np.diff(ts), np.inf)
            gap[gap == 0] = np.inf
            linear = w.interpolation == "linear"
            t += [[0.0], ts]
            v += [vs[:1], vs]
            dv += [[0.0], np.append(np.diff(vs), 0.0) if linear else 0 * vs]
            dt += [[np.inf], gap]
        self.pt, self.v, self.dv, self.dt = (np.concatenate(x) for x in (t, v, dv, dt))
        self.sizes = np.array([len(w.points) for w in self._ws])
        self.first = np.cumsum(self.sizes + 1) - self.sizes - 1  # each VM's sentinel
        self.depth = int(self.sizes.max()).bit_length()
        real_t = np.delete(self.pt, self.first)
        order = np.argsort(real_t, kind="stable")  # all points by time, for windows
        self.by_time = real_t[order]
        self.by_time_owner = np.repeat(np.arange(self.n), self.sizes)[order]

    def _before(self, x: float) -> np.ndarray:
        """[n] index of each VM's latest point at or before `x` (sentinel if none)."""
        lo, size = self.first + 1, self.sizes.copy()
        for _ in range(self.depth):  # bisect all VMs at once
            half = size // 2
            mid = lo + half
            right = (self.pt[np.minimum(mid, self.pt.size - 1)] <= x) & (size > 0)
            lo = np.where(right, mid + 1, lo)
            size = np.where(right, size - half - 1, half)
        return lo - 1

    def _latest(self, at: np.ndarray) -> np.ndarray:
        """[R, n] index of each VM's latest point at or before each time in `at`."""
        # Points inside (at[0], at[-1]] count from the first row >= their time; a
        # cumsum over rows adds them to the count at at[0]. Work is O(window), not
        # O(all points), so long traces stay cheap.
        lo, hi = np.searchsorted(self.by_time, [at[0], at[-1]], side="right")
        pos = np.searchsorted(at, self.by_time[lo:hi], side="left")
        flat = pos * self.n + self.by_time_owner[lo:hi]
        counts = np.bincount(flat, minlength=len(at) * self.n).reshape(len(at), self.n)
        k = np.cumsum(counts, axis=0)
        k += self._before(at[0])
        return k

    def evaluate(self, clock, boot, out):
        start = clock.minutes * 60
        k = self._latest(start)
        if np.array_equal(k, self._latest(start + 59)):
            # Usual case: no point falls inside a minute, so k is constant per minute
            # and cheap row gathers do; the formula below is the same either way.
            pt, dt, dv, v = (
                x[k][clock.row] for x in (self.pt, self.dt, self.dv, self.v)
            )
        else:
            k = self._latest(clock.times)
            pt, dt, dv, v = self.pt[k], self.dt[k], self.dv[k], self.v[k]
        np.subtract(clock.t, pt, out=out)
        out /= dt
        out *= dv
        out += v


class _Diurnal(_Group):
    def setup(self) -> None:
        self.base = self.p("base_mb")
        self.amp = self.p("peak_mb") - self.base
        width = (self.p("end_hour") - self.p("start_hour")) % 24 * 3600
        # Each VM's own log-on delay: one draw per VM (bucket -1: no minute uses it).
        spread, _ = _uniform2(self.keys, np.full(self.n, -1, np.int64))
        late = spread * self.p("start_spread_minutes") * 60
        self.center = (self.p("start_hour") * 3600 + width / 2 + late) % _DAY
        ramp = np.maximum(self.p("ramp_minutes") * 60, 1.0)
        self.inv_ramp, self.full = 1 / ramp, width / 2 + ramp / 2
        self.dip = self.p("lunch_dip_pct") / 100
        self.noise = self.p("noise_pct") / 100 * 2
        self.offset = self.p("day_offset_s")

    def knots(self, minutes: np.ndarray) -> np.ndarray:
        tod = (minutes[:, None] * 60.0 + self.offset) % _DAY
        dist = np.abs(tod - self.center)
        # Circular distance to the middle of the working day (night shifts wrap).
        dist = np.minimum(dist, _DAY - dist)
        x = np.clip((self.full - dist) * self.inv_ramp, 0.0, 1.0)
        y = np.clip((tod - 12 * 3600) / 3600, 0.0, 1.0)
        lunch = (4 * y * (1 - y)) ** 2
        u, _ = _uniform2(self.keys, minutes[:, None])
        shape = self.base + self.amp * (x * x * (3 - 2 * x)) * (1 - self.dip * lunch)
        return shape * (1 + self.noise * (u - 0.5))

    def evaluate(self, clock, boot, out):
        m, B = clock.minutes, len(clock.minutes)
        # Values at each minute's start and end; ticks interpolate between them.
        k = self.knots(np.concatenate([m, m + 1]))
        np.multiply((k[B:] - k[:B])[clock.row], clock.frac, out=out)
        out += k[:B][clock.row]


class _Bursty(_Group):
    def setup(self) -> None:
        self.low, self.burst = self.p("base_mb"), self.p("burst_mb")
        self.prob, self.dur = self.p("bursts_per_hour") / 60, self.p("burst_seconds")
        self.lags = math.ceil(self.dur.max() / 60)  # minutes a burst can outlast

    def evaluate(self, clock, boot, out):
        lagged = clock.minutes[:, None] - np.arange(self.lags + 1)  # [B, lags + 1]
        minutes, inv = np.unique(lagged, return_inverse=True)
        occurs, sec = _uniform2(self.keys, minutes[:, None])  # [U, n]
        occurs = occurs < self.prob
        start = np.where(occurs, np.floor(sec * 60), 60.0)  # second of the minute
        end = start + np.where(occurs, self.dur, 0.0)  # seconds after the minute start
        inv = inv.reshape(lagged.shape)
        # Per minute, in whole seconds of that minute (ticks are whole seconds):
        # earlier bursts keep it busy for sec < carry; its own burst covers
        # start <= sec < start + width.
        earlier = end[inv[:, 1:]] - 60.0 * np.arange(1, self.lags + 1)[:, None]
        carry = earlier.max(axis=1)
        carry = np.clip(np.ceil(carry), 0, 60).astype(np.uint8)
        own = start[inv[:, 0]]
        width = (np.clip(np.ceil(end[inv[:, 0]]), 0, 60) - own).astype(np.uint8)
        own = own.astype(np.uint8)
        sec8 = clock.sec.astype(np.uint8)[:, None]
        rows = clock.row
        active = (sec8 - own[rows]) < width[rows]  # uint8 wrap-around: one range test
        active |= sec8 < carry[rows]
        np.multiply(active, self.burst, out=out)
        out += self.low


class _Media(_Group):
    def setup(self) -> None:
        self.idle, self.per = self.p("idle_mb"), self.p("per_stream_mb")
        self.choices = self.p("max_streams") + 1
        self.start = self.p("evening_start_hour")
        self.span = (self.p("evening_end_hour") - self.start) % 24
        self.session, self.offset = self.p("session_minutes"), self.p("day_offset_s")

    def evaluate(self, clock, boot, out):
        m = clock.minutes[:, None]
        hour = (m * 60.0 + self.offset) % _DAY / 3600
        evening = (hour - self.start) % 24 < self.span
        u, _ = _uniform2(self.keys, np.floor(m / self.session).astype(np.int64))
        streams = np.floor(u * self.choices) * evening
        out[...] = (self.idle + self.per * streams)[clock.row]


class _Leak(_Group):
    def setup(self) -> None:
        self.period = self.p("restart_every_hours") * 3600
        self.phase = self.p("restart_phase_hours") * 3600 % self.period
        self.base, self.rate = self.p("base_mb"), self.p("leak_mb_per_hour") / 3600

    def evaluate(self, clock, boot, out):
        # The costly modulo runs per minute; within a minute the sawtooth wraps at
        # most once because a period lasts at least a minute.
        age = ((clock.minutes[:, None] * 60.0 + self.phase) % self.period)[clock.row]
        age += clock.sec[:, None]
        np.subtract(age, self.period, out=age, where=age >= self.period)
        np.multiply(age, self.rate, out=out)
        out += self.base


class _BootSpike(_Group):
    def setup(self) -> None:
        self.steady, self.spike = self.p("steady_mb"), self.p("spike_mb")
        self.decay = self.p("decay_s")
        self.in_minute = np.exp(-np.arange(60.0)[:, None] / self.decay)  # [60, n]

    def evaluate(self, clock, boot, out):
        # exp(-(t - boot)/decay) = exp(-(minute_start - boot)/decay) * exp(-sec/decay):
        # one exp per minute and VM. Before boot the product exceeds 1 and is capped
        # (uptime 0); the clip keeps it finite and away from denormals.
        booted = boot[self.cols]
        booted = np.where(np.isnan(booted), np.inf, booted)  # not running: uptime 0
        arg = (booted - clock.minutes[:, None] * 60.0) / self.decay
        per_minute = np.exp(np.clip(arg, -600.0, 600.0)) * self.spike
        np.multiply(per_minute[clock.row], self.in_minute[clock.sec], out=out)
        np.minimum(out, self.spike, out=out)
        out += self.steady


_GROUPS: dict[str, type[_Group]] = {
    "constant": _Constant,
    "trace": _Trace,
    "diurnal": _Diurnal,
    "bursty": _Bursty,
    "media_streaming": _Media,
    "leak": _Leak,
    "boot_spike": _BootSpike,
}


class WorkloadBank:
    """Evaluates many VMs' workloads at once.

    Parameters
    ----------
    workloads : sequence of Workload
        One workload per VM, in VM order (models, or dicts that validate as one).
    seed : int, default 0
        Scenario seed. VMs whose workload has no ``seed`` derive theirs from it and
        from their name (or, without `names`, their index).
    names : sequence of str, optional
        VM names, in VM order.

    Notes
    -----
    Not thread-safe: a bank keeps a scratch buffer between calls.
    """

    def __init__(
        self,
        workloads: Sequence[Workload],
        seed: int = 0,
        names: Sequence[str] | None = None,
    ) -> None:
        models = [_ADAPTER.validate_python(w) for w in workloads]
        self._n = len(models)
        # With names, a VM's random pattern follows its name, so adding, deleting or
        # reordering other VMs never changes it.
        ids = range(self._n) if names is None else [_name_id(n) for n in names]
        if len(ids) != self._n:
            raise ValueError(f"{len(ids)} names for {self._n} workloads")
        keys = np.array(
            [_vm_key(w, seed, i) for i, w in zip(ids, models, strict=True)], np.uint64
        )
        by_kind: dict[str, list[int]] = {}
        for i, w in enumerate(models):
            by_kind.setdefault(w.kind, []).append(i)
        # Each kind fills a contiguous block of columns; one permutation at the end
        # restores VM order (far cheaper than a fancy-indexed write per kind).
        self._groups = []
        for kind, idx in by_kind.items():
            cols = np.array(idx, dtype=np.intp)
            group = _GROUPS[kind]([models[i] for i in idx], keys[cols], cols)
            self._groups.append(group)
        order = np.concatenate([g.cols for g in self._groups] or [np.zeros(0, np.intp)])
        in_order = np.array_equal(order, np.arange(self._n))
        self._unsort = None if in_order else np.argsort(order)
        self._scratch = np.empty((0, self._n))

    def __len__(self) -> int:
        return self._n

    def demand(
        self,
        times: np.ndarray,
        boot_times: np.ndarray,
        out: np.ndarray | None = None,
    ) -> np.ndarray:
        """Memory demand of every VM at every tick.

        Parameters
        ----------
        times : numpy.ndarray
            int64 [T] simulation seconds, ascending (need not be consecutive).
        boot_times : numpy.ndarray
            float64 [N] second at which each guest last booted; NaN = not running
            (uptime counts as 0).
        out : numpy.ndarray, optional
            float64 [T, N] array (a view is fine) to write the result into.

        Returns
        -------
        numpy.ndarray
            float64 [T, N] demand in MB, finite and >= 0 (`out` if given). A (VM,
            second) value depends neither on the rest of `times` nor on other VMs.
        """
        times = np.asarray(times, dtype=np.int64)
        boot = np.asarray(boot_times, dtype=np.float64)
        shape = (times.size, self._n)
        if times.ndim != 1 or boot.shape != (self._n,):
            raise ValueError(
                f"expected times [T] and boot_times [{self._n}], "
                f"got {times.shape} and {boot.shape}"
            )
        if out is None:
            out = np.empty(shape)
        elif out.shape != shape or out.dtype != np.float64:
            raise ValueError(
                f"out must be float64 {shape}, not {out.dtype} {out.shape}"
            )
        if times.size == 0 or self._n == 0:
            return out
        if self._unsort is None:
            grouped = out
        else:
            # Kept between calls and only ever grown: a fresh 5 MB block per chunk
            # costs about as much in page faults as the whole evaluation.
            if len(self._scratch) < len(times):
                self._scratch = np.empty(shape)
            grouped = self._scratch[: len(times)]
        clock, col = _Clock(times), 0
        for group in self._groups:
            group.evaluate(clock, boot, grouped[:, col : col + group.n])
            col += group.n
        if self._unsort is not None:
            np.take(grouped, self._unsort, axis=1, out=out, mode="clip")
        return out


def _benchmark(n_vms: int = 1000, ticks: int = 600, chunks: int = 300) -> dict:
    """VM-ticks per second of an interleaved all-kinds bank (median chunk).

    Reports wall time and this process's CPU time: on a busy machine the CPU
    figure is the one that tells what the code costs.
    """
    import time

    kinds = [
        {"kind": "constant", "mb": 2048},
        {"kind": "trace", "points": [[0, 512], [3600, 4096], [7200, 1024]]},
        {"kind": "diurnal"},
        {"kind": "bursty"},
        {"kind": "media_streaming"},
        {"kind": "leak"},
        {"kind": "boot_spike"},
    ]
    bank = WorkloadBank([kinds[i % len(kinds)] for i in range(n_vms)], seed=1)
    boot = np.zeros(n_vms)
    bank.demand(np.arange(ticks), boot)  # warm-up
    samples = []
    for c in range(chunks):
        times = np.arange(c * ticks, (c + 1) * ticks) + 30000
        wall, cpu = time.perf_counter(), time.process_time()
        bank.demand(times, boot)
        samples.append((time.perf_counter() - wall, time.process_time() - cpu))
    wall_s, cpu_s = np.median(samples, axis=0)
    return {"wall": n_vms * ticks / wall_s, "cpu": n_vms * ticks / cpu_s}


if __name__ == "__main__":
    rates = _benchmark()
    print(
        f"1000 VMs x 600-tick chunks: {rates['wall'] / 1e6:.0f} million VM-ticks/s "
        f"wall, {rates['cpu'] / 1e6:.0f} million per CPU-second"
    )
