"""The length-aware encoder: a padded batch gives what each sequence gives alone; traces in both directions."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.errors import InputError
from engine.recurrent.heads import ManyToManyHead, ManyToOneHead
from engine.tasks.encoder import SequenceEncoder, reverse_within


def test_reverse_within_keeps_padding_in_place_and_is_its_own_inverse():
    x = torch.arange(8.0).view(2, 4, 1)
    lengths = torch.tensor([4, 2])
    r = reverse_within(x, lengths)
    assert r[..., 0].tolist() == [[3, 2, 1, 0], [5, 4, 6, 7]]
    assert torch.equal(reverse_within(r, lengths), x)


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn", "gru-course"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_padded_batch_equals_each_sequence_alone(kind, bidirectional):
    torch.manual_seed(0)
    enc = SequenceEncoder(kind, 3, 5, num_layers=2, bidirectional=bidirectional)
    head = ManyToOneHead(5, 2, bidirectional=bidirectional)
    x = torch.randn(3, 6, 3)
    lengths = torch.tensor([6, 2, 4])
    x[1, 2:] = 100.0  # garbage in the padding must not leak into the real steps
    out = enc(x, lengths).out
    summary = head.summary(out, lengths)
    for b in range(3):
        n = int(lengths[b])
        alone = enc(x[b : b + 1, :n], lengths[b : b + 1]).out
        torch.testing.assert_close(out[b : b + 1, :n], alone, atol=1e-6, rtol=1e-5)
        torch.testing.assert_close(summary[b : b + 1], head.summary(alone), atol=1e-6, rtol=1e-5)


def test_summary_reads_forward_at_the_true_length_and_backward_at_step_one():
    torch.manual_seed(1)
    enc = SequenceEncoder("lstm", 2, 3, bidirectional=True)
    head = ManyToOneHead(3, 2, bidirectional=True)
    x, lengths = torch.randn(2, 5, 2), torch.tensor([5, 3])
    out = enc(x, lengths).out
    s = head.summary(out, lengths)
    torch.testing.assert_close(s[1, :3], out[1, 2, :3])
    torch.testing.assert_close(s[1, 3:], out[1, 0, 3:])
    with pytest.raises(InputError, match="lengths"):
        head.summary(out, torch.tensor([6, 3]))


def test_trace_has_both_directions_in_the_original_time_order():
    torch.manual_seed(2)
    enc = SequenceEncoder("lstm", 3, 4, num_layers=2, bidirectional=True)
    x, lengths = torch.randn(2, 5, 3), torch.tensor([5, 3])
    encoded = enc(x, lengths, record=True)
    layers = [(lt.layer, lt.direction) for lt in encoded.trace.layers]
    assert layers == [(1, "forward"), (1, "backward"), (2, "forward"), (2, "backward")]
    out = encoded.out.detach().numpy()
    top_b = encoded.trace.layer(2, "backward")
    np.testing.assert_allclose(top_b.a[1, :3], out[1, :3, 4:], atol=1e-6)  # ←a⟨t⟩ at t, not reversed
    np.testing.assert_allclose(encoded.trace.layer(2, "forward").a[0], out[0, :, :4], atol=1e-6)
    bottom_b = encoded.trace.layer(1, "backward")
    np.testing.assert_allclose(bottom_b.x[1, :3], x[1, :3].numpy())  # the input as written
    gates = bottom_b.gates
    assert set(gates) == {"update", "forget", "output", "candidate"}
    assert all(((g[:, :3] >= -1) & (g[:, :3] <= 1)).all() for g in gates.values())
    assert enc.cell(1, "backward").equations == enc.cell(1, "forward").equations


def test_many_to_many_head_splits_exactly_by_direction():
    torch.manual_seed(3)
    head = ManyToManyHead(8, 5)
    a = torch.randn(2, 6, 8)
    fwd, bwd, bias = head.by_direction(a, 4)
    torch.testing.assert_close(fwd + bwd + bias, head(a))
    assert not torch.allclose(fwd, torch.zeros_like(fwd)) and not torch.allclose(bwd, torch.zeros_like(bwd))
    with pytest.raises(InputError, match="bidirectional"):
        head.by_direction(a, 3)


def test_many_to_one_head_splits_exactly_by_direction_against_the_weights_by_hand():
    """W_y = [W_→ ⋮ W_←] split by hand in numpy, on →a⟨T_x⟩ and ←a⟨1⟩ read from the output by hand."""
    torch.manual_seed(4)
    enc = SequenceEncoder("lstm", 3, 4, bidirectional=True)
    head = ManyToOneHead(4, 2, bidirectional=True)
    x, lengths = torch.randn(2, 5, 3), torch.tensor([5, 2])
    out = enc(x, lengths).out
    fwd, bwd, bias = head.by_direction(out, lengths)
    a = out.detach().numpy()
    W, b = head.linear.weight.detach().numpy(), head.linear.bias.detach().numpy()
    for i, T in enumerate(lengths.tolist()):
        np.testing.assert_allclose(fwd[i].detach().numpy(), W[:, :4] @ a[i, T - 1, :4], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(bwd[i].detach().numpy(), W[:, 4:] @ a[i, 0, 4:], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bias.detach().numpy(), b)
    torch.testing.assert_close(fwd + bwd + bias, head(out, lengths))
    with pytest.raises(InputError, match="bidirectional"):
        ManyToOneHead(4, 2).by_direction(out[..., :4])
