"""An exclusive lock on a checkpoint folder, so that two writers never share one.

Public API::

    FolderLock(folder, *, field=None)       # .acquire() -> self, .release(); a context manager
    held_lock(folder) -> FolderLock | None  # a lock this process holds on folder or on a folder above it
    FolderBusy                              # InputError: another process holds the folder

Two ``train lm`` runs on one output folder used to both "succeed" while one model was silently
lost. A training run now holds :class:`FolderLock` on its folder for its whole life, and
:func:`engine.checkpoint.write_checkpoint` takes it for the length of a save when the caller does
not hold it already; the second writer gets one line naming the first (its pid, host, command and
start time, which the holder writes into the lock file).

How: ``fcntl.flock(LOCK_EX | LOCK_NB)`` on ``<folder>/.lock``. The kernel drops the lock when the
holder exits, however it dies (kill -9 included), so a lock is never stale; the file is removed on
release. Removing a lock file is racy unless every taker checks, after locking, that the file it
locked is still the one at the path (same device and inode) and starts again otherwise — which
:meth:`FolderLock.acquire` does. On a file system without ``flock`` support the folder is used
unlocked (nothing better can be done there).

Creating the lock file is also the first write into the folder: an unwritable folder is refused
here, before any training starts, with one line.
"""

from __future__ import annotations

import errno
import json
import os
import socket
import stat
import sys
import threading
import time
from pathlib import Path

from engine.errors import InputError

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

LOCK_FILE = ".lock"

_HELD: dict[str, "FolderLock"] = {}
_HELD_GUARD = threading.Lock()


class FolderBusy(InputError):
    """The folder is locked by another process (or another run in this one)."""


def _key(folder: Path) -> str:
    return os.path.realpath(folder)


def held_lock(folder: str | os.PathLike) -> "FolderLock | None":
    """The lock this process holds on ``folder`` or on a folder that contains it, if any."""
    path = _key(Path(folder))
    with _HELD_GUARD:
        for key, lock in _HELD.items():
            if path == key or path.startswith(key.rstrip(os.sep) + os.sep):
                return lock
    return None


def _describe(raw: bytes) -> str:
    try:
        info = json.loads(raw.decode("utf-8"))
        return (f"process {info['pid']} on {info['host']} ({info['command']}, since {info['started']})")
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return "another process"


class FolderLock:
    """``flock`` on ``<folder>/.lock``; see the module docstring. ``field`` is put on the errors."""

    def __init__(self, folder: str | os.PathLike, *, field: str | None = None) -> None:
        self.folder = Path(folder)
        self.path = self.folder / LOCK_FILE
        self.field = field
        self.fd: int | None = None

    def __enter__(self) -> "FolderLock":
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

    def acquire(self) -> "FolderLock":
        """Take the lock or raise: :class:`FolderBusy` when held elsewhere, InputError when the folder
        cannot be created or written."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"cannot create the folder {self.folder} ({exc.strerror or exc}); choose a folder you can write to",
                             field=self.field) from None
        if not self.folder.is_dir():
            raise InputError(f"{self.folder} is not a folder; choose a folder for the checkpoint", field=self.field)
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        for _ in range(100):
            try:
                fd = os.open(self.path, flags, 0o644)
            except OSError as exc:
                raise InputError(f"cannot write to {self.folder} ({exc.strerror or exc}); choose a folder you can write to",
                                 field=self.field) from None
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                os.close(fd)
                raise InputError(f"{self.path} is not a regular file; remove it to use this folder", field=self.field)
            if fcntl is None:  # pragma: no cover
                self.fd = fd
                break
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                try:
                    who = _describe(os.pread(fd, 4096, 0))
                finally:
                    os.close(fd)
                raise FolderBusy(f"{self.folder} is in use by {who}; wait for it to end or choose another folder",
                                 field=self.field) from None
            except OSError as exc:
                if exc.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL):
                    os.close(fd)
                    raise
                self.fd = fd  # no flock on this file system: go on unlocked
                break
            try:  # the file may have been removed by a holder releasing it just before we locked it
                same = os.path.samestat(os.fstat(fd), os.stat(self.path, follow_symlinks=False))
            except FileNotFoundError:
                same = False
            if same:
                self.fd = fd
                break
            os.close(fd)
        else:  # pragma: no cover - a lock file replaced 100 times in a row
            raise FolderBusy(f"{self.folder} is being locked and unlocked by another process; try again", field=self.field)
        self._write_owner()
        with _HELD_GUARD:
            _HELD[_key(self.folder)] = self
        return self

    def _write_owner(self) -> None:
        assert self.fd is not None
        info = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.strftime("%Y-%m-%d %H:%M:%S"),
                "command": " ".join([os.path.basename(sys.argv[0] or "python"), *sys.argv[1:]])[:300]}
        try:
            os.ftruncate(self.fd, 0)
            os.pwrite(self.fd, json.dumps(info).encode("utf-8"), 0)
        except OSError:  # a full disk: the lock holds all the same, only its description is missing
            pass

    def release(self) -> None:
        if self.fd is None:
            return
        with _HELD_GUARD:
            if _HELD.get(_key(self.folder)) is self:
                del _HELD[_key(self.folder)]
        try:
            os.unlink(self.path)  # while still locked: see the module docstring
        except OSError:
            pass
        os.close(self.fd)  # drops the flock
        self.fd = None

    @property
    def held(self) -> bool:
        return self.fd is not None
