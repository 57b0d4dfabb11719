"""dmgui.core.files: the one way dmgui reads and writes files (issue 7 items 1-5, 8).

Each test names the failure it guards against: a FIFO that hangs, /dev/zero read
until memory runs out, a read-only file replaced, a symlink planted at the
temporary name, two writers mixing their rows, the process umask changed.
"""

from __future__ import annotations

import os
import stat
import threading

import pytest

from dmgui.core import files
from dmgui.core.files import (
    AtomicFile,
    FileId,
    FileProblem,
    check_distinct,
    read_input,
    resolve_output,
    write_bytes,
    write_text,
)


def _listing(folder) -> list[str]:
    return sorted(os.listdir(folder))


# --- reading ---------------------------------------------------------------------


def test_reads_a_regular_file_and_its_identity(tmp_path):
    path = tmp_path / "a.json"
    path.write_bytes(b"{}")
    read = read_input(path)
    assert read.data == b"{}"
    st = path.stat()
    assert read.id == FileId(st.st_dev, st.st_ino)


def test_a_fifo_is_refused_at_once_not_waited_on(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(FileProblem, match="FIFO.*only regular files"):
        read_input(fifo)  # no writer: a blocking open would hang here forever


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_character_devices_are_not_read(device):
    if not os.path.exists(device):
        pytest.skip(f"{device} missing")
    with pytest.raises(FileProblem, match="character device"):
        read_input(device)


def test_a_folder_is_not_read(tmp_path):
    with pytest.raises(FileProblem, match="folder"):
        read_input(tmp_path)


def test_a_file_over_the_cap_is_refused_with_its_size(tmp_path):
    path = tmp_path / "big.json"
    path.write_bytes(b" " * 2048)
    with pytest.raises(FileProblem, match="too large"):
        read_input(path, limit=1024)
    assert files.MAX_INPUT_BYTES == 256 * 1024 * 1024  # the documented cap


@pytest.mark.parametrize("name", ["", "a\0b"])
def test_empty_and_nul_names_are_refused(name):
    with pytest.raises(FileProblem):
        read_input(name)
    with pytest.raises(FileProblem):
        resolve_output(name)


# --- where outputs may go ----------------------------------------------------------


def test_new_and_existing_regular_files_are_fine(tmp_path):
    new = resolve_output(str(tmp_path / "new.csv"))
    assert new.path == tmp_path / "new.csv" and not new.exists
    (tmp_path / "old.csv").write_text("x")
    old = resolve_output(str(tmp_path / "old.csv"))
    assert old.exists and old.stream is None


def test_dash_and_dev_null_are_streams():
    assert resolve_output("-").stream == "stdout"
    assert resolve_output(os.devnull).stream == "null"


def test_dev_stdout_is_the_standard_output_even_when_it_is_a_file(tmp_path):
    # Under pytest, fd 1 is a regular temporary file: /dev/stdout must still mean
    # "the standard output", never "replace that file".
    target = resolve_output("/dev/stdout")
    assert target.stream == "stdout"


def test_a_fifo_as_output_is_refused(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(FileProblem, match="FIFO"):
        resolve_output(str(fifo))


def test_a_block_device_is_never_written():
    blocks = [f"/dev/{n}" for n in sorted(os.listdir("/dev"))
              if stat.S_ISBLK(os.stat(f"/dev/{n}").st_mode)] if os.path.isdir("/dev") else []
    if not blocks:
        pytest.skip("no block device here")
    with pytest.raises(FileProblem, match="block device"):
        resolve_output(blocks[0])


@pytest.mark.parametrize("device", ["/dev/full", "/dev/zero"])
def test_other_character_devices_are_refused(device):
    if not os.path.exists(device):
        pytest.skip(f"{device} missing")
    with pytest.raises(FileProblem, match="character device"):
        resolve_output(device)


def test_a_folder_as_output_is_refused(tmp_path):
    with pytest.raises(FileProblem, match="folder"):
        resolve_output(str(tmp_path))


def test_a_missing_folder_is_named(tmp_path):
    with pytest.raises(FileProblem, match="no folder"):
        resolve_output(str(tmp_path / "nowhere" / "x.csv"))


def test_a_read_only_file_is_refused_even_for_root(tmp_path):
    path = tmp_path / "ro.csv"
    path.write_text("keep")
    path.chmod(0o444)
    with pytest.raises(FileProblem, match="read-only"):
        resolve_output(str(path))
    assert path.read_text() == "keep"


# --- outputs that are inputs ---------------------------------------------------


def _scenario(tmp_path):
    path = tmp_path / "s.json"
    path.write_text("{}")
    return path, read_input(path).id


@pytest.mark.parametrize("alias", ["symlink", "hardlink", "relative", "same"])
def test_an_output_that_is_the_input_is_refused_by_identity(tmp_path, monkeypatch, alias):
    path, scenario_id = _scenario(tmp_path)
    sub = tmp_path / "sub"
    sub.mkdir()
    monkeypatch.chdir(sub)
    name = {"same": str(path), "relative": "../s.json"}.get(alias)
    if alias == "symlink":
        (tmp_path / "link.json").symlink_to(path)
        name = str(tmp_path / "link.json")
    elif alias == "hardlink":
        os.link(path, tmp_path / "hard.json")
        name = str(tmp_path / "hard.json")
    with pytest.raises(FileProblem, match="is the scenario file"):
        check_distinct({"--json": resolve_output(name)}, {"the scenario": scenario_id})


def test_two_outputs_that_are_one_file_are_refused(tmp_path):
    a = resolve_output(str(tmp_path / "o.txt"))
    b = resolve_output(str(tmp_path / "." / "o.txt"))
    with pytest.raises(FileProblem, match="--csv and --json are the same file"):
        check_distinct({"--csv": a, "--json": b}, {})
    with pytest.raises(FileProblem, match="same file"):
        check_distinct({"--csv": resolve_output("-"), "--json": resolve_output("-")}, {})
    # Two /dev/null sinks are fine: nothing is kept anyway.
    check_distinct({"--csv": resolve_output(os.devnull),
                    "--json": resolve_output(os.devnull)}, {})


# --- atomic writes ---------------------------------------------------------------


def test_atomic_write_replaces_and_keeps_mode(tmp_path):
    path = tmp_path / "out.json"
    path.write_text("old")
    path.chmod(0o640)
    write_text(str(path), "new")
    assert path.read_text() == "new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert _listing(tmp_path) == ["out.json"]


def test_a_new_file_gets_0666_minus_the_umask_and_the_umask_is_never_changed(
        tmp_path, monkeypatch):
    old = os.umask(0o027)
    try:
        def forbidden(_mask):  # the engine thread may create files meanwhile
            raise AssertionError("os.umask must not be called while writing")
        monkeypatch.setattr(os, "umask", forbidden)
        write_text(str(tmp_path / "new.json"), "x")
    finally:
        monkeypatch.undo()
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == 0o640


def test_owner_and_group_are_kept_where_allowed(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("only root can give a file to another owner")
    path = tmp_path / "owned.json"
    path.write_text("old")
    os.chown(path, 4321, 4322)
    write_text(str(path), "new")
    st = path.stat()
    assert (st.st_uid, st.st_gid) == (4321, 4322)


def test_an_error_while_writing_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "out.csv"
    path.write_text("old")
    with pytest.raises(RuntimeError), AtomicFile(resolve_output(str(path))) as out:
        out.write(b"half")
        raise RuntimeError("interrupted")
    assert path.read_text() == "old"
    assert _listing(tmp_path) == ["out.csv"]


def test_a_symlink_planted_at_a_temporary_name_is_never_followed(tmp_path, monkeypatch):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    target = tmp_path / "out.csv"
    names = iter(["aaaaaaaaaaaa", "bbbbbbbbbbbb"])
    monkeypatch.setattr(files.secrets, "token_hex", lambda _n: next(names))
    (tmp_path / ".dmgui-aaaaaaaaaaaa.tmp").symlink_to(victim)  # the attacker's guess
    write_text(str(target), "rows")
    assert victim.read_text() == "precious"
    assert target.read_text() == "rows"


def test_two_writers_of_one_file_never_mix_their_contents(tmp_path):
    target = str(tmp_path / "same.csv")
    first, second = AtomicFile(resolve_output(target)), AtomicFile(resolve_output(target))
    for i in range(1000):
        first.write(f"a{i}\n".encode())
        second.write(f"b{i}\n".encode())
    first.commit()
    second.commit()
    text = (tmp_path / "same.csv").read_text()
    assert text == "".join(f"b{i}\n" for i in range(1000))  # one whole file, the last
    assert _listing(tmp_path) == ["same.csv"]


def test_concurrent_threads_each_write_a_whole_file(tmp_path):
    target = str(tmp_path / "race.txt")
    payloads = [bytes([65 + k]) * 200_000 for k in range(4)]
    threads = [threading.Thread(target=write_bytes, args=(target, p)) for p in payloads]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert (tmp_path / "race.txt").read_bytes() in payloads
    assert _listing(tmp_path) == ["race.txt"]


def test_a_file_made_read_only_during_a_long_run_is_still_not_replaced(tmp_path):
    path = tmp_path / "out.csv"
    path.write_text("old")
    out = AtomicFile(resolve_output(str(path)))
    out.write(b"new")
    path.chmod(0o444)
    with pytest.raises(FileProblem, match="read-only"):
        out.commit()
    out.abort()
    assert path.read_text() == "old"
    assert _listing(tmp_path) == ["out.csv"]


def test_writing_to_a_full_device_through_stdout_is_an_os_error(tmp_path):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    saved = os.dup(1)
    full = os.open("/dev/full", os.O_WRONLY)
    try:
        os.dup2(full, 1)
        target = resolve_output("-")
        with pytest.raises(OSError), AtomicFile(target) as out:
            out.write(b"x" * 10)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(full)
