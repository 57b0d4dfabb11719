"""The scenarios the planner simulates: the user's, plus copies of a template VM, in
Dynamic Memory or static mode (issue 9 §1).

* **Copies** of the template are named ``NAME-2``, ``NAME-3``… (as Clone VM names
  them), have its settings, workload, guest and events, and their own random draws
  (a workload's draws follow the VM's name). They start as the template does, each
  :func:`stagger_step` seconds after the one before — through Hyper-V's automatic start
  delay, or with the template's events shifted — so a boot storm does not decide the
  answer. The step is fixed for a whole plan (copy *k* always starts at the same
  second), at most :data:`STAGGER_S`, and small enough that the last possible copy has
  started within the first quarter of the horizon (:func:`min_horizon_s` leaves room
  for it to boot and be judged).
* **Static mode**: every Dynamic Memory VM becomes static. The template and its copies
  get ``static_size``: ``peak`` — the smallest memory that keeps the VM within the
  criterion over the horizon: all but ``tolerance`` of its judged seconds fit demand
  (× (1 + buffer/100) for ``ok``), aligned up to 2 MB —, ``maximum``, ``startup`` or a
  number of MB. Every other Dynamic Memory VM gets ``peak``.
"""

from __future__ import annotations

import math
from enum import Enum

import numpy as np

from dmgui.core.model import limits
from dmgui.core.model.memory import MemoryChangeError, check_memory_settings
from dmgui.core.model.names import copy_names
from dmgui.core.model.scenario import Action, Scenario, VirtualMachine, parse_scenario
from dmgui.core.planning.criterion import Criterion
from dmgui.core.sim.admission import STARTING_S
from dmgui.core.sim.engine import STOPPING_S
from dmgui.core.sim.workload_bank import WorkloadBank

#: Longest gap between the starts of two copies, s.
STAGGER_S = 30
_CHUNK_S = 3600  # demand is evaluated an hour at a time


class Mode(str, Enum):
    """Dynamic: the scenario as written. Static: every Dynamic Memory VM static."""

    STATIC = "static"
    DYNAMIC = "dynamic"


class PlanError(ValueError):
    """A plan that cannot be made; the message is one line for the user.

    ``field`` names the input it is about (``template``, ``horizon``, ``tolerance``,
    ``max_vms``, ``sweep``, ``static_size``; empty if none), so a form can show it
    next to that input.
    """

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def template_starts(scenario: Scenario, template: str) -> bool:
    """Whether the template VM starts at all (automatically or by an event)."""
    vm = scenario.vms[scenario.vm_index(template)]
    return vm.autostart or any(e.vm == template and e.action is Action.START
                               for e in scenario.events)


def stagger_step(horizon_s: int, max_copies: int) -> float:
    """Seconds between copies' starts (see the module docstring): at most
    :data:`STAGGER_S`, and short enough that copy ``max_copies`` starts within the first
    quarter of the horizon (several copies then share a second)."""
    return min(float(STAGGER_S), horizon_s / 4 / max(max_copies, 1))


def min_horizon_s(scenario: Scenario, template: str) -> int:
    """The shortest horizon in which every copy starts and is judged: four times the
    template's boot (copies start within the first quarter, then boot)."""
    vm = scenario.vms[scenario.vm_index(template)]
    return 4 * (max(vm.boot_delay_s, STARTING_S) + vm.autostart_delay_s)


def with_copies(scenario: Scenario, template: str, copies: int, step: float) -> Scenario:
    """``scenario`` plus ``copies`` copies of ``template``; copy *k* starts
    ``floor(k × step)`` s after the template."""
    if copies <= 0:
        return scenario
    data = scenario.model_dump(mode="json")
    tpl = scenario.vms[scenario.vm_index(template)]
    names = copy_names(template, copies, {vm.name for vm in scenario.vms})
    events = [e for e in data["events"] if e["vm"] == template]
    for k, name in enumerate(names, start=1):
        shift = int(k * step)
        data["vms"].append(dict(tpl.model_dump(mode="json"), name=name,
                                autostart_delay_s=min(tpl.autostart_delay_s + shift,
                                                      limits.MAX_SIM_SECONDS)))
        data["events"] += [dict(e, vm=name, at_s=min(e["at_s"] + shift,
                                                     limits.MAX_SIM_SECONDS))
                           for e in events]
    return parse_scenario(data, "The plan")


def copy_names_for(scenario: Scenario, template: str, copies: int) -> list[str]:
    """The names :func:`with_copies` gives ``copies`` copies."""
    return copy_names(template, copies, {vm.name for vm in scenario.vms})


def static_version(scenario: Scenario, sized: set[str], static_size: str | int,
                   criterion: Criterion, tolerance: float, horizon_s: int,
                   seed: int | None = None) -> Scenario:
    """``scenario`` with every Dynamic Memory VM static; VMs in ``sized`` (the template
    and its copies) get ``static_size``, the others ``peak``."""
    data = scenario.model_dump(mode="json")
    dynamic = [i for i, vm in enumerate(scenario.vms) if vm.memory.dynamic_memory_enabled]
    peak_of = [i for i in dynamic
               if scenario.vms[i].name not in sized or static_size == "peak"]
    peaks = peak_sizes(scenario, peak_of, criterion, tolerance, horizon_s, seed)
    version = scenario.host.version
    for i in dynamic:
        vm = scenario.vms[i]
        size = peaks.get(i) if i in peaks else _fixed_size(vm, static_size)
        memory = dict(data["vms"][i]["memory"], dynamic_memory_enabled=False,
                      startup_mb=int(size))
        try:
            check_memory_settings(vm.memory.model_validate(memory), version, vm.name)
        except MemoryChangeError as err:
            raise PlanError(f"static size of '{vm.name}': {err.reason}",
                            "static_size") from None
        data["vms"][i]["memory"] = memory
    return parse_scenario(data, "The static plan")


def _fixed_size(vm: VirtualMachine, static_size: str | int) -> int:
    if static_size == "maximum":
        return vm.memory.maximum_mb
    if static_size == "startup":
        return vm.memory.startup_mb
    return int(static_size)


def start_times(scenario: Scenario) -> np.ndarray:
    """Each VM's first start in the scenario (auto-start delay or first start event);
    NaN for a VM that never starts."""
    first = {}
    for e in sorted(scenario.events, key=lambda e: e.at_s):
        if e.action is Action.START:
            first.setdefault(e.vm, e.at_s)
    return np.array([float(vm.autostart_delay_s) if vm.autostart
                     else float(first.get(vm.name, np.nan)) for vm in scenario.vms])


def judged_windows(scenario: Scenario, i: int, horizon_s: int) -> list[tuple[int, int]]:
    """The seconds ``[a, b)`` in which VM ``i`` would be judged if every start
    succeeded: from each boot (or restore/resume) to its next shutdown, turn-off, save,
    pause or restart, as :class:`~dmgui.core.planning.criterion.Judge` counts them."""
    vm = scenario.vms[i]
    boot = max(vm.boot_delay_s, STARTING_S)
    actions = [(vm.autostart_delay_s, Action.START)] if vm.autostart else []
    actions += [(e.at_s, e.action) for e in sorted(scenario.events, key=lambda e: e.at_s)
                if e.vm == vm.name]
    spans: list[tuple[int, int]] = []
    state, ready = "off", 0  # off, on, saved, paused

    def close(t: int) -> None:
        if ready < t:
            spans.append((ready, min(t, horizon_s)))

    for t, action in actions:
        if action is Action.START and state in ("saved", "paused"):
            state, ready = "on", t
        elif action is Action.START and state == "off":
            state, ready = "on", t + boot
        elif action is Action.RESUME and state == "paused":
            state, ready = "on", t
        elif state == "on" and action in (Action.SHUTDOWN, Action.TURN_OFF,
                                          Action.SAVE, Action.PAUSE, Action.RESTART):
            close(t)
            state = {Action.SAVE: "saved", Action.PAUSE: "paused"}.get(action, "off")
            if action is Action.RESTART:
                state, ready = "on", t + STOPPING_S + boot
        elif action is Action.TURN_OFF:
            state = "off"
    if state == "on":
        close(horizon_s)
    return [(a, b) for a, b in spans if a < horizon_s]


def peak_sizes(scenario: Scenario, columns: list[int], criterion: Criterion,
               tolerance: float, horizon_s: int, seed: int | None) -> dict[int, int]:
    """The ``peak`` static size of each VM in ``columns`` (see the module docstring).

    Demand is the workload's over the judged time (from the first start plus the boot
    delay to the horizon); a VM that never starts keeps its Startup RAM.
    """
    sizes: dict[int, int] = {}
    if not columns:
        return sizes
    vms = [scenario.vms[i] for i in columns]
    bank = WorkloadBank([vm.workload for vm in vms],
                        seed=scenario.seed if seed is None else seed,
                        names=[vm.name for vm in vms])
    boot = start_times(scenario)[columns]
    windows = [judged_windows(scenario, i, horizon_s) for i in columns]
    factor = np.array([1.0 + vm.memory.buffer_percent / 100.0 if criterion is Criterion.OK
                       else 1.0 for vm in vms])
    judged = np.array([sum(b - a for a, b in w) for w in windows], float)
    keep = (np.floor(tolerance * judged + 1e-9) + 1).astype(int)  # largest values kept
    top = [np.zeros(0) for _ in vms]
    for t0 in range(0, horizon_s, _CHUNK_S):
        times = np.arange(t0, min(t0 + _CHUNK_S, horizon_s), dtype=np.int64)
        need = bank.demand(times, boot) * factor
        for k, spans in enumerate(windows):  # only the seconds the judge would judge
            inside = np.zeros(times.size, bool)
            for a, b in spans:
                inside |= (times >= a) & (times < b)
            need[~inside, k] = -np.inf
        for k in range(len(vms)):
            merged = np.concatenate([top[k], need[:, k]])
            if merged.size > keep[k]:
                merged = np.partition(merged, merged.size - keep[k])[-keep[k]:]
            top[k] = merged
    version_min = scenario.host.version.limits.startup_min_mb
    for k, i in enumerate(columns):
        values = top[k][np.isfinite(top[k])]
        if judged[k] <= 0 or values.size == 0:
            sizes[i] = vms[k].memory.startup_mb
            continue
        # The smallest of the kept values: all larger ones are the allowed exceptions.
        size = float(np.min(values)) if values.size >= keep[k] else float(values.max())
        sizes[i] = int(max(version_min, math.ceil(size / 2.0) * 2))
    return sizes
