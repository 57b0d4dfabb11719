"""How dmgui reads and writes files: the one mechanism every reader and writer uses.

Reading (:func:`read_input`)
    Only regular files, at most :data:`MAX_INPUT_BYTES`. A FIFO, a device or a
    folder is refused at once (it is opened without blocking, so a FIFO with no
    writer cannot hang the caller), and ``/dev/zero`` cannot fill memory.

Writing (:func:`resolve_output` then :class:`AtomicFile`)
    An output is a regular file (new or existing), the standard output (``-``,
    or a path that *is* the standard output or error, such as ``/dev/stdout``)
    or ``/dev/null``. Anything else (a FIFO, a block or other character device,
    a folder) is refused before any work starts, as is a read-only file (no
    write permission bit, whoever we are: root too) and an output that is one of
    the program's inputs or another output (the files themselves are compared,
    so a symlink, a relative alias or a hard link is caught).

    A file is written to a uniquely named, exclusively created temporary file in
    the target's folder, flushed to disk, given the replaced file's permissions
    (and owner and group where the OS allows), then renamed over the target: a
    reader sees the old file or the new one, never half of one, and an error or
    an interrupt leaves the old file untouched.

Every problem is a :class:`FileProblem` whose message is one line naming the path.
"""

from __future__ import annotations

import os
import secrets
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from dmgui.core.model.names import OneLineError

MAX_INPUT_BYTES = 256 * 1024 * 1024
"""The largest file dmgui reads (256 MB): far above any real scenario or log."""

_READ_CHUNK = 1024 * 1024


class FileProblem(OneLineError):
    """A file that cannot be read or written as asked; the message is one line."""


@dataclass(frozen=True)
class FileId:
    """What makes two paths the same file: device and inode (or, for a file that
    does not exist yet, its resolved path)."""

    dev: int = 0
    ino: int = 0
    resolved: str = ""

    @property
    def known(self) -> bool:
        """False for an identity the OS does not give (device and inode 0, no path)."""
        return bool(self.ino or self.dev or self.resolved)

    @classmethod
    def of_stat(cls, st: os.stat_result) -> FileId:
        """The identity of an existing file."""
        return cls(st.st_dev, st.st_ino)


@dataclass(frozen=True)
class InputFile:
    """A file that was read: its bytes and its identity (to refuse writing over it)."""

    path: str
    data: bytes
    id: FileId


def read_input(path: str | os.PathLike[str], limit: int = MAX_INPUT_BYTES) -> InputFile:
    """Read a whole regular file of at most ``limit`` bytes.

    Raises :class:`FileProblem` for a missing or unreadable file, a FIFO, device,
    socket or folder, or a file over the limit.
    """
    name = os.fspath(path)
    _check_name(name)
    try:
        # O_NONBLOCK: opening a FIFO that has no writer must not wait for one.
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
                     | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
    except OSError as err:
        raise FileProblem(f"{name}: cannot read the file ({_reason(err)})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise FileProblem(f"{name}: cannot read the file (it is {_kind(st.st_mode)}; "
                              "dmgui reads only regular files)")
        if st.st_size > limit:
            raise FileProblem(f"{name}: the file is too large ({_size(st.st_size)}; "
                              f"dmgui reads at most {_size(limit)})")
        data = _read_at_most(fd, name, limit)
    finally:
        os.close(fd)
    return InputFile(name, data, FileId.of_stat(st))


def _read_at_most(fd: int, name: str, limit: int) -> bytes:
    """Read ``fd`` to its end; a file that grows past ``limit`` while read is refused."""
    if hasattr(os, "set_blocking"):  # POSIX; Windows opened it blocking anyway
        os.set_blocking(fd, True)
    chunks, total = [], 0
    while True:
        try:
            chunk = os.read(fd, min(_READ_CHUNK, limit + 1 - total))
        except OSError as err:
            raise FileProblem(f"{name}: cannot read the file ({_reason(err)})") from None
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise FileProblem(f"{name}: the file is too large (over {_size(limit)})")


@dataclass(frozen=True)
class OutputTarget:
    """Where one output goes, checked before any work starts.

    ``path`` is the resolved regular file to replace or create (``None`` for a
    stream); ``stream`` is ``"stdout"``, ``"stderr"`` or ``"null"`` for the
    standard streams and ``/dev/null``.
    """

    name: str
    path: Path | None
    stream: str | None
    id: FileId

    @property
    def exists(self) -> bool:
        """True when a regular file is there already (it will be replaced)."""
        return self.path is not None and self.id.ino != 0


def resolve_output(name: str) -> OutputTarget:
    """Check that ``name`` may be written; raise :class:`FileProblem` if not."""
    _check_name(name)
    if name == "-":
        return OutputTarget(name, None, "stdout", _fd_id(1))
    try:
        st = os.stat(name)  # follows a symlink: the file that would be written
    except FileNotFoundError:
        if name.endswith(("/", os.sep)):
            raise FileProblem(f"cannot write {name}: no such folder") from None
        return _new_file(name)
    except OSError as err:
        raise FileProblem(f"cannot write {name}: {_reason(err)}") from None
    stream = _stream_of(st)  # first: /dev/stdout may be a regular file, redirected
    if stream:
        return OutputTarget(name, None, stream, FileId.of_stat(st))
    if stat.S_ISREG(st.st_mode):
        return _existing_file(name, st)
    if stat.S_ISDIR(st.st_mode):
        raise FileProblem(f"cannot write {name}: it is a folder")
    raise FileProblem(f"cannot write {name}: it is {_kind(st.st_mode)}; dmgui writes "
                      "only regular files, '-' (the standard output) or /dev/null")


def _resolved(name: str) -> Path:
    """The real path ``name`` stands for (its working folder may have been removed)."""
    try:
        return Path(os.path.realpath(name))
    except OSError as err:
        raise FileProblem(f"cannot write {name}: {_reason(err)} (is the current folder "
                          "still there?)") from None


def _new_file(name: str) -> OutputTarget:
    path = _resolved(name)  # a dangling symlink: the file it names
    folder = path.parent
    if not folder.is_dir():
        raise FileProblem(f"cannot write {name}: no folder {folder}")
    _check_folder_writable(name, folder)
    return OutputTarget(name, path, None, FileId(resolved=os.path.normcase(str(path))))


def _existing_file(name: str, st: os.stat_result) -> OutputTarget:
    path = _resolved(name)
    if not st.st_mode & 0o222 or not os.access(path, os.W_OK):
        raise FileProblem(f"cannot write {name}: the file is read-only "
                          "(dmgui does not replace read-only files)")
    _check_folder_writable(name, path.parent)
    return OutputTarget(name, path, None, FileId.of_stat(st))


def _check_folder_writable(name: str, folder: Path) -> None:
    if not os.access(folder, os.W_OK | os.X_OK):
        raise FileProblem(f"cannot write {name}: permission denied in {folder}")


def _stream_of(st: os.stat_result) -> str | None:
    """'stdout'/'stderr' if ``st`` is that stream's file, 'null' for /dev/null."""
    for fd, label in ((1, "stdout"), (2, "stderr")):
        if _fd_id(fd) == FileId.of_stat(st):
            return label
    try:
        null = os.stat(os.devnull)
    except OSError:
        return None
    return "null" if FileId.of_stat(null) == FileId.of_stat(st) else None


def _fd_id(fd: int) -> FileId:
    try:
        return FileId.of_stat(os.fstat(fd))
    except OSError:
        return FileId(resolved=f"<fd {fd}>")


def check_distinct(outputs: dict[str, OutputTarget], inputs: dict[str, FileId]) -> None:
    """Refuse an output that is an input, or two outputs that are one file.

    ``outputs`` and ``inputs`` map a label for the message (``"--csv"``, ``"the
    scenario"``) to the target or the identity of a file that was read.
    """
    for label, target in outputs.items():
        for in_label, file_id in inputs.items():
            if target.id == file_id and file_id.known:
                shown = "(the standard output)" if target.name == "-" else target.name
                raise FileProblem(f"{label} {shown} is {in_label} file; dmgui never "
                                  "writes over its input")
    items = [(label, t) for label, t in outputs.items() if t.stream != "null"]
    for i, (label, target) in enumerate(items):
        for other_label, other in items[i + 1:]:
            if target.id == other.id and target.id.known:
                raise FileProblem(f"{label} and {other_label} are the same file "
                                  f"({target.name})")


class AtomicFile:
    """A binary file being written to an :class:`OutputTarget`.

    Use as a context manager: leaving the block normally commits (flush, fsync,
    rename over the target); leaving it by any exception aborts (the temporary
    file is removed, the target untouched). A stream target is written directly.
    """

    def __init__(self, target: OutputTarget) -> None:
        self.target = target
        self._tmp: Path | None = None
        self.file: BinaryIO = self._open()

    def _open(self) -> BinaryIO:
        if self.target.stream == "null":
            return open(os.devnull, "wb")
        if self.target.stream:
            # The process's own descriptor (what '-' and /dev/stdout name), not
            # whatever object sys.stdout is at the moment.
            stream, fd = ((sys.stdout, 1) if self.target.stream == "stdout"
                          else (sys.stderr, 2))
            if stream is not None:  # None when the process started with it closed
                stream.flush()
            return os.fdopen(os.dup(fd), "wb")
        return self._create_temporary()

    def _create_temporary(self) -> BinaryIO:
        path = self.target.path
        assert path is not None
        # A new file gets 0666 minus the umask from the kernel; a replaced one gets
        # its old mode, owner and group right away, on the open descriptor. O_EXCL +
        # O_NOFOLLOW: never a file (or a link) someone else put there. The name is
        # short whatever the target's (a 250-byte file name still has room).
        mode = 0o600 if self.target.exists else 0o666
        flags = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
                 | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
        for _ in range(100):
            tmp = path.with_name(f".dmgui-{secrets.token_hex(6)}.tmp")
            try:
                fd = os.open(tmp, flags, mode)
            except FileExistsError:
                continue
            except OSError as err:
                raise FileProblem(f"cannot write {self.target.name}: "
                                  f"{_reason(err)}") from None
            self._tmp = tmp
            if self.target.exists:
                _copy_permissions(path, fd)
            return os.fdopen(fd, "wb")
        raise FileProblem(f"cannot write {self.target.name}: no free temporary name")

    def write(self, data: bytes) -> None:
        """Append ``data``."""
        self.file.write(data)

    def commit(self) -> None:
        """Finish: the target now holds exactly what was written."""
        self.file.flush()
        if self._tmp is None:
            self.file.close()
            return
        os.fsync(self.file.fileno())
        self.file.close()
        target = self.target
        if target.exists:
            _refuse_if_read_only(target)
        os.replace(self._tmp, target.path)
        self._tmp = None
        _sync_folder(target.path.parent)

    def abort(self) -> None:
        """Drop what was written; the target is as it was."""
        try:
            self.file.close()
        except OSError:
            pass  # a stream that cannot flush: nothing more to lose
        if self._tmp is not None:
            self._tmp.unlink(missing_ok=True)
            self._tmp = None

    def __enter__(self) -> AtomicFile:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            try:
                self.commit()
            except BaseException:
                self.abort()
                raise
        else:
            self.abort()


def write_bytes(target: OutputTarget | str, data: bytes) -> None:
    """Write ``data`` to ``target`` atomically (see :class:`AtomicFile`)."""
    if isinstance(target, str):
        target = resolve_output(target)
    with AtomicFile(target) as out:
        out.write(data)


def write_text(target: OutputTarget | str, text: str) -> None:
    """Write ``text`` as UTF-8 with ``\\n`` line ends, atomically."""
    write_bytes(target, text.encode("utf-8"))


def _copy_permissions(old: Path, fd: int) -> None:
    """Give the open file ``fd`` the owner, group and mode of ``old`` (owner and group
    where allowed; the mode last, as chown may clear set-group-ID). A file that has
    gone meanwhile leaves the new one as created."""
    try:
        st = os.stat(old)
    except OSError:
        return
    if hasattr(os, "fchown"):
        for uid, gid in ((st.st_uid, st.st_gid), (-1, st.st_gid)):
            try:
                os.fchown(fd, uid, gid)
                break
            except OSError:
                continue  # not allowed to give the file away: keep at least the group
    if hasattr(os, "fchmod"):  # POSIX; on Windows the folder's ACLs apply
        os.fchmod(fd, stat.S_IMODE(st.st_mode))


def _refuse_if_read_only(target: OutputTarget) -> None:
    """The file may have become read-only during a long run: still refuse then."""
    try:
        st = os.stat(target.path)
    except FileNotFoundError:
        return
    if not st.st_mode & 0o222:
        raise FileProblem(f"cannot write {target.name}: the file is read-only "
                          "(dmgui does not replace read-only files)")


def _sync_folder(folder: Path) -> None:
    """Make the rename durable (best effort: not every OS can fsync a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _check_name(name: str) -> None:
    if not name:
        raise FileProblem("empty file name")
    if "\0" in name:
        raise FileProblem(f"{name!r}: a file name cannot contain a NUL character")


def _kind(mode: int) -> str:
    kinds = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
             (stat.S_ISDIR, "a folder"))
    return next((label for test, label in kinds if test(mode)), "not a regular file")


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):,.0f} MB" if n >= 1024 * 1024 else f"{n:,} bytes"


def _reason(err: OSError) -> str:
    return err.strerror or str(err)


def describe_os_error(name: str, err: OSError) -> str:
    """One line for a failed write: 'cannot write NAME: reason'."""
    return f"cannot write {name}: {_reason(err)}"
