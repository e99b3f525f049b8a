"""Time from process start to the app's first frame, against ``import torch`` in the same run.

Runs the installed ``seq-explorer`` on a pseudo-terminal of 120×40 and reads what it
writes: the first frame is the moment the terminal has received the tab bar
(``1 Train …``) and the key line (``? Help`` comes first), measured from just
before the process is started. Reading the pty blocks, so the measurement costs
the app no CPU. The app
also writes, with ``SEQ_EXPLORER_FIRST_FRAME_FILE`` set, the seconds since
``SEQ_EXPLORER_T0`` at Textual's ``Ready`` event (posted after the first frame,
handled once the messages queued by then are done) and whether torch was loaded
by then; it exits half a second later. Target: ≤ 0.5 s to the first frame. The
reference is a fresh ``python -c "import torch"``, which the first frame must not
wait for; the floor is a bare Textual app (``bench/_bare_textual.py``), launched
alternately with the app.

    python -m bench.startup [--quick] [--repeat N] [--screen NAME]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench._pty import run_on_pty

TARGET_S = 0.5
FRAME_MARKERS = (b"1 Train", b"Help")  # the tab bar and the key line (at any width)
"""Bytes that the first frame carries: the tab bar (top line) and the key line (bottom);
the bare Textual app of ``bench/_bare_textual.py`` shows both too."""


@dataclass
class Launch:
    first_frame_s: float
    """Launch → the tab bar and key line received by the terminal."""
    ready_s: float
    """Launch → the app handled Textual's Ready event."""
    torch_loaded: bool
    """Whether torch was imported when Ready was handled."""


def launch(command: list[str], timeout: float = 30.0) -> Launch:
    """Start the app on a fresh pty and time its first frame."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "first-frame"
        t0 = time.time()
        env = {**os.environ, "TERM": "xterm-256color", "SEQ_EXPLORER_FIRST_FRAME_FILE": str(out),
               "SEQ_EXPLORER_T0": repr(t0)}
        seen = {"received": b"", "frame_s": None}

        def watch(chunk: bytes) -> None:
            if seen["frame_s"] is None:
                seen["received"] += chunk
                if all(marker in seen["received"] for marker in FRAME_MARKERS):
                    seen["frame_s"] = time.time() - t0

        _, tail = run_on_pty(command, env=env, timeout=timeout, size=(120, 40), on_output=watch)
        if seen["frame_s"] is None:
            raise RuntimeError(f"the app's first frame never arrived; it wrote: {tail[-500:]!r}")
        if not (out.exists() and out.read_text().strip()):
            raise RuntimeError("the app did not report Ready")
        seconds, torch_loaded = out.read_text().split()
        return Launch(seen["frame_s"], float(seconds), torch_loaded == "1")


def import_torch_s() -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import torch"], check=True)
    return time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 launches instead of 15")
    parser.add_argument("--repeat", type=int, default=None)
    parser.add_argument("--screen", default=None, help="open this screen (seq-explorer --screen NAME)")
    args = parser.parse_args(argv)
    command = [str(Path(sys.executable).parent / "seq-explorer")] + (["--screen", args.screen] if args.screen else [])
    bare = [sys.executable, str(Path(__file__).with_name("_bare_textual.py"))]
    repeat = args.repeat or (5 if args.quick else 15)
    launch(command)  # warm the file cache
    launch(bare)
    launches, floor = [], []
    for _ in range(repeat):  # interleaved, so a slow spell of the machine hits both
        launches.append(launch(command))
        floor.append(launch(bare).first_frame_s)
    torch_s = statistics.median(import_torch_s() for _ in range(max(2, repeat // 3)))
    frames = [x.first_frame_s for x in launches]
    ready = [x.ready_s for x in launches]
    loaded = any(x.torch_loaded for x in launches)
    median = statistics.median(frames)
    print(f"first frame: median {median:.3f} s, best {min(frames):.3f} s, worst {max(frames):.3f} s "
          f"over {repeat} launches (target ≤ {TARGET_S} s)")
    print(f"Ready handled: median {statistics.median(ready):.3f} s")
    print(f"reference: a bare Textual app (a static and a footer): first frame median "
          f"{statistics.median(floor):.3f} s; ratio {median / statistics.median(floor):.2f}×")
    print(f"torch loaded before Ready: {loaded}")
    print(f"reference `python -c 'import torch'`: {torch_s:.3f} s")
    print(f"ratio first frame / import torch: {median / torch_s:.2f}×")
    return 0 if median <= TARGET_S and not loaded else 1


if __name__ == "__main__":
    sys.exit(main())
