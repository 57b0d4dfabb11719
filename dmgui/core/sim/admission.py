"""Starting a VM: admission, reclaim by ballooning, and Smart Paging (spec §3.4, §3.5,
§7.3; issue 8 §1.3, §1.4).

A :class:`Simulation` mixes this in. The rules:

* A VM starts at once when its Startup RAM plus its overhead is free.
* A *restart* of a Dynamic Memory VM on 2012+ that does not fit uses **Smart Paging**
  for the gap, with whatever physical memory is free (at least its Minimum). The paged
  part stays in the Smart Paging file until ballooning has removed it, at the VM's
  balloon rate once its guest reports; the VM keeps its physical memory meanwhile and
  the Memory Status reads "Paging".
* Otherwise, unless its weight is very low (below :data:`VERY_LOW_WEIGHT`), memory is
  **ballooned out** of running Dynamic Memory VMs: lower weights give first, their
  buffers before anything below their demand, and below demand only VMs whose weight is
  at most the starter's, down to their Minimum. The VM *waits* (state Waiting, shown as
  "Starting (waiting for memory)") while the donors balloon down at their balloon rate
  and no balanced VM grows; it starts as soon as the memory is free, and fails with
  Hyper-V's text if that takes longer than :data:`START_WAIT_S`. Nothing is taken for a
  start that could not fit even with every eligible donor at its floor.
* **Restoring** a saved VM (issue 8 §1.7) needs the memory it held when it was saved,
  admitted the same way (no Smart Paging: it is no restart); if that fails the VM stays
  Saved and the start-failure text names that amount.
"""

from __future__ import annotations

import numpy as np

from dmgui.core.model.states import VmState, start_failure_message
from dmgui.core.sim import balancer

STARTING_S = 2
#: A VM whose weight is below this does not reclaim memory from others to start
#: (spec §3.3 item 4: "unless that priority is very low"; threshold [INF]).
VERY_LOW_WEIGHT = 1000
#: Longest a start waits for memory to be ballooned out of other VMs before it fails
#: (undocumented by Microsoft; a modelling choice, see docs/model.md).
START_WAIT_S = 60
INF = np.inf


class StartAdmission:
    """Start admission for :class:`dmgui.core.sim.engine.Simulation` (uses its ``vms``,
    ``host``, ``time``, ``names`` and ``_record``)."""

    def _start(self, i: int, restart: bool) -> None:
        """A start or restart of VM ``i`` at the current second."""
        v = self.vms
        need = float(v.startup[i])
        free = self._free_for(i)
        if free >= need:
            self._power_on(i, need, "Started after a restart." if restart else "Started.")
        elif self._smart_paging_allowed(i, restart) and free >= v.minimum[i]:
            physical = float(balancer.align_down(np.array(free)))
            v.power_on(i, physical, self.time, STARTING_S)
            v.smart_paging[i] = need - physical
            self._record(i, "smart_paging", f"Restarted with Smart Paging: {physical:.0f} MB "
                         f"of memory, {need - physical:.0f} MB in the Smart Paging file.")
        elif not self._begin_wait(i, need, need - free):
            self._record(i, "start_failed", start_failure_message(self.names[i], int(need)))

    def _restore(self, i: int) -> None:
        """Start of a saved VM: it needs the memory it had, at once or after waiting."""
        need = float(self.vms.saved_mb[i])
        free = self._free_for(i)
        if free >= need:
            self._restore_now(i, "Restored from the saved state.")
        elif not self._begin_wait(i, need, need - free):
            self._record(i, "start_failed", start_failure_message(self.names[i], int(need)))

    def _restore_now(self, i: int, message: str) -> None:
        self.vms.restore(i, self.time)
        self._record(i, "restore", message)

    def _free_for(self, i: int) -> float:
        """Memory free for VM ``i``'s Startup RAM (after its own overhead)."""
        return self.vms.free_mb(self.host) - self.vms.overhead[i]

    def _power_on(self, i: int, need: float, message: str) -> None:
        self.vms.power_on(i, need, self.time, STARTING_S)
        self._record(i, "start", message)

    def _smart_paging_allowed(self, i: int, restart: bool) -> bool:
        """Only a restart of a DM VM on 2012+ may use Smart Paging (spec §3.5 [DOC S1])."""
        return restart and bool(self.vms.dm[i]) and self.host.version.smart_paging

    def _begin_wait(self, i: int, need_mb: float, short_mb: float) -> bool:
        """Plan the reclaim of ``short_mb`` for VM ``i`` (which needs ``need_mb``); if it
        can work, cap the donors and wait."""
        v = self.vms
        if v.weight[i] < VERY_LOW_WEIGHT:
            return False
        donors, take = self._reclaim_plan(i, short_mb)
        if take.sum() < short_mb:
            return False  # it could not fit: take nothing for nothing
        managed = v.managed_mask()
        v.cap = np.where(managed, np.minimum(v.cap, v.assigned), v.cap)  # nobody grows
        v.cap[donors] = np.minimum(v.cap[donors], v.assigned[donors] - take)
        v.begin_wait(i, self.time, need_mb)
        self._record(i, "start_waiting", f"Waiting for memory: ballooning {short_mb:.0f} MB "
                     f"out of other virtual machines (at most {START_WAIT_S} s).")
        return True

    def _reclaim_plan(self, i: int, short_mb: float) -> tuple[np.ndarray, np.ndarray]:
        """Donors and how much each gives for VM ``i`` to start (2 MB steps).

        Lower weights give first: every DM VM's buffer (down to its demand), then,
        from VMs whose weight is at most the starter's, memory below demand down
        to their Minimum (spec §3.3 item 4, §7.3; split [INF], see docs/model.md).
        """
        v = self.vms
        donors = np.flatnonzero(v.managed_mask())
        donors = donors[np.argsort(v.weight[donors], kind="stable")]
        floor = np.maximum(v.minimum[donors], balancer.align_up(v.demand[donors]))
        take_buffer = np.maximum(v.assigned[donors] - floor, 0.0)
        eligible = v.weight[donors] <= v.weight[i]
        take_demand = np.where(eligible, np.maximum(floor - v.minimum[donors], 0.0), 0.0)
        take_demand = np.minimum(take_demand, v.assigned[donors] - v.minimum[donors])
        taken = _take_in_order(np.concatenate([take_buffer, take_demand]), short_mb)
        return donors, taken[: donors.size] + taken[donors.size:]

    def _poll_waiting(self) -> None:
        """Each second: start a waiting VM whose memory is free; fail one that waited
        :data:`START_WAIT_S`. Caps go when nobody waits any more."""
        v = self.vms
        waiting = np.flatnonzero(v.state == VmState.WAITING)
        for i in waiting[np.argsort(v.wait_since[waiting], kind="stable")]:
            need = float(v.need[i])
            waited = self.time - v.wait_since[i]
            done = f"after waiting {waited:.0f} s for memory."
            if self._free_for(i) >= need and v.saved_mb[i] > 0:
                self._restore_now(i, f"Restored from the saved state {done}")
            elif self._free_for(i) >= need:
                self._power_on(i, need, f"Started {done}")
            elif waited >= START_WAIT_S:
                self._end_wait(i)
                self._record(i, "start_failed", start_failure_message(self.names[i],
                                                                      int(need)))
        if not (v.state == VmState.WAITING).any():
            v.cap[:] = INF
        else:  # a guest that began to report during the wait may not grow either
            fresh = v.managed_mask() & np.isinf(v.cap)
            v.cap[fresh] = v.assigned[fresh]

    def _cancel_wait(self, i: int) -> None:
        """Turn Off / Shut Down of a waiting VM: the start (or restore) is abandoned."""
        restoring = self.vms.saved_mb[i] > 0
        self._end_wait(i)
        self._record(i, "turn_off", "Restore cancelled; the virtual machine stays saved."
                     if restoring else "Start cancelled.")
        if not (self.vms.state == VmState.WAITING).any():
            self.vms.cap[:] = INF

    def _end_wait(self, i: int) -> None:
        """A wait that ends without a start: back to Off, or to Saved for a restore."""
        v = self.vms
        if v.saved_mb[i] > 0:
            v.state[i] = VmState.SAVED
            v.wait_since[i] = np.nan
            v.cap[i] = INF
        else:
            v.power_off(i)

    def _smart_paging_step(self) -> None:
        """Each second after the guest reports, ballooning removes the paged part at
        the VM's balloon rate (its physical memory is held meanwhile); the file goes
        when it is empty (spec §3.5: typically under 10 minutes)."""
        v = self.vms
        reporting = v.vsc_ready & (v.state == VmState.RUNNING)  # not while paused
        for i in np.flatnonzero((v.smart_paging > 0) & reporting):
            v.smart_paging[i] = max(0.0, v.smart_paging[i] - v.rate[i])
            if v.smart_paging[i] == 0:
                self._record(i, "smart_paging_cleared", "Smart Paging file no longer in use.")

    def _needs_every_second(self) -> bool:
        """Waiting starts and Smart Paging files change every second."""
        v = self.vms
        return bool((v.state == VmState.WAITING).any() or (v.smart_paging > 0).any())


def _take_in_order(available: np.ndarray, wanted: float) -> np.ndarray:
    """Take from ``available`` front to back until ``wanted`` is met (2 MB steps)."""
    available = balancer.align_down(np.maximum(available, 0.0))
    before = np.cumsum(available) - available
    wanted = float(balancer.align_up(np.array(max(wanted, 0.0))))
    return np.clip(wanted - before, 0.0, available)
