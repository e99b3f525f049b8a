"""The NPLM's checkpoint: a round trip, the vectors beside it, the word limit, the wrong kind refused."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.embeddings import events as te
from engine.embeddings.io import load_vectors
from engine.embeddings.nplm import NPLMConfig, load_nplm, predict_next, save_nplm, train_nplm
from engine.errors import CheckpointError, InputError


def _sentences(n=40):
    return [["i", "want", "a", "glass", "of", "orange", "juice"], ["the", "dog", "ate", "my", "shoe"]] * n


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_round_trip_and_vectors(tmp_path):
    cfg = NPLMConfig(context=3, dim=6, hidden=8, epochs=1, min_count=1, device="cpu")
    done = [e for e in train_nplm(cfg, sentences=_sentences()) if isinstance(e, te.EmbeddingsFinished)][0]
    path = save_nplm(done.model, done.vocab, tmp_path / "m", cfg)
    model, vocab, config = load_nplm(path)
    assert vocab.words == done.vocab.words and config["context"] == 3
    for name, tensor in done.model.state_dict().items():
        assert torch.equal(model.state_dict()[name], tensor)
    assert predict_next(model, vocab, ["a", "glass", "of"], 3) == predict_next(done.model.eval(), done.vocab, ["a", "glass", "of"], 3)
    wv = load_vectors(str(path))
    np.testing.assert_array_equal(wv.vectors, done.vectors.vectors)  # E without the <s> row
    with pytest.raises(CheckpointError, match="not a 'nplm'"):
        load_nplm("assets/checkpoints/dinos-lstm")


def test_max_words_reads_whole_sentences_up_to_the_limit():
    cfg = NPLMConfig(context=2, dim=4, hidden=4, epochs=1, min_count=1, max_words=12, device="cpu")
    started = next(e for e in train_nplm(cfg, sentences=_sentences()) if isinstance(e, te.EmbeddingsStarted))
    assert started.corpus_words == 12  # 7 + 5: two whole sentences
    with pytest.raises(InputError, match="max_words") as info:
        NPLMConfig(max_words=0)
    assert info.value.field == "max_words"
