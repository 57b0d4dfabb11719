"""The simulation engine: a Hyper-V host's memory pool, its VMs and the balancer.

:class:`Simulation` advances in 1-second ticks and returns :class:`Block` s of
per-tick arrays. It is deterministic for a scenario and seed, knows nothing of
threads or Qt, and is vectorised over VMs: time is cut into *segments* between
events and lifecycle transitions, demand and targets are computed for a whole
segment at once, and only the balancer's recurrence runs tick by tick.

Lifecycle (spec §7.3–7.4): Off → Starting (``STARTING_S``) → Running (a start that does
not fit may first wait for memory to be ballooned out of others: see
:mod:`dmgui.core.sim.admission`); the guest's
Dynamic Memory VSC reports ``boot_delay_s`` after the start (never without
integration services); until then the VM holds Startup RAM. Shut Down and
Restart pass through Stopping (``STOPPING_S``); Turn Off is immediate. A Running VM
can be Saved (its memory goes back to the pool; Start restores it with that memory, see
:mod:`dmgui.core.sim.admission`) or Paused (it keeps its memory, its guest is frozen);
saving and pausing are instantaneous in the model.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from dmgui.core.model.guest_os import runtime_resize_allowed
from dmgui.core.model.memory import (
    MemoryChangeError,
    MemorySettings,
    check_memory_change,
)
from dmgui.core.model.scenario import Action, Event, Scenario
from dmgui.core.model.states import EventRecord, VmState
from dmgui.core.sim import balancer, compiled
from dmgui.core.sim.admission import (
    START_WAIT_S,
    STARTING_S,
    VERY_LOW_WEIGHT,
    StartAdmission,
)
from dmgui.core.sim.block import Block, BlockBuilder, Segment
from dmgui.core.sim.hot_add import HotAdd
from dmgui.core.sim.reconfigure import reconfigure_problem
from dmgui.core.sim.vm_arrays import VmArrays
from dmgui.core.sim.workload_bank import WorkloadBank

STOPPING_S = 10
INF = np.inf

__all__ = ["STARTING_S", "START_WAIT_S", "STOPPING_S", "VERY_LOW_WEIGHT", "Simulation"]


class Simulation(StartAdmission):
    """Steps a :class:`~dmgui.core.model.scenario.Scenario` one simulated second at a time.

    Parameters
    ----------
    scenario:
        The host, VMs and scheduled events.
    seed:
        Seed for the random workload generators; defaults to ``scenario.seed``.
    """

    def __init__(self, scenario: Scenario, seed: int | None = None) -> None:
        self.scenario = scenario
        self.host = scenario.host
        self.seed = scenario.seed if seed is None else seed
        self.names = [vm.name for vm in scenario.vms]
        self._index = {name: i for i, name in enumerate(self.names)}
        self.vms = VmArrays.from_scenario(scenario)
        self._bank = WorkloadBank([vm.workload for vm in scenario.vms], seed=self.seed,
                                  names=self.names)
        self.time = 0
        self._queue: list[Event] = sorted(scenario.events, key=lambda e: e.at_s)
        self._queue_pos = 0
        self._commands: list[Event] = []
        self._log: list[EventRecord] = []
        self._autostart_done = False
        #: Auto-starts still to come: (second, VM name), in start order.
        self._autostart_due: list[tuple[int, str]] = []
        self._targets: np.ndarray | None = None
        #: State and assigned memory before the first :meth:`apply_now` since the last
        #: tick: the next block's Added/Removed Memory count from there.
        self._before_commands: tuple[np.ndarray, np.ndarray] | None = None

    # -- public API -------------------------------------------------------------

    @property
    def event_log(self) -> list[EventRecord]:
        """Every event record so far (a copy)."""
        return list(self._log)

    def settings(self, vm: str) -> MemorySettings:
        """Current (validated) memory settings of ``vm``."""
        return self.vms.settings[self._index[vm]]

    def submit(self, action: Action | str, vm: str, memory: dict | None = None) -> None:
        """Queue an action for the next tick, or for :meth:`apply_now` (how the GUI
        drives the simulation)."""
        if vm not in self._index:
            raise KeyError(f"no VM named '{vm}'")
        self._commands.append(
            Event.model_validate({"at_s": self.time, "vm": vm, "action": action,
                                  "memory": memory})
        )

    def run(self, duration_s: int, block_s: int = 600) -> Iterator[Block]:
        """Yield blocks until ``duration_s`` more seconds have been simulated."""
        end = self.time + duration_s
        while self.time < end:
            yield self.advance(min(block_s, end - self.time))

    def advance_empty(self) -> Block:
        """A block of no ticks (a viewer's first frame, or one after a reset)."""
        return BlockBuilder(self.time, 0, len(self.names)).build(())

    def apply_now(self) -> Block:
        """Apply the submitted actions at the current second, without simulating it.

        How a paused viewer applies the user's actions: nothing but :meth:`advance`
        moves simulated time. Only the submitted commands are handled, in order;
        what is due at this second (lifecycle transitions, scheduled events, and
        before the first tick the auto-start) waits for the next :meth:`advance`,
        which handles it before that tick as usual. So at t = 0 the auto-start VMs
        are still Off: an edit applies to them as Off VMs, and they start with it.

        Returns a block of no ticks whose ``events`` are the commands' records.
        """
        if self._commands and self._before_commands is None:
            self._before_commands = (self.vms.state.copy(), self.vms.assigned.copy())
        log_start = len(self._log)
        commands, self._commands = self._commands, []
        for event in commands:
            self._apply(event)
        before = self._before_commands or (None, None)  # as the next tick's block has
        out = BlockBuilder(self.time, 0, len(self.names), *before)
        return out.build(tuple(self._log[log_start:]))

    def reconfigure(self, scenario: Scenario) -> None:
        """Switch to an edited scenario without losing the running state.

        VMs are matched by name: kept VMs keep their state, memory and current
        memory settings (settings change only through ``set_memory``, which applies
        Hyper-V's runtime rules); new VMs start Off. Scheduled events of removed VMs
        are dropped. Raises ValueError (and changes nothing) when
        :func:`~dmgui.core.sim.reconfigure.reconfigure_problem` finds the edit not allowed.
        """
        v = self.vms
        problem = reconfigure_problem(self.names, v.state, v.assigned, v.managed_mask(),
                                      v.settings, self.host, scenario, old=self.scenario)
        if problem:
            raise ValueError(problem)
        old_index = self._index
        arrays = VmArrays.from_scenario(scenario)
        for i, vm in enumerate(scenario.vms):
            if vm.name in old_index:
                arrays.copy_runtime(i, self.vms, old_index[vm.name],
                                    scenario.host.version, vm.name)
        self.scenario, self.host, self.vms = scenario, scenario.host, arrays
        self.names = [vm.name for vm in scenario.vms]
        self._index = {name: i for i, name in enumerate(self.names)}
        self._bank = WorkloadBank([vm.workload for vm in scenario.vms], seed=self.seed,
                                  names=self.names)
        pending = [e for e in self._queue[self._queue_pos:] if e.vm in self._index]
        self._autostart_due = [due for due in self._autostart_due if due[1] in self._index]
        self._queue, self._queue_pos = pending, 0
        self._commands = [e for e in self._commands if e.vm in self._index]
        if self._before_commands is not None:  # re-map it by name; new VMs were Off
            state, assigned = self._before_commands
            self._before_commands = (arrays.state.copy(), arrays.assigned.copy())
            for i, name in enumerate(self.names):
                if name in old_index:
                    self._before_commands[0][i] = state[old_index[name]]
                    self._before_commands[1][i] = assigned[old_index[name]]

    def advance(self, n_ticks: int) -> Block:
        """Simulate ``n_ticks`` seconds and return their per-tick values."""
        if n_ticks <= 0:
            raise ValueError("n_ticks must be positive")
        n_vms = len(self.names)
        before = self._before_commands or (self.vms.state.copy(), self.vms.assigned.copy())
        self._before_commands = None
        out = BlockBuilder(self.time, n_ticks, n_vms, *before)
        log_start = len(self._log)
        end = self.time + n_ticks
        while self.time < end:
            self._handle_due()
            seg_end = min(end, self._next_change())
            self._run_segment(out, seg_end - self.time)
        return out.build(tuple(self._log[log_start:]))

    # -- events and lifecycle ----------------------------------------------------

    def _handle_due(self) -> None:
        """Apply everything scheduled for the current second, in a stable order."""
        t = self.time
        if not self._autostart_done:
            self._autostart_done = True
            self._autostart_due = [(int(self.vms.autostart_delay[i]), self.names[i])
                                   for i in self.vms.autostart_order()]
        while self._autostart_due and self._autostart_due[0][0] <= t:
            i = self._index[self._autostart_due.pop(0)[1]]
            if self.vms.state[i] == VmState.OFF:  # not one started by hand before
                self._start(i, restart=False)
        self._finish_transitions(t)
        self._smart_paging_step()
        self._poll_waiting()
        while self._queue_pos < len(self._queue) and self._queue[self._queue_pos].at_s <= t:
            self._apply(self._queue[self._queue_pos])
            self._queue_pos += 1
        commands, self._commands = self._commands, []
        for event in commands:
            self._apply(event)

    def _next_change(self) -> int:
        t_next = INF
        if self._queue_pos < len(self._queue):
            t_next = self._queue[self._queue_pos].at_s
        if self._autostart_due:
            t_next = min(t_next, self._autostart_due[0][0])
        if self._commands or self._needs_every_second():
            t_next = self.time + 1
        t_next = min(t_next, self.vms.next_transition())
        return int(max(self.time + 1, t_next)) if t_next < INF else 2**62

    def _finish_transitions(self, t: int) -> None:
        v = self.vms
        for i in np.flatnonzero(v.transition_at <= t):
            state = VmState(v.state[i])
            if state is VmState.STARTING:
                v.state[i] = VmState.RUNNING
            elif state is VmState.STOPPING:
                restart = bool(v.restart_pending[i])
                self._stop_now(i, "stopped", "")
                if restart:
                    self._start(i, restart=True)
                continue
            v.transition_at[i] = INF
        for i in np.flatnonzero(v.vsc_at <= t):
            v.vsc_at[i] = INF
            v.vsc_ready[i] = True
            v.demand[i] = v.guest_demand[i]  # its first report, before any reclaim reads it
            self._record(i, "guest_ready", "The Dynamic Memory integration service reported.")

    def _apply(self, event: Event) -> None:
        i = self._index[event.vm]
        state = VmState(self.vms.state[i])
        action = event.action
        if action is Action.SET_MEMORY:
            self._set_memory(i, event)
        elif state in (VmState.SAVED, VmState.PAUSED):
            self._apply_held(i, action, state)
        elif action is Action.START:
            if state is VmState.OFF:
                self._start(i, restart=False)
            else:
                self._ignored(i, action, state)
        elif state is VmState.WAITING and action in (Action.TURN_OFF, Action.SHUTDOWN):
            self._cancel_wait(i)
        elif state is VmState.WAITING:
            self._ignored(i, action, state)
        elif state is VmState.OFF or (state is VmState.STOPPING and action is not Action.TURN_OFF):
            self._ignored(i, action, state)
        elif action is Action.TURN_OFF:
            self._stop_now(i, "turn_off", "Turned off.")
        elif action in (Action.SAVE, Action.PAUSE, Action.RESUME):
            self._save_or_pause(i, action, state)
        elif action is Action.SHUTDOWN and not self.vms.integration[i]:
            # A guest shutdown goes through the Shutdown integration service.
            self._record(i, "ignored", f"Cannot shut down '{self.names[i]}': the "
                         "Shutdown integration service is not available in the guest. "
                         "Use Turn Off instead.")
        else:
            self.vms.begin_stop(i, self.time + STOPPING_S, restart=action is Action.RESTART)
            self._record(i, action.value, "Restarting." if action is Action.RESTART
                         else "Shutting down.")

    def _save_or_pause(self, i: int, action: Action, state: VmState) -> None:
        """Save or Pause a Running VM (not while it starts: its guest is not up)."""
        v = self.vms
        if state is not VmState.RUNNING or action is Action.RESUME:
            self._ignored(i, action, state)
        elif action is Action.SAVE:
            self._save(i)
        else:
            v.pause(i, self.time)
            self._record(i, "pause", "Paused: the guest keeps its memory.")

    def _apply_held(self, i: int, action: Action, state: VmState) -> None:
        """What a Saved or Paused VM does with an action (spec §2.4: Start is allowed
        from Saved and Paused)."""
        v = self.vms
        if action is Action.TURN_OFF:
            was = "The saved state was deleted" if state is VmState.SAVED else "Turned off"
            self._stop_now(i, "turn_off", f"{was}; the virtual machine is off.")
        elif state is VmState.SAVED and action is Action.START:
            self._restore(i)
        elif state is VmState.PAUSED and action in (Action.START, Action.RESUME):
            v.resume(i, self.time)
            self._record(i, "resume", "Resumed.")
        elif state is VmState.PAUSED and action is Action.SAVE:
            self._save(i)
        else:
            self._ignored(i, action, state)

    def _save(self, i: int) -> None:
        self.vms.save(i, self.time)
        self._record(i, "save", f"Saved: {self.vms.saved_mb[i]:.0f} MB of memory written "
                     "to the saved state and given back to the host.")

    def _ignored(self, i: int, action: Action, state: VmState) -> None:
        self._record(i, "ignored", f"Cannot {action.value.replace('_', ' ')}: the "
                     f"virtual machine is {state.label.lower()}. The operation cannot be "
                     "performed while the object is in its current state.")

    def _stop_now(self, i: int, kind: str, message: str) -> None:
        self.vms.power_off(i)
        self._record(i, kind, message)

    def _set_memory(self, i: int, event: Event) -> None:
        v = self.vms
        current = v.settings[i]
        proposed = event.memory.apply_to(current)
        running = v.state[i] != VmState.OFF
        try:
            checked = check_memory_change(current, proposed, self.host.version,
                                          self.names[i], running)
            if running and not checked.dynamic_memory_enabled:
                self._check_static_resize(i, checked)
        except MemoryChangeError as err:
            self._record(i, "set_memory_refused", str(err))
            return
        if checked == current:
            self._record(i, "set_memory", "Memory settings unchanged.")
            return
        v.apply_settings(i, checked, running)
        self._record(i, "set_memory", "Memory settings changed.")

    def _check_static_resize(self, i: int, new: MemorySettings) -> None:
        """Runtime resize of static memory (2016+, V8): it must fit host and guest."""
        v = self.vms
        name = self.names[i]
        state = VmState(v.state[i])
        if state in (VmState.SAVED, VmState.PAUSED):
            raise MemoryChangeError(
                f"The memory cannot be changed while the virtual machine is "
                f"{state.label.lower()}.", "startup_mb", name)
        if not runtime_resize_allowed(v.guest_os[i]):
            raise MemoryChangeError(
                f"The memory of {v.guest_os[i].label} cannot be changed while the virtual "
                "machine is running (runtime resize needs a Windows Server 2016 or "
                "Windows 10 guest).", "startup_mb", name)
        booted = self.time - v.boot_time[i] >= max(v.boot_delay[i], STARTING_S)
        if not (v.integration[i] and booted):
            raise MemoryChangeError(
                "The memory cannot be changed while the virtual machine is running: "
                + ("it has no integration services." if not v.integration[i] else
                   "the guest is still booting."), "startup_mb", name)
        delta = new.startup_mb - v.assigned[i]
        if delta > v.free_mb(self.host):
            raise MemoryChangeError(
                f"Not enough memory in the system to resize the virtual machine "
                f"{self.names[i]} to {new.startup_mb} MB.", "startup_mb", self.names[i])
        if v.vsc_ready[i] and new.startup_mb < v.guest_demand[i]:
            raise MemoryChangeError(
                f"Cannot remove more memory than the guest has available: it is using "
                f"{v.guest_demand[i]:.0f} MB.", "startup_mb", self.names[i])

    def _record(self, i: int, kind: str, message: str) -> None:
        self._log.append(EventRecord(self.time, self.names[i], kind, message))

    # -- the per-tick balancer ---------------------------------------------------

    def _run_segment(self, out: BlockBuilder, n: int) -> None:
        """Simulate ``n`` ticks during which no event or transition happens."""
        v = self.vms
        k0 = self.time - out.t0
        rows = slice(k0, k0 + n)
        active = v.active_mask()
        guest = out.guest_demand[rows]
        if active.any():
            boot = np.where(active, v.boot_time, np.nan)
            self._bank.demand(out.time[rows], boot, out=guest)
            guest *= active
            paused = v.state == VmState.PAUSED
            if paused.any():  # a frozen guest commits nothing new
                guest[:, paused] = v.guest_demand[paused]
        else:
            guest[:] = 0.0
        managed = v.managed_mask()
        assigned = out.assigned[rows]
        out.add_segment(Segment(k0, k0 + n, v.state.copy(), managed,
                                v.smart_paging.copy(), v.buffer_percent.copy(),
                                v.guest_visible.copy(), v.free_pool_mb(self.host)))
        if managed.any():
            self._balance(managed, guest, assigned)
            peak = np.maximum(v.guest_visible, assigned.max(axis=0))
            v.guest_visible = np.where(managed, peak, v.guest_visible)
        else:
            assigned[:] = v.assigned
        v.guest_demand[:] = guest[-1]
        v.demand[:] = guest[-1] * managed
        self.time += n

    def _balance(self, managed: np.ndarray, demand: np.ndarray, out: np.ndarray) -> None:
        """Run the balancer for each row of ``demand``, writing assigned rows to ``out``.

        It works on every column: a VM the balancer does not move gets bounds and
        target equal to its assigned memory and a balloon rate of 0, so it stays put.
        """
        v = self.vms
        # A VM with a Smart Paging file holds its physical memory while ballooning
        # removes the paged part (admission.py); a cap holds VMs while a start waits.
        moved = managed & (v.smart_paging <= 0)
        lo = np.where(moved, v.minimum, v.assigned)
        hi = np.where(moved, np.minimum(v.maximum, v.cap), v.assigned)
        rate = np.where(moved, v.rate, 0.0)
        if compiled.balance_segment is not None:
            self._balance_compiled(moved, lo, hi, rate, demand, out)
            return
        target = self._target_buffer(demand.shape)
        np.multiply(demand, v.buffer_factor * 0.5, out=target)  # align up to 2 MB:
        np.ceil(target, out=target)  # ceil(x / 2) * 2
        target *= 2.0
        np.maximum(target, lo, out=target)  # np.clip(target, lo, hi), quicker
        np.minimum(target, hi, out=target)
        pool = v.free_pool_mb(self.host)
        claims = balancer.weight_claims(v.weight)
        a = v.assigned.copy()
        total = np.add.reduce
        hot = HotAdd(v, lo < hi, self.host.hot_add_delay_s, target)
        floor = np.empty_like(a)
        for k in range(target.shape[0]):
            row, tk = out[k], hot.limit(k, target[k])
            np.subtract(a, rate, out=row)
            np.maximum(row, tk, out=row)
            contended = total(row) > pool
            if contended:  # floor = min(clip(align_up(demand), lo, hi), tk), in place
                np.multiply(demand[k], 0.5, out=floor)
                np.ceil(floor, out=floor)
                floor *= 2.0
                np.maximum(floor, lo, out=floor)
                np.minimum(floor, hi, out=floor)
                np.minimum(floor, tk, out=floor)
                row[:] = balancer.contended_step(a, floor, tk, lo, rate, claims, pool)
            hot.grew(row, contended)
            a = row
        v.assigned[:] = a
        hot.store()

    def _balance_compiled(self, moved: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                          rate: np.ndarray, demand: np.ndarray, out: np.ndarray) -> None:
        """:meth:`_balance`'s tick loop, compiled (:mod:`dmgui.core.sim.compiled`):
        the same values, bit for bit."""
        v = self.vms
        claims = balancer.weight_claims(v.weight)
        a = v.assigned.copy()
        seen = v.guest_visible.copy()
        wait = v.hot_wait.copy()
        compiled.balance_segment(
            np.ascontiguousarray(demand), v.buffer_factor * 0.5, lo, hi, rate, moved, a,
            seen, wait, float(self.host.hot_add_delay_s), v.free_pool_mb(self.host),
            claims.claim, claims.order, out)
        v.assigned[:] = a
        v.hot_wait[:] = wait

    def _target_buffer(self, shape: tuple[int, int]) -> np.ndarray:
        """A reused scratch array (allocating one per segment costs page faults)."""
        buf = self._targets
        if buf is None or buf.shape[0] < shape[0] or buf.shape[1] != shape[1]:
            buf = self._targets = np.empty(shape)
        return buf[: shape[0]]
