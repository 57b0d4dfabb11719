"""``dmgui import``, ``dmgui export`` and ``dmgui simulate --compare`` against hostile
input: the contract of ``tests/test_fuzz_inputs.py`` and ``tests/test_cli_hardening.py``
(issue 7), with their harness, for the subcommands of issue 10.

No input may destroy a file, hang or crash dmgui: bad input is exit status 2, exactly
one line on stderr starting with ``dmgui: error:`` that names the problem (and the
file, where there is one), nothing written (an existing output stays byte for byte
and mode for mode as it was, no temporary file is left) and no traceback.

* every hostile file kind (:data:`HOSTILE_FILES`) in every input position
  (:data:`POSITIONS`): import's FILEs (alone, and among valid files), export's
  SCENARIO, ``--compare``'s CSV; random text as UTF-16 (hypothesis);
* hostile values of ``--host-memory``, ``--version``, ``--name``, ``--host``,
  ``--compare-host`` (:data:`ARGUMENT_CASES`);
* outputs that must never be written (``BAD_OUTPUTS`` of ``test_fuzz_inputs``, the
  input being the import's inventory, the exported scenario or the ``--compare``
  log), a FIFO, and the standard output when it is full, closed or an input.

Kinds that could hang or eat the machine on a regression (a FIFO, XML entities, a
perfmon header of a million columns) run ``python -m dmgui`` in a subprocess with the
harness's 60 s timeout and, on Linux, a 1 GiB address-space cap; the rest run
:func:`dmgui.cli.main` in-process and must be refused within 10 s.

Cases that fail because dmgui misbehaves are marked ``xfail(strict=True)`` with the
reason; they pass once dmgui is fixed (and then the mark must go).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

# The fixture generators live next to the core tests (tests/ is not a package); the
# harness is test_fuzz_inputs' (this folder is on sys.path as pytest runs tests).
sys.path.insert(0, str(Path(__file__).resolve().parent / "core"))
from perfmon_fixtures import FixtureVm, perfmon_csv  # noqa: E402
from powershell_fixtures import (  # noqa: E402
    Vm,
    export_csv,
    get_vm_json,
    vm_config_xml,
    vmmemory_record,
)
from test_fuzz_inputs import (  # noqa: E402
    BAD_OUTPUTS,
    MINUTE,
    SLOW_DATA_OK,
    Run,
    _make_output,
    assert_clean_refusal,
    run_main,
    snapshot,
    working_folder,
)

try:
    import resource
except ImportError:  # Windows: no address-space cap, the timeout still applies
    resource = None

TIMEOUT_S = 60  # the harness's limit for a subprocess
REFUSE_IN_S = 10  # the harness's limit for an in-process refusal
MEMORY_CAP = 1024**3  # 1 GiB: hundreds of times the largest hostile file here

# --- a small host's valid files --------------------------------------------------

WEB01 = Vm("WEB01", startup_mb=1024, minimum_mb=512, maximum_mb=4096, state=2)
TIMES = [0, 15, 30, 45, 60, 75, 90, 105]
DEMAND = [600, 650, 900, 1400, 1250, 800, 700, 640]
VMS_JSON = get_vm_json([WEB01])
MEMORY_CSV = export_csv([vmmemory_record(WEB01)])
PERFMON = perfmon_csv([FixtureVm("WEB01", DEMAND)], TIMES, hosts={"HV01": [9000] * 8})
SCENARIO = {
    "schema_version": 1, "name": "Measured host",
    "host": {"name": "HV01", "memory_mb": 16384, "version": "2016"},
    "vms": [{"name": "WEB01", "autostart": True,
             "memory": {"dynamic_memory_enabled": True, "startup_mb": 1024,
                        "minimum_mb": 512, "maximum_mb": 4096},
             "workload": {"kind": "constant", "mb": 800}}],
}
KEEP = b"keep me\n"  # what an existing output holds; it must stay so


@contextlib.contextmanager
def host_folder() -> Iterator[Path]:
    """A working folder (the current directory) with a host's valid files and the
    outputs already there: ``vms.json`` (Get-VM), ``memory.csv`` (Get-VMMemory
    Export-Csv), ``perfmon.csv``, ``scenario.json``, ``out.json``, ``out.ps1``.
    Its sibling ``aside`` is for files too large to snapshot."""
    with working_folder() as top:
        root = top / "work"
        root.mkdir()
        (top / "aside").mkdir()
        os.chdir(root)  # working_folder() goes back to the old one
        for name, data in (("vms.json", VMS_JSON), ("memory.csv", MEMORY_CSV),
                           ("perfmon.csv", PERFMON),
                           ("scenario.json", json.dumps(SCENARIO).encode()),
                           ("out.json", KEEP), ("out.ps1", KEEP)):
            (root / name).write_bytes(data)
        yield root


def run_isolated(argv: list[str], root: Path) -> Run:
    """``python -m dmgui ARGV`` in ``root`` with a timeout and (Linux) a memory cap."""
    def cap_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))

    start = time.monotonic()
    try:
        proc = subprocess.run([sys.executable, "-m", "dmgui", *argv], cwd=root,
                              capture_output=True, timeout=TIMEOUT_S, check=False,
                              stdin=subprocess.DEVNULL,
                              preexec_fn=cap_memory if resource else None)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{argv!r} still running after {TIMEOUT_S} s")
    return Run(proc.returncode, proc.stdout,
               proc.stderr.decode("utf-8", errors="backslashreplace"), None,
               time.monotonic() - start)


# --- hostile input files -----------------------------------------------------------

def _write(name: str, data: bytes) -> Callable[[Path], str]:
    def make(root: Path) -> str:
        (root / name).write_bytes(data)
        return name
    return make


def _fifo(root: Path) -> str:
    os.mkfifo(root / "pipe.csv")  # no writer: a blocking open would wait for ever
    return "pipe.csv"


def _folder(root: Path) -> str:
    (root / "folder.json").mkdir()
    return "folder.json"


def _dangling(root: Path) -> str:
    (root / "dangling.json").symlink_to(root / "gone.json")
    return "dangling.json"


def _loop(root: Path) -> str:
    (root / "loop-a.json").symlink_to(root / "loop-b.json")
    (root / "loop-b.json").symlink_to(root / "loop-a.json")
    return "loop-a.json"


def _over_the_limit(root: Path) -> str:
    """A sparse file one MB over dmgui's 256 MB input limit (outside the snapshot)."""
    path = root.parent / "aside" / "huge.csv"
    with open(path, "wb") as f:
        f.truncate(257 * 1024 * 1024)
    return str(path)


def _billion_laughs(encoding: str) -> bytes:
    """A VM configuration XML whose name expands to 10**9 'lol's (a DTD of entities)."""
    dtd = ('<!DOCTYPE configuration [<!ENTITY lol0 "lol">'
           + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
           + "]>")
    text = vm_config_xml("LAUGHS", doctype=dtd, encoding="utf-8").decode("utf-8")
    return text.replace(">LAUGHS<", ">&lol9;<").encode(encoding)


def _with_nul(data: bytes, line: int, cell: int) -> bytes:
    """``data`` with a NUL byte at the end of quoted cell ``cell`` of CSV line
    ``line`` (both from 0), before its closing quote."""
    lines = data.split(b"\r\n")
    end = 0
    for _ in range(cell + 1):
        end = lines[line].index(b'","', end + 1)
    lines[line] = lines[line][:end] + b"\x00" + lines[line][end:]
    return b"\r\n".join(lines)


def _wide_header() -> bytes:
    """A 1 MB perfmon log: a header of a million (empty) columns and 200 short
    sample rows, its one counter for a VM no inventory or scenario has."""
    n = 200
    header, rows = perfmon_csv([FixtureVm("GHOST", [600.0] * n)],
                               [15.0 * i for i in range(n)]).split(b"\r\n", 1)
    return header + b"," * 1_000_000 + b"\r\n" + rows


def _random_text(seed: int, size: int) -> str:
    rng = random.Random(seed)
    planes = [(0x20, 0x7f), (0xa0, 0xd7ff), (0xe000, 0xfffd), (0x10000, 0x10ffff)]
    return "".join(chr(rng.randrange(*rng.choice(planes))) if rng.random() > 0.05
                   else rng.choice("\r\n\t,;\"{}[]<>") for _ in range(size))


@dataclass(frozen=True)
class Hostile:
    """How to make one hostile input file, and what the refusal must say."""

    make: Callable[[Path], str]  # creates it in the folder; the name to pass
    fragment: str = ""  # in the one line, whatever the command
    import_fragment: str = ""  # in the one line of dmgui import
    isolated: bool = False  # could hang or blow up: a subprocess, timeout, memory cap


HOSTILE_FILES: dict[str, Hostile] = {
    "a folder": Hostile(_folder, "it is a folder"),
    "a FIFO": Hostile(_fifo, "FIFO", isolated=True),
    "/dev/zero": Hostile(lambda root: "/dev/zero", "character device"),
    "/dev/null": Hostile(lambda root: "/dev/null", "character device"),
    "a missing file": Hostile(lambda root: "missing.json", "No such file"),
    "a dangling symlink": Hostile(_dangling, "No such file"),
    "a symlink loop": Hostile(_loop, "symbolic links"),
    "a file over the size limit": Hostile(_over_the_limit, "too large"),
    "an empty name": Hostile(lambda root: "", "empty file name"),
    "an empty file": Hostile(_write("empty.json", b"")),
    "binary junk": Hostile(
        _write("junk.bin", b"\x00" + random.Random(3).randbytes(4095))),
    "invalid UTF-8": Hostile(
        _write("latin.txt", b"abc \xc3\x28 \xed\xa0\x80 \xc0\xaf\n" * 20)),
    "JSON nested 100k deep": Hostile(
        _write("deep.json", b"[" * 100_000 + b"]" * 100_000)),
    "Get-VM JSON nested 100k deep": Hostile(
        _write("deep-vm.json", b'[{"Name": "WEB02", "MemoryStartup": '
               + b'{"a": ' * 100_000 + b"1" + b"}" * 100_000 + b"}]"),
        import_fragment="nested too deeply"),
    "billion laughs (UTF-16 XML)": Hostile(
        _write("laughs16.xml", _billion_laughs("utf-16")), import_fragment="DTD",
        isolated=True),
    "billion laughs (UTF-8 XML)": Hostile(
        _write("laughs8.xml", _billion_laughs("utf-8")), import_fragment="DTD",
        isolated=True),
    "external entity XML": Hostile(
        _write("xxe.xml", vm_config_xml(
            "XXE", encoding="utf-8",
            doctype='<!DOCTYPE c [<!ENTITY e SYSTEM "file:///etc/passwd">]>')),
        import_fragment="DTD"),
    "a .vmcx binary": Hostile(
        _write("vm.vmcx", b"\x00" + random.Random(4).randbytes(8191)),
        import_fragment=".vmcx"),
    "a .blg binary": Hostile(
        _write("log.blg", b"\x00" + random.Random(5).randbytes(8191)),
        import_fragment=".blg"),
    "an Export-Csv with a NUL byte": Hostile(
        _write("memory-nul.csv", _with_nul(MEMORY_CSV, 2, 0)),
        import_fragment="binary"),
    "a perfmon CSV with a NUL byte": Hostile(  # in a Physical Memory sample
        _write("perfmon-nul.csv", _with_nul(PERFMON, 2, 1))),
    "UTF-16 random text": Hostile(
        _write("random16.txt", _random_text(7, 3000).encode("utf-16"))),
    "a perfmon header of a million columns": Hostile(
        _write("wide.csv", _wide_header()), isolated=True),
}

#: Where an input file goes: a function of its name to the whole command line.
POSITIONS: dict[str, Callable[[str], list[str]]] = {
    "import FILE": lambda f: ["import", f, "-o", "out.json"],
    "import FILE among valid files": lambda f: [
        "import", "vms.json", f, "memory.csv", "-o", "out.json"],
    "export SCENARIO": lambda f: ["export", f, "--powershell", "out.ps1"],
    "simulate --compare CSV": lambda f: [
        "simulate", "scenario.json", "--compare", f, *MINUTE, "--json", "out.json"],
}
IMPORTS = {"import FILE", "import FILE among valid files"}
#: A valid file for each position (so a refusal is the hostile file's doing).
VALID = {"import FILE": "vms.json", "import FILE among valid files": "perfmon.csv",
         "export SCENARIO": "scenario.json", "simulate --compare CSV": "perfmon.csv"}

KNOWN_FAILURES: dict = {}  # (kind, position) -> why it fails today; none now


def _cases(kinds, positions, known: dict) -> list:
    """(kind, position) params; a known failure marked xfail(strict=True)."""
    return [pytest.param(kind, position, id=f"{position}: {kind}",
                         marks=[pytest.mark.xfail(strict=True, reason=reason)]
                         if (reason := known.get((kind, position))) else [])
            for position in positions for kind in kinds]


def test_the_valid_files_import_export_and_compare():
    """The baseline: with a valid file in the hostile file's place each command
    works, so every refusal below is the hostile file's doing."""
    for position, build in POSITIONS.items():
        with host_folder() as root:
            run = run_main(build(VALID[position]))
            assert run.escaped is None and run.code == 0, (position, run)
            output = "out.ps1" if position == "export SCENARIO" else "out.json"
            assert (root / output).read_bytes() != KEEP, position


@pytest.mark.parametrize("kind, position",
                         _cases(HOSTILE_FILES, POSITIONS, KNOWN_FAILURES))
def test_a_hostile_input_file_is_refused_on_one_line(kind, position):
    hostile = HOSTILE_FILES[kind]
    with host_folder() as root:
        name = hostile.make(root)
        argv = POSITIONS[position](name)
        before = snapshot(root)
        run = run_isolated(argv, root) if hostile.isolated else run_main(argv)
        after = snapshot(root)
    what = f"{kind} as {position}: {argv!r}"
    assert_clean_refusal(run, before, after, what)
    assert run.seconds < (TIMEOUT_S if hostile.isolated else REFUSE_IN_S), what
    assert name in run.stderr, f"{what}: the file is not named: {run.stderr!r}"
    assert hostile.fragment in run.stderr, f"{what}: {run.stderr!r}"
    if position in IMPORTS:
        assert hostile.import_fragment in run.stderr, f"{what}: {run.stderr!r}"


@settings(max_examples=30, deadline=None, suppress_health_check=SLOW_DATA_OK)
@given(text=st.text(max_size=400),
       encoding=st.sampled_from(["utf-16", "utf-16-le", "utf-16-be"]),
       position=st.sampled_from(sorted(POSITIONS)))
def test_random_text_as_utf16_is_refused_on_one_line(text, encoding, position):
    with host_folder() as root:
        (root / "random.txt").write_bytes(text.encode(encoding))
        argv = POSITIONS[position]("random.txt")
        before = snapshot(root)
        run = run_main(argv)
        after = snapshot(root)
    what = f"{text!r} as {encoding} in {position}"
    assert_clean_refusal(run, before, after, what)
    assert "random.txt" in run.stderr, f"{what}: {run.stderr!r}"


# --- hostile argument values -------------------------------------------------------

BASE_ARGV = {
    "import": ["import", "vms.json", "memory.csv", "perfmon.csv", "-o", "out.json"],
    "export": ["export", "scenario.json", "--powershell", "out.ps1"],
    "simulate": ["simulate", "scenario.json", "--compare", "perfmon.csv", *MINUTE,
                 "--json", "out.json"],
}
LONG = "x" * 100_000
# (command, option, value, fragment of the one line[, why it fails today])
ARGUMENT_CASES = [
    *[("import", "--host-memory", value, "--host-memory") for value in (
        "0", "-1", "-24GB", "-0GB", "24", "24XB", "0GB", "25TB", "99999999999999TB",
        "1e400GB", "9" * 5000 + "GB", "NaN", "nanGB", "infGB", "", " ", "1.5MB",
        "24GB\x1b[2J", "\u0662\u0664GB", "\uff12\uff14GB")],
    *[("import", "--version", value, "--version") for value in (
        "2099", "", " ", "NT4", "Windows Server", "x" * 10_000, "\u2028",
        "2012R2\x1b[2J")],
    *[("import", "--name", value, "--name") for value in (
        "a\x07b", "a\nb", "a\rb", "\x1b[31mred", "", " ", " lead", "x" * 257, LONG,
        "\u202e", "a\u200bb", "\udcff", "\u2028")],
    *[("export", "--host", value, "--host") for value in (
        "", " ", "a\nb", "\x1b[2J", "a\u200bb", "\u202e", "\udcff")],
    ("export", "--host", "x" * 256, "--host"),
    ("export", "--host", LONG, "--host"),
    *[("simulate", "--compare-host", value, "no host") for value in (
        "", " ", "a\nb", "\x1b[2J", "nosuch", LONG, "\udcff", "HV01\n")],
    # argparse's '--' (item 6 of issue 7) and empty file names
    *[(command, option, "--", "expected one value") for command, option in (
        ("import", "--host-memory"), ("import", "--version"), ("import", "--name"),
        ("import", "--output"), ("export", "--powershell"), ("export", "--host"),
        ("simulate", "--compare-host"))],
    ("import", "--output", "", "empty file name"),
    ("export", "--powershell", "", "empty file name"),
]


def _argument_params() -> list:
    params = []
    for command, option, value, fragment, *reason in ARGUMENT_CASES:
        marks = [pytest.mark.xfail(strict=True, reason=reason[0])] if reason else []
        shown = repr(value) if len(value) <= 24 else f"{value[:12]!r}...({len(value)})"
        params.append(pytest.param(command, option, value, fragment, marks=marks,
                                   id=f"{command} {option}={shown}"))
    return params


@pytest.mark.parametrize("command, option, value, fragment", _argument_params())
def test_a_hostile_option_value_is_refused_on_one_line(command, option, value,
                                                       fragment):
    argv = [*BASE_ARGV[command], f"{option}={value}"]
    with host_folder() as root:
        before = snapshot(root)
        run = run_main(argv)
        after = snapshot(root)
    what = f"{command} {option}={value[:60]!r}"
    assert_clean_refusal(run, before, after, what)
    assert fragment in run.stderr, f"{what}: {run.stderr!r}"
    assert len(run.stderr) < 2000 or value is LONG, f"{what}: {len(run.stderr)} chars"


@pytest.mark.parametrize("argv, fragment", [
    (["simulate", "scenario.json", "--compare-host", "HV01", *MINUTE],
     "needs --compare"),
    (["import", "", "-o", "out.json"], "empty file name"),
    (["import", "-o", "out.json"], "required: FILE"),
    (["import", "vms.json", "./vms.json", "-o", "out.json"], "given twice"),
    (["export", "", "--powershell", "out.ps1"], "empty file name"),
    (["export", "--powershell", "out.ps1"], "required: scenario"),
], ids=["compare-host without compare", "import empty FILE", "import no FILE",
        "import one FILE twice", "export empty SCENARIO", "export no SCENARIO"])
def test_a_missing_or_repeated_argument_is_refused_on_one_line(argv, fragment):
    with host_folder() as root:
        before = snapshot(root)
        run = run_main(argv)
        after = snapshot(root)
    assert_clean_refusal(run, before, after, repr(argv))
    assert fragment in run.stderr, run.stderr


# --- outputs that must never be written ------------------------------------------

#: (the input the output may alias, the command line for an output name)
OUTPUTS: dict[str, tuple[str, Callable[[str], list[str]]]] = {
    "import -o": ("memory.csv", lambda out: [
        "import", "vms.json", "memory.csv", "perfmon.csv", "-o", out]),
    "export --powershell": ("scenario.json", lambda out: [
        "export", "scenario.json", "--powershell", out]),
    "simulate --compare --json": ("perfmon.csv", lambda out: [
        "simulate", "scenario.json", "--compare", "perfmon.csv", *MINUTE,
        "--json", out]),
    "simulate --compare --csv": ("perfmon.csv", lambda out: [
        "simulate", "scenario.json", "--compare", "perfmon.csv", *MINUTE,
        "--csv", out]),
}


@pytest.mark.parametrize("kind", BAD_OUTPUTS)
@pytest.mark.parametrize("output", OUTPUTS)
def test_an_unusable_output_is_refused_before_any_work(output, kind):
    """test_fuzz_inputs' BAD_OUTPUTS; "the scenario" there is the input here (the
    inventory, the exported scenario, the --compare log) under each alias."""
    victim, build = OUTPUTS[output]
    with host_folder() as root:
        name = _make_output(kind, root, "-out", victim=victim)
        argv = build(name)
        before = snapshot(root)
        run = run_main(argv)
        after = snapshot(root)
    what = f"{output} {kind}: {argv!r}"
    assert_clean_refusal(run, before, after, what)
    assert run.seconds < REFUSE_IN_S, f"{what}: took {run.seconds:.1f} s to refuse"
    assert name in run.stderr, f"{what}: {run.stderr!r}"


@pytest.mark.parametrize("output", OUTPUTS)
def test_a_fifo_output_is_refused_without_hanging(output):
    with host_folder() as root:
        os.mkfifo(root / "pipe.out")
        argv = OUTPUTS[output][1]("pipe.out")
        before = snapshot(root)
        run = run_isolated(argv, root)
        after = snapshot(root)
    assert_clean_refusal(run, before, after, repr(argv))
    assert "pipe.out" in run.stderr and "FIFO" in run.stderr, run.stderr


_IMPORT_OUT = "import vms.json memory.csv perfmon.csv -o -"
_EXPORT_OUT = "export scenario.json --powershell -"
_COMPARE = "simulate scenario.json --compare perfmon.csv --duration 1m --no-progress"
_FULL = "No space left on device"
STDOUT_CASES = {  # (arguments, shell redirection of the standard output, fragment)
    "import -o - into /dev/full": (_IMPORT_OUT, "> /dev/full", _FULL),
    "export - into /dev/full": (_EXPORT_OUT, "> /dev/full", _FULL),
    "compare table into /dev/full": (_COMPARE, "> /dev/full", _FULL),
    "import -o - closed": (_IMPORT_OUT, ">&-", "Bad file descriptor"),
    "export - closed": (_EXPORT_OUT, ">&-", "Bad file descriptor"),
    "import -o - appended to an input": (_IMPORT_OUT, ">> memory.csv",
                                         "is an input file"),
    "import -o - opened on an input": (_IMPORT_OUT, "1<> vms.json", "is an input file"),
    "export - appended to the scenario": (_EXPORT_OUT, ">> scenario.json",
                                          "is the scenario file"),
    "compare table appended to the log": (_COMPARE, ">> perfmon.csv",
                                          "is the --compare file"),
    "compare --json - appended to the log": (_COMPARE + " --json -", ">> perfmon.csv",
                                             "is the --compare file"),
}


@pytest.mark.parametrize("case", STDOUT_CASES)
def test_a_bad_standard_output_is_one_line_and_no_input_changes(case):
    args, redirect, fragment = STDOUT_CASES[case]
    if "/dev/full" in redirect and not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    command = f"{shlex.quote(sys.executable)} -m dmgui {args} {redirect}"
    with host_folder() as root:
        before = snapshot(root)
        try:
            proc = subprocess.run(["bash", "-c", command], cwd=root,
                                  capture_output=True, text=True,
                                  errors="backslashreplace", timeout=TIMEOUT_S,
                                  stdin=subprocess.DEVNULL, check=False)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{command!r} still running after {TIMEOUT_S} s")
        after = snapshot(root)
    run = Run(proc.returncode, b"", proc.stderr, None, 0.0)
    assert_clean_refusal(run, before, after, command)
    assert fragment in proc.stderr, proc.stderr
