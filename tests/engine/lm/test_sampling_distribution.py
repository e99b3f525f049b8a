"""The distribution the sampler draws from (engine.lm.sampling.sampling_probs, walk_distributions):
softmax(z/T) over the top-k tokens without UNK, against numpy written by hand, and what the sampler
actually draws against it."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.errors import InputError
from engine.lm import LanguageModel, ModelConfig
from engine.lm.sampling import _pick, sampling_probs, walk_distributions
from engine.text import EOS, EOS_ID, UNK_ID, Vocab


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    vocab = Vocab(list("abcdefghijklmnop"), "char")
    return LanguageModel(vocab, ModelConfig(vocab_size=len(vocab), cell="lstm", hidden=8)).eval()


def reference(z: np.ndarray, temperature: float, top_k: int | None) -> np.ndarray:
    """softmax(z/T) restricted to the top_k largest z (UNK never), by hand in float64."""
    z = z.astype(np.float64).copy()
    z[UNK_ID] = -np.inf
    if temperature == 0:
        out = np.zeros_like(z)
        out[np.argmax(z)] = 1.0
        return out
    keep = np.argsort(-z)[: top_k or len(z)]
    scaled = np.full_like(z, -np.inf)
    scaled[keep] = z[keep] / temperature
    e = np.exp(scaled - scaled[keep].max())
    return e / e.sum()


def logits_of(model, text: str) -> np.ndarray:
    """z⟨t⟩ for every step of ``text`` then EOS, (T, V), straight from the model."""
    ids = model.vocab.encode(list(text)) + [EOS_ID]
    with torch.no_grad():
        logits, _, _ = model.forward(torch.tensor([ids]))
    return logits[0].double().numpy()


@pytest.mark.parametrize(("temperature", "top_k"), [(1.0, None), (0.5, None), (0.7, 3), (2.5, 5), (0.0, None),
                                                    (1.3, 1)])
def test_the_sampled_distribution_shown_is_softmax_z_over_t_on_the_top_k(model, temperature, top_k):
    text = "badcafe"
    steps = walk_distributions(model, text, temperature, top_k, top=len(model.vocab))
    z = logits_of(model, text)
    assert [s.chosen for s in steps] == list(text) + [EOS]
    for t, step in enumerate(steps):
        want = reference(z[t], temperature, top_k)
        own = np.exp(z[t] - z[t].max())
        own /= own.sum()
        assert step.prefix == tuple(text[:t])
        for c in step.candidates:
            i = model.vocab.encode([c.token])[0] if c.token != EOS else EOS_ID
            assert c.sampled == pytest.approx(want[i], abs=1e-6), (t, c.token)
            assert c.model == pytest.approx(own[i], abs=1e-6), (t, c.token)
        assert sum(c.sampled for c in step.candidates) == pytest.approx(1.0, abs=1e-5)  # every token listed
        shown = [c.model for c in step.candidates]
        assert shown == sorted(shown, reverse=True)  # best first, by the model's own probability
        if top_k is not None:
            assert sum(c.sampled > 0 for c in step.candidates) == top_k


def test_the_top_ten_and_the_token_taken_are_listed(model):
    steps = walk_distributions(model, "pop", 0.8, None, top=2)
    for step in steps:
        tokens = [c.token for c in step.candidates]
        assert step.chosen in tokens and len(tokens) in (2, 3)


def test_what_the_sampler_draws_follows_the_distribution_shown():
    """_pick (what sample() uses) draws with sampling_probs: 40,000 draws match it within 1.5 %."""
    torch.manual_seed(1)
    z = torch.randn(1, 12) * 2
    gen = torch.Generator().manual_seed(0)
    for temperature, top_k in ((0.6, 4), (1.5, None)):
        probs = sampling_probs(z, temperature, top_k)[0].numpy()
        draws = _pick(z.expand(40_000, 12), temperature, top_k, gen).numpy()
        freq = np.bincount(draws, minlength=12) / len(draws)
        assert np.abs(freq - probs).max() < 0.015
        assert freq[UNK_ID] == 0 and probs[UNK_ID] == 0
        assert np.allclose(probs, reference(z[0].numpy(), temperature, top_k), atol=1e-6)


def test_a_bad_temperature_or_top_k_is_refused_by_name(model):
    with pytest.raises(InputError, match="temperature") as info:
        walk_distributions(model, "ab", -1.0)
    assert info.value.field == "temperature"
    with pytest.raises(InputError, match="top_k"):
        walk_distributions(model, "ab", 1.0, 0)
