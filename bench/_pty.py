"""A command run on a fresh pseudo-terminal, read as a terminal reads it.

Every byte the command writes is read at once (a terminal that lagged would slow it down), and
reading blocks in ``select``, so the reader costs the command no CPU.
"""

from __future__ import annotations

import fcntl
import os
import select
import struct
import subprocess
import termios
import time
from typing import Callable


def run_on_pty(command: list[str], *, env: dict[str, str] | None = None, cwd: str | None = None,
               timeout: float = 600.0, size: tuple[int, int] = (120, 40),
               on_output: Callable[[bytes], None] | None = None) -> tuple[int, bytes]:
    """Run ``command`` with a ``size`` (columns, lines) pty as its terminal until it exits.

    ``on_output`` sees each chunk as it arrives. Returns the exit status and the last 4 kB
    written. A command still running after ``timeout`` seconds is killed and
    ``subprocess.TimeoutExpired`` raised.
    """
    master, slave = os.openpty()
    columns, lines = size
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
    proc = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd,
                            start_new_session=True, close_fds=True)
    os.close(slave)
    tail = b""
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the command exited and closed the pty
                break
            if not chunk:
                break
            tail = (tail + chunk)[-4000:]
            if on_output is not None:
                on_output(chunk)
        proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    return proc.returncode, tail
