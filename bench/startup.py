"""Time from process start to the app's first frame, against ``import torch`` in the same run.

Runs the installed ``seq-explorer`` in tmux (a real terminal) with
``SEQ_EXPLORER_FIRST_FRAME_FILE`` set: the app writes the seconds since
``SEQ_EXPLORER_T0`` (the launch time) when its first frame is on screen, then
exits. Target: ≤ 0.5 s. The reference is a fresh ``python -c "import torch"``,
which the first frame must not wait for.

    python -m bench.startup [--quick] [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 0.5


def first_frame_s(command: Path, timeout: float = 30.0) -> tuple[float, bool]:
    """(seconds from launch to the first frame, whether torch was loaded by then)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "first-frame"
        session = f"seqx-bench-{os.getpid()}"
        t0 = time.time()
        env = f"SEQ_EXPLORER_FIRST_FRAME_FILE={out} SEQ_EXPLORER_T0={t0!r}"
        subprocess.run(["tmux", "new", "-d", "-s", session, "-x", "120", "-y", "40", f"env {env} {command}"],
                       check=True)
        try:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if out.exists() and out.read_text().strip():
                    seconds, torch_loaded = out.read_text().split()
                    return float(seconds), torch_loaded == "1"
                time.sleep(0.01)
            raise RuntimeError("the app did not report its first frame")
        finally:
            time.sleep(0.3)
            subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def import_torch_s() -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import torch"], check=True)
    return time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 launches instead of 10")
    parser.add_argument("--repeat", type=int, default=None)
    args = parser.parse_args(argv)
    if shutil.which("tmux") is None:
        print("startup: tmux is not installed; skipped")
        return 0
    command = Path(sys.executable).parent / "seq-explorer"
    repeat = args.repeat or (3 if args.quick else 10)
    first_frame_s(command)  # warm the file cache
    frames, loaded = [], []
    for _ in range(repeat):
        seconds, torch_loaded = first_frame_s(command)
        frames.append(seconds)
        loaded.append(torch_loaded)
    torch_s = statistics.median(import_torch_s() for _ in range(max(2, repeat // 2)))
    median = statistics.median(frames)
    print(f"first frame: median {median:.3f} s, best {min(frames):.3f} s, worst {max(frames):.3f} s "
          f"over {repeat} launches (target ≤ {TARGET_S} s)")
    print(f"torch loaded before the first frame: {any(loaded)}")
    print(f"reference `python -c 'import torch'`: {torch_s:.3f} s")
    print(f"ratio first frame / import torch: {median / torch_s:.2f}×")
    return 0 if median <= TARGET_S and not any(loaded) else 1


if __name__ == "__main__":
    sys.exit(main())
