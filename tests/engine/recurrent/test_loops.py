"""The per-step loops and the hand-fused peephole LSTM against the reference step ``cell_step``."""

from __future__ import annotations

import pytest
import torch

from engine.recurrent import CELL_KINDS, Recurrent, loops
from engine.recurrent.cells import cell_step
from engine.recurrent.peephole_fused import peephole_lstm_sequence

f64 = torch.float64


def reference_sequence(kind, x, state, p, nonlinearity, reverse):
    """Autograd through cells.cell_step, one step at a time (the readable definition)."""
    xw = x @ p["weight_ih"].T + p["bias_ih"]
    outs = [None] * x.shape[1]
    for t in reversed(range(x.shape[1])) if reverse else range(x.shape[1]):
        state, _ = cell_step(kind, xw[:, t], state, p["weight_hh"], p["bias_hh"], p.get("peephole"), nonlinearity, False)
        outs[t] = state[0] if isinstance(state, tuple) else state
    return torch.stack(outs, 1), state


@pytest.mark.parametrize("kind", CELL_KINDS)
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("torchscript", [False, True])
def test_loop_outputs_and_gradients_equal_the_step_definition(kind, reverse, torchscript, monkeypatch):
    monkeypatch.setattr(loops, "USE_TORCHSCRIPT", torchscript)
    monkeypatch.setattr(loops, "USE_TORCHSCRIPT_WITHOUT_GRAD", torchscript)
    torch.manual_seed(0)
    nonlinearity = "relu" if kind == "rnn" and reverse else "tanh"
    rec = Recurrent(kind, 3, 4, nonlinearity=nonlinearity).double()
    p = rec.layer_parameters(1)
    x = torch.randn(2, 5, 3, dtype=f64)
    lstm = kind.startswith("lstm")
    s0 = (torch.randn(2, 4, dtype=f64), torch.randn(2, 4, dtype=f64)) if lstm else torch.randn(2, 4, dtype=f64)
    want, want_state = reference_sequence(kind, x, s0, p, nonlinearity, reverse)
    got, c_seq, got_state = loops.run_sequence(
        kind, x, s0, p["weight_ih"], p["weight_hh"], p["bias_ih"], p["bias_hh"], p.get("peephole"), nonlinearity, reverse=reverse
    )
    torch.testing.assert_close(got, want, atol=1e-12, rtol=0)
    assert (c_seq is not None) == lstm
    if lstm:
        torch.testing.assert_close(got_state[1], want_state[1], atol=1e-12, rtol=0)
        torch.testing.assert_close(c_seq[:, 0 if reverse else -1], want_state[1], atol=1e-12, rtol=0)
    with torch.no_grad():  # the inference path (TorchScript by default) gives the same numbers
        got_ng, _, _ = loops.run_sequence(
            kind, x, s0, p["weight_ih"], p["weight_hh"], p["bias_ih"], p["bias_hh"], p.get("peephole"), nonlinearity, reverse=reverse
        )
    torch.testing.assert_close(got_ng, want.detach(), atol=1e-12, rtol=0)
    w = torch.randn_like(want)
    g_want = torch.autograd.grad((want * w).sum(), list(p.values()))
    got2, _, _ = loops.run_sequence(
        kind, x, s0, p["weight_ih"], p["weight_hh"], p["bias_ih"], p["bias_hh"], p.get("peephole"), nonlinearity, reverse=reverse
    )
    g_got = torch.autograd.grad((got2 * w).sum(), list(p.values()))
    for a, b, name in zip(g_got, g_want, p):
        torch.testing.assert_close(a, b, atol=1e-10, rtol=0, msg=name)


def test_fused_peephole_passes_gradcheck():
    torch.manual_seed(1)
    B, T, H = 2, 4, 3
    args = [
        torch.randn(B, T, 4 * H, dtype=f64, requires_grad=True),
        torch.randn(B, H, dtype=f64, requires_grad=True),
        torch.randn(B, H, dtype=f64, requires_grad=True),
        torch.randn(4 * H, H, dtype=f64, requires_grad=True),
        torch.randn(3, H, dtype=f64, requires_grad=True),
    ]
    assert torch.autograd.gradcheck(peephole_lstm_sequence, args)


def test_fused_peephole_equals_autograd_loop_in_a_deep_bidirectional_model(monkeypatch):
    torch.manual_seed(2)
    rec = Recurrent("lstm-peephole", 3, 4, num_layers=2, bidirectional=True).double()
    x = torch.randn(2, 6, 3, dtype=f64)
    results = []
    for fused in (True, False):
        monkeypatch.setattr(loops, "USE_FUSED_PEEPHOLE", fused)
        rec.zero_grad()
        out, (h, c), _ = rec(x)
        (out.pow(2).sum() + h.sum() + 2 * c.sum()).backward()
        results.append((out.detach(), h.detach(), c.detach(), {n: p.grad.clone() for n, p in rec.named_parameters()}))
    (o1, h1, c1, g1), (o2, h2, c2, g2) = results
    torch.testing.assert_close(o1, o2, atol=1e-12, rtol=0)
    torch.testing.assert_close(c1, c2, atol=1e-12, rtol=0)
    for name in g1:
        torch.testing.assert_close(g1[name], g2[name], atol=1e-10, rtol=0, msg=name)
