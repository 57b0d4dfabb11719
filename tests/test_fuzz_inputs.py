"""Property tests (hypothesis): every way a user can hand ``dmgui simulate`` bad input.

Issue 7 made every input path go through one mechanism (``dmgui.core.files``,
``dmgui.core.strict_json``, ``dmgui.core.model.scenario``, ``dmgui.core.args``). This file
guards its contract against generated input rather than hand-picked examples:

* a scenario file that is random bytes, random text, random JSON, or a valid
  scenario with fields replaced, dropped, duplicated or corrupted in its text
  (duplicate keys, ``NaN``/``Infinity``, huge integers, deep nesting, strings where
  numbers belong);
* random command-line arguments after ``simulate``;
* output paths that must never be written (the scenario itself under any alias, a
  FIFO, a device, a folder, a read-only file, one file for both outputs).

The contract: a run either succeeds (exit 0, and then the input was valid and only
the outputs the user named exist or changed) or is refused with exit status 2,
exactly one line on stderr starting with ``dmgui: error:``, no traceback, and no
file created, removed or changed (hidden temporary files included). Nothing ever
escapes :func:`dmgui.cli.main` as an exception, and
:func:`dmgui.core.model.scenario.load_scenario` raises only a one-line
:class:`~dmgui.core.model.scenario.ScenarioError` that names the file.

"One line" means what :meth:`str.splitlines` means: no ``\\n``, ``\\r``, vertical
tab, form feed, file/group/record separator, NEL, U+2028 or U+2029 inside it.

Each test builds its own temporary folders (no function-scoped fixtures under
``@given``); the whole file runs in a few seconds. Cases where a hang would be
possible (a FIFO) run ``python -m dmgui`` in a subprocess with a timeout.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import re
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from dmgui.cli import build_parser, main
from dmgui.core.args import UsageError
from dmgui.core.model.scenario import Scenario, ScenarioError, load_scenario

REPO = Path(__file__).resolve().parent.parent
SHIPPED = sorted((REPO / "resources" / "scenarios").glob("*.json"))

# A small valid scenario touching every part of the schema: both memory modes, a
# few workload kinds, and every event action (set_memory with a patch included).
SMALL = {
    "schema_version": 1, "name": "Fuzz base", "seed": 7,
    "host": {"name": "HV01", "memory_mb": 8192, "reserve_mb": 512, "vm_overhead_mb": 32,
             "version": "2012R2"},
    "vms": [
        {"name": "A", "autostart": True, "integration_services": True,
         "boot_delay_s": 5,
         "memory": {"dynamic_memory_enabled": True, "startup_mb": 1024,
                    "minimum_mb": 512, "maximum_mb": 4096, "buffer_percent": 20,
                    "weight": 5000},
         "workload": {"kind": "trace", "points": [[0, 600.0], [30, 1500.0]],
                      "interpolation": "linear"}},
        {"name": "B", "autostart": False,
         "memory": {"dynamic_memory_enabled": False, "startup_mb": 2048},
         "workload": {"kind": "bursty", "seed": 3, "base_mb": 500.0, "burst_mb": 800.0,
                      "bursts_per_hour": 30.0, "burst_seconds": 20.0}},
        {"name": "C", "autostart": True,
         "workload": {"kind": "boot_spike", "steady_mb": 300.0, "spike_mb": 200.0,
                      "decay_s": 10.0}},
    ],
    "events": [
        {"at_s": 5, "vm": "B", "action": "start"},
        {"at_s": 10, "vm": "A", "action": "set_memory",
         "memory": {"minimum_mb": 256, "maximum_mb": 8192, "buffer_percent": 50,
                    "weight": 9000}},
        {"at_s": 20, "vm": "C", "action": "restart"},
        {"at_s": 30, "vm": "B", "action": "shutdown"},
        {"at_s": 40, "vm": "C", "action": "turn_off"},
    ],
}
BASES = [SMALL] + [json.loads(p.read_text(encoding="utf-8")) for p in SHIPPED]

MINUTE = ["--duration", "1m", "--no-progress"]

# Characters that break a line or hide text in a terminal: generated strings get
# them often, not once in a million.
NASTY_CHARS = ["\n", "\r", "\r\n", "\t", "\x0b", "\x0c", "\x1b[31m", "\x1c", "\x85",
               "\u2028", "\u2029", "\u202e", "\u200b", "\ufeff", "\x7f", "\x00",
               "\ud800"]
nasty_text = st.lists(
    st.characters(blacklist_categories=()) | st.sampled_from(NASTY_CHARS), max_size=8,
).map("".join)
json_scalars = st.one_of(
    st.none(), st.booleans(),
    st.integers(),
    st.sampled_from([-1, 0, 1, 2, 31, 2**31, 2**53 + 1, 2**63 - 1, 2**63, 2**64,
                     -2**63 - 1, 366 * 86400 + 1, 24 * 1024 * 1024 + 1, 10**30]),
    st.integers(min_value=20, max_value=4200).map(lambda digits: 10**digits),
    st.floats(),  # NaN and +-Infinity included: json.dumps writes them as literals
    st.sampled_from([0.5, -0.0, 1e-300, 1e308, 1024.0, 4096.5]),
    nasty_text,
    st.sampled_from(["", " ", "8192", "1e3", "true", "null", "A", "B", "2012R2", "2016",
                     "constant", "trace", "set_memory", "start", "linear", "step"]),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (st.lists(inner, max_size=4)
                   | st.dictionaries(nasty_text, inner, max_size=4)),
    max_leaves=12,
)


def dumps(value: object) -> str:
    """JSON text of a generated value (NaN/Infinity become their JS literals)."""
    return json.dumps(value, allow_nan=True)


# --- mutating a valid scenario ------------------------------------------------------

def _paths(node: object, path: tuple = ()) -> Iterator[tuple]:
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, path + (i,))


def _parent(doc: object, path: tuple) -> object:
    for part in path[:-1]:
        doc = doc[part]
    return doc


@st.composite
def mutated_scenarios(draw) -> object:
    """A valid scenario (SMALL or a shipped one) with 1-3 edits at random paths."""
    doc = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 3))):
        # Not the root: replacing the whole document is what random JSON values do.
        path = draw(st.sampled_from(list(_paths(doc))[1:]))
        op = draw(st.sampled_from(["replace", "replace", "replace", "drop", "add_key",
                                   "duplicate", "stringify"]))
        parent, key = _parent(doc, path), path[-1]
        if op == "replace":
            parent[key] = draw(json_values)
        elif op == "drop":
            del parent[key]
        elif op == "add_key" and isinstance(parent[key], dict):
            parent[key][draw(nasty_text | st.sampled_from(["memory", "seed", "x"]))] = (
                draw(json_values))
        elif op == "duplicate" and isinstance(parent, list):
            parent.insert(key, copy.deepcopy(parent[key]))
        elif op == "stringify" and not isinstance(parent[key], (dict, list, str)):
            parent[key] = dumps(parent[key])  # "8192" where 8192 belongs
    return doc


# --- corrupting the text of a valid scenario ----------------------------------------

_NUMBER = re.compile(r"(?<=[\s:\[,])-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?=[\s,\]}])")
_KEY = re.compile(r'"([A-Za-z_]+)": ')
BAD_NUMBERS = ["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "1" + "0" * 4400,
               "-" + "9" * 5000, "01", "0x10", "+1", "1_000", ".5", "1.", "1e", "--1",
               "true", "null", '"8192"', '"NaN"', "[]", "{}"]


def _at(draw, pattern: re.Pattern, text: str) -> re.Match | None:
    matches = list(pattern.finditer(text))
    return draw(st.sampled_from(matches)) if matches else None


@st.composite
def corrupted_scenario_bytes(draw) -> bytes:
    """The JSON text of a valid scenario with one textual corruption."""
    text = json.dumps(draw(st.sampled_from(BASES)),
                      indent=draw(st.sampled_from([None, 2])))
    how = draw(st.sampled_from(["dup_key", "bad_number", "quote_number", "deep",
                                "truncate", "flip_byte", "insert", "bom", "utf16",
                                "trailing"]))
    if how == "dup_key" and (m := _at(draw, _KEY, text)):
        value = draw(st.sampled_from(["0", "1", "null", '"x"', "{}", "[]"]))
        text = f'{text[:m.start()]}"{m.group(1)}": {value}, {text[m.start():]}'
    elif how in ("bad_number", "quote_number") and (m := _at(draw, _NUMBER, text)):
        new = (draw(st.sampled_from(BAD_NUMBERS)) if how == "bad_number"
               else f'"{m.group(0)}"')
        text = text[:m.start()] + new + text[m.end():]
    elif how == "deep" and (m := _at(draw, _NUMBER, text)):
        depth = draw(st.sampled_from([50, 1000, 100_000]))
        opener, closer = draw(st.sampled_from([("[", "]"), ('{"a": ', "}")]))
        text = text[:m.start()] + opener * depth + "1" + closer * depth + text[m.end():]
    elif how == "truncate":
        text = text[:draw(st.integers(0, max(len(text) - 1, 0)))]
    elif how == "trailing":
        text += draw(st.sampled_from(["x", "{}", "// comment", "\x00", ",", "\n}"]))
    data = text.encode("utf-8")
    if how == "flip_byte" and data:
        i = draw(st.integers(0, len(data) - 1))
        data = data[:i] + bytes([draw(st.integers(0, 255))]) + data[i + 1:]
    elif how == "insert":
        i = draw(st.integers(0, len(data)))
        data = data[:i] + draw(st.binary(min_size=1, max_size=4)) + data[i:]
    elif how == "bom":
        data = b"\xef\xbb\xbf" + data
    elif how == "utf16":
        data = text.encode(draw(st.sampled_from(["utf-16", "utf-32", "latin-1"])))
    return data


garbage_scenario_bytes = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=200).map(lambda s: s.encode("utf-8", "surrogatepass")),
    json_values.map(lambda v: dumps(v).encode()),
    mutated_scenarios().map(lambda v: dumps(v).encode()),
    corrupted_scenario_bytes(),
)


# --- running the CLI in-process -----------------------------------------------------

@dataclass
class Run:
    """What one in-process ``main(argv)`` did."""

    code: int | None
    stdout: bytes
    stderr: str
    escaped: BaseException | None  # any exception (SystemExit too) that left main()
    seconds: float


def run_main(argv: list[str]) -> Run:
    """Call ``main(argv)`` with stdout and stderr redirected to real temporary files.

    Real files (not StringIO): ``-`` outputs are written through the stream's file
    descriptor. stderr encodes like CPython's (``backslashreplace``).
    """
    with tempfile.TemporaryFile() as out_f, tempfile.TemporaryFile() as err_f:
        out = io.TextIOWrapper(out_f, encoding="utf-8", write_through=True)
        err = io.TextIOWrapper(err_f, encoding="utf-8", errors="backslashreplace",
                               write_through=True)
        code, escaped = None, None
        start = time.monotonic()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(argv)
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - the bug class guarded
            escaped = exc
        seconds = time.monotonic() - start
        out.flush()
        err.flush()
        out_f.seek(0)
        err_f.seek(0)
        stdout, stderr = out_f.read(), err_f.read().decode("utf-8")
        out.detach()
        err.detach()
    return Run(code, stdout, stderr, escaped, seconds)


Snapshot = dict[str, tuple]


def snapshot(root: Path) -> Snapshot:
    """Every entry under ``root`` (hidden ones too): type, mode, mtime, inode, bytes."""
    entries: Snapshot = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(folder, name)
            st_ = os.lstat(path)
            data = Path(path).read_bytes() if stat.S_ISREG(st_.st_mode) else None
            entries[os.path.relpath(path, root)] = (
                st_.st_mode, st_.st_mtime_ns, st_.st_ino, data)
    return entries


def changed_entries(before: Snapshot, after: Snapshot) -> set[str]:
    """Names added, removed or changed between two snapshots."""
    return {name for name in before.keys() | after.keys()
            if before.get(name) != after.get(name)}


def assert_clean_refusal(run: Run, before: Snapshot, after: Snapshot,
                         what: str) -> None:
    """Exit 2, exactly one 'dmgui: error:' line on stderr, nothing on disk changed."""
    assert run.escaped is None, f"{what}: {run.escaped!r} escaped main()"
    assert run.code == 2, f"{what}: exit {run.code}, stderr {run.stderr!r}"
    assert_one_error_line(run.stderr, what)
    assert changed_entries(before, after) == set(), f"{what}: files changed"


def assert_one_error_line(stderr: str, what: str) -> None:
    assert "Traceback" not in stderr, f"{what}: {stderr!r}"
    lines = stderr.splitlines()
    assert len(lines) == 1 and stderr.endswith("\n"), (
        f"{what}: stderr is not exactly one line: {stderr!r}")
    assert lines[0].startswith("dmgui: error:"), f"{what}: {stderr!r}"


def is_valid_scenario(path: Path) -> bool:
    try:
        load_scenario(path)
    except ScenarioError:
        return False
    return True


def check_simulate_on(data: bytes) -> None:
    """``dmgui simulate FILE --json OUT`` on a file holding ``data``: the contract."""
    with tempfile.TemporaryDirectory(prefix="dmgui-fuzz-") as tmp:
        root = Path(tmp)
        scenario, out = root / "scenario.json", root / "summary.json"
        scenario.write_bytes(data)
        valid = is_valid_scenario(scenario)
        before = snapshot(root)
        run = run_main(["simulate", str(scenario), *MINUTE, "--json", str(out)])
        after = snapshot(root)
        what = f"scenario bytes {data[:300]!r}"
        assert run.escaped is None, f"{what}: {run.escaped!r} escaped main()"
        assert after["scenario.json"] == before["scenario.json"], (
            f"{what}: input changed")
        if run.code == 0:
            assert valid, f"{what}: exit 0 but load_scenario refuses the file"
            assert changed_entries(before, after) == {"summary.json"}, what
            assert isinstance(json.loads(out.read_text(encoding="utf-8")), dict), what
        else:
            assert not valid, (f"{what}: load_scenario accepts the file but simulate "
                               f"exits {run.code}: {run.stderr!r}")
            assert_clean_refusal(run, before, after, what)


# --- 1. garbage scenario files through the CLI --------------------------------------

SLOW_DATA_OK = [HealthCheck.too_slow, HealthCheck.data_too_large]
FAST = settings(max_examples=40, deadline=None, suppress_health_check=SLOW_DATA_OK)


@FAST
@given(data=st.binary(max_size=300))
@example(data=b"")
@example(data=b"\xff\xfe{}")
def test_random_bytes_as_scenario_run_or_are_refused_cleanly(data):
    check_simulate_on(data)


@FAST
@given(text=st.text(max_size=300)
       | st.text(alphabet='{}[]":,.-+0123456789eE truefalsn\\\n', max_size=60))
@example(text="{}")
@example(text="[]")
@example(text='{"schema_version": 1}')
def test_random_text_as_scenario_runs_or_is_refused_cleanly(text):
    check_simulate_on(text.encode("utf-8"))


@FAST
@given(value=json_values | st.dictionaries(nasty_text, json_values, max_size=4).map(
    lambda d: {"schema_version": 1, **d}))
@example(value={"schema_version": 1, "host\n": {}})
@example(value=float("nan"))
def test_random_json_values_as_scenario_run_or_are_refused_cleanly(value):
    check_simulate_on(dumps(value).encode())


@settings(max_examples=80, deadline=None, suppress_health_check=SLOW_DATA_OK)
@given(doc=mutated_scenarios())
@example(doc={**SMALL, "events": [{"at_s": 1, "vm": "X\nY", "action": "start"}]})
@example(doc={**SMALL, "host": {**SMALL["host"], "memory_mb\n": 1}})
@example(doc={**SMALL, "vms": [{**SMALL["vms"][0], "workload": {"kind": "a\nb"}}]})
@example(doc={**SMALL, "vms": [{**SMALL["vms"][0], "name": "A\u2028B"}]})
def test_mutated_valid_scenario_runs_or_is_refused_cleanly(doc):
    check_simulate_on(dumps(doc).encode())


@settings(max_examples=60, deadline=None, suppress_health_check=SLOW_DATA_OK)
@given(data=corrupted_scenario_bytes())
@example(data=b'{"schema_version": 1, "schema_version": 1}')
@example(data=b'{"schema_version": 1, "seed": NaN}')
@example(data=b'{"schema_version": 1, "seed": 1' + b"0" * 5000 + b"}")
@example(data=b'{"schema_version": 1, "name": ' + b"[" * 10**5 + b"]" * 10**5 + b"}")
@example(data=b'{"schema_version": 1, "host": {"memory_mb": "8192"}}')
def test_corrupted_scenario_text_runs_or_is_refused_cleanly(data):
    check_simulate_on(data)


# --- 2. garbage arguments -----------------------------------------------------------

FLAGS = ["--duration", "--seed", "--sample", "--csv", "--json", "--progress",
         "--no-progress", "--dur", "--se", "--sa", "--s", "--cs", "--js", "--no",
         "--pro", "--", "-", "-d", "--version", "--csv-", "--JSON"]
VALUES = ["1m", "30s", "10", "1", "0", "-1", "1.5", "0.4", "1h", "61m", "2h", "1d",
          "1m30s", "-5s", "1e3", "abc", "", " ", "\t", "--", "-", "s.json", "./s.json",
          "out.csv", "out.json", ".hidden.csv", "new file.csv", "/dev/null",
          "/dev/stdout", "/dev/stderr", "/dev/full", "/dev/zero", ".", "..",
          "missing/x.csv", "9223372036854775807", "9223372036854775808", "9" * 35]
# Random words: no NUL (argv cannot hold one) and no '/' (a generated name must stay
# in the temporary working folder); lone surrogates excluded (not valid in argv either).
words = st.text(alphabet=st.characters(blacklist_characters="\x00/",
                                       blacklist_categories=("Cs",)), max_size=10)
tokens = st.one_of(
    st.sampled_from(FLAGS), st.sampled_from(VALUES), words,
    st.builds(lambda f, v: f"{f}={v}", st.sampled_from(FLAGS),
              st.sampled_from(VALUES) | words),
)


def _parse(argv: list[str]):
    """The parser's reading of ``argv``: a Namespace, None (usage error) or 'exit'."""
    quiet_out, quiet_err = io.StringIO(), io.StringIO()
    try:
        with (contextlib.redirect_stdout(quiet_out),
              contextlib.redirect_stderr(quiet_err)):
            return build_parser().parse_args(argv)
    except UsageError:
        return None
    except SystemExit:  # --help (or an abbreviation of it): argparse's own exit
        return "exit"


def _named_by(argv: list[str]) -> set[str]:
    """Every name a token (or the value after '=' in one) could make an output of."""
    names = set()
    for token in argv:
        for text in (token, token.partition("=")[2]):
            if text:
                names.add(os.path.normpath(text))
    return names


@contextlib.contextmanager
def working_folder() -> Iterator[Path]:
    """A temporary folder, made the current directory for the block."""
    old = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="dmgui-argv-") as tmp:
        os.chdir(tmp)
        try:
            yield Path(tmp)
        finally:
            os.chdir(old)


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(extra=st.lists(tokens, max_size=7), with_scenario=st.booleans())
@example(extra=["--json=--"], with_scenario=True)
@example(extra=["--seed", "--"], with_scenario=True)
@example(extra=["--csv", "-", "--json", "-"], with_scenario=True)
@example(extra=["--csv", "s.json"], with_scenario=True)
@example(extra=["--progress", "--no-progress"], with_scenario=True)
@example(extra=["--duration", "0.4"], with_scenario=False)
@example(extra=["--seed", "x\ny"], with_scenario=True)
def test_garbage_arguments_exit_0_or_2_and_write_only_named_outputs(extra,
                                                                   with_scenario):
    scenario = ["s.json"] if with_scenario else []
    argv = ["simulate", *scenario, "--duration", "1m", *extra]
    parsed = _parse(argv)
    assume(parsed != "exit")  # --help prints the usage and exits 0, as argparse does
    # A generated --duration may be up to 366 days: keep every run short.
    assume(parsed is None or (parsed.duration <= 3600 and parsed.sample >= 1))
    with working_folder() as root:
        (root / "s.json").write_text(json.dumps(SMALL), encoding="utf-8")
        before = snapshot(root)
        run = run_main(argv)
        after = snapshot(root)
    what = f"argv {argv!r}"
    assert run.escaped is None, f"{what}: {run.escaped!r} escaped main()"
    assert run.code in (0, 2), f"{what}: exit {run.code}"
    assert after["s.json"] == before["s.json"], f"{what}: the scenario changed"
    if run.code == 2:
        assert_clean_refusal(run, before, after, what)
    else:
        assert parsed is not None, f"{what}: exit 0 though the parser refuses them"
        unexpected = changed_entries(before, after) - _named_by(argv)
        assert unexpected == set(), f"{what}: wrote {unexpected} that no argument names"


@settings(max_examples=40, deadline=None)
@given(name=st.lists(st.characters(blacklist_characters="\x00/",
                                   blacklist_categories=("Cs",))
                    | st.sampled_from(["\n", "\r", "\u2028", "\x1b[2J"]),
                    min_size=1, max_size=12).map("".join))
@example(name="bad\nname.json")
def test_missing_scenario_name_is_reported_on_one_line(name):
    """However odd a file name the user types, the error is still one line."""
    assume(name not in (".", "..") and not name.startswith("-"))
    with working_folder() as root:
        before = snapshot(root)
        run = run_main(["simulate", name, *MINUTE])
        after = snapshot(root)
    assert_clean_refusal(run, before, after, f"scenario name {name!r}")


# --- 3. the loader directly ---------------------------------------------------------

@settings(max_examples=250, deadline=None, suppress_health_check=SLOW_DATA_OK)
@given(data=garbage_scenario_bytes)
@example(data=b'{"schema_version": 1, "events": [{"at_s": 0, "vm": "a\\nb", '
              b'"action": "start"}]}')
@example(data=b'{"schema_version": 1, "\\u2028": 1}')
def test_load_scenario_raises_only_a_one_line_scenario_error_naming_the_file(data):
    with tempfile.TemporaryDirectory(prefix="dmgui-load-") as tmp:
        path = Path(tmp) / "scenario.json"
        path.write_bytes(data)
        try:
            result = load_scenario(path)
        except ScenarioError as err:
            message = str(err)
            assert len(message.splitlines()) == 1, f"{data[:300]!r}: {message!r}"
            assert message.startswith(f"{path}: "), f"{data[:300]!r}: {message!r}"
        else:
            assert isinstance(result, Scenario)


@pytest.mark.parametrize("kind", ["folder", "fifo", "/dev/zero", "/dev/null", "missing",
                                  "dangling symlink", "empty name"])
def test_load_scenario_refuses_what_is_not_a_regular_file_on_one_line(kind):
    with tempfile.TemporaryDirectory(prefix="dmgui-load-") as tmp:
        path = os.path.join(tmp, "scenario.json")
        if kind == "folder":
            os.mkdir(path)
        elif kind == "fifo":
            os.mkfifo(path)  # no writer: opening it blocking would hang
        elif kind.startswith("/dev/"):
            path = kind
        elif kind == "dangling symlink":
            os.symlink(os.path.join(tmp, "gone.json"), path)
        elif kind == "empty name":
            path = ""
        start = time.monotonic()
        with pytest.raises(ScenarioError) as caught:
            load_scenario(path)
        assert time.monotonic() - start < 10
    message = str(caught.value)
    assert len(message.splitlines()) == 1 and message.startswith(path), message


# --- 4. output paths that must never be written -------------------------------------

GOOD_OUTPUTS = ["new file", "-", "/dev/null", "existing writable file"]
BAD_OUTPUTS = ["the scenario", "symlink to the scenario", "hard link to the scenario",
               "relative alias of the scenario", "/dev/zero", "a folder",
               "read-only file", "a missing folder"]
if os.path.exists("/dev/full"):  # Linux: a device that is always full
    BAD_OUTPUTS.append("/dev/full")
SHAREABLE = {"/dev/null"}  # the only target both outputs may name at once


def _make_output(kind: str, root: Path, flag: str,
                 victim: str = "scenario.json") -> str:
    """Create what ``kind`` describes in ``root`` (the current directory); its name.

    ``victim`` is the input file in ``root`` that "the scenario" kinds alias (the
    import, export and ``--compare`` tests pass an inventory file, a perfmon log...).
    """
    if kind == "new file":
        return "new-output"  # the same name for --csv and --json: 'the same file twice'
    if kind == "existing writable file":
        (root / "existing").write_bytes(b"keep me\n")
        return "existing"
    if kind == "the scenario":
        return str(root / victim)
    if kind == "symlink to the scenario":
        link = root / f"link{flag}"
        link.symlink_to(root / victim)
        return str(link)
    if kind == "hard link to the scenario":
        link = root / f"hard{flag}"
        os.link(root / victim, link)
        return str(link)
    if kind == "relative alias of the scenario":
        return os.path.join("..", root.name, ".", victim)
    if kind == "a folder":
        (root / f"folder{flag}").mkdir(exist_ok=True)
        return f"folder{flag}"
    if kind == "read-only file":
        ro = root / "read-only"
        if not ro.exists():
            ro.write_bytes(b"precious\n")
            ro.chmod(0o444)
        return "read-only"
    if kind == "a missing folder":
        return os.path.join("no-such-folder", f"output{flag}")
    return kind  # '-', /dev/null, /dev/zero, /dev/full


@settings(max_examples=60, deadline=None)
@given(csv_kind=st.sampled_from(GOOD_OUTPUTS + BAD_OUTPUTS),
       json_kind=st.sampled_from(GOOD_OUTPUTS + BAD_OUTPUTS),
       equals_form=st.booleans(), json_first=st.booleans())
@example(csv_kind="-", json_kind="-", equals_form=False, json_first=False)
@example(csv_kind="new file", json_kind="new file", equals_form=False, json_first=False)
@example(csv_kind="read-only file", json_kind="/dev/null", equals_form=True,
         json_first=False)
def test_unusable_output_paths_are_refused_before_any_work(csv_kind, json_kind,
                                                           equals_form, json_first):
    same_file = csv_kind == json_kind and csv_kind not in SHAREABLE
    refused = csv_kind in BAD_OUTPUTS or json_kind in BAD_OUTPUTS or same_file
    with working_folder() as root:
        scenario = root / "scenario.json"
        scenario.write_text(json.dumps(SMALL), encoding="utf-8")
        names = {"--csv": _make_output(csv_kind, root, "csv"),
                 "--json": _make_output(json_kind, root, "json")}
        order = ["--json", "--csv"] if json_first else ["--csv", "--json"]
        outs = [a for f in order
                for a in ([f"{f}={names[f]}"] if equals_form else [f, names[f]])]
        argv = ["simulate", str(scenario), *MINUTE, *outs]
        before = snapshot(root)
        run = run_main(argv)
        after = snapshot(root)
        what = f"--csv {csv_kind!r}, --json {json_kind!r}: {argv!r}"
        if refused:
            assert_clean_refusal(run, before, after, what)
            assert run.seconds < 10, f"{what}: took {run.seconds:.1f} s to refuse"
        else:
            assert run.escaped is None and run.code == 0, f"{what}: {run!r}"
            written = {os.path.normpath(n) for n in names.values()
                       if not n.startswith("/")}
            assert changed_entries(before, after) <= written - {"-"}, what
    assert after["scenario.json"] == before["scenario.json"], what
    if "read-only" in after:
        assert after["read-only"][3] == b"precious\n", what
        assert stat.S_IMODE(after["read-only"][0]) == 0o444, what


@pytest.mark.parametrize("csv, json_out, scenario", [
    ("FIFO", None, "scenario.json"),
    (None, "FIFO", "scenario.json"),
    ("FIFO", "FIFO", "scenario.json"),
    ("FIFO", "out.json", "scenario.json"),
    ("out.csv", "FIFO", "scenario.json"),
    ("-", "FIFO", "scenario.json"),
    (None, None, "FIFO"),
    ("out.csv", None, "FIFO"),
], ids=["csv-fifo", "json-fifo", "both-fifo", "csv-fifo-json-file",
        "json-fifo-csv-file", "json-fifo-csv-stdout", "scenario-fifo",
        "scenario-fifo-csv-file"])
def test_fifo_output_or_input_is_refused_without_hanging(csv, json_out, scenario):
    """A FIFO with no reader (or writer) must be refused at once, not block: run in
    a subprocess with a timeout so a hang fails this test instead of the suite."""
    with tempfile.TemporaryDirectory(prefix="dmgui-fifo-") as tmp:
        root = Path(tmp)
        (root / "scenario.json").write_text(json.dumps(SMALL), encoding="utf-8")
        os.mkfifo(root / "FIFO")
        argv = [sys.executable, "-m", "dmgui", "simulate", scenario, *MINUTE]
        if csv:
            argv += ["--csv", csv]
        if json_out:
            argv += ["--json", json_out]
        before = snapshot(root)
        try:
            proc = subprocess.run(argv, cwd=root, capture_output=True, text=True,
                                  check=False,
                                  errors="backslashreplace", timeout=60,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{argv!r} still running after 60 s (blocked on the FIFO?)")
        after = snapshot(root)
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert_one_error_line(proc.stderr, repr(argv))
    assert changed_entries(before, after) == set()
