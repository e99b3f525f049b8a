"""The Train screen: form → TrainConfig, scripted runs drawn on the charts, start/pause/stop, errors, a real run."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from pathlib import Path

import pytest

from engine.errors import InputError
from engine.events import Finished
from explorer.screens.dialogs import ErrorDialog
from explorer.screens.train import TrainScreen
from explorer.widgets.line_chart import LineChart
from explorer.widgets.train_form import engine_defaults, parse_form
from tests.explorer.conftest import SIZE, diverging_events, form_ready, scripted_train, settle, training_events


def test_form_defaults_are_the_demo_config():
    from engine.training import TrainConfig

    config = TrainConfig(**parse_form(engine_defaults()))
    assert config == TrainConfig()


def test_form_values_reach_the_config():
    from engine.training import TrainConfig

    raw = dict(engine_defaults(), cell="gru-course", layers="2", hidden="64", lr="0.002", clip="norm", clip_threshold="1.5",
               data="file", path="/data/my.txt", level="word")
    config = TrainConfig(**parse_form(raw))
    assert (config.cell, config.layers, config.hidden, config.lr) == ("gru-course", 2, 64, 0.002)
    assert (config.clip, config.clip_threshold, config.data, config.level) == ("norm", 1.5, "/data/my.txt", "word")


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [("layers", "two", "layers must be a whole number"), ("lr", "fast", "lr must be a number"),
     ("data", "file", "choose a text file")],
)
def test_text_that_is_not_a_value_names_the_field(field, value, words):
    with pytest.raises(InputError, match=words) as info:
        parse_form(dict(engine_defaults(), **{field: value}))
    assert info.value.field == field


def test_the_config_crosses_to_the_child_as_json_and_back_unchanged():
    """What the Train screen sends its child process: the frozen config as JSON, rebuilt there."""
    import json

    from engine.training import TrainConfig

    config = TrainConfig(**parse_form(dict(engine_defaults(), cell="lstm-peephole", lr="0.003", clip="norm")),
                         device="cpu", out="/tmp/run", cpu_threads=2, max_vocab=None)
    assert TrainConfig.from_json(json.loads(json.dumps(config.to_json()))) == config


def test_a_kind_added_to_the_engine_table_is_offered_by_the_form(monkeypatch):
    import dataclasses

    from engine.recurrent import kinds
    from explorer.widgets.train_form import cell_options

    assert [value for _label, value in cell_options()] == list(kinds.CELL_KINDS)
    extra = dataclasses.replace(kinds.KINDS["gru-simple"], name="gru-minimal", title="minimal GRU")
    monkeypatch.setattr(kinds, "KINDS", {**kinds.KINDS, "gru-minimal": extra})
    monkeypatch.setattr(kinds, "CELL_KINDS", (*kinds.CELL_KINDS, "gru-minimal"))
    assert cell_options()[-1] == ("gru-minimal", "gru-minimal")


def test_samples_are_packed_on_lines_and_never_split():
    from engine.events import Sample
    from explorer.screens.train import samples_text

    samples = [Sample("artrosaurus", False), Sample("lanoelon", False), Sample("urulmaeosaurus", True),
               Sample("two\nlines", None)]
    lines = samples_text(800, samples, width=32).split("\n")
    assert lines[1:] == ["✓ artrosaurus   ✓ lanoelon", "○ urulmaeosaurus   two↵lines"]
    assert all(len(line) <= 32 for line in lines[1:])
    assert samples_text(800, samples).count("\n") == 1  # no width: one line


async def test_scripted_run_fills_charts_samples_and_clip_marks(app_factory, monkeypatch):
    import engine.training

    events = training_events() + [Finished(step=120, reason="completed", final_loss=1.4, val_loss=1.5)]
    monkeypatch.setattr(engine.training, "train", scripted_train(events))
    app = app_factory("train")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await settle(app, pilot, 3)
        screen = app.screen
        loss = screen.query_one("#loss-chart", LineChart)
        grad = screen.query_one("#grad-chart", LineChart)
        steps = [e for e in events if type(e).__name__ == "Step"]
        assert [x for x, _ in loss.series["loss"].points] == [e.step for e in steps]
        assert [y for _, y in loss.series["smoothed"].points] == [e.smoothed_loss for e in steps]
        assert len(loss.series["validation"].points) == 3
        assert grad.marks == [e.step for e in steps if e.clipped]
        assert grad.threshold == 1.0
        samples = str(screen.query_one("#samples").render())
        assert "✓ velocisaurus" in samples and "○ tyrannosaurus" in samples
        assert not screen.running
        assert "completed at step 120" in str(screen.query_one("StatusBar").render())
        # the run's folder is the app's current model now: Generate opens on it
        assert (app.current_model.path, app.current_model.origin) == (screen.run_dir, "trained")
        assert screen.run_dir.startswith(app.options["runs_dir"])


async def test_start_pause_stop_and_dimmed_keys(app_factory, monkeypatch):
    import engine.training

    hold = threading.Event()
    monkeypatch.setattr(engine.training, "train", scripted_train(training_events(steps=50), hold=hold))
    app = app_factory("train")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert screen.check_action("stop", ()) is None and screen.check_action("start", ()) is True
        await pilot.press("s")
        await pilot.pause()
        assert screen.running
        assert screen.check_action("start", ()) is None and screen.check_action("stop", ()) is True
        await pilot.press("p")
        assert screen.handle.is_paused and screen.paused
        await pilot.press("p")
        assert not screen.handle.is_paused
        await pilot.press("x")
        hold.set()
        await settle(app, pilot)
        assert not screen.running and screen.handle.stop_event.is_set()
        assert screen.check_action("start", ()) is True


async def test_diverged_run_says_why_and_what_to_try(app_factory, monkeypatch):
    import engine.training

    monkeypatch.setattr(engine.training, "train", scripted_train(diverging_events()))
    app = app_factory("train")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await settle(app, pilot)
        screen = app.screen
        assert screen.has_class("-diverged")
        text = str(screen.query_one("#diverged").render())
        assert "diverged at step 2" in text and "lower the learning rate" in text


async def test_a_refusal_of_the_config_is_shown_in_the_forms_words_then_focuses_the_field(app_factory):
    """TrainConfig validates itself and says "lr must be > 0"; the dialog says "learning rate", as the form."""
    app = app_factory("train")
    async with app.run_test(size=SIZE) as pilot:
        form = await form_ready(app, pilot)
        screen = app.screen
        screen.query_one("#lr").value = "-0.5"
        await pilot.press("escape")  # leave the form: s is a key, not a letter in a box
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, ErrorDialog)
        assert app.screen.message.startswith("learning rate must be a finite number in (0, 10000]") and "lr" not in app.screen.message.split()
        assert not screen.running
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen and screen.focused is form.query_one("#lr")
        screen.query_one("#lr").value = "0.01"
        screen.query_one("#hidden").value = "0"
        screen.set_focus(None)
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, ErrorDialog) and app.screen.message.startswith("hidden must be in 1..16,384, got 0")


async def test_engine_refusal_reaches_a_dialog(app_factory):
    app = app_factory("train")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await form_ready(app, pilot)
        screen.query_one("#path").value = "/no/such/corpus.txt"
        screen.query_one("#data").value = "file"
        await pilot.press("s")
        await settle(app, pilot, 3)
        assert isinstance(app.screen, ErrorDialog)
        assert app.screen.title_text in ("Cannot do that", "File problem")
        assert "corpus.txt" in app.screen.message
        assert not screen.running


@pytest.mark.slow
@pytest.mark.parametrize("train_in", ["process", "thread"])
async def test_real_tiny_training_run_starts_reports_and_saves(app_factory, tmp_path, train_in):
    overrides = {"steps": 4, "hidden": 8, "eval_every": 2, "sample_every": 2, "report_every_steps": 1,
                 "max_eval_sequences": 50, "batch_size": 8}
    app = app_factory("train", train_overrides=overrides, train_in=train_in)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await settle(app, pilot, 3)
        screen = app.screen
        assert isinstance(screen, TrainScreen) and not screen.running
        loss = screen.query_one("#loss-chart", LineChart)
        assert [x for x, _ in loss.series["loss"].points] == [1, 2, 3, 4]
        assert loss.series["validation"].points
        assert "completed at step 4" in str(screen.query_one("StatusBar").render())
        assert screen.last_checkpoint and (Path(screen.last_checkpoint) / "config.json").exists()
        assert Path(screen.last_checkpoint).is_relative_to(tmp_path)
        await pilot.press("3")  # the new checkpoint is offered on the Generate screen
        await pilot.pause()
        options = [value for _label, value in app.screen.query_one("#model")._options]
        assert screen.last_checkpoint in options


async def test_form_fills_in_after_the_first_frame(tmp_path):
    """The first frame does not wait for the form's ~20 widgets; they follow it, with the engine's defaults."""
    from explorer.app import SeqExplorerApp
    from explorer.widgets.train_form import TrainForm

    filled_at_ready = []

    class Probe(SeqExplorerApp):
        def on_ready(self) -> None:
            filled_at_ready.append(self.screen.query_one(TrainForm).filled)
            super().on_ready()

    app = Probe(screen="train", device="cpu", preload_torch=False,
                options={"autoload": False, "runs_dir": str(tmp_path)})
    async with app.run_test(size=SIZE) as pilot:
        form = await form_ready(app, pilot)
        assert filled_at_ready == [False]
        assert parse_form(form.raw_values()) == parse_form(engine_defaults())
        assert app.screen.query_one("#data").value == "dinos"


async def test_buttons_start_and_stop_a_run_by_mouse(app_factory, monkeypatch):
    import engine.training

    hold = threading.Event()
    monkeypatch.setattr(engine.training, "train", scripted_train(training_events(steps=30), hold=hold))
    app = app_factory("train")
    async with app.run_test(size=SIZE) as pilot:
        await form_ready(app, pilot)
        screen = app.screen
        assert screen.query_one("#btn-stop").disabled and not screen.query_one("#btn-start").disabled
        await pilot.click("#btn-start")
        await pilot.pause()
        assert screen.running
        assert screen.query_one("#btn-start").disabled and not screen.query_one("#btn-stop").disabled
        await pilot.click("#btn-stop")
        hold.set()
        await settle(app, pilot)
        assert not screen.running and screen.handle.stop_event.is_set()


async def test_charts_updated_under_a_dialog_show_everything_when_it_closes(app_factory):
    """Under a dialog the Train screen does not repaint (that cost half a core); once the dialog is
    dismissed, what arrived meanwhile is on screen."""
    from textual.geometry import Region

    from explorer.screens.help import HelpScreen
    from tests.explorer.conftest import feed

    app = app_factory("train")
    async with app.run_test(size=SIZE) as pilot:
        await form_ready(app, pilot)
        screen = app.screen
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        events = training_events(steps=40)
        await feed(screen, events, "train")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        await pilot.pause()
        assert app.screen is screen
        chart = screen.query_one("#loss-chart", LineChart)
        crop = Region(0, 0, *chart.outer_size)
        shown = [strip.text for strip in chart.render_lines(crop)]
        chart._styles_cache.clear()
        assert shown == [strip.text for strip in chart.render_lines(crop)]
        last = [e for e in events if type(e).__name__ == "Step"][-1]
        assert f"loss {last.loss:.3g}" in shown[0]


ENDLESS = {"steps": 10**6, "hidden": 8, "batch_size": 8, "report_every_steps": 1, "eval_every": 10**6,
           "sample_every": 10**6, "checkpoint_every": 10**6, "max_eval_sequences": 50}


async def _until(condition, timeout: float = 60.0, what: str = "") -> None:
    """Poll with asyncio.sleep, not pilot.pause: pilot waits for the app to go idle, and a running
    worker never lets it."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


def _steps_drawn(screen) -> int:
    points = screen.query_one("#loss-chart", LineChart).series["loss"].points
    return points[-1][0] if points else 0


async def _endless_child_run(app, pilot):
    """Press s on an endless tiny run in a child process; (screen, child) once steps are drawn."""
    screen = app.screen
    await form_ready(app, pilot)
    await pilot.press("s")
    await _until(lambda: _steps_drawn(screen) > 5, what="the first steps")
    return screen, screen.handle.stop_event.child


@pytest.mark.slow
async def test_a_run_in_the_child_process_pauses_resumes_saves_and_stops(app_factory):
    """The default: train() in a child process, driven by the same keys as a run in a thread."""
    app = app_factory("train", train_overrides=ENDLESS, train_in="process")
    async with app.run_test(size=SIZE) as pilot:
        screen, child = await _endless_child_run(app, pilot)
        assert child.process.pid != os.getpid() and child.alive()
        # The step under way when the pause arrives still ends and is shown. On a loaded machine one
        # step can take most of a second, so "no new step" is judged over a few steps' time, not 0.5 s.
        first, t0 = _steps_drawn(screen), time.monotonic()
        await _until(lambda: _steps_drawn(screen) >= first + 3, what="three more steps")
        window = max(0.5, 3 * (time.monotonic() - t0) / max(_steps_drawn(screen) - first, 1))
        await pilot.press("p")
        paused_at = -1
        while paused_at != _steps_drawn(screen):  # steps sent before the child saw the pause arrive
            paused_at = _steps_drawn(screen)
            await asyncio.sleep(window)
        await asyncio.sleep(window)
        assert _steps_drawn(screen) == paused_at, "the child kept training while paused"
        await pilot.press("w")  # saved at once, while paused, at the step shown
        await _until(lambda: "saved " in str(screen.query_one("StatusBar").render()), what="the checkpoint")
        assert f"at step {int(paused_at):,} · Generate (3) opens it" in str(screen.query_one("StatusBar").render())
        saved = Path(screen.last_checkpoint)
        assert (saved / "config.json").exists() and saved.is_relative_to(Path(screen.run_dir).parent)
        await pilot.press("p")
        await _until(lambda: _steps_drawn(screen) > paused_at + 5, what="steps after resuming")
        await pilot.press("x")
        await _until(lambda: not screen.running, what="the stop")
        assert "stopped at step" in str(screen.query_one("StatusBar").render())
        assert child.process.wait(10) == 0


@pytest.mark.slow
async def test_quitting_during_a_child_process_run_keeps_its_checkpoint(app_factory):
    app = app_factory("train", train_overrides=ENDLESS, train_in="process")
    async with app.run_test(size=SIZE) as pilot:
        screen, child = await _endless_child_run(app, pilot)
        await pilot.press("ctrl+q")
        await pilot.press("y")
    assert await asyncio.to_thread(child.process.wait, 60) == 0  # stopped, not killed
    assert (Path(screen.run_dir) / "config.json").exists()


@pytest.mark.slow
async def test_a_killed_training_process_becomes_a_dialog_and_the_app_goes_on(app_factory):
    """What the out-of-memory killer does to a big run: the app says so and can start another."""
    import signal

    app = app_factory("train", train_overrides=ENDLESS, train_in="process")
    async with app.run_test(size=SIZE) as pilot:
        screen, child = await _endless_child_run(app, pilot)
        os.kill(child.process.pid, signal.SIGKILL)
        await _until(lambda: isinstance(app.screen, ErrorDialog) and app.screen.query("#ok"), what="the error dialog")
        assert app.screen.title_text == "The run stopped"
        assert "exit code -9" in app.screen.message
        assert not screen.running and screen.check_action("start", ()) is True


async def test_every_field_of_the_form_is_on_screen_at_80x24(app_factory):
    from textual.widgets import Input, Select

    app = app_factory("train")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await form_ready(app, pilot)
        await pilot.pause()
        screen_rows = app.screen.region.height
        for widget in [*form.query(Input), *form.query(Select)]:
            region = widget.region
            assert region.height and region.bottom <= screen_rows - 2, (widget.id, region)  # above status + key line
