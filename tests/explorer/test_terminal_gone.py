"""The terminal goes away without a SIGHUP (an SSH connection that died, a closed web terminal):
the app must end, not read the dead terminal in a loop at 100 % of a core (Textual's input thread
does that at end of input: Textualize/textual#6690). And SIGTERM ends it as ctrl+q does: the run
stops and saves, and the terminal is restored."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

COMMAND = Path(sys.executable).parent / "seq-explorer"
FRAME = (b"1 Train", b"Help")  # the tab bar and the key line (at any width)


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads CPU time from /proc")
@pytest.mark.parametrize("training", [False, True])
def test_the_app_ends_when_its_terminal_goes_away(tmp_path, training):
    if not COMMAND.exists():
        pytest.skip(f"{COMMAND} is not installed")
    master, slave = os.openpty()
    # Not a session leader and not the pty's controlling process: closing the master sends no SIGHUP.
    proc = subprocess.Popen([str(COMMAND)], stdin=slave, stdout=slave, stderr=slave,
                            env={**os.environ, "TERM": "xterm-256color", "SEQ_EXPLORER_RUNS": str(tmp_path)})
    os.close(slave)
    try:
        received, deadline = b"", time.monotonic() + 60
        while not all(marker in received for marker in FRAME):
            assert time.monotonic() < deadline, f"no first frame; the app wrote {received[-300:]!r}"
            if select.select([master], [], [], 0.5)[0]:
                received += os.read(master, 65536)
        time.sleep(1.0)  # the form and the spare training process follow the first frame
        if training:  # the demo, in its child process
            os.write(master, b"d")
            while b"step " not in received:
                assert time.monotonic() < deadline + 60, f"the demo did not start; {received[-300:]!r}"
                if select.select([master], [], [], 0.5)[0]:
                    received += os.read(master, 65536)
        os.close(master)  # the terminal is gone
        master = -1
        before = _cpu_s(proc.pid)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            spent = _cpu_s(proc.pid) - before
            pytest.fail(f"the app was still running 15 s after its terminal went away ({spent:.1f} s of CPU)")
        if training:  # it stopped the run first: the checkpoint is written
            assert [p.parent.name for p in tmp_path.glob("*/config.json")], "no checkpoint was written"
    finally:
        if master >= 0:
            os.close(master)
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _read_until(master: int, received: bytes, marker: bytes, deadline: float) -> bytes:
    while marker not in received:
        assert time.monotonic() < deadline, f"{marker!r} never came; the app wrote {received[-300:]!r}"
        if select.select([master], [], [], 0.5)[0]:
            received += os.read(master, 65536)
    return received


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM and ptys")
def test_sigterm_stops_the_run_saves_it_and_restores_the_terminal(tmp_path):
    if not COMMAND.exists():
        pytest.skip(f"{COMMAND} is not installed")
    master, slave = os.openpty()
    proc = subprocess.Popen([str(COMMAND)], stdin=slave, stdout=slave, stderr=slave,
                            env={**os.environ, "TERM": "xterm-256color", "SEQ_EXPLORER_RUNS": str(tmp_path)})
    os.close(slave)
    try:
        deadline = time.monotonic() + 120
        received = b""
        for marker in FRAME:  # the first frame
            received = _read_until(master, received, marker, deadline)
        time.sleep(1.0)  # the form and the spare training process follow the first frame
        os.write(master, b"d")  # the demo, in its child process
        received = _read_until(master, received, b"step ", deadline)
        proc.send_signal(signal.SIGTERM)
        after = b""
        end = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < end:
            if select.select([master], [], [], 0.2)[0]:
                try:
                    after += os.read(master, 65536)
                except OSError:
                    break
        assert proc.wait(timeout=5) == 128 + signal.SIGTERM
        assert b"\x1b[?1049l" in after and b"\x1b[?25h" in after, "the terminal was left in the app's screen"
        assert list(tmp_path.glob("*/config.json")), "the run stopped without its checkpoint"
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.skipif(sys.platform == "win32", reason="Textual's LinuxDriver is for Linux and macOS")
def test_the_driver_is_ours_unless_one_is_forced(monkeypatch):
    from textual import constants

    from explorer.app import make_app
    from explorer.terminal import HangupSafeDriver

    assert make_app(preload_torch=False).get_driver_class() is HangupSafeDriver
    monkeypatch.setattr(constants, "DRIVER", "textual.drivers.headless_driver:HeadlessDriver")
    assert make_app(preload_torch=False).get_driver_class().__name__ == "HeadlessDriver"
