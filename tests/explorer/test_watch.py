"""``seq-explorer --watch RUN_DIR``: the Train screen follows a run started elsewhere through its
metrics.jsonl — a scripted file growing while the app watches, and a real ``seq-explorer train lm``
in another process — read-only, into the same charts, stats and current model."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.checkpoint import event_record
from engine.events import Finished
from explorer.cli import build_parser, watch_folder
from explorer.model_choice import ModelChoice
from explorer.screens.train import TrainScreen
from explorer.widgets.keybar import KeyBar
from explorer.widgets.line_chart import LineChart
from tests.explorer.conftest import training_events


async def until(condition, timeout: float = 30.0, what: str = "") -> None:
    """Poll with asyncio.sleep (a watching worker never lets the app go idle for pilot.pause)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


def status_of(screen) -> str:
    return screen.query_one("StatusBar").text


def points(screen) -> list[tuple[float, float]]:
    return screen.query_one("#loss-chart", LineChart).series["loss"].points


def write(path: Path, events, partial_tail: bool = False) -> None:
    text = "".join(json.dumps(event_record(e)) + "\n" for e in events)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(text[:-15] if partial_tail else text)


async def test_a_growing_metrics_file_fills_the_charts_read_only(app_factory, tmp_path):
    run = tmp_path / "run-elsewhere"
    app = app_factory("gates", watch=str(run))  # --watch opens the Train screen whatever --screen says
    events = training_events(steps=60)
    steps = [e for e in events if type(e).__name__ == "Step"]
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, TrainScreen) and screen.has_class("-watching")
        await until(lambda: "no such folder yet" in status_of(screen), what="waiting for the folder")
        run.mkdir()
        metrics = run / "metrics.jsonl"
        write(metrics, events[:30], partial_tail=True)  # the writer is mid-line
        await until(lambda: len(points(screen)) >= 20, what="the first steps")
        assert "watching" in str(screen.query_one("#watch-info").render())
        # read-only: the keys that start or steer a run are dimmed and do nothing
        for action in ("start", "demo", "pause", "stop", "save", "browse"):
            assert screen.check_action(action, ()) is None
        await pilot.press("s", "d")
        assert not screen.running and screen.handle is not None and screen.handle.group == "train"
        keys = screen.query_one(KeyBar).shown_markup
        assert "[dim] s Start [/]" in keys and "[dim] x Stop [/]" in keys
        write(metrics, [])  # nothing new: the half line stays held back
        with open(metrics, "a", encoding="utf-8") as fh:  # the rest of the half line, then more
            fh.write("".join(json.dumps(event_record(e)) + "\n" for e in events[:30])[-15:])
        write(metrics, events[30:] + [Finished(step=60, reason="completed", final_loss=1.4, val_loss=1.5,
                                               checkpoint=str(run))])
        await until(lambda: "completed at step 60" in status_of(screen), what="the end of the run")
        assert [x for x, _ in points(screen)] == [e.step for e in steps]  # every step, once, in order
        screen.flush_stats()
        assert "step 60/200" in str(screen.query_one("#train-stats").render())
        assert "still watching" in status_of(screen)
        # the watched run's save is the app's current model (Generate opens on it)
        assert app.current_model == ModelChoice(str(run), "watched", 60)
        # quitting leaves the other run alone: no question asked
        await pilot.press("ctrl+q")
        await until(lambda: app.return_code is not None, what="the app to quit")


async def test_a_new_run_in_the_watched_folder_starts_the_charts_again(app_factory, tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    events = training_events(steps=30)
    write(run / "metrics.jsonl", events)
    app = app_factory("train", watch=str(run))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await until(lambda: len(points(screen)) == 30, what="the replay")
        (run / "metrics.jsonl").unlink()
        write(run / "metrics.jsonl", events[:11])  # another inode: a new run from its first line
        with open(run / "metrics.jsonl", "a") as fh:
            fh.write("not json\n")
        await until(lambda: "skipped line 12" in status_of(screen), what="the damaged line")
        assert [x for x, _ in points(screen)] == list(range(1, 11))


def test_the_watch_flag_takes_a_run_folder_or_its_metrics_file(tmp_path):
    args = build_parser().parse_args(["--watch", str(tmp_path / "runs" / "x")])
    assert args.watch == str(tmp_path / "runs" / "x")
    metrics = tmp_path / "metrics.jsonl"
    metrics.write_text("")
    assert watch_folder(str(metrics)) == str(tmp_path)
    other = tmp_path / "notes.txt"
    other.write_text("")
    from engine.errors import InputError

    with pytest.raises(InputError, match="--watch takes a run folder"):
        watch_folder(str(other))


@pytest.mark.slow
async def test_watching_a_real_training_run_in_another_process(app_factory, tmp_path):
    """``seq-explorer train lm`` in a subprocess writes the run folder; the app draws it as it goes."""
    run = tmp_path / "cli-run"
    command = [sys.executable, "-m", "explorer.cli", "train", "lm", "--steps", "60", "--hidden", "8",
               "--batch-size", "8", "--eval-every", "20", "--sample-every", "30", "--checkpoint-every", "40",
               "--threads", "1", "--device", "cpu", "--out", str(run), "--json"]
    app = app_factory("train", watch=str(run))
    async with app.run_test(size=(80, 24)):
        screen = app.screen
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                cwd=Path(__file__).resolve().parents[2])
        try:
            await until(lambda: "completed at step 60" in status_of(screen), timeout=120, what="the run to end")
        finally:
            out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err.decode()[-500:]
        loss = screen.query_one("#loss-chart", LineChart)
        assert loss.series["loss"].points[-1][0] == 60 and loss.series["validation"].points
        assert "samples at step 60" in str(screen.query_one("#samples").render())
        assert app.current_model == ModelChoice(str(run), "watched", 60)
