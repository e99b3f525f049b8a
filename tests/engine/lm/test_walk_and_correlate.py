"""engine.lm.walk (one pass, O(T)) against the per-prefix distributions; engine.lm.correlate against
numpy's Pearson correlation; engine.lm.sampling.SampleConfig's refusals."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from engine.errors import InputError
from engine.lm import LanguageModel, ModelConfig, step_distribution
from engine.lm.correlate import correlate_pattern, match_indicator
from engine.lm.sampling import SampleConfig, sample, sample_with
from engine.lm.walk import walk
from engine.text import EOS, Vocab


@pytest.fixture(scope="module", params=["lstm", "gru-course"])
def model(request):
    torch.manual_seed(0)
    vocab = Vocab(list("abcdefghij"), "char")
    return LanguageModel(vocab, ModelConfig(vocab_size=len(vocab), cell=request.param, hidden=6, layers=2)).eval()


def test_walk_is_the_next_token_distribution_after_every_prefix(model):
    """Reference: step_distribution asks the model anew for each prefix (O(T²)); the walk carries the state."""
    text = "badcafe"
    got = walk(model, text, top=4)
    tokens = list(text) + [EOS]
    assert got.text == text and [s.chosen for s in got.steps] == tokens
    for t, step in enumerate(got.steps):
        assert step.prefix == tuple(tokens[:t])
        want = sorted(step_distribution(model, tokens[:t], k=len(model.vocab)), key=lambda tp: -tp[1])[:4]
        assert [tok for tok, _ in step.candidates] == [tok for tok, _ in want]
        assert [p for _, p in step.candidates] == pytest.approx([p for _, p in want], abs=1e-6)


def test_walk_reads_unknown_characters_as_unk_and_refuses_a_bad_top(model):
    assert walk(model, "zz").steps[2].prefix == ("z", "z")
    with pytest.raises(InputError, match="top must be a positive integer"):
        walk(model, "ab", top=0)


def test_correlation_is_pearsons_r_with_the_match_indicator():
    rng = np.random.default_rng(0)
    tokens = list("the cat sat on the mat")
    values = rng.normal(size=(len(tokens), 7))
    values[:, 3] += 2.0 * np.array([c == "t" for c in tokens])  # unit 3 fires on t
    best = correlate_pattern(tokens, values, "t", top=7)
    indicator = np.array([c == "t" for c in tokens], dtype=float)
    reference = {u: np.corrcoef(values[:, u], indicator)[0, 1] for u in range(7)}
    assert best[0][0] == 3
    assert [u for u, _ in best] == sorted(reference, key=lambda u: -abs(reference[u]))
    for u, r in best:
        assert r == pytest.approx(reference[u], abs=1e-12)


def test_a_match_marks_every_token_it_overlaps():
    assert match_indicator(["ab", "cd", "ef"], "bc").tolist() == [1.0, 1.0, 0.0]
    assert match_indicator(list("abc"), "x*").tolist() == [1.0, 1.0, 1.0]  # empty matches mark their place


@pytest.mark.parametrize(("pattern", "words"), [("(", "not a valid regular expression"), ("q", "matches no token"),
                                                 (".", "matches every token")])
def test_bad_patterns_are_input_errors_naming_the_pattern(pattern, words):
    with pytest.raises(InputError, match=words) as info:
        correlate_pattern(list("abc"), np.zeros((3, 2)), pattern)
    assert info.value.field == "pattern"


@pytest.mark.parametrize(("settings", "field"), [({"n": 0}, "n"), ({"n": 10**8}, "n"), ({"temperature": math.nan}, "temperature"),
                                                  ({"temperature": -1.0}, "temperature"), ({"top_k": 0}, "top_k"),
                                                  ({"seed": -1}, "seed"), ({"max_len": 0}, "max_len")])
def test_sample_settings_refuse_bad_values_naming_the_field(settings, field):
    with pytest.raises(InputError) as info:
        SampleConfig(**settings)
    assert info.value.field == field


def test_a_tiny_or_huge_temperature_still_samples(model):
    greedy = sample(model, n=2, temperature=0.0, max_len=8, seed=0)
    assert [s.text for s in sample(model, n=2, temperature=1e-45, max_len=8, seed=0)] == [s.text for s in greedy]
    assert len(sample_with(model, SampleConfig(n=3, temperature=1e300, max_len=5, seed=1))) == 3
