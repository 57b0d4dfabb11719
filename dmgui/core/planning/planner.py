"""The density planner: how many VMs fit, static vs Dynamic Memory (issue 9 §1).

:func:`plan` answers for a scenario and a template VM: the most VMs on the host that
meet the criterion in each mode, what stops one more, the density gain (dynamic /
static − 1), the curve of every count tried, and optionally a sweep of the template's
settings. Every simulation is an independent :func:`~dmgui.core.planning.evaluate.
evaluate_point` run on an executor; the searches of both modes (and of every sweep
point) advance together, so the executor always has work while any search does.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, field

from dmgui.core.model.memory import MemoryChangeError, check_memory_settings
from dmgui.core.model.scenario import Scenario, parse_scenario
from dmgui.core.planning.candidates import (
    Mode,
    PlanError,
    min_horizon_s,
    stagger_step,
    template_starts,
)
from dmgui.core.planning.criterion import Criterion
from dmgui.core.planning.evaluate import (
    PlanCancelled,
    PlanSpec,
    PointResult,
    evaluate_point,
)
from dmgui.core.planning.executors import InlineExecutor
from dmgui.core.planning.search import Answer, CountSearch

#: Template settings a sweep may vary, and the memory field each one sets.
SWEEP_KEYS = {"buffer": "buffer_percent", "startup": "startup_mb",
              "minimum": "minimum_mb", "maximum": "maximum_mb", "weight": "weight"}
DEFAULT_MAX_VMS = 200
#: Most points a sweep grid may have.
MAX_SWEEP_POINTS = 400


@dataclass(frozen=True)
class PlanRequest:
    """Everything a plan needs besides the scenario."""

    template: str | None = None
    criterion: Criterion = Criterion.OK
    tolerance: float = 0.01
    horizon_s: int = 86400
    static_size: str | int = "peak"
    seed: int | None = None
    max_vms: int = DEFAULT_MAX_VMS
    sweep: dict[str, list[int]] = field(default_factory=dict)


@dataclass
class PlanResult:
    """A plan's answer, shaped like the JSON contract (see :meth:`to_dict`)."""

    template: str
    request: PlanRequest
    static: Answer
    dynamic: Answer
    curve: list[PointResult]
    sweep: list[dict[str, object]]

    @property
    def density_gain(self) -> float | None:
        """dynamic / static − 1, or None when either mode has no answer."""
        return _gain(self.dynamic, self.static)

    def to_dict(self) -> dict[str, object]:
        """The JSON contract of ``dmgui plan --json``."""
        gain = self.density_gain
        return {
            "template": self.template,
            "criterion": self.request.criterion.value,
            "tolerance": self.request.tolerance,
            "horizon_s": self.request.horizon_s,
            "static": self.static.to_dict(),
            "dynamic": self.dynamic.to_dict(),
            "density_gain": None if gain is None else round(gain, 4),
            "curve": [p.to_dict() for p in sorted(self.curve,
                                                  key=lambda p: (p.mode.value, p.vms))],
            "sweep": self.sweep,
        }

    def summary(self) -> str:
        """One line for a person, e.g. ``Static: 14 VMs · Dynamic Memory: 18 VMs (+29 %)
        · one more: MEDIA01 Low or Warning 6.0 % of the time``."""
        parts = [f"Static: {_count(self.static)}",
                 f"Dynamic Memory: {_count(self.dynamic)}"]
        gain = self.density_gain
        if gain is not None:
            parts[-1] += f" ({100 * gain:+.0f} %)"
        limit = self.dynamic.limited_by
        if self.dynamic.capped:
            parts.append(f"reached --max-vms {self.request.max_vms}")
        elif limit is not None:
            parts.append(f"one more: {limit.vm} {limit.reason} (at {_clock(limit.at_s)})")
        return " · ".join(parts)


def _count(answer: Answer) -> str:
    if answer.max_vms is None:
        limit = answer.limited_by
        why = f" ({limit.vm} {limit.reason})" if limit else ""
        return f"the scenario as written does not fit{why}"
    return f"{answer.max_vms} VMs" + (" or more" if answer.capped else "")


def _clock(seconds: int) -> str:
    h, rest = divmod(int(seconds), 3600)
    return f"{h:02d}:{rest // 60:02d}:{rest % 60:02d}"


def _gain(dynamic: Answer, static: Answer) -> float | None:
    if not dynamic.max_vms or not static.max_vms:
        return None
    return dynamic.max_vms / static.max_vms - 1.0


def check_request(scenario: Scenario, request: PlanRequest) -> str:
    """Validate ``request`` against ``scenario``; return the template's name.

    Raises :class:`PlanError` with one line for anything that cannot be planned.
    """
    names = [vm.name for vm in scenario.vms]
    template = request.template
    if template is None:
        if len(names) != 1:
            raise PlanError("name the template VM (--vm); the scenario has "
                            + (", ".join(names) if names else "no VMs"), "template")
        template = names[0]
    if template not in names:
        raise PlanError(f"no VM named '{template}' in the scenario; it has "
                        + ", ".join(names), "template")
    if not template_starts(scenario, template):
        raise PlanError(f"the template VM '{template}' never starts: make it start "
                        "automatically or give it a start event", "template")
    if request.horizon_s <= 0:
        raise PlanError("the horizon must be longer than 0 s", "horizon")
    shortest = min_horizon_s(scenario, template)
    if request.horizon_s < shortest:
        raise PlanError(f"the horizon ({request.horizon_s} s) is too short for every "
                        f"copy of '{template}' to start and boot: use at least "
                        f"{shortest} s", "horizon")
    if not 0 <= request.tolerance < 1:
        raise PlanError("the tolerance must be at least 0 % and below 100 %",
                        "tolerance")
    if request.max_vms < len(names):
        raise PlanError(f"the most VMs to try ({request.max_vms}) is below the "
                        f"scenario's own {len(names)} VMs", "max_vms")
    points = 1
    for values in request.sweep.values():
        points *= len(values)
    if points > MAX_SWEEP_POINTS:
        raise PlanError(f"the sweep has {points} points; at most {MAX_SWEEP_POINTS}",
                        "sweep")
    for key in request.sweep:
        if key not in SWEEP_KEYS:
            raise PlanError(f"cannot sweep '{key}'; choose from "
                            + ", ".join(SWEEP_KEYS), "sweep")
    if isinstance(request.static_size, str) and request.static_size not in (
            "peak", "maximum", "startup"):
        raise PlanError("the static size is peak, maximum, startup or a number of MB",
                        "static_size")
    return template


def sweep_points(request: PlanRequest) -> list[dict[str, int]]:
    """The grid of a sweep: one dict (key → value) per point, in a stable order."""
    keys = list(request.sweep)
    if not keys:
        return []
    return [dict(zip(keys, values, strict=True))
            for values in itertools.product(*(request.sweep[k] for k in keys))]


def with_template_settings(scenario: Scenario, template: str,
                           point: dict[str, int]) -> Scenario:
    """``scenario`` with the template's memory settings changed as ``point`` says;
    Hyper-V's rules apply (PlanError naming the point if they refuse)."""
    data = scenario.model_dump(mode="json")
    i = scenario.vm_index(template)
    memory = dict(data["vms"][i]["memory"])
    for key, value in point.items():
        memory[SWEEP_KEYS[key]] = value
    if not scenario.host.version.separate_minimum:
        memory["minimum_mb"] = memory["startup_mb"]
    data["vms"][i]["memory"] = memory
    label = ", ".join(f"{k}={v}" for k, v in point.items())
    try:
        check_memory_settings(scenario.vms[i].memory.model_validate(memory),
                              scenario.host.version, template)
    except MemoryChangeError as err:
        raise PlanError(f"sweep point {label}: {err.reason}", "sweep") from None
    return parse_scenario(data, f"sweep point {label}")


@dataclass
class _Job:
    """One search: a mode of one scenario (the plan's, or a sweep point's)."""

    spec: PlanSpec
    mode: Mode
    search: CountSearch
    point: dict[str, int] | None = None


def plan(scenario: Scenario, request: PlanRequest, executor: Executor | None = None,
         progress: Callable[[int, str], None] | None = None,
         cancel: threading.Event | None = None) -> PlanResult:
    """Answer the density question for ``scenario`` (see the module docstring).

    ``progress(done, message)`` is called after each simulation; setting ``cancel``
    stops the plan (:class:`PlanCancelled`): a simulation in this process stops at its
    next engine block; a pool's simulations are abandoned (the caller may terminate
    the pool, see :func:`~dmgui.core.planning.executors.stop_executor`).
    """
    template = check_request(scenario, request)
    executor = executor or InlineExecutor()
    if cancel is not None and cancel.is_set():
        raise PlanCancelled()
    max_copies = request.max_vms - len(scenario.vms)
    step = stagger_step(request.horizon_s, max_copies)

    # A simulation in this process stops between blocks on cancel; in a worker
    # process it runs to its end (the caller terminates the pool instead).
    inline = cancel if isinstance(executor, InlineExecutor) else None

    def spec_for(sc: Scenario) -> PlanSpec:
        return PlanSpec(sc, template, request.criterion, request.tolerance,
                        request.horizon_s, request.static_size, step, request.seed,
                        inline)

    base = spec_for(scenario)
    jobs = [_Job(base, Mode.STATIC, CountSearch(max_copies)),
            _Job(base, Mode.DYNAMIC, CountSearch(max_copies))]
    points = [(point, spec_for(with_template_settings(scenario, template, point)))
              for point in sweep_points(request)]  # every point checked before any run
    done = _run_jobs(jobs, executor, progress, cancel)
    if points:  # each point starts from the plan's own answer (see search.py)
        hint = jobs[1].search.answer.copies
        sweep_jobs = [_Job(spec, Mode.DYNAMIC, CountSearch(max_copies, hint), point)
                      for point, spec in points]
        _run_jobs(sweep_jobs, executor, progress, cancel, done)
        jobs += sweep_jobs
    static, dynamic = jobs[0].search, jobs[1].search
    sweep = [_sweep_row(job, static.answer) for job in jobs[2:]]
    return PlanResult(template, request, static.answer, dynamic.answer,
                      list(static.tried.values()) + list(dynamic.tried.values()), sweep)


def _sweep_row(job: _Job, static: Answer) -> dict[str, object]:
    answer = job.search.answer
    gain = _gain(answer, static)
    return {**job.point, **answer.to_dict(),
            "density_gain": None if gain is None else round(gain, 4)}


def _run_jobs(jobs: list[_Job], executor: Executor,
              progress: Callable[[int, str], None] | None,
              cancel: threading.Event | None, done: int = 0) -> int:
    """Advance every search until each has its answer, one simulation per search in
    flight; returns ``done`` plus the simulations run (progress counts on)."""
    running: dict[Future, _Job] = {}

    def feed(job: _Job) -> None:
        count = job.search.next_count()
        if count is not None:
            running[executor.submit(evaluate_point, job.spec, job.mode, count)] = job

    for job in jobs:
        feed(job)
    while running:
        if cancel is not None and cancel.is_set():
            for future in running:
                future.cancel()
            raise PlanCancelled()
        finished, _ = wait(list(running), timeout=0.2, return_when=FIRST_COMPLETED)
        for future in finished:
            job = running.pop(future)
            result = future.result()
            job.search.tell(result)
            done += 1
            if progress is not None:
                fits = "fits" if result.verdict.fits else "does not fit"
                progress(done, f"{job.mode.value}: {result.vms} VMs {fits}")
            feed(job)
    return done
