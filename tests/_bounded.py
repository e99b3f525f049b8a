"""Run Python in a child process under a memory limit and a deadline, and report its peak RSS.

    run_bounded([sys.executable, "-m", module, *args] | [sys.executable, "-c", code, *args], *,
                data_limit=1 << 30, timeout=120) -> Bounded(rc, out, err, peak_rss, timed_out)

``RLIMIT_DATA`` (private writable memory: the heap, anonymous mappings, thread stacks) is the limit
that works with torch: ``RLIMIT_AS`` would count the many gigabytes of address space torch reserves
without using.

The peak is the child's own ``VmHWM`` (read from ``/proc/self/status`` when the program ends), not
``wait4``'s ``ru_maxrss``: a child started by ``vfork``/``fork`` from the test process carries that
process's resident size (a few hundred MB with torch loaded) into its ``ru_maxrss`` at ``exec``.
A small wrapper sets the limit, runs the module or code in its own interpreter and records the peak.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_WRAPPER = r"""
import atexit, os, resource, runpy, sys
limit, report, mode, target = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))

def _peak():
    try:
        with open("/proc/self/status") as fh:
            kb = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with open(report, "w") as fh:
        fh.write(str(kb * 1024))

atexit.register(_peak)
if mode == "-m":
    sys.argv = [target, *sys.argv[5:]]
    runpy.run_module(target, run_name="__main__", alter_sys=True)
else:
    sys.argv = ["-c", *sys.argv[5:]]
    exec(compile(target, "<string>", "exec"), {"__name__": "__main__"})
"""


@dataclass
class Bounded:
    rc: int
    out: str
    err: str
    peak_rss: int
    """Bytes; 0 when the child was killed before it could tell."""
    timed_out: bool


def run_bounded(argv: list[str], *, data_limit: int = 1 << 30, timeout: float = 120,
                env: dict[str, str] | None = None) -> Bounded:
    python, mode, target, *args = argv
    if mode not in ("-m", "-c"):
        raise ValueError("run_bounded runs [python, -m, module, ...] or [python, -c, code, ...]")
    full_env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""), **(env or {}))
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "peak")
        with open(os.path.join(tmp, "out"), "w+b") as out, open(os.path.join(tmp, "err"), "w+b") as err:
            proc = subprocess.Popen([python, "-c", _WRAPPER, str(data_limit), report, mode, target, *args],
                                    stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=ROOT, env=full_env)
            try:
                proc.wait(timeout=timeout)
                timed_out = False
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                timed_out = True
            out.seek(0)
            err.seek(0)
            peak = int(Path(report).read_text()) if os.path.exists(report) else 0
            return Bounded(proc.returncode, out.read().decode(errors="replace"), err.read().decode(errors="replace"),
                           peak, timed_out)


__all__ = ["Bounded", "run_bounded"]
