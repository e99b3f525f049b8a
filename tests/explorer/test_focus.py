"""Focus, app-wide: a text box with the focus takes every single-character key (no screen switch, no
action); Escape leaves the box and never goes into one; the focused widget is drawn unmistakably."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from explorer.screens import SCREENS
from tests.explorer.conftest import settle



def single_keys(screen) -> list[str]:
    """Every single-character key bound on ``screen`` or the app (``?`` is "question_mark")."""
    keys = []
    for node in (screen, screen.app):
        for key, _binding in node._bindings:
            if (len(key) == 1 or key == "question_mark") and key not in keys:
                keys.append(key)
    return keys


@pytest.mark.parametrize("name", SCREENS)
async def test_single_keys_typed_in_a_box_go_into_it_on_every_screen(app_factory, name):
    app = app_factory(name)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot, 3)  # the Train form and other deferred widgets are mounted
        screen = app.screen
        kinds: dict[tuple, Input] = {}  # one box of each kind (text, number, digits only): the keys are the same
        for box in screen.query(Input):
            if box.display and not box.disabled:
                kinds.setdefault((box.type, box.restrict), box)
        boxes = list(kinds.values())
        assert boxes
        keys = single_keys(screen)
        assert {"1", "6", "question_mark"} <= set(keys)
        for box in boxes:
            box.value = ""
            box.focus()
            await pilot.pause()
            await pilot.press(*keys)
            assert app.screen is screen and app.current_mode == name and screen.focused is box, box.id
            if box.restrict is None and box.type == "text":
                assert box.value == "".join("?" if k == "question_mark" else k for k in keys), box.id
            await pilot.press("escape")  # leaves the box
            await pilot.pause()
            assert screen.focused is None, box.id
        await pilot.press("escape")  # out of a box, Escape does not go back into one
        await pilot.pause()
        assert not isinstance(screen.focused, Input)


async def test_escape_then_a_number_switches_screens_from_a_text_box(app_factory):
    app = app_factory("generate")
    async with app.run_test(size=(80, 24)) as pilot:
        app.screen.query_one("#sentence").focus()
        await pilot.press("2")
        assert app.current_mode == "generate" and app.screen.query_one("#sentence").value == "2"
        await pilot.press("escape", "escape", "2")
        assert app.current_mode == "gates"


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
async def test_a_focused_box_is_filled_with_the_accent_colour_in_dark_and_light_themes(app_factory, theme):
    app = app_factory("generate")
    async with app.run_test(size=(80, 24)) as pilot:
        app.theme = theme
        await pilot.pause()
        box = app.screen.query_one("#prefix", Input)
        idle = box.styles.background
        box.focus()
        await pilot.pause()
        accent = app.current_theme.to_color_system().generate()["accent"]
        from textual.color import Color

        focused = box.styles.background
        assert focused != idle
        expected = Color.parse(accent).with_alpha(0.35)
        assert (focused.r, focused.g, focused.b) == (expected.r, expected.g, expected.b)
        assert box.styles.text_style.bold


async def test_every_widget_that_takes_the_focus_looks_different_with_it(app_factory):
    """On every screen, each widget of the focus chain (Tab order) changes its own cells when focused:
    no invisible focus (a scrolling column, a list, a select, a box, a button)."""
    app = app_factory("train")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot, 3)
        for name, (_module, _cls, key) in SCREENS.items():
            app.screen.set_focus(None)
            await pilot.press(key)
            await pilot.pause()
            screen = app.screen
            assert app.current_mode == name
            chain = list(screen.focus_chain)
            assert chain, name
            for widget in chain:
                screen.set_focus(None)
                await pilot.pause()
                before = screen._compositor.render_strips()  # the cells on screen (Textual's compositor)
                widget.focus(scroll_visible=False)
                await pilot.pause()
                after = screen._compositor.render_strips()
                r = widget.region
                changed = any(b.crop(r.x, r.right).text != a.crop(r.x, r.right).text
                              or list(b.crop(r.x, r.right)) != list(a.crop(r.x, r.right))
                              for b, a in zip(before[r.y:r.bottom], after[r.y:r.bottom]))
                assert changed, f"{name}: {type(widget).__name__}#{widget.id} shows no focus"
