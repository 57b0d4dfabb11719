"""The VM Settings dialog and its Memory page (spec §1.2–§1.4)."""

from __future__ import annotations

from itertools import pairwise

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractSpinBox, QGroupBox, QLabel, QMessageBox

from dmgui.core.model.memory import (
    FAILED_TO_MODIFY,
    RUNNING_INFO,
    MemorySettings,
    VersionProfile,
)
from dmgui.qt.settings_dialog import (
    ERROR_TITLE,
    NOT_SIMULATED,
    SECONDARY_ROLE,
    SettingsDialog,
)

# The offscreen platform plugin warns about every top-level layout; it is not ours.
pytestmark = pytest.mark.qt_log_ignore(
    r"This plugin does not support propagateSizeHints\(\)", extend=True
)

STATIC_1024 = MemorySettings(startup_mb=1024)
DYNAMIC_2048 = MemorySettings(
    dynamic_memory_enabled=True, startup_mb=2048, minimum_mb=512, maximum_mb=8192
)


@pytest.fixture
def open_dialog(qtbot):
    """Build, show and return a SettingsDialog for VM01."""

    def _open(settings=STATIC_1024, profile=VersionProfile.WS2012R2, running=False):
        dialog = SettingsDialog("VM01", settings, profile, running)
        qtbot.addWidget(dialog)
        with qtbot.waitExposed(dialog):
            dialog.show()
        return dialog

    return _open


def type_into(qtbot, spin: QAbstractSpinBox, text: str) -> None:
    """Replace a spin box's text by typing, as a user would."""
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, text)


def click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def click_indicator(qtbot, button) -> None:
    """Click a check box's or radio button's indicator (its centre may be blank)."""
    indicator = QPoint(8, button.height() // 2)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=indicator)


def label_texts(widget) -> set[str]:
    return {label.text() for label in widget.findChildren(QLabel)}


def test_2008r2sp1_page_has_static_dynamic_radios_and_no_minimum(open_dialog):
    dialog = open_dialog(DYNAMIC_2048, VersionProfile.WS2008R2SP1)
    page = dialog.memory_page
    assert dialog.windowTitle() == "Settings for VM01 on HV01"
    assert page._radio_static.text() == "&Static"
    assert page._radio_dynamic.isChecked()
    assert page._spin_minimum is None and page._check_dynamic is None
    texts = label_texts(page)
    assert {"S&tartup RAM:", "Ma&ximum RAM:", "Memory &buffer:", "Low", "High"} <= texts
    assert not any("Minimum" in text for text in texts)
    assert page.draft().minimum_mb == page.draft().startup_mb == 2048


@pytest.mark.parametrize("profile", [VersionProfile.WS2012R2, VersionProfile.WS2016])
def test_2012r2_page_has_ram_checkbox_and_minimum(open_dialog, profile):
    dialog = open_dialog(DYNAMIC_2048, profile)
    page = dialog.memory_page
    assert page._check_dynamic.text() == "&Enable Dynamic Memory"
    assert page._check_dynamic.isChecked()
    assert page._radio_static is None
    expected = {"&RAM:", "Mi&nimum RAM:", "Ma&ximum RAM:", "Dynamic Memory"}
    assert expected <= label_texts(page)
    assert page.draft() == DYNAMIC_2048
    assert page._info_bar.isHidden()


def test_memory_is_selected_and_other_items_are_placeholders(open_dialog):
    dialog = open_dialog()
    tree = dialog._hardware_list
    assert tree.currentItem().text(0) == "Memory"
    assert tree.currentItem().data(0, SECONDARY_ROLE) == "1024 MB"
    flags = Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive
    bios = tree.findItems("BIOS", flags)[0]
    tree.setCurrentItem(bios)
    shown = dialog._stack.currentWidget()
    assert NOT_SIMULATED == "dmgui does not simulate this setting."
    assert NOT_SIMULATED in label_texts(shown)
    assert shown.findChild(QGroupBox).title() == "BIOS"
    headers = [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]
    assert headers == ["Hardware", "Management", "Simulation (not Hyper-V)"]


def test_apply_emits_buffer_and_weight_and_stays_open(qtbot, open_dialog):
    dialog = open_dialog(DYNAMIC_2048)
    page = dialog.memory_page
    assert not dialog._button_apply.isEnabled()
    type_into(qtbot, page._spin_buffer, "50")
    page._slider_weight.setValue(7500)
    assert dialog._button_apply.isEnabled()
    with qtbot.waitSignal(dialog.settings_applied, timeout=1000) as blocker:
        click(qtbot, dialog._button_apply)
    expected = DYNAMIC_2048.model_copy(update={"buffer_percent": 50, "weight": 7500})
    assert blocker.args == ["VM01", expected]
    assert dialog.isVisible() and dialog.error_box is None
    assert not dialog._button_apply.isEnabled()


def test_ok_applies_and_closes(qtbot, open_dialog):
    dialog = open_dialog()
    type_into(qtbot, dialog.memory_page._spin_startup, "4096")
    with qtbot.waitSignal(dialog.settings_applied, timeout=1000) as blocker:
        click(qtbot, dialog._button_ok)
    assert blocker.args[1].startup_mb == 4096
    assert not dialog.isVisible()
    assert dialog.result() == SettingsDialog.DialogCode.Accepted


def test_apply_updates_memory_item_and_baseline(qtbot, open_dialog):
    dialog = open_dialog()
    type_into(qtbot, dialog.memory_page._spin_startup, "2048")
    click(qtbot, dialog._button_apply)
    assert dialog._hardware_list.currentItem().data(0, SECONDARY_ROLE) == "2048 MB"
    with qtbot.assertNotEmitted(dialog.settings_applied):
        click(qtbot, dialog._button_ok)  # nothing changed since Apply
    assert not dialog.isVisible()


@pytest.mark.parametrize(
    ("spin_name", "typed", "reason"),
    [
        ("_spin_startup", "4019", "Memory values must be properly aligned."),
        ("_spin_minimum", "4096", "must be less than or equal to the startup memory"),
        ("_spin_buffer", "2001", "The memory buffer must be between 5 and 2000."),
    ],
)
def test_invalid_value_shows_error_and_keeps_edits(
    qtbot, open_dialog, spin_name, typed, reason
):
    dialog = open_dialog(DYNAMIC_2048)
    page = dialog.memory_page
    spin = getattr(page, spin_name)
    type_into(qtbot, spin, typed)
    page._slider_weight.setFocus()  # focus elsewhere: the error must bring it back
    with qtbot.assertNotEmitted(dialog.settings_applied):
        click(qtbot, dialog._button_apply)
    box = dialog.error_box
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert box.windowTitle() == "Settings"
    assert box.icon() == QMessageBox.Icon.Critical
    assert box.text() == ERROR_TITLE
    assert box.informativeText().startswith(FAILED_TO_MODIFY + "\n\n")
    assert reason in box.informativeText()
    assert "'VM01' failed to modify device 'Memory'." in box.detailedText()
    assert spin.value() == int(typed) and spin.text() == typed
    assert dialog.focusWidget() is spin
    assert spin.lineEdit().selectedText() == typed
    assert dialog.isVisible()


def test_ok_with_invalid_value_stays_open(qtbot, open_dialog):
    dialog = open_dialog()
    type_into(qtbot, dialog.memory_page._spin_startup, "31")
    with qtbot.assertNotEmitted(dialog.settings_applied):
        click(qtbot, dialog._button_ok)
    assert dialog.isVisible() and dialog.error_box.isVisible()
    dialog.error_box.accept()
    assert dialog.memory_page._spin_startup.value() == 31


def test_error_from_another_page_returns_to_memory(qtbot, open_dialog):
    dialog = open_dialog()
    type_into(qtbot, dialog.memory_page._spin_startup, "4019")
    dialog._hardware_list.setCurrentItem(dialog._hardware_list.topLevelItem(0).child(0))
    click(qtbot, dialog._button_apply)
    assert dialog._stack.currentWidget() is dialog.memory_page


def test_running_2012r2_dynamic_locks_ram_and_mode(qtbot, open_dialog):
    dialog = open_dialog(DYNAMIC_2048, running=True)
    page = dialog.memory_page
    assert not page._spin_startup.isEnabled()
    assert not page._check_dynamic.isEnabled()
    for widget in (page._spin_minimum, page._spin_maximum, page._spin_buffer,
                   page._slider_weight):
        assert widget.isEnabled()
    assert page._info_bar.isVisible()
    assert page._label_info.text() == RUNNING_INFO


def test_running_refuses_lower_maximum(qtbot, open_dialog):
    dialog = open_dialog(DYNAMIC_2048, running=True)
    spin = dialog.memory_page._spin_maximum
    type_into(qtbot, spin, "4096")
    with qtbot.assertNotEmitted(dialog.settings_applied):
        click(qtbot, dialog._button_apply)
    assert "cannot be decreased while the virtual machine is running" in (
        dialog.error_box.informativeText()
    )
    assert spin.value() == 4096
    assert dialog.focusWidget() is spin


def test_running_raise_maximum_is_accepted(qtbot, open_dialog):
    dialog = open_dialog(DYNAMIC_2048, running=True)
    type_into(qtbot, dialog.memory_page._spin_maximum, "16384")
    with qtbot.waitSignal(dialog.settings_applied, timeout=1000) as blocker:
        click(qtbot, dialog._button_apply)
    assert blocker.args[1].maximum_mb == 16384


def test_running_2008r2sp1_disables_everything(open_dialog):
    dialog = open_dialog(DYNAMIC_2048, VersionProfile.WS2008R2SP1, running=True)
    page = dialog.memory_page
    assert page._info_bar.isVisible()
    assert not any(widget.isEnabled() for widget in page.focus_chain())


def test_cancel_and_escape_emit_nothing(qtbot, open_dialog):
    dialog = open_dialog()
    type_into(qtbot, dialog.memory_page._spin_startup, "2048")
    with qtbot.assertNotEmitted(dialog.settings_applied):
        click(qtbot, dialog._button_cancel)
    assert not dialog.isVisible()
    assert dialog.result() == SettingsDialog.DialogCode.Rejected
    dialog = open_dialog()
    spin = dialog.memory_page._spin_startup
    type_into(qtbot, spin, "2048")
    with qtbot.assertNotEmitted(dialog.settings_applied):
        qtbot.keyClick(spin, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_unchecking_dynamic_memory_disables_its_fields(qtbot, open_dialog):
    dialog = open_dialog(DYNAMIC_2048)
    page = dialog.memory_page
    dynamic_fields = (page._spin_minimum, page._spin_maximum, page._spin_buffer)
    assert all(spin.isEnabled() for spin in dynamic_fields)
    click_indicator(qtbot, page._check_dynamic)
    assert not any(spin.isEnabled() for spin in dynamic_fields)
    assert page._spin_startup.isEnabled() and page._slider_weight.isEnabled()
    assert dialog._button_apply.isEnabled()
    assert page.draft().dynamic_memory_enabled is False


def test_2008r2sp1_radios_switch_fields_and_share_startup(qtbot, open_dialog):
    dialog = open_dialog(STATIC_1024, VersionProfile.WS2008R2SP1)
    page = dialog.memory_page
    assert page._spin_static_startup.isEnabled() and not page._spin_maximum.isEnabled()
    click_indicator(qtbot, page._radio_dynamic)
    assert page._spin_maximum.isEnabled() and not page._spin_static_startup.isEnabled()
    type_into(qtbot, page._spin_startup, "768")
    assert page._spin_static_startup.value() == 768
    draft = page.draft()
    assert draft.dynamic_memory_enabled and draft.minimum_mb == draft.startup_mb == 768


def test_apply_tracks_draft(qtbot, open_dialog):
    dialog = open_dialog()
    spin = dialog.memory_page._spin_startup
    type_into(qtbot, spin, "2048")
    assert dialog._button_apply.isEnabled()
    type_into(qtbot, spin, "1024")
    assert not dialog._button_apply.isEnabled()


def test_spin_boxes_accept_out_of_range_values(qtbot, open_dialog):
    dialog = open_dialog(DYNAMIC_2048)
    page = dialog.memory_page
    type_into(qtbot, page._spin_maximum, "20000000")
    type_into(qtbot, page._spin_buffer, "0")
    assert page._spin_maximum.value() == 20_000_000
    assert page._spin_buffer.value() == 0


def test_labels_have_buddies_and_tab_order_follows_layout(open_dialog):
    dialog = open_dialog(DYNAMIC_2048)
    page = dialog.memory_page
    buddies = {label.text(): label.buddy() for label in page.findChildren(QLabel)}
    assert buddies["&RAM:"] is page._spin_startup
    assert buddies["Mi&nimum RAM:"] is page._spin_minimum
    assert buddies["Memory &buffer:"] is page._spin_buffer
    chain = [dialog._hardware_list, *page.focus_chain(), dialog._button_ok]
    for first, second in pairwise(chain):
        assert first.nextInFocusChain() is second or _focus_proxy_next(first) is second


def _focus_proxy_next(widget):
    """A spin box's line edit sits between it and the next widget in the chain."""
    following = widget.nextInFocusChain()
    while following.focusProxy() is widget or following.parent() is widget:
        following = following.nextInFocusChain()
    return following


@pytest.mark.parametrize("profile", list(VersionProfile))
@pytest.mark.parametrize("running", [False, True])
def test_dialog_renders(open_dialog, tmp_path, profile, running):
    dialog = open_dialog(DYNAMIC_2048, profile, running)
    path = tmp_path / f"settings-{profile.value}-{running}.png"
    image = dialog.grab()
    assert not image.isNull() and image.width() >= 700
    assert image.save(str(path))
    assert path.stat().st_size > 0


def test_weight_slider_says_the_split_is_the_models(open_dialog):
    # Issue 8 §1.2: Hyper-V documents the order, not the split.
    dialog = open_dialog(DYNAMIC_2048)
    tip = dialog.memory_page._slider_weight.toolTip()
    assert "higher weight gets memory first" in tip
    assert "dmgui's model, not Hyper-V's" in tip
