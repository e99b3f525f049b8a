"""The neural language model for embeddings (Bengio et al. 2003): its equations and that it learns."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

from engine.embeddings import events as te
from engine.embeddings.nplm import NeuralLM, NPLMConfig, _windows, predict_next, train_nplm
from engine.errors import InputError, UnknownWordError


def test_forward_is_concatenate_tanh_softmax():
    torch.manual_seed(0)
    model = NeuralLM(vocab_size=7, context=3, dim=4, hidden=5)
    ids = torch.tensor([[1, 5, 2], [0, 0, 6]])
    E = model.embedding.weight.detach().numpy()
    Wh, bh = model.hidden.weight.detach().numpy(), model.hidden.bias.detach().numpy()
    Wy, by = model.output.weight.detach().numpy(), model.output.bias.detach().numpy()
    for row, logits in zip(ids.numpy(), model(ids).detach().numpy()):
        x = np.concatenate([E[j] for j in row])  # oldest word first
        a = np.tanh(Wh @ x + bh)
        assert np.allclose(logits, Wy @ a + by, atol=1e-5)


def test_windows_are_padded_per_sentence():
    ids = np.array([0, 1, 2, 3, 4])
    ctx, tgt = _windows(ids, np.array([0, 3, 5]), 2)
    assert tgt.tolist() == [1, 2, 3, 4, 5]  # shifted by one: row 0 is <s>
    assert ctx.tolist() == [[0, 0], [0, 1], [1, 2], [0, 0], [0, 4]]


@pytest.fixture()
def one_thread():
    """Tiny matrices: thread hand-offs cost more than they save (a lot, on a busy machine)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_nplm_learns_orange_juice(one_thread):
    rng = np.random.default_rng(0)
    fruit = ["orange", "apple", "lemon"]
    sentences = []
    for _ in range(100):
        f = fruit[rng.integers(3)]
        sentences.append(["i", "want", "a", "glass", "of", f, "juice"])
        sentences.append(["the", "dog", "ate", "my", rng.choice(["homework", "shoe"])])
    cfg = NPLMConfig(context=3, dim=8, hidden=16, epochs=5, batch_size=64, lr=0.05, min_count=1, seed=0,
                     progress_interval_s=0.0)
    events = list(train_nplm(cfg, sentences=sentences))
    epochs = [e.loss for e in events if isinstance(e, te.EpochFinished)]
    assert epochs[-1] < epochs[0]
    done = events[-1]
    assert isinstance(done, te.EmbeddingsFinished) and done.reason == "completed"
    assert predict_next(done.model, done.vocab, ["glass", "of", "orange"], 1)[0][0] == "juice"
    wv = done.vectors
    assert wv.similarity("orange", "apple") > wv.similarity("orange", "dog")
    with pytest.raises(UnknownWordError):
        predict_next(done.model, done.vocab, ["glass", "of", "mango"])


def test_nplm_stop_and_validation():
    stop = threading.Event()
    stop.set()
    events = list(train_nplm(NPLMConfig(min_count=1, epochs=2), stop, sentences=[["a", "b", "c"]] * 10))
    assert events[-1].reason == "stopped"
    with pytest.raises(InputError, match="context must be in 1..64, got 0"):
        NPLMConfig(context=0)
