"""The task models: shapes, what each reads, that each can fit a tiny set."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from engine.tasks.sentiment_models import AveragingClassifier, RecurrentClassifier
from engine.tasks.seq2seq import Translator
from engine.tasks.tagger import Tagger


def _ids(B=3, T=6, V=20, seed=0):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(2, V, (B, T), generator=g)
    lengths = torch.tensor([T, 2, 4][:B])
    for b in range(B):
        ids[b, lengths[b]:] = 0
    return ids, lengths


def test_averaging_is_the_mean_of_the_embeddings_of_the_real_words():
    torch.manual_seed(0)
    m = AveragingClassifier(20, 4).eval()
    ids, lengths = _ids()
    logits = m(ids, lengths)
    assert logits.shape == (3, 2)
    e = m.embedding.weight[ids[1, :2]].mean(0)
    torch.testing.assert_close(logits[1], m.output(e))
    # a bag of words: the order of the words does not matter
    torch.testing.assert_close(m(ids[:1, [5, 3, 1, 0, 2, 4]], lengths[:1]), logits[:1])


@pytest.mark.parametrize("model", ["average", "uni", "bi"])
def test_prefix_logits_are_the_predictions_of_each_prefix(model):
    torch.manual_seed(1)
    if model == "average":
        m = AveragingClassifier(20, 4).eval()
    else:
        m = RecurrentClassifier(20, 4, "lstm", 5, bidirectional=model == "bi").eval()
    ids, _ = _ids(B=1)
    prefix = m.prefix_logits(ids)
    assert prefix.shape == (6, 2)
    for t in range(6):
        alone = m(ids[:, : t + 1], torch.tensor([t + 1]))
        torch.testing.assert_close(prefix[t : t + 1], alone, atol=1e-6, rtol=1e-5)


def test_tagger_shapes_and_the_forward_only_invariance():
    """A forward-only tagger's output at t does not depend on the tokens after t (exactly)."""
    torch.manual_seed(2)
    tagger = Tagger(30, 6, 5, "lstm", 7, bidirectional=False).eval()
    ids, lengths = _ids(B=1, T=6, V=30)
    cases = torch.zeros_like(ids)
    base = tagger(ids, cases, torch.tensor([6]))
    assert base.shape == (1, 6, 5)
    g = torch.Generator().manual_seed(9)
    for t in range(5):
        changed = ids.clone()
        changed[0, t + 1 :] = torch.randint(2, 30, (5 - t,), generator=g)
        other = tagger(changed, cases, torch.tensor([6]))
        assert torch.equal(other[0, : t + 1], base[0, : t + 1])
    bi = Tagger(30, 6, 5, "lstm", 7, bidirectional=True).eval()
    changed = ids.clone()
    changed[0, 5] = (ids[0, 5] + 1) % 28 + 2
    assert not torch.allclose(bi(changed, cases, torch.tensor([6]))[0, 0], bi(ids, cases, torch.tensor([6]))[0, 0])


def test_tagger_direction_parts_sum_to_the_logits():
    torch.manual_seed(3)
    tagger = Tagger(30, 6, 5, "gru", 7, bidirectional=True).eval()
    ids, _ = _ids(B=1, T=6, V=30)
    cases = torch.randint(0, 5, ids.shape)
    fwd, bwd, bias = tagger.by_direction(ids, cases)
    torch.testing.assert_close(fwd + bwd + bias, tagger(ids, cases, torch.tensor([6]))[0], atol=1e-6, rtol=1e-5)


def _fit(model, loss_fn, steps=150, lr=0.05):
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
    model.train()
    for _ in range(steps):
        loss = loss_fn()
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    return float(loss_fn().detach())


@pytest.mark.parametrize("kind", ["average", "rnn"])
def test_sentiment_models_overfit_a_tiny_set(kind):
    torch.manual_seed(4)
    ids, lengths = _ids(B=3, V=20)
    y = torch.tensor([1, 0, 1])
    m = AveragingClassifier(20, 8) if kind == "average" else RecurrentClassifier(20, 8, "lstm", 8, bidirectional=True)
    assert _fit(m, lambda: F.cross_entropy(m(ids, lengths), y)) < 0.05


def test_tagger_overfits_a_tiny_set():
    torch.manual_seed(5)
    ids, lengths = _ids(B=3, V=20)
    cases = torch.zeros_like(ids)
    y = torch.randint(0, 4, ids.shape)
    for b in range(3):
        y[b, lengths[b]:] = -100
    m = Tagger(20, 8, 4, "lstm", 12, bidirectional=True)
    loss = _fit(m, lambda: F.cross_entropy(m(ids, cases, lengths).flatten(0, 1), y.flatten(), ignore_index=-100))
    assert loss < 0.05


@pytest.mark.parametrize("attention", [True, False])
def test_translator_shapes_and_tiny_overfit(attention):
    torch.manual_seed(6)
    src, lengths = _ids(B=3, V=15)
    tgt = torch.randint(2, 9, (3, 4))
    prev = torch.cat([torch.zeros(3, 1, dtype=torch.long), tgt[:, :-1]], 1)
    m = Translator(15, 9, dim=8, hidden=16, attention=attention)
    assert m(src, lengths, prev).shape == (3, 4, 9)
    loss = _fit(m, lambda: F.cross_entropy(m(src, lengths, prev).flatten(0, 1), tgt.flatten()), steps=120)
    assert loss < 0.05


def test_attention_weights_sum_to_one_over_the_real_positions():
    torch.manual_seed(7)
    m = Translator(15, 9, dim=8, hidden=16).eval()
    src, lengths = _ids(B=3, V=15)
    memory = m.memory(src, lengths)
    _, alpha = m.attend(memory, torch.randn(3, 16))
    torch.testing.assert_close(alpha.sum(1), torch.ones(3))
    assert float(alpha[1, 2:].detach().abs().sum()) == 0.0  # padding gets no weight
