"""Pilot tests of the Embeddings screen: scatter and lookup on fixed vectors, tiny word2vec and GloVe runs,
the form's options reaching the engine's config and its refusals shown under it."""

from __future__ import annotations

import asyncio
import threading
import time

import numpy as np

from explorer.jobs import vectors as vectors_job
from explorer.widgets.embedding_lookup import EmbeddingLookup
from explorer.jobs.vectors import store_for
from explorer.widgets.scatter import Scatter
from tests.explorer.test_analogies_screen import make_test_app, run_async, settle, tiny_vectors


def tiny_corpus(path, sentences: int = 400, seed: int = 0) -> None:
    """Two topics that never mix: royal words and city words (a planted structure)."""
    rng = np.random.default_rng(seed)
    royal = "king queen prince princess crown throne palace royal".split()
    city = "paris rome berlin madrid street tram bridge market".split()
    lines = []
    for i in range(sentences):
        words = royal if i % 2 else city
        lines.append(" ".join(rng.choice(words, size=8)))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


async def set_form(app, pilot, prefix: str = "embeddings", **values: str) -> None:
    """Set the form's controls by id (``prefix``: "glove" for GloVe's own settings)."""
    for key, value in values.items():
        app.screen.query_one(f"#{prefix}-{key.replace('_', '-')}").value = value
    await pilot.pause()


async def wait_for(app, pilot, predicate, timeout: float = 300.0) -> bool:
    """Poll ``predicate`` until it holds or ``timeout`` seconds have passed (wall clock, not a number of
    rounds: on a loaded machine the worker's first step, which imports torch, can take a minute)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)  # not pilot.pause: it waits for an idle app, which a streaming run delays
    return True


def line(app, widget_id: str) -> str:
    return str(app.screen.query_one(f"#{widget_id}").render())


@run_async
async def test_scatter_and_lookup_on_fixed_vectors():
    wv = tiny_vectors()
    app = make_test_app(wv, screen="embeddings")
    async with app.run_test(size=(120, 40)) as pilot:
        await set_form(app, pilot, watch_words="king paris zzz")
        await pilot.press("ctrl+l")
        await settle(app, pilot)
        scatter = app.screen.query_one(Scatter)
        labels = [p.label for p in scatter.points]
        assert labels[0] == "king" and "paris" in labels
        assert {p.group for p in scatter.points} == {0, 1}
        # king's group holds king and its 4 nearest neighbours, by the vectors' own cosine
        king_group = [p.label for p in scatter.points if p.group == 0]
        assert king_group == ["king"] + [w for w, _ in wv.neighbours("king", 4)]
        # PCA: the coordinates are the centred data projected on the top-2 principal axes
        matrix = np.stack([wv.vector(w) for w in labels])
        centred = matrix - matrix.mean(axis=0)
        xy = np.array([(p.x, p.y) for p in scatter.points])
        top2 = np.linalg.svd(centred, compute_uv=False)[:2] ** 2
        assert np.allclose(sorted(np.linalg.eigvalsh(xy.T @ xy)), sorted(top2), rtol=1e-3)
        assert "not in the vocabulary: zzz" in str(app.screen.query_one("#embeddings-scatter-panel").border_subtitle)
        view = app.screen.query_one(EmbeddingLookup).view
        assert view.word == "king" and view.j == wv.index("king")
        assert np.allclose(view.e_j, wv.vector("king")[: len(view.e_j)])
        assert view.max_error == 0.0


@run_async
async def test_first_frame_shows_loading_then_plots(monkeypatch):
    release = threading.Event()
    wv = tiny_vectors()
    monkeypatch.setattr(vectors_job, "load_pretrained", lambda source: (release.wait(10), wv)[1])
    app = make_test_app(None, screen="embeddings")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert "loading GloVe" in app.screen.query_one(Scatter).message
        release.set()
        await settle(app, pilot)
        assert await wait_for(app, pilot, lambda: bool(app.screen.query_one(Scatter).points))
        assert store_for(app).pretrained is wv


@run_async
async def test_tiny_word2vec_run_trains_and_feeds_the_analogies_screen(tmp_path, monkeypatch):
    from explorer.screens import embeddings

    monkeypatch.setattr(embeddings, "WATCH_EVERY", 500)  # refresh the watch-list often on a tiny corpus
    corpus = tmp_path / "tiny.txt"
    tiny_corpus(corpus)
    app = make_test_app(tiny_vectors(), screen="embeddings")
    async with app.run_test(size=(120, 40)) as pilot:
        await set_form(app, pilot, corpus=str(corpus), dim="8", window="2", epochs="2", min_count="1",
                       watch_words="king paris")
        await pilot.press("ctrl+r")
        assert await wait_for(app, pilot, lambda: not app.screen.running)
        await settle(app, pilot)
        trained = store_for(app).trained
        assert trained is not None and trained.dim == 8
        assert set(trained.words) == set(corpus.read_text().split())
        assert "finished (completed)" in line(app, "embeddings-progress-line")
        bar = app.screen.query_one("#embeddings-progress")
        assert bar.percentage == 1.0  # a completed run's bar is full, not where the last report left it
        assert app.screen.which == "trained"
        watch = line(app, "embeddings-watch")
        assert "king →" in watch and "paris →" in watch  # neighbours refreshed during training
        # the scatter now shows the trained vectors: king and its neighbours by the trained model
        points = app.screen.query_one(Scatter).points
        assert [p.label for p in points if p.group == 0] == ["king"] + [w for w, _ in trained.neighbours("king", 4)]
        assert "paris" in {p.label for p in points}
        # ctrl+s saves them in the project format, readable by --embeddings DIR
        app.options["runs_dir"] = str(tmp_path / "runs")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        saved = list((tmp_path / "runs").iterdir())
        assert len(saved) == 1 and saved[0].name.startswith("word2vec-")
        assert f"--embeddings {saved[0]}" in line(app, "embeddings-progress-line")
        from engine.embeddings.io import load_vectors

        again = load_vectors(str(saved[0]))
        assert again.words == trained.words and np.allclose(again.vectors, trained.vectors)
        text = load_vectors(str(saved[0] / "vectors.txt"))  # and the word2vec text format beside it
        assert text.words == trained.words and np.allclose(text.vectors, trained.vectors, atol=1e-6)
        # the Analogies screen can query the trained model
        await pilot.press("5")
        await settle(app, pilot)
        await pilot.press("ctrl+g")
        await settle(app, pilot)
        assert "trained word2vec" in line(app, "analogies-options")


@run_async
async def test_stop_ends_a_run_early_and_keeps_the_vectors(tmp_path):
    from textual.widgets import ProgressBar

    corpus = tmp_path / "tiny.txt"
    tiny_corpus(corpus, sentences=3000)
    app = make_test_app(tiny_vectors(), screen="embeddings")
    async with app.run_test(size=(120, 40)) as pilot:
        # 120 million words: tens of seconds even on an idle machine, so the stop always comes mid-run
        # (with 200 epochs the run could end, on an idle machine, before the test saw it running).
        await set_form(app, pilot, corpus=str(corpus), dim="8", window="2", epochs="5000", min_count="1")
        await pilot.press("ctrl+r")
        bar = app.screen.query_one("#embeddings-progress", ProgressBar)
        assert await wait_for(app, pilot, lambda: (bar.progress or 0) > 0)  # a Progress event was shown
        assert "words/s" in line(app, "embeddings-progress-line") and app.screen.running
        await pilot.press("escape")
        assert await wait_for(app, pilot, lambda: not app.screen.running)
        await settle(app, pilot)
        assert "finished (stopped)" in line(app, "embeddings-progress-line")
        assert store_for(app).trained is not None
        assert bar.progress < bar.total  # it stopped before the end


@run_async
async def test_bad_settings_are_reported_under_the_form(tmp_path):
    app = make_test_app(tiny_vectors(), screen="embeddings")
    async with app.run_test(size=(120, 40)) as pilot:
        await set_form(app, pilot, dim="0")
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert not app.screen.running  # refused on the UI thread: no run started
        assert line(app, "embeddings-form-message") == "dim must be an integer >= 1, got 0"
        assert app.screen.__class__.__name__ == "EmbeddingsScreen"  # inline, no dialog
        assert app.focused is app.screen.query_one("#embeddings-dim")  # back to the field at fault
        # the config's field name is said in the form's words: min_count is "min count"
        await set_form(app, pilot, dim="8", min_count="0")
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert line(app, "embeddings-form-message") == "min count must be an integer >= 1, got 0"
        assert app.focused is app.screen.query_one("#embeddings-min-count")
        # an empty box says so, in the form's words
        await set_form(app, pilot, min_count="")
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert line(app, "embeddings-form-message") == "min count is empty: type a whole number"
        # a missing corpus file is refused before a worker starts, and the corpus box gets the focus
        await set_form(app, pilot, min_count="1", corpus=str(tmp_path / "missing.txt"))
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert "missing.txt" in line(app, "embeddings-form-message") and not app.screen.running
        assert app.focused is app.screen.query_one("#embeddings-corpus")
        # GloVe's own settings: α = 0 is refused by GloveConfig, named α as on the form
        await set_form(app, pilot, method="glove", corpus="default")
        await set_form(app, pilot, "glove", alpha="0")
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert line(app, "embeddings-form-message") == "α must be > 0, got 0.0"
        assert app.focused is app.screen.query_one("#glove-alpha")
        # the message goes once the settings are good (here: the config builds; nothing is run)
        await set_form(app, pilot, "glove", alpha="0.75")
        method, config = app.screen.build_config()
        assert method == "glove" and config.alpha == 0.75 and config.x_max == 100.0


@run_async
async def test_negatives_option_reaches_the_config():
    from engine.embeddings.glove_config import GloveConfig
    from engine.embeddings.w2v_config import Word2VecConfig

    app = make_test_app(tiny_vectors(), screen="embeddings")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        note = lambda: line(app, "embeddings-note")  # noqa: E731
        method, config = screen.build_config()
        assert isinstance(config, Word2VecConfig) and config.negatives == "shared" and "share" in note()
        await set_form(app, pilot, negatives="per-pair", model="cbow")
        method, config = screen.build_config()
        assert (config.negatives, config.model, config.loss) == ("per-pair", "cbow", "negative")
        assert "K fresh negatives for every (context, target) pair" in note()
        assert "(per-pair)" in config.describe()
        # the option belongs to negative sampling: hidden under hierarchical softmax
        await set_form(app, pilot, loss_kind="hierarchical")
        assert not screen.query_one("#embeddings-negatives-row").display and "Huffman" in note()
        # GloVe: its own settings, word2vec's hidden
        await set_form(app, pilot, method="glove")
        await set_form(app, pilot, "glove", x_max="50", alpha="0.5", dim="16", window="4", epochs="3")
        assert not screen.query_one("#embeddings-w2v-settings").display
        assert screen.query_one("#embeddings-glove-settings").display
        method, config = screen.build_config()
        assert isinstance(config, GloveConfig) and method == "glove"
        assert (config.x_max, config.alpha, config.dim, config.window, config.epochs) == (50.0, 0.5, 16, 4, 3)
        assert config.watch == ("king", "france", "two", "good")


@run_async
async def test_glove_choice_trains_saves_and_loads(tmp_path, monkeypatch):
    from engine.embeddings.io import load_vectors
    from explorer.screens import embeddings

    monkeypatch.setattr(embeddings, "GLOVE_WATCH_EVERY", 50)  # refresh the watch-list often on a tiny corpus
    corpus = tmp_path / "tiny.txt"
    tiny_corpus(corpus)
    app = make_test_app(tiny_vectors(), screen="embeddings")
    app.options["runs_dir"] = str(tmp_path / "runs")
    async with app.run_test(size=(120, 40)) as pilot:
        await set_form(app, pilot, method="glove", corpus=str(corpus), watch_words="king paris")
        await set_form(app, pilot, "glove", dim="8", window="2", epochs="50", min_count="1")
        await pilot.press("ctrl+r")  # (a run this small may be over by the time the key press returns)
        assert "training GloVe" in str(app.screen.query_one("#embeddings-live").border_title)
        assert await wait_for(app, pilot, lambda: not app.screen.running)
        await settle(app, pilot)
        trained = store_for(app).trained
        assert trained is not None and trained.dim == 8 and trained.name.startswith("GloVe")
        assert set(trained.words) == set(corpus.read_text().split())
        assert "finished (completed)" in line(app, "embeddings-progress-line")
        epochs = line(app, "embeddings-epochs-line")
        assert "mean loss per epoch (of 50)" in epochs and "50: " in epochs
        watch = line(app, "embeddings-watch")
        assert "entries" in watch and "king →" in watch and "paris →" in watch
        # GloVe learns the planted topics: king's 7 nearest neighbours are the other royal words
        royal = set("king queen prince princess crown throne palace royal".split())
        assert {w for w, _ in trained.neighbours("king", 7)} == royal - {"king"}
        assert "trained GloVe" in str(app.screen.query_one("#embeddings-scatter-panel").border_title)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        saved = list((tmp_path / "runs").iterdir())
        assert len(saved) == 1 and saved[0].name.startswith("glove-")
        assert f"--embeddings {saved[0]}" in line(app, "embeddings-progress-line")
        for path in (saved[0], saved[0] / "vectors.txt"):
            again = load_vectors(str(path))
            assert again.words == trained.words and np.allclose(again.vectors, trained.vectors, atol=1e-6)
        # the Analogies screen queries them, named for what trained them
        await pilot.press("5")
        await settle(app, pilot)
        await pilot.press("ctrl+g")
        await settle(app, pilot)
        assert "trained GloVe (completed)" in line(app, "analogies-options")


@run_async
async def test_tsne_switch_uses_the_engine_projection_seeded():
    from engine.embeddings import projection

    wv = tiny_vectors()
    app = make_test_app(wv, screen="embeddings")
    async with app.run_test(size=(120, 40)) as pilot:
        await set_form(app, pilot, watch_words="king paris")
        await pilot.press("ctrl+o")
        await settle(app, pilot)
        scatter = app.screen.query_one(Scatter)
        assert scatter.x_label == "t-SNE 1"
        assert "t-SNE" in str(app.screen.query_one("#embeddings-scatter-panel").border_title)
        words = [p.label for p in scatter.points]
        expected = projection.tsne(np.stack([wv.vector(w) for w in words]), seed=0)
        assert np.allclose([(p.x, p.y) for p in scatter.points], expected, atol=1e-6)
        await pilot.press("ctrl+o")  # back to PCA
        await settle(app, pilot)
        assert app.screen.query_one(Scatter).x_label == "PC1"


@run_async
async def test_mouse_choose_cbow_and_type_a_lookup_word():
    wv = tiny_vectors()
    app = make_test_app(wv, screen="embeddings")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.click("#embeddings-model")  # opens the drop-down
        await pilot.pause()
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.screen.query_one("#embeddings-model").value == "cbow"
        await pilot.click("#embeddings-lookup-word")
        app.screen.query_one("#embeddings-lookup-word").value = ""
        await pilot.press(*"queen", "enter")
        await settle(app, pilot)
        view = app.screen.query_one(EmbeddingLookup).view
        assert view.word == "queen" and view.j == wv.index("queen")
        await pilot.press("ctrl+a", "ctrl+k", *"qeen", "enter")
        await settle(app, pilot)
        lookup = app.screen.query_one(EmbeddingLookup)
        assert lookup.view is None and "did you mean queen" in lookup.message


def test_render_scatter_places_points_labels_and_axes():
    from explorer.widgets.scatter import Point, render_scatter

    points = [Point("left", -1.0, 0.0), Point("right", 1.0, 0.0, 1), Point("top", 0.0, 2.0, 2),
              Point("bottom", 0.0, -2.0, 3)]
    lines = [line.plain for line in render_scatter(points, 40, 12, x_label="PC1", y_label="PC2")]
    assert len(lines) == 12 and all(len(line) <= 40 for line in lines)
    plot = lines[:9]
    assert plot[0].rstrip().endswith("●top") or "top" in plot[0]  # highest y on the first row
    assert "●" in plot[-1] and "bottom" in "".join(plot[-2:])
    margin = lines[0].index("┤") + 1
    assert plot[4][margin] == "●"  # x = −1 is the first plot column (y = 0 is the middle row)
    assert plot[4].rstrip()[-1] in "●t"  # x = +1 is the last column (its label goes left)
    assert lines[0].startswith(" 2.00┤") and "-2.00┤" in lines[8]
    assert lines[10].split() == ["-1.00", "0", "1.00"]
    assert lines[11].strip().startswith("PC1 →") and "4 words" in lines[11]
    # labels that cannot be placed are counted, not drawn over each other
    crowded = [Point(f"w{i}", 0.0, 0.0) for i in range(6)]
    footer = render_scatter(crowded, 30, 8)[-1].plain
    assert footer.strip() == "6 words · 2 hidden"  # 6 markers share a cell; 4 labels fit around it


def test_watch_lines_fit_whole_neighbours_in_the_width():
    from explorer.screens.embeddings_text import watch_lines

    near = (("king", (("queen", 0.71), ("prince", 0.68), ("monarch", 0.6), ("throne", 0.5), ("crown", 0.4))),
            ("paris", (("branched-chain", 0.61), ("rome", 0.5))), ("zzz", ()))
    lines = watch_lines(near, "nearest neighbours at 1,000 words:", width=31).splitlines()
    assert lines[0] == "nearest neighbours at 1,000 words:"
    assert lines[1] == " king → queen 0.71  prince 0.68" and len(lines[1]) == 31  # monarch would not fit
    assert lines[2] == "paris → branched-chain 0.61"  # whole neighbours only, at least one
    assert lines[3] == "  zzz → (not in the vocabulary)"
    assert watch_lines(near).splitlines()[0].count(" 0.") == 5  # no width: up to five
