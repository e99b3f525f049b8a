"""Key-to-screen latency while a training worker runs, against the same keys with no training.

Drives the app headless (``run_test``). Each sample sends a key event as the
terminal driver would, waits until the screen has acted on it, then until the
next refresh has painted (``call_after_refresh``). Pilot's ``press`` is not used:
it waits for the process to go idle, which never happens while training runs.

Keys: ``←``/``→``/``↑``/``↓`` on the Gates screen (the bundled LSTM traced over a
name), while the demo training runs in its worker, started from the Train
screen. The reference is the same keys before training starts, in the same run.
Screen switches (``1``/``2``) are timed too and reported separately. Target:
p95 ≤ 50 ms while training.

    python -m bench.app_latency [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time

TARGET_MS = 50.0
STEP_KEYS = ("right", "right", "down", "left", "left", "up")


async def _time_key(app, key: str, char: str | None, acted) -> tuple[float, float]:
    """(wall ms, UI-thread CPU ms) from the key event to the first paint after ``acted()``."""
    from textual import events

    loop = asyncio.get_running_loop()
    done = loop.create_future()
    t, c = time.perf_counter(), time.thread_time()
    app._driver.send_message(events.Key(key, char))
    while not acted():
        await asyncio.sleep(0.0005)
    app.call_after_refresh(lambda: done.done() or done.set_result(time.perf_counter()))
    end = await done
    return (end - t) * 1000, (time.thread_time() - c) * 1000


async def _gate_keys(app, n: int) -> tuple[list[float], list[float]]:
    wall, cpu = [], []
    screen = app.screen
    for i in range(n):
        key = STEP_KEYS[i % len(STEP_KEYS)]
        before = (screen.step, screen.unit)
        w, c = await _time_key(app, key, None, lambda: (screen.step, screen.unit) != before)
        wall.append(w)
        cpu.append(c)
        await asyncio.sleep(0.03)
    return wall, cpu


async def _switches(app, n: int) -> list[float]:
    out = []
    for i in range(n):
        key = "1" if i % 2 == 0 else "2"
        name = "TrainScreen" if key == "1" else "GatesScreen"
        w, _ = await _time_key(app, key, key, lambda: type(app.screen).__name__ == name)
        out.append(w)
        await asyncio.sleep(0.05)
    return out


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)


async def run(n: int, train_in: str = "process") -> dict[str, list[float]]:
    from explorer.app import make_app

    app = make_app(screen="gates", device="cpu", preload_torch=True,
                   options={"train_overrides": {"steps": 1_000_000}, "train_in": train_in})
    async with app.run_test(size=(120, 40)) as pilot:
        gates = app.screen
        while not gates.traced:  # the bundled checkpoint is loaded and traced in workers
            await asyncio.sleep(0.1)
        await pilot.pause()
        idle, idle_cpu = await _gate_keys(app, n)
        await pilot.press("1")
        train = app.screen
        train.action_start()
        while not train.query_one("#loss-chart").series["loss"].points:
            await asyncio.sleep(0.1)
        switches = await _switches(app, max(n // 4, 6))
        if type(app.screen).__name__ != "GatesScreen":
            await _time_key(app, "2", "2", lambda: type(app.screen).__name__ == "GatesScreen")
        busy, busy_cpu = await _gate_keys(app, n)
        steps = len(train.query_one("#loss-chart").series["loss"].points)
        train.handle.stop()
        await app.workers.wait_for_complete()
    return {"idle": idle, "idle_cpu": idle_cpu, "busy": busy, "busy_cpu": busy_cpu, "switches": switches,
            "steps": [steps]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="60 key presses each instead of 300")
    parser.add_argument("--train-in", choices=("process", "thread"), default="process",
                        help="where the demo trains: a child process (the app's default) or a worker thread")
    args = parser.parse_args(argv)
    n = 60 if args.quick else 300
    r = asyncio.run(run(n, args.train_in))
    idle, busy = r["idle"], r["busy"]
    print(f"Gates ←→↑↓, no training : median {statistics.median(idle):6.1f} ms, p95 {p95(idle):6.1f} ms, "
          f"UI CPU median {statistics.median(r['idle_cpu']):.1f} ms ({n} keys)")
    print(f"Gates ←→↑↓, training    : median {statistics.median(busy):6.1f} ms, p95 {p95(busy):6.1f} ms, "
          f"UI CPU median {statistics.median(r['busy_cpu']):.1f} ms ({n} keys)")
    sw = r["switches"]
    print(f"screen switch 1⇄2, training: median {statistics.median(sw):6.1f} ms, p95 {p95(sw):6.1f} ms "
          f"({len(sw)} switches; {r['steps'][0]} training steps drawn in all)")
    print(f"ratio p95 training / no training: {p95(busy) / p95(idle):.2f}× (target p95 ≤ {TARGET_MS:.0f} ms); "
          f"training in a {args.train_in}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return 0 if p95(busy) <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
