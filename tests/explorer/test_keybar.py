"""The key line (explorer.widgets.keybar): content, order, dimming, clicks and refresh on binding changes."""

from __future__ import annotations

import threading

from textual.binding import Binding

from explorer.screens.help import HelpScreen
from explorer.widgets.keybar import KeyBar, keys_markup
from tests.explorer.conftest import SIZE, scripted_train, settle, training_events


def plain(markup: str) -> str:
    from textual.content import Content

    return Content.from_markup(markup).plain


def test_markup_orders_help_first_and_screen_keys_last_and_dims_disabled():
    pairs = [
        (Binding("1", "switch_mode('train')", "Train"), True),
        (Binding("s", "start", "Start"), True),
        (Binding("x", "stop", "Stop"), False),
        (Binding("question_mark", "help", "Keys"), True),
        (Binding("f1", "help", "Keys"), True),  # same action: shown once
        (Binding("escape", "unfocus", "Leave", show=False), True),
        (Binding("b", "bracket", "[b]old"), True),  # escaped, not markup
    ]
    markup = keys_markup(pairs, lambda b: b.key)
    assert plain(markup) == " question_mark Keys  s Start  x Stop  b [b]old  1 Train "
    assert "[dim] x Stop [/]" in markup and "@click=app.simulate_key('x')" not in markup
    assert "@click=app.simulate_key('s')" in markup


async def test_key_line_shows_the_screens_keys_and_a_click_presses_one(app_factory):
    app = app_factory("train")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        bar = app.screen.query_one(KeyBar)
        text = str(bar.render())
        assert text.startswith(" ? Keys  s Start  d Demo")
        assert "^q Quit" in text and "1 Train" in text
        await pilot.click(KeyBar, offset=(2, 0))  # on "?"
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


async def test_key_line_dims_keys_when_a_run_starts(app_factory, monkeypatch):
    import engine.training

    hold = threading.Event()
    monkeypatch.setattr(engine.training, "train", scripted_train(training_events(steps=20), hold=hold))
    app = app_factory("train")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        bar = app.screen.query_one(KeyBar)
        assert "[dim] x Stop [/]" in bar.shown_markup
        await pilot.press("s")
        await pilot.pause()
        await pilot.pause()
        assert "[dim] s Start [/]" in bar.shown_markup and "[dim] x Stop [/]" not in bar.shown_markup
        hold.set()
        await settle(app, pilot)
        assert "[dim] x Stop [/]" in bar.shown_markup
