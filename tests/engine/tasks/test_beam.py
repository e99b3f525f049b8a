"""Greedy and beam-search decoding: k = 1 is greedy; a wider beam finds what greedy misses."""

from __future__ import annotations

import math

import pytest
import torch

from engine.errors import InputError
from engine.tasks.beam import beam_search, greedy_decode
from engine.tasks.seq2seq import Translator

BOS, EOS, A, B, C = 0, 1, 2, 3, 4


# After BOS: A 0.55, B 0.45. After A: four ways, none above 0.3. After B: C 0.9 then EOS.
TABLE = {
    (): {A: 0.55, B: 0.45},
    (A,): {EOS: 0.3, A: 0.25, B: 0.25, C: 0.2},
    (B,): {C: 0.9, EOS: 0.1},
    (B, C): {EOS: 1.0},
}


def start():
    return (torch.zeros(1, 0, dtype=torch.long),)


def fixed_prefix_decoder():
    """A decoder whose next-token distribution depends on the tokens so far (its state is that prefix)."""

    def step(prev, state):
        (prefix,) = state
        prefix = torch.cat([prefix, prev.view(-1, 1)], 1)
        rows = []
        for row in prefix.tolist():
            dist = TABLE.get(tuple(row[1:]), {EOS: 1.0})
            p = torch.full((5,), 1e-9)
            for token, prob in dist.items():
                p[token] = prob
            rows.append(torch.log(p / p.sum()))
        return torch.stack(rows), (prefix,)

    return step


def test_greedy_takes_the_likeliest_first_token_and_misses_the_likeliest_sequence():
    step = fixed_prefix_decoder()
    greedy = greedy_decode(step, start(), BOS, EOS, max_len=5)
    assert greedy.tokens == (A,) and greedy.finished
    assert greedy.log_prob == pytest.approx(math.log(0.55 * 0.3), abs=1e-6)
    beams = beam_search(step, start(), BOS, EOS, max_len=5, beam_width=2, alpha=0.0)
    assert beams[0].tokens == (B, C)  # P = 0.45 · 0.9 · 1.0 = 0.405 > 0.165
    assert beams[0].log_prob == pytest.approx(math.log(0.405), abs=1e-6)
    assert [c.score for c in beams] == sorted((c.score for c in beams), reverse=True)
    assert len(beams) == 2 and all(c.finished for c in beams)


def test_beam_of_width_one_is_greedy():
    step = fixed_prefix_decoder()
    greedy = greedy_decode(step, start(), BOS, EOS, max_len=5)
    (one,) = beam_search(step, start(), BOS, EOS, max_len=5, beam_width=1)
    assert one.tokens == greedy.tokens and one.log_prob == pytest.approx(greedy.log_prob)
    torch.manual_seed(0)
    model = Translator(12, 8, dim=6, hidden=10).eval()
    memory = model.memory(torch.randint(2, 12, (1, 7)), torch.tensor([7]))
    g = greedy_decode(model.step_fn(memory), model.start_state(memory), 0, 1, max_len=9)
    (b,) = beam_search(model.step_fn(memory), model.start_state(memory), 0, 1, max_len=9, beam_width=1)
    assert b.tokens == g.tokens and b.log_prob == pytest.approx(g.log_prob, abs=1e-5)
    assert g.state[-1].shape[1] == len(g.tokens) + int(g.finished)  # one row of α per step


def test_length_normalisation_and_unfinished_candidates():
    step = fixed_prefix_decoder()
    beams = beam_search(step, start(), BOS, EOS, max_len=5, beam_width=3, alpha=0.7)
    for c in beams:
        n = len(c.tokens) + (1 if c.finished else 0)
        assert c.score == pytest.approx(c.log_prob / n**0.7)
    short = beam_search(step, start(), BOS, EOS, max_len=1, beam_width=2)
    assert all(not c.finished and len(c.tokens) == 1 for c in short)  # cut at max_len, flagged
    with pytest.raises(InputError, match="beam_width"):
        beam_search(step, start(), BOS, EOS, max_len=5, beam_width=0)
    with pytest.raises(InputError, match="max_len"):
        greedy_decode(step, start(), BOS, EOS, max_len=0)
