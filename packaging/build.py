"""Build the one-folder dmgui bundle (dist/dmgui/) from a clean virtual environment.

    python packaging/build.py            # fresh venv in build/bundle-venv, then PyInstaller
    python packaging/build.py --check    # ... and run the bundle's headless checks
    python packaging/build.py --reuse-venv --check   # faster rebuilds

It prints the bundle's size on disk. ``--check`` verifies that the bundle carries
``docs/model.md`` (Help → The Model) unchanged, then runs, offscreen:
``dist/dmgui/dmgui --quit-after 1000`` and
``dist/dmgui/dmgui simulate --duration 1h --json <tmp>/out.json``, ``dmgui plan`` and
``dmgui advise`` on a two-process pool (the workers re-launch the bundle),
``dmgui export`` of a bundled scenario to a PowerShell script, and ``dmgui import`` of
small host files written on the fly (Get-VM JSON, Get-VMMemory CSV, a perfmon CSV)
whose scenario ``dmgui simulate`` then runs; a failure exits non-zero.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
DIST = ROOT / "dist"
BUNDLE = DIST / "dmgui"
PYINSTALLER = "pyinstaller>=6.0"
# Documents of docs/ that the app shows, copied to <resources>/docs by dmgui.spec.
SHIPPED_DOCS = ("model.md",)


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run(cmd, check=True, **kwargs)


def make_venv(path: Path, reuse: bool) -> Path:
    python = path / "bin" / "python"
    if sys.platform == "win32":
        python = path / "Scripts" / "python.exe"
    if not (reuse and python.exists()):
        shutil.rmtree(path, ignore_errors=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(path)
    run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    run([python, "-m", "pip", "install", "--quiet", str(ROOT), PYINSTALLER])
    return python


def build(python: Path) -> None:
    shutil.rmtree(BUNDLE, ignore_errors=True)
    run([python, "-m", "PyInstaller", str(ROOT / "packaging" / "dmgui.spec"),
         "--noconfirm", "--clean", "--distpath", str(DIST),
         "--workpath", str(BUILD / "pyinstaller")], cwd=ROOT)


def strip_libpython(bundle: Path) -> None:
    """Drop debug info from libpython (pyenv builds carry 17 MB of it); other libraries
    are left alone, as stripping numpy's patched OpenBLAS breaks it."""
    tool = shutil.which("strip")
    if tool is None or sys.platform != "linux":
        return
    for lib in bundle.rglob("libpython3*.so*"):
        if lib.is_file() and not lib.is_symlink():
            run([tool, "--strip-debug", lib])


def size_mb(path: Path) -> float:
    """Size on disk in MB; symlinks count as links, not as second copies of their target."""
    total = 0
    for folder, _dirs, files in os.walk(path):
        total += sum(os.lstat(os.path.join(folder, name)).st_size for name in files)
    return total / 2**20


def bundle_resources(bundle: Path) -> Path:
    """The bundle's resources folder."""
    # PyInstaller 6 puts data files under _internal/; older versions beside the exe.
    folders = [bundle / "_internal" / "resources", bundle / "resources"]
    resources = next((f for f in folders if f.is_dir()), None)
    if resources is None:
        raise SystemExit(f"bundle has no resources folder (looked for {folders})")
    return resources


def check_docs(bundle: Path) -> None:
    """The bundle's resources hold each of :data:`SHIPPED_DOCS`, equal to docs/."""
    resources = bundle_resources(bundle)
    for name in SHIPPED_DOCS:
        shipped = resources / "docs" / name
        if not shipped.is_file():
            raise SystemExit(f"bundle lacks docs/{name} (expected {shipped})")
        if shipped.read_bytes() != (ROOT / "docs" / name).read_bytes():
            raise SystemExit(f"bundled {shipped} differs from docs/{name}: rebuild")


def check() -> None:
    check_docs(BUNDLE)
    exe = BUNDLE / ("dmgui.exe" if sys.platform == "win32" else "dmgui")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    with tempfile.TemporaryDirectory() as tmp:
        gui = run([exe, "--quit-after", "1000"], env=env, cwd=tmp, capture_output=True,
                  text=True, timeout=120)
        if "Traceback" in gui.stderr:
            raise SystemExit(f"bundle GUI smoke check printed a traceback:\n{gui.stderr}")
        out = Path(tmp) / "out.json"
        run([exe, "simulate", "--duration", "1h", "--json", out], env=env, cwd=tmp,
            timeout=300)
        summary = json.loads(out.read_text())
        if summary.get("duration_s") != 3600 or not summary.get("vms"):
            raise SystemExit(f"bundle simulate wrote an unexpected summary: {summary}")
        plan, advice = check_planner(exe, env, Path(tmp))
        script = check_export(exe, env, Path(tmp))
        imported = check_import(exe, env, Path(tmp))
    print(f"bundle checks passed: docs/model.md shipped, GUI smoke run, a 1 h "
          f"simulation ({len(summary['vms'])} VMs), a plan on a 2-process pool "
          f"({len(plan['curve'])} runs), advice for {len(advice['vms'])} VMs, a "
          f"{len(script.splitlines())}-line PowerShell export and an import of "
          f"{len(imported['vms'])} VMs")


def check_planner(exe: Path, env: dict, tmp: Path) -> tuple[dict, dict]:
    """``dmgui plan`` and ``dmgui advise`` from the bundle, each on a process pool: the
    workers re-launch the bundle itself, which must turn into a worker
    (``multiprocessing.freeze_support``), not a second dmgui."""
    plan_out, advice_out = tmp / "plan.json", tmp / "advice.json"
    common = ["--vm", "WIN7-01", "--workers", "2", "--no-progress"]
    run([exe, "plan", *common, "--horizon", "1h", "--max-vms", "14", "--json", plan_out],
        env=env, cwd=tmp, timeout=600)
    plan = json.loads(plan_out.read_text())
    if plan.get("template") != "WIN7-01" or not plan.get("curve"):
        raise SystemExit(f"bundle plan wrote an unexpected answer: {plan}")
    run([exe, "advise", *common, "--horizon", "30m", "--max-vms", "12", "--json",
         advice_out], env=env, cwd=tmp, timeout=900)
    advice = json.loads(advice_out.read_text())
    if not advice.get("vms"):
        raise SystemExit(f"bundle advise wrote an unexpected answer: {advice}")
    return plan, advice


def check_export(exe: Path, env: dict, tmp: Path) -> str:
    """``dmgui export`` from the bundle: a bundled 2012 R2 scenario becomes a
    Set-VMMemory script (pure ASCII, as the exporter promises)."""
    scenario = bundle_resources(BUNDLE) / "scenarios" / "finance-host-2012r2.json"
    out = tmp / "apply-memory.ps1"
    run([exe, "export", scenario, "--powershell", out], env=env, cwd=tmp, timeout=120)
    data = out.read_bytes()
    if not data.isascii():
        raise SystemExit(f"bundle export wrote a script that is not pure ASCII: {out}")
    script = data.decode("ascii")
    if "Set-VMMemory -VM $vm" not in script or "MinimumBytes = " not in script:
        raise SystemExit(f"bundle export wrote an unexpected script:\n{script[:2000]}")
    return script


IMPORT_MB = 1024 * 1024


def import_inputs(folder: Path) -> list[Path]:
    """Small host files as Windows writes them, for the ``dmgui import`` check: Get-VM
    JSON (two VMs, one running), Get-VMMemory CSV (``Export-Csv``) and a perfmon CSV
    with the running VM's Dynamic Memory counters, 15 s apart."""
    vms = [{"Name": "WEB01", "State": 2, "DynamicMemoryEnabled": True,
            "MemoryStartup": 1024 * IMPORT_MB, "MemoryMinimum": 512 * IMPORT_MB,
            "MemoryMaximum": 4096 * IMPORT_MB, "Generation": 2},
           {"Name": "SQL01", "State": 3, "DynamicMemoryEnabled": False,
            "MemoryStartup": 2048 * IMPORT_MB, "MemoryMinimum": 2048 * IMPORT_MB,
            "MemoryMaximum": 2048 * IMPORT_MB, "Generation": 1}]
    vm_json = folder / "get-vm.json"
    vm_json.write_text(json.dumps(vms, indent=4), encoding="utf-8")
    memory_csv = folder / "get-vmmemory.csv"
    memory_csv.write_text(
        "#TYPE Microsoft.HyperV.PowerShell.VMMemory\r\n"
        '"VMName","DynamicMemoryEnabled","Startup","Minimum","Maximum","Buffer","Priority"\r\n'
        f'"web01","True","{1024 * IMPORT_MB}","{512 * IMPORT_MB}","{4096 * IMPORT_MB}",'
        '"25","60"\r\n', encoding="ascii", newline="")
    counter = "\\\\HV01\\Hyper-V Dynamic Memory VM(WEB01)\\"
    rows = [f'"(PDH-CSV 4.0) (Pacific Standard Time)(480)","{counter}Physical Memory",'
            f'"{counter}Current Pressure"']
    for i in range(40):
        demand = 600 + 25 * (i % 16)
        rows.append(f'"11/27/2024 10:{i * 15 // 60:02d}:{i * 15 % 60:02d}.000",'
                    f'"1200","{demand / 1200 * 100:.17g}"')
    log = folder / "perfmon.csv"
    log.write_text("\r\n".join(rows) + "\r\n", encoding="cp1252", newline="")
    return [vm_json, memory_csv, log]


def check_import(exe: Path, env: dict, tmp: Path) -> dict:
    """``dmgui import`` from the bundle: files written here become a scenario that
    replays the perfmon trace, and ``dmgui simulate`` runs it."""
    folder = tmp / "import"
    folder.mkdir()
    scenario_path = folder / "imported.json"
    run([exe, "import", *import_inputs(folder), "-o", scenario_path, "--host-memory",
         "8GB"], env=env, cwd=tmp, timeout=120)
    scenario = json.loads(scenario_path.read_text())
    web = next((vm for vm in scenario.get("vms", []) if vm.get("name") == "WEB01"), {})
    if (len(scenario.get("vms", [])) != 2 or web.get("workload", {}).get("kind") != "trace"
            or web.get("memory", {}).get("buffer_percent") != 25):
        raise SystemExit(f"bundle import wrote an unexpected scenario: {scenario}")
    out = folder / "summary.json"
    run([exe, "simulate", scenario_path, "--duration", "10m", "--json", out], env=env,
        cwd=tmp, timeout=300)
    if json.loads(out.read_text()).get("duration_s") != 600:
        raise SystemExit("bundle simulate of the imported scenario wrote an unexpected "
                         "summary")
    return scenario


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reuse-venv", action="store_true",
                        help="keep build/bundle-venv if it exists (faster rebuilds)")
    parser.add_argument("--check", action="store_true", help="run the bundle's checks")
    args = parser.parse_args()
    python = make_venv(BUILD / "bundle-venv", args.reuse_venv)
    build(python)
    strip_libpython(BUNDLE)
    print(f"bundle: {BUNDLE} ({size_mb(BUNDLE):.0f} MB on disk)")
    if args.check:
        check()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
