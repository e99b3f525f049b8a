"""The installed ``seq-explorer`` really opens, switches screens, shows help and quits — read off a tmux pane."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

COMMAND = Path(sys.executable).parent / "seq-explorer"


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, timeout=30).stdout


def press(session: str, key: str) -> None:
    tmux("send-keys", "-t", session, key)
    time.sleep(0.6)  # so that Escape and the next key are not read as one Alt+key sequence


def wait_for(session: str, text: str, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = tmux("capture-pane", "-p", "-t", session)
        if text in screen:
            return screen
        time.sleep(0.2)
    raise AssertionError(f"{text!r} did not appear within {timeout}s; the pane shows:\n{screen}")


@pytest.mark.slow
def test_installed_command_in_tmux(tmp_path):
    if not COMMAND.exists():
        pytest.skip(f"{COMMAND} is not installed")
    session = f"seqx-test-{os.getpid()}"
    env = f"SEQ_EXPLORER_RUNS={tmp_path}"
    subprocess.run(["tmux", "new", "-d", "-s", session, "-x", "120", "-y", "40", f"env {env} {COMMAND}"],
                   check=True, timeout=30)
    try:
        # another tmux client of this server may impose its size; ask for ours explicitly
        subprocess.run(["tmux", "resize-window", "-t", session, "-x", "120", "-y", "40"], capture_output=True)
        wait_for(session, "learning rate")
        screen = wait_for(session, "3 Generate")
        assert "1 Train" in screen and "2 Gates" in screen
        assert "s Start" in screen  # the footer lists the screen's keys
        wait_for(session, "device cpu")  # torch arrived in the background after the first frame
        press(session, "?")
        screen = wait_for(session, "Keys — Train")
        assert "Start training with the form" in screen and "train.start" not in screen  # words, not ids
        press(session, "Escape")
        press(session, "3")
        wait_for(session, "sentence probability")
        press(session, "Escape")  # an error dialog, if the bundled model is missing
        press(session, "2")
        wait_for(session, "pattern")
        press(session, "Escape")
        press(session, "C-q")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and subprocess.run(["tmux", "has-session", "-t", session],
                                                             capture_output=True).returncode == 0:
            time.sleep(0.2)
        assert subprocess.run(["tmux", "has-session", "-t", session], capture_output=True).returncode != 0, \
            "ctrl+q did not quit the app"
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
