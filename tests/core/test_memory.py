"""Hyper-V memory rules V1-V9 (spec §1.3, §1.4, §7.2) in dmgui.core.model.memory.

One test (or parametrized case) per documented rule; T4-T6 refer to the
spec's test scenarios in §7.7.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dmgui.core.model.memory import (
    FAILED_TO_MODIFY,
    MemoryChangeError,
    MemorySettings,
    VersionProfile,
    check_memory_change,
    check_memory_settings,
    runtime_editable_fields,
)

P = VersionProfile
VM = "VM1"
ALIGNMENT_REASON = (
    "Invalid memory value assigned for 'VM1'. Memory values must be properly aligned."
)


def dm(**changes: object) -> MemorySettings:
    """A valid Dynamic Memory VM: startup 1024, minimum 512, maximum 4096."""
    values = dict(
        dynamic_memory_enabled=True, startup_mb=1024, minimum_mb=512, maximum_mb=4096
    )
    return MemorySettings(**(values | changes))


def static(**changes: object) -> MemorySettings:
    """A valid static-memory VM with 1024 MB; the hidden minimum follows startup."""
    values = {"dynamic_memory_enabled": False, "startup_mb": 1024} | changes
    values.setdefault("minimum_mb", values["startup_mb"])
    return MemorySettings(**values)


def rejected(settings: MemorySettings, profile: VersionProfile = P.WS2012R2) -> MemoryChangeError:
    with pytest.raises(MemoryChangeError) as info:
        check_memory_settings(settings, profile, VM)
    err = info.value
    assert str(err) == f"{FAILED_TO_MODIFY} {err.reason}"
    assert err.vm_name == VM
    return err


def accepted(settings: MemorySettings, profile: VersionProfile = P.WS2012R2) -> None:
    expected = settings
    if profile is P.WS2008R2SP1:  # the hidden minimum is set to startup (spec §1.2)
        expected = settings.model_copy(update={"minimum_mb": settings.startup_mb})
    assert check_memory_settings(settings, profile, VM) == expected


def refused_while_running(
    current: MemorySettings, proposed: MemorySettings, profile: VersionProfile
) -> MemoryChangeError:
    before = current.model_copy()
    with pytest.raises(MemoryChangeError) as info:
        check_memory_change(current, proposed, profile, VM, running=True)
    assert current == before  # the caller keeps its previous settings
    assert str(info.value).startswith(FAILED_TO_MODIFY)
    return info.value


def allowed_while_running(
    current: MemorySettings, proposed: MemorySettings, profile: VersionProfile
) -> None:
    assert check_memory_change(current, proposed, profile, VM, running=True) == proposed


# -- V6: every MB value is 2 MB aligned (spec §1.4 item 2, T5) -------------------------


@pytest.mark.parametrize("make", [static, dm], ids=["static", "dynamic"])
def test_v6_odd_startup_gives_the_hyperv_alignment_error(make) -> None:
    err = rejected(make(startup_mb=4019, maximum_mb=8192))
    assert str(err).startswith("Failed to modify device 'Memory'.")
    assert err.reason == ALIGNMENT_REASON
    assert err.field == "startup_mb"
    assert "The memory value assigned ('4019' MB) is not properly aligned." in err.details


@pytest.mark.parametrize("field, value", [("minimum_mb", 511), ("maximum_mb", 4095)])
def test_v6_odd_minimum_or_maximum_rejected_with_dynamic_memory(field, value) -> None:
    err = rejected(dm(**{field: value}))
    assert err.field == field
    assert err.reason == ALIGNMENT_REASON
    assert f"('{value}' MB) is not properly aligned" in err.details


def test_v6_odd_minimum_and_maximum_ignored_with_static_memory() -> None:
    accepted(static(minimum_mb=511, maximum_mb=4095))


# -- V1: Minimum <= Startup <= Maximum ---------------------------------------------


def test_v1_minimum_above_startup_rejected() -> None:  # T4
    err = rejected(dm(startup_mb=512, minimum_mb=600))
    assert err.field == "minimum_mb"
    assert err.reason == (
        "The minimum amount of memory (600 MB) must be less than or equal to the "
        "startup memory (512 MB)."
    )


def test_v1_startup_above_maximum_rejected() -> None:
    err = rejected(dm(startup_mb=4096, maximum_mb=2048))
    assert err.field == "maximum_mb"
    assert err.reason == (
        "The startup memory (4096 MB) must be less than or equal to the maximum "
        "amount of memory (2048 MB)."
    )


def test_v1_minimum_equal_to_startup_equal_to_maximum_accepted() -> None:
    accepted(dm(startup_mb=2048, minimum_mb=2048, maximum_mb=2048))


def test_v1_ordering_not_checked_for_static_memory() -> None:
    # Minimum and Maximum are greyed out without Dynamic Memory.
    accepted(static(startup_mb=512, minimum_mb=600, maximum_mb=256))


# -- V2: Minimum >= 32 MB (2012+) ------------------------------------------------------


@pytest.mark.parametrize("profile", [P.WS2012R2, P.WS2016])
def test_v2_minimum_below_32_rejected(profile) -> None:
    err = rejected(dm(minimum_mb=30), profile)
    assert err.field == "minimum_mb"
    accepted(dm(minimum_mb=32), profile)


@pytest.mark.parametrize("profile", [P.WS2012R2, P.WS2016])
def test_v2_startup_below_32_rejected(profile) -> None:
    assert rejected(static(startup_mb=30), profile).field == "startup_mb"
    accepted(static(startup_mb=32), profile)


# -- V3: Maximum <= the version's per-VM limit ------------------------------------------

LIMITS = [(P.WS2008R2SP1, 65536), (P.WS2012R2, 1048576), (P.WS2016, 12582912)]


@pytest.mark.parametrize("profile, limit", LIMITS)
def test_v3_maximum_limit_per_version(profile, limit) -> None:
    assert profile.limits.maximum_max_mb == limit
    accepted(dm(maximum_mb=limit), profile)
    assert rejected(dm(maximum_mb=limit + 2), profile).field == "maximum_mb"


@pytest.mark.parametrize("profile, limit", LIMITS)
def test_v3_static_startup_limit_per_version(profile, limit) -> None:
    accepted(static(startup_mb=limit), profile)
    assert rejected(static(startup_mb=limit + 2), profile).field == "startup_mb"


# -- V4: buffer 5..2000 %; V5: weight 0..10000 ------------------------------------------


@pytest.mark.parametrize("buffer", [4, 2001])
def test_v4_buffer_outside_5_to_2000_rejected(buffer) -> None:
    err = rejected(dm(buffer_percent=buffer))
    assert err.field == "buffer_percent"
    assert err.reason == "The memory buffer must be between 5 and 2000."


@pytest.mark.parametrize("buffer", [5, 2000])
def test_v4_buffer_at_the_bounds_accepted(buffer) -> None:
    accepted(dm(buffer_percent=buffer))


@pytest.mark.parametrize("weight", [-1, 10001])
def test_v5_weight_outside_0_to_10000_rejected(weight) -> None:
    assert rejected(dm(weight=weight)).field == "weight"


@pytest.mark.parametrize("weight", [0, 10000])
def test_v5_weight_at_the_bounds_accepted(weight) -> None:
    accepted(dm(weight=weight))


@pytest.mark.parametrize("weight, priority", [(0, 0), (199, 1), (5000, 50), (10000, 100)])
def test_v5_priority_is_weight_divided_by_100(weight, priority) -> None:
    assert dm(weight=weight).priority == priority


# -- 2008 R2 SP1: the hidden Minimum equals Startup (spec §1.2) -------------------------


def test_2008r2sp1_minimum_is_set_to_startup() -> None:
    settings = dm(startup_mb=1024, minimum_mb=512, maximum_mb=4096)
    stored = check_memory_settings(settings, P.WS2008R2SP1, VM)
    assert stored == settings.model_copy(update={"minimum_mb": 1024})


def test_2008r2sp1_odd_minimum_is_replaced_not_rejected() -> None:
    stored = check_memory_settings(dm(minimum_mb=511), P.WS2008R2SP1, VM)
    assert stored.minimum_mb == 1024


# -- V7: running VM with Dynamic Memory (2012+) -----------------------------------------


def test_v7_running_dm_may_raise_maximum() -> None:
    allowed_while_running(dm(), dm(maximum_mb=8192), P.WS2012R2)


def test_v7_running_dm_may_lower_minimum() -> None:
    allowed_while_running(dm(), dm(minimum_mb=256), P.WS2012R2)


def test_v7_running_dm_may_lower_minimum_and_raise_maximum_together() -> None:  # T6
    allowed_while_running(dm(), dm(minimum_mb=256, maximum_mb=8192), P.WS2012R2)


def test_v7_running_dm_may_not_raise_minimum() -> None:
    err = refused_while_running(dm(), dm(minimum_mb=768), P.WS2012R2)
    assert err.field == "minimum_mb"


def test_v7_running_dm_may_not_lower_maximum() -> None:
    err = refused_while_running(dm(), dm(maximum_mb=2048), P.WS2012R2)
    assert err.field == "maximum_mb"


def test_v7_running_dm_may_not_change_startup() -> None:
    err = refused_while_running(dm(), dm(startup_mb=2048), P.WS2012R2)
    assert err.field == "startup_mb"


def test_v7_running_vm_may_not_turn_dynamic_memory_off() -> None:
    err = refused_while_running(dm(), static(), P.WS2012R2)
    assert err.field == "dynamic_memory_enabled"


@pytest.mark.parametrize("profile", [P.WS2012R2, P.WS2016])
def test_v7_running_vm_may_not_turn_dynamic_memory_on(profile) -> None:
    err = refused_while_running(static(), dm(), profile)
    assert err.field == "dynamic_memory_enabled"


def test_v7_running_dm_may_change_buffer() -> None:
    allowed_while_running(dm(), dm(buffer_percent=50), P.WS2012R2)


def test_v7_running_dm_may_change_weight() -> None:
    allowed_while_running(dm(), dm(weight=9000), P.WS2012R2)


@pytest.mark.parametrize(
    "proposed",
    [dm(minimum_mb=768), dm(maximum_mb=2048), dm(startup_mb=2048), static()],
    ids=["raise-minimum", "lower-maximum", "change-startup", "disable-dm"],
)
def test_v7_changes_refused_while_running_are_accepted_while_off(proposed) -> None:
    assert check_memory_change(dm(), proposed, P.WS2012R2, VM, running=False) == proposed


def test_v7_running_change_must_still_pass_the_static_rules() -> None:
    with pytest.raises(MemoryChangeError) as info:
        check_memory_change(dm(), dm(maximum_mb=8191), P.WS2012R2, VM, running=True)
    assert info.value.field == "maximum_mb"
    assert info.value.reason == ALIGNMENT_REASON


# -- V8: running VM with static memory ---------------------------------------------------


def test_v8_running_static_resize_refused_on_2012r2() -> None:
    err = refused_while_running(static(), static(startup_mb=2048), P.WS2012R2)
    assert err.field == "startup_mb"


@pytest.mark.parametrize("new_mb", [2048, 512], ids=["grow", "shrink"])
def test_v8_running_static_resize_accepted_on_2016(new_mb) -> None:
    allowed_while_running(static(), static(startup_mb=new_mb), P.WS2016)


def test_v8_running_static_weight_change_accepted_on_2012r2() -> None:
    allowed_while_running(static(), static(weight=100), P.WS2012R2)


# -- V9: 2008 R2 SP1 allows no change while running --------------------------------------


def sp1_dm(**changes: object) -> MemorySettings:
    """Valid 2008 R2 SP1 settings as stored (minimum = startup)."""
    return dm(minimum_mb=1024, **changes)


@pytest.mark.parametrize(
    "current, proposed",
    [
        (sp1_dm(), sp1_dm(maximum_mb=8192)),
        (sp1_dm(), sp1_dm(buffer_percent=50)),
        (sp1_dm(), sp1_dm(weight=9000)),
        (static(), static(startup_mb=2048)),
        (static(), static(weight=9000)),
        (static(), sp1_dm()),
    ],
    ids=["raise-maximum", "buffer", "weight", "static-resize", "static-weight", "enable-dm"],
)
def test_v9_2008r2sp1_refuses_any_change_while_running(current, proposed) -> None:
    refused_while_running(current, proposed, P.WS2008R2SP1)
    stored = check_memory_change(current, proposed, P.WS2008R2SP1, VM, running=False)
    assert stored == proposed


@pytest.mark.parametrize("profile", list(P))
@pytest.mark.parametrize("settings", [sp1_dm(), static()], ids=["dynamic", "static"])
def test_unchanged_settings_accepted_while_running(profile, settings) -> None:
    allowed_while_running(settings, settings, profile)


@pytest.mark.parametrize("running", [False, True])
def test_2008r2sp1_a_minimum_change_is_refused_with_the_reason(running) -> None:
    # Issue 8 §1.8: once silently stored as Startup RAM; now refused, saying why.
    with pytest.raises(MemoryChangeError) as info:
        check_memory_change(sp1_dm(), dm(minimum_mb=512), P.WS2008R2SP1, VM,
                            running=running)
    assert info.value.field == "minimum_mb"
    assert "no separate minimum memory" in info.value.reason
    assert "1024 MB" in info.value.reason


def test_2008r2sp1_startup_change_keeps_minimum_equal_to_startup() -> None:
    stored = check_memory_change(sp1_dm(), sp1_dm(startup_mb=2048), P.WS2008R2SP1, VM,
                                 running=False)
    assert stored.minimum_mb == stored.startup_mb == 2048


def test_v9_unchanged_settings_with_hidden_minimum_accepted_while_running() -> None:
    settings = MemorySettings(startup_mb=1024)  # minimum_mb keeps its default 512
    stored = check_memory_change(settings, settings, P.WS2008R2SP1, VM, running=True)
    assert stored == settings.model_copy(update={"minimum_mb": 1024})


# -- which fields the Memory page leaves enabled while the VM runs -----------------------

DM_RUNTIME_FIELDS = {"minimum_mb", "maximum_mb", "buffer_percent", "weight"}


@pytest.mark.parametrize(
    "profile, settings, fields",
    [
        (P.WS2008R2SP1, sp1_dm(), set()),
        (P.WS2008R2SP1, static(), set()),
        (P.WS2012R2, dm(), DM_RUNTIME_FIELDS),
        (P.WS2012R2, static(), {"weight"}),
        (P.WS2016, dm(), DM_RUNTIME_FIELDS),
        (P.WS2016, static(), {"startup_mb", "weight"}),
    ],
    ids=["2008R2SP1-dm", "2008R2SP1-static", "2012R2-dm", "2012R2-static",
         "2016-dm", "2016-static"],
)
def test_runtime_editable_fields(profile, settings, fields) -> None:
    assert runtime_editable_fields(settings, profile) == frozenset(fields)


# -- properties ------------------------------------------------------------------------------

even_mb = st.integers(16, 1048576 // 2).map(lambda half: 2 * half)


@st.composite
def valid_dm_settings_2012r2(draw: st.DrawFn) -> MemorySettings:
    minimum, startup, maximum = sorted(draw(st.lists(even_mb, min_size=3, max_size=3)))
    return MemorySettings(
        dynamic_memory_enabled=True,
        startup_mb=startup,
        minimum_mb=minimum,
        maximum_mb=maximum,
        buffer_percent=draw(st.integers(5, 2000)),
        weight=draw(st.integers(0, 10000)),
    )


@given(valid_dm_settings_2012r2())
def test_property_valid_dm_settings_are_stored_unchanged(settings) -> None:
    assert check_memory_settings(settings, P.WS2012R2, VM) == settings


@given(
    profile=st.sampled_from(list(P)),
    dynamic=st.booleans(),
    startup=st.integers(0, 12582913).filter(lambda mb: mb % 2 == 1),
    minimum=st.integers(0, 12582914),
    maximum=st.integers(0, 12582914),
    buffer=st.integers(-10, 3000),
    weight=st.integers(-10, 20000),
)
def test_property_odd_startup_always_rejected_on_startup(
    profile, dynamic, startup, minimum, maximum, buffer, weight
) -> None:
    settings = MemorySettings(
        dynamic_memory_enabled=dynamic, startup_mb=startup, minimum_mb=minimum,
        maximum_mb=maximum, buffer_percent=buffer, weight=weight,
    )
    with pytest.raises(MemoryChangeError) as info:
        check_memory_settings(settings, profile, VM)
    assert info.value.field == "startup_mb"
    assert info.value.reason == ALIGNMENT_REASON
