"""Host capacity (issue 8 §1.1): an automatic root reserve and a per-VM overhead
that grows with the VM's memory when the scenario does not give them; numbers a
scenario gives are used exactly."""

from __future__ import annotations

import pytest

from dmgui.core.model.capacity import auto_reserve_mb, auto_vm_overhead_mb
from dmgui.core.model.scenario import Host, parse_scenario
from dmgui.core.sim.engine import Simulation


@pytest.mark.parametrize("host_mb, reserve", [
    (24576, 384 + 64 * 24),   # the default home server: 1,920 MB
    (8192, 384 + 64 * 8),
    (98304, 384 + 64 * 96),   # Microsoft's 96 GB VDI host
    (1536, 384 + 96),
    (600, 300),               # a tiny lab host keeps at least half for its VMs
])
def test_automatic_reserve_is_384_mb_plus_64_mb_per_gb(host_mb, reserve):
    assert auto_reserve_mb(host_mb) == reserve


@pytest.mark.parametrize("vm_mb, overhead", [
    (512, 32), (1024, 32), (1536, 40), (2048, 40), (4096, 56), (65536, 32 + 8 * 63),
])
def test_automatic_overhead_is_32_mb_for_the_first_gb_plus_8_per_further_gb(vm_mb,
                                                                            overhead):
    assert auto_vm_overhead_mb(vm_mb) == overhead


def test_a_host_written_from_scratch_gets_the_automatic_numbers():
    host = Host(memory_mb=16384)
    assert host.reserve_is_automatic and host.overhead_is_automatic
    assert host.effective_reserve_mb == 384 + 64 * 16
    assert host.vm_pool_mb == 16384 - (384 + 64 * 16)
    assert host.vm_overhead_for(4096) == 56


def test_explicit_numbers_are_used_exactly_as_given():
    host = Host(memory_mb=16384, reserve_mb=0, vm_overhead_mb=32)
    assert not host.reserve_is_automatic and not host.overhead_is_automatic
    assert host.vm_pool_mb == 16384
    assert host.vm_overhead_for(4096) == host.vm_overhead_for(512) == 32  # flat


def _sim(host: dict, startups: list[int]) -> Simulation:
    vms = [{"name": f"VM{k}", "autostart": True,
            "memory": {"dynamic_memory_enabled": False, "startup_mb": mb},
            "workload": {"kind": "constant", "mb": 100}} for k, mb in enumerate(startups)]
    return Simulation(parse_scenario({"schema_version": 1, "host": host, "vms": vms}))


def test_the_engine_charges_each_running_vm_its_own_overhead():
    sim = _sim({"memory_mb": 16384, "version": "2012R2"}, [1024, 4096])
    block = sim.advance(5)
    reserve = 384 + 64 * 16
    assert block.available[-1] == 16384 - reserve - (1024 + 32) - (4096 + 56)


def test_admission_counts_the_automatic_reserve_and_overhead():
    # 8 GB host: reserve 896 MB, so 7,296 MB for VMs. A 7,168 MB (7 GB) VM fits with
    # its 80 MB overhead (7,248); a 7,210 MB one costs 88 MB more (8 GB started):
    # 7,298 > 7,296, so it does not, though 7,210 alone would.
    fits = _sim({"memory_mb": 8192, "version": "2012R2"}, [7168])
    fits.advance(3)
    assert fits.event_log[0].kind == "start"
    too_big = _sim({"memory_mb": 8192, "version": "2012R2"}, [7210])
    too_big.advance(3)
    assert too_big.event_log[0].kind == "start_failed"


def test_explicit_flat_overhead_in_the_engine():
    sim = _sim({"memory_mb": 16384, "reserve_mb": 1000, "vm_overhead_mb": 10,
                "version": "2012R2"}, [1024, 4096])
    assert sim.advance(5).available[-1] == 16384 - 1000 - 1034 - 4106
