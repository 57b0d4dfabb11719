"""The shipped example exports are what their generator writes, and they import."""

from __future__ import annotations

import sample_export

from dmgui.core.formats.combine import combine, read_host_file


def test_the_shipped_files_are_the_generators_output() -> None:
    for name, data in sample_export.files().items():
        shipped = (sample_export.FOLDER / name).read_bytes()
        assert shipped == data, f"{name}: run python tests/core/sample_export.py"


def test_the_example_imports_with_three_traced_vms() -> None:
    files = [read_host_file(data, name) for name, data in sample_export.files().items()]
    result = combine(files)
    assert [vm.name for vm in result.scenario.vms] == [vm.name for vm in sample_export.VMS]
    assert sorted(result.traced) == ["FILE01", "SQL01", "WEB01"]
    assert result.scenario.host.memory_mb == 16384
    assert result.problems == []
