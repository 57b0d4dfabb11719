"""Packaging: the installed wheel carries the resources; the Linux launcher entry."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from dmgui.core import resources

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_installed_wheel_carries_the_resources(tmp_path):
    """Build the wheel, install it in a temporary venv, simulate from outside the repo."""
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet",
                    "-w", str(wheels), str(REPO)], check=True, timeout=600)
    wheel = next(wheels.glob("dmgui-*.whl"))
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "--no-deps", "--quiet", str(wheel)],
                   check=True, timeout=600)
    # The dependencies come from this test's environment (appended after the venv's
    # own site-packages, so the wheel's dmgui wins over any checkout or editable one).
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()"
                              "['purelib'])"], capture_output=True, text=True,
                             check=True).stdout.strip()
    Path(purelib, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    where = subprocess.run([python, "-c", "import dmgui.core.resources as r; "
                            "print(r.resources_root())"], cwd=outside, env=env,
                           capture_output=True, text=True, check=True).stdout.strip()
    assert Path(where) == Path(purelib) / "dmgui" / "_resources"
    out = outside / "summary.json"
    proc = subprocess.run([env_dir / "bin" / "dmgui", "simulate", "--duration", "10m",
                           "--json", str(out)], cwd=outside, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(out.read_text())
    assert summary["duration_s"] == 600 and len(summary["vms"]) >= 8


def test_resolver_prefers_the_pyinstaller_bundle(tmp_path, monkeypatch):
    bundled = tmp_path / "resources"
    (bundled / "scenarios").mkdir(parents=True)
    (bundled / "scenarios" / "home-server-2008r2.json").write_text("{}")
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.resources_root() == bundled
    assert resources.default_scenario_path().parent == bundled / "scenarios"


def test_resolver_finds_the_checkout_resources():
    assert (resources.resources_root() / "icons" / "app.svg").exists()


def test_missing_resource_is_a_clear_error():
    with pytest.raises(FileNotFoundError, match="missing dmgui resource: nope.txt"):
        resources.resource_path("nope.txt")


def test_desktop_entry_installs_and_uninstalls(tmp_path):
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path))
    script = REPO / "packaging" / "install_desktop.py"
    subprocess.run([sys.executable, script, "--exec", "/opt/dm gui/dmgui"], env=env,
                   check=True, capture_output=True)
    desktop = tmp_path / "applications" / "dmgui.desktop"
    icon = tmp_path / "icons" / "hicolor" / "scalable" / "apps" / "dmgui.svg"
    text = desktop.read_text()
    assert 'Exec="/opt/dm gui/dmgui" %f' in text    # see test_install_desktop.py
    assert "Icon=dmgui" in text and "Type=Application" in text and "Name=dmgui" in text
    assert icon.read_text().startswith("<svg")
    subprocess.run([sys.executable, script, "--uninstall"], env=env, check=True,
                   capture_output=True)
    assert not desktop.exists() and not icon.exists()
