"""Trace shapes and contents, GRU Γu = 1 − z, bidirectional symmetry, dropout, bad input."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from engine.errors import InputError
from engine.recurrent import CELL_KINDS, Recurrent, Trace, make_cell


@pytest.mark.parametrize("kind", CELL_KINDS)
def test_trace_shapes_and_order(kind):
    torch.manual_seed(0)
    B, T, n_x, H = 2, 6, 3, 5
    rec = Recurrent(kind, n_x, H, num_layers=2, bidirectional=True)
    out, _, trace = rec(torch.randn(B, T, n_x), record=True)
    assert isinstance(trace, Trace) and trace.cell == kind
    assert [(lt.layer, lt.direction) for lt in trace.layers] == [
        (1, "forward"), (1, "backward"), (2, "forward"), (2, "backward")
    ]
    assert trace.num_layers == 2 and trace.bidirectional
    cell = rec.cell(1)
    for lt in trace.layers:
        n_in = n_x if lt.layer == 1 else 2 * H
        assert lt.x.shape == (B, T, n_in) and lt.a.shape == (B, T, H) and lt.a0.shape == (B, H)
        assert lt.steps == T
        assert set(lt.gates) == set(cell.gates)
        for g in lt.gates.values():
            assert isinstance(g, np.ndarray) and g.shape == (B, T, H) and g.dtype == np.float32
        if kind == "rnn":
            assert lt.c is None and lt.c0 is None
        else:
            assert lt.c.shape == (B, T, H) and lt.c0.shape == (B, H)
            if not kind.startswith("lstm"):
                np.testing.assert_array_equal(lt.c, lt.a)
    # layer 2's input is layer 1's [→a, ←a]; the output is layer 2's [→a, ←a]
    l1f, l1b = trace.layer(1, "forward"), trace.layer(1, "backward")
    np.testing.assert_array_equal(trace.layer(2).x, np.concatenate([l1f.a, l1b.a], axis=2))
    np.testing.assert_allclose(out.detach().numpy(), np.concatenate([trace.layer(2).a, trace.layer(2, "backward").a], 2))
    # copies: changing the trace changes nothing in the model, and vice versa
    l1f.a[:] = 7.0
    assert not torch.any(out == 7.0)
    with pytest.raises(InputError, match="layer 3"):
        trace.layer(3)


def test_gru_update_gate_is_one_minus_pytorch_z():
    torch.manual_seed(1)
    ref = torch.nn.GRUCell(3, 4).double()
    rec = Recurrent("gru", 3, 4).double()
    rec.load_state_dict({k + "_l0": v for k, v in ref.state_dict().items()})
    x = torch.randn(2, 5, 3, dtype=torch.float64)
    _, _, trace = rec(x, record=True)
    h = torch.zeros(2, 4, dtype=torch.float64)
    for t in range(5):
        z = torch.sigmoid(x[:, t] @ ref.weight_ih[4:8].T + ref.bias_ih[4:8] + h @ ref.weight_hh[4:8].T + ref.bias_hh[4:8])
        np.testing.assert_allclose(trace.layer(1).gates["update"][:, t], 1.0 - z.detach().numpy(), atol=1e-12)
        h = ref(x[:, t], h)


@pytest.mark.parametrize("kind", CELL_KINDS)
@pytest.mark.parametrize("record", [False, True])
def test_backward_direction_of_reversed_sequence_equals_forward_of_original(kind, record):
    torch.manual_seed(2)
    H = 4
    rec = Recurrent(kind, 3, H, bidirectional=True).double()
    with torch.no_grad():  # share weights between the two directions
        for name, p in rec.named_parameters():
            if name.endswith("_reverse"):
                p.copy_(getattr(rec, name[: -len("_reverse")]))
    x = torch.randn(2, 7, 3, dtype=torch.float64)
    out, _, _ = rec(x, record=record)
    out_rev, _, trace_rev = rec(x.flip(1), record=record)
    torch.testing.assert_close(out_rev[..., H:].flip(1), out[..., :H], atol=1e-12, rtol=0)
    if record:
        _, _, trace = rec(x, record=True)
        fwd, bwd = trace.layer(1, "forward"), trace_rev.layer(1, "backward")
        for name in fwd.gates:
            np.testing.assert_allclose(bwd.gates[name][:, ::-1], fwd.gates[name], atol=1e-12)


@pytest.mark.parametrize("kind", CELL_KINDS)
def test_given_state_is_used_and_returned_in_torch_layout(kind):
    rec = Recurrent(kind, 2, 3, num_layers=2)
    x = torch.randn(4, 5, 2)
    out_a, state, _ = rec(x[:, :2])
    out_b, state_b, _ = rec(x[:, 2:], state)
    out_full, state_full, _ = rec(x)
    torch.testing.assert_close(torch.cat([out_a, out_b], 1), out_full)
    if kind.startswith("lstm"):
        assert isinstance(state_full, tuple) and state_full[0].shape == state_full[1].shape == (2, 4, 3)
    else:
        assert isinstance(state_full, torch.Tensor) and state_full.shape == (2, 4, 3)


def test_dropout_only_between_layers_and_only_in_training():
    torch.manual_seed(3)
    rec = Recurrent("gru-course", 3, 8, num_layers=2, dropout=0.5)
    x = torch.randn(2, 4, 3)
    rec.eval()
    a, _, eval_trace = rec(x, record=True)
    b, _, _ = rec(x)
    torch.testing.assert_close(a, b)
    rec.train()
    c, _, trace = rec(x, record=True)
    assert not torch.allclose(a, c)
    x2 = trace.layer(2).x
    assert (x2 == 0).mean() > 0.2  # the dropped input is what layer 2 saw
    np.testing.assert_allclose(trace.layer(1).a, eval_trace.layer(1).a, atol=1e-6)  # layer 1 input is not dropped


BAD = [
    (dict(kind="transformer"), "transformer", "rnn, gru, gru-course"),
    (dict(hidden_size=0), "hidden_size", "0"),
    (dict(hidden_size=-3), "hidden_size", "-3"),
    (dict(hidden_size=2.5), "hidden_size", "2.5"),
    (dict(input_size=0), "input_size", "0"),
    (dict(num_layers=0), "num_layers", "0"),
    (dict(dropout=1.0), "dropout", r"\[0, 1\)"),
    (dict(dropout=-0.1), "dropout", "-0.1"),
    (dict(nonlinearity="sigmoid"), "sigmoid", "tanh, relu"),
    (dict(kind="lstm", nonlinearity="relu"), "relu", "tanh"),
    (dict(bidirectional="yes"), "bidirectional", "yes"),
]


@pytest.mark.parametrize("overrides,name,allowed", BAD)
def test_bad_constructor_arguments_raise_one_input_error(overrides, name, allowed):
    kw = dict(kind="lstm", input_size=3, hidden_size=4)
    kw.update(overrides)
    with pytest.raises(InputError) as err:
        Recurrent(**kw)
    msg = str(err.value)
    assert "\n" not in msg
    assert name in msg
    assert re.search(allowed, msg)
    assert isinstance(err.value, ValueError)


def test_bad_make_cell_arguments():
    with pytest.raises(InputError, match="kind must be one of rnn, gru, .*got 'gru2'"):
        make_cell("gru2", 3, 4)
    with pytest.raises(InputError, match="hidden_size must be a positive integer, got -1"):
        make_cell("rnn", 3, -1)
    cell = make_cell("gru", 3, 4)
    with pytest.raises(InputError, match=r"\(batch, 3\), got \(2, 5\)"):
        cell(torch.zeros(2, 5))
    with pytest.raises(InputError, match=r"one tensor a of shape \(2, 4\)"):
        cell(torch.zeros(2, 3), (torch.zeros(2, 4), torch.zeros(2, 4)))
    with pytest.raises(InputError, match=r"a pair \(a, c\), each of shape \(2, 4\)"):
        make_cell("lstm", 3, 4)(torch.zeros(2, 3), torch.zeros(2, 4))


@pytest.mark.parametrize("kind", ["lstm", "gru-course"])
@pytest.mark.parametrize("record", [False, True])
def test_bad_forward_input_raises_input_error(kind, record):
    rec = Recurrent(kind, 3, 4, num_layers=2)
    with pytest.raises(InputError, match=r"input must have shape \(batch, time, 3\), got \(2, 5, 4\)"):
        rec(torch.zeros(2, 5, 4), record=record)
    with pytest.raises(InputError, match=r"got \(5, 3\)"):
        rec(torch.zeros(5, 3), record=record)
    with pytest.raises(InputError, match="empty"):
        rec(torch.zeros(2, 0, 3), record=record)
    h = torch.zeros(1, 2, 4)
    with pytest.raises(InputError, match=r"\(2, 2, 4\)"):
        rec(torch.zeros(2, 5, 3), (h, h) if kind == "lstm" else h, record=record)
    wrong_kind_of_state = torch.zeros(2, 2, 4) if kind == "lstm" else (torch.zeros(2, 2, 4),) * 2
    with pytest.raises(InputError, match="state"):
        rec(torch.zeros(2, 5, 3), wrong_kind_of_state, record=record)


def test_input_dtype_must_match_the_model():
    rec = Recurrent("gru", 3, 4)
    with pytest.raises(InputError, match="torch.float64 does not match the model's torch.float32"):
        rec(torch.zeros(1, 2, 3, dtype=torch.float64))


@pytest.mark.parametrize("kind", CELL_KINDS)
def test_layer_describes_its_cell_for_the_app(kind):
    rec = Recurrent(kind, 3, 4)
    cell = rec.cell(1)
    assert (rec.gates, rec.variant_note, rec.equations) == (cell.gates, cell.variant_note, cell.equations)


def test_cell_view_bad_layer_or_direction():
    rec = Recurrent("rnn", 3, 4, num_layers=2)
    with pytest.raises(InputError, match=r"layer must be in 1..2, got 0"):
        rec.cell(0)
    with pytest.raises(InputError, match=r"direction must be one of forward, got 'backward'"):
        rec.cell(1, "backward")
