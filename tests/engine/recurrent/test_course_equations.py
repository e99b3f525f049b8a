"""Every cell against an independent numpy implementation of the course's equations.

The numpy reference reads the weights only through ``course_parameters()`` (every
matrix multiplies the stacked ``[a⟨t−1⟩ ; x⟨t⟩]``), so this also checks that view.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.recurrent import CELL_KINDS, GATE_NAMES, Recurrent, make_cell


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def np_step(kind, P, x, a, c, nonlinearity="tanh"):
    """One step of ``kind`` in numpy; returns ``(a, c, gates)``."""
    s = np.concatenate([a, x], axis=1)  # [a⟨t−1⟩ ; x⟨t⟩]

    def lin(name, inp=s):
        return inp @ P["W_" + name].T + P["b_" + name]

    if kind == "rnn":
        z = lin("a")
        a_new = np.tanh(z) if nonlinearity == "tanh" else np.maximum(z, 0.0)
        return a_new, None, {}
    if kind == "gru":  # PyTorch/cuDNN form, PyTorch's names
        r = sigmoid(x @ P["W_ir"].T + P["b_ir"] + a @ P["W_hr"].T + P["b_hr"])
        z = sigmoid(x @ P["W_iz"].T + P["b_iz"] + a @ P["W_hz"].T + P["b_hz"])
        n = np.tanh(x @ P["W_in"].T + P["b_in"] + r * (a @ P["W_hn"].T + P["b_hn"]))
        u = 1.0 - z
        c_new = u * n + (1.0 - u) * a
        return c_new, c_new, {"update": u, "relevance": r, "candidate": n}
    if kind == "gru-course":
        u = sigmoid(lin("u"))
        r = sigmoid(lin("r"))
        c_tilde = np.tanh(lin("c", np.concatenate([r * a, x], axis=1)))
        c_new = u * c_tilde + (1.0 - u) * a
        return c_new, c_new, {"update": u, "relevance": r, "candidate": c_tilde}
    if kind == "gru-simple":
        u = sigmoid(lin("u"))
        c_tilde = np.tanh(lin("c"))
        c_new = u * c_tilde + (1.0 - u) * a
        return c_new, c_new, {"update": u, "candidate": c_tilde}
    peep = kind == "lstm-peephole"
    u = sigmoid(lin("u") + (P["p_u"] * c if peep else 0.0))
    f = sigmoid(lin("f") + (P["p_f"] * c if peep else 0.0))
    c_tilde = np.tanh(lin("c"))
    c_new = u * c_tilde + f * c
    o = sigmoid(lin("o") + (P["p_o"] * c_new if peep else 0.0))
    a_new = o * np.tanh(c_new)
    return a_new, c_new, {"update": u, "forget": f, "output": o, "candidate": c_tilde}


def np_sequence(kind, P, x, a0, c0, reverse=False, nonlinearity="tanh"):
    """Run over ``x`` ``(B, T, n_x)``; arrays come back in original time order."""
    B, T, _ = x.shape
    a, c = a0, c0
    A = np.zeros((B, T, a0.shape[1]))
    C = np.zeros_like(A)
    G: dict[str, np.ndarray] = {}
    for t in reversed(range(T)) if reverse else range(T):
        a, c, g = np_step(kind, P, x[:, t], a, c, nonlinearity)
        A[:, t] = a
        if c is not None:
            C[:, t] = c
        for k, v in g.items():
            G.setdefault(k, np.zeros_like(A))[:, t] = v
    return A, C, G


def course_np(cell):
    return {k: v.detach().double().numpy() for k, v in cell.course_parameters().items()}


@pytest.mark.parametrize("kind", CELL_KINDS)
def test_deep_bidirectional_trace_matches_numpy_course_equations(kind):
    torch.manual_seed(10)
    B, T, n_x, H = 2, 5, 3, 4
    rec = Recurrent(kind, n_x, H, num_layers=2, bidirectional=True).double()
    x = torch.randn(B, T, n_x, dtype=torch.float64)
    h0 = torch.randn(4, B, H, dtype=torch.float64)
    lstm = kind.startswith("lstm")
    c0 = torch.randn(4, B, H, dtype=torch.float64)
    out, _, trace = rec(x, (h0, c0) if lstm else h0, record=True)
    fast_out = rec(x, (h0, c0) if lstm else h0)[0]
    layer_in = x.numpy()
    for layer in (1, 2):
        outs = []
        for d, direction in enumerate(("forward", "backward")):
            idx = (layer - 1) * 2 + d
            a0 = h0[idx].numpy()
            cc0 = c0[idx].numpy() if lstm else a0
            P = course_np(rec.cell(layer, direction))
            A, C, G = np_sequence(kind, P, layer_in, a0, cc0, reverse=bool(d))
            lt = trace.layer(layer, direction)
            np.testing.assert_allclose(lt.x, layer_in, atol=1e-12)
            np.testing.assert_allclose(lt.a0, a0, atol=1e-12)
            np.testing.assert_allclose(lt.a, A, atol=1e-10)
            if kind == "rnn":
                assert lt.c is None and lt.c0 is None
            else:
                np.testing.assert_allclose(lt.c, C, atol=1e-10)
                np.testing.assert_allclose(lt.c0, cc0, atol=1e-12)
            assert set(lt.gates) == set(G)
            for name in G:
                np.testing.assert_allclose(lt.gates[name], G[name], atol=1e-10, err_msg=name)
            outs.append(A)
        layer_in = np.concatenate(outs, axis=2)
    np.testing.assert_allclose(out.detach().numpy(), layer_in, atol=1e-10)
    np.testing.assert_allclose(fast_out.detach().numpy(), layer_in, atol=1e-10)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(CELL_KINDS),
    n_x=st.integers(1, 4),
    H=st.integers(1, 5),
    B=st.integers(1, 3),
    scale=st.floats(0.1, 20.0),
    nonlinearity=st.sampled_from(["tanh", "relu"]),
    seed=st.integers(0, 2**16),
)
def test_single_cell_step_matches_numpy(kind, n_x, H, B, scale, nonlinearity, seed):
    if kind != "rnn":
        nonlinearity = "tanh"
    torch.manual_seed(seed)
    cell = make_cell(kind, n_x, H, nonlinearity=nonlinearity).double()
    with torch.no_grad():
        for p in cell.parameters():
            p.mul_(scale)  # large weights saturate the gates: still in range, still equal
    x = torch.randn(B, n_x, dtype=torch.float64)
    a = torch.randn(B, H, dtype=torch.float64)
    c = torch.randn(B, H, dtype=torch.float64)
    state = (a, c) if cell.has_memory_cell else a
    new_state, gates = cell(x, state)
    a_np, c_np, g_np = np_step(kind, course_np(cell), x.numpy(), a.numpy(), c.numpy() if cell.has_memory_cell else a.numpy(), nonlinearity)
    got_a = new_state[0] if cell.has_memory_cell else new_state
    np.testing.assert_allclose(got_a.detach().numpy(), a_np, atol=1e-10)
    if cell.has_memory_cell:
        np.testing.assert_allclose(new_state[1].detach().numpy(), c_np, atol=1e-10)
    assert tuple(sorted(gates)) == tuple(sorted(cell.gates)) == tuple(sorted(g_np))
    assert set(cell.gates) <= set(GATE_NAMES)
    for name, v in gates.items():
        np.testing.assert_allclose(v.detach().numpy(), g_np[name], atol=1e-10)
        lo = -1.0 if name == "candidate" else 0.0
        assert float(v.detach().min()) >= lo and float(v.detach().max()) <= 1.0, name


def test_course_parameter_keys_and_shapes():
    n_x, H = 3, 4
    want = {
        "rnn": {"W_a", "b_a"},
        "gru-course": {"W_u", "b_u", "W_r", "b_r", "W_c", "b_c"},
        "gru-simple": {"W_u", "b_u", "W_c", "b_c"},
        "lstm": {"W_u", "b_u", "W_f", "b_f", "W_o", "b_o", "W_c", "b_c"},
        "lstm-peephole": {"W_u", "b_u", "W_f", "b_f", "W_o", "b_o", "W_c", "b_c", "p_u", "p_f", "p_o"},
    }
    for kind, keys in want.items():
        P = make_cell(kind, n_x, H).course_parameters()
        assert set(P) == keys, kind
        for k, v in P.items():
            want_shape = (H, H + n_x) if k.startswith("W_") else (H,)
            assert tuple(v.shape) == want_shape, (kind, k)
    P = make_cell("gru", n_x, H).course_parameters()
    assert {k[:3] for k in P} == {"W_i", "W_h", "b_i", "b_h"} and len(P) == 12


def test_course_view_stacks_a_part_first():
    cell = make_cell("rnn", 2, 3)
    W_a = cell.course_parameters()["W_a"]
    assert torch.equal(W_a[:, :3], cell.weight_hh) and torch.equal(W_a[:, 3:], cell.weight_ih)


@pytest.mark.parametrize("kind", CELL_KINDS)
def test_every_cell_has_docs_for_the_app(kind):
    cell = make_cell(kind, 2, 3)
    assert cell.kind == kind and cell.input_size == 2 and cell.hidden_size == 3
    assert cell.has_memory_cell == kind.startswith("lstm")
    assert cell.variant_note and "\n" not in cell.variant_note
    assert cell.equations and all(isinstance(e, str) for e in cell.equations)
    if kind.startswith("lstm"):
        assert any("Γo ∗ tanh(c⟨t⟩)" in e for e in cell.equations)
