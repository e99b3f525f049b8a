"""Parity with torch.nn.RNN/GRU/LSTM and their *Cell on shared state dicts.

Both paths of ``Recurrent`` (the fused fast path and the recording loop) and single
``RecurrentCell`` steps must match torch.nn to 1e-5 in float32 and 1e-10 in float64.
"""

from __future__ import annotations

import pytest
import torch

from engine.recurrent import Recurrent, make_cell

TOL = {torch.float32: 1e-5, torch.float64: 1e-10}
REFS = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}
CELL_REFS = {"rnn": torch.nn.RNNCell, "gru": torch.nn.GRUCell, "lstm": torch.nn.LSTMCell}


def _max_diff(a, b) -> float:
    if isinstance(a, tuple):
        return max(_max_diff(x, y) for x, y in zip(a, b, strict=True))
    return (a - b).abs().max().item()


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("kind,nonlinearity", [("rnn", "tanh"), ("rnn", "relu"), ("gru", "tanh"), ("lstm", "tanh")])
@pytest.mark.parametrize("num_layers,bidirectional", [(1, False), (1, True), (3, False), (2, True)])
@pytest.mark.parametrize("record", [False, True])
def test_recurrent_matches_torch_nn(kind, nonlinearity, num_layers, bidirectional, dtype, record):
    torch.manual_seed(1)
    kw = {"nonlinearity": nonlinearity} if kind == "rnn" else {}
    ref = REFS[kind](4, 6, num_layers=num_layers, bidirectional=bidirectional, batch_first=True, **kw).to(dtype)
    rec = Recurrent(kind, 4, 6, num_layers=num_layers, bidirectional=bidirectional, nonlinearity=nonlinearity).to(dtype)
    assert set(rec.state_dict()) == set(ref.state_dict())
    rec.load_state_dict(ref.state_dict())
    x = torch.randn(3, 7, 4, dtype=dtype)
    D = 2 if bidirectional else 1
    h0 = torch.randn(num_layers * D, 3, 6, dtype=dtype)
    state = (h0, torch.randn_like(h0)) if kind == "lstm" else h0
    for s in (None, state):
        want_out, want_state = ref(x, s)
        got_out, got_state, trace = rec(x, s, record=record)
        assert (trace is not None) == record
        assert got_out.shape == (3, 7, D * 6)
        assert _max_diff(got_out, want_out) <= TOL[dtype]
        assert _max_diff(tuple(got_state) if kind == "lstm" else got_state, tuple(want_state) if kind == "lstm" else want_state) <= TOL[dtype]


@pytest.mark.parametrize("kind", ["rnn", "gru", "lstm"])
def test_recurrent_gradients_match_torch_nn(kind):
    torch.manual_seed(2)
    ref = REFS[kind](3, 5, num_layers=2, bidirectional=True, batch_first=True).double()
    rec = Recurrent(kind, 3, 5, num_layers=2, bidirectional=True).double()
    rec.load_state_dict(ref.state_dict())
    x = torch.randn(2, 6, 3, dtype=torch.float64)
    ref(x)[0].pow(2).sum().backward()
    for record in (False, True):
        rec.zero_grad()
        rec(x, record=record)[0].pow(2).sum().backward()
        for name, p in ref.named_parameters():
            assert (getattr(rec, name).grad - p.grad).abs().max().item() <= 1e-10, (name, record)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("kind", ["rnn", "gru", "lstm"])
def test_cell_matches_torch_cell(kind, dtype):
    torch.manual_seed(3)
    ref = CELL_REFS[kind](4, 6).to(dtype)
    cell = make_cell(kind, 4, 6).to(dtype)
    assert set(cell.state_dict()) == set(ref.state_dict())
    cell.load_state_dict(ref.state_dict())
    x = torch.randn(5, 4, dtype=dtype)
    a = torch.randn(5, 6, dtype=dtype)
    state = (a, torch.randn_like(a)) if kind == "lstm" else a
    got, gates = cell(x, state)
    want = ref(x, state)
    assert _max_diff(tuple(got) if kind == "lstm" else got, tuple(want) if kind == "lstm" else want) <= TOL[dtype]
    assert set(gates) == set(cell.gates)


def test_recurrent_relu_rnn_cell_matches_torch():
    torch.manual_seed(4)
    ref = torch.nn.RNNCell(3, 4, nonlinearity="relu").double()
    cell = make_cell("rnn", 3, 4, nonlinearity="relu").double()
    cell.load_state_dict(ref.state_dict())
    x, a = torch.randn(2, 3, dtype=torch.float64), torch.randn(2, 4, dtype=torch.float64)
    assert _max_diff(cell(x, a)[0], ref(x, a)) <= 1e-12


def test_cell_views_share_parameters_without_copies():
    rec = Recurrent("lstm", 3, 4, num_layers=2, bidirectional=True)
    cell = rec.cell(layer=2, direction="backward")
    assert cell.weight_ih is rec.weight_ih_l1_reverse
    assert cell.input_size == 8
    with torch.no_grad():
        rec.bias_hh_l1_reverse.add_(1.0)
    assert torch.equal(cell.bias_hh, rec.bias_hh_l1_reverse)
    assert len(rec.cells) == 4
    # parameters() lists every tensor once and the state dict has torch.nn's keys only
    assert len(list(rec.parameters())) == 16


@pytest.mark.parametrize("kind", ["gru-course", "gru-simple", "lstm-peephole"])
def test_recording_leaves_the_outputs_of_loop_kinds_unchanged(kind):
    torch.manual_seed(5)
    rec = Recurrent(kind, 3, 5, num_layers=2, bidirectional=True).double()
    x = torch.randn(2, 6, 3, dtype=torch.float64)
    fast_out, fast_state, none = rec(x)
    slow_out, slow_state, trace = rec(x, record=True)
    assert none is None and trace is not None
    assert _max_diff(fast_out, slow_out) <= 1e-12
    assert _max_diff(
        tuple(fast_state) if rec.has_memory_cell else fast_state,
        tuple(slow_state) if rec.has_memory_cell else slow_state,
    ) <= 1e-12


@pytest.mark.gpu
@pytest.mark.parametrize("kind", ["rnn", "gru", "gru-course", "gru-simple", "lstm", "lstm-peephole"])
def test_cuda_matches_cpu(kind):
    torch.manual_seed(6)
    rec = Recurrent(kind, 3, 5, num_layers=2, bidirectional=True).double()
    x = torch.randn(2, 6, 3, dtype=torch.float64)
    want, _, want_trace = rec(x, record=True)
    rec_gpu = rec.to("cuda")
    for record in (False, True):
        got, _, trace = rec_gpu(x.to("cuda"), record=record)
        assert got.device.type == "cuda"
        assert _max_diff(got.cpu(), want) <= 1e-10
    assert abs(trace.layer(2, "backward").a - want_trace.layer(2, "backward").a).max() <= 1e-10
