"""Guest OS in the New Virtual Machine dialog (issue 8 §1.6)."""

from __future__ import annotations


def test_new_vm_dialog_offers_the_guest_os_and_its_advice(qtbot):
    # Issue 8 §1.6: a choice in New VM, with Best-Practices-style warnings.
    from dmgui.core.model.guest_os import GuestOs
    from dmgui.core.model.memory import VersionProfile
    from dmgui.qt.dialogs import NewVmDialog
    dialog = NewVmDialog("VM", VersionProfile.WS2008R2SP1, set())
    qtbot.addWidget(dialog)
    dialog._guest.setCurrentIndex(dialog._guest.findData(GuestOs.WIN7_SP1.value))
    dialog._startup.setValue(256)
    assert "512 MB recommended for Windows 7 SP1" in dialog._advice.text()
    dialog._guest.setCurrentIndex(dialog._guest.findData(GuestOs.APPLIANCE.value))
    assert not dialog._integration.isChecked() and not dialog._integration.isEnabled()
    dialog._startup.setValue(512)
    dialog._on_ok()
    assert dialog.vm.guest_os is GuestOs.APPLIANCE
    assert dialog.vm.integration_services is False
