"""word2vec's and GloVe's settings live in torch-free modules: the app builds them on its UI thread."""

from __future__ import annotations

import pytest

from engine.embeddings.glove_config import GloveConfig
from engine.embeddings.w2v_config import Word2VecConfig
from engine.errors import InputError


def test_the_training_modules_re_export_the_same_classes():
    from engine.embeddings import glove_train, word2vec

    assert word2vec.Word2VecConfig is Word2VecConfig and glove_train.GloveConfig is GloveConfig
    assert word2vec.NEGATIVES == ("shared", "per-pair") and word2vec.LIMITS["window"] == 100


@pytest.mark.parametrize("config, kwargs, field", [
    (Word2VecConfig, {"negatives": "fresh"}, "negatives"),
    (Word2VecConfig, {"window": 101}, "window"),
    (Word2VecConfig, {"min_count": 0}, "min_count"),
    (GloveConfig, {"x_max": 0.0}, "x_max"),
    (GloveConfig, {"alpha": -0.75}, "alpha"),
    (GloveConfig, {"epochs": 0}, "epochs"),
    (GloveConfig, {"watch_every_entries": 0}, "watch_every_entries"),
])
def test_refusals_name_their_field(config, kwargs, field):
    with pytest.raises(InputError) as info:
        config(**kwargs)
    assert info.value.field == field and str(info.value).startswith(field)


def test_glove_watch_reports_neighbours_and_their_vectors_while_training():
    from engine.embeddings.events import EmbeddingsFinished, EpochFinished, WatchNeighbours
    from engine.embeddings.glove_train import train_glove

    royal = "king queen prince crown throne".split()
    city = "paris rome berlin street tram".split()
    sentences = [(royal if k % 2 else city) * 2 for k in range(60)]
    config = GloveConfig(dim=6, window=2, min_count=1, epochs=2, batch_size=32, device="cpu",
                         watch=("king", "nowhere"), watch_every_entries=40, watch_topn=3)
    events = list(train_glove(config, sentences=sentences))
    watches = [e for e in events if isinstance(e, WatchNeighbours)]
    epochs = [k for k, e in enumerate(events) if isinstance(e, EpochFinished)]
    assert len(watches) >= 3  # every 40 entries, and once per epoch, just before its EpochFinished
    assert all(isinstance(events[k - 1], WatchNeighbours) for k in epochs)
    last = watches[-1]
    (word, near), (unknown, none) = last.neighbours
    assert word == "king" and len(near) == 3 and unknown == "nowhere" and none == ()
    vectors = dict(last.vectors)
    assert list(vectors) == ["king"] + [w for w, _ in near] and all(len(v) == 6 for v in vectors.values())
    final = next(e for e in events if isinstance(e, EmbeddingsFinished)).vectors
    assert [w for w, _ in final.neighbours("king", 3)] == [w for w, _ in near]  # the last watch: the end state
    assert vectors["king"] == pytest.approx(final.vector("king").tolist(), abs=1e-6)


def test_word2vec_watch_carries_the_vectors_of_the_words_it_names():
    from engine.embeddings.events import WatchNeighbours
    from engine.embeddings.word2vec import train_word2vec

    words = "king queen prince crown throne paris rome berlin street tram".split()
    sentences = [words[k % 5:] + words[:k % 5] for k in range(200)]
    config = Word2VecConfig(dim=5, window=2, min_count=1, epochs=1, workers=1, device="cpu", watch=("king",),
                            watch_every_words=500, watch_topn=2, chunk_words=500)
    watches = [e for e in train_word2vec(config, sentences=sentences) if isinstance(e, WatchNeighbours)]
    assert watches
    (word, near), = watches[-1].neighbours
    assert [w for w, _ in watches[-1].vectors] == ["king"] + [w for w, _ in near]
    assert all(len(v) == 5 for _, v in watches[-1].vectors)
