"""Packaging: the wheel and the bundle carry the resources and docs/model.md; the Linux
launcher entry."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
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
    script = "import dmgui.core.resources as r; print(r.doc_path())"
    doc = subprocess.run([python, "-c", script], cwd=outside, env=env,
                         capture_output=True, text=True, check=True).stdout.strip()
    assert Path(doc) == Path(where) / "docs" / "model.md"  # Help → The Model
    assert Path(doc).read_bytes() == (REPO / "docs" / "model.md").read_bytes()
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


def test_resolver_finds_the_model_doc_in_the_bundle(tmp_path, monkeypatch):
    bundled = tmp_path / "resources" / "docs"
    bundled.mkdir(parents=True)
    (bundled / "model.md").write_text("# The simulation model\n")
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.doc_path() == bundled / "model.md"
    with pytest.raises(FileNotFoundError, match="missing dmgui document: other.md"):
        resources.doc_path("other.md")


def test_a_bundle_layout_finds_its_own_model_doc(tmp_path):
    """In a PyInstaller bundle dmgui/ sits beside resources/, like a checkout's; the
    bundled copy must still win (run with the bundle's layout in a fresh process)."""
    bundle = tmp_path / "bundle"
    shutil.copytree(REPO / "dmgui", bundle / "dmgui",
                    ignore=shutil.ignore_patterns("__pycache__", "_resources"))
    shutil.copytree(REPO / "resources", bundle / "resources")
    docs = bundle / "resources" / "docs"
    docs.mkdir()
    shutil.copyfile(REPO / "docs" / "model.md", docs / "model.md")
    script = (f"import sys; sys._MEIPASS = {str(bundle)!r}; "
              f"sys.path.insert(0, {str(bundle)!r}); "
              "import dmgui.core.resources as r; print(r.doc_path())")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    doc = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env,
                         capture_output=True, text=True, check=True).stdout.strip()
    assert Path(doc) == docs / "model.md"


def test_resolver_finds_the_checkout_model_doc():
    assert resources.doc_path() == REPO / "docs" / "model.md"


def test_the_wheel_copies_model_md_where_the_resolver_looks():
    """pyproject force-includes docs/model.md (no second hand-kept copy) at the path
    doc_path() reads in an installed wheel; the slow wheel test compares the bytes."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    include = config["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert include["resources"] == "dmgui/_resources"
    assert include["docs/model.md"] == "dmgui/_resources/docs/model.md"
    assert not (REPO / "resources" / "docs").exists()


def _spec_datas() -> list[tuple[str, str]]:
    """The datas packaging/dmgui.spec gives PyInstaller (run with stand-ins)."""
    seen = {}

    class Analysis:
        def __init__(self, scripts, **kwargs):
            seen.update(kwargs)
            self.datas, self.pure, self.scripts, self.binaries = [], [], [], []

    def stub(*args, **kwargs):
        return None

    spec = REPO / "packaging" / "dmgui.spec"
    exec(compile(spec.read_text(), str(spec), "exec"),  # noqa: S102 - our own file
         {"SPECPATH": str(spec.parent), "Analysis": Analysis, "PYZ": stub, "EXE": stub,
          "COLLECT": stub})
    return seen["datas"]


def test_the_bundle_copies_model_md_into_its_resources():
    datas = [(Path(src), Path(dest)) for src, dest in _spec_datas()]
    assert (REPO / "resources", Path("resources")) in datas
    assert (REPO / "docs" / "model.md", Path("resources") / "docs") in datas


def _build_module():
    spec = importlib.util.spec_from_file_location("dmgui_build",
                                                  REPO / "packaging" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_build_check_verifies_the_bundled_model_md(tmp_path):
    build = _build_module()
    docs = tmp_path / "dmgui" / "_internal" / "resources" / "docs"
    with pytest.raises(SystemExit, match="no resources folder"):
        build.check_docs(tmp_path / "dmgui")
    docs.mkdir(parents=True)
    with pytest.raises(SystemExit, match="lacks docs/model.md"):
        build.check_docs(tmp_path / "dmgui")
    (docs / "model.md").write_text("# An older model\n")
    with pytest.raises(SystemExit, match="differs from docs/model.md"):
        build.check_docs(tmp_path / "dmgui")
    shutil.copyfile(REPO / "docs" / "model.md", docs / "model.md")
    build.check_docs(tmp_path / "dmgui")  # the real copy passes


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
