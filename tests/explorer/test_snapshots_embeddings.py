"""SVG snapshots of the Embeddings and Analogies screens, fed deterministic data.

The vectors are the small fixed matrix of the pilot tests (never GloVe), training is a
scripted event stream with fixed numbers, so timing cannot change the picture.
Regenerate with ``pytest tests/explorer/test_snapshots_embeddings.py --snapshot-update``.
"""

from __future__ import annotations

import numpy as np

from engine.embeddings.events import EmbeddingsStarted, EpochFinished, Progress, WatchNeighbours
from tests.explorer.conftest import feed
from tests.explorer.test_analogies_screen import make_test_app, settle, tiny_vectors

SIZE = (120, 40)


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


def test_embeddings_live_training_scatter_and_lookup(snap_compare):
    async def run_before(pilot):
        app = pilot.app
        screen = app.screen
        screen.query_one("#embeddings-watch-words").value = "king paris"
        screen.query_one("#embeddings-epochs").value = "2"
        await pilot.press("ctrl+l")
        await settle(app, pilot)
        screen.running = True  # as if ctrl+r had started the run that produced these events
        screen._epochs = 2
        await feed(screen, _scripted_training(tiny_vectors()), "embeddings.train")
        await settle(app, pilot)

    assert snap_compare(_app("embeddings"), run_before=run_before, terminal_size=SIZE)


def test_embeddings_small_terminal(snap_compare):
    async def run_before(pilot):
        await settle(pilot.app, pilot)

    assert snap_compare(_app("embeddings"), run_before=run_before, terminal_size=(80, 24))
