"""Many-to-many, many-to-one and one-to-many heads."""

from __future__ import annotations

import pytest
import torch

from engine.errors import InputError
from engine.recurrent import Recurrent
from engine.recurrent.heads import ManyToManyHead, ManyToOneHead, generate


def test_many_to_many_applies_one_linear_per_step():
    torch.manual_seed(0)
    rec = Recurrent("lstm", 3, 4, bidirectional=True)
    head = ManyToManyHead(8, 5)
    a, _, _ = rec(torch.randn(2, 6, 3))
    y = head(a)
    assert y.shape == (2, 6, 5)
    torch.testing.assert_close(y[:, 3], a[:, 3] @ head.linear.weight.T + head.linear.bias)
    with pytest.raises(InputError, match="8"):
        head(torch.zeros(2, 6, 4))


@pytest.mark.parametrize("bidirectional", [False, True])
def test_many_to_one_reads_the_states_that_saw_the_whole_sequence(bidirectional):
    torch.manual_seed(1)
    rec = Recurrent("gru-course", 3, 4, num_layers=2, bidirectional=bidirectional)
    head = ManyToOneHead(4, 2, bidirectional=bidirectional)
    a, h_n, _ = rec(torch.randn(5, 7, 3))
    # torch.nn layout: the last layer's final states are h_n[-D:]: →a⟨Tx⟩ and ←a⟨1⟩
    want = torch.cat([h_n[-2], h_n[-1]], 1) if bidirectional else h_n[-1]
    torch.testing.assert_close(head.summary(a), want)
    assert head(a).shape == (5, 2)


def test_one_to_many_generation_feeds_each_sample_back():
    torch.manual_seed(2)
    vocab = 6
    rec = Recurrent("lstm-peephole", vocab, 8)
    head = ManyToManyHead(8, vocab)

    def one_hot(ids):
        return torch.nn.functional.one_hot(ids, vocab).float()

    x1 = torch.zeros(3, vocab)
    ids, _ = generate(rec, head, x1, 10, one_hot, greedy=True)
    assert ids.shape == (3, 10) and ids.dtype == torch.long
    # teacher-forcing the generated sequence reproduces the same arg-max at every step
    inputs = torch.cat([x1.unsqueeze(1), one_hot(ids[:, :-1])], 1)  # (3, 10, vocab)
    a, _, _ = rec(inputs)
    assert torch.equal(head(a).argmax(-1), ids)
    g = torch.Generator().manual_seed(0)
    sampled, _ = generate(rec, head, x1, 10, one_hot, temperature=0.7, generator=g)
    g = torch.Generator().manual_seed(0)
    again, _ = generate(rec, head, x1, 10, one_hot, temperature=0.7, generator=g)
    assert torch.equal(sampled, again)


def test_generation_refuses_bidirectional_and_bad_settings():
    rec = Recurrent("rnn", 2, 3, bidirectional=True)
    with pytest.raises(InputError, match="bidirectional"):
        generate(rec, ManyToManyHead(6, 2), torch.zeros(1, 2), 3, lambda y: torch.zeros(1, 2))
    rec = Recurrent("rnn", 2, 3)
    with pytest.raises(InputError, match="temperature must be > 0, got 0"):
        generate(rec, ManyToManyHead(3, 2), torch.zeros(1, 2), 3, lambda y: torch.zeros(1, 2), temperature=0)
    with pytest.raises(InputError, match="steps"):
        generate(rec, ManyToManyHead(3, 2), torch.zeros(1, 2), 0, lambda y: torch.zeros(1, 2))
