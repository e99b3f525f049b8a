"""Key-to-screen latency while a training worker runs, against the same keys with no training.

Drives the app headless (``run_test``). Each sample sends a key event as the
terminal driver would, waits until the app has acted on it (the help is open,
the screen switched), then until the next refresh has painted
(``call_after_refresh``). Pilot's ``press`` is not used: it waits for the
process to go idle, which never happens while training runs. Keys:
open/close the help (``?``/``escape``) and switch Train ⇄ Generate (``3``/``1``).
The reference is the same key sequence before training starts, in the same run.
Target: p95 ≤ 50 ms while training.

    python -m bench.app_latency [--quick]
"""

from __future__ import annotations

import argparse
import os
import asyncio
import statistics
import sys
import time

TARGET_MS = 50.0
CPU_MS: list[float] = []  # UI-thread CPU time per key (both phases), to tell load from work
KEYS = (("question_mark", "?"), ("escape", None), ("3", "3"), ("1", "1"))


def _acted(app, key: str) -> bool:
    name = type(app.screen).__name__
    return {"question_mark": name == "HelpScreen", "escape": name == "TrainScreen",
            "3": name == "GenerateScreen", "1": name == "TrainScreen"}[key]


async def _latencies(app, pilot, n: int) -> list[float]:
    from textual import events

    out, cpu = [], []
    loop = asyncio.get_running_loop()
    for i in range(n):
        key, char = KEYS[i % len(KEYS)]
        done = loop.create_future()
        t, c = time.perf_counter(), time.thread_time()
        app._driver.send_message(events.Key(key, char))
        while not _acted(app, key):
            await asyncio.sleep(0.0005)
        app.call_after_refresh(lambda: done.done() or done.set_result(time.perf_counter()))
        end = await done
        out.append((end - t) * 1000)
        cpu.append((time.thread_time() - c) * 1000)
        await asyncio.sleep(0.05)
    CPU_MS.extend(cpu)
    return out


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)


async def run(n: int) -> tuple[list[float], list[float], int]:
    from explorer.app import make_app

    app = make_app(screen="train", device="cpu", preload_torch=False,
                   options={"autoload": False, "train_overrides": {"steps": 1_000_000, "report_every_s": 0.05}})
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        idle = await _latencies(app, pilot, n)
        import torch  # noqa: F401 - warm, so the worker starts training at once

        train_screen = app.screen
        await pilot.press("s")
        while True:  # wait for the first steps to be drawn
            await asyncio.sleep(0.1)
            if train_screen.query_one("#loss-chart").series["loss"].points:
                break
        busy = await _latencies(app, pilot, n)
        steps = len(train_screen.query_one("#loss-chart").series["loss"].points)
        train_screen.handle.stop()
        await app.workers.wait_for_complete()
    return idle, busy, steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="40 key presses each instead of 200")
    args = parser.parse_args(argv)
    n = 40 if args.quick else 200
    idle, busy, steps = asyncio.run(run(n))
    print(f"no training : median {statistics.median(idle):6.1f} ms, p95 {p95(idle):6.1f} ms ({n} keys)")
    print(f"training    : median {statistics.median(busy):6.1f} ms, p95 {p95(busy):6.1f} ms ({n} keys, "
          f"{steps} step events drawn meanwhile)")
    print(f"UI-thread CPU per key: median {statistics.median(CPU_MS):.1f} ms; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"ratio p95 training / no training: {p95(busy) / p95(idle):.2f}× (target p95 ≤ {TARGET_MS:.0f} ms)")
    return 0 if p95(busy) <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
