"""Per-step gradient norms: the hand-written BPTT and autograd agree; vanishing shows for the RNN."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from engine.errors import InputError
from engine.gradients.through_time import (
    autograd_norms,
    bptt_norms,
    classifier_gradients,
    norms_through_time,
)
from engine.recurrent.layers import Recurrent


def _reference_rnn_norms(rec, x, seed):
    """Independent numpy BPTT for a one-layer tanh RNN: da⟨t−1⟩ = W_aaᵀ((1 − a⟨t⟩²) ∗ da⟨t⟩)."""
    W_ih = rec.weight_ih_l0.detach().numpy()
    W_hh = rec.weight_hh_l0.detach().numpy()
    b = (rec.bias_ih_l0 + rec.bias_hh_l0).detach().numpy()
    X = x.numpy()
    B, T, _ = X.shape
    a = np.zeros((B, T + 1, W_hh.shape[0]))
    for t in range(T):
        a[:, t + 1] = np.tanh(X[:, t] @ W_ih.T + a[:, t] @ W_hh.T + b)
    da = seed.numpy().copy()
    norms = [0.0] * T
    for t in reversed(range(T)):
        norms[t] = np.linalg.norm(da, axis=1).mean()
        da = ((1 - a[:, t + 1] ** 2) * da) @ W_hh
    return norms


@pytest.mark.parametrize("kind", ["rnn", "lstm"])
@pytest.mark.parametrize("layers", [1, 2])
def test_hand_bptt_and_autograd_agree(kind, layers):
    torch.manual_seed(1)
    rec = Recurrent(kind, 3, 5, num_layers=layers).double()
    x = torch.randn(2, 9, 3, dtype=torch.float64)
    seed = torch.randn(2, 5, dtype=torch.float64)
    by_hand, by_autograd = bptt_norms(rec, x, seed), autograd_norms(rec, x, seed)
    assert len(by_hand) == len(by_autograd) == layers
    for h, g in zip(by_hand, by_autograd):
        assert h.layer == g.layer
        np.testing.assert_allclose(h.a, g.a, rtol=1e-10, atol=1e-12)
        if kind == "lstm":
            np.testing.assert_allclose(h.c, g.c, rtol=1e-10, atol=1e-12)
        else:
            assert h.c is None and g.c is None


def test_rnn_norms_match_numpy_reference():
    torch.manual_seed(2)
    rec = Recurrent("rnn", 4, 6).double()
    x = torch.randn(3, 12, 4, dtype=torch.float64)
    seed = torch.randn(3, 6, dtype=torch.float64)
    got = autograd_norms(rec, x, seed)[0].a
    np.testing.assert_allclose(got, _reference_rnn_norms(rec, x, seed), rtol=1e-9)
    assert got[-1] == pytest.approx(float(seed.norm(dim=1).mean()))


@pytest.mark.parametrize("kind", ["gru", "gru-course", "gru-simple", "lstm-peephole"])
def test_kinds_without_hand_bptt_use_autograd(kind):
    rec = Recurrent(kind, 3, 4)
    method, layers = norms_through_time(rec, torch.randn(1, 6, 3), torch.randn(1, 4))
    assert method == "autograd"
    assert len(layers[0].a) == 6 and all(math.isfinite(v) for v in layers[0].a)
    assert (layers[0].c is not None) == (kind == "lstm-peephole")
    with pytest.raises(InputError, match="autograd"):
        bptt_norms(rec, torch.randn(1, 6, 3), torch.randn(1, 4))


def test_auto_picks_hand_bptt_and_leaves_model_grads_alone():
    rec = Recurrent("lstm", 3, 4)
    for p in rec.parameters():
        p.grad = torch.ones_like(p)
    method, _ = norms_through_time(rec, torch.randn(1, 5, 3), torch.randn(1, 4))
    assert method == "bptt"
    autograd_norms(rec, torch.randn(1, 5, 3), torch.randn(1, 4))
    assert all(torch.equal(p.grad, torch.ones_like(p)) for p in rec.parameters())


def test_vanishing_rnn_with_small_weights():
    """With ‖W_aa‖ < 1 and tanh' ≤ 1 the norm must shrink at least geometrically going back in time."""
    torch.manual_seed(0)
    rec = Recurrent("rnn", 3, 8)
    with torch.no_grad():
        rec.weight_hh_l0.mul_(0.5 / torch.linalg.matrix_norm(rec.weight_hh_l0, ord=2))
    norms = autograd_norms(rec, torch.randn(1, 30, 3), torch.randn(1, 8))[0].a
    for t in range(29):
        assert norms[t] <= 0.5 * norms[t + 1] + 1e-12
    assert norms[0] < 1e-8 * norms[-1]


def test_bad_input():
    rec = Recurrent("rnn", 3, 4)
    with pytest.raises(InputError, match="shape"):
        norms_through_time(rec, torch.randn(1, 5, 2), torch.randn(1, 4))
    with pytest.raises(InputError, match="dL/da"):
        norms_through_time(rec, torch.randn(1, 5, 3), torch.randn(1, 3))
    with pytest.raises(InputError, match="method"):
        norms_through_time(rec, torch.randn(1, 5, 3), torch.randn(1, 4), method="magic")
    with pytest.raises(InputError, match="bidirectional"):
        norms_through_time(Recurrent("rnn", 3, 4, bidirectional=True), torch.randn(1, 5, 3), torch.randn(1, 4))


def test_classifier_gradients_on_an_agreement_sentence():
    from engine.gradients.agreement import AgreementTask
    from engine.gradients.agreement_training import AgreementClassifier

    task = AgreementTask(6)
    example = task.examples(1, seed=0)[0]
    torch.manual_seed(0)
    model = AgreementClassifier("lstm", task.vocab_size, 8, 5)
    g = classifier_gradients(model, example.inputs, torch.from_numpy(task.encode(example.inputs)), example.label)
    assert g.cell == "lstm" and g.method == "bptt" and g.tokens == example.inputs
    assert len(g.top().a) == task.input_length and g.loss > 0
    # the seed is ∂L/∂a⟨T⟩ = W_yᵀ(ŷ − y): check its norm independently
    with torch.no_grad():
        out, _, _ = model.recurrent(model.embedding(torch.from_numpy(task.encode(example.inputs))[None]))
        p = torch.softmax(model.head(out[:, -1]), -1)[0]
        y = torch.zeros(2)
        y[example.label] = 1
        expected = float((model.head.weight.T @ (p - y)).norm())
    assert g.top().a[-1] == pytest.approx(expected, rel=1e-5)
