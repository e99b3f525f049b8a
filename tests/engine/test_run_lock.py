"""engine.run_lock: one writer per folder; the second is refused by name; a dead holder never blocks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from engine.errors import InputError
from engine.run_lock import LOCK_FILE, FolderBusy, FolderLock, held_lock


def test_a_second_lock_in_this_process_is_refused(tmp_path):
    with FolderLock(tmp_path / "run"):
        assert (tmp_path / "run" / LOCK_FILE).exists()
        with pytest.raises(FolderBusy, match=f"in use by process {os.getpid()}") as exc:
            FolderLock(tmp_path / "run", field="out").acquire()
        assert exc.value.field == "out" and "\n" not in str(exc.value)
        assert held_lock(tmp_path / "run" / "best") is not None  # a sub-folder is covered by the run's lock
    assert not (tmp_path / "run" / LOCK_FILE).exists()  # removed on release
    assert held_lock(tmp_path / "run") is None
    FolderLock(tmp_path / "run").acquire().release()  # free again


def _holder(folder) -> subprocess.Popen:
    code = textwrap.dedent(f"""
        import sys, time
        from engine.run_lock import FolderLock
        FolderLock({str(folder)!r}).acquire()
        print("locked", flush=True)
        time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_another_process_is_named_and_its_death_frees_the_folder(tmp_path):
    proc = _holder(tmp_path)
    try:
        with pytest.raises(FolderBusy, match=f"in use by process {proc.pid} on "):
            FolderLock(tmp_path).acquire()
    finally:
        proc.send_signal(signal.SIGKILL)  # no clean-up at all: the kernel drops the flock
        proc.wait()
    assert (tmp_path / LOCK_FILE).exists()  # a stale file stays behind...
    with FolderLock(tmp_path):  # ...and does not block
        pass


def test_an_unwritable_folder_is_refused_with_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InputError, match="cannot create the folder") as exc:
        FolderLock(blocker / "run", field="out").acquire()
    assert exc.value.field == "out"
    if os.geteuid() != 0:  # root writes anywhere
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o500)
        try:
            with pytest.raises(InputError, match="cannot write to"):
                FolderLock(ro).acquire()
        finally:
            ro.chmod(0o700)
