"""Peak memory of ``train lm`` on large and hostile corpora, against the demo run (issue 12).

    python -m bench.hardening_memory [--mb 200] [--quick] [--steps 2]

Each run is ``seq-explorer train lm --steps N`` in a child process under a 4 GB ``RLIMIT_DATA``;
its peak RSS is the child's own ``VmHWM`` (see ``tests/_bounded.py``). Printed as MB and as a
ratio to the reference measured in the same run: the demo corpus (dinosaur names, 19 KB), whose
peak is torch's own footprint. Cases:

- ``lines``: ``--mb`` of generated text, lines of 3–12 words (line sequences, the default);
- ``stream``: the same file in stream mode (windows over running text);
- ``no-newline``: ``--mb`` of text without a single line break (was 3.5 GB for 200 MB; now
  refused after :data:`engine.limits.MAX_LINE_CHARS` characters).

``--quick`` uses 20 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests._bounded import run_bounded  # noqa: E402

SYLLABLES = ["ka", "ro", "mi", "sa", "tu", "ne", "lo", "vi", "da", "pe", "an", "ex"]


def write_lines(path: Path, mb: int) -> None:
    rng = random.Random(0)
    target, size = mb << 20, 0
    with open(path, "w") as fh:
        while size < target:
            block = []
            for _ in range(1000):
                words = (("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4)))) for _ in range(rng.randint(3, 12)))
                block.append(" ".join(words))
            text = "\n".join(block) + "\n"
            fh.write(text)
            size += len(text)


def write_flat(path: Path, mb: int) -> None:
    chunk = "abcdefghij" * (1 << 16)
    with open(path, "w") as fh:
        for _ in range((mb << 20) // len(chunk)):
            fh.write(chunk)


def train(data: str, out: Path, steps: int, extra: list[str]) -> dict:
    argv = [sys.executable, "-m", "explorer", "train", "lm", "--data", data, "--steps", str(steps), "--eval-every", str(steps),
            "--sample-every", "0", "--device", "cpu", "--threads", "1", "--out", str(out), "--json", *extra]
    t0 = time.perf_counter()
    r = run_bounded(argv, data_limit=4 << 30, timeout=3600)
    return {"rc": r.rc, "peak_mb": round(r.peak_rss / 2**20), "seconds": round(time.perf_counter() - t0, 1),
            "error": r.err.strip().splitlines()[-1][:160] if r.rc else ""}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.hardening_memory", description=__doc__.splitlines()[0])
    p.add_argument("--mb", type=int, default=200)
    p.add_argument("--steps", type=int, default=2)
    p.add_argument("--quick", action="store_true", help="20 MB")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    mb = 20 if args.quick else args.mb
    with tempfile.TemporaryDirectory(prefix="seq-explorer-bench-") as tmp:
        tmp = Path(tmp)
        lines, flat = tmp / "lines.txt", tmp / "flat.txt"
        write_lines(lines, mb)
        write_flat(flat, mb)
        rows = {"reference: dinos (19 KB)": train("dinos", tmp / "r0", args.steps, [])}
        rows[f"lines, {mb} MB"] = train(str(lines), tmp / "r1", args.steps, [])
        rows[f"stream, {mb} MB"] = train(str(lines), tmp / "r2", args.steps, ["--sequence", "stream"])
        rows[f"no newline, {mb} MB"] = train(str(flat), tmp / "r3", args.steps, [])
    ref = rows["reference: dinos (19 KB)"]["peak_mb"] or 1
    if args.json:
        print(json.dumps({"mb": mb, "cpu_count": os.cpu_count(), "rows": rows}))
        return 0
    print(f"{'case':28} {'rc':>3} {'peak RSS':>9} {'ratio':>6} {'time':>8}  note")
    for name, row in rows.items():
        print(f"{name:28} {row['rc']:>3} {row['peak_mb']:>6} MB {row['peak_mb'] / ref:>5.2f}× {row['seconds']:>6.1f} s  {row['error'][:70]}")
    return 0 if all(r["rc"] == 0 for n, r in rows.items() if "no newline" not in n) else 1


if __name__ == "__main__":
    sys.exit(main())
