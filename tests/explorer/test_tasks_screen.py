"""The Tasks screen (key 7): bundled models predict at once, bad input is one line, a tiny real run replaces the model."""

from __future__ import annotations

import pytest

from explorer.app import make_app
from explorer.jobs.tasks import BUNDLED_TASK_MODELS, bundled_path
from explorer.screens.tasks_text import diagram
from tests.explorer.conftest import settle

SIZE = (120, 40)


def make_test_app(**options):
    app = make_app(screen="tasks", preload_torch=False, device="cpu", options={"device": "cpu", **options})
    app.device_name = "cpu"
    return app


def _text(screen, selector: str) -> str:
    return str(screen.query_one(selector).render())


# ------------------------------------------------------------------ the bundled checkpoints

@pytest.fixture(scope="module")
def bundled():
    from engine.tasks.io import load_task

    return {slot: load_task(bundled_path(name), task=slot.split(".")[0]) for slot, name in BUNDLED_TASK_MODELS.items()}


def test_bundled_checkpoints_are_small_and_load(bundled):
    total = sum(f.stat().st_size for name in BUNDLED_TASK_MODELS.values() for f in bundled_path(name).iterdir())
    assert total < 6_000_000
    assert bundled["ner.rnn"].config.bidirectional
    assert bundled["dates.rnn"].config.attention


def test_bundled_sentiment_models_read_sensibly(bundled):
    for slot in ("sentiment.rnn", "sentiment.average"):
        model = bundled[slot]
        assert model.predict("a wonderful , moving film").label == "positive", slot
        assert model.predict("a dull , boring and lifeless mess").label == "negative", slot


def test_bundled_dates_and_ner_models_predict(bundled):
    out = bundled["dates.rnn"].translate("25th of March 2026")
    assert out.output == "2026-03-25"
    assert out.attention.shape[1] == len("25th of March 2026")
    pred = bundled["ner.rnn"].predict("He said , Teddy Roosevelt was a great President")
    assert len(pred.tags) == 9 and pred.tags[0] == "O"
    assert bundled["ner.rnn"].teddy().max_difference > 0.0  # bidirectional: what follows Teddy matters


def test_diagram_draws_every_step_and_both_directions():
    from engine.tasks.architecture import architecture

    text = diagram(architecture("ner", bidirectional=True, steps=4)).plain
    assert text.count("↑") == 12 and "←a⟨1⟩ ←" in text and "→a⟨1⟩ →" in text
    enc = diagram(architecture("dates", attention=True, steps=3, output_steps=3)).plain
    assert " α " in enc and "s⟨1⟩ →" in enc
    avg = diagram(architecture("sentiment", model="average", steps=4)).plain
    assert "mean e" in avg and "┌" in avg and "→" not in avg.split("\n", 1)[1].replace("→ label", "")


# ------------------------------------------------------------------ the screen

async def test_example_prediction_and_bad_input_are_one_line():
    app = make_test_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert set(screen.models) == set(BUNDLED_TASK_MODELS)
        await pilot.press("n")
        await settle(app, pilot)
        shown = _text(screen, "#tasks-result-text")
        assert "LSTM →: positive" in shown and "averaging" in shown and "film" in shown
        for text, words in (("", "the text is empty"), ("zzqxw qqzzv", "none of the words")):
            screen.predict(text)
            await settle(app, pilot)
            message = _text(screen, "#tasks-message")
            assert words in message and "\n" not in message.strip()
        screen.query_one("#epochs").value = "0"
        await pilot.press("t")
        await pilot.pause()
        assert "epochs must be a positive integer" in _text(screen, "#tasks-message")
        assert not screen.training


async def test_ner_teddy_is_one_key_away():
    app = make_test_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        screen.query_one("#task").value = "ner"
        await pilot.pause()
        await pilot.press("n")
        await settle(app, pilot)
        shown = _text(screen, "#tasks-result-text")
        assert "W→·→a" in shown and "Roosevelt" in shown
        await pilot.press("y")
        await settle(app, pilot)
        assert "Teddy Roosevelt vs Teddy bears (bidirectional tagger)" in _text(screen, "#tasks-result-text")


async def test_tiny_real_training_replaces_the_shown_model():
    overrides = {"n_dates": 200, "hidden": 8, "epochs": 1, "batch_size": 64, "embedding_dim": 8}
    app = make_test_app(task_overrides=overrides)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        screen.query_one("#task").value = "dates"
        await pilot.pause()
        assert "encoder-decoder" in _text(screen, "#tasks-diagram")
        await pilot.press("t")
        await settle(app, pilot)
        model, origin = screen.models["dates.rnn"]
        assert origin == "trained" and model.config.hidden == 8
        assert "training completed" in _text(screen, "#tasks-message")
        await pilot.press("n")
        await settle(app, pilot)
        assert "output" in _text(screen, "#tasks-result-text")
