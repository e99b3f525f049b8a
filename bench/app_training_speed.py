"""Training speed inside the app against the headless command, ``seq-explorer train lm``.

All runs train the same configuration (the demo: char LSTM n_a = 50 on the dinosaur
names, a fixed number of steps). Speed is steps per second by the training loop's own
clock (``Step.elapsed_s`` from the first to the last step: setup excluded, the same clock
for every kind, independent of when events reach the app). Kinds, each run in a fresh
interpreter whose output goes to a pseudo-terminal (so the command draws its rich progress
bar, as for a user):

    command     seq-explorer train lm (the reference #5 names)
    main        the bare train() generator on the main thread, nothing drawn (stricter)
    thread      the bare generator in a plain thread
    app         the app's Train screen (training in its child process, live charts)
    app-thread  the app with train_in="thread" (training in a worker thread)

The app is started as a user starts it (torch preloaded for the other screens) and the demo
begins once it is ready (torch loaded and, for a child-process run, the spare child ready), as
when a user presses d after the status says "device cpu". The kinds run in turn, round after round, so that the host's drift hurts all alike; each
round's app run is divided by the command's run of the same round, and the median of those
ratios is checked against the target: app ≥ 0.9× the headless command.

    python -m bench.app_training_speed [--quick] [--rounds N] [--steps N] [--kinds a,b,...] [--threads N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import threading
import time


def _rate(steps: list[tuple[int, float]]) -> float:
    """Steps per second between the first and the last ``Step`` seen, by the loop's own clock
    (``Step.elapsed_s``: wall time inside the training run, the same clock for every kind, and
    independent of when the events reach the app)."""
    (s0, t0), (s1, t1) = steps[0], steps[-1]
    return (s1 - s0) / (t1 - t0)


def _steps(events) -> list[tuple[int, float]]:
    return [(e.step, e.elapsed_s) for e in events if type(e).__name__ == "Step"]


def headless(overrides: dict) -> float:
    from engine.training import TrainConfig, train

    return _rate(_steps(train(TrainConfig(device="cpu", **overrides), threading.Event())))


def headless_in_thread(overrides: dict) -> float:
    """The same headless loop, run from a plain thread as the app's worker runs it."""
    out: list[float] = []
    worker = threading.Thread(target=lambda: out.append(headless(overrides)))
    worker.start()
    worker.join()
    return out[0]


def in_app(overrides: dict, train_in: str = "process") -> float:
    """The demo started in the app; ``train_in``: "process" (the default, a child process) or "thread"."""
    from explorer.app import make_app
    from explorer.screens.train import TrainScreen

    seen: list[tuple[int, float]] = []
    real = TrainScreen.show_step

    def spy(self, event) -> None:  # every Step reaches the screen (message.drain() → show_step)
        seen.append((event.step, event.elapsed_s))
        real(self, event)

    async def run() -> None:
        import tempfile

        from explorer import child_runs

        with tempfile.TemporaryDirectory() as runs:  # not the user's runs folder
            app = make_app(screen="train", device="cpu", preload_torch=True,
                           options={"autoload": False, "train_overrides": overrides, "train_in": train_in,
                                    "runs_dir": runs})
            await _train_demo(app, train_in == "process", child_runs)

    async def _train_demo(app, in_process: bool, child_runs) -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            # As a user who presses d once the status says "device cpu": torch is loaded in the app
            # (for the other screens) and, for a run in a child process, the spare child is ready.
            deadline = time.monotonic() + 120
            while not app.torch_ready or (in_process and not child_runs.spare_ready()):
                if time.monotonic() > deadline:
                    raise RuntimeError("the app did not get ready within 120 s")
                await asyncio.sleep(0.05)
            await pilot.pause()
            screen = app.screen
            screen.action_start()
            while screen.running:
                await asyncio.sleep(0.05)
            await app.workers.wait_for_complete()

    TrainScreen.show_step = spy
    try:
        asyncio.run(run())
    finally:
        TrainScreen.show_step = real
    return _rate(seen)


def command(overrides: dict) -> float:
    """``seq-explorer train`` as a user runs it in a terminal (rich progress on a pty), timed by its events."""
    import tempfile

    import engine.training
    from explorer.cli import main as cli

    real = engine.training.train
    seen: list[tuple[int, float]] = []

    def spy(config, stop, **kw):
        for event in real(config, stop, **kw):
            if type(event).__name__ == "Step":
                seen.append((event.step, event.elapsed_s))
            yield event

    argv = ["train", "lm", "--device", "cpu"]
    for key, value in overrides.items():
        argv += ["--threads" if key == "cpu_threads" else f"--{key.replace('_', '-')}", str(value)]
    engine.training.train = spy
    with tempfile.TemporaryDirectory() as out:
        cli(argv + ["--out", out])
    return _rate(seen)


KINDS = {"main": "headless train() generator, main thread  ",
         "command": "headless command: seq-explorer train (pty)",
         "thread": "headless train() generator, in a thread  ",
         "app": "in the app (child process, live charts)  ",
         "app-thread": "in the app, train_in=thread (worker)     "}
RUNS = {"main": headless, "command": command, "thread": headless_in_thread, "app": in_app,
        "app-thread": lambda overrides: in_app(overrides, "thread")}
DEFAULT_KINDS = "command,main,app,app-thread"


def measure_in_fresh_process(kind: str, overrides: dict) -> float:
    """One measurement in a new interpreter whose output goes to a pseudo-terminal (read here, as
    a terminal would), so that the command draws its progress bar as it does for a user.

    A fresh interpreter each time: torch's OpenMP pools are per calling thread, and a pool left by
    an earlier run on the main thread made a later worker-thread run 4× slower (a state the app
    itself never reaches: its main thread runs no torch)."""
    import json
    import tempfile

    from bench._pty import run_on_pty

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with tempfile.NamedTemporaryFile("r", suffix=".rate") as result:
        status, tail = run_on_pty([sys.executable, "-m", "bench.app_training_speed", "--one", kind, "--overrides",
                                   json.dumps(overrides), "--result", result.name], cwd=root)
        if status != 0:
            raise RuntimeError(f"{kind} run failed:\n{tail.decode(errors='replace')}")
        return float(result.read())


def main(argv: list[str] | None = None) -> int:
    import json
    import statistics

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 steps, 2 rounds (instead of 400 steps, 5 rounds)")
    parser.add_argument("--rounds", type=int, help="rounds of interleaved runs (default 5, --quick 2)")
    parser.add_argument("--steps", type=int, help="steps per run (default 400, --quick 200)")
    parser.add_argument("--kinds", default=DEFAULT_KINDS,
                        help=f"runs of each round, from {','.join(KINDS)} (default {DEFAULT_KINDS})")
    parser.add_argument("--threads", type=int, help="torch CPU threads for every run (default: torch's own count)")
    parser.add_argument("--one", choices=sorted(KINDS), help=argparse.SUPPRESS)
    parser.add_argument("--overrides", default="{}", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:  # a child process: one measurement, written to --result
        rate = RUNS[args.one](json.loads(args.overrides))
        with open(args.result, "w") as fh:
            fh.write(repr(rate))
        return 0
    steps = args.steps or (200 if args.quick else 400)
    rounds = args.rounds or (2 if args.quick else 5)
    kinds = [k for k in args.kinds.split(",") if k]
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or "command" not in kinds or "app" not in kinds:
        parser.error(f"--kinds needs command and app, from {', '.join(KINDS)} (got {args.kinds})")
    overrides = {"steps": steps, "eval_every": max(steps // 2, 1), "sample_every": max(steps // 2, 1)}
    if args.threads:
        overrides["cpu_threads"] = args.threads
    rates: dict[str, list[float]] = {kind: [] for kind in kinds}
    for _ in range(rounds):  # interleaved, each in a fresh process
        for kind in kinds:
            rates[kind].append(measure_in_fresh_process(kind, overrides))
    for kind in kinds:
        values = rates[kind]
        print(f"{KINDS[kind]}: best {max(values):6.1f} steps/s  ({', '.join(f'{r:.1f}' for r in values)})")
    # The machine's speed drifts between rounds (a shared host): each round's app run is compared
    # with the command's run of the same round, and the median of those ratios is the result.
    verdict = 0
    for kind in [k for k in kinds if k.startswith("app")]:
        for ref in [k for k in ("command", "main") if k in kinds]:
            paired = [a / r for a, r in zip(rates[kind], rates[ref])]
            median = statistics.median(paired)
            target = kind == "app" and ref == "command"
            print(f"{kind} / {ref}: paired by round median {median:.2f}× "
                  f"({', '.join(f'{r:.2f}' for r in paired)}); best against best "
                  f"{max(rates[kind]) / max(rates[ref]):.2f}×" + ("  (target ≥ 0.9×)" if target else ""))
            if target and median < 0.9:
                verdict = 1
    if "app-thread" in kinds:  # what the child process brings, measured directly
        paired = [a / t for a, t in zip(rates["app"], rates["app-thread"])]
        print(f"app (child process) / app-thread: paired by round median {statistics.median(paired):.2f}× "
              f"({', '.join(f'{r:.2f}' for r in paired)})")
    threads = f"{args.threads} torch threads" if args.threads else "torch's own thread count"
    print(f"{steps} steps, {rounds} rounds, {threads}, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return verdict


if __name__ == "__main__":
    sys.exit(main())
