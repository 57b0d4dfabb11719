"""Host Settings shows the automatic reserve and overhead (issue 8 §1.1)."""

from __future__ import annotations

from dmgui.core.model.scenario import Host
from dmgui.qt.host_dialog import ZERO_RESERVE_WARNING, HostSettingsDialog


def _dialog(qtbot, host: Host):
    applied: list[Host] = []
    dialog = HostSettingsDialog(host, version_locked=False, apply=applied.append)
    qtbot.addWidget(dialog)
    return dialog, applied


def test_a_host_without_numbers_shows_automatic_values_and_keeps_them(qtbot):
    dialog, applied = _dialog(qtbot, Host(memory_mb=24576))
    assert dialog._reserve.automatic.isChecked()
    assert not dialog._reserve.spin.isEnabled()
    assert dialog._reserve_note.text().startswith("Automatic (1,920 MB")
    dialog._memory.setValue(16384)  # the automatic value follows the memory typed
    assert dialog._reserve_note.text().startswith("Automatic (1,408 MB")
    dialog._on_ok()
    assert applied[0].reserve_mb is None and applied[0].vm_overhead_mb is None
    assert applied[0].effective_reserve_mb == 1408


def test_a_typed_reserve_is_kept_exactly_and_zero_is_warned_about(qtbot):
    dialog, applied = _dialog(qtbot, Host(memory_mb=8192))
    dialog._reserve.automatic.setChecked(False)
    dialog._reserve.spin.setValue(0)
    assert dialog._reserve_note.text() == ZERO_RESERVE_WARNING
    assert "b3261e" in dialog._reserve_note.styleSheet()
    dialog._overhead.automatic.setChecked(False)
    dialog._overhead.spin.setValue(20)
    dialog._on_ok()
    assert applied[0].reserve_mb == 0 and applied[0].vm_overhead_mb == 20


def test_model_parameters_are_in_the_advanced_group(qtbot):
    # Issue 8 §1.5: the balloon rate and hot-add delay are visible and editable.
    dialog, applied = _dialog(qtbot, Host(memory_mb=8192))
    assert dialog._balloon_rate.value() == 5.0 and dialog._hot_add_delay.value() == 5
    dialog._balloon_rate.setValue(10.0)
    dialog._hot_add_delay.setValue(0)
    dialog._on_ok()
    assert applied[0].balloon_rate_percent == 10.0 and applied[0].hot_add_delay_s == 0


def test_the_turn_off_all_button_has_its_own_mnemonic(qtbot):
    # Issue 8 §2.4: the button is reachable from the keyboard (Alt+T), no clash.
    from PySide6.QtWidgets import QAbstractButton, QLabel

    dialog = HostSettingsDialog(Host(memory_mb=8192), True, lambda h: None,
                                turn_off_all=lambda: False)
    qtbot.addWidget(dialog)
    texts = [w.text() for w in dialog.findChildren(QLabel) if w.buddy() is not None]
    texts += [w.text() for w in dialog.findChildren(QAbstractButton)]
    keys = [t.replace("&&", "")[t.replace("&&", "").index("&") + 1].lower()
            for t in texts if "&" in t.replace("&&", "")]
    assert dialog.turn_off_all_button.text() == "&Turn Off All Virtual Machines..."
    assert len(keys) == len(set(keys)), texts
    dialog.turn_off_all_button.click()  # answered No: stays locked, button usable
    assert dialog.version_locked and dialog.turn_off_all_button.isEnabled()
