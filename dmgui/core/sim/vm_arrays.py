"""Per-VM state of a running simulation, held as parallel numpy arrays."""

from __future__ import annotations

import numpy as np

from dmgui.core.model.guest_os import dynamic_memory_works
from dmgui.core.model.memory import (
    MemorySettings,
    VersionProfile,
    check_memory_settings,
)
from dmgui.core.model.scenario import Host, Scenario
from dmgui.core.model.states import VmState, holds_memory
from dmgui.core.sim import balancer

INF = np.inf


class VmArrays:
    """Settings and runtime values of every VM, one array element per VM.

    Memory values are float64 MB that always hold multiples of 2 MB.
    """

    def __init__(self, n: int, host: Host | None = None) -> None:
        self.host = host or Host()
        self.settings: list[MemorySettings] = [MemorySettings()] * n
        self.dm = np.zeros(n, bool)
        self.startup = np.zeros(n)
        self.minimum = np.zeros(n)
        self.maximum = np.zeros(n)
        self.buffer_percent = np.zeros(n)
        self.buffer_factor = np.ones(n)
        self.weight = np.zeros(n)
        self.rate = np.full(n, 2.0)
        self.overhead = np.zeros(n)  # MB the host spends on the VM while it runs
        self.integration = np.ones(n, bool)
        self.dm_reports = np.ones(n, bool)  # the guest's DM VSC runs on this host
        self.guest_os: list = [None] * n
        self.boot_delay = np.zeros(n)
        self.autostart = np.zeros(n, bool)
        self.autostart_delay = np.zeros(n, np.int64)
        # Runtime values.
        self.state = np.zeros(n, np.int8)
        self.assigned = np.zeros(n)
        self.guest_visible = np.zeros(n)
        self.smart_paging = np.zeros(n)
        self.demand = np.zeros(n)  # reported demand at the last tick
        self.guest_demand = np.zeros(n)  # the guest's commit at the last tick
        self.boot_time = np.full(n, np.nan)
        self.transition_at = np.full(n, INF)
        self.vsc_at = np.full(n, INF)
        self.vsc_ready = np.zeros(n, bool)
        self.restart_pending = np.zeros(n, bool)
        # Start admission by ballooning (issue 8 §1.3): while a VM waits to start, the
        # balanced VMs may not grow above ``cap`` (donors balloon down toward theirs).
        self.cap = np.full(n, INF)
        self.wait_since = np.full(n, np.nan)
        self.hot_wait = np.zeros(n)  # seconds the target has been above guest-visible
        # What a start or restore that waits for memory needs (Startup RAM, or the
        # memory the VM held when it was saved).
        self.need = np.zeros(n)
        # Saved and Paused (issue 8 §1.7): the memory in the saved state (its
        # assigned memory plus any Smart Paging part; 0 = no saved state), what the
        # guest saw, whether its DM VSC was reporting, and since when it is held.
        self.saved_mb = np.zeros(n)
        self.saved_visible = np.zeros(n)
        self.saved_vsc = np.zeros(n, bool)
        self.held_since = np.full(n, np.nan)
        self.vsc_left = np.full(n, INF)  # seconds to the guest's first report, held

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> VmArrays:
        """Arrays for the scenario's VMs, all Off, with validated settings."""
        arrays = cls(len(scenario.vms), scenario.host)
        for i, vm in enumerate(scenario.vms):
            settings = check_memory_settings(vm.memory, scenario.host.version, vm.name)
            arrays.apply_settings(i, settings, running=False)
            arrays.integration[i] = vm.integration_services
            arrays.dm_reports[i] = vm.integration_services and dynamic_memory_works(
                vm.guest_os, scenario.host.version)
            arrays.guest_os[i] = vm.guest_os
            arrays.boot_delay[i] = vm.boot_delay_s
            arrays.autostart[i] = vm.autostart
            arrays.autostart_delay[i] = vm.autostart_delay_s
        return arrays

    def apply_settings(self, i: int, s: MemorySettings, running: bool) -> None:
        """Store validated settings; a running static VM is resized at once (V8)."""
        self.settings[i] = s
        self.dm[i] = s.dynamic_memory_enabled
        self.startup[i] = s.startup_mb
        self.minimum[i] = s.minimum_mb if s.dynamic_memory_enabled else s.startup_mb
        self.maximum[i] = s.maximum_mb if s.dynamic_memory_enabled else s.startup_mb
        self.buffer_percent[i] = s.buffer_percent
        self.buffer_factor[i] = 1.0 + s.buffer_percent / 100.0
        self.weight[i] = s.weight
        self.rate[i] = balancer.balloon_rate_mb(np.array([s.startup_mb]),
                                                self.host.balloon_rate_percent / 100)[0]
        self.overhead[i] = self.host.vm_overhead_for(s.startup_mb)
        if running and not s.dynamic_memory_enabled:
            self.assigned[i] = s.startup_mb
            self.guest_visible[i] = s.startup_mb

    _RUNTIME = ("state", "assigned", "guest_visible", "smart_paging", "demand",
                "guest_demand", "boot_time", "transition_at", "vsc_at", "vsc_ready",
                "restart_pending", "cap", "wait_since", "hot_wait", "need", "saved_mb",
                "saved_visible", "saved_vsc", "held_since", "vsc_left")

    def copy_runtime(self, i: int, other: VmArrays, j: int, profile: VersionProfile,
                     name: str) -> None:
        """Make VM ``i`` continue VM ``j`` of ``other``: its runtime values and its
        current memory settings (as ``profile`` stores them)."""
        for field in self._RUNTIME:
            getattr(self, field)[i] = getattr(other, field)[j]
        settings = check_memory_settings(other.settings[j], profile, name)
        self.apply_settings(i, settings, running=False)

    # -- queries ---------------------------------------------------------------------

    def active_mask(self) -> np.ndarray:
        """VMs that hold memory (any state but Off and Waiting)."""
        return holds_memory(self.state)

    def managed_mask(self) -> np.ndarray:
        """Running DM VMs whose guest reports demand: the ones the balancer moves."""
        return (self.state == VmState.RUNNING) & self.dm & self.vsc_ready

    def free_pool_mb(self, host: Host) -> float:
        """Memory the VMs' assigned memory may use: pool minus running overheads."""
        return host.vm_pool_mb - float(self.overhead[self.active_mask()].sum())

    def free_mb(self, host: Host) -> float:
        """Memory not assigned to any VM (the balancer's Available Memory)."""
        return self.free_pool_mb(host) - float(self.assigned.sum())

    def next_transition(self) -> float:
        """The earliest second at which some VM changes state or starts reporting."""
        return float(min(self.transition_at.min(initial=INF), self.vsc_at.min(initial=INF)))

    def autostart_order(self) -> list[int]:
        """Auto-start VMs by start delay, then higher weight first (weight guides
        start order, [MSB S17])."""
        idx = np.flatnonzero(self.autostart)
        order = np.lexsort((-self.weight[idx], self.autostart_delay[idx]))
        return [int(i) for i in idx[order]]

    # -- transitions -----------------------------------------------------------------

    def power_on(self, i: int, assigned_mb: float, t: int, starting_s: int) -> None:
        """Start VM ``i`` holding ``assigned_mb``; the guest sees Startup RAM."""
        self.state[i] = VmState.STARTING
        self.assigned[i] = assigned_mb
        self.guest_visible[i] = self.startup[i]
        self.smart_paging[i] = 0.0
        self.boot_time[i] = t
        self.transition_at[i] = t + starting_s
        ready = max(self.boot_delay[i], starting_s)
        self.vsc_at[i] = t + ready if self.dm_reports[i] else INF
        self.vsc_ready[i] = False
        self.restart_pending[i] = False
        self.wait_since[i] = np.nan

    def begin_wait(self, i: int, t: int, need_mb: float) -> None:
        """VM ``i`` waits (holding nothing) for ``need_mb`` to be ballooned out of
        others."""
        self.state[i] = VmState.WAITING
        self.wait_since[i] = t
        self.need[i] = need_mb

    def save(self, i: int, t: int) -> None:
        """Save VM ``i``: its memory (with any Smart Paging part) goes to the saved
        state and back to the pool; the guest's uptime stops until it is restored."""
        saved = self.assigned[i] + self.smart_paging[i]
        visible = max(self.guest_visible[i], saved)
        vsc = self.vsc_ready[i]
        if self.state[i] != VmState.PAUSED:
            self._hold(i, t)
        since, left, boot_time = self.held_since[i], self.vsc_left[i], self.boot_time[i]
        self.power_off(i)
        self.saved_mb[i], self.saved_visible[i], self.saved_vsc[i] = saved, visible, vsc
        self.held_since[i], self.vsc_left[i], self.boot_time[i] = since, left, boot_time
        self.state[i] = VmState.SAVED

    def restore(self, i: int, t: int) -> None:
        """Restore saved VM ``i`` with the memory it had (the caller checked it is
        free): it runs on where it stopped, its guest clock shifted by the time saved."""
        self.state[i] = VmState.RUNNING
        self.assigned[i] = self.saved_mb[i]
        self.guest_visible[i] = self.saved_visible[i]
        self.vsc_ready[i] = self.saved_vsc[i]
        self._continue(i, t)
        self.saved_mb[i] = 0.0
        self.wait_since[i] = np.nan

    def pause(self, i: int, t: int) -> None:
        """Pause VM ``i``: it keeps its memory and the balancer leaves it alone."""
        self.state[i] = VmState.PAUSED
        self._hold(i, t)

    def resume(self, i: int, t: int) -> None:
        """Resume paused VM ``i``; its guest clock is shifted by the time paused."""
        self.state[i] = VmState.RUNNING
        self._continue(i, t)

    def _hold(self, i: int, t: int) -> None:
        """Stop VM ``i``'s guest clock: a pending first VSC report waits too."""
        self.held_since[i] = t
        self.vsc_left[i] = self.vsc_at[i] - t  # INF stays INF
        self.vsc_at[i] = INF

    def _continue(self, i: int, t: int) -> None:
        """Start VM ``i``'s guest clock again where it stopped: its boot time and a
        pending first VSC report move by the time it was held."""
        self.boot_time[i] += t - self.held_since[i]
        self.vsc_at[i] = t + self.vsc_left[i]
        self.held_since[i] = np.nan
        self.vsc_left[i] = INF

    def begin_stop(self, i: int, until: int, restart: bool) -> None:
        """Enter Stopping; memory is held (and no longer balanced) until ``until``."""
        self.state[i] = VmState.STOPPING
        self.transition_at[i] = until
        self.vsc_at[i] = INF
        self.vsc_ready[i] = False
        self.restart_pending[i] = restart

    def power_off(self, i: int) -> None:
        """Turn VM ``i`` off and give its memory back to the pool."""
        self.state[i] = VmState.OFF
        for arr in (self.assigned, self.guest_visible, self.smart_paging, self.demand,
                    self.guest_demand):
            arr[i] = 0.0
        self.boot_time[i] = np.nan
        self.transition_at[i] = INF
        self.vsc_at[i] = INF
        self.vsc_ready[i] = False
        self.restart_pending[i] = False
        self.wait_since[i] = np.nan
        self.cap[i] = INF
        self.hot_wait[i] = 0.0
        self.saved_mb[i] = 0.0
        self.held_since[i] = np.nan
        self.vsc_left[i] = INF
