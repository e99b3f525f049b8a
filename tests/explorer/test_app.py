"""The app shell: screens on keys, tab bar, palette, help, quit confirmation, error dialogs, worker glue."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import pytest
from rich.console import Console
from textual import on
from textual.app import App

from engine.errors import InputError
from explorer.app import describe_error
from explorer.messages import EngineEvent, RunFinished
from explorer.runs import active_runs, start_call, start_run
from explorer.screens import SCREENS
from explorer.screens.dialogs import ConfirmDialog, ErrorDialog
from explorer.screens.help import HelpScreen
from explorer.widgets.navbar import NavBar
from tests.explorer.conftest import SIZE, settle


async def test_number_keys_switch_screens(app_factory):
    app = app_factory("train")
    async with app.run_test(size=SIZE) as pilot:
        assert app.current_mode == "train"
        await pilot.press("2")
        assert app.current_mode == "gates" and type(app.screen).__name__ == "GatesScreen"
        await pilot.press("3")
        assert type(app.screen).__name__ == "GenerateScreen"
        await pilot.press("1")
        assert type(app.screen).__name__ == "TrainScreen"


async def test_tab_bar_click_switches_screen(app_factory):
    app = app_factory("train")
    async with app.run_test(size=SIZE) as pilot:
        markup = NavBar.markup_for("train")
        assert "switch_mode('generate')" in markup
        offset = len("seq-explorer ") + len(" 1 Train ") + len(" 2 Gates ") + 2
        await pilot.click(NavBar, offset=(offset, 0))
        await pilot.pause()
        assert app.current_mode == "generate"


def test_tab_bar_fits_every_width_keeping_every_key_and_the_current_title():
    from explorer.widgets.navbar import tab_markup

    wide = plain(tab_markup("analogies", 120))
    assert wide.startswith("seq-explorer ") and "6 Gradients" in wide
    at_80 = plain(tab_markup("analogies", 80))
    assert len(at_80) <= 80 and " 4 Embeddings " in at_80 and " 6 Gradients " in at_80
    at_70 = plain(tab_markup("analogies", 70))  # seven screens: the shortened titles need 70 columns
    assert len(at_70) <= 70 and " 5 Analogies " in at_70 and " 4 Embed. " in at_70
    at_32 = plain(tab_markup("analogies", 32))
    assert len(at_32) <= 32 and " 5 Analogies " in at_32 and " 1  2  3  4 " in at_32 and " 7 " in at_32


def plain(markup: str) -> str:
    from textual.content import Content

    return Content.from_markup(markup).plain


def test_screen_registry_names_every_screen_once():
    keys = [key for _m, _c, key in SCREENS.values()]
    assert list(SCREENS) == ["train", "gates", "generate", "embeddings", "analogies", "gradients", "tasks"]
    assert keys == ["1", "2", "3", "4", "5", "6", "7"]


async def test_help_lists_every_key_of_the_current_screen_in_words_without_ids(app_factory):
    from explorer.screens.train import TrainScreen

    app = app_factory("train")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = app.screen.text
        for binding in TrainScreen.BINDINGS:
            assert binding.tooltip in text, binding.id
            assert binding.id not in text  # developer ids are not for learners
        assert "app.gates" not in text and "app.quit" not in text
        assert "? f1 List every key" in text  # the two keys of one action on one row
        assert "1–7 show a screen: 1 Train · 2 Gates" in text
        assert "Esc leave a text box" in text
        assert "(not now)" in text  # stop/pause are dimmed while nothing runs
        await pilot.press("escape")
        assert type(app.screen).__name__ == "TrainScreen"


async def test_help_opened_from_a_text_box_still_lists_the_letter_keys(app_factory):
    app = app_factory("generate")
    async with app.run_test(size=SIZE) as pilot:
        app.screen.query_one("#prefix").focus()
        await pilot.pause()
        await pilot.press("f1")  # ? would be typed into the box
        assert isinstance(app.screen, HelpScreen)
        assert "g Sample n sequences" in app.screen.text


async def test_command_palette_offers_every_screen(app_factory):
    app = app_factory("train")
    async with app.run_test(size=SIZE):
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for name in ("Train", "Gates", "Generate", "Embeddings", "Analogies", "Gradients"):
            assert f"Screen: {name}" in titles


async def test_quit_asks_only_while_a_run_is_active(app_factory):
    app = app_factory("train")
    release = threading.Event()

    def slow(stop):
        while not stop.is_set():
            release.wait(0.02)
            yield "tick"

    async with app.run_test(size=SIZE) as pilot:
        handle = start_run(app.screen, slow, group="test")
        await pilot.pause()
        assert active_runs(app) == [handle]
        await pilot.press("ctrl+q")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        assert not isinstance(app.screen, ConfirmDialog)
        handle.stop()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert active_runs(app) == []
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmDialog)
    assert app.return_code == 0


async def test_engine_input_error_becomes_a_dialog_with_its_message(app_factory):
    app = app_factory("train")

    def bad():
        raise InputError("hidden_size must be > 0, got -3")

    async with app.run_test(size=SIZE) as pilot:
        start_call(app.screen, bad, group="test")
        await settle(app, pilot)
        assert isinstance(app.screen, ErrorDialog)
        assert app.screen.title_text == "Cannot do that"
        assert app.screen.message == "hidden_size must be > 0, got -3"
        await pilot.press("enter")
        assert not isinstance(app.screen, ErrorDialog)


async def test_other_exceptions_are_internal_errors_with_their_type(app_factory):
    app = app_factory("train")

    def broken():
        raise KeyError("weights")

    async with app.run_test(size=SIZE) as pilot:
        start_call(app.screen, broken, group="test")
        await settle(app, pilot)
        assert isinstance(app.screen, ErrorDialog)
        assert app.screen.title_text == "Internal error"
        assert app.screen.message.startswith("KeyError")


def test_describe_error_kinds():
    assert describe_error(InputError("bad  value\n here"))[:2] == ("Cannot do that", "bad value here")
    assert describe_error(FileNotFoundError("no such file: x.txt"))[0] == "File problem"
    title, message, hint = describe_error(ZeroDivisionError("division by zero"))
    assert title == "Internal error" and message == "ZeroDivisionError: division by zero" and "--debug" in hint
    from explorer.child_runs import ChildEnded

    title, message, hint = describe_error(ChildEnded("the training process ended unexpectedly (exit code -9)"))
    assert title == "The run stopped" and "exit code -9" in message and "bug" not in hint


class Recorder(App):
    """A bare app that records what runs deliver to it."""

    def __init__(self) -> None:
        super().__init__()
        self.got: list[object] = []
        self.finished: list[RunFinished] = []
        self.messages = 0

    @on(EngineEvent)
    def record(self, message: EngineEvent) -> None:
        self.messages += 1
        self.got.extend(message.drain() if message.replaceable else [message.event])

    @on(RunFinished)
    def record_end(self, message: RunFinished) -> None:
        self.finished.append(message)


async def test_start_run_delivers_every_event_in_order_even_when_replaced():
    from engine.events import Finished, Started, Step

    def step(i):
        return Step(step=i, total_steps=3000, loss=1.0, smoothed_loss=1.0, grad_norm=1.0, grad_norm_clipped=1.0,
                    clipped=False, lr=0.1, tokens_per_s=1.0, elapsed_s=0.0, eta_s=0.0)

    events = [Started(total_steps=3000, device="cpu")] + [step(i) for i in range(1, 3001)] + \
        [Finished(step=3000, reason="completed")]
    app = Recorder()
    async with app.run_test() as pilot:
        start_run(app, lambda stop: iter(events), group="g")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()
    assert app.got == events  # steps not posted on their own waited in the backlog
    assert len(app.finished) == 1 and app.finished[0].error is None and not app.finished[0].cancelled
    assert app.messages < 100  # 3,000 steps arrived in a few messages, not one each


async def test_the_latest_step_arrives_when_the_generator_stalls():
    """A step held back (too soon after the last message) is posted before the generator blocks."""
    from engine.events import Step

    def step(i):
        return Step(step=i, total_steps=3, loss=1.0, smoothed_loss=float(i), grad_norm=1.0, grad_norm_clipped=1.0,
                    clipped=False, lr=0.1, tokens_per_s=1.0, elapsed_s=0.0, eta_s=0.0)

    def stalls(stop):
        yield step(1)
        yield step(2)  # within the interval: held back
        yield "marker"  # a non-replaceable event flushes it first
        stop.wait(5)

    app = Recorder()
    async with app.run_test() as pilot:
        handle = start_run(app, stalls, group="g")
        for _ in range(100):
            await pilot.pause(0.01)
            if "marker" in app.got:
                break
        assert [getattr(e, "step", e) for e in app.got] == [1, 2, "marker"]
        handle.stop()
        await app.workers.wait_for_complete()


async def test_stop_ends_the_generator_and_reports_cancelled():
    app = Recorder()
    seen_stop = threading.Event()

    def endless(stop):
        i = 0
        while not stop.is_set():
            i += 1
            yield i
            stop.wait(0.005)
        seen_stop.set()

    async with app.run_test() as pilot:
        handle = start_run(app, endless, group="g")
        await pilot.pause(0.1)
        assert handle.running
        handle.stop()
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert seen_stop.is_set() and not handle.running
    assert app.finished[-1].cancelled and app.finished[-1].error is None
    assert app.got == sorted(app.got)


async def test_pause_holds_the_generator_between_events():
    app = Recorder()
    produced: list[int] = []

    def counting(stop):
        for i in range(1000):
            if stop.is_set():
                return
            produced.append(i)
            yield i
            stop.wait(0.002)

    async with app.run_test() as pilot:
        handle = start_run(app, counting, group="g")
        await pilot.pause(0.05)
        handle.pause()
        await pilot.pause(0.05)
        frozen = len(produced)
        await pilot.pause(0.1)
        assert len(produced) <= frozen + 1
        handle.resume()
        for _ in range(300):  # a loaded machine may take a while to schedule the thread
            await pilot.pause(0.01)
            if len(produced) > frozen + 1:
                break
        assert len(produced) > frozen + 1
        handle.stop()
        await app.workers.wait_for_complete()


@pytest.mark.parametrize("screen", ["train", "gates"])
def test_first_frame_paints_before_torch_is_imported(screen):
    """Also on a screen that loads a model at once (Gates): its worker starts after the first frame."""
    code = """
import asyncio, json, sys
from explorer.app import make_app
import explorer.screens.train, explorer.screens.gates, explorer.screens.generate, explorer.screens.help
import explorer.screens.dialogs, explorer.runs
imported = 'torch' in sys.modules

async def main():
    app = make_app(screen=sys.argv[1], preload_torch=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        first = app.first_frame_torch_loaded
        await app.workers.wait_for_complete()
        await pilot.pause()
        print(json.dumps({'imported': imported, 'first': first, 'later': 'torch' in sys.modules,
                          'status': app.torch_status}))

asyncio.run(main())
"""
    out = subprocess.run([sys.executable, "-c", code, screen], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["imported"] is False  # explorer modules never import torch at top level
    assert result["first"] is False  # the first frame was on screen before torch
    assert result["later"] is True and result["status"].startswith("device ")


async def test_light_runs_do_not_wait_for_the_import_lock():
    from explorer.runs import IMPORT_LOCK

    app = Recorder()
    async with app.run_test() as pilot:
        with IMPORT_LOCK:  # as if torch were being imported
            start_call(app, lambda: "heavy", group="heavy")
            start_call(app, lambda: "light", group="light", light=True)
            for _ in range(50):
                await pilot.pause(0.01)
                if app.got:
                    break
            assert app.got == ["light"]
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert "heavy" in app.got
