"""The language model against independent per-step references."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from engine.errors import InputError
from engine.lm import LanguageModel, ModelConfig, sample, sentence_probability, step_distribution
from engine.text import EOS_ID, UNK_ID, build_vocab

from .conftest import make_names


def tiny_model(cell="lstm", input="one-hot", layers=1, seed=0):
    torch.manual_seed(seed)
    vocab = build_vocab(make_names(50), "char")
    model = LanguageModel(vocab, ModelConfig(len(vocab), cell=cell, layers=layers, hidden=6, input=input, embedding_dim=5),
                          config={"case_mode": "keep", "sequence_mode": "line"})
    model.known_lines = frozenset(make_names(50))
    return model.eval()


def step_by_step_logprobs(model, ids):
    """log P(y⟨t⟩ | y⟨<t⟩) by feeding one input at a time through the recurrent state."""
    out, state, prev = [], None, -1  # -1: the zero input x⟨1⟩
    with torch.no_grad():
        for y in ids:
            x = model.embed(torch.tensor([[prev]]))  # (1, 1, n_x)
            logits, state, _ = model.run(x, state)
            out.append(torch.log_softmax(logits[0, 0].double(), -1)[y].item())
            prev = y
    return out


@pytest.mark.parametrize("input", ["one-hot", "embedding"])
def test_first_input_is_zero_then_teacher_forcing(input):
    model = tiny_model(input=input)
    y = torch.tensor([[3, 4, 5, EOS_ID]])
    x = model.inputs(y)  # (1, 4, n_x)
    assert torch.all(x[0, 0] == 0)
    assert torch.equal(x[0, 1:], model.embed(y[:, :-1])[0])
    if input == "one-hot":
        assert x[0, 1].argmax().item() == 3 and x[0, 1].sum().item() == 1.0


@pytest.mark.parametrize("cell", ["rnn", "gru-course", "lstm"])
def test_loss_is_the_sum_of_per_step_cross_entropies(cell):
    model = tiny_model(cell)
    ids = model.vocab.encode(list("karosaurus")) + [EOS_ID]
    total, n = model.loss(torch.tensor([ids]))
    reference = -sum(step_by_step_logprobs(model, ids))
    assert n == len(ids)
    assert total.item() == pytest.approx(reference, rel=1e-5)


def test_padding_does_not_change_the_loss():
    model = tiny_model()
    a = model.vocab.encode(list("mika")) + [EOS_ID]
    b = model.vocab.encode(list("rosaurus")) + [EOS_ID]
    padded = torch.tensor([a + [-100] * (len(b) - len(a)), b])
    total, n = model.loss(padded)
    sep = model.loss(torch.tensor([a]))[0] + model.loss(torch.tensor([b]))[0]
    assert n == len(a) + len(b)
    assert total.item() == pytest.approx(sep.item(), rel=1e-5)


def test_sentence_probability_is_the_product_and_minus_the_loss():
    model = tiny_model("gru")
    score = sentence_probability(model, "tusaurus")
    ids = model.vocab.encode(list("tusaurus")) + [EOS_ID]
    per_step = step_by_step_logprobs(model, ids)
    assert [t.log_probability for t in score.tokens] == pytest.approx(per_step, abs=1e-6)
    assert score.probability == pytest.approx(math.prod(math.exp(v) for v in per_step), rel=1e-6)
    assert score.log_probability == pytest.approx(-model.loss(torch.tensor([ids]))[0].item(), rel=1e-5)
    assert score.perplexity == pytest.approx(math.exp(-score.log_probability / len(ids)))
    assert score.tokens[-1].is_eos and score.tokens[-1].token == "<eos>"


def test_unknown_characters_are_flagged_unk():
    model = tiny_model()
    score = sentence_probability(model, "kaQ")
    assert [t.is_unk for t in score.tokens] == [False, False, True, False]
    assert score.n_unk == 1


def test_sampling_with_a_seed_is_reproducible():
    model = tiny_model()
    a = sample(model, n=5, temperature=1.0, seed=7)
    b = sample(model, n=5, temperature=1.0, seed=7)
    c = sample(model, n=5, temperature=1.0, seed=8)
    assert a == b and a != c
    assert all(s.in_training_set in (True, False) for s in a)


def test_temperature_zero_is_greedy_argmax():
    model = tiny_model()
    greedy, prev, state = [], -1, None
    with torch.no_grad():
        for _ in range(12):
            logits, state, _ = model.run(model.embed(torch.tensor([[prev]])), state)
            z = logits[0, 0].clone()
            z[UNK_ID] = -float("inf")
            prev = int(z.argmax())
            if prev == EOS_ID:
                break
            greedy.append(model.vocab.tokens[prev])
    expected = "".join(greedy)
    assert [s.text for s in sample(model, n=3, temperature=0.0, max_len=12, seed=1)] == [expected] * 3
    assert sample(model, n=1, temperature=1e-4, max_len=12, seed=2)[0].text == expected
    assert sample(model, n=1, top_k=1, max_len=12, seed=3)[0].text == expected


def test_prefix_and_step_distribution_agree():
    model = tiny_model()
    dist = step_distribution(model, list("ka"), k=len(model.vocab))
    probs = dict(dist)
    assert sum(probs.values()) == pytest.approx(1.0, abs=1e-5)
    assert [p for _, p in dist] == sorted((p for _, p in dist), reverse=True)
    ids = model.vocab.encode(list("ka"))
    ref = np.exp(step_by_step_logprobs(model, ids + [model.vocab.index["r"]])[-1])
    assert probs["r"] == pytest.approx(ref, rel=1e-5)
    s = sample(model, n=4, prefix="ka", seed=0)
    assert all(x.text.startswith("ka") for x in s)


@pytest.mark.parametrize("kw, match", [({"n": 0}, "n must"), ({"temperature": -1}, "temperature"), ({"top_k": 0}, "top_k")])
def test_bad_sampling_settings_are_input_errors(kw, match):
    with pytest.raises(InputError, match=match):
        sample(tiny_model(), **kw)


def test_model_config_validation():
    with pytest.raises(InputError, match="cell must be one of"):
        ModelConfig(30, cell="transformer")
    with pytest.raises(InputError, match="hidden must be in 1..16,384, got -3"):
        ModelConfig(30, hidden=-3)
