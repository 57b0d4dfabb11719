"""Guest memory-demand workloads: the scenario file's ``workload`` models.

A VM's *memory demand* is the memory its guest OS has committed, in MB, as a
function of simulation time ``t`` (integer seconds; ``t = 0`` is midnight).
Each VM in a scenario file has a ``workload`` object whose ``kind`` picks one of
the models below; :data:`Workload` is their discriminated union.
:class:`dmgui.core.sim.workload_bank.WorkloadBank` evaluates many VMs at once.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    field_validator,
    model_validator,
)

from dmgui.core.model.limits import MAX_SIM_SECONDS

MAX_MB = 16 * 1024 * 1024  # 16 TiB: above any Hyper-V VM; keeps every demand finite
_DAY = 86400.0
_M64 = (1 << 64) - 1
_GAMMA = 0x9E3779B97F4A7C15  # splitmix64 increment


def _mb(default: float, description: str) -> float:
    return Field(default, ge=0, le=MAX_MB, description=description)


def _hour(default: float, description: str) -> float:
    return Field(default, ge=0, le=24, description=description)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class _Seeded(_Model):
    seed: int | None = Field(
        None, ge=0, le=_M64, description="Random seed; null: from scenario seed and VM."
    )


_OFFSET = Field(0.0, ge=-_DAY, le=_DAY, description="Seconds added to t (time zone).")


class ConstantWorkload(_Model):
    """Flat demand: the guest commits ``mb`` MB at every second."""

    kind: Literal["constant"] = "constant"
    mb: float = _mb(..., "Committed memory, MB.")


def check_time_points(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """``points`` if they are [seconds, MB] pairs in range with non-decreasing times
    (a trace workload, or a measured series); raise ValueError naming the first bad one."""
    if not points:
        raise ValueError("a trace needs at least one [seconds, MB] point")
    previous = 0.0
    for i, (t, mb) in enumerate(points):
        if not 0 <= t <= MAX_SIM_SECONDS:
            raise ValueError(f"point {i}: time {t} s is not between 0 and "
                             f"{MAX_SIM_SECONDS} s (366 days)")
        if t < previous:
            raise ValueError(
                f"point {i}: time {t} s is before the previous point's {previous} s"
                " (times must be non-decreasing)"
            )
        if not 0 <= mb <= MAX_MB:
            raise ValueError(f"point {i}: {mb} MB is not between 0 and {MAX_MB}")
        previous = t
    return points


class TraceWorkload(_Model):
    """Recorded demand: ``points`` are ``[seconds, MB]`` pairs in simulation time.

    Before the first point the demand is the first point's MB; after the last it
    holds the last MB. ``linear`` interpolates between points; ``step`` holds the
    latest point at or before ``t``. Two points at the same second make a jump
    (the later one applies from that second on).
    """

    kind: Literal["trace"] = "trace"
    points: list[tuple[float, float]] = Field(description="[seconds, MB] pairs.")
    interpolation: Literal["linear", "step"] = "linear"

    @field_validator("points")
    @classmethod
    def _check_points(
        cls, points: list[tuple[float, float]]
    ) -> list[tuple[float, float]]:
        return check_time_points(points)


class DiurnalWorkload(_Seeded):
    """Office day: idle at night, busy in working hours, a dip at lunch.

    ``demand = (base + (peak - base) * ramp * (1 - dip * lunch)) * (1 + noise * n)``,
    all functions of the time of day ``tod = (t + day_offset_s) mod 86400``.
    ``ramp`` is a smoothstep from 0 to 1 lasting ``ramp_minutes``, half-way at
    ``start_hour`` and again (going down) at ``end_hour``; an ``end_hour`` before
    ``start_hour`` wraps past midnight (a night shift). ``lunch`` is a smooth bump
    over 12:00-13:00, deepest at 12:30, and ``dip = lunch_dip_pct / 100``. ``n`` is
    uniform in [-1, 1), drawn per minute, and ``noise = noise_pct / 100``. Weekends
    are ignored. Computed on whole minutes, linear in between. With
    ``start_spread_minutes`` each VM's whole day (log-on and log-off) is shifted by
    its own uniform 0…spread minutes, drawn once from its seed: log-ons spread over
    the morning, as in a pool of desktops.
    """

    kind: Literal["diurnal"] = "diurnal"
    base_mb: float = _mb(1024.0, "Demand at night / when idle, MB.")
    peak_mb: float = _mb(4096.0, "Demand in working hours, MB (>= base_mb).")
    start_hour: float = _hour(8.0, "Working day starts (half-way up the ramp).")
    end_hour: float = _hour(18.0, "Working day ends (half-way down the ramp).")
    ramp_minutes: float = Field(60.0, ge=0, le=720, description="Ramp duration.")
    lunch_dip_pct: float = Field(15.0, ge=0, le=100, description="Lunch dip, %.")
    noise_pct: float = Field(5.0, ge=0, le=50, description="Per-minute noise, +-%.")
    start_spread_minutes: float = Field(
        0.0, ge=0, le=720, description="Each VM's day starts up to this much later "
        "(its own draw): log-ons spread over the morning.")
    day_offset_s: float = _OFFSET

    @model_validator(mode="after")
    def _check(self) -> DiurnalWorkload:
        if self.peak_mb < self.base_mb:
            raise ValueError(f"peak_mb {self.peak_mb} is below base_mb {self.base_mb}")
        if (self.end_hour - self.start_hour) % 24 == 0:
            raise ValueError("start_hour and end_hour must differ (modulo 24)")
        return self


class BurstyWorkload(_Seeded):
    """Background load with random bursts (batch jobs, builds, report runs).

    ``demand = base_mb + burst_mb * [a burst is running]``. In each minute a burst
    starts with probability ``bursts_per_hour / 60``, at a random whole second of
    that minute, and lasts ``burst_seconds``; overlapping bursts do not add up.
    """

    kind: Literal["bursty"] = "bursty"
    base_mb: float = _mb(1024.0, "Demand between bursts, MB.")
    burst_mb: float = _mb(2048.0, "Extra demand during a burst, MB.")
    bursts_per_hour: float = Field(4.0, ge=0, le=60, description="Mean burst rate.")
    burst_seconds: float = Field(120.0, ge=1, le=3600, description="Burst length, s.")


class MediaStreamingWorkload(_Seeded):
    """Media server: idle by day, a varying number of streams in the evening.

    ``demand = idle_mb + per_stream_mb * streams``. Outside the evening window
    ``streams = 0``; inside it ``streams`` is uniform in ``0..max_streams``, drawn
    anew for each ``session_minutes`` block of simulation time. The time of day
    is ``(t + day_offset_s) mod 86400``; the window may wrap past midnight.
    Changes take effect on whole minutes.
    """

    kind: Literal["media_streaming"] = "media_streaming"
    idle_mb: float = _mb(1024.0, "Demand with no stream, MB.")
    per_stream_mb: float = _mb(512.0, "Extra demand per stream, MB.")
    max_streams: int = Field(4, ge=0, le=256, description="Most concurrent streams.")
    evening_start_hour: float = _hour(18.0, "Viewing starts.")
    evening_end_hour: float = _hour(23.0, "Viewing ends.")
    session_minutes: float = Field(
        30.0, ge=1, le=1440, description="Stream count hold."
    )
    day_offset_s: float = _OFFSET

    @model_validator(mode="after")
    def _check(self) -> MediaStreamingWorkload:
        if (self.evening_end_hour - self.evening_start_hour) % 24 == 0:
            raise ValueError("evening_start_hour and evening_end_hour must differ")
        return self


class LeakWorkload(_Model):
    """Slow memory leak cleared by a periodic application/service restart.

    ``demand = base_mb + leak_mb_per_hour * ((t / 3600 + restart_phase_hours)
    mod restart_every_hours)``: a sawtooth that drops to ``base_mb`` at each
    restart. Deterministic (no seed).
    """

    kind: Literal["leak"] = "leak"
    base_mb: float = _mb(1024.0, "Demand just after a restart, MB.")
    leak_mb_per_hour: float = _mb(32.0, "Leak rate, MB per hour.")
    restart_every_hours: float = Field(
        24.0, ge=1 / 60, le=8760, description="Restart period, hours (>= 1 minute)."
    )
    restart_phase_hours: float = Field(
        0.0, ge=0, le=8760, description="Hours since the last restart at t = 0."
    )


class BootSpikeWorkload(_Model):
    """Boot-time commit spike (services starting, caches warming) that decays.

    ``demand = steady_mb + spike_mb * exp(-uptime / decay_s)``, ``uptime`` being
    the time since the guest last booted (0 while it is not running).
    Deterministic (no seed).
    """

    kind: Literal["boot_spike"] = "boot_spike"
    steady_mb: float = _mb(1024.0, "Demand once the guest has settled, MB.")
    spike_mb: float = _mb(1024.0, "Extra demand right at boot, MB.")
    decay_s: float = Field(120.0, ge=1, le=86400, description="Decay time constant, s.")


Workload = Annotated[
    ConstantWorkload
    | TraceWorkload
    | DiurnalWorkload
    | BurstyWorkload
    | MediaStreamingWorkload
    | LeakWorkload
    | BootSpikeWorkload,
    Field(discriminator="kind"),
]
"""Any workload; the ``kind`` field selects the model."""
_ADAPTER: TypeAdapter[Workload] = TypeAdapter(Workload)
