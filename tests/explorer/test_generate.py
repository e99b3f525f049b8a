"""The Generate screen: samples with new/seen marks, step-through bars, sentence probability."""

from __future__ import annotations

import math

import pytest

from engine.events import Sample
from explorer.screens.dialogs import ErrorDialog
from explorer.screens.generate import GenerateScreen, score_rows, score_summary
from explorer.widgets.prob_bars import ProbabilityBars, bar
from tests.explorer.conftest import SIZE, settle


def test_bar_has_eighth_cell_resolution():
    assert bar(1.0, 4) == "████"
    assert bar(0.0, 4) == "    "
    assert bar(0.5 + 1 / 32, 4) == "██▏ "


def test_score_rows_read_the_engine_result_and_summarise():
    from engine.lm import SentenceScore, TokenScore

    tokens = (TokenScore("a", 0.5, math.log(0.5)), TokenScore("zz", 0.25, math.log(0.25), is_unk=True),
              TokenScore("<eos>", 0.8, math.log(0.8), is_eos=True))
    total = sum(t.log_probability for t in tokens)
    result = SentenceScore(tokens, total, math.exp(-total / 3), math.exp(total), 1)
    rows, log_p, ppl = score_rows(result)
    assert rows == [("a", 0.5, False), ("zz", 0.25, True), ("<eos>", 0.8, False)]
    assert log_p == pytest.approx(math.log(0.1)) and ppl == pytest.approx(0.1 ** (-1 / 3))
    summary = score_summary(rows, log_p, ppl)
    assert "P = Π P⟨t⟩ = 1.000e-01" in summary and "1 UNK" in summary and "EOS included" in summary


async def test_sample_step_through_and_score(app_factory, tiny_checkpoint):
    from engine import lm

    app = app_factory("generate", checkpoint=tiny_checkpoint)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot, 3)
        screen = app.screen
        assert isinstance(screen, GenerateScreen) and screen.model_ready
        assert "lstm" in str(screen.query_one("#gen-model").render())
        await pilot.press("g")
        await settle(app, pilot, 3)
        model = lm.load_language_model(tiny_checkpoint)
        expected = lm.sample(model, 10, 0.8, None, "", 40, 0)
        assert [s.text for s in screen.samples] == [s.text for s in expected]
        # choose the first sample: the walk shows P(next | prefix) at every step
        await pilot.press("enter")
        await settle(app, pilot, 3)
        assert screen.walking and screen.step == 0
        await pilot.press("right")
        assert screen.step == 1
        step = screen.walk.steps[1]
        reference = sorted(lm.step_distribution(model, list(step.prefix)), key=lambda tp: -tp[1])[:10]
        assert [t for t, _ in step.candidates] == [t for t, _ in reference]
        bars = screen.query_one(ProbabilityBars)
        assert bars.items == list(step.candidates) and bars.chosen == step.chosen
        await pilot.press("left", "left")
        assert screen.step == 0
        # sentence probability
        await pilot.press("e")
        await pilot.press(*"abc", "enter")
        await settle(app, pilot, 3)
        text = screen.score_text
        score = lm.sentence_probability(model, "abc")
        assert f"log P = {score.log_probability:.3f}" in text
        assert f"perplexity = {score.perplexity:.2f}" in text


async def test_new_and_seen_marks(app_factory):
    app = app_factory("generate")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        screen.show_samples([Sample("rex", True), Sample("zoro", False), Sample("the", None)])
        await pilot.pause()
        options = screen.query_one("#samples")
        labels = [str(options.get_option_at_index(i).prompt) for i in range(3)]
        assert labels == ["○ rex", "✓ zoro", "  the"]


async def test_bad_temperature_and_engine_refusals_become_dialogs(app_factory, tiny_checkpoint):
    app = app_factory("generate", checkpoint=tiny_checkpoint)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot, 3)
        screen = app.screen
        screen.query_one("#temperature").value = "hot"
        await pilot.press("g")
        assert isinstance(app.screen, ErrorDialog) and "temperature must be a number" in app.screen.message
        await pilot.press("escape")
        await pilot.pause()
        assert screen.focused is screen.query_one("#temperature")  # back to the box to fix
        screen.query_one("#temperature").value = "0.8"
        screen.query_one("#n").value = "0"
        await pilot.press("escape")  # leave the box: g is a key again
        await pilot.press("g")
        assert isinstance(app.screen, ErrorDialog) and "n must be ≥ 1, got 0" in app.screen.message


async def test_keys_are_dimmed_until_a_model_is_loaded(app_factory):
    app = app_factory("generate")
    async with app.run_test(size=SIZE):
        screen = app.screen
        assert screen.check_action("generate", ()) is None
        assert screen.check_action("step", (1,)) is None
