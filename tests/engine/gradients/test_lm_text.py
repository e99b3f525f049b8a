"""Gradients through time of a language model on text: hand BPTT = autograd, seed checked."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.errors import InputError
from engine.gradients.lm_text import lm_gradients
from engine.lm import LanguageModel, ModelConfig
from engine.text import Vocab


def _model(cell: str, layers: int = 1) -> LanguageModel:
    torch.manual_seed(0)
    vocab = Vocab(list("abcdefghijklmnopqrstuvwxyz"), "char")
    return LanguageModel(vocab, ModelConfig(vocab_size=len(vocab), cell=cell, hidden=6, layers=layers),
                         config={"data": "dinos"}).double()


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_bptt_and_autograd_agree_on_text(cell):
    model = _model(cell, layers=2)
    by_hand = lm_gradients(model, "stegosaurus", method="bptt")
    by_autograd = lm_gradients(model, "stegosaurus", method="autograd")
    assert by_hand.method == "bptt" and by_autograd.method == "autograd"
    for h, g in zip(by_hand.layers, by_autograd.layers):
        np.testing.assert_allclose(h.a, g.a, rtol=1e-9, atol=1e-12)
    assert by_hand.tokens == ("·", *"stegosauru")


def test_last_step_is_the_softmax_gradient():
    model = _model("gru")
    text = "diplodocus"
    g = lm_gradients(model, text)
    ids = torch.tensor([model.vocab.encode(list(text))])
    with torch.no_grad():
        logits, _, _ = model.forward(ids)
        p = torch.softmax(logits[0, -1], -1)
        p[ids[0, -1]] -= 1.0
        expected = float((model.head.weight.T @ p).norm())
    assert g.top().a[-1] == pytest.approx(expected, rel=1e-9)
    assert g.loss == pytest.approx(float(torch.nn.functional.cross_entropy(logits[0, -1:], ids[0, -1:])), rel=1e-9)


def test_too_short_text():
    with pytest.raises(InputError, match="two tokens"):
        lm_gradients(_model("rnn"), "a")
