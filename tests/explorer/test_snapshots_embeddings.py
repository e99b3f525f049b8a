"""SVG snapshots of the Embeddings and Analogies screens, fed deterministic data.

The vectors are the small fixed matrix of the pilot tests (never GloVe), training is a
scripted event stream with fixed numbers, so timing cannot change the picture.
Regenerate with ``pytest tests/explorer/test_snapshots_embeddings.py --snapshot-update``.
"""

from __future__ import annotations

import numpy as np

from engine.embeddings.events import EmbeddingsStarted, EpochFinished, Progress, WatchNeighbours
from engine.embeddings.glove_events import Counting
from tests.explorer.conftest import feed
from tests.explorer.test_analogies_screen import make_test_app, settle, tiny_vectors

SIZE = (120, 40)
SMALL = (80, 24)


def _app(screen: str):
    app = make_test_app(tiny_vectors(), screen=screen)
    app.device_name = "cpu"
    return app


async def _ask(pilot, text: str) -> None:
    app = pilot.app
    box = app.screen.query_one("#analogies-query")
    box.value = text
    box.cursor_position = len(text)
    await pilot.press("enter")
    await settle(app, pilot)


def test_analogies_answer(snap_compare):
    async def run_before(pilot):
        await settle(pilot.app, pilot)
        await _ask(pilot, "man : woman :: king : ?")

    assert snap_compare(_app("analogies"), run_before=run_before, terminal_size=SIZE)


def test_analogies_unknown_word_and_debias(snap_compare):
    async def run_before(pilot):
        await settle(pilot.app, pilot)
        await pilot.press("ctrl+b")
        await settle(pilot.app, pilot)
        await _ask(pilot, "man : woman :: kign : ?")

    assert snap_compare(_app("analogies"), run_before=run_before, terminal_size=SIZE)


def test_analogies_3cosmul_with_query_words(snap_compare):
    async def run_before(pilot):
        await settle(pilot.app, pilot)
        await pilot.press("ctrl+o", "ctrl+t")
        await _ask(pilot, "paris : france :: rome : italy")

    assert snap_compare(_app("analogies"), run_before=run_before, terminal_size=SIZE)


def _scripted_training(vectors) -> list[object]:
    events: list[object] = [EmbeddingsStarted(total_words=200_000, vocab_size=22, corpus_words=210_000, device="cpu",
                                    workers=2, description="skipgram + negative K=5, D=50, window=5")]
    for k in range(1, 41):
        loss = 4.0 * np.exp(-k / 12) + 1.5 + 0.05 * np.sin(k)
        events.append(Progress(words_done=k * 2_000, total_words=200_000, epoch=1, loss=float(loss),
                               epoch_loss=float(loss) + 0.1, words_per_s=250_000.0, lr=0.025 - k * 0.0001,
                               elapsed_s=k * 0.008, eta_s=(200_000 - k * 2_000) / 250_000.0))
        if k % 20 == 0:
            events.append(WatchNeighbours(words_done=k * 2_000, neighbours=(
                ("king", tuple(vectors.neighbours("king", 5))),
                ("paris", tuple(vectors.neighbours("paris", 5))),
            )))
    events.append(EpochFinished(epoch=1, epochs=2, loss=2.1, words_done=80_000, elapsed_s=0.32))
    return events


def _scripted_glove(vectors) -> list[object]:
    """A GloVe run as the engine reports it: counting, then word2vec-shaped events over entries, with the
    watch words' vectors (the scatter follows them)."""
    entries = 40_000
    events: list[object] = [Counting(words_read=n, total_words=210_000, entries_held=n // 6, shards=0)
                            for n in (70_000, 140_000, 210_000)]
    events.append(EmbeddingsStarted(total_words=entries * 4, vocab_size=22, corpus_words=210_000, device="cpu",
                                    workers=1, description="GloVe D=50, window=10, min_count=5, x_max=100, "
                                                           "α=0.75, η=0.05, epochs=4"))
    watched = ("king", "paris", "queen")
    near = {w: tuple(vectors.neighbours(w, 5)) for w in watched}
    words = list(dict.fromkeys([w for w in watched] + [n for w in watched for n, _ in near[w]]))
    for k in range(1, 31):
        done = k * 4_000
        loss = 0.3 * np.exp(-k / 8) + 0.05 + 0.005 * np.sin(k)
        events.append(Progress(words_done=done, total_words=entries * 4, epoch=1 + done // entries, loss=float(loss),
                               epoch_loss=float(loss) + 0.01, words_per_s=400_000.0, lr=0.05, elapsed_s=k * 0.01,
                               eta_s=(entries * 4 - done) / 400_000.0))
        if k % entries == 0 or done % entries == 0:
            events.append(EpochFinished(epoch=done // entries, epochs=4, loss=float(loss), words_done=done,
                                        elapsed_s=k * 0.01))
        if k % 10 == 0:  # the vectors drift towards the final ones as the run goes
            scale = 0.4 + 0.2 * k / 10
            events.append(WatchNeighbours(words_done=done, neighbours=tuple((w, near[w]) for w in watched),
                                          vectors=tuple((w, tuple(float(x) * scale for x in vectors.vector(w)))
                                                        for w in words)))
    return events


async def _train_scripted(pilot, events, method: str = "word2vec", epochs: int = 2) -> None:
    """As if ctrl+r had started the run (the form's method chosen) that produced ``events``."""
    app = pilot.app
    screen = app.screen
    screen.query_one("#embeddings-method").value = method
    screen.query_one("#embeddings-watch-words").value = "king paris" if method == "word2vec" else "king paris queen"
    await pilot.press("ctrl+l")
    await settle(app, pilot)
    screen.running, screen._method = True, method
    screen.live = method == "glove"  # the scatter follows GloVe's snapshots (they carry vectors)
    live = screen.query_one("#embeddings-live")
    live.border_title = "training " + ("GloVe" if method == "glove" else "word2vec")
    live.begin(method, "", epochs, watching=True)
    await feed(screen, events, "embeddings.train")
    await settle(app, pilot)


def test_embeddings_live_training_scatter_and_lookup(snap_compare):
    async def run_before(pilot):
        await _train_scripted(pilot, _scripted_training(tiny_vectors()))

    assert snap_compare(_app("embeddings"), run_before=run_before, terminal_size=SIZE)


def test_embeddings_glove_live_at_120x40(snap_compare):
    async def run_before(pilot):
        await _train_scripted(pilot, _scripted_glove(tiny_vectors()), "glove", epochs=4)

    assert snap_compare(_app("embeddings"), run_before=run_before, terminal_size=SIZE)


def test_embeddings_small_terminal(snap_compare):
    async def run_before(pilot):
        await settle(pilot.app, pilot)

    assert snap_compare(_app("embeddings"), run_before=run_before, terminal_size=SMALL)


def test_embeddings_glove_settings_at_80x24(snap_compare):
    async def run_before(pilot):
        await settle(pilot.app, pilot)
        pilot.app.screen.query_one("#embeddings-method").value = "glove"
        await settle(pilot.app, pilot)

    assert snap_compare(_app("embeddings"), run_before=run_before, terminal_size=SMALL)


def _page(name: str):
    async def run_before(pilot):
        await _train_scripted(pilot, _scripted_glove(tiny_vectors()), "glove", epochs=4)
        pilot.app.screen.page = name
        await settle(pilot.app, pilot)

    return run_before


def test_embeddings_glove_training_page_at_80x24(snap_compare):
    assert snap_compare(_app("embeddings"), run_before=_page("training"), terminal_size=SMALL)


def test_embeddings_live_scatter_page_at_80x24(snap_compare):
    assert snap_compare(_app("embeddings"), run_before=_page("scatter"), terminal_size=SMALL)


def test_embeddings_lookup_page_at_80x24(snap_compare):
    assert snap_compare(_app("embeddings"), run_before=_page("lookup"), terminal_size=SMALL)
