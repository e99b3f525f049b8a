"""The Tasks screen's NPLM view, the save key (w) and a bidirectional sentiment model's two directions."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.cli import main
from explorer.jobs.tasks_nplm import bundled_path
from explorer.screens.tasks_nplm import nplm_diagram
from tests.explorer.test_tasks_screen import SIZE, _text, make_test_app, settle

TINY_NPLM = {"max_words": 3000, "dim": 6, "hidden": 8, "max_vocab": 300, "min_count": 1, "epochs": 1}


async def _open_nplm(app, pilot):
    await settle(app, pilot)
    app.screen.query_one("#task").value = "nplm"
    await pilot.pause()
    await settle(app, pilot)
    return app.screen


def test_bundled_nplm_is_small_and_readable_by_the_cli(capsys):
    assert sum(f.stat().st_size for f in bundled_path().iterdir()) < 2_100_000
    assert main(["nplm", "predict", str(bundled_path()), "she said that she would", "--json"]) == 0
    assert '"word": "be"' in capsys.readouterr().out


def test_nplm_diagram_has_a_column_per_context_word_and_pads_with_s():
    text = nplm_diagram(("a", "glass", "of"), n=4, top="wine", vocab=4000, width=120).plain
    lines = text.splitlines()
    assert "ŷ⟨t⟩ = wine" in lines[1] and "4,000 words" in lines[1]
    assert lines[4].strip().startswith("┌") and "┴" in lines[4] and lines[4].count("┬") == 2
    assert lines[5].split()[:4] == ["e⟨t−4⟩", "e⟨t−3⟩", "e⟨t−2⟩", "e⟨t−1⟩"]
    assert lines[7].split()[:4] == ["<s>", "a", "glass", "of"]
    narrow = nplm_diagram(("a", "glass", "of"), n=4, width=40).plain
    assert max(len(line) for line in narrow.splitlines()) <= 56 and "E·o" not in narrow


async def test_nplm_view_predicts_next_words_and_neighbours_in_e():
    from engine.embeddings.io import load_vectors
    from engine.embeddings.nplm import load_nplm, predict_next

    app = make_test_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_nplm(app, pilot)
        assert "NPLM (Bengio 2003): the last 4 words" in _text(screen, "#tasks-diagram")
        assert screen.check_action("neighbours", ()) and screen.check_action("teddy", ()) is None
        assert screen.check_action("save", ()) is None  # the bundled model: nothing of yours to save
        await pilot.press("n")
        await settle(app, pilot)
        shown = _text(screen, "#nplm-result")
        model, vocab, _ = load_nplm(bundled_path())
        expected = predict_next(model, vocab, "i want a glass of".split(), 8)
        for word, p in expected:
            assert f"{word} " in shown and f"{p:.3f}" in shown
        assert "E: nearest to glass" in shown  # the rarest context word by default
        near = load_vectors(str(bundled_path())).neighbours("glass", 8)  # E as the CLI's vectors
        assert near[0][0] in shown and f"{near[0][1]:+.2f}" in shown
        diagram = _text(screen, "#tasks-diagram")
        assert f"ŷ⟨t⟩ = {expected[0][0]}" in diagram and "glass" in diagram
        await pilot.press("e")
        await settle(app, pilot)
        assert "E: nearest to of" in _text(screen, "#nplm-result")
        screen.predict("a glass of orange")
        await settle(app, pilot)
        message = _text(screen, "#tasks-message")
        assert "'orange' is not in the vocabulary" in message and "4,000 words" in message
        screen.predict("  ")
        await settle(app, pilot)
        assert "the text is empty" in _text(screen, "#tasks-message")


async def test_nplm_trained_live_then_saved_for_the_cli(tmp_path, capsys):
    app = make_test_app(nplm_overrides=TINY_NPLM, runs_dir=str(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_nplm(app, pilot)
        screen.query_one("#epochs").value = "1"
        await pilot.press("t")
        await settle(app, pilot)
        panel = screen.nplm
        assert panel.trained and len(panel.ready.vocab) <= 300 and panel.ready.model.embedding.embedding_dim == 6
        assert not screen.training and "epoch 1/1: mean loss" in _text(screen, "#tasks-message")
        assert screen.check_action("save", ())
        await pilot.press("w")
        await settle(app, pilot)
        assert "saved to" in _text(screen, "#tasks-message")
    (folder,) = tmp_path.iterdir()
    assert folder.name.startswith("nplm-")
    assert main(["nplm", "predict", str(folder), "the", "--json"]) == 0
    assert '"probability"' in capsys.readouterr().out


async def test_task_trained_on_the_screen_is_saved_once_then_only_when_asked(tmp_path, monkeypatch, capsys):
    import explorer.screens.tasks as tasks_screen

    monkeypatch.setattr(tasks_screen.time, "strftime", lambda fmt: "fixed")
    overrides = {"n_dates": 200, "hidden": 8, "epochs": 1, "batch_size": 64, "embedding_dim": 8}
    app = make_test_app(task_overrides=overrides, runs_dir=str(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        screen.query_one("#task").value = "dates"
        await pilot.pause()
        assert screen.check_action("save", ()) is None  # bundled
        await pilot.press("t")
        await settle(app, pilot)
        assert screen.models["dates.rnn"][1] == "trained" and screen.check_action("save", ())
        await pilot.press("w")
        await settle(app, pilot)
        folder = tmp_path / "task-dates-lstm-fixed"
        assert f"saved to {folder}" in _text(screen, "#tasks-message")
        stamp = {f.name: f.stat().st_mtime_ns for f in folder.iterdir()}
        await pilot.press("w")
        await settle(app, pilot)
        assert "already exists: press w again to overwrite it" in _text(screen, "#tasks-message")
        assert {f.name: f.stat().st_mtime_ns for f in folder.iterdir()} == stamp  # refused: nothing written
        await pilot.press("w")
        await settle(app, pilot)
        assert "saved to" in _text(screen, "#tasks-message")
    assert main(["task", "predict", str(folder), "25th of March 2026", "--json"]) == 0
    assert '"output"' in capsys.readouterr().out


@pytest.fixture
def bi_sentiment(tmp_path):
    from engine.tasks.training import build_task
    from tests.engine.tasks.conftest import sentiment_lines, tiny

    data = tmp_path / "s.tsv"
    data.write_text("\n".join(sentiment_lines()) + "\n", encoding="utf-8")
    return build_task(tiny("sentiment", data, bidirectional=True, epochs=1))


async def test_bidirectional_sentiment_shows_both_directions(bi_sentiment, tmp_path, capsys):
    app = make_test_app(runs_dir=str(tmp_path / "runs"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        screen.models["sentiment.rnn"] = (bi_sentiment, "trained")
        screen.predict("the film was not good")
        await settle(app, pilot)
        shown = _text(screen, "#tasks-result-text")
        # independent: the head's weight split by hand on the encoder's states
        import torch

        model = bi_sentiment.model
        ids = torch.tensor([bi_sentiment.vocab.encode("the film was not good".split())])
        out = model.encoder(model.embedding(ids), torch.tensor([5])).out[0].detach().numpy()
        W = model.head.linear.weight.detach().numpy()
        H = W.shape[1] // 2
        fwd, bwd = W[:, :H] @ out[4, :H], W[:, H:] @ out[0, H:]
        assert f"{'W→·→a⟨Tx⟩':<11}{fwd[0]:+9.2f}{fwd[1]:+9.2f}{fwd[1] - fwd[0]:+9.2f}" in shown
        assert f"{'W←·←a⟨1⟩':<11}{bwd[0]:+9.2f}{bwd[1]:+9.2f}{bwd[1] - bwd[0]:+9.2f}" in shown
        assert not np.allclose(fwd, bwd)
        await pilot.press("w")
        await settle(app, pilot)
        (folder,) = (tmp_path / "runs").iterdir()
        assert folder.name.startswith("task-sentiment-lstm-bi-")
    assert main(["task", "predict", str(folder), "not good", "--json"]) == 0
    assert '"label"' in capsys.readouterr().out
