"""Hand-written BPTT against autograd (float64, 1e-8)."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import InputError
from engine.recurrent import Recurrent, make_cell
from engine.recurrent.bptt import (
    backward_through_time,
    lstm_backward,
    lstm_forward,
    rnn_backward,
    rnn_forward,
    softmax_output_da,
)

TOL = 1e-8
f64 = torch.float64


def autograd_reference(kind, P, x, a0, c0, da, nonlinearity="tanh"):
    """Autograd through an independent forward loop; returns leaf grads and per-step ∂L/∂a⟨t⟩, ∂L/∂c⟨t⟩."""
    P = {k: v.detach().clone().requires_grad_() for k, v in P.items()}
    x = x.clone().requires_grad_()
    a0 = a0.clone().requires_grad_()
    c0 = c0.clone().requires_grad_() if c0 is not None else None
    a, c = a0, c0
    As, Cs = [], []
    for t in range(x.shape[1]):
        s = torch.cat([a, x[:, t]], 1)
        if kind == "rnn":
            z = s @ P["W_a"].T + P["b_a"]
            a = torch.tanh(z) if nonlinearity == "tanh" else torch.relu(z)
        else:
            u, f, o = (torch.sigmoid(s @ P[f"W_{k}"].T + P[f"b_{k}"]) for k in "ufo")
            c = u * torch.tanh(s @ P["W_c"].T + P["b_c"]) + f * c
            c.retain_grad()
            Cs.append(c)
            a = o * torch.tanh(c)
        a.retain_grad()
        As.append(a)
    loss = (torch.stack(As, 1) * da).sum()
    loss.backward()
    out = {"d" + k: v.grad for k, v in P.items()}
    out.update(dx=x.grad, da0=a0.grad, da=torch.stack([t.grad for t in As], 1))
    if c0 is not None:
        out.update(dc0=c0.grad, dc=torch.stack([t.grad for t in Cs], 1))
    return out


def assert_close(a, b, what):
    assert (a - b).abs().max().item() <= TOL, what


@settings(max_examples=8, deadline=None)
@given(B=st.integers(1, 3), T=st.integers(1, 7), n_x=st.integers(1, 4), n_a=st.integers(1, 5),
       relu=st.booleans(), seed=st.integers(0, 10_000))
def test_rnn_backward_matches_autograd(B, T, n_x, n_a, relu, seed):
    torch.manual_seed(seed)
    nl = "relu" if relu else "tanh"
    P = make_cell("rnn", n_x, n_a, nonlinearity=nl).double().course_parameters()
    x, a0, da = torch.randn(B, T, n_x, dtype=f64), torch.randn(B, n_a, dtype=f64), torch.randn(B, T, n_a, dtype=f64)
    a, cache = rnn_forward(x, a0, P, nl)
    res = rnn_backward(da, cache, keep_step_grads=True)
    ref = autograd_reference("rnn", P, x, a0, None, da, nl)
    for k in ("dW_a", "db_a"):
        assert_close(res.grads[k], ref[k], k)
        assert_close(res.step_grads[k].sum(0), res.grads[k], k + " per step")
        assert_close(res.step_grad_norms[k], res.step_grads[k].flatten(1).norm(dim=1), k + " norms")
    assert_close(res.dx, ref["dx"], "dx")
    assert_close(res.da0, ref["da0"], "da0")
    assert_close(res.da, ref["da"], "da per step")
    assert_close(res.da_norm, ref["da"].transpose(0, 1).reshape(T, -1).norm(dim=1), "‖da‖")
    assert res.dc is None and res.dc0 is None


@settings(max_examples=8, deadline=None)
@given(B=st.integers(1, 3), T=st.integers(1, 7), n_x=st.integers(1, 4), n_a=st.integers(1, 5), seed=st.integers(0, 10_000))
def test_lstm_backward_matches_autograd(B, T, n_x, n_a, seed):
    torch.manual_seed(seed)
    P = make_cell("lstm", n_x, n_a).double().course_parameters()
    x, a0, c0 = torch.randn(B, T, n_x, dtype=f64), torch.randn(B, n_a, dtype=f64), torch.randn(B, n_a, dtype=f64)
    da = torch.randn(B, T, n_a, dtype=f64)
    _, cache = lstm_forward(x, a0, c0, P)
    res = lstm_backward(da, cache, keep_step_grads=True)
    ref = autograd_reference("lstm", P, x, a0, c0, da)
    for k in ("dW_u", "db_u", "dW_f", "db_f", "dW_o", "db_o", "dW_c", "db_c"):
        assert_close(res.grads[k], ref[k], k)
        assert_close(res.step_grads[k].sum(0), res.grads[k], k + " per step")
    for k in ("dx", "da0", "dc0", "da", "dc"):
        assert_close(getattr(res, k), ref[k], k)
    assert_close(res.dc_norm, ref["dc"].transpose(0, 1).reshape(T, -1).norm(dim=1), "‖dc‖")


@pytest.mark.parametrize("kind", ["rnn", "lstm"])
def test_bptt_of_a_layer_equals_autograd_on_fused_weights(kind):
    """The course gradients map back onto torch.nn's fused parameters: dW = [dW_hh ⋮ dW_ih]."""
    torch.manual_seed(7)
    H, n_x = 4, 3
    rec = Recurrent(kind, n_x, H).double()
    x, da = torch.randn(2, 5, n_x, dtype=f64), torch.randn(2, 5, H, dtype=f64)
    (rec(x)[0] * da).sum().backward()
    res = backward_through_time(rec.cell(1), x, da)
    names = ["a"] if kind == "rnn" else ["u", "f", "c", "o"]  # fused chunk order i|f|g|o
    for j, k in enumerate(names):
        rows = slice(j * H, (j + 1) * H)
        assert_close(res.grads[f"dW_{k}"][:, :H], rec.weight_hh_l0.grad[rows], f"W_h{k}")
        assert_close(res.grads[f"dW_{k}"][:, H:], rec.weight_ih_l0.grad[rows], f"W_i{k}")
        assert_close(res.grads[f"db_{k}"], rec.bias_ih_l0.grad[rows], f"b_{k}")


def test_softmax_output_da_matches_cross_entropy_autograd():
    torch.manual_seed(8)
    a = torch.randn(2, 5, 4, dtype=f64, requires_grad=True)
    head = torch.nn.Linear(4, 6).double()
    y = torch.randint(0, 6, (2, 5))
    logits = head(a)
    torch.nn.functional.cross_entropy(logits.reshape(-1, 6), y.reshape(-1)).backward()
    assert_close(softmax_output_da(logits.detach(), y, head.weight.detach()), a.grad, "da")


def test_bptt_rejects_other_kinds_and_bad_shapes():
    with pytest.raises(InputError, match="'gru-course'"):
        backward_through_time(make_cell("gru-course", 2, 3), torch.zeros(1, 2, 2), torch.zeros(1, 2, 3))
    P = make_cell("rnn", 2, 3).course_parameters()
    with pytest.raises(InputError, match="shapes do not fit"):
        rnn_forward(torch.zeros(1, 2, 5), torch.zeros(1, 3), P)
    with pytest.raises(InputError, match="W_u"):
        lstm_forward(torch.zeros(1, 2, 2), torch.zeros(1, 3), torch.zeros(1, 3), P)


def test_vanishing_gradient_is_visible_in_da_norm():
    """Small recurrent weights: ‖∂L/∂a⟨t⟩‖ from a loss on the last step shrinks going back in time."""
    torch.manual_seed(9)
    cell = make_cell("rnn", 2, 8).double()
    with torch.no_grad():
        cell.weight_hh.mul_(0.3)
    x = torch.randn(1, 20, 2, dtype=f64)
    da = torch.zeros(1, 20, 8, dtype=f64)
    da[:, -1] = 1.0
    norms = backward_through_time(cell, x, da).da_norm
    assert norms[0] < 1e-3 * norms[-1]
    assert torch.all(norms[:-1] <= norms[1:] + 1e-12)
