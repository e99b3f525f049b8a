"""The trace JSON recomputes from its own x, a0/c0 and parameters with the course's equations (numpy)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine.lm import TRACE_FORMAT, record_trace, trace_to_json

from .test_model import tiny_model


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def course_step(kind, P, x, a, c):
    """One step of the course's equations; returns (a, c, gates)."""
    if kind == "rnn":
        return np.tanh(P["W_a"] @ np.concatenate([a, x]) + P["b_a"]), None, {}
    if kind == "gru":  # PyTorch form, in its own per-gate matrices
        r = sigmoid(P["W_ir"] @ x + P["b_ir"] + P["W_hr"] @ a + P["b_hr"])
        u = 1 - sigmoid(P["W_iz"] @ x + P["b_iz"] + P["W_hz"] @ a + P["b_hz"])
        ct = np.tanh(P["W_in"] @ x + P["b_in"] + r * (P["W_hn"] @ a + P["b_hn"]))
        c_new = u * ct + (1 - u) * a
        return c_new, c_new, {"update": u, "relevance": r, "candidate": ct}
    if kind in ("gru-course", "gru-simple"):
        s = np.concatenate([c, x])
        u = sigmoid(P["W_u"] @ s + P["b_u"])
        gates = {"update": u}
        if kind == "gru-course":
            r = sigmoid(P["W_r"] @ s + P["b_r"])
            ct = np.tanh(P["W_c"] @ np.concatenate([r * c, x]) + P["b_c"])
            gates["relevance"] = r
        else:
            ct = np.tanh(P["W_c"] @ s + P["b_c"])
        gates["candidate"] = ct
        c_new = u * ct + (1 - u) * c
        return c_new, c_new, gates
    s = np.concatenate([a, x])
    peep = kind == "lstm-peephole"
    u = sigmoid(P["W_u"] @ s + P["b_u"] + (P["p_u"] * c if peep else 0))
    f = sigmoid(P["W_f"] @ s + P["b_f"] + (P["p_f"] * c if peep else 0))
    ct = np.tanh(P["W_c"] @ s + P["b_c"])
    c_new = u * ct + f * c
    o = sigmoid(P["W_o"] @ s + P["b_o"] + (P["p_o"] * c_new if peep else 0))
    return o * np.tanh(c_new), c_new, {"update": u, "forget": f, "output": o, "candidate": ct}


@pytest.mark.parametrize("kind, layers", [("rnn", 1), ("gru", 1), ("gru-course", 2), ("gru-simple", 1), ("lstm", 2), ("lstm-peephole", 1)])
def test_trace_json_recomputes_from_its_parameters(kind, layers):
    model = tiny_model(kind, layers=layers)
    tokens, trace = record_trace(model, "karo")
    data = json.loads(json.dumps(trace_to_json(model, tokens, trace, parameters=True)))
    assert data["format"] == TRACE_FORMAT and data["cell"] == kind
    assert data["tokens"] == ["k", "a", "r", "o", "<eos>"] and data["inputs"][0] is None
    assert [(e["layer"], e["direction"]) for e in data["layers"]] == [(i, "forward") for i in range(1, layers + 1)]
    x1 = np.array(data["layers"][0]["x"])
    assert np.all(x1[0] == 0) and x1[1].argmax() == model.vocab.index["k"]  # x⟨1⟩ = 0, x⟨2⟩ = O_k
    below = None
    for entry in data["layers"]:
        P = {k: np.array(v) for k, v in entry["parameters"].items()}
        X = np.array(entry["x"])
        if below is not None:
            np.testing.assert_allclose(X, below, atol=1e-6)  # layer l reads the a of layer l − 1
        a = np.array(entry["a0"])
        c = np.array(entry["c0"]) if "c0" in entry else None
        for t in range(len(tokens)):
            a, c, gates = course_step(kind, P, X[t], a, c)
            np.testing.assert_allclose(a, entry["a"][t], atol=1e-5)
            if "c" in entry:
                np.testing.assert_allclose(c, entry["c"][t], atol=1e-5)
            assert set(gates) == set(entry["gates"])
            for name, value in gates.items():
                np.testing.assert_allclose(value, entry["gates"][name][t], atol=1e-5, err_msg=f"{name} at t={t}")
        below = np.array(entry["a"])


def test_parameters_only_on_request_and_layer_filter():
    model = tiny_model("lstm", layers=2)
    tokens, trace = record_trace(model, "ka")
    data = trace_to_json(model, tokens, trace, parameters=False, layer=2)
    assert [e["layer"] for e in data["layers"]] == [2]
    assert "parameters" not in data["layers"][0]
    assert len(data["layers"][0]["gates"]["forget"]) == 3  # T + 1 steps: k, a, EOS
