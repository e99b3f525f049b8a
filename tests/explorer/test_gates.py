"""The Gates screen: numbers in the equation panel obey the course's equations; keys move in time and units."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.recurrent.trace import LayerTrace, Trace
from explorer.screens.dialogs import ErrorDialog
from explorer.screens.gates import GatesScreen, unit_step
from engine.lm.correlate import correlate_pattern
from explorer.widgets.equation_panel import EquationPanel, UnitStep, filled_equations
from explorer.widgets.heatmap import Heatmap
from tests.explorer.conftest import SIZE, settle


def lstm_layer(direction: str, T: int = 6, H: int = 3, seed: int = 0) -> LayerTrace:
    """A synthetic LSTM trace that obeys c⟨t⟩ = Γu c̃ + Γf c⟨t−1⟩, a = Γo tanh(c), in ``direction``'s order."""
    rng = np.random.default_rng(seed)
    u, f, o = (rng.uniform(0, 1, (1, T, H)) for _ in range(3))
    cand = rng.uniform(-1, 1, (1, T, H))
    c0, a0 = rng.uniform(-1, 1, (1, H)), rng.uniform(-1, 1, (1, H))
    c = np.zeros((1, T, H))
    order = range(T) if direction == "forward" else range(T - 1, -1, -1)
    prev = c0[0]
    for t in order:
        c[0, t] = u[0, t] * cand[0, t] + f[0, t] * prev
        prev = c[0, t]
    a = o * np.tanh(c)
    return LayerTrace(1, direction, np.zeros((1, T, 2)), a0, c0, a, c,
                      {"update": u, "forget": f, "output": o, "candidate": cand})


@pytest.mark.parametrize("direction", ["forward", "backward"])
def test_equation_numbers_recompute_the_recorded_state(direction):
    layer = lstm_layer(direction)
    for t in range(6):
        for unit in range(3):
            us = unit_step("lstm", layer, t, unit)
            expected_c = us.update * us.candidate + us.forget * us.c_prev
            assert expected_c == pytest.approx(layer.c[0, t, unit], abs=1e-12)
            assert us.output * math.tanh(us.c) == pytest.approx(layer.a[0, t, unit], abs=1e-12)
            lines = filled_equations(us)
            assert not any("differs" in line for line in lines)
            assert f"= {expected_c:.2f}" in lines[-2].replace("(", "").replace(")", "")


def test_gru_line_reads_like_the_course():
    us = UnitStep(kind="gru-course", t=0, a=0.2913, a_prev=-0.30, c=0.2913, c_prev=-0.30, update=0.93,
                  relevance=0.5, candidate=0.336)
    lines = filled_equations(us)
    assert "c⟨1⟩ = Γu·c̃ + (1−Γu)·c⟨0⟩ = 0.93·0.34 + 0.07·(-0.30) = 0.29" in lines
    assert "Γr = σ(W_r[·] + b_r) = 0.50" in lines


def test_a_recorded_state_that_breaks_the_formula_is_flagged():
    us = UnitStep(kind="lstm", t=1, a=0.1, a_prev=0.0, c=0.9, c_prev=0.0, update=0.5, forget=0.5, output=0.5,
                  candidate=0.2)
    assert any("differs from the formula" in line for line in filled_equations(us))


def test_pattern_correlation_is_pearson_over_units():
    tokens = list("abab cab")
    rng = np.random.default_rng(1)
    values = rng.normal(size=(len(tokens), 5))
    indicator = np.array([1.0 if ch == "a" else 0.0 for ch in tokens])
    values[:, 3] = indicator * 2 + 0.01 * rng.normal(size=len(tokens))
    best = correlate_pattern(tokens, values, "a", top=5)
    reference = [np.corrcoef(values[:, u], indicator)[0, 1] for u in range(5)]
    assert best[0][0] == 3
    for unit, r in best:
        assert r == pytest.approx(reference[unit], abs=1e-12)
    assert [abs(r) for _, r in best] == pytest.approx(sorted((abs(r) for r in reference), reverse=True))


@pytest.mark.parametrize(("pattern", "words"), [("(", "not a valid regular expression"), ("z", "matches no token"),
                                                 (".", "matches every token")])
def test_bad_patterns_say_what_is_wrong(pattern, words):
    with pytest.raises(ValueError, match=words):
        correlate_pattern(list("abc"), np.zeros((3, 2)), pattern)


async def traced(app, pilot) -> GatesScreen:
    """The Gates screen once its model is loaded and the default text traced (two workers in turn)."""
    await settle(app, pilot, 3)
    await settle(app, pilot, 2)
    return app.screen


async def test_keys_repaint_every_heatmap_line_that_changes(app_factory, tiny_checkpoint):
    """Keys repaint only some lines of each heatmap: what is on screen must equal a full repaint."""
    from textual.geometry import Region

    app = app_factory("gates", checkpoint=tiny_checkpoint)
    async with app.run_test(size=(80, 30)) as pilot:  # narrow: the window of steps has to scroll
        screen = await traced(app, pilot)
        for key in ["right", "right", "down", "down", "up", "end", "left", "home", "down", "right"] + ["right"] * 8:
            await pilot.press(key)
            for heatmap in screen.heatmaps:
                crop = Region(0, 0, *heatmap.outer_size)
                shown = [strip.text for strip in heatmap.render_lines(crop)]
                heatmap._styles_cache.clear()
                fresh = [strip.text for strip in heatmap.render_lines(crop)]
                assert shown == fresh, (key, heatmap.title)
        assert screen.step > 0 and screen.unit > 0


async def test_keys_step_through_time_and_units(app_factory, tiny_checkpoint):
    app = app_factory("gates", checkpoint=tiny_checkpoint)
    async with app.run_test(size=SIZE) as pilot:
        screen = await traced(app, pilot)
        assert isinstance(screen, GatesScreen) and screen.traced
        assert screen.tokens[-1] == "<eos>" and "".join(screen.tokens[:-1]) == "tyrannosaurus"
        titles = [h.title for h in screen.heatmaps]
        assert titles == ["Γu update", "Γf forget", "Γo output", "c̃ candidate", "c memory cell", "a state"]
        await pilot.press("right", "right")
        assert screen.step == 2
        await pilot.press("down")
        assert screen.unit == 1
        panel = screen.query_one(EquationPanel)
        assert panel.unit_step.t == 2 and panel.unit == 1
        assert all(h.step == 2 and h.unit == 1 for h in screen.heatmaps)
        await pilot.press("end")
        assert screen.step == len(screen.tokens) - 1
        await pilot.press("home")
        assert screen.step == 0
        await pilot.press("space")
        await pilot.pause(0.8)
        assert screen.playing and screen.step >= 1
        await pilot.press("space")
        assert not screen.playing
        await pilot.press("slash")
        await pilot.press("s", "enter")
        await pilot.pause()
        layer = screen.current_layer()
        best = correlate_pattern(screen.tokens, layer.a[0], "s")
        assert screen.unit == best[0][0]
        assert "units tracking /s/" in str(screen.query_one("#matches").render())


async def test_typed_text_is_traced(app_factory, tiny_checkpoint):
    app = app_factory("gates", checkpoint=tiny_checkpoint)
    async with app.run_test(size=SIZE) as pilot:
        screen = await traced(app, pilot)
        await pilot.press("t")
        screen.query_one("#trace-text").value = ""
        await pilot.press(*"rex", "enter")
        await settle(app, pilot, 3)
        assert screen.tokens == ["r", "e", "x", "<eos>"]
        assert screen.heatmaps[0].values.shape == (4, 8)


async def test_a_missing_checkpoint_becomes_a_dialog(app_factory, tmp_path):
    app = app_factory("gates", checkpoint=str(tmp_path / "nothing-here"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot, 3)
        assert isinstance(app.screen, ErrorDialog)
        assert app.screen.title_text in ("Cannot do that", "File problem")
        await pilot.press("escape")
        assert "no model loaded" in str(app.screen.query_one("#gates-model").render())


def test_trace_dataclass_is_what_the_screen_reads():
    trace = Trace("lstm", (lstm_layer("forward"),))
    assert trace.layer(1, "forward").steps == 6


async def test_model_selector_switches_to_a_bundled_gru(app_factory, tiny_checkpoint):
    from textual.widgets import Select

    app = app_factory("gates", checkpoint=tiny_checkpoint)
    async with app.run_test(size=SIZE) as pilot:
        screen = await traced(app, pilot)
        assert screen.info.cell == "lstm"
        screen.query_one("#model", Select).value = "bundled:dinos-gru"
        for _ in range(4):
            await settle(app, pilot, 2)
        assert screen.info.cell.startswith("gru") and "GRU" in screen.info.variant_note
        assert [h.title for h in screen.heatmaps] == ["Γu update", "Γr relevance", "c̃ candidate", "a state"]
        lines = filled_equations(screen.query_one(EquationPanel).unit_step)
        assert any(line.startswith("c⟨1⟩ = Γu·c̃ + (1−Γu)·c⟨0⟩") for line in lines)
        assert not any("differs" in line for line in lines)
