"""The Generate screen: samples with new/seen marks, step-through bars, sentence probability."""

from __future__ import annotations

import math

import numpy as np
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
        # choose the first sample: the walk shows P(next | prefix) at every step, the model's own and
        # the distribution the sample was drawn from (T 0.8, every token)
        await pilot.press("enter")
        await settle(app, pilot, 3)
        assert screen.walking and screen.step == 0
        await pilot.press("right")
        assert screen.step == 1
        step = screen.walk.steps[1]
        reference = sorted(lm.step_distribution(model, list(step.prefix), k=30), key=lambda tp: -tp[1])[:10]
        assert [c.token for c in step.candidates][:10] == [t for t, _ in reference]
        assert [c.model for c in step.candidates][:10] == pytest.approx([p for _, p in reference], abs=1e-6)
        bars = screen.query_one(ProbabilityBars)
        assert bars.rows == [(c.token, c.sampled, c.model) for c in step.candidates] and bars.chosen == step.chosen
        assert bars.sampled_title == "sampled T 0.8 · all"
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


def softmax_over_top_k(z: np.ndarray, temperature: float, top_k: int) -> np.ndarray:
    """The reference: softmax(z/T) restricted to the top-k logits (UNK never drawn), by hand."""
    from engine.text import UNK_ID

    z = z.astype(np.float64).copy()
    z[UNK_ID] = -np.inf
    keep = np.argsort(-z)[:top_k]
    out = np.zeros_like(z)
    e = np.exp(z[keep] / temperature - (z[keep] / temperature).max())
    out[keep] = e / e.sum()
    return out


async def test_the_bars_show_the_distribution_sampled_from_at_the_chosen_temperature_and_top_k(
        app_factory, tiny_checkpoint):
    """At T = 0.5 and top-k = 4 the sampled bars are softmax(z/T) on the 4 likeliest tokens (numpy), the
    model's own bars softmax(z) — both labelled; the settings are those the samples were drawn with."""
    import torch

    from engine import lm
    from engine.text import EOS_ID

    app = app_factory("generate", checkpoint=tiny_checkpoint)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot, 3)
        screen = app.screen
        screen.query_one("#temperature").value = "0.5"
        screen.query_one("#top_k").value = "4"
        await pilot.press("g")
        await settle(app, pilot, 3)
        screen.query_one("#temperature").value = "3"  # changed after sampling: the walk keeps 0.5
        await pilot.press("enter")
        await settle(app, pilot, 3)
        await pilot.press("right", "right")
        walk, t = screen.walk, screen.step
        assert (walk.temperature, walk.top_k, t) == (0.5, 4, 2)
        model = lm.load_language_model(tiny_checkpoint)
        ids = model.vocab.encode(list(walk.text)) + [EOS_ID]
        with torch.no_grad():
            z = model.forward(torch.tensor([ids]))[0][0, t].double().numpy()
        want = softmax_over_top_k(z, 0.5, 4)
        own = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
        bars = screen.query_one(ProbabilityBars)
        for token, sampled, mine in bars.rows:
            i = EOS_ID if token == "<eos>" else model.vocab.encode([token])[0]
            assert sampled == pytest.approx(want[i], abs=1e-6) and mine == pytest.approx(own[i], abs=1e-6)
        assert sum(sampled > 0 for _t, sampled, _m in bars.rows) == 4
        assert bars.sampled_title == "sampled T 0.5 · top 4"
        shown = "\n".join(strip.text for strip in bars.render_lines(bars.region.reset_offset))
        assert "sampled T 0.5 · top 4" in shown and "model's own T 1" in shown and "—" in shown


async def test_generate_opens_on_the_run_just_trained_and_goes_back_to_a_bundled_model(app_factory,
                                                                                   tiny_checkpoint):
    """The app's current model is the run the Train screen saved: Generate loads it (its best/ when it
    has one), says so, and choosing a bundled model in the box makes that the current model."""
    from explorer.model_choice import ModelChoice

    app = app_factory("train", autoload=True)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.current_model.is_bundled
        app.current_model = ModelChoice(tiny_checkpoint, "trained", 800)  # as the Train screen does on Finished
        await pilot.press("3")
        await settle(app, pilot, 3)
        screen = app.screen
        assert isinstance(screen, GenerateScreen) and screen.loaded_choice == tiny_checkpoint
        assert screen.info.path == tiny_checkpoint
        label = str(screen.query_one("#gen-model").render())
        assert "your run, step 800 · char lstm 1×8" in label
        assert screen.query_one("#model").value == tiny_checkpoint  # the box names the run
        assert "back to a bundled model" in str(screen.query_one("StatusBar").render())
        screen.query_one("#model").value = "bundled:dinos-lstm"
        await settle(app, pilot, 3)
        assert app.current_model == ModelChoice("bundled:dinos-lstm", "bundled")
        assert screen.loaded_choice == "bundled:dinos-lstm" and "dinos" in screen.info.path
        # a newer save while another screen is shown: loaded when Generate is shown again
        await pilot.press("1")
        app.current_model = ModelChoice(tiny_checkpoint, "trained", 900)
        await pilot.pause()
        assert screen.loaded_choice == "bundled:dinos-lstm"
        await pilot.press("3")
        await settle(app, pilot, 3)
        assert screen.loaded_choice == tiny_checkpoint and "step 900" in str(screen.query_one("#gen-model").render())
        # a save while Generate is on screen (training goes on in the background): what is shown
        # stays, the status says where the new one is, and it loads when the screen is shown again
        samples_before = screen.loaded_choice
        app.current_model = ModelChoice(tiny_checkpoint, "trained", 1000)
        await settle(app, pilot, 2)
        assert screen.loaded_choice == samples_before and "step 900" in str(screen.query_one("#gen-model").render())
        assert "saved at step 1,000" in str(screen.query_one("StatusBar").render())
        await pilot.press("1")
        await pilot.press("3")
        await settle(app, pilot, 3)
        assert "step 1,000" in str(screen.query_one("#gen-model").render())
