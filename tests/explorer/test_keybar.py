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
        assert text.startswith(" ? Help  s Start  d Demo")
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


def test_a_narrow_line_drops_screen_switches_then_dimmed_keys_then_own_keys_from_the_last():
    pairs = [
        (Binding("question_mark", "help", "Help"), True),
        (Binding("s", "start", "Start"), True),
        (Binding("x", "stop", "Stop"), False),
        (Binding("o", "browse", "Open file"), True),
        (Binding("ctrl+p", "command_palette", "Palette"), True),
        (Binding("ctrl+q", "quit", "Quit"), True),
        (Binding("1", "switch_mode('train')", "Train"), True),
    ]
    full = plain(keys_markup(pairs, lambda b: b.key))
    assert full == " question_mark Help  s Start  x Stop  o Open file  ctrl+p Palette  ctrl+q Quit  1 Train "
    assert plain(keys_markup(pairs, lambda b: b.key, width=len(full))) == full
    no_switch = " question_mark Help  s Start  x Stop  o Open file  ctrl+p Palette  ctrl+q Quit "
    assert plain(keys_markup(pairs, lambda b: b.key, width=len(full) - 1)) == no_switch
    assert plain(keys_markup(pairs, lambda b: b.key, width=len(no_switch) - 1)) == \
        " question_mark Help  s Start  o Open file  ctrl+p Palette  ctrl+q Quit "
    assert plain(keys_markup(pairs, lambda b: b.key, width=55)) == " question_mark Help  s Start  o Open file  ctrl+q Quit "
    assert plain(keys_markup(pairs, lambda b: b.key, width=54)) == " question_mark Help  s Start  ctrl+q Quit "
    assert plain(keys_markup(pairs, lambda b: b.key, width=10)) == " question_mark Help  ctrl+q Quit "  # never dropped
    typing = plain(keys_markup(pairs, lambda b: b.key, width=40, typing=True))
    assert typing.startswith(" Esc leave box  question_mark Help ")


async def test_every_screen_at_80_columns_shows_how_to_switch_screens_and_get_help(app_factory):
    from explorer.screens import SCREENS, TITLES
    from explorer.widgets.navbar import NavBar

    app = app_factory("train")
    async with app.run_test(size=(80, 24)) as pilot:
        for name, (_module, _cls, key) in SCREENS.items():
            await pilot.press(key)
            await pilot.pause()
            app.screen.set_focus(None)
            await pilot.pause()
            keys = plain(app.screen.query_one(KeyBar).shown_markup)
            tabs = plain(app.screen.query_one(NavBar).render().markup)
            assert len(keys) <= 80 and keys.startswith(" ? Help ") and keys.endswith(" ^q Quit "), (name, keys)
            assert len(tabs) <= 80, tabs
            for other, (_m, _c, other_key) in SCREENS.items():
                assert f" {other_key} {TITLES[other]} " in tabs, (name, tabs)


async def test_while_typing_the_key_line_says_how_to_leave_the_box_and_lists_no_typed_keys(app_factory):
    app = app_factory("generate")
    async with app.run_test(size=(80, 24)) as pilot:
        bar = app.screen.query_one(KeyBar)
        assert plain(bar.shown_markup).startswith(" ? Help  g Generate")
        app.screen.query_one("#prefix").focus()
        await pilot.pause()
        await pilot.pause()
        keys = plain(bar.shown_markup)
        assert keys.startswith(" Esc leave box  f1 Help ") and " g " not in keys and " 1 " not in keys
        await pilot.press("escape")
        await pilot.pause()
        await pilot.pause()
        assert app.screen.focused is None and plain(bar.shown_markup).startswith(" ? Help  g Generate")
