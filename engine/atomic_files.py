"""The file operations of a save: temporary file, ``fsync``, rename; the lock; orphans of dead writers.

Used by :mod:`engine.checkpoint`; public API::

    atomic_write_bytes(path, data)                  # one file: readers see the old or the new, never a part
    install_files(folder, {name: bytes}, commit=name)   # several fixed-name files, ``commit`` last, locked
    save_in_progress() -> bool                      # a save is running now (any thread)
    open_append(path) -> file                       # a log file (metrics.jsonl) to append to: regular files only

Internals the checkpoint writer shares: ``write_tmp`` (``.<name>.tmp-<pid>`` beside the target,
written and ``fsync``-ed), ``install`` (write_tmp + rename), ``fsync_dir`` (makes the renames
durable), ``save_lock`` (the folder's :class:`~engine.run_lock.FolderLock`, or the one the caller
holds), ``saving`` (counts saves in progress), ``pid_alive`` and ``step`` — a no-op called between
two steps of a save, which tests replace to kill the process (or raise Ctrl+C) at each step.
"""

from __future__ import annotations

import errno
import os
import stat
import threading
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Iterator

from engine.errors import CheckpointWriteError, InputError
from engine.run_lock import FolderLock, held_lock


def step(name: str, file: str) -> None:
    """A point between two steps of a save ("written", "renamed", "committed"); a no-op."""


_SAVING = [0]
_SAVING_GUARD = threading.Lock()


def save_in_progress() -> bool:
    """Whether a save is running now, in any thread. The command line's Ctrl+C handler lets such a
    save finish (it takes moments) rather than abandon it."""
    return _SAVING[0] > 0


@contextmanager
def saving() -> Iterator[None]:
    with _SAVING_GUARD:
        _SAVING[0] += 1
    try:
        yield
    finally:
        with _SAVING_GUARD:
            _SAVING[0] -= 1


def tmp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def write_tmp(path: Path, data: bytes) -> Path:
    """``data`` written and ``fsync``-ed to ``.<name>.tmp-<pid>`` beside ``path``; returns that path."""
    tmp = tmp_name(path)
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return tmp


def fsync_dir(path: Path) -> None:
    try:  # make the renames themselves durable
        dfd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:  # pragma: no cover - e.g. Windows
        pass


def install(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, fsync it, rename it to ``path``."""
    tmp = write_tmp(path, data)
    step("written", path.name)
    os.replace(tmp, path)
    step("renamed", path.name)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never a part."""
    path = Path(path)
    try:
        os.replace(write_tmp(path, data), path)
    except BaseException:
        tmp_name(path).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def open_append(path: str | os.PathLike):
    """``path`` opened to append text, created if missing. Refused with one line when it is not a
    regular file (a FIFO there would block the writer until a reader came; a link is not followed)."""
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) \
        | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a FIFO nobody reads: O_NONBLOCK refuses to wait for one
            raise InputError(f"{path} is not a regular file; remove it or choose another folder") from None
        raise InputError(f"cannot write {path} ({exc.strerror or exc}); remove it or choose another folder") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise InputError(f"{path} is not a regular file; remove it or choose another folder")
    return os.fdopen(fd, "a", encoding="utf-8")


def pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    except OverflowError:
        return False
    return True


@contextmanager
def save_lock(path: Path) -> Iterator[None]:
    """The folder's lock for one save: the caller's when it holds it (a training run), else a new one."""
    with (nullcontext() if held_lock(path) is not None else FolderLock(path)):
        yield


def install_files(folder: str | os.PathLike, files: dict[str, bytes], *, commit: str) -> None:
    """Write ``files`` into ``folder``, each through a temporary file (fsync, rename), ``commit``
    last, holding the folder's lock. For formats with fixed file names (word vectors: the
    ``commit`` file should record a checksum of the others, so that a pair torn by a crash between
    two renames is detected). An ``OSError`` is a one-line :class:`CheckpointWriteError`; no
    temporary file is left behind."""
    folder = Path(folder)
    order = [name for name in files if name != commit] + [commit]
    with saving(), save_lock(folder):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for name in order:
                install(folder / name, files[name])
            fsync_dir(folder)
        except BaseException as exc:
            for name in order:
                tmp_name(folder / name).unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise CheckpointWriteError(f"could not save in {folder} ({exc.strerror or exc}); free some space or "
                                           "choose another folder") from None
            raise
